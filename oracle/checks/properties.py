"""The properties every function of the contract has, as checks of an implementation.

Each ``check_*`` takes an implementation (``scratch``, a learner's file read through the contract,
or a planted mistake), a registry case and one drawn input, and raises ``AssertionError`` with an
explanation when the property does not hold:

1. ``check_forward``: the forward equals the oracle's (in the dtype of the inputs);
2. ``check_backward``: the backward equals autograd's for a drawn upstream gradient;
3. ``check_finite_differences``: the backward equals central finite differences of the forward
   (float64, off kinks);
4. ``check_linear_in_upstream``: the backward is linear in the upstream gradient: doubling ``dA``
   doubles the result exactly, since doubling is exact in floating point (but for results below
   the smallest normal number, where rounding is absolute);
5. ``check_float32``: float32 in gives float32 out. Inputs are read-only, so a function that writes
   to its argument raises.

``tests/test_contract.py`` runs them on ``scratch`` over drawn inputs; ``oracle.checks.runner``
runs them on a learner's file. Where a check cannot run (a function missing), it raises
``oracle.checks.outcomes.NotChecked``; where the function is right under the other convention,
``OtherConvention`` (both are skips).
"""

from __future__ import annotations

import contextvars
import functools
import os
import re
import unittest
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from types import ModuleType
from typing import Any

import numpy as np
from hypothesis import strategies as st

from oracle import mse as oracle_mse
from oracle import softmax as oracle_softmax
from oracle.checks.conventions import (
    CONVENTION_MARK,
    MEAN,
    convention_of,
    course_factors,
    factors,
    other_convention_hint,
)
from oracle.checks.mistakes import KINKS, KNOWN, KNOWN_FORWARD, batch_size, one_example
from oracle.checks.outcomes import Close, OtherConvention
from oracle.checks.registry import CASES, Case, Inputs
from oracle.checks.strategies import read_only
from oracle.compare import Mismatch, compare, tolerance
from oracle.explain import Clues, explain, explain_error, worst_index
from oracle.gradcheck import assert_gradients

CASE = {c.name: c for c in CASES}


@dataclass(frozen=True)
class Context:
    """What the checks need to know about the run they are part of.

    ``learner``: the implementation is a learner's file, so a function right under the other
    convention is told so (``OtherConvention``) rather than failed. ``reproduce``: the command
    that runs the failing check again ("" for pytest's own node id). ``probe``: a typical input
    for a case, on which an explanation is confirmed before it is told (``confirmed``).
    """

    learner: bool = False
    reproduce: str = ""
    #: For a case and a failing input: a typical input to confirm the explanation on.
    probe: Callable[[Case, Inputs, bool], Inputs | None] | None = None
    confirming: bool = False


_CONTEXT: contextvars.ContextVar[Context] = contextvars.ContextVar("deepscratch_context")


@contextmanager
def context(**fields: Any) -> Iterator[None]:
    """Run the block with the ``Context`` fields given."""
    token = _CONTEXT.set(Context(**fields))
    try:
        yield
    finally:
        _CONTEXT.reset(token)


def current() -> Context:
    """The context of the check running now (the defaults outside a ``context`` block)."""
    return _CONTEXT.get(Context())


def learner_mode() -> bool:
    return current().learner


# The diagnoses of the examples a learner's function got right only under the other convention,
# while a test decorated with @one_verdict runs (None outside one).
#: Each entry: (the outcome to raise at the end, what to tell).
_OTHER_CONVENTION: list[tuple[type[unittest.SkipTest], str]] | None = None


def one_verdict(test: Callable[..., None]) -> Callable[..., None]:
    """Judge "right under the other convention" over the whole run of ``test``, not one example.

    One example can fit the other convention by coincidence: the story's fudge factor
    n/(n-1) is 2 = m when n = m = 2, and a skip raised there would end the run (hypothesis lets
    a skip through, even while shrinking) with "follows the course's convention". So such an
    example counts as passed while the test runs; at the end the test fails if any example was
    wrong in another way, and is skipped with the convention's diagnosis only if none was.
    """

    @functools.wraps(test)
    def judged(*args: Any, **kwargs: Any) -> None:
        global _OTHER_CONVENTION
        told: list[tuple[type[unittest.SkipTest], str]] = []
        _OTHER_CONVENTION = told
        try:
            test(*args, **kwargs)
        finally:
            _OTHER_CONVENTION = None
        if told:
            # The other convention (a factor m) outweighs a harmless difference.
            outcome, said = min(told, key=lambda t: t[0] is not OtherConvention)
            raise outcome(said)

    return judged


