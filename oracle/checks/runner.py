"""Running the checks on a learner's file: each row of the reading, each property, one verdict.

For a function read as a role of the contract, the properties of ``oracle.checks.properties`` run
over inputs hypothesis draws from the registry case (the forward against the oracle in float64 and
float32, float32 kept, extreme inputs; the backward against autograd, finite differences of the
learner's own forward, linearity in the upstream gradient). For one of the course's network-level
functions, the checks of ``oracle.checks.course``. Each property runs under a time limit, with the
learner's functions guarded (``oracle.checks.limits``); hypothesis is quiet, keeps no database
and draws the same examples every run (``derandomize``), so a verdict does not change between runs.
"""

from __future__ import annotations

import sys
import time
import traceback
import warnings
from collections.abc import Callable, Iterator
from collections.abc import Set as AbstractSet
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from hypothesis import HealthCheck, Phase, Verbosity, given, settings
from hypothesis import strategies as st

from oracle.checks import assignments, networks
from oracle.checks import properties as p
from oracle.checks.course import COURSE_CHECKS, COURSE_FUNCTIONS_OF
from oracle.checks.limits import TimeLimitExceeded, time_limit
from oracle.checks.outcomes import Close, NotChecked, OtherConvention, implemented
from oracle.checks.probes import like, probe
from oracle.checks.reading import CASE, Reading, Row
from oracle.checks.registry import CASES, Case
from oracle.checks.roles import ROLES

if sys.version_info < (3, 11):  # pragma: no cover - the tested Python is 3.11
    from exceptiongroup import BaseExceptionGroup

#: Seconds one property may take on the learner's functions (all its examples, shrinking included).
CHECK_SECONDS = 60.0

PASSED, FAILED, NOT_CHECKED, CONVENTION, CLOSE = (
    "passed", "failed", "not checked", "convention", "close"
)  # fmt: skip


@dataclass
class Result:
    """The outcome of one property on one function."""

    check: str  #: e.g. "backward vs autograd (float64)"
    status: str
    messages: list[str] = field(default_factory=list)  #: the explanations (several: distinct bugs)
    detail: str = ""  #: hypothesis's notes: the falsifying example
    case: str = ""  #: the registry case it ran (``layer[relu]``: one of several a row has)
    timed_out: bool = False


@dataclass
class Verdict:
    """A row's verdict: ``verified``, ``WRONG`` (with its explanations), ``convention`` or
    ``not checked``, and the results it was made of."""

    row: Row
    status: str
    said: str  #: one line for the table
    explanations: list[str] = field(default_factory=list)
    results: list[Result] = field(default_factory=list)
    seconds: float = 0.0


def learner_settings(examples: int) -> settings:
    return settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        print_blob=False,
        verbosity=Verbosity.quiet,
        report_multiple_bugs=True,
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
    )


# --- One property -----------------------------------------------------------------------------


def _learner_frame(error: BaseException, files: tuple[str, ...]) -> str:
    """The learner's line where ``error`` was raised: 'file, line N: code'."""
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename.startswith(files)]
    if not frames:
        return ""
    f = frames[-1]
    return f"{f.filename}, line {f.lineno}: {(f.line or '').strip()}"


def _notes(error: BaseException) -> str:
    return "\n".join(getattr(error, "__notes__", []))


def _raised(error: BaseException, function: str, files: tuple[str, ...], given: str) -> str:
    """The explanation of an exception the learner's code raised on valid input."""
    where = _learner_frame(error, files)
    said = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
    lines = [f"{function}: raised {said}"]
    if where:
        lines.append(f"  at {where}")
    if given:
        lines.append(f"  on the input: {given}")
    return "\n".join(lines)


