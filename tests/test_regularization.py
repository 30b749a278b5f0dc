"""The laws of the L2 penalty and of inverted dropout (``scratch.regularization``).

``tests/test_contract.py`` checks both against torch and finite differences (dropout with the mask
the implementation drew); here are their own properties: the penalty's formula and gradient,
dropout keeping the expectation (``E[A_out] = A``) and keeping about ``keep_prob`` of the units,
its backward using the forward's mask and scale, reproducibility from a seed, and the refusal of
a ``keep_prob`` outside ``(0, 1]``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import oracle
from oracle.checks import strategies as s
from oracle.compare import assert_close, tolerance
from scratch import regularization as reg

Array = Any
KEEP_PROBS = [0.1, 0.5, 0.8, 0.9]


@st.composite
def weights_lambd_m(draw: st.DrawFn) -> tuple[list[Array], float, int]:
    """One to three weight matrices of small drawn shapes, ``lambd`` in ``[0, 5]``, ``m``."""
    shapes = draw(st.lists(st.tuples(st.integers(1, 5), st.integers(1, 5)), min_size=1, max_size=3))
    weights = [draw(s.arrays(shape, -3.0, 3.0)) for shape in shapes]
    return weights, draw(st.floats(0.0, 5.0, allow_subnormal=False)), draw(st.integers(1, 1000))


# --- L2 ---------------------------------------------------------------------------------------


@given(weights_lambd_m())
def test_l2_penalty_is_lambd_over_2m_times_the_sum_of_squares(
    x: tuple[list[Array], float, int],
) -> None:
    """``l2_penalty(Ws, lambd, m) = lambd / (2 m) * sum_l sum_ij W[l]_ij**2``, by hand and as the
    oracle computes it."""
    weights, lambd, m = x
    penalty = reg.l2_penalty(weights, lambd, m)
    assert penalty.shape == ()
    by_hand = lambd / (2 * m) * math.fsum(float(w) ** 2 for W in weights for w in W.ravel())
    terms = sum(W.size for W in weights)  # a sum of that many squares, all nonnegative
    assert_close("l2_penalty", "penalty", penalty, np.asarray(by_hand), terms)
    assert_close("l2_penalty", "penalty", penalty, oracle.l2_penalty(weights, lambd, m), terms)


@given(weights_lambd_m())
def test_l2_penalty_is_zero_for_lambd_zero(x: tuple[list[Array], float, int]) -> None:
    """``lambd = 0`` switches L2 off: the penalty and its gradient are exactly 0."""
    weights, _, m = x
    assert reg.l2_penalty(weights, 0.0, m) == 0
    np.testing.assert_array_equal(reg.l2_penalty_backward(weights[0], 0.0, m), 0.0)


@given(weights_lambd_m())
def test_l2_penalty_backward_is_lambd_over_m_times_W(x: tuple[list[Array], float, int]) -> None:
    """``l2_penalty_backward(W, lambd, m) = (lambd / m) W``: the square's 2 cancels the 1/2."""
    weights, lambd, m = x
    W = weights[0]
    # One division and one product: a few ulps.
    assert_close("l2_penalty_backward", "dW", reg.l2_penalty_backward(W, lambd, m), lambd / m * W)


# --- Dropout: statistics ----------------------------------------------------------------------

#: Ones of this shape: large enough that the fraction kept is close to keep_prob.
SHAPE = (200, 500)
N = SHAPE[0] * SHAPE[1]
#: How many binomial standard deviations a statistic may be from its expectation. The seeds are
#: fixed, so these tests give the same answer on every run and cannot flake; the bound says that a
#: correct implementation passes for all but ~2e-9 of seeds (a normal tail beyond 6 sigma), so the
#: seeds below were not picked to pass, while the usual mistakes are far outside it: without the
#: 1/keep_prob the mean is off by 1 - keep_prob, sqrt(N p (1 - p)) >= 94 sigma for these sizes;
#: keeping with probability 1 - keep_prob moves the fraction kept as far (for keep_prob != 0.5).
SIGMAS = 6


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("keep_prob", KEEP_PROBS)
def test_inverted_dropout_keeps_the_expectation(keep_prob: float, seed: int) -> None:
    """``E[A_out] = A``: with ``A`` all ones, ``mean(A_out) = K / (N keep_prob)`` where ``K``, the
    number kept, is binomial ``(N, keep_prob)``; its standard deviation is
    ``sqrt(N p (1 - p)) / (N p) = sqrt((1 - p) / (N p))``. The mean is within 6 of them of 1."""
    A = s.read_only(np.ones(SHAPE))
    A_out, _ = reg.dropout_forward(A, keep_prob, np.random.default_rng(seed))
    sigma = math.sqrt((1 - keep_prob) / (N * keep_prob))
    assert abs(A_out.mean() - 1.0) <= SIGMAS * sigma, (A_out.mean(), sigma)


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("keep_prob", KEEP_PROBS)
def test_dropout_keeps_about_keep_prob_of_the_units(keep_prob: float, seed: int) -> None:
    """The fraction of ``True`` in the mask is binomial ``(N, keep_prob) / N``, standard deviation
    ``sqrt(p (1 - p) / N)``: it is within 6 of them of ``keep_prob``. The kept units are the
    nonzero ones of ``A_out``, and each is ``A / keep_prob``."""
    A = s.read_only(np.ones(SHAPE))
    A_out, mask = reg.dropout_forward(A, keep_prob, np.random.default_rng(seed))
    assert mask.shape == SHAPE and mask.dtype == np.bool_
    sigma = math.sqrt(keep_prob * (1 - keep_prob) / N)
    assert abs(mask.mean() - keep_prob) <= SIGMAS * sigma, (mask.mean(), sigma)
    np.testing.assert_array_equal(A_out != 0, mask)
    np.testing.assert_allclose(A_out[mask], 1 / keep_prob, rtol=tolerance(np.float64), atol=0)