def told_other_convention(diagnosis: str) -> None:
    """Inside @one_verdict, note ``diagnosis`` and go on; outside one, skip with it now."""
    _tell(OtherConvention, diagnosis)


def _tell(outcome: type[unittest.SkipTest], said: str) -> None:
    if _OTHER_CONVENTION is None:
        raise outcome(said)
    _OTHER_CONVENTION.append((outcome, said))


def as_dtype(x: Any, dtype: type) -> Any:
    """Float arrays (also inside dicts and lists) converted to ``dtype`` and kept read-only."""
    if isinstance(x, dict):
        return {k: as_dtype(v, dtype) for k, v in x.items()}
    if isinstance(x, list):
        return [as_dtype(v, dtype) for v in x]
    if isinstance(x, np.ndarray) and np.issubdtype(x.dtype, np.floating):
        return read_only(x.astype(dtype))
    return x


def _known_mistakes(
    impl: ModuleType, case: Case, kind: str, x: Inputs
) -> dict[str, dict[str, Any]]:
    """For each output, what the usual mistakes would have returned (``oracle.checks.mistakes``)."""
    known: dict[str, dict[str, Any]] = {}
    if kind != "backward":
        return KNOWN_FORWARD[case.name](x) if case.name in KNOWN_FORWARD else known
    if case.upstream is not None and case.oracle_backward is not None:
        ones = read_only(np.ones_like(x[case.upstream]))
        for name, local in case.oracle_backward({**x, case.upstream: ones}).items():
            known.setdefault(name, {})[
                f"the upstream gradient {case.upstream} is ignored: you returned the local "
                f"derivative alone. The chain rule multiplies it by {case.upstream}."
            ] = local
    try:
        forward = case.oracle_forward(x, case.forward(impl, x))
    except Exception:  # the forward's own failure is reported by its own test
        forward = {}
    for name in case.oracle_backward(x) if case.oracle_backward else {}:
        for fname, value in forward.items():
            known.setdefault(name, {})[
                f"you returned the forward's value ({fname}) instead of the gradient {name}."
            ] = value
    for name, mistakes in (KNOWN[case.name](x) if case.name in KNOWN else {}).items():
        known.setdefault(name, {}).update(mistakes)
    # What the other convention returns: course = mean * factor.
    course = course_factors(case.name, batch_size(case.name, x))
    if case.oracle_backward is not None and course:
        theirs = convention_of(impl) == MEAN
        for name, value in case.oracle_backward(x).items():
            if name in course:
                other = value * course[name] if theirs else value
                known.setdefault(name, {})[
                    other_convention_hint(impl, name, case.backward_name or case.name)
                ] = other
    return known


def _single_example_ok(
    impl: ModuleType, case: Case, kind: str, x: Inputs, found: Mismatch
) -> bool | None:
    """Whether ``impl`` is right on the worst element's example alone (``None``: not applicable,
    e.g. when the output, like ``dW``, has no column per example)."""
    m = batch_size(case.name, x)
    if found.shapes_differ:
        return None
    index = worst_index(found)
    if m is None or len(index) != 2 or np.shape(found.expected)[1] != m:
        return None
    one = one_example(case.name, x, index[1])
    if one is None or (kind == "forward" and case.forward_name == "dropout_forward"):
        return None
    call, reference = (
        (case.forward, lambda y: case.oracle_forward(y, case.forward(impl, y)))
        if kind == "forward"
        else (case.backward, case.oracle_backward)
    )
    assert call is not None and reference is not None
    try:
        actual, expected = call(impl, one), reference(one)
    except Exception:  # failing on one example is not "right on one example"
        return False
    return all(
        compare(
            case.name,
            k,
            actual[k],
            v,
            case.terms(one),
            case.scale[k](one) if k in case.scale else None,
        )
        is None
        for k, v in expected.items()
    )


