"""The comparison with the oracle is code too: it passes what rounding explains, reports the rest.

An element passes when ``|actual - expected| <= tol * (|expected| + scale) + tiny(dtype)``, with
``tol = 2 * (terms + 8) * eps(dtype)`` (see ``oracle/compare.py``). The numbers below are written
out by hand from that formula; none is produced by the code under test.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from oracle.checks import strategies as s
from oracle.compare import Mismatch, assert_close, compare, tolerance

EPS64 = 2.0**-52
EPS32 = 2.0**-23


# --- The tolerance --------------------------------------------------------------------------------


def test_tolerance_is_twice_terms_plus_eight_ulps() -> None:
    assert tolerance(np.float64) == 2 * (1 + 8) * EPS64
    assert tolerance(np.float64, 100) == 2 * (100 + 8) * EPS64
    assert tolerance(np.float32, 3) == 2 * (3 + 8) * EPS32
    assert tolerance(np.dtype(np.float32), 3) == 2 * (3 + 8) * EPS32


def test_tolerance_grows_with_the_length_of_the_sum() -> None:
    """``1 + 100 eps`` against 1 (scale 1): the bound is ``tol * 2``, i.e. 36 eps for one term
    and 432 eps for a sum of 100."""
    expected = np.array([1.0])
    actual = np.array([1.0 + 100 * EPS64])
    assert compare("f", "out", actual, expected, terms=1) is not None
    assert compare("f", "out", actual, expected, terms=100) is None


# --- Equal, close, and not close ------------------------------------------------------------------


@given(st.data())
def test_equal_arrays_match(data: st.DataObject) -> None:
    b = data.draw(s.arrays(data.draw(s.dims(large=False))))
    assert compare("f", "out", b.copy(), b) is None


@given(st.data())
def test_a_difference_beyond_the_bound_is_found_at_its_index(data: st.DataObject) -> None:
    shape = data.draw(s.dims(large=False))
    b = data.draw(s.arrays(shape))
    i, j = data.draw(st.integers(0, shape[0] - 1)), data.draw(st.integers(0, shape[1] - 1))
    scale = float(np.max(np.abs(b)))
    # Within half the bound everywhere: passes.
    bound = tolerance(np.float64) * (np.abs(b) + scale)
    assert compare("f", "out", b + bound / 2, b) is None
    # One element off by 1e-6 of the scale (plus 1e-6 for an all-zero b): far beyond 18 eps.
    a = b.copy()
    a[i, j] += 1e-6 * (scale + 1)
    found = compare("f", "out", a, b)
    assert isinstance(found, Mismatch)
    assert np.argwhere(found.bad()).tolist() == [[i, j]]


def test_just_inside_and_just_outside_the_bound() -> None:
    # expected (1, 2): scale = 2, so at 1.0 the bound is 18 eps * (1 + 2) = 54 eps.
    expected = np.array([1.0, 2.0])
    assert compare("f", "out", np.array([1.0 + 50 * EPS64, 2.0]), expected) is None
    assert compare("f", "out", np.array([1.0 + 60 * EPS64, 2.0]), expected) is not None


def test_subnormal_differences_are_not_compared() -> None:
    """Below the smallest normal float (2.2e-308) there is no relative precision left."""
    expected = np.zeros((1, 2))
    assert compare("f", "out", np.array([[1e-310, 0.0]]), expected) is None
    assert compare("f", "out", np.array([[1e-300, 0.0]]), expected) is not None


def test_scale_lets_a_cancelling_sum_pass() -> None:
    """``0.1 + 0.2 - 0.3`` is 5.55e-17 summed left to right and 2.78e-17 summed right to left:
    both are rounding error of the 0.3 summed, not of the tiny result."""
    expected = np.array([(0.1 + 0.2) - 0.3])
    actual = np.array([0.1 + (0.2 - 0.3)])
    assert expected[0] == 5.551115123125783e-17 and actual[0] == 2.7755575615628914e-17
    # By default the scale is max|expected| itself, 5.55e-17: the difference is 50% of that.
    assert compare("sum", "out", actual, expected) is not None
    # With the magnitude summed as scale, 2.8e-17 <= 18 eps * (5.6e-17 + 0.3) ~ 1.2e-15.
    assert compare("sum", "out", actual, expected, scale=0.3) is None


# --- Shapes, NaN, infinities, dtypes --------------------------------------------------------------


def test_a_shape_mismatch_is_reported_even_where_it_would_broadcast() -> None:
    expected = np.full((3, 4), 2.0)
    actual = np.full((3, 1), 2.0)  # broadcasts to expected, and every value is equal
    found = compare("linear_backward", "db", actual, expected)
    assert isinstance(found, Mismatch) and found.shapes_differ
    assert str(found) == (
        "linear_backward: db differs from the reference: shape (3, 1), expected (3, 4)"
    )
    # Shapes that do not broadcast at all are reported the same way, not raised.
    assert compare("f", "out", np.ones((2, 3)), np.ones((3, 2))) is not None
    # And a (1, m) row is not an (m,) vector.
    assert compare("f", "out", np.ones((1, 3)), np.ones(3)) is not None


def test_nan_where_the_reference_is_finite_is_a_mismatch_and_the_worst() -> None:
    expected = np.array([[1.0, 2.0, 3.0]])
    actual = np.array([[1.0, np.nan, 3.5]])
    found = compare("sigmoid", "A", actual, expected)
    assert isinstance(found, Mismatch)
    assert found.bad().tolist() == [[False, True, True]]
    assert "worst at index (0, 1): got" in str(found)
    assert "nan" in str(found)


def test_nan_counts_as_out_even_against_nan() -> None:
    """The module's choice: a NaN is never a match, so a NaN in the reference fails loudly too."""
    assert compare("f", "out", np.array([np.nan]), np.array([np.nan])) is not None


