"""The finite-difference checker is code too: it accepts right derivatives and rejects wrong ones.

Each wrong derivative below is a mistake a learner makes (a stray factor, the upstream gradient
forgotten, a transposed ``dW``, the ``1/m`` of a mean cost missing). The inputs are bounded so
that the planted mistake changes the gradient by far more than rounding: a rejection is then the
checker's doing, not luck.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from oracle.checks import strategies as s
from oracle.gradcheck import (
    STEP,
    THRESHOLD,
    GradCheck,
    assert_gradients,
    check_gradients,
    numerical_gradient,
    relative_error,
    rounding_noise,
)

Array = Any


def cube(x: Array) -> Array:
    return x**3


def only(checks: list[GradCheck]) -> GradCheck:
    assert len(checks) == 1, checks
    return checks[0]


@st.composite
def cube_inputs(draw: st.DrawFn) -> tuple[Array, Array]:
    """``x`` in ``[-3, -0.5] U [0.5, 3]`` and an upstream of either sign, at least 0.5 in size:
    the true gradient ``3 x**2 * dA`` is then at least 0.375 everywhere."""
    shape = draw(s.dims(large=False))
    return draw(s.arrays(shape, high=3.0, away_from=0.5)), draw(
        s.arrays(shape, high=2.0, away_from=0.5)
    )


# --- Accepting a right derivative, rejecting wrong ones ------------------------------------------


@given(cube_inputs())
def test_accepts_the_right_derivative(inputs: tuple[Array, Array]) -> None:
    x, dA = inputs
    check = only(check_gradients(cube, [x], {"dx": (0, 3 * x**2 * dA)}, dA))
    assert check.error < THRESHOLD, check
    assert check.ok


@given(cube_inputs())
def test_rejects_a_derivative_one_percent_off(inputs: tuple[Array, Array]) -> None:
    x, dA = inputs
    check = only(check_gradients(cube, [x], {"dx": (0, 3 * x**2 * dA * 1.01)}, dA))
    # ||0.01 g|| / (||1.01 g|| + ||g||) = 0.01 / 2.01, whatever g is; the numeric side is g to
    # ~1e-9 relative (STEP's truncation and rounding), far inside rel=1e-3.
    assert check.error == pytest.approx(0.01 / 2.01, rel=1e-3)
    assert not check.ok, check


@given(st.data())
def test_rejects_a_derivative_without_the_upstream_gradient(data: st.DataObject) -> None:
    shape = data.draw(s.dims(large=False))
    x = data.draw(s.arrays(shape, high=3.0, away_from=0.5))
    # dA in [-2, 0.5], so |1 - dA| >= 0.5: 3 x**2 and 3 x**2 dA differ by at least 0.375 each.
    dA = data.draw(s.arrays(shape, -2.0, 0.5))
    check = only(check_gradients(cube, [x], {"dx": (0, 3 * x**2)}, dA))
    assert not check.ok, check


@pytest.mark.parametrize("seed", range(5))
def test_rejects_the_transposed_gradient_of_a_matrix_product(seed: int) -> None:
    rng = np.random.default_rng(seed)
    x, w = rng.normal(size=(4, 3)), rng.normal(size=(3, 3))
    dA = rng.normal(size=(4, 3))
    right = x.T @ dA  # d sum(dA * (x @ w)) / dw
    # w is square, so the transposed gradient has the right shape and only its values are wrong.
    assert np.linalg.norm(right - right.T) > 0.1 * np.linalg.norm(right)
    checks = check_gradients(lambda x, w: x @ w, [x, w], {"dw": (1, right)}, dA)
    assert only(checks).ok
    checks = check_gradients(lambda x, w: x @ w, [x, w], {"dw": (1, right.T)}, dA)
    assert not only(checks).ok


def test_rejects_a_gradient_of_the_wrong_shape() -> None:
    """A ``(1, m)`` gradient for a ``(n, m)`` input is wrong even where it would broadcast."""
    rng = np.random.default_rng(0)
    x, dA = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    right = 3 * x**2 * dA
    check = only(check_gradients(cube, [x], {"dx": (0, right.sum(axis=0, keepdims=True))}, dA))
    assert check.error == np.inf
    assert check.max_difference == np.inf
    assert not check.ok


def mean_cost(A: Array) -> float:
    """``J = (1/m) sum_j sum_i A[i, j]**2``: a per-example loss, averaged over the m columns."""
    return float(np.mean(np.sum(A**2, axis=0)))


@given(st.data())
def test_scalar_cost_accepts_its_gradient_and_rejects_one_without_1_over_m(
    data: st.DataObject,
) -> None:
    n, m = data.draw(st.integers(1, 4)), data.draw(st.integers(2, 12))
    A = data.draw(s.arrays((n, m), high=3.0, away_from=0.1))
    right = only(check_gradients(mean_cost, [A], {"dA": (0, 2 * A / m)}, upstream=None))
    assert right.ok, right
    # Without 1/m the gradient is m times too large: relative error (m - 1) / (m + 1) >= 1/3.
    wrong = only(check_gradients(mean_cost, [A], {"dA": (0, 2 * A)}, upstream=None))
    assert not wrong.ok, wrong


def square_and_sine(x: Array) -> tuple[Array, Array]:
    return x**2, np.sin(x)


@given(st.data())
def test_tuple_of_outputs_accepts_the_sum_of_both_paths(data: st.DataObject) -> None:
    shape = data.draw(s.dims(large=False))
    x = data.draw(s.arrays(shape, -3.0, 3.0))
    dA1, dA2 = data.draw(s.upstream(shape)), data.draw(s.upstream(shape))
    analytic = 2 * x * dA1 + np.cos(x) * dA2
    check = only(check_gradients(square_and_sine, [x], {"dx": (0, analytic)}, (dA1, dA2)))
    assert check.ok, check


def test_tuple_of_outputs_rejects_a_gradient_that_misses_one_output() -> None:
    rng = np.random.default_rng(1)
    x = rng.uniform(-1.0, 1.0, size=(3, 5))  # cos(x) >= cos(1) > 0.5: the missed path is large
    dA1, dA2 = rng.uniform(0.5, 2.0, size=(2, 3, 5))
    check = only(check_gradients(square_and_sine, [x], {"dx": (0, 2 * x * dA1)}, (dA1, dA2)))
    assert not check.ok, check
    numeric = numerical_gradient(square_and_sine, [x], 0, (dA1, dA2))
    np.testing.assert_allclose(numeric, 2 * x * dA1 + np.cos(x) * dA2, rtol=1e-8, atol=1e-8)


def test_other_arguments_pass_through_and_each_gradient_is_checked() -> None:
    """``args`` may hold non-arrays (a name, a float); only ``args[wrt]`` is varied."""
    rng = np.random.default_rng(2)
    # Read-only: the checker must vary a copy, never the caller's arrays.
    a, b = s.read_only(rng.normal(size=(2, 3))), s.read_only(rng.normal(size=(2, 3)))
    dA = rng.normal(size=(2, 3))

    def f(a: Array, scale: float, b: Array) -> Array:
        return scale * a * b

    right = {"da": (0, 2.5 * b * dA), "db": (2, 2.5 * a * dA)}
    checks = check_gradients(f, [a, 2.5, b], right, dA)
    assert [c.name for c in checks] == ["da", "db"]
    assert all(c.ok for c in checks), checks
    # A wrong db (the scale forgotten) is reported as wrong, the right da beside it as right.
    wrong = {"da": (0, 2.5 * b * dA), "db": (2, a * dA)}
    checks = check_gradients(f, [a, 2.5, b], wrong, dA)
    assert [c.ok for c in checks] == [True, False]


# --- The relative error ---------------------------------------------------------------------------


def test_relative_error_on_a_hand_computed_example() -> None:
    # a = (3, 4), b = (0, 4): ||a - b|| = ||(3, 0)|| = 3, ||a|| = 5, ||b|| = 4, so 3 / (5 + 4).
    assert relative_error(np.array([3.0, 4.0]), np.array([0.0, 4.0])) == pytest.approx(1 / 3)
    # Symmetric, and the norm is over all elements of a matrix: a = [[1, 2], [2, 4]] has
    # ||a|| = sqrt(1 + 4 + 4 + 16) = 5; against b = 0 the error is 5 / (5 + 0) = 1.
    assert relative_error(np.zeros((2, 2)), np.array([[1.0, 2.0], [2.0, 4.0]])) == 1.0
    # a = (1, 0), b = (0, 1): sqrt(2) / (1 + 1).
    assert relative_error(np.array([1.0, 0.0]), np.array([0.0, 1.0])) == pytest.approx(
        np.sqrt(2) / 2
    )


def test_relative_error_of_two_zero_arrays_is_zero_not_nan() -> None:
    error = relative_error(np.zeros((3, 2)), np.zeros((3, 2)))
    assert error == 0.0
    assert not np.isnan(error)


def test_a_zero_gradient_against_a_zero_numeric_gradient_passes() -> None:
    """A function that does not depend on its input: both gradients are exactly 0."""
    x = np.arange(6.0).reshape(2, 3)
    check = only(check_gradients(lambda x: np.ones_like(x), [x], {"dx": (0, np.zeros_like(x))}))
    assert check.error == 0.0 and check.ok


# --- The rounding-noise floor ---------------------------------------------------------------------


def test_noise_floor_lets_a_right_gradient_through_rounding_error() -> None:
    """``f(x) = x + 1e8``: each output is rounded to ulp(1e8) ~ 1.5e-8, so the central difference
    is off by ~1e-8 / 2e-6 ~ 1e-2 from the true 1: a relative error far above 1e-7, all noise."""
    x = np.array([[0.25, -0.5, 0.75]])
    dA = np.ones_like(x)
    check = only(check_gradients(lambda x: x + 1e8, [x], {"dx": (0, dA)}, dA))
    assert check.error > THRESHOLD
    # The floor: 16 eps * sum|dA * f(x)| / STEP, here 16 eps * 3e8 / 1e-6 ~ 1.
    assert check.noise == pytest.approx(16 * np.finfo(np.float64).eps * np.sum(x + 1e8) / STEP)
    assert check.ok, check


def test_noise_floor_does_not_let_a_clearly_wrong_gradient_pass() -> None:
    """``f(x) = x**2`` at ``x = 1`` has gradient 2; a gradient of 1 is wrong by 1, and the floor
    (16 eps |f| / STEP ~ 4e-9) is nowhere near that."""
    x = np.array([[1.0, -1.0, 1.0]])
    dA = np.ones_like(x)
    check = only(check_gradients(lambda x: x**2, [x], {"dx": (0, x)}, dA))
    np.testing.assert_allclose(check.numeric, 2 * x, rtol=1e-8)
    assert check.noise < 1e-6
    assert check.max_difference == pytest.approx(1.0)
    assert not check.ok, check


def test_rounding_noise_of_a_scalar_cost_sums_its_size() -> None:
    """With ``upstream=None`` the output is a cost, and its size is ``|J|``."""
    A = np.array([[1.0, -2.0], [3.0, 0.5]])
    J = mean_cost(A)  # (1 + 9 + 4 + 0.25) / 2 = 7.125
    assert J == 7.125
    assert rounding_noise(mean_cost, [A], None) == 16 * np.finfo(np.float64).eps * 7.125 / STEP


def test_rounding_noise_of_a_tuple_sums_each_weighted_output() -> None:
    x = np.array([[2.0, -1.0]])
    dA1, dA2 = np.array([[1.0, 3.0]]), np.array([[-2.0, 0.5]])
    # sum|dA1 * x**2| + sum|dA2 * x| = (4 + 3) + (4 + 0.5) = 11.5
    noise = rounding_noise(lambda x: (x**2, x), [x], (dA1, dA2))
    assert noise == 16 * np.finfo(np.float64).eps * 11.5 / STEP


def test_atol_and_threshold_are_per_call() -> None:
    """``atol`` forgives a difference up to it, for the named gradient only; ``threshold``
    replaces the 1e-7 bound."""
    x = np.array([[1.0, 2.0]])
    dA = np.ones_like(x)
    off = 2 * x + 1e-3  # 1e-3 off everywhere
    assert not only(check_gradients(lambda x: x**2, [x], {"dx": (0, off)}, dA)).ok
    assert only(check_gradients(lambda x: x**2, [x], {"dx": (0, off)}, dA, atol={"dx": 2e-3})).ok
    assert not only(
        check_gradients(lambda x: x**2, [x], {"dx": (0, off)}, dA, atol={"other": 2e-3})
    ).ok
    assert only(check_gradients(lambda x: x**2, [x], {"dx": (0, off)}, dA, threshold=1e-2)).ok
    assert_gradients(lambda x: x**2, [x], {"dx": (0, off)}, dA, threshold=1e-2)
    with pytest.raises(AssertionError):
        assert_gradients(lambda x: x**2, [x], {"dx": (0, off)}, dA, threshold=1e-5)


# --- What a failure says --------------------------------------------------------------------------


def test_assert_gradients_passes_silently_on_right_gradients() -> None:
    x = np.array([[0.5, -1.5, 2.0]])
    dA = np.array([[1.0, -2.0, 0.5]])
    assert assert_gradients(cube, [x], {"dZ": (0, 3 * x**2 * dA)}, dA) is None


def test_assert_gradients_names_the_gradient_and_shows_analytic_beside_numeric() -> None:
    x = np.array([[0.5, -1.5, 2.0]])
    dA = np.array([[1.0, -2.0, 0.5]])
    wrong = 3 * x**2  # the upstream gradient forgotten
    with pytest.raises(AssertionError) as raised:
        assert_gradients(cube, [x], {"dZ": (0, wrong)}, dA)
    message = str(raised.value)
    assert "gradient check failed for dZ" in message
    assert "WRONG" in message
    assert "analytic:" in message and "numeric:" in message
    # The analytic values printed are the wrong ones given: 3 * 1.5**2 = 6.75, 3 * 2**2 = 12.
    analytic_part = message.split("analytic:")[1].split("numeric:")[0]
    assert "6.75" in analytic_part and "12." in analytic_part
    # and the numeric ones are dA * 3 x**2: -13.5 at the second element.
    assert "-13.5" in message.split("numeric:")[1]


def test_a_passing_check_prints_ok() -> None:
    x = np.array([[0.5, 2.0]])
    check = only(check_gradients(cube, [x], {"dx": (0, 3 * x**2)}, np.ones_like(x)))
    text = str(check)
    assert text.startswith("dx: relative error ")
    assert "(ok; threshold 1e-07" in text
