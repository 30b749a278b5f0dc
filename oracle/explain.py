"""Turning a mismatch into an explanation a learner can act on.

A gradient checker that prints two arrays leaves the learner to spot the missing ``1/m``. Here a
failure says, in this order: which function and which output, with the shapes; the worst element
(its index, the learner's value, the reference value and the inputs there); how far off, against
which tolerance, at how many elements; a diagnosis when one fits; the correct rule in one line with
a link to its derivation; and how to reproduce the example.

The diagnoses look only at the two arrays and at ``Clues`` the caller gives (the inputs, ``m``,
which elements sit on a kink, what known mistakes would have returned). They are tried from the
most specific to the most general, and the first that fits is reported.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np

from oracle._autograd import Array
from oracle.compare import Mismatch

#: Where the derivations live, relative to the project root.
DERIVATIONS = "docs/derivatives.md"


@dataclass(frozen=True)
class Clues:
    """What the caller knows besides the two arrays.

    ``inputs``: the named inputs of the call. ``m``: the number of examples. ``rule``: the correct
    formula in one line, and ``anchor`` its section in ``docs/derivatives.md``. ``kinks``: a boolean
    array of the output's shape, true where the input sits on a kink (relu at 0). ``known``: for a
    description of a known mistake, what a function making it would have returned.
    ``single_example_ok``: whether the same function is right on the worst element's example alone.
    ``reproduce``: how to run the failing example again. ``convention``: where the learner's
    functions put the ``1/m``: ``"mean"`` (in the loss's backward, this project's) or ``"course"``
    (in ``linear_backward``'s ``dW`` and ``db``, as the deep learning course does). ``where``:
    for a whole network, where the mistake sits (which layer's backward first goes wrong).
    """

    inputs: Mapping[str, Any] = field(default_factory=dict)
    m: int | None = None
    rule: str = ""
    anchor: str = ""
    kinks: Array | None = None
    known: Mapping[str, Any] = field(default_factory=dict)
    single_example_ok: bool | None = None
    reproduce: str = ""
    convention: str = "mean"
    where: str = ""


# --- Diagnoses ----------------------------------------------------------------------------------


def _same(found: Mismatch, actual: Array, expected: Array) -> bool:
    """``actual`` equals ``expected`` within the tolerance ``found`` was judged with, its absolute
    part (``scale``, the magnitude of the terms summed) grown or shrunk with ``expected``: a known
    mistake that is m times the right answer (the course's dZL = AL - Y) sums terms m times as
    large, and its rounding is m times as large too."""
    actual, expected = np.asarray(actual), np.asarray(expected)
    if actual.shape != expected.shape:
        return False
    # A known mistake that is undefined everywhere (the unbiased variance of one example, 0/0)
    # matches an output that is NaN everywhere. A NaN in some elements only is no evidence of a
    # formula: a known mistake computed at a singular input (a log of 0) is NaN there too.
    with np.errstate(invalid="ignore"):
        if np.isnan(actual.astype(np.float64)).all() and actual.size:
            return bool(np.isnan(expected.astype(np.float64)).all())
    scale = found.scale
    with np.errstate(invalid="ignore", over="ignore"):
        theirs = float(np.max(np.abs(expected), initial=0.0))
        ours = float(np.max(np.abs(np.asarray(found.expected)), initial=0.0))
    if 0.0 < ours < np.inf and 0.0 < theirs < np.inf:
        scale = found.scale * theirs / ours
    twin = Mismatch(found.function, found.output, actual, expected, found.tol, scale)
    return not twin.bad().any()


def _factor(found: Mismatch) -> float | None:
    """The constant ``c`` with ``actual = c * expected``, if there is one (and it is not 1)."""
    a = np.asarray(found.actual, dtype=np.float64)
    b = np.asarray(found.expected, dtype=np.float64)
    if a.shape != b.shape or not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        return None
    bb = float(np.sum(b * b))
    if bb == 0.0:
        return None
    c = float(np.sum(a * b)) / bb  # least squares: the c that brings c * b closest to a
    # Within CLOSE of 1 it is not a factor a learner wrote ("1 times the right one") but a
    # small error everywhere: _lost_precision names it.
    if c == 0.0 or np.isclose(c, 1.0, rtol=CLOSE, atol=0.0):
        return None
    # c * b is judged with the tolerance scaled by |c|: a relative error is a relative error.
    scaled = Mismatch(
        found.function,
        found.output,
        a / c,
        b,
        found.tol * 4,
        found.scale,
    )
    return c if not scaled.bad().any() else None


# A result off by at most this much, relatively, everywhere is close to right: precision lost.
CLOSE = 1e-3


def _lost_precision(found: Mismatch) -> str | None:
    """The diagnosis of a result that is right but for a small relative error everywhere."""
    a = np.asarray(found.actual, dtype=np.float64)
    b = np.asarray(found.expected, dtype=np.float64)
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        return None
    with np.errstate(invalid="ignore", divide="ignore"):
        rel = np.abs(a - b) / (np.abs(b) + found.scale)
    rel = np.where(a == b, 0.0, rel)  # exact (also 0 where both are 0, with no absolute part)
    worst = float(np.max(np.where(np.isnan(rel), np.inf, rel), initial=0.0))
    if not worst <= CLOSE:
        return None
    return (
        f"your {found.output} is close to the right one (max relative error {worst:.2g}) but "
        "further off than rounding allows: precision is lost on the way, typically by "
        "subtracting nearly equal numbers (log(AL) with AL near 1 where the log-sum-exp form "
        "-Z_y + log(sum(exp(Z))) keeps every digit, or 1 - AL), by a float32 intermediate, or by "
        "a small constant added somewhere (an epsilon in a log or a division)."
    )


def _name_factor(c: float, m: int | None, output: str, convention: str = "mean") -> str:
    """What a constant factor usually means."""

    def near(x: float) -> bool:
        return bool(np.isclose(c, x, rtol=1e-4, atol=0.0))

    times = f"your {output} is {_fraction(c)} times the right one"
    where = (
        "In the course's convention only linear_backward divides by m (dW and db); the loss's "
        "backward is that of the summed loss (dZL = AL - Y)."
        if convention == "course"
        else "The loss's backward divides by m once (the gradient of the mean cost); "
        "nothing else does."
    )
    if m is not None and m > 1 and near(m):
        return f"{times}, and m = {m}: the 1/m is missing. {where}"
    if m is not None and m > 1 and near(1 / m):
        return f"{times}, which is 1/m for m = {m}: you divide by m twice. {where}"
    if near(-1.0):
        return f"{times}: the sign is wrong (a gradient points uphill; the update subtracts it)."
    # The L2 term's 1/2 is the usual suspect only where the L2 term's gradient goes: dW; and a
    # derivative's 2 only where there is a derivative.
    l2 = output.startswith("dW")
    if not output.startswith("d") and (near(2.0) or near(0.5)):
        return f"{times}: {'a factor of 2 too many' if near(2.0) else 'half the right value'}."
    if near(2.0):
        return (
            f"{times}: a factor of 2 too many (the derivative of x**2 is 2x, of (1/2) x**2 is x"
            + ("; the L2 term lambd/(2m) * sum(W**2) has gradient (lambd/m) * W)." if l2 else ").")
        )
    if near(0.5):
        return f"{times}: half the right value (the derivative of x**2 is 2x" + (
            "; the 1/2 of lambd/(2m) cancels against it)." if l2 else ": a 2 lost)."
        )
    return f"{times}: {UNNAMED_FACTOR}"


#: How a factor with no usual meaning is told.
UNNAMED_FACTOR = "off by a constant factor. A fudge factor that makes a check pass hides this."


def _fraction(c: float) -> str:
    """``c`` as a short fraction when it is one (``5/4``), else in ``%.4g``."""
    f = Fraction(c).limit_denominator(1000)
    if f.denominator != 1 and abs(float(f) - c) <= 1e-9 * abs(c):
        return f"{f} (= {c:.4g})"
    if f.denominator == 1 and abs(float(f) - c) <= 1e-9 * abs(c):
        return str(f.numerator)
    return f"{c:.4g}"


def _shape_diagnosis(found: Mismatch) -> str:
    a, b = np.asarray(found.actual), np.asarray(found.expected)
    shape = f"your {found.output} has shape {a.shape}, the right one {b.shape}"
    if a.ndim == 2 and a.T.shape == b.shape and _same(found, a.T, b):
        return f"{shape}: it is the transpose of the right answer (check the order of a matmul)."
    if (
        b.ndim == 2
        and b.shape[1] == 1
        and a.shape == (b.shape[0],)
        and _same(found, a.reshape(b.shape), b)
    ):
        return (
            f"{shape}: the values are right but the column dimension is lost: "
            "sum with keepdims=True (db must be (n, 1), like b)."
        )
    if found.output.startswith("db") and b.ndim == 2 and b.shape[1] == 1:
        return (
            f"{shape}: db is summed over the wrong axis. Sum dZ over the examples "
            "(axis=1, keepdims=True), giving one value per unit: (n, 1), like b."
        )
    return f"{shape}: wrong shape."


def diagnose(found: Mismatch, clues: Clues) -> str | None:
    """The most specific diagnosis that fits, or ``None``."""
    a, b = np.asarray(found.actual), np.asarray(found.expected)
    if found.shapes_differ:
        return _shape_diagnosis(found)
    if not a.any() and b.any():
        return "your gradient is all zeros: nothing flows back (a missing term or an early return)."
    fits = [
        description
        for description, wrong in clues.known.items()
        # A known mistake that happens to equal the right answer here is no evidence.
        if not _same(found, np.asarray(wrong), b) and _same(found, a, np.asarray(wrong))
    ]
    if len(fits) == 1:
        return fits[0]
    if fits:  # this example cannot tell them apart (e.g. dropout that kept every unit)
        return " OR ".join(fits) + " (this example fits each of these; another would tell.)"
    with np.errstate(invalid="ignore"):
        overflow = ~np.isfinite(a.astype(np.float64)) & np.isfinite(b.astype(np.float64))
    if overflow.any():
        return (
            f"{int(overflow.sum())} element(s) are NaN or inf where the right answer is finite: "
            "an overflow or a log(0). Subtract each column's max before exp in softmax; "
            "compute sigmoid without exp of a large positive number; clamp log's argument."
        )
    c = _factor(found)
    if c is not None:
        named = _name_factor(c, clues.m, found.output, clues.convention)
        # Two numbers always differ by "a factor": one element is evidence only of a factor
        # that means something (m, 1/m, 2, 1/2, -1).
        if np.size(found.expected) > 1 or not named.endswith(UNNAMED_FACTOR):
            return named
    if (close := _lost_precision(found)) is not None:
        return close
    bad = found.bad()
    if clues.kinks is not None and np.shape(clues.kinks) == bad.shape:
        kinks = np.asarray(clues.kinks, dtype=bool)
        if kinks.any() and not (bad & ~kinks).any():
            return (
                "it differs only where the input is exactly at a kink (relu at Z = 0), where the "
                "derivative is undefined: a convention, not a wrong derivative. This project "
                "follows torch: relu'(0) = 0 and leaky_relu'(0) = alpha."
            )
    if clues.single_example_ok and (clues.m or 0) > 1:
        return (
            f"it is right for one example but wrong for a batch of m = {clues.m}: look for a "
            "sum or mean over the wrong axis, or a value shared across examples (axis 1 indexes "
            "the examples)."
        )
    return None


# --- The message --------------------------------------------------------------------------------


def _shape_of(x: Any) -> str:
    if isinstance(x, np.ndarray):
        return str(x.shape)
    if isinstance(x, (list, tuple)) and all(isinstance(v, np.ndarray) for v in x):
        return "[" + ", ".join(str(v.shape) for v in x) + "]"
    return repr(x)


def _number(x: Any) -> str:
    """A value as a learner reads it: six significant digits."""
    try:
        return f"{float(x):.6g}"
    except (TypeError, ValueError):
        return repr(x)


def worst_index(found: Mismatch) -> tuple[int, ...]:
    """The index of the element furthest out of tolerance (NaN counts as furthest)."""
    a = np.asarray(found.actual, dtype=np.float64)
    b = np.asarray(found.expected, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        diff = np.nan_to_num(np.abs(a - b), nan=np.inf)
    diff = np.where(found.bad(), diff, -1.0)
    if not a.ndim:
        return ()
    return tuple(int(i) for i in np.unravel_index(int(np.argmax(diff)), a.shape))


def explain(found: Mismatch, clues: Clues | None = None) -> str:
    """The whole explanation of ``found``, as the failure message shows it."""
    clues = clues or Clues()
    a, b = np.asarray(found.actual), np.asarray(found.expected)
    inputs = ", ".join(f"{k} {_shape_of(v)}" for k, v in clues.inputs.items())
    lines = [f"{found.function}: {found.output} is wrong."]
    if inputs:
        lines.append(f"  inputs: {inputs}")
    lines.append(f"  {found.output}: yours has shape {a.shape}, the reference {b.shape}")
    if not found.shapes_differ:
        bad = found.bad()
        index = worst_index(found)
        there = [
            f"{k} = {_number(np.asarray(v)[index])}"
            for k, v in clues.inputs.items()
            if isinstance(v, np.ndarray) and v.shape == a.shape
        ]
        at = f" ({', '.join(there)} there)" if there else ""
        lines.append(
            f"  worst element {index}: yours {_number(a[index])}, reference {_number(b[index])}{at}"
        )
        with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # nanmax of all NaN is NaN, said
            diff = np.abs(a.astype(np.float64) - b.astype(np.float64))
            rel = diff / (np.abs(b.astype(np.float64)) + found.scale)
            worst_abs, worst_rel = np.nanmax(diff), np.nanmax(rel)
            undefined = int(np.isnan(diff).sum())
        among = (
            f" (among the {diff.size - undefined} elements that are numbers)"
            if 0 < undefined < diff.size
            else ""
        )
        lines.append(
            f"  max abs error {worst_abs:.3g}, max relative error {worst_rel:.3g}{among}, "
            f"tolerance {found.tol:.3g} (relative, {b.dtype}); "
            f"{int(bad.sum())} of {bad.size} elements off"
        )
    diagnosis = diagnose(found, clues)
    if diagnosis:
        lines.append(f"  diagnosis: {diagnosis}")
    if clues.where:
        lines.append(f"  where: {clues.where}")
    if clues.rule:
        link = f"   ({DERIVATIONS}#{clues.anchor})" if clues.anchor else ""
        lines.append(f"  the rule: {clues.rule}{link}")
    if clues.reproduce:
        lines.append(f"  reproduce: {clues.reproduce}")
    return "\n".join(lines)


def explain_error(function: str, error: BaseException, clues: Clues | None = None) -> str | None:
    """An explanation of an exception a function raised on valid input, when one fits."""
    clues = clues or Clues()
    if isinstance(error, ValueError) and "read-only" in str(error):
        return "\n".join(
            [
                f"{function}: changed its input array in place ({error}).",
                "  diagnosis: the inputs are read-only here, so writing into one raises. "
                "A function that modifies its argument (Z[Z < 0] = 0, dA *= mask, A += b) "
                "corrupts the caller's arrays, e.g. the cache backprop needs later. "
                "Work on a copy or build a new array (np.maximum(Z, 0), dA * mask).",
                *([f"  reproduce: {clues.reproduce}"] if clues.reproduce else []),
            ]
        )
    return None
