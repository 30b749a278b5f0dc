"""``docs/contract.md`` cannot drift from the code.

1. Every case of ``tests/registry.py`` has its forward and backward documented as a call
   (``relu_backward(dA, Z)``) in a heading or a table row, names its registry case, and carries
   the case's ``formula`` string verbatim (up to line breaks).
2. Every public function of ``scratch.__all__`` that belongs to the contract (defined in one of
   ``CONTRACT_MODULES``) is documented as a call in a heading or a table row; a public class or
   constant at least by its name there.
3. Every call written in backticks names something ``scratch`` has (or is maths notation listed in
   ``NOT_SCRATCH``), and a call written as a signature (plain argument names, ``name=literal``
   defaults) has the code's parameter names, in order, every required one, and the code's
   defaults.
4. The files and tests the page points to exist, and ``README.md`` points to the page.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import scratch
from tests.registry import CASES, Case

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "contract.md"
README = ROOT / "README.md"

#: The modules whose public names the page documents (the network level in a shorter section).
CONTRACT_MODULES = (
    "scratch.activations",
    "scratch.linear",
    "scratch.losses",
    "scratch.regularization",
    "scratch.batchnorm",
    "scratch.network",
    "scratch.model",
    "scratch.optimizers",
    "scratch.minibatch",
)

#: Names the page may call in backticks that are not ``scratch`` functions.
NOT_SCRATCH = {
    # Maths notation inside the formulas.
    "sum",
    "max",
    "exp",
    "log",
    "log1p",
    "sqrt",
    "floor",
    "ceil",
    # Callables that are arguments or symbols: an activation ``g(Z)``, ``model``'s ``callback``.
    "g",
    "callback",
}

SPAN = re.compile(r"`([^`]+)`")
FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)
#: A name (possibly dotted) directly followed by ``(``, not itself after a dot.
CALL = re.compile(r"(?<![\w.])([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)\(")
#: The name a span starts with, and whether a ``(`` follows it (a call) or nothing (a bare name).
LEADING = re.compile(r"^([A-Za-z_]\w*)(\(|$)")
PATH = re.compile(r"\b(?:scratch|oracle|tests|docs)/[\w/]+\.(?:py|md)\b")


def _collapse(text: str) -> str:
    return " ".join(text.split())


def _doc() -> str:
    assert DOC.is_file(), f"{DOC.relative_to(ROOT)} is missing: it documents the contract"
    return DOC.read_text(encoding="utf-8")


def _prose_and_code(text: str) -> tuple[str, list[str]]:
    """The page without its fenced code blocks, and those blocks."""
    return FENCE.sub("", text), FENCE.findall(text)


def _spans(text: str) -> list[str]:
    """Every inline code span (whitespace collapsed: a span may wrap onto the next line)."""
    prose, _ = _prose_and_code(text)
    return [_collapse(s) for s in SPAN.findall(prose)]


def _entries(text: str) -> dict[str, set[str]]:
    """The names headings and table rows document: written as a call ``name(...)`` or bare."""
    prose, _ = _prose_and_code(text)
    found: dict[str, set[str]] = {"call": set(), "bare": set()}
    for line in prose.splitlines():
        if not (line.startswith("#") or line.startswith("|")):
            continue
        for span in SPAN.findall(line):
            match = LEADING.match(span.strip())
            if match:
                found["call" if match.group(2) else "bare"].add(match.group(1))
    return found


def _lookup(dotted: str) -> Any:
    """The public ``scratch`` object called ``dotted`` (``relu``, ``Optimizer.step``), or None."""
    head, *rest = dotted.split(".")
    if head.startswith("_"):
        return None
    obj = getattr(scratch, head, None)
    for module in CONTRACT_MODULES:
        if obj is not None:
            break
        obj = getattr(importlib.import_module(module), head, None)
    for attribute in rest:
        if obj is None:
            return None
        obj = getattr(obj, attribute, None)
    return obj


def _belongs_to_contract(name: str, obj: Any) -> bool:
    if inspect.isfunction(obj) or inspect.isclass(obj):
        return obj.__module__ in CONTRACT_MODULES
    return any(getattr(importlib.import_module(m), name, None) is obj for m in CONTRACT_MODULES)


# --- 1. The registry --------------------------------------------------------------------------


def test_backticks_pair_up() -> None:
    """An unpaired backtick would shift every span after it, and the checks below would misread."""
    prose, _ = _prose_and_code(_doc())
    odd = [p.strip()[:80] for p in re.split(r"\n\s*\n", prose) if p.count("`") % 2]
    assert not odd, f"docs/contract.md: paragraphs with an odd number of backticks: {odd}"


@pytest.mark.parametrize("case", CASES, ids=str)
def test_registry_case_is_documented(case: Case) -> None:
    text = _doc()
    calls = _entries(text)["call"]
    missing = [n for n in (case.forward_name, case.backward_name) if n and n not in calls]
    assert not missing, (
        f"registry case {case}: docs/contract.md documents no "
        f"{', '.join(f'`{n}(...)`' for n in missing)} in a heading or a table row"
    )
    assert f"`{case.name}`" in text, (
        f"docs/contract.md does not name the registry case `{case.name}` "
        f"(each section says which case checks its functions)"
    )
    assert _collapse(case.formula) in _collapse(text), (
        f"registry case {case}: its formula {case.formula!r} is not in docs/contract.md verbatim "
        f"(copy the `formula` string from tests/registry.py)"
    )


# --- 2. scratch.__all__ ----------------------------------------------------------------------


def test_public_names_are_documented() -> None:
    entries = _entries(_doc())
    checked, missing = set(), []
    for name in scratch.__all__:
        obj = getattr(scratch, name)
        if not _belongs_to_contract(name, obj):
            continue
        checked.add(name)
        if inspect.isfunction(obj):
            if name not in entries["call"]:
                missing.append(f"`{name}(...)`")
        elif name not in entries["call"] | entries["bare"]:
            missing.append(f"`{name}`")
    assert not missing, (
        f"public names of scratch.__all__ not documented in a heading or a table row of "
        f"docs/contract.md: {', '.join(missing)}"
    )
    # The filter must not empty the check: every function of the registry is public.
    registry = {n for c in CASES for n in (c.forward_name, c.backward_name) if n}
    assert registry <= checked, (
        f"registry functions missing from scratch.__all__ (or from CONTRACT_MODULES): "
        f"{sorted(registry - checked)}"
    )


# --- 3. Calls and signatures ---------------------------------------------------------------------


def test_called_names_exist_in_scratch() -> None:
    text = _doc()
    _, code = _prose_and_code(text)
    unknown: dict[str, str] = {}
    for snippet in _spans(text) + code:
        for match in CALL.finditer(snippet):
            name = match.group(1)
            head = name.split(".")[0]
            if "." in name and _lookup(head) is None:
                continue  # a method of something else: np.log1p, rng.random, loss.mean
            if name in NOT_SCRATCH or _lookup(name) is not None:
                continue
            unknown.setdefault(name, snippet)
    assert not unknown, (
        "docs/contract.md calls names that scratch does not have (nor are they maths notation "
        "listed in NOT_SCRATCH): "
        + "; ".join(f"`{name}(` in `{span}`" for name, span in unknown.items())
    )


def _signatures(spans: list[str]) -> Iterator[tuple[str, str, ast.Call]]:
    """``(span, dotted name, call)`` for each span that is one call of a ``scratch`` object with
    plain argument names (a final ``...`` standing for the rest)."""
    for span in spans:
        try:
            call = ast.parse(span, mode="eval").body
        except SyntaxError:
            continue
        if not isinstance(call, ast.Call):
            continue
        args = list(call.args)
        if args and isinstance(args[-1], ast.Constant) and args[-1].value is Ellipsis:
            args = args[:-1]
        if not all(isinstance(a, ast.Name) for a in args):
            continue
        if any(k.arg is None for k in call.keywords):
            continue
        name = ast.unparse(call.func)
        if _lookup(name) is not None:
            yield span, name, call


def _signature_problems(span: str, name: str, call: ast.Call) -> list[str]:
    obj = _lookup(name)
    params = list(inspect.signature(obj).parameters.values())
    if params and params[0].name == "self":  # a method, written as Class.method(...)
        params = params[1:]
    by_name = {p.name: p for p in params}
    elided = bool(call.args) and not isinstance(call.args[-1], ast.Name)
    positional = [a.id for a in call.args if isinstance(a, ast.Name)]
    problems = []
    expected = [p.name for p in params[: len(positional)]]
    if positional != expected:
        problems.append(f"arguments {positional}, but the code's are {expected}")
    for keyword in call.keywords:
        assert keyword.arg is not None
        if keyword.arg not in by_name:
            problems.append(f"`{keyword.arg}=` is not a parameter")
            continue
        if isinstance(keyword.value, ast.Constant) and keyword.value.value is Ellipsis:
            continue
        try:
            written = ast.literal_eval(keyword.value)
        except ValueError:
            continue  # not a literal (np.float64): nothing to compare
        default = by_name[keyword.arg].default
        if default is inspect.Parameter.empty or written != default:
            problems.append(f"`{keyword.arg}={written!r}`, but the code's default is {default!r}")
    named = set(positional) | {k.arg for k in call.keywords}
    required = [
        p.name
        for p in params
        if p.default is inspect.Parameter.empty
        and p.kind not in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
    ]
    missing = [p for p in required if p not in named]
    if missing and not elided:
        problems.append(f"required parameters {missing} are not written")
    return [f"`{span}`: {p}" for p in problems]


def test_signatures_match_the_code() -> None:
    spans = _spans(_doc())
    found = list(_signatures(spans))
    problems = [p for span, name, call in found for p in _signature_problems(span, name, call)]
    assert not problems, "docs/contract.md writes signatures the code does not have:\n" + "\n".join(
        problems
    )
    # Every registry function is written as a signature somewhere, so it was compared above.
    written = {name for _, name, _ in found}
    registry = {n for c in CASES for n in (c.forward_name, c.backward_name) if n}
    assert registry <= written, (
        f"docs/contract.md writes no signature for {sorted(registry - written)}"
    )


# --- 4. Pointers -----------------------------------------------------------------------------


def test_paths_in_the_doc_exist() -> None:
    missing = sorted({p for p in PATH.findall(_doc()) if not (ROOT / p).is_file()})
    assert not missing, f"docs/contract.md points to files that do not exist: {missing}"


def test_tests_named_in_the_doc_exist() -> None:
    defined = {
        name
        for path in (ROOT / "tests").glob("test_*.py")
        for name in re.findall(r"^def (test_\w+)", path.read_text(encoding="utf-8"), re.MULTILINE)
    }
    named = {s for s in _spans(_doc()) if re.fullmatch(r"test_\w+", s)}
    assert named, "docs/contract.md names no test: it should say which tests check each function"
    assert named <= defined, (
        f"docs/contract.md names tests that no tests/test_*.py defines: {sorted(named - defined)}"
    )


def test_readme_points_to_the_contract() -> None:
    readme = README.read_text(encoding="utf-8")
    assert "docs/contract.md" in readme, "README.md does not point to docs/contract.md"
    missing = sorted({p for p in PATH.findall(readme) if not (ROOT / p).is_file()})
    assert not missing, f"README.md points to files that do not exist: {missing}"
