"""The laws of the losses and the cost (``scratch.losses``), and their stability at predictions of
exactly 0 and 1 and at logits of +-1e4.

``tests/test_contract.py`` checks each loss and backward against torch and finite differences;
here are the properties of the losses themselves: when a loss is zero, what cross-entropy means,
that the fused softmax-cross-entropy backward is the chain rule through the two functions, and
the ``1/m`` law (the cost is a mean: duplicating the batch changes nothing, and halves every
entry of the gradient, which is the gradient of a mean over twice as many examples).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import oracle
from oracle.checks import strategies as s
from oracle.compare import assert_close, tolerance
from scratch import activations as act
from scratch import losses

Array = Any
DTYPES = pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])


@st.composite
def predictions_and_one_hot(
    draw: st.DrawFn, low: float = -10.0, high: float = 10.0
) -> tuple[Array, Array, Array]:
    """Logits ``Z`` in ``[low, high]`` of a small ``(C, m)`` (``C >= 2``), ``AL = softmax(Z)``
    (torch's, so that no expected value comes from the code under test) and one-hot ``Y``."""
    C, m = draw(s.dims(large=False))
    C = max(C, 2)
    Z = draw(s.arrays((C, m), low, high))
    return Z, s.read_only(oracle.softmax(Z)), draw(s.one_hot(C, m))


# --- Cross-entropy and the cost -------------------------------------------------------------------


@given(st.data())
def test_cross_entropy_is_zero_for_a_perfect_prediction(data: st.DataObject) -> None:
    """``cross_entropy(Y, Y) = 0`` for one-hot ``Y``: the true class gets probability 1."""
    C, m = data.draw(s.dims(large=False))
    Y = data.draw(s.one_hot(max(C, 2), m))
    np.testing.assert_array_equal(losses.cross_entropy(Y, Y), np.zeros((1, m)))


@given(st.data())
def test_cross_entropy_is_positive_for_an_imperfect_prediction(data: st.DataObject) -> None:
    """``cross_entropy(AL, Y) > 0`` when the true class's probability is below 1."""
    C, m = data.draw(s.dims(large=False))
    C = max(C, 2)
    AL = data.draw(s.probabilities((C, m)))  # in [1e-3, 1 - 1e-3]: -log of it is >= 1e-3
    Y = data.draw(s.one_hot(C, m))
    assert np.all(losses.cross_entropy(AL, Y) > 0)


@given(predictions_and_one_hot(-30.0, 30.0))
def test_cross_entropy_is_minus_log_of_the_true_class_probability(
    x: tuple[Array, Array, Array],
) -> None:
    """``cross_entropy(AL, Y)[j] = -log(AL[label_j, j])`` for one-hot ``Y``: the other classes'
    probabilities do not enter."""
    _, AL, Y = x
    labels = Y.argmax(axis=0)
    p_true = AL[labels, np.arange(AL.shape[1])]
    expected = -np.log(p_true)[None, :]
    assert np.all(np.log(p_true) > losses.LOG_FLOOR)  # logits in [-30, 30]: no clamping here
    # A sum of C terms of which C - 1 are exact zeros: the log's few ulps remain.
    assert_close("cross_entropy", "loss", losses.cross_entropy(AL, Y), expected, AL.shape[0])


@given(st.data())
def test_cost_is_the_mean_of_the_loss(data: st.DataObject) -> None:
    """``cost(loss) = (1/m) sum_j loss[0, j]``, a 0-d array."""
    _, m = data.draw(s.dims())
    loss = data.draw(s.arrays((1, m), 0.0, 10.0))
    J = losses.cost(loss)
    assert J.shape == ()
    # fsum adds exactly; numpy's sum of m nonnegative terms is within tolerance(m) of it.
    expected = np.asarray(math.fsum(loss.ravel()) / m)
    assert_close("cost", "J", J, expected, m)


# --- Binary cross-entropy at predictions of exactly 0 and 1 ----------------------------------


@DTYPES
def test_binary_cross_entropy_at_exact_0_and_1_is_finite_and_torchs(dtype: type) -> None:
    """Predictions of exactly 0 and 1, right and wrong: the loss is finite and torch's
    (``F.binary_cross_entropy`` clamps ``log`` at -100, so a right prediction costs 0 and a wrong
    one 100), and so is its backward (torch floors ``AL (1 - AL)`` at 1e-12)."""
    AL = s.read_only(np.array([[0.0, 1.0, 0.0, 1.0, 0.5], [1.0, 0.0, 0.25, 0.0, 1.0]], dtype))
    Y = s.read_only(np.array([[0.0, 1.0, 1.0, 0.0, 1.0], [1.0, 0.0, 0.0, 1.0, 0.0]], dtype))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="raise"):
            loss = losses.binary_cross_entropy(AL, Y)
            dAL = losses.binary_cross_entropy_backward(AL, Y)
    assert np.all(np.isfinite(loss)) and np.all(np.isfinite(dAL))
    # By hand, column by column (the two rows are summed): a right 0 or 1 costs 0, a wrong one
    # -LOG_FLOOR = 100, AL = 0.25 with Y = 0 costs -log(0.75), AL = 0.5 with Y = 1 costs -log(0.5).
    by_hand = np.array([[0.0, 0.0, 100.0 - np.log(0.75), 100.0 + 100.0, -np.log(0.5) + 100.0]])
    assert_close("binary_cross_entropy", "loss", loss, by_hand.astype(dtype), AL.shape[0])
    assert_close(
        "binary_cross_entropy", "loss", loss, oracle.binary_cross_entropy(AL, Y), AL.shape[0]
    )
    np.testing.assert_array_equal(dAL[AL == Y], 0.0)  # a right prediction has nothing to learn
    assert_close(
        "binary_cross_entropy_backward",
        "dAL",
        dAL,
        oracle.binary_cross_entropy_backward(AL, Y),
    )