def describe(drawn: dict[str, Any]) -> str:
    """The inputs a check was given, as a learner reads them: small arrays by value, large ones
    by shape (a registry case's inputs sit in one ``x``)."""
    inputs = drawn["x"] if set(drawn) == {"x"} and isinstance(drawn["x"], dict) else drawn
    parts = []
    for name, value in inputs.items():
        if isinstance(value, np.ndarray):
            if value.size <= 8:
                shown = np.array2string(value, precision=4, separator=", ").replace("\n", "")
                parts.append(f"{name} = {' '.join(shown.split())}")
            else:
                parts.append(f"{name} {value.shape}")
        elif isinstance(value, (int, float, str)):
            parts.append(f"{name} = {value!r}")
        else:
            parts.append(f"{name} ({type(value).__name__})")
    return ", ".join(parts)


def _messages(
    error: BaseException, function: str, files: tuple[str, ...], given: str = ""
) -> list[str]:
    """One message per distinct failure (hypothesis groups them when it finds several)."""
    if isinstance(error, BaseExceptionGroup):
        out: list[str] = []
        for inner in error.exceptions:
            out += [m for m in _messages(inner, function, files, given) if m not in out]
        return out
    if isinstance(error, AssertionError):
        return [str(error)]
    if isinstance(error, TimeLimitExceeded):
        where = _learner_frame(error, files)
        return [
            f"{function}: {error} (an endless loop, or a very slow call?)"
            + (f"\n  it was at {where}" if where else "")
            + (f"\n  on the input: {given}" if given else "")
        ]
    if not _learner_frame(error, files):
        # Raised by the check itself, not by the learner's code: say so, with where.
        last = traceback.extract_tb(error.__traceback__)[-1:]
        where = f" ({last[0].filename}, line {last[0].lineno})" if last else ""
        return [
            f"{function}: the check itself failed with {type(error).__name__}: {error}{where}; "
            "please report it, with your file"
        ]
    return [_raised(error, function, files, given)]


@contextmanager
def quiet() -> Iterator[None]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def run_check(
    name: str,
    body: Callable[..., None],
    strategies: dict[str, st.SearchStrategy[Any]] | None,
    config: settings,
    function: str,
    files: tuple[str, ...],
    seconds: float,
    convention_told: bool = False,
) -> Result:
    """Run ``body`` over the drawn ``strategies`` (or once, with none) and say how it went."""
    seen: list[dict[str, Any]] = []

    def recorded(**drawn: Any) -> None:
        seen[:] = [drawn]  # after shrinking, hypothesis replays the smallest failing example last
        body(**drawn)

    test = config(given(**strategies)(recorded)) if strategies is not None else body
    test = p.one_verdict(test)
    try:
        # The learner's warnings (overflow, log(0), ddof): what counts is the answer, and the
        # explanation names the cause.
        with time_limit(seconds, f"{function} ({name})"), np.errstate(all="ignore"), quiet():
            test()
    except OtherConvention as told:
        return Result(name, CONVENTION, [str(told)])
    except Close as told:
        return Result(name, CLOSE, [str(told)])
    except NotChecked as skipped:
        return Result(name, NOT_CHECKED, [str(skipped)])
    except (Exception, TimeLimitExceeded, BaseExceptionGroup) as error:
        given_input = describe(seen[-1]) if seen else ""
        result = Result(name, FAILED, _messages(error, function, files, given_input), _notes(error))
        result.timed_out = isinstance(error, TimeLimitExceeded)
        return result
    return Result(name, PASSED)


# --- The properties of a row ------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """A property to run for a row: its name, the body and its strategies."""

    name: str
    body: Callable[..., None]
    strategies: dict[str, st.SearchStrategy[Any]] | None
    convention_told: bool = False


def _drawn(
    case: Case,
    domain: str,
    dtype: type,
    fixed: Callable[[dict[str, Any]], dict[str, Any]] | None,
) -> st.SearchStrategy[Any]:
    inputs = case.draw(domain)
    if fixed is not None:
        inputs = inputs.map(fixed)
    return inputs.map(lambda x: p.as_dtype(x, dtype))