def clues(impl: ModuleType, case: Case, kind: str, found: Mismatch, x: Inputs) -> Clues:
    """What the explanation of the mismatch ``found`` gets to know."""
    kink_input = KINKS.get(case.name)
    return Clues(
        inputs={k: v for k, v in x.items() if isinstance(v, (np.ndarray, list, int, float, str))},
        m=batch_size(case.name, x),
        rule=case.formula if kind == "backward" else "",
        anchor=(case.backward_name or case.forward_name) if kind == "backward" else "",
        kinks=(np.asarray(x[kink_input]) == 0) if kink_input else None,
        known=_known_mistakes(impl, case, kind, x).get(found.output, {}),
        single_example_ok=_single_example_ok(impl, case, kind, x, found),
        reproduce=reproduce_hint(),
        convention=convention_of(impl),
    )


def reproduce_hint() -> str:
    """The command that runs the current check again (hypothesis replays the example): the run's
    own, or the pytest node id of the current test."""
    if current().reproduce:
        return current().reproduce
    test = os.environ.get("PYTEST_CURRENT_TEST", "").rsplit(" (", 1)[0]
    return f"pytest '{test}'" if test else ""


def display_name(impl: Any, case: Case, kind: str) -> str:
    """How a message names the function: the learner's own name for it (``relu_backpropagation``)
    when it has one, else the contract's, with the case (``relu_backward (relu)``)."""
    name = (case.forward_name if kind == "forward" else case.backward_name) or case.name
    theirs = getattr(impl, "__deepscratch_names__", {}).get(name)
    if theirs and theirs != name:
        return f"{theirs} (checked as {name})"
    return f"{name} ({case})"


def run(impl: ModuleType, case: Case, kind: str, x: Inputs) -> dict[str, Any]:
    """``case.forward`` or ``case.backward`` on ``impl``, with an in-place write explained."""
    call = case.forward if kind == "forward" else case.backward
    assert call is not None
    try:
        return call(impl, x)
    except ValueError as error:
        message = explain_error(
            display_name(impl, case, kind), error, Clues(reproduce=reproduce_hint())
        )
        if message is None:
            raise
        raise AssertionError(message) from error


def assert_all_close(
    impl: ModuleType,
    case: Case,
    kind: str,
    actual: dict[str, Any],
    expected: dict[str, Any],
    x: Inputs,
) -> None:
    assert set(actual) == set(expected), (
        f"{case}: outputs {sorted(actual)}, expected {sorted(expected)}"
    )
    function = display_name(impl, case, kind)
    # Under the course's convention some gradients are autograd's times m or 1/m.
    factor = factors(impl, case.name, batch_size(case.name, x)) if kind == "backward" else {}
    mismatches: list[Mismatch] = []
    for name, value in expected.items():
        value = value * factor[name] if name in factor else value
        scale = case.scale[name](x) if name in case.scale else None
        scale = scale * factor[name] if scale is not None and name in factor else scale
        found = compare(function, name, actual[name], value, case.terms(x), scale)
        if found is not None:
            mismatches.append(found)
    if not mismatches:
        return
    if learner_mode():
        stories = [harmless(impl, case, kind, found, x) for found in mismatches]
        if all(stories):
            _tell(Close, "; ".join(dict.fromkeys(s for s in stories if s)))
            return
    said = [explain(found, clues(impl, case, kind, found, x)) for found in mismatches]
    other = [CONVENTION_MARK in message for message in said]
    if all(other) and learner_mode():
        # A learner's function that is right under the other convention is told so, not failed.
        diagnosis = next(ln for ln in said[0].splitlines() if "diagnosis:" in ln)
        told_other_convention(diagnosis.split("diagnosis: ", 1)[1])
        return
    wrong = [message for message, o in zip(said, other, strict=True) if not o]
    message = wrong[0] if wrong else said[0]
    told = confirmed(impl, case, kind, x, message)
    raise mistake_of(told)(told)


class Wrong(AssertionError):
    """A wrong result; one subclass for each kind of diagnosis (``mistake_of``)."""


_MISTAKES: dict[str, type[Wrong]] = {}


