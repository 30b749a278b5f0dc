"""The laws of each activation (``scratch.activations``), its stability at extreme inputs, and its
convention at a kink.

``tests/test_contract.py`` already checks every activation against torch and finite differences;
here are the properties that belong to one function: softmax's columns are probability
distributions, sigmoid's symmetry, tanh's relation to sigmoid, relu's identities, and so on.
Tolerances come from ``oracle.compare.tolerance`` (a rounding bound for the dtype), with the
reason next to each use.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import oracle
from oracle.checks import strategies as s
from oracle.compare import assert_close, tolerance
from scratch import activations as act

Array = Any
EPS = float(np.finfo(np.float64).eps)
ALPHAS = st.sampled_from([0.01, 0.1, 0.3])


@st.composite
def z_and_upstream(draw: st.DrawFn, low: float = -10.0, high: float = 10.0) -> tuple[Array, Array]:
    """``Z`` of a drawn small shape ``(n, m)`` with elements in ``[low, high]``, and a drawn
    upstream gradient ``dA`` of the same shape."""
    shape = draw(s.dims(large=False))
    return draw(s.arrays(shape, low, high)), draw(s.upstream(shape))


def _max(x: Array) -> float:
    return float(np.max(np.abs(x)))


@contextmanager
def no_floating_point_trouble() -> Iterator[None]:
    """Any warning is an error, and so is any overflow, division by zero or invalid operation.

    Underflow is allowed: ``exp(-2e4)`` rounding to 0 is the correctly rounded answer (torch gives
    the same 0), and a softmax or sigmoid cannot avoid it without giving a worse one.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="raise", under="ignore"):
            yield


# --- softmax --------------------------------------------------------------------------------------


@given(z_and_upstream(-30.0, 30.0))
def test_softmax_columns_are_probability_distributions(x: tuple[Array, Array]) -> None:
    """Every entry of ``softmax(Z)`` is in ``[0, 1]`` and every column sums to 1."""
    Z, _ = x
    A = act.softmax(Z)
    assert A.shape == Z.shape
    assert np.all((A >= 0) & (A <= 1)), A
    # Each of the C entries is a few ulps from exact, and fsum adds them exactly: the column sum
    # is within tolerance(C) of 1.
    sums = np.array([math.fsum(col) for col in A.T])
    np.testing.assert_allclose(sums, 1.0, rtol=0, atol=tolerance(np.float64, Z.shape[0]))


@given(z_and_upstream(), st.data())
def test_softmax_unchanged_by_a_constant_added_to_a_column(
    x: tuple[Array, Array], data: st.DataObject
) -> None:
    """``softmax(Z + c) = softmax(Z)`` for a constant ``c[j]`` added to each column ``j``."""
    Z, _ = x
    c = data.draw(s.arrays((1, Z.shape[1]), -100.0, 100.0), label="c")
    shifted = act.softmax(Z + c)
    # With u = eps/2 and K = max|Z| + max|c|: Z + c rounds within u K, and the difference with the
    # column's maximum (at most 2K in size) adds 2 u K: exp's argument is off by at most 2 eps K,
    # which exp turns into the same relative error of its value. The numerators and their sum
    # each carry it: 4 eps K for softmax(Z + c). softmax(Z) loses 2 eps K the same way (only the
    # difference's rounding). 6 eps K in all, plus tolerance(C) for exp's ulps and the sum.
    K = _max(Z) + _max(c)
    rtol = tolerance(np.float64, Z.shape[0]) + 6 * EPS * K
    np.testing.assert_allclose(shifted, act.softmax(Z), rtol=rtol, atol=0)


@given(z_and_upstream(-30.0, 30.0))
def test_softmax_backward_columns_sum_to_zero(x: tuple[Array, Array]) -> None:
    """``sum_k dZ[k, j] = 0`` for any ``dA``: softmax's outputs always sum to 1, so moving all
    the logits of a column together changes nothing."""
    Z, dA = x
    dZ = act.softmax_backward(dA, Z)
    # dZ_k = s_k (dA_k - <s, dA>): each term is at most s_k 2 max|dA|, and they sum to at most
    # 2 max|dA|; a sum of C of them is within tolerance(C) of that magnitude.
    sums = np.array([math.fsum(col) for col in dZ.T])
    atol = tolerance(np.float64, Z.shape[0]) * 2 * _max(dA)
    np.testing.assert_allclose(sums, 0.0, rtol=0, atol=atol + np.finfo(np.float64).tiny)


