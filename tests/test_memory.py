"""How much memory a computation may ask for (``scratch.memory``): the machine's, a container's
lower limit, or ``$DEEPSCRATCH_MEMORY_LIMIT``; and the one-line refusal that names the bytes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from scratch import memory


@pytest.fixture(autouse=True)
def _no_limit_set(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(memory.ENV, raising=False)
    monkeypatch.setattr(memory, "CGROUP_LIMIT", tmp_path / "no-cgroup")


def test_the_limit_is_the_machines_memory() -> None:
    """As ``/proc/meminfo`` counts it (where there is one)."""
    meminfo = Path("/proc/meminfo")
    if not meminfo.exists():
        pytest.skip("no /proc/meminfo to compare with on this system")
    total = next(line for line in meminfo.read_text().splitlines() if line.startswith("MemTotal:"))
    assert memory.limit() == (int(total.split()[1]) * 1024, "this machine's memory")


@pytest.mark.parametrize(("text", "lower"), [("1000", True), ("max", False)])
def test_a_containers_lower_limit_is_the_limit(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, text: str, lower: bool
) -> None:
    (tmp_path / "memory.max").write_text(text + "\n")
    monkeypatch.setattr(memory, "CGROUP_LIMIT", tmp_path / "memory.max")
    limit, source = memory.limit()
    if lower:
        assert (limit, source) == (1000, f"this container's limit ({tmp_path / 'memory.max'})")
    else:
        assert source == "this machine's memory" and limit > 1000


def test_the_environment_variable_sets_the_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(memory.ENV, "2048")
    assert memory.limit() == (2048, "$DEEPSCRATCH_MEMORY_LIMIT")
    memory.check("f", "X", 2048)  # exactly the limit fits
    with pytest.raises(ValueError) as error:
        memory.check("f", "X (2, 1025) uint8", 2050, ": a hint")
    assert str(error.value) == (
        "f: X (2, 1025) uint8 would need 2,050 bytes (2.0 KiB), more than the 2.0 KiB of "
        "$DEEPSCRATCH_MEMORY_LIMIT: a hint"
    )


def test_an_environment_variable_that_is_no_number_is_one_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(memory.ENV, "16G")
    with pytest.raises(ValueError, match=r"^\$DEEPSCRATCH_MEMORY_LIMIT must be a number of bytes"):
        memory.limit()


@pytest.mark.parametrize(
    ("nbytes", "said"),
    [(5, "5 bytes"), (2048, "2.0 KiB"), (3 * 2**20, "3.0 MiB"), (28_800_000_000, "26.8 GiB")],
)
def test_sizes_are_said_as_people_read_them(nbytes: int, said: str) -> None:
    assert memory.human(nbytes) == said


def test_without_sysconf_there_is_no_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(os, "sysconf")
    assert memory.limit() == (2**63, "this machine's memory")