def mistake_of(message: str) -> type[Wrong]:
    """The class of the failure ``message`` tells: one for each kind of diagnosis, so that
    hypothesis, which tells bugs apart by the class and place of what they raise, reports two
    different mistakes of one function as two failures (each shrunk on its own) instead of
    keeping the first it met."""
    kind = _kind(_diagnosis(message)) or "undiagnosed"
    if kind not in _MISTAKES:
        _MISTAKES[kind] = type(f"Wrong{len(_MISTAKES)}", (Wrong,), {"__module__": __name__})
    return _MISTAKES[kind]


#: Within this of 0 or 1, a probability is "saturated": where a learner's epsilon in a log or
#: clip changes the loss, and torch's floor differs from it.
SATURATED = 1e-3
_PROBABILITY_CASES = (
    "cross_entropy", "binary_cross_entropy", "cross_entropy_cost", "binary_cross_entropy_cost",
)  # fmt: skip


def harmless(impl: ModuleType, case: Case, kind: str, found: Mismatch, x: Inputs) -> str:
    """Why the mismatch ``found`` is a convention that changes no derivative, or "".

    - a scalar where the reference is an array of that same value (``return 0`` for lambd = 0);
    - a loss (or its backward) that differs only where a prediction is saturated (within
      ``SATURATED`` of 0 or 1), and is finite there: an epsilon in the log, a clip,
      ``nan_to_num``, where torch clamps the log at -100;
    - the mean squared error with a 1/2 (the forward, or a backward whose forward has it too);
    - relu's kink: different only at Z = 0 exactly, where any slope in [0, 1] is a subgradient.
    """
    a, b = np.asarray(found.actual), np.asarray(found.expected)
    if case.name in ("mse", "mse_cost") and (told := _element_mean(impl, kind, found, x)):
        return told
    if found.shapes_differ:
        if a.size == 1 and b.size and np.allclose(b, a.reshape(()), rtol=found.tol, atol=0):
            return (
                f"{found.output} is the scalar {float(a.reshape(())):g} where the reference is an "
                f"array {b.shape} of it: it broadcasts to the same update"
            )
        return ""
    bad = found.bad()
    if case.name in _PROBABILITY_CASES and "AL" in x and np.all(np.isfinite(a)):
        AL = np.asarray(x["AL"], dtype=np.float64)
        near = np.minimum(AL, 1 - AL) < SATURATED
        columns = near.any(axis=0, keepdims=True)
        # Elsewhere an epsilon of 1e-10 .. 1e-7 moves a log by at most about 1e-6.
        with np.errstate(invalid="ignore"):
            small = np.abs(a.astype(np.float64) - b) <= 1e-6 * (np.abs(b) + 1)
        if bad.shape == ():  # a cost: one number for the whole batch
            fits = bool(small) or bool(columns.any())
        else:
            where = near if bad.shape == near.shape else np.broadcast_to(columns, bad.shape)
            fits = not (bad & ~where & ~small).any()
        if fits:
            return (
                "within 1e-6 of the reference but where a prediction is within 1e-3 of 0 or 1, and "
                "finite there: an epsilon in the log, a clip or nan_to_num (torch clamps the log "
                "at -100 instead)"
            )
        return ""
    if case.name == "mse" and np.allclose(a, 0.5 * b, rtol=found.tol * 4, atol=0):
        if kind == "forward" or _half_mse(impl, x):
            return "the squared error with a 1/2 (1/2 sum (AL - Y)**2): its gradient has no 2"
        return ""
    kink = KINKS.get(case.name)
    if kink and np.shape(x[kink]) == bad.shape:
        on_kink = np.asarray(x[kink]) == 0
        if on_kink.any() and not (bad & ~on_kink).any():
            return (
                "different only at the kink (Z = 0 exactly), where any slope between the two "
                "sides is a valid subgradient (this project follows torch: relu'(0) = 0)"
            )
    return ""