@given(z_and_upstream(-10.0, 10.0))
def test_softmax_backward_is_the_full_jacobian_vector_product(x: tuple[Array, Array]) -> None:
    """``dZ[:, j] = J_j.T @ dA[:, j]`` with the full Jacobian ``J = diag(s) - s s.T`` of each
    column, built here explicitly from torch's ``s``."""
    Z, dA = x
    s_torch = oracle.softmax(Z)
    expected = np.stack(
        [
            (np.diag(s_torch[:, j]) - np.outer(s_torch[:, j], s_torch[:, j])).T @ dA[:, j]
            for j in range(Z.shape[1])
        ],
        axis=1,
    )
    # A sum of C products, each at most max|dA| in size (as in oracle/checks/registry.py).
    assert_close(
        "softmax_backward", "dZ", act.softmax_backward(dA, Z), expected, Z.shape[0], _max(dA)
    )


def test_softmax_backward_is_not_the_diagonal_form() -> None:
    """A worked example where the full Jacobian-vector product and the diagonal-only
    ``dA * s * (1 - s)`` differ, computed by hand.

    ``Z = [0, 0]`` gives ``s = [1/2, 1/2]``; with ``dA = [1, 0]``, ``<s, dA> = 1/2`` and
    ``dZ = s * (dA - 1/2) = [1/4, -1/4]``, while ``dA * s * (1 - s) = [1/4, 0]``. Every number
    here is exact in binary floating point, so the comparison is exact.
    """
    Z = s.read_only(np.array([[0.0], [0.0]]))
    dA = s.read_only(np.array([[1.0], [0.0]]))
    full = np.array([[0.25], [-0.25]])
    diagonal_only = np.array([[0.25], [0.0]])
    np.testing.assert_array_equal(act.softmax_backward(dA, Z), full)
    np.testing.assert_array_equal(oracle.softmax_backward(dA, Z), full)
    assert not np.array_equal(act.softmax_backward(dA, Z), diagonal_only)


# --- sigmoid and tanh -------------------------------------------------------------------------


@given(z_and_upstream(-40.0, 40.0))
def test_sigmoid_of_minus_z_is_one_minus_sigmoid(x: tuple[Array, Array]) -> None:
    """``sigmoid(-Z) = 1 - sigmoid(Z)``."""
    Z, _ = x
    # 1 - sigmoid(Z) subtracts from 1 a number at most 1: its error is absolute, eps-sized, so
    # the comparison is against the scale 1.
    assert_close("sigmoid", "A", act.sigmoid(-Z), 1 - act.sigmoid(Z), scale=1.0)


@given(z_and_upstream(-1e3, 1e3))
def test_sigmoid_is_in_the_unit_interval_and_monotone(x: tuple[Array, Array]) -> None:
    """``0 <= sigmoid(Z) <= 1`` everywhere, strictly inside ``(0, 1)`` where float64 can tell
    (``|Z| <= 30``: ``1 - sigmoid(30) ~ 1e-13`` is far above eps), and non-decreasing."""
    Z, _ = x
    A = act.sigmoid(Z)
    assert np.all((A >= 0) & (A <= 1))
    inner = np.abs(Z) <= 30
    assert np.all((A[inner] > 0) & (A[inner] < 1))
    order = np.argsort(Z, axis=None)
    # Sorted inputs give non-decreasing outputs, up to the rounding of two values at most 1.
    assert np.all(np.diff(A.ravel()[order]) >= -tolerance(np.float64))


@given(z_and_upstream(-30.0, 29.0))
def test_sigmoid_increases_by_a_visible_step(x: tuple[Array, Array]) -> None:
    """``sigmoid(Z + 1) > sigmoid(Z)`` on ``[-30, 30]``: the step is at least
    ``sigmoid'(30) ~ 9e-14``, far above the rounding error."""
    Z, _ = x
    assert np.all(act.sigmoid(Z + 1) > act.sigmoid(Z))


@given(z_and_upstream(-30.0, 30.0))
def test_tanh_is_odd(x: tuple[Array, Array]) -> None:
    """``tanh(-Z) = -tanh(Z)``."""
    Z, _ = x
    assert_close("tanh", "A", act.tanh(-Z), -act.tanh(Z))


