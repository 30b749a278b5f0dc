"""``scratch.blas.add_product``: ``C = beta * C + alpha * (A @ B)`` written into ``C``, by NumPy's
own BLAS when it is found, by NumPy otherwise; the same values either way, up to rounding."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from oracle.compare import assert_close
from scratch import blas

Array = Any


def layout(A: Array, how: str) -> Array:
    """``A`` with the same values in another memory layout."""
    if how == "F":
        return np.asfortranarray(A)
    if how == "strided":  # every other column of a wider array: neither C nor F contiguous
        wide = np.zeros((A.shape[0], 2 * A.shape[1]), A.dtype)
        wide[:, ::2] = A
        return wide[:, ::2]
    return np.ascontiguousarray(A)


@given(
    n=st.integers(1, 9),
    k=st.integers(0, 9),
    p=st.integers(1, 9),
    dtype=st.sampled_from(["float32", "float64"]),
    layouts=st.tuples(*[st.sampled_from(["C", "F", "strided"])] * 2),
    alpha=st.sampled_from([-0.1, 1.0, -3.0]),
    beta=st.sampled_from([1.0, 0.99, 0.0]),
    seed=st.integers(0, 2**32 - 1),
)
def test_add_product_is_the_sum_it_says(
    n: int,
    k: int,
    p: int,
    dtype: str,
    layouts: tuple[str, str],
    alpha: float,
    beta: float,
    seed: int,
) -> None:
    rng = np.random.default_rng(seed)
    A = layout(rng.standard_normal((n, k)).astype(dtype), layouts[0])
    B = layout(rng.standard_normal((k, p)).astype(dtype), layouts[1])
    C = rng.standard_normal((n, p)).astype(dtype)
    expected = beta * C.astype(np.float64) + alpha * (A.astype(np.float64) @ B.astype(np.float64))
    scale = float(np.max(np.abs(C)) + abs(alpha) * np.max(np.abs(A), initial=0) ** 2 * k + 1e-30)
    blas.add_product(C, A, B, alpha, beta)
    assert C.dtype == np.dtype(dtype)
    assert_close("add_product", "C", C, expected.astype(dtype), k + 3, scale)


def test_the_blas_of_numpy_is_the_one_called() -> None:
    """On NumPy's wheels (OpenBLAS with 64-bit integers) the call goes to NumPy's own BLAS."""
    if blas._cblas("gemm", "f") is None:
        pytest.skip("this NumPy is not built with scipy-openblas64: the NumPy fallback is used")
    A = np.full((2, 3), 2.0, np.float32)
    B = np.full((3, 4), 0.5, np.float32)
    C = np.ones((2, 4), np.float32)
    blas.add_product(C, A, B, -1.0)
    np.testing.assert_array_equal(C, np.full((2, 4), -2.0, np.float32))


@pytest.mark.parametrize("case", ["integers", "mixed dtypes", "C not contiguous", "read-only"])
def test_what_blas_does_not_take_is_computed_by_numpy(case: str) -> None:
    rng = np.random.default_rng(0)
    A, B = rng.standard_normal((3, 4)), rng.standard_normal((4, 5))
    C = rng.standard_normal((3, 5))
    if case == "integers":
        A, B, C = (np.round(10 * x).astype(np.int64) for x in (A, B, C))
    elif case == "mixed dtypes":
        A = A.astype(np.float32)
    elif case == "C not contiguous":
        C = np.asfortranarray(C)
    expected = 0.5 * C + 2 * (A @ B)
    if case == "read-only":
        C.flags.writeable = False
        with pytest.raises(ValueError, match="read-only"):
            blas.add_product(C, A, B, 2, 0.5)
        return
    if case == "integers":
        C = C.astype(np.float64)  # C *= 0.5 needs a float C
        expected = 0.5 * C + 2 * (A @ B)
    blas.add_product(C, A, B, 2, 0.5)
    np.testing.assert_allclose(C, expected, rtol=1e-12)
