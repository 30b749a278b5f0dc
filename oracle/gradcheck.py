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


def _weighted_difference(plus: Any, minus: Any, upstream: Any) -> float:
    """``sum(upstream * (plus - minus))`` over one array or a tuple of them.

    The outputs are subtracted before they are weighted and summed: elements that the step did not
    change then cancel exactly, and only the changed ones carry rounding error.
    ``upstream=None`` means the outputs are scalars (a cost).
    """
    if upstream is None:
        return float(np.sum(np.asarray(plus, dtype=np.float64) - minus))
    if isinstance(plus, tuple):
        return float(
            sum(np.sum(u * (p - q)) for u, p, q in zip(upstream, plus, minus, strict=True))
        )
    return float(np.sum(upstream * (plus - minus)))


def numerical_gradient(
    f: Callable[..., Any],
    args: Sequence[Any],
    wrt: int,
    upstream: Any = None,
    step: float = STEP,
) -> Array:
    """Central differences of ``sum(upstream * f(*args))`` w.r.t. ``args[wrt]``, in float64.

    ``f`` returns an array, a tuple of arrays (then ``upstream`` is a tuple too), or a scalar cost
    (then ``upstream`` is ``None``). Other arguments are passed through unchanged.
    """
    values = [np.array(a, dtype=np.float64) if isinstance(a, np.ndarray) else a for a in args]
    x = values[wrt]
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        original = x[index]
        x[index] = original + step
        plus = f(*values)
        x[index] = original - step
        minus = f(*values)
        x[index] = original
        grad[index] = _weighted_difference(plus, minus, upstream) / (2 * step)
    return grad


def rounding_noise(
    f: Callable[..., Any], args: Sequence[Any], upstream: Any, step: float = STEP
) -> float:
    """How far one central difference can be off from rounding alone.

    Each output is computed to a few ulps, ``~eps * |f(x)|``; the difference of two such values,
    weighted by ``upstream`` and divided by ``2 step``, can be off by ``~eps * sum|upstream * f(x)|
    / step``. The factor 16 covers the few operations of each output. Below this, a difference
    between the analytic and the numeric gradient is noise, not a wrong derivative: it matters when
    the true gradient is 0 or tiny, where the relative error compares noise with noise.
    """
    values = [np.array(a, dtype=np.float64) if isinstance(a, np.ndarray) else a for a in args]
    out = f(*values)
    if upstream is None:
        size = np.sum(np.abs(np.asarray(out, dtype=np.float64)))
    elif isinstance(out, tuple):
        size = sum(np.sum(np.abs(u * o)) for u, o in zip(upstream, out, strict=True))
    else:
        size = np.sum(np.abs(upstream * out))
    return 16 * float(np.finfo(np.float64).eps) * float(size) / step


@dataclass(frozen=True)
class GradCheck:
    """The outcome of comparing one analytic gradient with finite differences."""

    name: str
    analytic: Array
    numeric: Array
    error: float
    threshold: float
    noise: float = 0.0

    @property
    def max_difference(self) -> float:
        if self.analytic.shape != self.numeric.shape:
            return float("inf")
        return float(np.max(np.abs(self.analytic - self.numeric), initial=0.0))

    @property
    def ok(self) -> bool:
        """Relative error under the threshold, or a difference no larger than rounding noise."""
        return bool(self.error < self.threshold or self.max_difference <= self.noise)

    def __str__(self) -> str:
        verdict = "ok" if self.ok else "WRONG"
        return (
            f"{self.name}: relative error {self.error:.3g} "
            f"({verdict}; threshold {self.threshold:.0e}; max difference "
            f"{self.max_difference:.3g}, rounding noise {self.noise:.3g})\n"
            f"analytic:\n{self.analytic}\nnumeric:\n{self.numeric}"
        )


def check_gradients(
    f: Callable[..., Any],
    args: Sequence[Any],
    analytic: Mapping[str, tuple[int, Array]],
    upstream: Any = None,
    threshold: float = THRESHOLD,
    atol: Mapping[str, float] | None = None,
) -> list[GradCheck]:
    """Compare each analytic gradient with central differences.

    ``analytic`` maps a gradient's name (``"dW"``) to the index of its input in ``args`` and its
    value. ``atol`` may give, per gradient, a difference that counts as rounding error of the
    analytic side (a sum that cancels to 0 leaves ``~eps`` times what it summed). Returns one
    ``GradCheck`` each; ``assert_gradients`` raises on the first wrong one.
    """
    checks = []
    output_noise = rounding_noise(f, args, upstream)
    for name, (wrt, value) in analytic.items():
        numeric = numerical_gradient(f, args, wrt, upstream)
        value = np.asarray(value)
        # A gradient of the wrong shape is wrong, whatever broadcasting would make of it.
        error = relative_error(value, numeric) if value.shape == numeric.shape else np.inf
        # Storing x + h rounds it by eps |x|, which moves a central difference by ~eps |x| f'':
        # a floor of a few eps for inputs and second derivatives of order 1.
        step_noise = (
            16
            * float(np.finfo(np.float64).eps)
            * (1.0 + float(np.max(np.abs(args[wrt]), initial=0.0)))
        )
        noise = max(output_noise, step_noise, (atol or {}).get(name, 0.0))
        checks.append(GradCheck(name, value, numeric, error, threshold, noise))
    return checks


def assert_gradients(
    f: Callable[..., Any],
    args: Sequence[Any],
    analytic: Mapping[str, tuple[int, Array]],
    upstream: Any = None,
    threshold: float = THRESHOLD,
    atol: Mapping[str, float] | None = None,
) -> None:
    """``check_gradients``, raising ``AssertionError`` with ``analytic:`` beside ``numeric:``."""
    for check in check_gradients(f, args, analytic, upstream, threshold, atol):
        if not check.ok:
            raise AssertionError(f"gradient check failed for {check}")