@given(z_and_upstream(-20.0, 20.0))
def test_tanh_is_a_rescaled_sigmoid(x: tuple[Array, Array]) -> None:
    """``tanh(Z) = 2 sigmoid(2 Z) - 1``."""
    Z, _ = x
    # 2 s - 1 with s in [0, 1] has an absolute error of a few eps: compare against the scale 1.
    assert_close("tanh", "A", act.tanh(Z), 2 * act.sigmoid(2 * Z) - 1, scale=1.0)


# --- relu and leaky relu ------------------------------------------------------------------------


@given(z_and_upstream())
def test_relu_identities(x: tuple[Array, Array]) -> None:
    """``relu(relu(Z)) = relu(Z)``, ``relu(Z) = Z * 1[Z > 0]`` and ``relu(Z) - relu(-Z) = Z``,
    all exactly: each side only copies, zeroes or negates floats."""
    Z, _ = x
    A = act.relu(Z)
    np.testing.assert_array_equal(act.relu(A), A)
    np.testing.assert_array_equal(A, Z * (Z > 0))
    np.testing.assert_array_equal(A - act.relu(-Z), Z)


@given(z_and_upstream(), ALPHAS)
def test_leaky_relu_at_alpha_0_is_relu_and_at_alpha_1_is_the_identity(
    x: tuple[Array, Array], alpha: float
) -> None:
    """``leaky_relu(Z, 0) = relu(Z)`` and ``leaky_relu(Z, 1) = Z``, forward and backward, exactly;
    between them ``leaky_relu(Z, alpha) = relu(Z) - alpha relu(-Z)``."""
    Z, dA = x
    np.testing.assert_array_equal(act.leaky_relu(Z, alpha=0.0), act.relu(Z))
    np.testing.assert_array_equal(
        act.leaky_relu_backward(dA, Z, alpha=0.0), act.relu_backward(dA, Z)
    )
    np.testing.assert_array_equal(act.leaky_relu(Z, alpha=1.0), Z)
    np.testing.assert_array_equal(act.leaky_relu_backward(dA, Z, alpha=1.0), dA)
    # alpha * relu(-Z) rounds once, as alpha * Z does.
    assert_close("leaky_relu", "A", act.leaky_relu(Z, alpha), act.relu(Z) - alpha * act.relu(-Z))


# --- Kinks: torch's convention, checked against torch and against the documented value ---------


@st.composite
def z_with_zeros(draw: st.DrawFn) -> tuple[Array, Array]:
    """``Z`` with many exact zeros (also ``-0.0``), and a drawn upstream gradient."""
    n, m = draw(s.dims(large=False))
    values = draw(s.arrays((n, m), -2.0, 2.0, tiny=1.0))  # |Z| < 1 becomes exactly 0
    signs = np.where(draw(s.arrays((n, m), -1.0, 1.0)) < 0, -1.0, 1.0)
    return s.read_only(values * signs), draw(s.upstream((n, m)))


#: A fixed example with ``+0.0`` and ``-0.0`` among the inputs.
KINK_Z = s.read_only(np.array([[0.0, -0.0, 1.0, -1.0], [-0.0, 0.0, 0.0, 2.0]]))
KINK_DA = s.read_only(np.array([[1.5, -2.0, 0.5, 0.25], [0.75, -1.25, 3.0, -1.0]]))


def test_relu_backward_at_zero_is_zero_worked_example() -> None:
    """Convention: ``relu_backward(dA, Z) = 0`` where ``Z == 0`` (``+0.0`` or ``-0.0``), the
    derivative torch's autograd gives ``torch.relu`` at 0. Checked against the oracle and against
    that documented value, written out by hand."""
    dZ = act.relu_backward(KINK_DA, KINK_Z)
    expected = np.array([[0.0, 0.0, 0.5, 0.0], [0.0, 0.0, 0.0, -1.0]])
    np.testing.assert_array_equal(dZ, expected)
    np.testing.assert_array_equal(dZ, oracle.relu_backward(KINK_DA, KINK_Z))