# --- Dropout: laws ------------------------------------------------------------------------------


@st.composite
def dropout_inputs(draw: st.DrawFn) -> dict[str, Any]:
    shape = draw(s.dims(large=False))
    return {
        "A": draw(s.arrays(shape, -5.0, 5.0)),
        "dA": draw(s.upstream(shape)),
        "keep_prob": draw(st.sampled_from([*KEEP_PROBS, 1.0])),
        "seed": draw(st.integers(0, 2**32 - 1)),
    }


@given(dropout_inputs())
def test_keep_prob_1_is_the_identity(x: dict[str, Any]) -> None:
    """``keep_prob = 1`` keeps every unit: the mask is all ``True`` and ``A_out = A`` exactly,
    and the backward passes ``dA`` through unchanged."""
    A_out, mask = reg.dropout_forward(x["A"], 1.0, np.random.default_rng(x["seed"]))
    assert mask.all()
    np.testing.assert_array_equal(A_out, x["A"])
    np.testing.assert_array_equal(reg.dropout_backward(x["dA"], mask, 1.0), x["dA"])


@given(dropout_inputs())
def test_dropout_backward_uses_the_forwards_mask_and_scale(x: dict[str, Any]) -> None:
    """``dropout_backward(dA, mask, p)`` is 0 where the unit was dropped and ``dA / p`` where it
    was kept: the forward is linear in ``A`` with this mask and scale, so the backward is the same
    map; it equals the forward applied to ``dA`` with the same seed."""
    p = x["keep_prob"]
    _, mask = reg.dropout_forward(x["A"], p, np.random.default_rng(x["seed"]))
    dA_in = reg.dropout_backward(x["dA"], mask, p)
    np.testing.assert_array_equal(dA_in[~mask], 0.0)
    # One division (dA / p, or dA * (1 / p)): a few ulps.
    assert_close("dropout_backward", "dA_in", dA_in, np.where(mask, x["dA"] / p, 0.0))
    same_map, _ = reg.dropout_forward(x["dA"], p, np.random.default_rng(x["seed"]))
    assert_close("dropout_backward", "dA_in", dA_in, same_map)


@given(dropout_inputs())
def test_the_same_seed_gives_the_same_mask(x: dict[str, Any]) -> None:
    """Two generators from one seed give the same mask and the same output."""
    p = x["keep_prob"]
    first = reg.dropout_forward(x["A"], p, np.random.default_rng(x["seed"]))
    second = reg.dropout_forward(x["A"], p, np.random.default_rng(x["seed"]))
    np.testing.assert_array_equal(first[1], second[1])
    np.testing.assert_array_equal(first[0], second[0])


@pytest.mark.parametrize("keep_prob", [0.0, -0.5, 1.5, float("nan"), float("inf")])
def test_invalid_keep_prob_is_refused(keep_prob: float) -> None:
    """``keep_prob`` must be in ``(0, 1]``: 0 would divide by zero, a negative or a value above 1
    is not a probability, NaN keeps nothing. Forward and backward raise ``ValueError``."""
    A = s.read_only(np.ones((2, 3)))
    with pytest.raises(ValueError, match="keep_prob"):
        reg.dropout_forward(A, keep_prob, np.random.default_rng(0))
    with pytest.raises(ValueError, match="keep_prob"):
        reg.dropout_backward(A, np.ones((2, 3), dtype=bool), keep_prob)
