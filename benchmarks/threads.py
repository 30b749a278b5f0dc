"""The main job's wall time, quiet and beside one busy process, with one BLAS thread and two.

    python benchmarks/threads.py [--rounds N] [--data-dir DIR]

Runs ``python -m scratch train --quiet`` (the digits default, 64-256-128-10) in a subprocess,
round after round: alone, then beside ``yes > /dev/null`` (one busy process, started and ended
here), each with ``--threads 1``, ``--threads 2`` and the default (``scratch.threads`` chooses).
With ``--data-dir``, also one epoch of the MNIST default (784-256-10, batch 128) with 1 and 2
threads, quiet, to see whether two threads help there. Each run's load from other processes is
measured as in ``bench.py`` (the ``yes`` process counts as one core taken by others).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time

from bench import PAUSE, Chunk, measure


def train(options: list[str]) -> Chunk:
    """One ``train`` run in a subprocess: its wall time and the load meanwhile."""
    with tempfile.TemporaryDirectory() as out:
        command = [sys.executable, "-m", "scratch", "train", "--quiet", "--out", out, *options]

        def run() -> None:
            subprocess.run(command, check=True, stdout=subprocess.DEVNULL)

        return measure(run)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--data-dir")
    args = parser.parse_args()
    settings = {"1 thread": ["--threads", "1"], "2 threads": ["--threads", "2"], "default": []}
    runs: dict[str, list[Chunk]] = {}
    for _ in range(args.rounds):
        for busy in (False, True):
            neighbour = subprocess.Popen(["yes"], stdout=subprocess.DEVNULL) if busy else None
            try:
                time.sleep(PAUSE)
                for name, options in settings.items():
                    key = f"{name}, {'beside one busy process' if busy else 'quiet'}"
                    runs.setdefault(key, []).append(train(options))
            finally:
                if neighbour is not None:
                    neighbour.kill()
                    neighbour.wait()
    if args.data_dir:
        for _ in range(args.rounds):
            for threads in ("1", "2"):
                options = ["--dataset", "mnist", "--data-dir", args.data_dir, "--epochs", "1"]
                key = f"MNIST default, one epoch, {threads} thread(s), quiet"
                runs.setdefault(key, []).append(train([*options, "--threads", threads]))
    print("| train run | wall s (median) | range | cores taken by other processes |")
    print("|---|---|---|---|")
    for key, chunks in runs.items():
        seconds = [c.seconds for c in chunks]
        taken = [c.neighbours for c in chunks if c.neighbours is not None]
        print(
            f"| {key} | {statistics.median(seconds):.2f} | {min(seconds):.2f}-{max(seconds):.2f} "
            f"| {'n/a' if not taken else f'{min(taken):.2f}-{max(taken):.2f}'} |"
        )


if __name__ == "__main__":
    main()
