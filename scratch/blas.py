"""Two BLAS calls that NumPy does not offer: a product, or a scaled array, added into an array.

``add_product(C, A, B, alpha, beta)`` computes ``C = beta * C + alpha * (A @ B)`` and writes it
into ``C``: BLAS's ``gemm``, which NumPy uses for ``@`` but only with ``beta = 0`` and a new
array. ``model()`` uses it for gradient descent, ``W = W - learning_rate * (dZ @ A_prev.T)``, so
that ``dW`` is never written out: the update costs no pass over ``W`` of its own.

``add_scaled(y, x, alpha, beta)`` computes ``y = beta * y + alpha * x`` into ``y`` in one pass
(OpenBLAS's ``axpby``, on every thread), where NumPy takes two or three (``y *= beta``, a temporary
``alpha * x``, ``y += ...``): the moving averages and the step of the optimizers' in-place update.

The call goes to the very BLAS library that NumPy's ``@`` uses (found with threadpoolctl), so
that the products of a training step share one pool of threads: two BLAS libraries in one loop,
each keeping its threads spinning for a while after a call, slow each other down several times.
Where that library's ``cblas_?gemm`` cannot be found (NumPy built against another BLAS), or for
arrays it does not take, the same sum is computed with NumPy instead (``C *= beta`` then
``C += alpha * (A @ B)``): the same values up to rounding.
"""

from __future__ import annotations

import ctypes
import functools
from collections.abc import Callable
from typing import Any

import numpy as np

from scratch._types import Array

#: CBLAS's constants: row-major storage, and whether an operand is transposed.
ROW_MAJOR, NO_TRANS, TRANS = 101, 111, 112


@functools.cache
def _numpy_blas() -> ctypes.CDLL | None:
    """The OpenBLAS library that NumPy itself uses, or ``None`` (NumPy built otherwise)."""
    try:
        from threadpoolctl import threadpool_info

        paths = [
            info["filepath"]
            for info in threadpool_info()
            if info["internal_api"] == "openblas" and "numpy" in info["filepath"]
        ]
        return ctypes.CDLL(paths[0]) if paths else None
    except (ImportError, OSError):
        return None


@functools.cache
def _cblas(routine: str, char: str) -> Callable[..., None] | None:
    """NumPy's own ``cblas_sgemm`` (``routine="gemm"``, ``char="f"``: float32) or ``dgemm``
    (``"d"``: float64), or ``axpby``, or ``None``.

    NumPy's wheels ship OpenBLAS built for 64-bit integers, its symbols named
    ``scipy_cblas_sgemm64_``; any other build is left to the NumPy fallback."""
    library = _numpy_blas()
    letter = "s" if char == "f" else "d"
    function = getattr(library, f"scipy_cblas_{letter}{routine}64_", None)
    if function is None:
        return None
    number = ctypes.c_float if char == "f" else ctypes.c_double
    integer, pointer, flag = ctypes.c_int64, ctypes.c_void_p, ctypes.c_int
    if routine == "gemm":
        function.argtypes = [flag, flag, flag, integer, integer, integer, number, pointer,
                             integer, pointer, integer, number, pointer, integer]  # fmt: skip
    else:  # axpby: n, alpha, x, incx, beta, y, incy
        function.argtypes = [integer, number, pointer, integer, number, pointer, integer]
    function.restype = None
    return function


def _operand(A: Array) -> tuple[Array, int, int]:
    """``A`` as CBLAS takes it in row-major order: the array, whether it is transposed, and its
    leading dimension. A Fortran-ordered ``A`` is the row-major ``A.T``, read transposed."""
    if A.flags.c_contiguous:
        return A, NO_TRANS, max(A.shape[1], 1)
    if A.flags.f_contiguous:
        return A, TRANS, max(A.shape[0], 1)
    A = np.ascontiguousarray(A)
    return A, NO_TRANS, max(A.shape[1], 1)


def add_product(C: Array, A: Array, B: Array, alpha: float, beta: float = 1.0) -> None:
    """``C = beta * C + alpha * (A @ B)``, written into ``C``.

    ``A: (n, k), B: (k, p), C: (n, p)``; ``C`` must be a writeable array, and ``A``, ``B`` of its
    dtype for the BLAS call (otherwise NumPy computes it, with NumPy's promotion)."""
    gemm: Any = None
    if C.dtype.char in "fd" and A.dtype == B.dtype == C.dtype:
        gemm = _cblas("gemm", C.dtype.char)
    if gemm is None or not C.flags.c_contiguous or not C.flags.writeable or 0 in A.shape:
        if beta != 1:
            C *= beta
        C += alpha * (A @ B)
        return
    (n, k), p = A.shape, B.shape[1]
    A, trans_a, lda = _operand(A)
    B, trans_b, ldb = _operand(B)
    gemm(ROW_MAJOR, trans_a, trans_b, n, p, k, alpha, A.ctypes.data, lda, B.ctypes.data, ldb,
         beta, C.ctypes.data, max(p, 1))  # fmt: skip


def add_scaled(y: Array, x: Array, alpha: float, beta: float = 1.0) -> None:
    """``y = beta * y + alpha * x``, written into ``y`` (``x`` and ``y`` of one shape).

    One BLAS pass when both are contiguous in the same order and of ``y``'s float dtype;
    otherwise NumPy computes it (``y *= beta``, then ``y += alpha * x``)."""
    axpby: Any = None
    same_order = (y.flags.c_contiguous and x.flags.c_contiguous) or (
        y.flags.f_contiguous and x.flags.f_contiguous
    )
    if y.dtype.char in "fd" and x.dtype == y.dtype and x.shape == y.shape and same_order:
        axpby = _cblas("axpby", y.dtype.char)
    if axpby is None or not y.flags.writeable:
        if beta != 1:
            y *= beta
        y += alpha * x
        return
    axpby(y.size, alpha, x.ctypes.data, 1, beta, y.ctypes.data, 1)
