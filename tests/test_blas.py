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


@pytest.mark.parametrize("beta", [0.5, 2.0])
@pytest.mark.parametrize(
    "case", ["integers", "mixed dtypes", "C not contiguous", "read-only", "empty"]
)
def test_what_blas_does_not_take_is_computed_by_numpy(case: str, beta: float) -> None:
    rng = np.random.default_rng(0)
    A, B = rng.standard_normal((3, 4)), rng.standard_normal((4, 5))
    C = rng.standard_normal((3, 5))
    if case == "integers":
        A, B, C = (np.round(10 * x).astype(np.int64) for x in (A, B, C))
    elif case == "mixed dtypes":
        A = A.astype(np.float32)
    elif case == "C not contiguous":
        C = np.asfortranarray(C)
    elif case == "empty":  # a sum of no products: C = beta * C
        A, B = A[:, :0], B[:0]
    expected = beta * C + 2 * (A @ B)
    if case == "read-only":
        C.flags.writeable = False
        with pytest.raises(ValueError, match="read-only"):
            blas.add_product(C, A, B, 2, beta)
        return
    if case == "integers":
        C = C.astype(np.float64)  # C *= beta needs a float C
        expected = beta * C + 2 * (A @ B)
    blas.add_product(C, A, B, 2, beta)
    np.testing.assert_allclose(C, expected, rtol=1e-12)


# --- Which arrays go to BLAS: the call itself, seen (found by mutation testing) -----------------


@pytest.fixture
def blas_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The BLAS routines called while the test runs, as ``"gemm f"``, ``"axpby d"``, ...: each
    call still goes to NumPy's BLAS. Skipped where NumPy is not built with scipy-openblas64 (the
    NumPy fallback is then all there is)."""
    if blas._cblas("gemm", "f") is None:
        pytest.skip("this NumPy is not built with scipy-openblas64: the NumPy fallback is used")
    calls: list[str] = []
    real = blas._cblas

    def spy(routine: str, char: str) -> Any:
        function = real(routine, char)
        if function is None:
            return None

        def call(*args: Any) -> None:
            calls.append(f"{routine} {char}")
            function(*args)

        return call

    monkeypatch.setattr(blas, "_cblas", spy)
    return calls


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(3, 4, 5), (1, 4, 5), (3, 1, 5), (3, 4, 1)])
@pytest.mark.parametrize("layouts", [("C", "C"), ("F", "strided"), ("strided", "F")])
def test_the_arrays_blas_takes_go_to_blas(
    blas_calls: list[str],
    dtype: type,
    shape: tuple[int, int, int],
    layouts: tuple[str, str],
) -> None:
    """A writeable C-ordered ``C`` with ``A``, ``B`` of its float dtype, in any layout and with
    sides of 1 (a column of a strided array is neither C- nor F-contiguous): one ``gemm`` of
    that dtype, and the right sum. (A NumPy fallback for these would give the same values,
    slower: only the call tells them apart.)"""
    n, k, p = shape
    rng = np.random.default_rng(1)
    A = layout(rng.standard_normal((n, k)).astype(dtype), layouts[0])
    B = layout(rng.standard_normal((k, p)).astype(dtype), layouts[1])
    C = rng.standard_normal((n, p)).astype(dtype)
    expected = 0.5 * C.astype(np.float64) - 2.0 * (A.astype(np.float64) @ B.astype(np.float64))
    blas.add_product(C, A, B, -2.0, 0.5)
    assert blas_calls == [f"gemm {np.dtype(dtype).char}"]
    assert_close(
        "add_product",
        "C",
        C,
        expected.astype(dtype),
        k + 3,
        float(np.abs(expected).max()),
    )


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("beta", [1.0, 0.5, 2.0])
def test_add_scaled_goes_to_axpby(
    blas_calls: list[str], dtype: type, order: str, beta: float
) -> None:
    """``y = beta * y + alpha * x`` for ``x``, ``y`` of one float dtype, shape and memory order:
    one ``axpby``, and the right values."""
    rng = np.random.default_rng(2)
    x = np.asarray(rng.standard_normal((3, 4)), dtype, order=order)  # type: ignore[call-overload]
    y = np.asarray(rng.standard_normal((3, 4)), dtype, order=order)  # type: ignore[call-overload]
    expected = beta * y.astype(np.float64) - 3.0 * x.astype(np.float64)
    blas.add_scaled(y, x, -3.0, beta)
    assert blas_calls == [f"axpby {np.dtype(dtype).char}"]
    assert_close("add_scaled", "y", y, expected.astype(dtype), 3, float(np.abs(expected).max()))


@pytest.mark.parametrize("beta", [1.0, 0.5, 2.0])
@pytest.mark.parametrize(
    "case",
    ["integers", "mixed dtypes", "mixed orders", "strided", "broadcast x", "read-only"],
)
def test_what_axpby_does_not_take_is_computed_by_numpy(
    blas_calls: list[str], case: str, beta: float
) -> None:
    """Arrays that ``axpby`` cannot take as they are: no BLAS call, and NumPy's ``y *= beta``,
    ``y += alpha * x`` (with ``beta`` 1, where ``y *= beta`` is skipped, and others)."""
    rng = np.random.default_rng(3)
    x, y = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    if case == "integers":
        x = np.round(10 * x).astype(np.int64)
    elif case == "mixed dtypes":
        x = x.astype(np.float32)
    elif case == "mixed orders":
        x = np.asfortranarray(x)
    elif case == "strided":
        x, y = layout(x, "strided"), layout(y, "strided")
    elif case == "broadcast x":
        x = x[:1]
    expected = beta * y + 0.5 * x
    if case == "read-only":
        y.flags.writeable = False
        with pytest.raises(ValueError, match="read-only"):
            blas.add_scaled(y, x, 0.5, beta)
    else:
        blas.add_scaled(y, x, 0.5, beta)
        np.testing.assert_allclose(y, expected, rtol=1e-12)
    assert blas_calls == []