@given(z_with_zeros())
def test_relu_backward_at_zero_is_zero(x: tuple[Array, Array]) -> None:
    """Convention: ``relu_backward(dA, Z) = 0`` where ``Z == 0``, as torch's autograd of
    ``torch.relu`` gives at 0; elsewhere ``dA * 1[Z > 0]``. Against the oracle and the value."""
    Z, dA = x
    dZ = act.relu_backward(dA, Z)
    np.testing.assert_array_equal(dZ[Z == 0], 0.0)
    np.testing.assert_array_equal(dZ, oracle.relu_backward(dA, Z))


@pytest.mark.parametrize("alpha", [0.01, 0.1, 0.3])
def test_leaky_relu_backward_at_zero_is_alpha_worked_example(alpha: float) -> None:
    """Convention: ``leaky_relu_backward(dA, Z, alpha) = alpha * dA`` where ``Z == 0`` (``+0.0``
    or ``-0.0``): torch's ``leaky_relu`` takes the negative side's slope at 0 (its backward is
    ``grad if Z > 0 else grad * negative_slope``). Against the oracle and that value."""
    dZ = act.leaky_relu_backward(KINK_DA, KINK_Z, alpha=alpha)
    at_kink = KINK_Z == 0
    np.testing.assert_array_equal(dZ[at_kink], alpha * KINK_DA[at_kink])
    np.testing.assert_array_equal(dZ, oracle.leaky_relu_backward(KINK_DA, KINK_Z, alpha=alpha))


@given(z_with_zeros(), ALPHAS)
def test_leaky_relu_backward_at_zero_is_alpha(x: tuple[Array, Array], alpha: float) -> None:
    """Convention: ``leaky_relu_backward(dA, Z, alpha) = alpha * dA`` where ``Z == 0``, as
    torch's ``leaky_relu`` has it. Against the oracle and that documented value."""
    Z, dA = x
    dZ = act.leaky_relu_backward(dA, Z, alpha=alpha)
    at_kink = Z == 0
    np.testing.assert_array_equal(dZ[at_kink], alpha * dA[at_kink])
    np.testing.assert_array_equal(dZ, oracle.leaky_relu_backward(dA, Z, alpha=alpha))


# --- Stability at extreme inputs --------------------------------------------------------------

EXTREMES = {
    # Mixed columns ([1e4, -1e4, 0] and others) and whole columns at +1e4 or -1e4:
    # exp(1e4) overflows, exp(-2e4) underflows to 0.
    "softmax": np.array(
        [
            [1e4, -1e4, 1e4, 1e4, -1e4, 0.0],
            [-1e4, 1e4, -1e4, 1e4, -1e4, 0.0],
            [0.0, 0.0, 1e4, 1e4, -1e4, 1e4],
        ]
    ),
    # exp(1e3) overflows; exp(-1e3) underflows to 0.
    "sigmoid": np.array([[1e3, -1e3, 0.0, 700.0, -700.0, 40.0]]),
}
UPSTREAM = {
    "softmax": np.array(
        [
            [0.5, -1.0, 2.0, 0.25, 1.0, -0.5],
            [1.5, 0.3, -0.7, 1.0, -2.0, 0.75],
            [-2.0, 0.1, 0.9, -0.4, 0.5, 1.25],
        ]
    ),
    "sigmoid": np.array([[0.5, -1.0, 2.0, 0.25, 1.5, -0.75]]),
}
DTYPES = pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])


@DTYPES
@pytest.mark.parametrize("name", sorted(EXTREMES))
def test_extreme_inputs_are_stable(name: str, dtype: type) -> None:
    """Softmax at logits of +-1e4 (whole and mixed columns) and sigmoid at +-1e3: no warning, no
    overflow or invalid operation, no NaN or inf, and torch's answer, forward and backward."""
    Z = s.read_only(EXTREMES[name].astype(dtype))
    dA = s.read_only(UPSTREAM[name].astype(dtype))
    forward, backward = getattr(act, name), getattr(act, f"{name}_backward")
    with no_floating_point_trouble():
        A = forward(Z)
        dZ = backward(dA, Z)
    assert np.all(np.isfinite(A)) and np.all(np.isfinite(dZ))
    assert A.dtype == dZ.dtype == dtype
    terms = Z.shape[0]
    assert_close(name, "A", A, getattr(oracle, name)(Z), terms)
    # The backward's error is relative to the upstream gradient (see oracle/checks/registry.py).
    assert_close(
        f"{name}_backward", "dZ", dZ, getattr(oracle, f"{name}_backward")(dA, Z), terms, _max(dA)
    )
