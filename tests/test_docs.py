"""``docs/contract.md`` cannot drift from the code.

1. Every case of ``oracle/checks/registry.py`` has its forward and backward documented as a call
   (``relu_backward(dA, Z)``) in a heading or a table row, names its registry case, and carries
   the case's ``formula`` string verbatim (up to line breaks).
2. Every public function of ``scratch.__all__`` that belongs to the contract (defined in one of
   ``CONTRACT_MODULES``) is documented as a call in a heading or a table row; a public class or
   constant at least by its name there.
3. Every call written in backticks names something ``scratch`` has (or is maths notation listed in
   ``NOT_SCRATCH``), and a call written as a signature (plain argument names, ``name=literal``
   defaults) has the code's parameter names, in order, every required one, and the code's
   defaults. The last section, on the course's functions in learner mode, is not ``scratch``'s:
   3 stops at its heading, and it must name, as calls, the course's functions learner mode
   checks (``tests.conventions.COURSE_NETWORK``).
4. The files and tests the page points to exist, and ``README.md`` points to the page.

``docs/derivatives.md`` (the maths, which failure messages link to) cannot drift either:

5. Every case of ``WITH_BACKWARD`` has a section whose GitHub anchor is its ``backward_name``, and
   the case's ``formula`` is in that section verbatim.
6. A real failure message links to a section that exists: the file ``oracle.explain.DERIVATIONS``
   names is this page, and the anchor the message carries is the failing backward's section.
7. Every ``#anchor`` link to ``derivatives.md`` in ``docs/*.md`` and ``README.md`` resolves to a
   heading, every link the page makes to another page resolves, and a failure message quoted in
   the docs carries the registry's rule for the section it links to.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import re
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import find

import scratch
from oracle.checks import course as course_checks
from oracle.checks import networks as network_checks
from oracle.checks.conventions import COURSE_NETWORK
from oracle.checks.properties import check_backward
from oracle.checks.registry import CASES, WITH_BACKWARD, Case, Inputs
from oracle.explain import DERIVATIONS

# A deterministic search for an input on which a wrong backward fails: the same inputs every run,
# no database, no shrinking (any failing input has the link).
from tests.test_planted import SEARCH

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


#: The heading of the section on the course's functions (learner mode), not scratch's.
COURSE_SECTION = "## The course's convention and names (learner mode)"


def _scratch_doc() -> str:
    """The page up to the section on the course's functions: what documents ``scratch``."""
    text = _doc()
    assert COURSE_SECTION in text, f"docs/contract.md has no heading {COURSE_SECTION!r}"
    return text[: text.index(COURSE_SECTION)]


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
        f"(copy the `formula` string from oracle/checks/registry.py)"
    )


# --- 2. scratch.__all__ ----------------------------------------------------------------------


def test_public_names_are_documented() -> None:
    entries = _entries(_scratch_doc())
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
    text = _scratch_doc()
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
    spans = _spans(_scratch_doc())
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


