"""A finite-difference gradient checker, as the course's "gradient checking" does it.

For a function ``f`` and an upstream gradient ``dA``, the scalar ``phi(x) = sum(dA * f(x))`` has
``d phi / d x = dA`` pulled back through ``f``: exactly what a backward pass returns. Central
differences of ``phi`` in float64 estimate it, one input element at a time, and the course's
relative error ``||a - b|| / (||a|| + ||b||)`` says how far the analytic gradient is from them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from oracle._autograd import Array

#: The step of the central differences. Their truncation error is O(h**2) ~ 1e-12 and their
#: rounding error O(eps / h) ~ 1e-10, relative to the size of phi: both far below the 1e-7 bound.
STEP = 1e-6
#: The course's threshold for a correct gradient in float64.
THRESHOLD = 1e-7


def relative_error(analytic: Array, numeric: Array) -> float:
    """``||a - b|| / (||a|| + ||b||)``; 0 when both are exactly 0."""
    a = np.asarray(analytic, dtype=np.float64)
    b = np.asarray(numeric, dtype=np.float64)
    denominator = float(np.linalg.norm(a) + np.linalg.norm(b))
    if denominator == 0.0:
        return 0.0
    return float(np.linalg.norm(a - b)) / denominator


def _scalar(outputs: Any, upstream: Any) -> float:
    """``sum(upstream * outputs)`` over one array or a tuple of them; ``upstream=None`` means the
    output is already a scalar cost."""
    if upstream is None:
        return float(np.sum(outputs))
    if isinstance(outputs, tuple):
        return float(sum(np.sum(u * o) for u, o in zip(upstream, outputs, strict=True)))
    return float(np.sum(upstream * outputs))


def numerical_gradient(
    f: Callable[..., Any],
    args: Sequence[Any],
    wrt: int,
    upstream: Any = None,
    step: float = STEP,
) -> Array:
    """Central differences of ``sum(upstream * f(*args))`` with respect to ``args[wrt]``, in float64.

    ``f`` returns an array, a tuple of arrays (then ``upstream`` is a tuple too), or a scalar cost
    (then ``upstream`` is ``None``). Other arguments are passed through unchanged.
    """
    values = [np.array(a, dtype=np.float64) if isinstance(a, np.ndarray) else a for a in args]
    x = values[wrt]
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        original = x[index]
        x[index] = original + step
        plus = _scalar(f(*values), upstream)
        x[index] = original - step
        minus = _scalar(f(*values), upstream)
        x[index] = original
        grad[index] = (plus - minus) / (2 * step)
    return grad


@dataclass(frozen=True)
class GradCheck:
    """The outcome of comparing one analytic gradient with finite differences."""

    name: str
    analytic: Array
    numeric: Array
    error: float
    threshold: float

    @property
    def ok(self) -> bool:
        return self.error < self.threshold

    def __str__(self) -> str:
        verdict = "ok" if self.ok else "WRONG"
        return (
            f"{self.name}: relative error {self.error:.3g} "
            f"({verdict}; threshold {self.threshold:.0e})\n"
            f"analytic:\n{self.analytic}\nnumeric:\n{self.numeric}"
        )


def check_gradients(
    f: Callable[..., Any],
    args: Sequence[Any],
    analytic: Mapping[str, tuple[int, Array]],
    upstream: Any = None,
    threshold: float = THRESHOLD,
) -> list[GradCheck]:
    """Compare each analytic gradient with central differences.

    ``analytic`` maps a gradient's name (``"dW"``) to the index of its input in ``args`` and its
    value. Returns one ``GradCheck`` each; ``assert_gradients`` raises on the first wrong one.
    """
    checks = []
    for name, (wrt, value) in analytic.items():
        numeric = numerical_gradient(f, args, wrt, upstream)
        value = np.asarray(value)
        # A gradient of the wrong shape is wrong, whatever broadcasting would make of it.
        error = relative_error(value, numeric) if value.shape == numeric.shape else np.inf
        checks.append(GradCheck(name, value, numeric, error, threshold))
    return checks


def assert_gradients(
    f: Callable[..., Any],
    args: Sequence[Any],
    analytic: Mapping[str, tuple[int, Array]],
    upstream: Any = None,
    threshold: float = THRESHOLD,
) -> None:
    """``check_gradients``, raising ``AssertionError`` with ``analytic:`` beside ``numeric:``."""
    for check in check_gradients(f, args, analytic, upstream, threshold):
        if not check.ok:
            raise AssertionError(f"gradient check failed for {check}")