def _contract_plans(impl: Any, row: Row, case: Case, wrong: AbstractSet[str]) -> Iterator[Plan]:
    role = ROLES[row.role or ""]
    fixed = row.fixed
    kind = role.kind
    names = p.needs(case, "forward") if kind == "forward" else p.needs(case, "backward")
    # A backward is checked against autograd on its own; it needs the forward only for finite
    # differences (of the learner's own forward) and for a cache the forward makes.
    own = (role.name,) if kind == "forward" else _backward_needs(case, role.name)

    def each(check: Callable[[Any, Case, dict[str, Any]], None]) -> Callable[[Any], None]:
        def body(x: Any) -> None:
            with implemented(impl, *own):
                check(impl, case, x)

        return body

    for dtype, label in ((np.float64, "float64"), (np.float32, "float32")):
        if kind == "forward":
            yield Plan(f"forward vs the oracle ({label})", each(p.check_forward),
                       {"x": _drawn(case, "any", dtype, fixed)})  # fmt: skip
        else:
            yield Plan(f"backward vs autograd ({label})", each(p.check_backward),
                       {"x": _drawn(case, "any", dtype, fixed)}, True)  # fmt: skip
    float32 = p.check_float32_forward if kind == "forward" else p.check_float32_backward
    yield Plan("float32 in, float32 out", each(float32),
               {"x": _drawn(case, "any", np.float32, fixed)})  # fmt: skip
    if kind == "backward":
        blamed = sorted({n for n in names if n} & wrong)
        if blamed:
            yield Plan("finite differences of your forward", _not_run(
                f"finite differences not run: they would differentiate your {', '.join(blamed)}, "
                "which is wrong"), None)  # fmt: skip
        elif all(callable(getattr(impl, n, None)) for n in names if n) and not row.fixed:
            yield Plan("finite differences of your forward", each(p.check_finite_differences),
                       {"x": _drawn(case, "smooth", np.float64, fixed)}, True)  # fmt: skip
        if case.upstream and not (row.binding and row.binding.local):
            yield Plan(f"linear in {case.upstream}", each(p.check_linear_in_upstream),
                       {"x": _drawn(case, "any", np.float64, fixed)})  # fmt: skip
    for name, x in p.EXTREMES:
        if name != case.name:
            continue
        for dtype, label in ((np.float64, "float64"), (np.float32, "float32")):
            fixed_x = p.as_dtype(fixed(x) if fixed else x, dtype)
            check = p.check_forward if kind == "forward" else p.check_backward

            def once(check: Any = check, fixed_x: Any = fixed_x) -> None:
                with implemented(impl, *own):
                    check(impl, case, fixed_x)

            yield Plan(f"extreme inputs ({label})", once, None, kind == "backward")


def _not_run(reason: str) -> Callable[[], None]:
    def body() -> None:
        raise NotChecked(reason)

    return body


def _backward_needs(case: Case, backward: str) -> tuple[str, ...]:
    """The functions a backward's check calls: itself, and the forward whose cache it reads."""
    if case.name.startswith("layer[") or case.name == "batchnorm":
        return (case.forward_name, backward)
    return (backward,)


def _course_plans(impl: Any, row: Row) -> Iterator[Plan]:
    mine = assignments.checks_for(row.name, getattr(impl, row.name, None))
    if mine:  # updates, gradient checking, initialisers: oracle.checks.assignments
        for name, check, strategies in mine:
            yield Plan(name, _course_body(impl, check), strategies)
        return
    for table, functions in COURSE_FUNCTIONS_OF.items():
        if row.name not in functions or functions[-1] != row.name:
            continue
        for check, strategies in COURSE_CHECKS[table]:
            yield Plan(table, _course_body(impl, check), strategies)


def _course_body(impl: Any, check: Callable[..., None]) -> Callable[..., None]:
    def body(**drawn: Any) -> None:
        check(impl, **drawn)

    return body


def cases_of(row: Row) -> list[Case]:
    role = ROLES.get(row.role or "")
    if role is None:
        return []
    if role.case == "layer":
        return [c for c in CASES if c.name.startswith("layer[")]
    return [CASE[role.case]]