def test_the_course_functions_learner_mode_checks_are_documented() -> None:
    course = _doc()[_doc().index(COURSE_SECTION) :]
    calls = {m.group(1) for span in _spans(course) for m in CALL.finditer(span)}
    names = {n for entry in COURSE_NETWORK for n in entry.split(", ")}
    names |= {"initialize_velocity", "initialize_adam"}
    assert names <= calls, (
        f"the course's section of docs/contract.md writes no call of {sorted(names - calls)}"
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


# --- 5. docs/derivatives.md: a section per backward, with its rule ------------------------------

DERIVATIVES = ROOT / DERIVATIONS
#: An ATX heading: its level, and its text without an optional closing run of ``#``.
HEADING = re.compile(r"^(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$")
FENCE_LINE = re.compile(r"^\s*(`{3,}|~{3,})")
#: A Markdown link or image, for its text: ``[text](target)``.
LINK_TEXT = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")


def github_anchor(heading: str) -> str:
    """The anchor GitHub gives a heading's text (github-slugger): lower case, every character but
    letters, digits, ``-``, ``_`` and spaces dropped (backticks, dots, slashes, apostrophes, ...),
    each space turned into ``-``. A link's text stands for the link. Emphasis written with ``_``
    would keep its underscores here but not on GitHub: headings on these pages do not use it."""
    text = LINK_TEXT.sub(r"\1", heading).strip().lower()
    return re.sub(r"\s", "-", "".join(c for c in text if c.isalnum() or c in "-_" or c.isspace()))


def _sections(text: str) -> dict[str, str]:
    """Each heading's GitHub anchor -> its section: from the heading to the next heading of the
    same or a higher level (headings inside fenced code blocks are not headings). A repeated
    anchor gets ``-1``, ``-2``, ... as on GitHub."""
    lines = text.splitlines()
    headings: list[tuple[int, int, str]] = []  # (line, level, anchor)
    fence: str | None = None
    seen: dict[str, int] = {}
    for number, line in enumerate(lines):
        opening = FENCE_LINE.match(line)
        if opening:
            marker = opening.group(1)
            if fence is None:
                fence = marker
            elif marker[0] == fence[0] and len(marker) >= len(fence):
                fence = None
            continue
        match = HEADING.match(line) if fence is None else None
        if match is None:
            continue
        anchor = base = github_anchor(match.group(2))
        while anchor in seen:
            seen[base] += 1
            anchor = f"{base}-{seen[base]}"
        seen[anchor] = 0
        headings.append((number, len(match.group(1)), anchor))
    sections = {}
    for index, (start, level, anchor) in enumerate(headings):
        end = next((n for n, lv, _ in headings[index + 1 :] if lv <= level), len(lines))
        sections[anchor] = "\n".join(lines[start:end])
    return sections


def _derivatives() -> str:
    assert DERIVATIVES.is_file(), (
        f"{DERIVATIONS} is missing: failure messages link to its sections (oracle/explain.py)"
    )
    return DERIVATIVES.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("heading", "anchor"),
    [
        ("relu_backward", "relu_backward"),
        ("`relu_backward`", "relu_backward"),
        ("`relu(Z)` / `relu_backward(dA, Z)`", "reluz--relu_backwardda-z"),
        ("Where the 1/m comes from", "where-the-1m-comes-from"),
        ("The course's convention", "the-courses-convention"),
        ("Conventions, and why", "conventions-and-why"),
        ("See [the contract](contract.md)", "see-the-contract"),
        # From github-slugger's own test fixtures (test/fixtures.json):
        ("heading with a - dash", "heading-with-a---dash"),
        (
            "exchange.bind_headers(exchange, routing [, bindCallback])",
            "exchangebind_headersexchange-routing--bindcallback",
        ),
        ("I ♥ unicode", "i--unicode"),
    ],
)
def test_github_anchor_is_githubs(heading: str, anchor: str) -> None:
    """The anchors GitHub gives these headings (github-slugger's rules, and its test fixtures)."""
    assert github_anchor(heading) == anchor


def test_repeated_headings_get_numbered_anchors_and_fences_hold_no_heading() -> None:
    # github-slugger's fixtures: echo, echo, "echo 1", echo-1, echo.
    echoes = "".join(f"## {h}\n" for h in ("echo", "echo", "echo 1", "echo-1", "echo"))
    assert list(_sections(echoes)) == ["echo", "echo-1", "echo-1-1", "echo-1-2", "echo-2"]
    text = "# A\n## B\nb1\n```sh\n# not a heading\n```\n## B\nb2\n# C\n"
    sections = _sections(text)
    assert list(sections) == ["a", "b", "b-1", "c"]
    assert "# not a heading" in sections["b"] and "b2" not in sections["b"]
    assert "b2" in sections["a"], "a section runs until a heading of the same or a higher level"


@pytest.mark.parametrize("case", WITH_BACKWARD, ids=str)
def test_every_backward_has_a_derivation_with_its_rule(case: Case) -> None:
    assert case.backward_name is not None
    sections = _sections(_derivatives())
    assert case.backward_name in sections, (
        f"registry case {case}: {DERIVATIONS} has no section with the anchor "
        f"#{case.backward_name} (a heading `## {case.backward_name}`), which its failure "
        f"messages link to"
    )
    assert case.formula in sections[case.backward_name], (
        f"registry case {case}: the section #{case.backward_name} of {DERIVATIONS} does not carry "
        f"the case's formula {case.formula!r} verbatim (copy the `formula` string from "
        f"oracle/checks/registry.py into the section, on one line)"
    )


# --- 6. A real failure message links to an existing section -------------------------------------

#: The link a failure message ends its rule line with: ``(docs/derivatives.md#relu_backward)``.
MESSAGE_LINK = re.compile(r"\(([\w./-]+\.md)#([\w-]+)\)")


def _doubled(backward: Any) -> Any:
    """``backward`` with every gradient it returns multiplied by 2: wrong wherever one is not 0."""

    def wrong(*args: Any, **kwargs: Any) -> Any:
        out = backward(*args, **kwargs)
        return tuple(2 * g for g in out) if isinstance(out, tuple) else 2 * out

    return wrong


def test_derivations_is_this_page() -> None:
    assert (ROOT / DERIVATIONS).resolve() == (ROOT / "docs" / "derivatives.md").resolve()
    _derivatives()