def _element_mean(impl: ModuleType, kind: str, found: Mismatch, x: Inputs) -> str:
    """Why an mse (or its backward) that is the mean over all ``C * m`` elements is a convention:
    ``np.mean((AL - Y)**2)``, torch's ``nn.MSELoss()`` and Keras's default, is ``1/C`` of the
    mean over the examples of each example's sum, and its gradient ``2 (AL - Y) / (C m)`` is
    ``1/C`` of the reference's. A backward is told so only when the file's own mse (if it has
    one) is that mean too: otherwise the two disagree, and the backward is wrong for its loss."""
    AL, Y = (np.asarray(x[k], dtype=np.float64) for k in ("AL", "Y"))
    C = AL.shape[0]
    if C < 2:
        return ""  # one output: the two means are the same, nothing to tell
    a = np.asarray(found.actual, dtype=np.float64)
    if kind == "forward":
        mean = np.mean((AL - Y) ** 2)
        if a.size != 1 or not np.isclose(a.reshape(()), mean, rtol=found.tol * 4, atol=0):
            return ""
    else:
        b = np.asarray(found.expected, dtype=np.float64)
        if found.shapes_differ or not np.allclose(a, b / C, rtol=found.tol * 4, atol=0):
            return ""
        if not _forward_is_element_mean(impl, AL, Y):
            return ""
    return (
        f"the mean over all C * m elements (C = {C} outputs), np.mean((AL - Y)**2) as torch's "
        "nn.MSELoss() and Keras compute it, not the mean over the examples of each example's "
        "sum: the cost and its gradient 2 * (AL - Y) / (C * m) are 1/C of this project's, "
        "which only scales the learning rate"
    )


def _forward_is_element_mean(impl: ModuleType, AL: Any, Y: Any) -> bool:
    """The file's own mse is the mean over all elements, or it has none (then nothing says
    otherwise)."""
    forwards = [f for f in (getattr(impl, n, None) for n in ("mse", "mse_cost")) if callable(f)]
    if not forwards:
        return True
    try:
        theirs = np.asarray(forwards[0](AL, Y), dtype=np.float64)
    except Exception:
        return False
    return theirs.size == 1 and bool(np.isclose(theirs.reshape(()), np.mean((AL - Y) ** 2)))


def _half_mse(impl: ModuleType, x: Inputs) -> bool:
    """Whether the file's own mse has the 1/2 (then a backward without the 2 matches it)."""
    mse = getattr(impl, "mse", None)
    if not callable(mse):
        return False
    try:
        theirs = np.asarray(mse(x["AL"], x["Y"]), dtype=np.float64)
    except Exception:
        return False
    ours = np.asarray(oracle_mse(x["AL"], x["Y"]), dtype=np.float64)
    return theirs.shape == ours.shape and bool(np.allclose(theirs, 0.5 * ours, rtol=1e-6))


def _diagnosis(message: str) -> str:
    line = next((ln for ln in message.splitlines() if "diagnosis:" in ln), "")
    return line.split("diagnosis: ", 1)[1] if line else ""


def _kind(diagnosis: str) -> str:
    """A diagnosis without its numbers: "shape (1,)" and "shape (3,)" tell the same story."""
    return re.sub(r"[-+]?\d[\d.e+-]*", "#", diagnosis)


def _dtype_of(x: Inputs) -> Any:
    return next(
        (v.dtype for v in x.values() if isinstance(v, np.ndarray) and v.dtype.kind == "f"),
        np.dtype(np.float64),
    )


def confirmed(impl: ModuleType, case: Case, kind: str, x: Inputs, message: str) -> str:
    """``message``, the explanation of a failure on ``x``, once its story is tested on a typical
    input as well (the context's ``probe``: the same shapes, values off kinks and saturation).
    hypothesis shrinks a failure to the simplest input (Z = 0, AL = 1/2, ones), where a wrong
    formula can look like another mistake: ``dA * Z * (1 - Z)`` is all zeros at Z = 0.
    When the typical input tells another story, that one is told, and what the simplest input
    showed is said beside it; when the function is right on the typical input, the failure
    belongs to special values, and the explanation says so."""
    probe = current().probe
    if probe is None or current().confirming:
        return message
    there = _again(impl, case, kind, probe(case, x, False))
    if there is None:
        return message
    if there == "":
        return message + (
            "\n  (on a typical input, several examples and off the special values, it is right: "
            "the mistake shows only at inputs like this one)"
        )
    if " OR " in _diagnosis(there):
        # These shapes cannot tell the stories apart (m = C, say): other shapes can.
        other = _again(impl, case, kind, probe(case, x, True))
        if other and _diagnosis(other) and " OR " not in _diagnosis(other):
            there = other
    first, second = _diagnosis(message), _diagnosis(there)
    if _kind(first) == _kind(second) or not first:
        return there  # the same story, told on the typical input (its numbers are more telling)
    lines = there.splitlines()
    if second:
        at = next(i for i, ln in enumerate(lines) if "diagnosis:" in ln) + 1
        lines.insert(at, f"  on the simplest failing input, it looked like: {first}")
    else:  # a story of the simplest input only: not told as the diagnosis
        at = next((i for i, ln in enumerate(lines) if ln.startswith("  the rule:")), len(lines))
        lines.insert(
            at,
            f"  on the simplest failing input it looked like: {first} That does not hold on "
            "this typical input, so it is not the diagnosis.",
        )
    return "\n".join(lines)


