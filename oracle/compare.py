"""Comparing an implementation's output with the oracle's, with tolerances derived from the dtype.

The tolerance is a rounding-error bound, not a number tuned until the tests pass. A computation
whose longest chain is a sum of ``terms`` products has a worst-case relative error of about
``terms * eps`` with respect to the magnitudes summed (Higham, *Accuracy and Stability of Numerical
Algorithms*, the gamma_n bound); the elementwise operations around it (exp, log, divide, sqrt) add
a few ulps each. Two implementations may each be off by that much, in opposite directions. So an
element passes when

    |actual - expected| <= tol * (|expected| + scale) + tiny(dtype),
    tol = SAFETY * (terms + ELEMENTWISE_ULPS) * eps(dtype),

where ``scale`` is the magnitude of what was summed (by default the largest ``|expected|``, which
stands for it when the output is not much smaller than the terms that made it). ``tiny`` is the
smallest normal float: below it (subnormals) there is no relative precision left to compare.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from oracle._autograd import Array

#: Ulps allowed for the handful of elementwise operations around the sums (exp, log, sqrt, ...).
ELEMENTWISE_ULPS = 8
#: Two implementations, each within the bound, may differ by twice it.
SAFETY = 2


def tolerance(dtype: np.dtype | type, terms: int = 1) -> float:
    """The relative tolerance for a result of ``dtype`` whose longest sum has ``terms`` terms."""
    return SAFETY * (terms + ELEMENTWISE_ULPS) * float(np.finfo(dtype).eps)


@dataclass(frozen=True)
class Mismatch:
    """Where and by how much an output differs from the reference."""

    function: str
    output: str
    actual: Array
    expected: Array
    tol: float
    scale: float

    @property
    def shapes_differ(self) -> bool:
        return np.shape(self.actual) != np.shape(self.expected)

    def bad(self) -> Array:
        """A boolean array: the elements out of tolerance (NaN counts as out)."""
        a = np.asarray(self.actual, dtype=np.float64)
        b = np.asarray(self.expected, dtype=np.float64)
        with np.errstate(invalid="ignore"):
            tiny = np.finfo(
                self.expected.dtype
                if np.issubdtype(self.expected.dtype, np.floating)
                else np.float64
            ).tiny
            # An infinite expected value would make the bound infinite too, accepting anything:
            # it matches only an equal infinity.
            ok = np.isfinite(b) & (np.abs(a - b) <= self.tol * (np.abs(b) + self.scale) + tiny)
            ok |= a == b  # equal infinities
        return np.asarray(~ok)

    def __str__(self) -> str:
        a, b = np.asarray(self.actual), np.asarray(self.expected)
        head = f"{self.function}: {self.output} differs from the reference"
        if self.shapes_differ:
            return f"{head}: shape {a.shape}, expected {b.shape}"
        bad = self.bad()
        with np.errstate(invalid="ignore"):  # inf - inf is NaN, reported as such
            diff = np.abs(a.astype(np.float64) - b.astype(np.float64))
            rel = diff / (np.abs(b) + self.scale) if self.scale or np.all(b != 0) else diff
            rel = np.where(np.isfinite(b), rel, diff)  # not inf / inf = NaN for a finite miss
        worst = (
            np.unravel_index(
                int(np.nanargmax(np.where(bad, np.nan_to_num(diff, nan=np.inf), -1))), a.shape
            )
            if a.ndim
            else ()
        )
        return (
            f"{head} at {int(bad.sum())} of {bad.size} elements (shape {a.shape}).\n"
            f"  worst at index {tuple(int(i) for i in worst)}: "
            f"got {a[worst]!r}, expected {b[worst]!r}\n"
            f"  max abs error {np.nanmax(diff):.3g}, max relative error {np.nanmax(rel):.3g}, "
            f"tolerance {self.tol:.3g} (dtype {b.dtype})"
        )


def compare(
    function: str,
    output: str,
    actual: Array,
    expected: Array,
    terms: int = 1,
    scale: float | None = None,
) -> Mismatch | None:
    """``None`` when ``actual`` matches ``expected`` within the tolerance, else the ``Mismatch``."""
    b = np.asarray(expected)
    dtype = b.dtype if np.issubdtype(b.dtype, np.floating) else np.float64
    if scale is None:
        finite = np.abs(b[np.isfinite(b)])
        scale = float(finite.max()) if finite.size else 0.0
    found = Mismatch(function, output, np.asarray(actual), b, tolerance(dtype, terms), scale)
    if found.shapes_differ or found.bad().any():
        return found
    return None


def assert_close(
    function: str,
    output: str,
    actual: Array,
    expected: Array,
    terms: int = 1,
    scale: float | None = None,
) -> None:
    """Raise ``AssertionError`` explaining the difference when ``actual`` is not ``expected``."""
    found = compare(function, output, actual, expected, terms, scale)
    if found is not None:
        raise AssertionError(str(found))
