"""Properties found by mutation testing (``tox -e mutation``, see ``docs/mutation.md``).

mutmut changes one operator or constant of ``scratch``'s maths at a time, and the suite should
fail on each change. These tests catch the changes that the contract's tests and each module's
own laws let through; every docstring names the mistake a learner would make that way. The
changes that no input can tell apart from the original are argued in ``docs/mutation.md``.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import oracle
from oracle.checks import strategies as s
from oracle.checks.registry import LINEAR
from oracle.compare import assert_close, tolerance
from scratch import batchnorm as bn
from scratch import linear, losses
from scratch import regularization as reg
from tests.ondisk import traced

Array = Any
DTYPES = pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])


# --- linear: the layer's cache and its error message ----------------------------------------------


@given(st.data(), st.sampled_from(sorted(linear.ACTIVATIONS)))
def test_layer_cache_holds_the_layers_inputs_and_Z(data: st.DataObject, activation: str) -> None:
    """The cache of ``layer_forward`` is the course's ``((A_prev, W, b), Z)`` and the activation's
    name: ``A_prev``, ``W`` and ``b`` as given, and ``Z = W @ A_prev + b`` before the activation.

    Catches a cache that stores the wrong thing (``None`` for ``b``, ``A`` for ``Z``, the wrong
    name): ``layer_backward`` does not read ``b``, so no gradient shows that mistake, but any code
    that takes the layer's parameters back from its cache would get them wrong.
    """
    x = data.draw(LINEAR.draw("any"), label="inputs")
    A_prev, W, b = x["A_prev"], x["W"], x["b"]
    _, cache = linear.layer_forward(A_prev, W, b, activation)
    np.testing.assert_array_equal(cache.A_prev, A_prev)
    np.testing.assert_array_equal(cache.W, W)
    np.testing.assert_array_equal(cache.b, b)
    assert cache.activation == activation
    # Z against torch's, within the matrix product's rounding bound (the registry's, for "Z").
    expected = oracle.linear_forward(A_prev, W, b)
    assert_close(
        "layer_forward", "cache.Z", cache.Z, expected, LINEAR.terms(x), LINEAR.scale["Z"](x)
    )


def test_an_unknown_activation_is_refused_with_its_name_and_the_choices() -> None:
    """``layer_forward(..., "rleu")`` raises ``ValueError`` naming ``'rleu'`` and listing the
    activations there are.

    Catches an error message lost (``ValueError(None)``) or one that fails while it is being
    written (a ``TypeError`` from listing the wrong thing): a typo in an activation's name must
    end in a message that says what to write instead.
    """
    A_prev, W, b = np.ones((2, 3)), np.ones((1, 2)), np.zeros((1, 1))
    with pytest.raises(ValueError, match="unknown activation 'rleu'") as raised:
        linear.layer_forward(A_prev, W, b, "rleu")
    for name in linear.ACTIVATIONS:
        assert repr(name) in str(raised.value), f"the message does not list {name!r}"


# --- cross-entropy: where the log is clamped --------------------------------------------------


@DTYPES
def test_cross_entropy_backward_is_zero_where_the_log_is_clamped(dtype: type) -> None:
    """Where ``AL < e**-100`` (0 among them, as a probability that underflowed), the forward's
    ``log(AL)`` is clamped at -100: the loss is flat there, so the gradient is exactly 0, finite,
    with no warning (no ``log(0)``, no ``0 / 0``), and torch's; elsewhere it is ``-Y / (m AL)``.

    Catches a gradient of ``-Y / (m AL)`` (``-inf``, or NaN for ``Y = 0``) or of ``1/m`` where the
    forward is flat, and, in float32, a floor taken under the log at the smallest normal float
    (whose log is only -87), which left ``AL = 0`` unclamped.
    """
    clamped = np.exp(losses.LOG_FLOOR) / 2  # below the floor in float32 too (a subnormal)
    smallest = float(np.finfo(dtype).smallest_subnormal)
    AL = np.array(
        [[0.0, smallest, clamped, 0.2], [1.0, 0.5, 0.25, 0.3], [0.0, 0.5, 0.75, 0.5]], dtype
    )
    Y = np.array([[1.0, 1.0, 0.0, 0.0], [0.0, 0.0, 0.0, 1.0], [0.0, 0.0, 1.0, 0.0]], dtype)
    AL, Y = s.read_only(AL), s.read_only(Y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="raise"):
            dAL = losses.cross_entropy_backward(AL, Y)
    assert dAL.dtype == dtype
    assert np.all(np.isfinite(dAL)), f"not finite: {dAL}"
    floor = np.exp(losses.LOG_FLOOR)
    np.testing.assert_array_equal(dAL[np.less(AL, floor)], 0.0)
    assert_close("cross_entropy_backward", "dAL", dAL, oracle.cross_entropy_backward(AL, Y))


def test_cross_entropy_backward_at_the_floor_itself_is_not_clamped() -> None:
    """At ``AL = e**-100`` exactly (float64), ``log(AL)`` is the floor itself, not below it: the
    gradient is ``-Y / (m AL)``, about ``-2.7e43 / m``, as torch's clamp gives at its boundary.

    Catches ``AL > e**-100`` written for ``AL >= e**-100``: the boundary then counts as clamped,
    and the gradient there drops to 0.
    """
    floor = np.exp(losses.LOG_FLOOR)
    AL = s.read_only(np.array([[floor, 0.5], [1.0 - floor, 0.5]]))
    Y = s.read_only(np.array([[1.0, 0.0], [0.0, 1.0]]))
    m = AL.shape[1]
    dAL = losses.cross_entropy_backward(AL, Y)
    by_hand = np.array([[-1.0 / (m * floor), 0.0], [0.0, -1.0 / (m * 0.5)]])
    # One division and one product each, against the same by hand: a few ulps.
    np.testing.assert_allclose(dAL, by_hand, rtol=tolerance(np.float64), atol=0)
    assert_close("cross_entropy_backward", "dAL", dAL, oracle.cross_entropy_backward(AL, Y))


# --- batch norm: the default eps -------------------------------------------------------------


def test_batchnorm_default_eps_is_torchs_1e_5() -> None:
    """Without ``eps``, ``batchnorm_forward`` uses ``1e-5``, the default of torch's
    ``BatchNorm1d``: a row ``[-a, a]`` (mean 0, variance ``a**2`` exactly) normalises to
    ``+-a / sqrt(a**2 + 1e-5)``, which for ``a**2`` near ``1e-5`` is far from ``+-1``.

    Catches another default (``1``, ``1e-8``): for rows of small variance, the output's scale
    is then wrong, and a network built with the default behaves unlike torch's.
    """
    a = 2.0 ** np.arange(-10, -5)[:, None]  # powers of two: a**2 and the row's mean are exact
    Z = s.read_only(np.hstack([-a, a]))
    gamma, beta = s.read_only(np.ones_like(a)), s.read_only(np.zeros_like(a))
    Z_out, _ = bn.batchnorm_forward(Z, gamma, beta)
    by_hand = np.hstack([-a, a]) / np.sqrt(a * a + 1e-5)
    # Exact mean and variance; then + eps, sqrt, 1 / x and a product: a few ulps each way.
    np.testing.assert_allclose(Z_out, by_hand, rtol=tolerance(np.float64), atol=0)
    assert_close("batchnorm_forward", "Z_out", Z_out, oracle.batchnorm_forward(Z, gamma, beta))


# --- dropout: which draws keep a unit --------------------------------------------------------


class _Draws:
    """A stand-in for ``np.random.Generator`` whose ``random`` returns given draws in ``[0, 1)``."""

    def __init__(self, draws: Array) -> None:
        self.draws = draws

    def random(self, shape: tuple[int, ...]) -> Array:
        return self.draws.reshape(shape)


@pytest.mark.parametrize("keep", [1, 2, 4, 6, 8])
def test_dropout_keeps_a_unit_exactly_when_its_draw_is_below_keep_prob(keep: int) -> None:
    """For draws ``u`` spread evenly over ``[0, 1)`` (``0, 1/8, ..., 7/8``) and ``keep_prob = k/8``,
    exactly the ``k`` draws below ``keep_prob`` keep their unit: ``mask = u < keep_prob``, the
    course's ``D < keep_prob``, for which ``P(keep) = keep_prob`` exactly.

    Catches ``u <= keep_prob``, which also keeps the unit whose draw equals ``keep_prob``. A real
    generator draws that value once in 2**53 times, so this test hands the draws in directly.
    """
    draws = np.arange(8.0) / 8
    keep_prob = keep / 8
    A = s.read_only(np.arange(1.0, 9.0).reshape(2, 4))
    A_out, mask = reg.dropout_forward(A, keep_prob, _Draws(draws))
    np.testing.assert_array_equal(mask, (draws < keep_prob).reshape(2, 4))
    assert int(mask.sum()) == keep
    # Multiplying by 1 or 0 is exact, then one division, the same as here: A_out is equal.
    np.testing.assert_array_equal(A_out, np.where(mask, A / keep_prob, 0.0))


@pytest.mark.parametrize(
    ("dtype", "b_dtype", "arrays"),
    [
        (np.float64, np.float64, 1),
        (np.float32, np.float32, 1),
        (np.float64, np.float32, 1),  # the narrower b adds into the float64 product
        (np.float32, np.float64, 1.5),  # a wider b: the float32 product, then the float64 sum
    ],
    ids=["float64", "float32", "narrower-b", "wider-b"],
)
def test_linear_forward_adds_b_into_its_product_where_the_dtype_allows(
    dtype: type, b_dtype: type, arrays: float
) -> None:
    """``Z = W @ A_prev + b`` is NumPy's (its values and its promoted dtype) however it is
    computed; the sum goes into the new product unless ``b`` is wider than it. Counted with
    ``tracemalloc`` in arrays of ``Z``'s size, to within a quarter."""
    rng = np.random.default_rng(0)
    W = rng.standard_normal((300, 200)).astype(dtype)
    A_prev = rng.standard_normal((200, 400)).astype(dtype)
    b = rng.standard_normal((300, 1)).astype(b_dtype)
    expected = (W @ A_prev) + b
    Z, peak = traced(lambda: linear.linear_forward(A_prev, W, b))
    assert Z.dtype == expected.dtype == np.result_type(W, A_prev, b)
    np.testing.assert_array_equal(Z, expected)
    assert abs(peak / expected.nbytes - arrays) < 0.25, peak / expected.nbytes