def test_equal_infinities_are_equal_and_others_are_not() -> None:
    expected = np.array([np.inf, -np.inf, 1.0])
    assert compare("f", "out", expected.copy(), expected) is None
    assert compare("f", "out", np.array([np.inf, np.inf, 1.0]), expected) is not None
    assert compare("f", "out", np.array([1e308, -np.inf, 1.0]), expected) is not None
    found = compare("f", "out", np.array([1.0, 1.0]), np.array([1.0, np.inf]))
    assert found is not None and found.bad().tolist() == [False, True]
    # The message says how far off without a warning from inf - inf or inf / inf.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert "max abs error inf, max relative error inf," in str(found)


def test_the_tolerance_comes_from_the_expected_dtype() -> None:
    """The module compares values, not dtypes: the reference's dtype sets the tolerance.
    (That float32 in gives float32 out is a property of its own in ``test_contract.py``.)"""
    third64 = np.array([1.0 / 3.0])
    third32 = third64.astype(np.float32)
    # A float32 result is ~1e-8 off a float64 reference: far beyond float64's 36 eps ~ 8e-15.
    assert compare("f", "out", third32, third64) is not None
    # A float64 result against a float32 reference: within float32's 36 eps ~ 4e-6.
    assert compare("f", "out", third64, third32) is None
    # ... and the message names the reference's dtype.
    found = compare("f", "out", np.array([0.5], dtype=np.float32), third32)
    assert found is not None and "(dtype float32)" in str(found)


def test_boolean_and_integer_references_are_compared_as_float64() -> None:
    mask = np.array([[True, False], [False, True]])
    assert compare("dropout_forward", "mask", mask.copy(), mask) is None
    found = compare("dropout_forward", "mask", ~mask, mask)
    assert found is not None and found.tol == tolerance(np.float64)
    assert compare("f", "out", np.array([3.0]), np.array([3])) is None
    assert compare("f", "out", np.array([3.5]), np.array([3])) is not None


# --- What a mismatch says -------------------------------------------------------------------------


def test_the_message_names_the_function_output_worst_index_values_and_errors() -> None:
    expected = np.array([[1.0, -2.0, 0.0], [4.0, 0.5, 3.0]])
    actual = expected.copy()
    actual[0, 0] = 1.1  # off by 0.1
    actual[1, 2] = 3.5  # off by 0.5: the worst
    found = compare("relu_backward", "dZ", actual, expected)
    assert found is not None
    lines = str(found).splitlines()
    assert lines[0] == (
        "relu_backward: dZ differs from the reference at 2 of 6 elements (shape (2, 3))."
    )
    assert lines[1].startswith("  worst at index (1, 2): got ")
    assert "3.5" in lines[1] and "expected" in lines[1] and "3.0" in lines[1].split("expected")[1]
    # max abs error 0.5; relative to |expected| + scale (scale = max|expected| = 4): 0.1 / 5 at
    # (0, 0) and 0.5 / 7 = 0.0714 at (1, 2).
    assert lines[2].startswith("  max abs error 0.5, max relative error 0.0714, tolerance ")
    assert lines[2].endswith("(dtype float64)")


def test_relative_error_without_scale_and_with_zeros_is_the_absolute_error() -> None:
    # scale = 0 and an expected 0: dividing would give inf, so the message reports diff itself.
    found = compare("f", "out", np.array([1e-3, 1.0]), np.array([0.0, 1.0]), scale=0.0)
    assert found is not None
    assert "max abs error 0.001, max relative error 0.001," in str(found)
    # scale = 0 and no zero in expected: relative to |expected|, 0.5 / 2 = 0.25.
    found = compare("f", "out", np.array([2.5, 1.0]), np.array([2.0, 1.0]), scale=0.0)
    assert found is not None
    assert "max abs error 0.5, max relative error 0.25," in str(found)


def test_a_scalar_mismatch_has_an_empty_index() -> None:
    found = compare("cost", "J", np.array(1.5), np.array(1.0))
    assert found is not None
    text = str(found)
    assert text.startswith("cost: J differs from the reference at 1 of 1 elements (shape ()).")
    assert "worst at index (): got " in text
    # scale = |1.0|: relative error 0.5 / (1 + 1).
    assert "max abs error 0.5, max relative error 0.25," in text


def test_assert_close_raises_with_the_explanation() -> None:
    assert_close("tanh", "A", np.array([0.5]), np.array([0.5]))
    with pytest.raises(AssertionError, match=r"^tanh: A differs from the reference at 1 of 1"):
        assert_close("tanh", "A", np.array([0.6]), np.array([0.5]))
