"""Hypothesis profiles (tox chooses one through HYPOTHESIS_PROFILE) and seeding of randomness."""

from __future__ import annotations

import os
import random
import textwrap
from types import ModuleType
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

import scratch
from tests.conventions import COURSE_NETWORK, MEAN, course_adapter, mixed_conventions
from tests.learner import load, set_impl
from tests.registry import CASES

# ci: deterministic (the same examples on every run, so CI cannot flake), 100 examples a property.
settings.register_profile(
    "ci",
    max_examples=100,
    derandomize=True,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
# dev: quick feedback while writing code.
settings.register_profile("dev", max_examples=20, deadline=None)
# thorough: ten times ci, randomised, for a long local run.
settings.register_profile(
    "thorough",
    max_examples=1000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


@pytest.fixture(autouse=True)
def _seed_other_randomness() -> None:
    """Tests that draw with numpy or random outside hypothesis get the same numbers every run."""
    random.seed(0)
    np.random.seed(0)  # noqa: NPY002 -- seeds the legacy global state that third-party code may use


# --- Learner mode (see tests/learner.py) ----------------------------------------------------------


def pytest_configure(config: pytest.Config) -> None:
    set_impl(config.getoption("--impl"), config.getoption("--convention"))
    _TABLE.clear()
    _EVIDENCE.clear()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """With ``--impl``, only the tests that take the implementation as ``impl`` run."""
    if not config.getoption("--impl"):
        return
    keep = [i for i in items if "impl" in getattr(i, "fixturenames", ())]
    config.hook.pytest_deselected(items=[i for i in items if i not in keep])
    items[:] = keep


@pytest.fixture(scope="session")
def impl(pytestconfig: pytest.Config) -> ModuleType:
    """The implementation under test: ``scratch``, or the learner's ``--impl``."""
    spec = pytestconfig.getoption("--impl")
    convention = pytestconfig.getoption("--convention")
    if not spec and convention == MEAN:
        return scratch
    # A learner's file may use the course's signatures (relu(Z) -> A, cache, ...): read them.
    return course_adapter(load(spec) if spec else scratch, convention)  # type: ignore[return-value]


#: For each case and column ("forward", "backward"): (rank, verdict). A higher rank wins: a
#: diagnosed failure (3) over a bare one (2, finite differences say only that values differ), over
#: not implemented (1), over verified (0).
_TABLE: dict[str, dict[str, tuple[int, str]]] = {}
#: The same for each case and test: which convention a backward follows is what its comparison
#: with autograd says, even when another test (an extreme input, say) fails it for another reason.
_EVIDENCE: dict[str, dict[str, tuple[int, str]]] = {}
_CONVENTION_TEST = "test_backward_matches_autograd"
_FORWARD_TESTS = {
    "test_forward_matches_oracle",
    "test_float32_in_float32_out",
    "test_forward_at_extreme_inputs",
}


#: The user_properties entry that carries a verdict from the test's process to the one that
#: prints the table (with pytest-xdist, the tests run in worker processes).
_VERDICT = "deepscratch_verdict"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    case = getattr(item, "callspec", None) and item.callspec.params.get("case")
    if case is None or (report.when != "call" and not report.skipped):
        return report
    test = getattr(item, "originalname", item.name)
    column = "forward" if test in _FORWARD_TESTS else "backward"
    if report.failed:
        message = str(call.excinfo.value) if call.excinfo else "failed"
        lines = [ln.strip() for ln in message.splitlines() if ln.strip()]
        diagnosis = next((ln for ln in lines if ln.startswith("diagnosis:")), None)
        said = (diagnosis or (lines[0] if lines else "failed")).removeprefix("diagnosis: ")
        verdict = (3 if diagnosis else 2, "WRONG: " + said)
    elif report.skipped:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else "skipped"
        verdict = (1, reason.removeprefix("Skipped: "))
    else:
        verdict = (0, "verified")
    report.user_properties.append((_VERDICT, (str(case), column, test, *verdict)))
    return report


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Collects the verdicts (in the main process, also with pytest-xdist)."""
    for key, value in report.user_properties:
        if key == _VERDICT:
            case, column, test, rank, verdict = value
            for table, slot in ((_TABLE, column), (_EVIDENCE, test)):
                verdicts = table.setdefault(case, {})
                if rank > verdicts.get(slot, (-1, ""))[0]:
                    verdicts[slot] = (rank, verdict)


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    """With ``--impl``: each function of the contract and its verdict."""
    if not config.getoption("--impl"):
        return
    verdicts = _TABLE
    write = terminalreporter.write_line
    terminalreporter.section(f"the contract, checked in {config.getoption('--impl')}")
    rows: list[tuple[list[str], str, str | None, str, str]] = []
    for case in CASES:
        got = verdicts.get(case.name, {})
        forward = got.get("forward", (0, "not run"))[1]
        backward = got.get("backward", (0, "not run"))[1]
        row = (case.forward_name, case.backward_name, forward, backward)
        if rows and rows[-1][1:] == row:  # e.g. every layer[...] alike: one row
            rows[-1][0].append(case.name)
        else:
            rows.append(([case.name], *row))
    for names, forward_name, backward_name, forward, backward in rows:
        name = names[0] if len(names) == 1 else f"{names[0].split('[')[0]}[{len(names)} kinds]"
        write(f"{name:24} {textwrap.shorten(f'{forward_name}: {forward}', 150)}")
        if backward_name:
            write(f"{'':24} {textwrap.shorten(f'{backward_name}: {backward}', 150)}")
    network = {
        name: verdicts.get(name, {}).get("backward", (0, "not run"))[1] for name in COURSE_NETWORK
    }
    if any(not v.startswith(("not implemented", "not run")) for v in network.values()):
        terminalreporter.section("the course's network-level functions")
        for name, verdict in network.items():
            write(f"{name:42} {textwrap.shorten(verdict, 130)}")
    mixed = _mixed(config)
    if mixed:
        write("")
        write(mixed, red=True, bold=True)


def _mixed(config: pytest.Config) -> str | None:
    backward = {
        case: _EVIDENCE.get(case, {}).get(_CONVENTION_TEST, got["backward"])[1]
        for case, got in _TABLE.items()
        if "backward" in got
    }
    return mixed_conventions(backward, config.getoption("--convention"))


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Functions that each pass under a different convention still make a wrong network."""
    if session.config.getoption("--impl") and _mixed(session.config) and exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
