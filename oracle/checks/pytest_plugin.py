"""``pytest --impl=PATH``: ``deepscratch check`` as a pytest run.

The option comes from ``deepscratch_pytest`` (the package's ``pytest11`` entry point), so it exists
wherever deepscratch is installed; that module registers this one only when ``--impl`` is given
(it imports the checks, and with them torch). With ``--impl``, pytest collects one test per
function of the learner's file (named after it, so ``-k`` selects them) instead of the project's
tests; each runs the same checks as ``deepscratch check`` and fails with the same explanation.
The run ends with the same table.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import pytest

# The checks import torch: only a run with --impl loads them (see _read), so that every other
# pytest run in an environment with deepscratch installed stays as it was.
if TYPE_CHECKING:
    from oracle.checks.reading import Reading, Row
    from oracle.checks.runner import Verdict

_VERDICT = "deepscratch_verdict"


class _State:
    """What this process knows of the run (one run per process): the reading of the file, each
    row's line of the table, and what each backward says of the convention it follows."""

    reading: Reading | None = None
    verdicts: dict[str, str] = {}  # noqa: RUF012
    evidence: dict[str, str] = {}  # noqa: RUF012


def _read(config: pytest.Config) -> Reading:
    from oracle.checks.loading import LoadError, load, on_path
    from oracle.checks.mapping import MappingError
    from oracle.checks.reading import read

    if _State.reading is None:
        spec = config.getoption("--impl")
        path = Path(spec)
        mapping = config.getoption("--map")
        text = Path(mapping).read_text(encoding="utf-8") if mapping else None
        folder = path.resolve().parent
        try:
            with on_path(folder):
                loaded = load(path, True if config.getoption("--definitions-only") else None)
                _State.reading = read(loaded, text, config.getoption("--convention"))
        except (LoadError, MappingError) as error:
            raise pytest.UsageError(f"--impl {spec}: {error}") from None
    return _State.reading


class CheckItem(pytest.Item):
    """The checks of one function of the learner's file."""

    def __init__(self, *, row: Row, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.row = row
        self.verdict: Verdict | None = None

    def runtest(self) -> None:
        from oracle.checks import report
        from oracle.checks.loading import on_path
        from oracle.checks.runner import check

        reading = _read(self.config)
        spec = self.config.getoption("--impl")
        with on_path(Path(spec).resolve().parent):
            run = check(
                reading,
                examples=self.config.getoption("--examples"),
                only={self.row.name},
                reproduce=lambda row: f"pytest --impl={spec} -k {row.name}",
            )
        self.verdict = run.verdicts[0]
        said = report.status_line(self.verdict)
        self.user_properties.append(
            (_VERDICT, (self.row.name, said, report.evidence(self.verdict)))
        )
        if self.verdict.status in ("WRONG", "UNSTABLE"):
            raise CheckFailed("\n\n".join(self.verdict.explanations))
        if self.verdict.status in ("convention", "close", "not checked"):
            pytest.skip(self.verdict.said)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, CheckFailed):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[str, int | None, str]:
        return self.config.getoption("--impl"), None, f"{self.row.name}{self.row.signature}"


class CheckFailed(AssertionError):
    """A function of the learner's file is wrong: the message is the explanation."""


@pytest.hookimpl(tryfirst=True)
def pytest_collection(session: pytest.Session) -> bool | None:
    config = session.config
    if not config.getoption("--impl"):
        return None
    reading = _read(config)
    items = [
        CheckItem.from_parent(session, name=row.name, row=row)
        for row in reading.rows
        if row.checked
    ]
    config.hook.pytest_collection_modifyitems(session=session, config=config, items=items)
    session.items = list(items)
    session.testscollected = len(items)
    config.hook.pytest_collection_finish(session=session)
    return True


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    for key, value in report.user_properties:
        if key == _VERDICT:
            name, said, evidence = cast(tuple[str, str, dict[str, str]], value)
            _State.verdicts[name] = said
            _State.evidence |= evidence


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    if not config.getoption("--impl"):
        return
    from oracle.checks import report

    reading = _read(config)
    terminalreporter.section(f"how {config.getoption('--impl')} was read")
    report.print_reading(reading, terminalreporter.write_line)
    terminalreporter.section(f"verdicts for {config.getoption('--impl')}")
    for row in reading.rows:
        said = _State.verdicts.get(row.name, row.reason or "not run")
        terminalreporter.write_line(f"  {row.name:30} {said}")
    missing = reading.missing()
    if missing:
        terminalreporter.write_line(f"  not in your file (not checked): {', '.join(missing)}")
    warning = _mixed(config)
    if warning:
        terminalreporter.write_line("")
        terminalreporter.write_line(warning, red=True, bold=True)


def _mixed(config: pytest.Config) -> str | None:
    from oracle.checks.conventions import mixed_conventions

    return mixed_conventions(_State.evidence, config.getoption("--convention"))


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Functions that each pass under a different convention still make a wrong network."""
    if session.config.getoption("--impl") and _mixed(session.config) and exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