def _again(impl: ModuleType, case: Case, kind: str, inputs: Inputs | None) -> str | None:
    """The explanation of the same check on ``inputs``: "" when it passes there, ``None`` when it
    cannot say (no inputs, or the function raises on them)."""
    if inputs is None:
        return None
    check = check_forward if kind == "forward" else check_backward
    token = _CONTEXT.set(replace(current(), confirming=True))
    try:
        check(impl, case, inputs)
    except AssertionError as again:
        return str(again)
    except Exception:
        return None
    finally:
        _CONTEXT.reset(token)
    return ""


def check_forward(impl: ModuleType, case: Case, x: Inputs) -> None:
    out = run(impl, case, "forward", x)
    assert_all_close(impl, case, "forward", out, case.oracle_forward(x, out), x)


def check_backward(impl: ModuleType, case: Case, x: Inputs) -> None:
    assert case.backward is not None and case.oracle_backward is not None
    out = run(impl, case, "backward", x)
    assert_all_close(impl, case, "backward", out, case.oracle_backward(x), x)


def _check_float32(case: Case, outputs: dict[str, Any]) -> None:
    for name, value in outputs.items():
        if np.issubdtype(np.asarray(value).dtype, np.floating):
            assert np.asarray(value).dtype == np.float32, (
                f"{case}: {name} is {np.asarray(value).dtype} for float32 inputs: an operation "
                "promoted it (a float64 constant array, np.where(Z > 0, 1.0, alpha) whose two "
                "numbers make a float64 array, or np.float64(...) around a value)."
            )


def check_float32_forward(impl: ModuleType, case: Case, x: Inputs) -> None:
    """float32 inputs give float32 outputs (the forward)."""
    _check_float32(case, run(impl, case, "forward", x))


def check_float32_backward(impl: ModuleType, case: Case, x: Inputs) -> None:
    """float32 inputs give float32 gradients (the backward)."""
    assert case.backward is not None
    _check_float32(case, run(impl, case, "backward", x))


def check_float32(impl: ModuleType, case: Case, x: Inputs) -> None:
    """Both: the forward, and the backward when ``impl`` has it."""
    check_float32_forward(impl, case, x)
    if case.backward is not None and all(
        callable(getattr(impl, n, None)) for n in needs(case, "backward") if n
    ):
        check_float32_backward(impl, case, x)


def check_finite_differences(impl: ModuleType, case: Case, x: Inputs) -> None:
    assert case.gradcheck is not None
    spec = case.gradcheck(impl, x)
    # Finite differences measure the mean convention's gradient: bring a course-style one to it.
    factor = factors(impl, case.name, batch_size(case.name, x))
    analytic = {
        name: (i, g / factor[name] if name in factor else g)
        for name, (i, g) in spec.analytic.items()
    }
    # Where a gradient is a sum that cancels, its rounding error is what the bound of
    # oracle.compare allows for the magnitude summed: that much is not a wrong derivative.
    atol = {
        name: tolerance(np.float64, case.terms(x)) * case.scale[name](x)
        for name in spec.analytic
        if name in case.scale
    }
    try:
        assert_gradients(spec.f, spec.args, analytic, spec.upstream, atol=atol)
    except AssertionError:
        other = _as_other_convention(impl, case, x, spec.analytic)
        if not learner_mode() or not other:
            raise
        # Right under the other convention? (If not, this raises the failure.) Then say so, as
        # check_backward does.
        assert_gradients(spec.f, spec.args, other, spec.upstream, atol=atol)
        name = next(n for n in other if n in course_factors(case.name, batch_size(case.name, x)))
        told_other_convention(other_convention_hint(impl, name, case.backward_name or case.name))