@DTYPES
def test_cross_entropy_at_exact_0_and_1_is_torchs_clamped_log(dtype: type) -> None:
    """A true class predicted with probability exactly 0 costs -LOG_FLOOR = 100 (torch's clamp of
    ``log``), in float32 too, where e**-100 is a subnormal whose log is -99.98: scratch and the
    oracle both clamp the log, not the probability. The gradient there is 0 (the clamped loss is
    flat), finite, in both."""
    AL = s.read_only(np.array([[0.0, 1.0, 0.5], [1.0, 0.0, 0.5]], dtype))
    Y = s.read_only(np.array([[1.0, 1.0, 0.0], [0.0, 0.0, 1.0]], dtype))
    by_hand = np.array([[100.0, 0.0, -np.log(0.5)]], dtype)
    for name, f, backward in (
        ("scratch", losses.cross_entropy, losses.cross_entropy_backward),
        ("oracle", oracle.cross_entropy, oracle.cross_entropy_backward),
    ):
        assert_close(f"{name} cross_entropy", "loss", f(AL, Y), by_hand, AL.shape[0])
        dAL = backward(AL, Y)
        assert np.all(np.isfinite(dAL)) and dAL[0, 0] == 0.0, f"{name}: {dAL}"


# --- Softmax and cross-entropy, fused -----------------------------------------------------------


@given(predictions_and_one_hot(-5.0, 5.0))
def test_fused_softmax_cross_entropy_backward_is_the_chain_rule(
    x: tuple[Array, Array, Array],
) -> None:
    """``softmax_cross_entropy_backward(softmax(Z), Y)`` equals
    ``softmax_backward(cross_entropy_backward(softmax(Z), Y), Z)``: the fused form is the
    composition of the two backward passes, simplified to ``(AL - Y) / m``."""
    Z, _, Y = x
    AL = act.softmax(Z)
    chain = act.softmax_backward(losses.cross_entropy_backward(AL, Y), Z)
    fused = losses.softmax_cross_entropy_backward(AL, Y)
    # In the chain, AL_k * (-Y_k / (m AL_k)) is -Y_k / m up to a few ulps, and <AL, dAL> sums C
    # such terms: errors of tolerance(C) of 1/m (as oracle/checks/registry.py's scale for dZL).
    m = Z.shape[1]
    assert_close("softmax_cross_entropy_backward", "dZL", fused, chain, Z.shape[0], 1.0 / m)


#: Logits at +-1e4: softmax gives probabilities of exactly 0 and 1, wrong classes included.
LOGITS = np.array(
    [[1e4, -1e4, 0.0, 1e4, -1e4], [-1e4, 1e4, 0.0, 1e4, -1e4], [0.0, 0.0, 1e4, -1e4, -1e4]]
)
ONE_HOT = np.array(
    [[1.0, 0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 0.0, 1.0, 0.0], [0.0, 1.0, 0.0, 0.0, 1.0]]
)


@DTYPES
def test_fused_backward_at_extreme_logits_is_finite_and_torchs(dtype: type) -> None:
    """At logits of +-1e4 (predictions of exactly 0 and 1, right and wrong), the fused backward is
    finite, raises no warning, and is torch's gradient of ``F.cross_entropy``."""
    ZL = s.read_only(LOGITS.astype(dtype))
    Y = s.read_only(ONE_HOT.astype(dtype))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        # exp(-2e4) rounding to 0 inside softmax is the right answer: underflow is allowed.
        with np.errstate(all="raise", under="ignore"):
            AL = act.softmax(ZL)
            dZL = losses.softmax_cross_entropy_backward(AL, Y)
    assert np.all(np.isfinite(dZL))
    m = ZL.shape[1]
    expected = oracle.softmax_cross_entropy_backward(oracle.softmax(ZL), Y)
    assert_close("softmax_cross_entropy_backward", "dZL", dZL, expected, ZL.shape[0], 1.0 / m)


