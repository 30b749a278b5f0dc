"""The worker of ``deepscratch check``: load the file, read it, run the checks, print the report.

It writes its progress to the status file the supervisor gave it ("checking NAME" before each
function, "done STATUS" at the very end), so that an end without "done" is seen as a crash.
"""

from __future__ import annotations

import argparse
import shlex
import sys
import traceback
from collections.abc import Callable
from pathlib import Path

from oracle.checks import report
from oracle.checks.loading import Loaded, LoadError, import_module_spec, load, on_path
from oracle.checks.mapping import MappingError
from oracle.checks.reading import Row, read
from oracle.checks.runner import check


def work(args: argparse.Namespace, status: Path) -> int:
    def note(line: str) -> None:
        with status.open("a", encoding="utf-8") as f:
            f.write(line + "\n")

    try:
        code = _work(args, note)
    except Exception:
        traceback.print_exc()
        print(
            "deepscratch check: internal error: the check itself failed (the traceback above); "
            "please report it with the file you checked",
            file=sys.stderr,
        )
        code = 1
    note(f"done {code}")
    return code


def _reproduce(args: argparse.Namespace, row: Row) -> str:
    extra = [f"--convention={args.convention}"] if args.convention != "mean" else []
    if args.map:
        extra.append(f"--map={args.map}")
    if args.definitions_only:
        extra.append("--definitions-only")
    return shlex.join(["deepscratch", "check", args.path, *extra, "--only", row.name, "-v"])


def _work(args: argparse.Namespace, note: Callable[[str], None]) -> int:
    path = Path(args.path)
    write = print
    write(
        f"deepscratch check {args.path} (convention: {args.convention}; {args.examples} examples "
        "a property, the same every run)"
    )
    try:
        mapping_text = Path(args.map).read_text(encoding="utf-8") if args.map else None
    except OSError as error:
        print(f"deepscratch check: --map {args.map}: {error.strerror}", file=sys.stderr)
        return 2
    folder = path.resolve().parent if path.suffix in (".py", ".ipynb") else Path.cwd()
    with on_path(folder):
        try:
            if path.suffix in (".py", ".ipynb") or path.exists():
                loaded = load(path, True if args.definitions_only else None, args.time_limit)
            else:
                module = import_module_spec(args.path)
                loaded = Loaded(Path(module.__file__ or args.path), module)
                loaded.defined_at = {k: "" for k in vars(module)}
            reading = read(
                loaded,
                mapping_text,
                args.convention,
                lambda name: note(f"reading {name}"),
            )
        except (LoadError, MappingError) as error:
            print(f"deepscratch check: {error}", file=sys.stderr)
            return 2
        report.print_reading(reading, write)
        only = set(args.only.split(",")) if args.only else None
        if only:
            unknown = only - {r.name for r in reading.rows}
            if unknown:
                print(
                    f"deepscratch check: --only {', '.join(sorted(unknown))}: your file defines "
                    "no such function",
                    file=sys.stderr,
                )
                return 2

        def progress(row: Row, i: int, n: int) -> None:
            note(f"checking {row.name}")
            if sys.stderr.isatty():
                print(f"\r  checking {row.name} ({i + 1}/{n})...\x1b[K", end="", file=sys.stderr)

        run = check(
            reading,
            examples=args.examples,
            seconds=args.time_limit,
            only=only,
            reproduce=lambda row: _reproduce(args, row),
            progress=progress,
        )
        if sys.stderr.isatty():
            print("\r\x1b[K", end="", file=sys.stderr)
    report.print_explanations(run, write, verbose=args.verbose)
    report.print_table(run, write)
    if reading.guard and reading.guard.changes:
        write(
            "note: your functions changed "
            + ", ".join(sorted(reading.guard.changes))
            + "; the check put it back after every call"
        )
    write(report.summary(run))
    return 1 if report.failed(run) else 0
