"""The mutation run (``tox -e mutation``, ``docs/mutation.md``), one part at a time.

    python ci/mutation.py [PART ...] [--max-children N]

Each part (``[tool.deepscratch.mutation.PART]`` in ``pyproject.toml``: the modules it mutates,
``only_mutate``, the tests run against them, ``tests``, and optionally ``mutants``, patterns of
the mutants' names that it runs, for a module split across parts) is a mutmut run of its own:
a fresh ``mutants/``, mutmut's shared settings from ``[tool.mutmut]``, and that part's modules
and tests in place of ``[tool.mutmut]``'s (which name every part's, for a bare ``mutmut run`` of
all of them at once). A part's mutants run only the tests of that part, so each part stays
under 20 minutes on two cores, where all of them at once would not.

After each part, its score: killed / (all mutants - the survivors argued equivalent in
``docs/mutation.md``, by name). The run fails when a part's score is below 95%, or when a
survivor is not argued there. No part named: every part, in the order of ``pyproject.toml``.
"""

from __future__ import annotations

import argparse
import dataclasses
import fnmatch
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
#: A mutant's name, e.g. ``scratch.activations.x_sigmoid__mutmut_11`` or, for a method,
#: ``scratch.optimizers.xǁAdamǁdirection__mutmut_3`` (mutmut's separator is U+01C1, a letter).
MUTANT = re.compile(r"scratch\.\w+\.x\w+?__mutmut_\d+")
#: The lowest score that passes.
THRESHOLD = 0.95
#: The verdicts that count as killed: a test failed, or the tests ran far longer (timeout) or
#: crashed (segfault: a BLAS call given wrong sizes; or killed by the system).
KILLED = ("killed", "timeout", "segfault", "caught by type check")


def parts() -> dict[str, dict[str, list[str]]]:
    """The parts of ``pyproject.toml``, in order: name -> ``only_mutate``, ``tests``."""
    with open(ROOT / "pyproject.toml", "rb") as file:
        table: dict[str, dict[str, list[str]]] = tomllib.load(file)["tool"]["deepscratch"][
            "mutation"
        ]
    return table


def run_part(name: str, max_children: int) -> None:
    """mutmut on one part, in this process (mutmut forks its workers from it): its configuration
    is ``[tool.mutmut]``'s with the part's modules and tests."""
    from mutmut import __main__ as mutmut_cli
    from mutmut import configuration

    part = parts()[name]
    configuration._config = dataclasses.replace(
        configuration.config(),
        only_mutate=part["only_mutate"],
        pytest_add_cli_args_test_selection=part["tests"],
    )
    mutmut_cli.cli.main(
        ["run", "--max-children", str(max_children), *part.get("mutants", [])],
        standalone_mode=False,
    )


def argued_equivalent() -> set[str]:
    """The mutants named in ``docs/mutation.md``."""
    return set(MUTANT.findall((ROOT / "docs" / "mutation.md").read_text("utf-8")))


def score(name: str, seconds: float) -> dict[str, Any]:
    """The verdicts of the part just run (``mutmut results``), printed, and its figures."""
    out = subprocess.run(
        [sys.executable, "-m", "mutmut", "results", "--all", "true"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    ).stdout
    patterns = parts()[name].get("mutants", ["*"])
    status = dict(line.strip().rsplit(": ", 1) for line in out.splitlines() if "__mutmut_" in line)
    status = {n: s for n, s in status.items() if any(fnmatch.fnmatch(n, p) for p in patterns)}
    argued = argued_equivalent()
    killed = [n for n, s in status.items() if s in KILLED]
    alive = sorted(set(status) - set(killed))
    equivalent = [n for n in alive if n in argued]
    unexplained = [n for n in alive if n not in argued]
    counted = len(status) - len(equivalent)
    fraction = len(killed) / max(counted, 1)
    print(f"\n== part {name}: {', '.join(parts()[name]['only_mutate'])}")
    print(
        f"mutants: {len(status)}, killed: {len(killed)}, survived: {len(alive)} "
        f"({len(equivalent)} argued equivalent in docs/mutation.md)"
    )
    print(
        f"score: {len(killed)} / {counted} = {100 * fraction:.1f}% of the non-equivalent "
        f"mutants killed; {seconds / 60:.1f} min"
    )
    for n in alive:
        print(f"  {'equivalent' if n in argued else 'NOT EXPLAINED'} {n}: {status[n]}")
    return {
        "part": name,
        "mutants": len(status),
        "killed": len(killed),
        "survived": len(alive),
        "argued": len(equivalent),
        "score": fraction,
        "minutes": seconds / 60,
        "ok": bool(status) and fraction >= THRESHOLD and not unexplained,
    }


def main(argv: list[str] | None = None) -> int:
    known = parts()
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("parts", nargs="*", metavar="PART", help=f"one of {', '.join(known)}")
    parser.add_argument("--max-children", type=int, default=2)
    parser.add_argument("--in-process", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    unknown = [name for name in args.parts if name not in known]
    if unknown:
        parser.error(f"no part {', '.join(unknown)}; the parts are {', '.join(known)}")
    if args.in_process:
        run_part(args.in_process, args.max_children)
        return 0
    results = []
    for name in args.parts or list(known):
        # A fresh run: mutmut would otherwise keep the verdicts of an earlier run in mutants/.
        shutil.rmtree(ROOT / "mutants", ignore_errors=True)
        start = time.monotonic()
        subprocess.run(
            [
                sys.executable,
                __file__,
                "--in-process",
                name,
                "--max-children",
                str(args.max_children),
            ],
            check=True,
            cwd=ROOT,
        )
        results.append(score(name, time.monotonic() - start))
    print("\n| part | mutants | killed | survived | argued equivalent | score | minutes |")
    print("|---|---|---|---|---|---|---|")
    for r in results:
        print(
            f"| {r['part']} | {r['mutants']} | {r['killed']} | {r['survived']} | {r['argued']} "
            f"| {100 * r['score']:.1f}% | {r['minutes']:.1f} |"
        )
    return 0 if all(r["ok"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