def plans(
    impl: Any, row: Row, wrong: AbstractSet[str] = frozenset()
) -> list[tuple[Case | None, Plan]]:
    """The properties to run for ``row``; ``wrong``: the contract's functions found wrong in the
    file so far (a check that would run one of them is not run, and says why)."""
    if row.network is not None:
        return [(None, Plan(name, body, strategies))
                for name, body, strategies in networks.plans(*row.network)]  # fmt: skip
    if row.course:
        return [(None, plan) for plan in _course_plans(impl, row)]
    return [
        (case, plan) for case in cases_of(row) for plan in _contract_plans(impl, row, case, wrong)
    ]


# --- A row's verdict ------------------------------------------------------------------------------


def verdict_of(row: Row, results: list[Result]) -> Verdict:
    failed = [r for r in results if r.status == FAILED]
    if failed:
        explanations: list[str] = []
        for r in sorted(failed, key=_preference):
            explanations += [m for m in r.messages if m not in explanations]
        said = headline(explanations[0])
        if all(r.check.startswith("float32 in") for r in failed):
            # The values are right in both dtypes: float64 work for float32 data is a cost (twice
            # the memory and time), not a wrong derivative.
            note = said.split(": ", 1)[-1]
            return Verdict(row, "verified", f"verified; but {note}", [], results)
        if all(r.check.startswith("extreme") for r in failed):
            # Right wherever the inputs are ordinary: a stability problem, not a wrong formula.
            return Verdict(
                row, "UNSTABLE", f"UNSTABLE: right on ordinary inputs, wrong at extreme ones "
                f"({_extremes_of(failed[0].case)}): {said}", explanations, results,
            )  # fmt: skip
        return Verdict(row, "WRONG", "WRONG: " + said, explanations, results)
    told = [r for r in results if r.status == CONVENTION]
    if told:
        return Verdict(row, "convention", told[0].messages[0], [], results)
    close = [r for r in results if r.status == CLOSE]
    if close:
        said = "; ".join(dict.fromkeys(m for r in close for m in r.messages))
        return Verdict(row, "close", said, [], results)
    if results and all(r.status == NOT_CHECKED for r in results):
        return Verdict(row, "not checked", results[0].messages[0], [], results)
    return Verdict(row, "verified", "verified" + _partly(results), [], results)


def _partly(results: list[Result]) -> str:
    """What a verified row was not checked on: the layer activations it does not implement, the
    finite differences it has no forward for."""
    cases = sorted({r.case for r in results})
    if len(cases) > 1:  # a layer, checked once per activation
        done = [c for c in cases if any(r.case == c and r.status == PASSED for r in results)]
        left = [c for c in cases if c not in done]
        if left:

            def short(c: str) -> str:
                return c[c.index("[") + 1 : -1] if "[" in c else c

            return (
                f" with {', '.join(map(short, done))} (not implemented: "
                f"{', '.join(map(short, left))})"
            )
        return ""
    skipped = sorted({m for r in results if r.status == NOT_CHECKED for m in r.messages})
    return f" ({'; '.join(skipped)})" if skipped else ""


def _extremes_of(case: str) -> str:
    if "cross_entropy" in case:
        return (
            "predictions of exactly 0 or 1"
            if case != "softmax_cross_entropy"
            else "logits of +-1e4"
        )
    return {"softmax": "logits of +-1e4", "sigmoid": "Z = +-1e3", "tanh": "Z = +-1e3"}.get(
        case, "extreme values"
    )


def _preference(r: Result) -> tuple[int, int]:
    """Explanations with a diagnosis first, then the comparison with autograd, in float64."""
    diagnosed = any("diagnosis:" in m for m in r.messages)
    order = ("vs", "extreme", "finite", "float32 in", "linear")
    rank = next((i for i, o in enumerate(order) if o in r.check), len(order))
    return (0 if diagnosed else 1, rank + (0 if "float64" in r.check else 1))


