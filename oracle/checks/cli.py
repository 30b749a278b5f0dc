"""``deepscratch check PATH``: the contract's property tests on a learner's own file.

The command runs in two processes. The first (the supervisor) starts the second (the worker),
which loads the learner's file and runs the checks, and waits for it: when the worker ends
without its summary (the learner's code called ``os._exit``, or crashed the interpreter), the
supervisor says so and fails, instead of passing on a silent exit status 0.

Exit status: 0 when everything checked is verified (or right in the other convention), 1 when
something is wrong (or the check crashed), 2 for a usage problem (no such file, a file that cannot
be loaded, a bad mapping).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from oracle.checks.mapping import MAPPING_FILE

USAGE_ERROR = 2
WRONG = 1

DESCRIPTION = """\
Check your own network's functions against PyTorch autograd and finite differences.

PATH is a .py file or a Jupyter notebook (.ipynb). Its functions are recognised by their names
and arguments (relu_backward, relu_backpropagation(Z, A, dL_dA), sigmoid_prime(z), deriv_ReLU,
linear(A_prev, W, B), loss(A, Y), ...) and each is checked as the contract's function it is.
The run begins with how it read your file, gives one explanation per wrong function and ends
with a verdict for every function the file defines.

A notebook runs only its definitions (imports, functions, classes, constants): its training
cell, plots and magics are left out, and the run lists what it left out. --definitions-only
does the same for a .py file that trains when imported. The file's folder is on the import
path, so its helper modules import.
"""

EPILOG = f"""\
mapping: what cannot be read from names is written once in {MAPPING_FILE} beside your file
(or --map FILE, or as '# deepscratch: ...' comments in the file), one line a function:

  relu_backpropagation = "relu_backward(Z, A, dA)"     # the role, and its inputs in your order
  loss = "cross_entropy_cost(AL, Y)"                   # a loss that returns the mean
  sigmoid_derivative = "sigmoid_backward(A) local"     # returns g'(A) alone
  backprop_linear = "linear_backward(dZ, A_prev, W) -> dW, db, dA_prev"
  plot_costs = "skip"

--roles lists every role with its inputs. Exit status: 0 verified, 1 something wrong, 2 usage.
"""


def parser() -> argparse.ArgumentParser:
    parse = argparse.ArgumentParser(
        prog="deepscratch check",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parse.add_argument("path", nargs="?", help="your .py file or .ipynb notebook")
    parse.add_argument(
        "--convention",
        choices=("mean", "course"),
        default="mean",
        help="where your functions put the 1/m: 'mean' (in the loss's backward, this project's; "
        "the default) or 'course' (in linear_backward's dW and db, as the deep learning course "
        "does)",
    )
    parse.add_argument(
        "--map", metavar="FILE", help=f"the mapping (default: {MAPPING_FILE} beside PATH)"
    )
    parse.add_argument(
        "--definitions-only",
        action="store_true",
        help="run only the imports, functions, classes and constants of a .py file (a notebook "
        "is always read this way)",
    )
    parse.add_argument(
        "--only", metavar="NAME[,NAME]", help="check only these functions of your file"
    )
    parse.add_argument(
        "--examples",
        type=int,
        default=100,
        metavar="N",
        help="inputs drawn for each property (default 100; the same every run)",
    )
    parse.add_argument(
        "--time-limit",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="how long one property (and loading the file) may take (default 60)",
    )
    parse.add_argument(
        "-v", "--verbose", action="store_true", help="every failure, with the drawn examples"
    )
    parse.add_argument("--roles", action="store_true", help="list the roles a mapping can name")
    parse.add_argument("--worker", metavar="FILE", help=argparse.SUPPRESS)
    return parse


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.roles:
        from oracle.checks.mapping import roles_help

        print(roles_help())
        return 0
    if not args.path:
        parser().print_usage(sys.stderr)
        print("deepscratch check: error: give the file to check (a .py or .ipynb)", file=sys.stderr)
        return USAGE_ERROR
    if args.examples < 1 or args.time_limit <= 0:
        print("deepscratch check: error: --examples and --time-limit must be > 0", file=sys.stderr)
        return USAGE_ERROR
    if args.worker:
        from oracle.checks.worker import work

        return work(args, Path(args.worker))
    return supervise(list(argv if argv is not None else sys.argv[1:]))


def supervise(argv: list[str]) -> int:
    """Run the worker and report a crash: an end without the worker's summary."""
    with tempfile.TemporaryDirectory(prefix="deepscratch-check-") as folder:
        status = Path(folder) / "status"
        command = [sys.executable, "-m", "oracle.checks", *argv, "--worker", str(status)]
        try:
            code = subprocess.call(command, env=_worker_env())
        except KeyboardInterrupt:
            print("\ndeepscratch check: interrupted", file=sys.stderr)
            return 130
        said = status.read_text(encoding="utf-8").splitlines() if status.exists() else []
    if said and said[-1].startswith("done"):
        return int(said[-1].split()[1])
    doing = next((ln for ln in reversed(said) if ln.startswith(("checking ", "reading "))), None)
    where = f" while {doing}" if doing else " while loading the file"
    print(
        f"\ndeepscratch check: CRASHED{where}: the check's process ended before its summary "
        f"(exit status {code}). Your code ended the process (os._exit? a crash in compiled "
        "code?); nothing after that point was checked.",
        file=sys.stderr,
    )
    return WRONG


def _worker_env() -> dict[str, Any]:
    env = dict(os.environ)
    # The worker's output reaches the terminal as it is written.
    env["PYTHONUNBUFFERED"] = "1"
    return env
