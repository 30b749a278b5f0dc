"""What ``deepscratch check`` prints: how the file was read, one explanation per wrong function,
and a table with one row for every function the file defines.

Short by default: a learner reads the first screen. The reading lists each function and what it
was checked as (or why not); each wrong function gets one explanation block (the most telling of
its failures: the worst element, the diagnosis, the rule, how to reproduce); the table gives every
row its verdict in one line. ``verbose`` adds every failure of every check, with hypothesis's
falsifying examples.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable

from oracle.checks.conventions import convention_of, mixed_conventions
from oracle.checks.reading import Reading
from oracle.checks.runner import Run, Verdict, cases_of, headline

Write = Callable[[str], None]
WIDTH = 100
#: Statements left out that the reading lists one by one; more are counted.
OMITTED_SHOWN = 8


#: Other distinct failures of one function named under its explanation.
OTHERS_SHOWN = 3


def _kind(said: str) -> str:
    return re.sub(r"[-+]?\d[\d.e+-]*", "#", said)


def _clip(text: str, width: int = WIDTH) -> str:
    """``text`` on one line of at most ``width`` characters, its indent kept."""
    one = " ".join(text.splitlines())
    return one if len(one) <= width else one[: width - 6].rstrip() + " [...]"


def print_reading(reading: Reading, write: Write) -> None:
    loaded = reading.loaded
    write(f"How {loaded.path} was read")
    if loaded.omitted:
        write(
            f"  left out ({len(loaded.omitted)} statement(s): only imports, functions, classes "
            "and constants run):"
        )
        for o in loaded.omitted[:OMITTED_SHOWN]:
            write(f"    {_clip(str(o), WIDTH - 4)}")
        if len(loaded.omitted) > OMITTED_SHOWN:
            write(f"    ... and {len(loaded.omitted) - OMITTED_SHOWN} more")
    if loaded.helpers:
        write(f"  helper modules imported from its folder: {', '.join(loaded.helpers)}")
    if reading.mapping:
        write(f"  mapping: {reading.mapping.source}")
    if reading.guard and reading.guard.changes:
        write(f"  it changed (and the check put back): {', '.join(sorted(reading.guard.changes))}")
    width = min(max((len(r.name + r.signature) for r in reading.rows), default=0) + 2, 48)
    for row in reading.rows:
        head = f"{row.name}{row.signature}"
        head = head if len(head) <= width else head[: width - 3] + "..."
        origin = f" (from {row.origin})" if row.origin else ""
        if row.checked:
            how = f", {row.how}" if row.how else ""
            chosen = " (by what it computes)" if row.by_behaviour else ""
            said = "checked" if row.role == row.name else f"checked as {row.role}"
            said += f"{how}{chosen}{origin}"
        else:
            said = row.reason + origin
        write(_clip(f"  {head:{width}} {said}", WIDTH + 40))


def print_explanations(run: Run, write: Write, verbose: bool = False) -> None:
    for verdict in run.verdicts:
        if verdict.status not in ("WRONG", "UNSTABLE"):
            continue
        write("")
        blocks = verdict.explanations if verbose else verdict.explanations[:1]
        for block in blocks:
            write(block)
        if not verbose and len(verdict.explanations) > 1:
            # Another mistake in the same function (another diagnosis) shows now, not only once
            # the first is fixed; other checks failing on the same mistake say nothing more.
            first = _kind(headline(verdict.explanations[0]))
            others = dict.fromkeys(
                headline(e)
                for e in verdict.explanations[1:]
                if "diagnosis:" in e and _kind(headline(e)) != first
            )
            for said in list(others)[:OTHERS_SHOWN]:
                write(_clip(f"  also: {said}", WIDTH + 40))
            write(f"  ({len(verdict.explanations) - 1} more failure(s) of {verdict.row.name}: -v)")
        if verbose:
            for result in verdict.results:
                write(f"  [{result.status}] {result.check}")
                if result.detail:
                    write(textwrap.indent(result.detail, "    "))


def status_line(verdict: Verdict) -> str:
    if verdict.status in ("WRONG", "UNSTABLE"):
        return verdict.said
    if verdict.status == "convention":
        return "a convention, right: " + verdict.said
    if verdict.status == "close":
        return "close, a convention, not a wrong derivative: " + verdict.said
    if verdict.status == "not checked":
        return "not checked: " + verdict.said.removeprefix("not checked: ")
    return verdict.said


def print_table(run: Run, write: Write) -> None:
    reading = run.reading
    write("")
    write(f"Verdicts for {reading.loaded.path}")
    by_name = {v.row.name: v for v in run.verdicts}
    width = min(max((len(r.name) for r in reading.rows), default=0) + 2, 36)
    for row in reading.rows:
        verdict = by_name.get(row.name)
        said = status_line(verdict) if verdict else row.reason or "not checked (--only)"
        write(_clip(f"  {row.name:{width}} {said}", WIDTH + 40))
    missing = reading.missing()
    if missing:
        write(_clip(f"  not in your file (not checked): {', '.join(missing)}", 10_000))
    mixed = mixed_of(run)
    if mixed:
        write("")
        write(mixed)


def evidence(verdict: Verdict) -> dict[str, str]:
    """For each case a row's backward was checked by: "verified" when autograd agreed, the
    diagnosis when it is right under the other convention (what MIXED CONVENTIONS reads)."""
    out: dict[str, str] = {}
    vs = [r for r in verdict.results if r.check.startswith("backward vs autograd")]
    statuses = {r.status for r in vs}
    for case in cases_of(verdict.row):
        if "convention" in statuses:
            out[case.name] = next(r.messages[0] for r in vs if r.status == "convention")
        elif vs and statuses == {"passed"}:
            out[case.name] = "verified"
    return out


def mixed_of(run: Run) -> str | None:
    """The MIXED CONVENTIONS warning, from each backward's comparison with autograd."""
    backward: dict[str, str] = {}
    for verdict in run.verdicts:
        backward |= evidence(verdict)
    return mixed_conventions(backward, convention_of(run.reading.namespace))


def summary(run: Run) -> str:
    counts: dict[str, int] = {}
    for v in run.verdicts:
        counts[v.status] = counts.get(v.status, 0) + 1
    unread = sum(1 for r in run.reading.rows if not r.checked)
    parts = [
        f"{counts.get('WRONG', 0)} wrong",
        f"{counts.get('verified', 0)} verified",
    ]
    if counts.get("UNSTABLE"):
        parts.insert(1, f"{counts['UNSTABLE']} unstable at extreme inputs")
    if counts.get("close"):
        parts.append(f"{counts['close']} close (a convention)")
    if counts.get("convention"):
        parts.append(f"{counts['convention']} right in the other convention")
    if counts.get("not checked", 0) + unread:
        parts.append(f"{counts.get('not checked', 0) + unread} not checked")
    return f"{', '.join(parts)}, in {run.seconds:.1f} s"


def failed(run: Run) -> bool:
    wrong = any(v.status in ("WRONG", "UNSTABLE") for v in run.verdicts)
    return wrong or mixed_of(run) is not None