def headline(explanation: str) -> str:
    """An explanation in one line: its diagnosis, else its first line."""
    lines = [ln.strip() for ln in explanation.splitlines() if ln.strip()]
    diagnosis = next((ln for ln in lines if ln.startswith("diagnosis:")), None)
    return (diagnosis or lines[0]).removeprefix("diagnosis: ")


@dataclass
class Run:
    reading: Reading
    verdicts: list[Verdict] = field(default_factory=list)
    seconds: float = 0.0


def check(
    reading: Reading,
    examples: int = 100,
    seconds: float = CHECK_SECONDS,
    only: set[str] | None = None,
    reproduce: Callable[[Row], str] = lambda row: "",
    progress: Callable[[Row, int, int], None] | None = None,
) -> Run:
    """Run every checked row's properties; ``only``: the learner's function names to check."""
    run = Run(reading)
    start = time.perf_counter()
    files = _learner_files(reading)
    config = learner_settings(examples)
    rows = [r for r in reading.rows if r.checked and (only is None or r.name in only)]
    # Forwards first: a backward's check that runs the learner's forward (finite differences, a
    # cache) is judged knowing whether that forward is right.
    rows.sort(key=lambda r: ROLES[r.role].kind != "forward" if r.role in ROLES else True)
    wrong: set[str] = set()
    for i, row in enumerate(rows):
        if progress:
            progress(row, i, len(rows))
        began = time.perf_counter()
        impl = reading.namespace_for(row)
        results = []
        with p.context(learner=True, reproduce=reproduce(row), probe=_prober(row)):
            for case, plan in plans(impl, row, wrong):
                result = run_check(
                    plan.name, plan.body, plan.strategies, config, row.name, files, seconds,
                    plan.convention_told,
                )  # fmt: skip
                result.case = case.name if case else ""
                results.append(result)
                if result.timed_out:  # the other checks would wait as long: one is enough
                    break
        verdict = depends(verdict_of(row, results), wrong)
        verdict.seconds = time.perf_counter() - began
        if verdict.status == "WRONG" and row.role:
            wrong.add(row.role)
        run.verdicts.append(verdict)
    order = {r.name: i for i, r in enumerate(reading.rows)}
    run.verdicts.sort(key=lambda v: order[v.row.name])
    run.seconds = time.perf_counter() - start
    return run


def depends(verdict: Verdict, wrong: set[str]) -> Verdict:
    """A backward that fails with the cache of the learner's own wrong forward is not judged:
    the mistake may be the forward's (its cache feeds the backward)."""
    cases = cases_of(verdict.row)
    forwards = {
        c.forward_name for c in cases if c.name.startswith("layer[") or c.name == "batchnorm"
    }
    blamed = sorted(forwards & wrong)
    if verdict.status != "WRONG" or not blamed:
        return verdict
    said = (
        f"depends on your {', '.join(blamed)}, which is wrong: its cache feeds "
        f"{verdict.row.role}; fix it first, then check again"
    )
    return Verdict(verdict.row, "not checked", said, verdict.explanations, verdict.results)


def _prober(row: Row) -> Callable[[Case, dict[str, Any], bool], dict[str, Any] | None]:
    """A typical input of a case (``oracle.checks.probes``), as the row's checks see their
    inputs (the row's fixed values, the failing input's dtype): of the failing input's shapes,
    or (``other``) of the probe's own, where m, C and n all differ."""

    def typical(case: Case, x: dict[str, Any], other: bool) -> dict[str, Any] | None:
        try:
            inputs = probe(case.name) if other else like(case.name, x)
        except KeyError:
            return None
        if row.fixed is not None:
            inputs = row.fixed(inputs)
        dtype = next((v.dtype for v in x.values() if getattr(v, "dtype", None) is not None
                      and v.dtype.kind == "f"), np.float64)  # fmt: skip
        return p.as_dtype(inputs, dtype)

    return typical


def _learner_files(reading: Reading) -> tuple[str, ...]:
    path = reading.loaded.path
    return (str(path), str(path.resolve()), str(path.resolve().parent))