def _as_other_convention(
    impl: ModuleType, case: Case, x: Inputs, analytic: dict[str, tuple[int, Any]]
) -> dict[str, tuple[int, Any]] | None:
    """``analytic`` read as the other convention's gradients, brought to the mean convention's."""
    course = course_factors(case.name, batch_size(case.name, x))
    if not course:
        return None
    # Under mean the learner's course-style gradient is course * mean: divide by it; under
    # course, a mean-style one is mean: nothing to divide.
    divide = course if convention_of(impl) == MEAN else {}
    return {n: (i, g / divide[n] if n in divide else g) for n, (i, g) in analytic.items()}


def check_linear_in_upstream(impl: ModuleType, case: Case, x: Inputs) -> None:
    assert case.backward is not None and case.upstream is not None
    once = case.backward(impl, x)
    twice = case.backward(impl, {**x, case.upstream: read_only(2 * x[case.upstream])})
    for name, value in once.items():
        # Doubling is exact for normal numbers. Intermediates below the smallest normal number
        # (subnormals) round at a fixed absolute step, which later products (batch norm's
        # 1/sqrt(eps) among them) may magnify: as in oracle.compare, below tiny(dtype) there is no
        # relative precision left to compare.
        np.testing.assert_allclose(
            twice[name],
            2 * value,
            rtol=0,
            atol=float(np.finfo(np.asarray(value).dtype).tiny),
            err_msg=f"{case}: {name} is not linear in {case.upstream}",
        )


def needs(case: Case, kind: str) -> tuple[str | None, ...]:
    """The functions a test of ``case`` calls: the forward (and, for ``kind="backward"``, the
    backward, whose finite differences and caches need the forward too)."""
    forward = ("softmax", "cross_entropy") if case.name == "softmax_cross_entropy" else ()
    names = (case.forward_name, *forward)
    return names if kind == "forward" else (*names, case.backward_name)


def draw(case: Case, data: st.DataObject, domain: str = "any") -> Inputs:
    return data.draw(case.draw(domain), label="inputs")


# --- Stability: inputs where a naive formula overflows or takes log(0) ---------------------------

_LOGITS = [[1e4, -1e4, 0.0, 5.0], [-1e4, 1e4, 0.0, -5.0], [0.0, 0.0, 1e4, 1e4]]
_ONE_HOT = [[1.0, 0.0, 0.0, 1.0], [0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0]]
_UPSTREAM = [[0.5, -1.0, 2.0, 0.25], [1.5, 0.3, -0.7, 1.0], [-2.0, 0.1, 0.9, -0.4]]


def _extremes() -> list[tuple[str, Inputs]]:
    """Named inputs at the edge of each function's domain, where torch's answer is finite."""
    ZL = np.asarray(_LOGITS)
    return [
        ("softmax", {"Z": ZL, "dA": np.asarray(_UPSTREAM)}),
        ("sigmoid", {"Z": np.asarray([[1e3, -1e3, 0.0, 700.0]]), "dA": np.ones((1, 4))}),
        ("tanh", {"Z": np.asarray([[1e3, -1e3, 0.0, 20.0]]), "dA": np.ones((1, 4))}),
        (
            "softmax_cross_entropy",
            {"ZL": ZL, "AL": oracle_softmax(ZL), "Y": np.asarray(_ONE_HOT)},
        ),
        (
            "binary_cross_entropy",
            {"AL": np.asarray([[0.0, 1.0, 0.0, 1.0]]), "Y": np.asarray([[0.0, 1.0, 1.0, 0.0]])},
        ),
        (
            "cross_entropy",
            {
                "AL": np.asarray([[0.0, 1.0, 0.5], [1.0, 0.0, 0.5]]),
                "Y": np.asarray([[1.0, 1.0, 0.0], [0.0, 0.0, 1.0]]),
            },
        ),
    ]


EXTREMES = _extremes()


EXTREME_IDS = [n for n, _ in EXTREMES]