# hypothesis warns when it builds the text of a large drawn input, which find() does for each
# input it tries; the text is never shown here.
@pytest.mark.filterwarnings("ignore:Generating overly large repr")
@pytest.mark.parametrize("case", WITH_BACKWARD, ids=str)
def test_a_failure_message_links_to_the_derivation_of_its_rule(case: Case) -> None:
    """Run the contract's own check on ``scratch`` with this case's backward doubled, and follow
    the link in the message it fails with."""
    assert case.backward_name is not None
    impl: Any = SimpleNamespace(**{n: getattr(scratch, n) for n in scratch.__all__})
    setattr(impl, case.backward_name, _doubled(getattr(scratch, case.backward_name)))

    def fails(x: Inputs) -> bool:
        try:
            check_backward(impl, case, x)
        except AssertionError:
            return True
        return False

    x = find(case.draw("any"), fails, settings=SEARCH)
    with pytest.raises(AssertionError) as caught:
        check_backward(impl, case, x)
    message = str(caught.value)
    assert f"the rule: {case.formula}" in message, message
    links = MESSAGE_LINK.findall(message)
    assert links == [(DERIVATIONS, case.backward_name)], (
        f"the failure message of {case} should link to {DERIVATIONS}#{case.backward_name}, "
        f"links {links}:\n{message}"
    )
    path, anchor = links[0]
    assert (ROOT / path).is_file(), f"the failure message links to {path}, which does not exist"
    assert anchor in _sections((ROOT / path).read_text(encoding="utf-8")), (
        f"the failure message links to {path}#{anchor}, which is no heading there"
    )


# --- 7. Links into and out of derivatives.md ---------------------------------------------------

#: A Markdown link's target: ``[text](target)`` or ``[text](target "title")``.
LINK_TARGET = re.compile(r"\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
#: ``derivatives.md#anchor`` written anywhere (prose, code, a quoted failure message).
DERIVATIVES_ANCHOR = re.compile(r"(?<![\w-])derivatives\.md#([\w-]+)")
#: The rule line of a failure message quoted in the docs.
RULE_LINE = re.compile(r"the rule: (.+?) +\(docs/derivatives\.md#([\w-]+)\)")


def _pages() -> list[Path]:
    return [*sorted((ROOT / "docs").glob("*.md")), README]


def _link_targets(page: Path) -> list[tuple[Path, str]]:
    """Every Markdown link of ``page`` with an anchor: (the page it targets, the anchor)."""
    found = []
    for target in LINK_TARGET.findall(page.read_text(encoding="utf-8")):
        if "://" in target or target.startswith("mailto:") or "#" not in target:
            continue
        path, anchor = target.split("#", 1)
        found.append(((page.parent / path).resolve() if path else page.resolve(), anchor))
    return found


def test_links_to_derivatives_resolve() -> None:
    anchors = set(_sections(_derivatives()))
    links: list[tuple[str, str]] = []
    for page in _pages():
        name = str(page.relative_to(ROOT))
        links += [
            (name, anchor)
            for target, anchor in _link_targets(page)
            if target == DERIVATIVES.resolve()
        ]
        links += [(name, a) for a in DERIVATIVES_ANCHOR.findall(page.read_text(encoding="utf-8"))]
    assert links, f"no page links to a section of {DERIVATIONS}: the check below checks nothing"
    broken = sorted({f"{name}: #{anchor}" for name, anchor in links if anchor not in anchors})
    assert not broken, f"links to {DERIVATIONS} with no such heading there: {broken}"


def test_links_from_derivatives_resolve() -> None:
    page = DERIVATIVES
    broken = []
    for target in LINK_TARGET.findall(_derivatives()):
        if "://" in target:
            continue
        path = target.split("#", 1)[0]
        if path and not (page.parent / path).is_file():
            broken.append(f"{target} (no such file)")
    for target, anchor in _link_targets(page):
        if (
            target.suffix == ".md"
            and target.is_file()
            and anchor not in _sections(target.read_text(encoding="utf-8"))
        ):
            broken.append(f"{target.name}#{anchor} (no such heading)")
    assert not broken, f"{DERIVATIONS} links to what does not exist: {broken}"


def test_quoted_failure_messages_carry_the_registrys_rule() -> None:
    formulas: dict[str | None, set[str]] = {}
    for c in WITH_BACKWARD:
        formulas.setdefault(c.backward_name, set()).add(c.formula)
    # The network-level checks' rules: (formula, anchor) pairs named ``*_RULE`` in their modules.
    for module in (course_checks, network_checks):
        for name, value in vars(module).items():
            if name.endswith("_RULE") and isinstance(value, tuple) and len(value) == 2:
                formulas.setdefault(value[1], set()).add(value[0])
    quoted = [
        (page.relative_to(ROOT), rule, anchor)
        for page in _pages()
        for rule, anchor in RULE_LINE.findall(page.read_text(encoding="utf-8"))
    ]
    assert quoted, f"{DERIVATIONS} should quote a real failure message (How to read a failure)"
    wrong = [
        f"{page}: the rule {rule!r} for #{anchor}, the registry says {formulas.get(anchor)!r}"
        for page, rule, anchor in quoted
        if rule not in formulas.get(anchor, set())
    ]
    assert not wrong, "a failure message quoted in the docs has drifted:\n" + "\n".join(wrong)