# --- Mean squared error -------------------------------------------------------------------------


@given(st.data())
def test_mse_is_zero_exactly_where_prediction_equals_label(data: st.DataObject) -> None:
    """``mse(AL, Y)[j] = 0`` if and only if column ``j`` of ``AL`` equals that of ``Y``."""
    n, m = data.draw(s.dims(large=False))
    AL = data.draw(s.arrays((n, m), -3.0, 3.0))
    # Differences of at least 1e-3 where they differ: a square of a difference below 1e-162 would
    # underflow to 0, and 'iff' would fail for the floats, not for the law.
    delta = data.draw(s.arrays((n, m), high=1.0, away_from=1e-3))
    differs = data.draw(s.arrays((n, m), 0.0, 1.0)) < 0.3
    Y = s.read_only(AL + np.where(differs, delta, 0.0))
    loss = losses.mse(AL, Y)
    np.testing.assert_array_equal(loss[0] == 0, ~differs.any(axis=0))
    np.testing.assert_array_equal(losses.mse(AL, AL), np.zeros((1, m)))


@given(st.data())
def test_mse_is_symmetric(data: st.DataObject) -> None:
    """``mse(AL, Y) = mse(Y, AL)`` and ``mse_backward(AL, Y) = -mse_backward(Y, AL)``, exactly:
    ``Y - AL`` is ``-(AL - Y)`` in floating point too."""
    n, m = data.draw(s.dims(large=False))
    AL, Y = data.draw(s.arrays((n, m), -3.0, 3.0)), data.draw(s.arrays((n, m), -3.0, 3.0))
    np.testing.assert_array_equal(losses.mse(AL, Y), losses.mse(Y, AL))
    np.testing.assert_array_equal(losses.mse_backward(AL, Y), -losses.mse_backward(Y, AL))


# --- The 1/m law --------------------------------------------------------------------------------

Loss = Callable[[Array, Array], Array]


@st.composite
def _one_hot_case(draw: st.DrawFn) -> tuple[Array, Array]:
    C, m = draw(s.dims(large=False))
    return draw(s.probabilities((max(C, 2), m))), draw(s.one_hot(max(C, 2), m))


@st.composite
def _binary_case(draw: st.DrawFn) -> tuple[Array, Array]:
    _, m = draw(s.dims(large=False))
    C = draw(st.integers(1, 2))
    return draw(s.probabilities((C, m))), draw(s.binary_labels((C, m)))


@st.composite
def _real_case(draw: st.DrawFn) -> tuple[Array, Array]:
    n, m = draw(s.dims(large=False))
    return draw(s.arrays((n, m), -3.0, 3.0)), draw(s.arrays((n, m), -3.0, 3.0))


@st.composite
def _softmax_case(draw: st.DrawFn) -> tuple[Array, Array]:
    _, AL, Y = draw(predictions_and_one_hot())
    return AL, Y


#: (loss, its backward, inputs). The fused backward's cost is the cross-entropy of AL = softmax.
ONE_OVER_M = {
    "cross_entropy": (losses.cross_entropy, losses.cross_entropy_backward, _one_hot_case()),
    "binary_cross_entropy": (
        losses.binary_cross_entropy,
        losses.binary_cross_entropy_backward,
        _binary_case(),
    ),
    "mse": (losses.mse, losses.mse_backward, _real_case()),
    "softmax_cross_entropy": (
        losses.cross_entropy,
        losses.softmax_cross_entropy_backward,
        _softmax_case(),
    ),
}


@pytest.mark.parametrize("name", sorted(ONE_OVER_M))
@given(data=st.data())
def test_duplicating_the_batch_keeps_the_cost_and_halves_the_gradient(
    name: str, data: st.DataObject
) -> None:
    """The ``1/m`` law. With every example twice (the batch concatenated with itself), the cost,
    a mean, is unchanged, and the gradient of the mean over ``2m`` examples is half the gradient
    over ``m`` on both copies."""
    loss, backward, inputs = ONE_OVER_M[name]
    AL, Y = data.draw(inputs, label="AL, Y")
    m = AL.shape[1]
    AL2, Y2 = s.read_only(np.hstack([AL, AL])), s.read_only(np.hstack([Y, Y]))
    J, J2 = losses.cost(loss(AL, Y)), losses.cost(loss(AL2, Y2))
    # Two means of nonnegative losses, of m and 2m terms.
    assert_close("cost", "J", J2, J, 2 * m)
    dAL, dAL2 = backward(AL, Y), backward(AL2, Y2)
    assert dAL2.shape == AL2.shape
    # Halving is exact in floating point, and dividing by 2m rounds as dividing by m does: the
    # only difference left is a few ulps.
    for copy in (dAL2[:, :m], dAL2[:, m:]):
        np.testing.assert_allclose(copy, dAL / 2, rtol=tolerance(np.float64), atol=0)
