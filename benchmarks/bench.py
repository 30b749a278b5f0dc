"""scratch against PyTorch (eager, CPU), measured so that it cannot flatter either side.

    python benchmarks/bench.py [--data-dir DIR] [--quick] [--rounds N] [--max-load L] [--out DIR]
    python benchmarks/bench.py --profile [--data-dir DIR]   (where scratch's time goes)

Both sides train the same network (784-H-10, relu, softmax; H = 100 and 1024), batch 128, float32,
SGD (lr 0.1), from the same initial weights, with the same number of threads (torch's intra-op
threads, NumPy's BLAS threads set with threadpoolctl). Real MNIST when ``--data-dir`` or
``$DEEPSCRATCH_MNIST_DIR`` names a folder with its files, random data of the same shape otherwise.

The sides, one epoch of 60,000 examples each (a "chunk"):

* ``model()``: ``scratch.model`` itself; its second epoch is timed, from the end of its first
  epoch's evaluation to the end of its last step (so neither its one-off checks of the data nor
  its evaluation after each epoch are on the clock: torch's side evaluates nothing);
* ``per-step loop``: what a learner writes, ``random_mini_batches``, then ``forward_all``,
  ``compute_cost``, ``backward_all`` and ``update_parameters`` in a plain Python loop;
* ``torch``: ``nn.Linear`` layers, ``cross_entropy``, ``loss.backward()``, ``optim.SGD``;
* ``products``: NumPy's five matrix products of a step at the step's shapes, 469 times: the floor
  under any NumPy implementation (nothing else is computed).

Against the two biases that favour one side on a shared machine:

* The chunks of a round run in turn, each after an idle pause (``PAUSE`` s): OpenBLAS keeps a core
  spinning for about 100 ms after a call, torch's OpenMP threads spin too, and either would slow
  the side that runs next. The order rotates from round to round, so each side goes first as
  often as the others.
* The load is measured during every chunk: the cores' busy time (``/proc/stat``) less this
  process's own CPU time, over the chunk's wall time, i.e. how many cores other processes took
  (``neighbours``), beside the 1-minute load average and the thread pools (threadpoolctl) in use.
  A round in which any chunk saw more than ``--max-load`` cores taken by others is not used: it
  is run again (up to ``--retries`` times, after a wait), and a figure with fewer quiet rounds
  than asked is marked LOADED in the table. A busy neighbour slows torch's OpenMP threads far more
  than OpenBLAS's (measured: x7.6 a step against x2.3), which would flatter scratch.

Each figure is the median over the quiet rounds of the ratio of the two sides' chunks of that
round, with the range (lowest-highest) beside it.

Time to 98%: Adam (lr 1e-3), 784-1024-10, batch 128, ``model()`` against torch; the two sides'
epochs alternate (after an idle pause each), and each side's clock counts its training only (the
test-set evaluation after each epoch, and model()'s own evaluation of the training set, are off
the clock). Only with real MNIST, and not with ``--quick``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from threadpoolctl import threadpool_info, threadpool_limits

from scratch.data import DataError, load_dataset
from scratch.minibatch import random_mini_batches
from scratch.model import Event, TrainingState, model
from scratch.network import (
    backward_all,
    compute_cost,
    forward_all,
    init_parameters,
    predict,
    update_parameters,
)
from scratch.preprocessing import one_hot

BATCH = 128
SIZES = (100, 1024)
SGD_LR = 0.1
ADAM_LR = 1e-3
TARGET_ACCURACY = 0.98
SEED = 0
#: Seconds of idle time before each chunk, longer than OpenBLAS's and OpenMP's spinning after a
#: call (about 0.1 s).
PAUSE = 0.4
#: The default ``--max-load``: cores taken by other processes during a chunk, above which its
#: round is not used (the machine has 2 cores).
MAX_LOAD = 0.3

Array = np.ndarray[Any, Any]
Data = tuple[Array, Array, Array | None, Array | None]


# --- Data ----------------------------------------------------------------------------------------


def load_data(data_dir: str | None) -> tuple[Data, str]:
    """``(X (784, 60000) float32 in [0, 1], Y one-hot (10, 60000), X_test, y_test)`` and where
    they come from. Random data of MNIST's shape when no MNIST folder is given."""
    if data_dir:
        try:
            mnist = load_dataset("mnist", data_dir, download=False)
        except DataError as error:
            sys.exit(f"bench: no MNIST in {data_dir}: {error}")
        scale = np.float32(1 / mnist.max_value)
        X = mnist.train_images.reshape(len(mnist.train_images), -1).T.astype(np.float32) * scale
        X_test = mnist.test_images.reshape(len(mnist.test_images), -1).T.astype(np.float32) * scale
        Y = one_hot(mnist.train_labels, 10).astype(np.float32)
        # Fortran order, as model() stores X (one contiguous column per example).
        return (np.asfortranarray(X), np.asfortranarray(Y), X_test, mnist.test_labels), (
            f"MNIST ({data_dir})"
        )
    rng = np.random.default_rng(SEED)
    X = np.asfortranarray(rng.random((784, 60_000), dtype=np.float32))
    Y = np.asfortranarray(one_hot(rng.integers(0, 10, 60_000), 10).astype(np.float32))
    return (X, Y, None, None), "random data of MNIST's shape (no --data-dir)"


# --- The load on the machine ---------------------------------------------------------------------


def _busy_seconds() -> float | None:
    """All cores' busy time so far (``/proc/stat``: user, nice, system, irq, softirq, steal)."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    except OSError:
        return None
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(f) for f in fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def _own_seconds() -> float:
    times = os.times()
    return times.user + times.system


@dataclass
class Chunk:
    """One timed run of one side, and the load while it ran."""

    seconds: float
    neighbours: float | None  # cores taken by other processes, on average, during the chunk
    loadavg: float  # the 1-minute load average at its end (this process's threads included)


def measure(run: Callable[[], float | None]) -> Chunk:
    """Run ``run`` after an idle pause; its seconds (``run``'s own figure when it returns one:
    model() times its second epoch itself) and the load from other processes meanwhile."""
    time.sleep(PAUSE)
    busy, own, start = _busy_seconds(), _own_seconds(), time.perf_counter()
    inner = run()
    wall = time.perf_counter() - start
    after = _busy_seconds()
    neighbours = None
    if busy is not None and after is not None:
        neighbours = max(0.0, (after - busy) - (_own_seconds() - own)) / wall
    return Chunk(wall if inner is None else inner, neighbours, os.getloadavg()[0])


def pools() -> list[str]:
    """The thread pools in use, as threadpoolctl sees them."""
    return [
        f"{i['internal_api']} {i.get('version') or ''} ({i['prefix']}): {i['num_threads']} threads"
        for i in threadpool_info()
    ]


# --- The sides -----------------------------------------------------------------------------------


def model_epoch(params: dict[str, Array], X: Array, Y: Array) -> Callable[[], float]:
    """``model()``, two epochs; returns the seconds of the second one's steps (see the module
    docstring). The weights it starts from are its own (``init_parameters`` of the same seed)."""
    H = params["W1"].shape[0]
    steps = -(-X.shape[1] // BATCH)

    def run() -> float:
        marks: dict[str, float] = {}

        def clock(event: Event) -> None:
            marks[f"{event.kind}{event.epoch}"] = time.perf_counter()

        model(X, Y, SGD_LR, steps, 2, [H], BATCH, callback=clock, seed=SEED)
        return marks["step2"] - marks["epoch1"]

    return run


def loop_epoch(params: dict[str, Array], X: Array, Y: Array) -> Callable[[], None]:
    """A learner's own loop over the public per-step functions."""

    def run() -> None:
        p = params
        for X_batch, Y_batch in random_mini_batches(X, Y, BATCH, SEED):
            AL, caches = forward_all(X_batch, p)
            compute_cost(AL, Y_batch, p)
            p = update_parameters(p, backward_all(AL, Y_batch, caches), SGD_LR)

    return run


def products_epoch(params: dict[str, Array], X: Array, Y: Array) -> Callable[[], None]:
    """The matrix products of an epoch and nothing else: forward ``W1 @ X``, ``W2 @ A1``;
    backward ``dZ2 @ A1.T``, ``W2.T @ dZ2``, ``dZ1 @ X.T`` (``X`` needs no gradient)."""
    W1, W2 = params["W1"], params["W2"]
    rng = np.random.default_rng(1)
    A1 = rng.random((W1.shape[0], BATCH), np.float32)
    dZ2 = rng.random((W2.shape[0], BATCH), np.float32)
    permutation = np.random.default_rng(SEED).permutation(X.shape[1])

    def run() -> None:
        for k in range(0, X.shape[1], BATCH):
            X_batch = X[:, permutation[k : k + BATCH]]
            A, dZ = A1[:, : X_batch.shape[1]], dZ2[:, : X_batch.shape[1]]
            W1 @ X_batch, W2 @ A, dZ @ A.T, W2.T @ dZ, A @ X_batch.T

    return run


def torch_net(params: dict[str, Array]) -> torch.nn.Sequential:
    """``nn.Linear`` layers holding a copy of scratch's initial weights."""
    n_0, H, C = params["W1"].shape[1], params["W1"].shape[0], params["W2"].shape[0]
    first, second = torch.nn.Linear(n_0, H), torch.nn.Linear(H, C)
    with torch.no_grad():
        for layer, linear in ((1, first), (2, second)):
            linear.weight.copy_(torch.from_numpy(params[f"W{layer}"]))
            linear.bias.copy_(torch.from_numpy(params[f"b{layer}"][:, 0]))
    return torch.nn.Sequential(first, torch.nn.ReLU(), second)


class TorchSide:
    """torch's training, an epoch at a time: rows are examples there, so ``X.T``."""

    def __init__(self, params: dict[str, Array], X: Array, Y: Array, optimizer: str) -> None:
        self.X_rows = torch.from_numpy(np.ascontiguousarray(X.T))
        self.y = torch.from_numpy(np.argmax(Y, axis=0))
        self.net = torch_net(params)
        self.opt: torch.optim.Optimizer = (
            torch.optim.SGD(self.net.parameters(), lr=SGD_LR)
            if optimizer == "gd"
            else torch.optim.Adam(self.net.parameters(), lr=ADAM_LR)
        )

    def epoch(self, seed: int = SEED) -> None:
        permutation = torch.from_numpy(np.random.default_rng(seed).permutation(len(self.y)))
        for k in range(0, len(self.y), BATCH):
            index = permutation[k : k + BATCH]
            loss = torch.nn.functional.cross_entropy(self.net(self.X_rows[index]), self.y[index])
            self.opt.zero_grad(set_to_none=True)
            loss.backward()  # type: ignore[no-untyped-call]
            self.opt.step()

    def accuracy(self, X_test: Array, y_test: Array) -> float:
        with torch.no_grad():
            guess = self.net(torch.from_numpy(np.ascontiguousarray(X_test.T))).argmax(dim=1)
        return float(np.mean(guess.numpy() == y_test))


def torch_epoch(params: dict[str, Array], X: Array, Y: Array) -> Callable[[], None]:
    """A fresh torch network from the initial weights, one epoch of SGD."""

    def run() -> None:
        TorchSide(params, X, Y, "gd").epoch()

    return run


SIDES: dict[str, Callable[[dict[str, Array], Array, Array], Callable[[], float | None]]] = {
    "model()": model_epoch,
    "per-step loop": loop_epoch,
    "torch": torch_epoch,
    "products": products_epoch,
}


# --- Rounds --------------------------------------------------------------------------------------


@dataclass
class Size:
    """The rounds of one network size: each a chunk of every side."""

    hidden: int
    rounds: list[dict[str, Chunk]] = field(default_factory=list)
    loaded: list[dict[str, Chunk]] = field(default_factory=list)  # rounds not used


def quiet(round_: dict[str, Chunk], max_load: float) -> bool:
    return all(c.neighbours is None or c.neighbours <= max_load for c in round_.values())


def run_size(data: Data, H: int, rounds: int, max_load: float, retries: int) -> Size:
    """``rounds`` quiet rounds of every side at 784-H-10, retrying loaded ones."""
    X, Y = data[0], data[1]
    params = init_parameters([784, H, 10], "he", SEED, dtype=np.float32)
    runs = {name: make(params, X, Y) for name, make in SIDES.items()}
    for run in runs.values():  # warm-up: page faults, caches, torch's first call
        run()
    size = Size(H)
    names = list(runs)
    attempt = 0
    while len(size.rounds) < rounds and attempt < rounds + retries:
        order = names[attempt % len(names) :] + names[: attempt % len(names)]
        round_ = {name: measure(runs[name]) for name in order}
        attempt += 1
        if quiet(round_, max_load):
            size.rounds.append(round_)
        else:
            size.loaded.append(round_)
            print(f"bench: 784-{H}-10 round {attempt} was loaded; again after a wait", flush=True)
            time.sleep(10)
    return size


def summary(size: Size, rounds: int) -> dict[str, Any]:
    """Per side: median seconds, and the median and range of its ratio to torch's chunk of the
    same round; the load the quiet rounds ran under."""
    used = size.rounds or size.loaded  # none quiet: the loaded ones, marked so
    out: dict[str, Any] = {
        "hidden": size.hidden,
        "quiet_rounds": len(size.rounds),
        "rounds_asked": rounds,
        "loaded": len(size.rounds) < rounds,
        "sides": {},
    }
    for name in SIDES:
        seconds = [r[name].seconds for r in used]
        ratios = [r[name].seconds / r["torch"].seconds for r in used]
        out["sides"][name] = {
            "seconds": statistics.median(seconds),
            "all_seconds": seconds,
            "ratio": statistics.median(ratios),
            "ratio_range": [min(ratios), max(ratios)],
        }
    neighbours = [c.neighbours for r in used for c in r.values() if c.neighbours is not None]
    loadavg = [c.loadavg for r in used for c in r.values()]
    out["neighbours_max"] = max(neighbours) if neighbours else None
    out["loadavg_range"] = [min(loadavg), max(loadavg)]
    out["loaded_rounds"] = [{name: vars(chunk) for name, chunk in r.items()} for r in size.loaded]
    return out


# --- Time to 98% ---------------------------------------------------------------------------------


class _Reached(Exception):
    """Raised from model()'s callback: the target accuracy is reached."""


def time_to_accuracy(data: Data, max_epochs: int) -> dict[str, Any]:
    """Adam, 784-1024-10: training seconds until the test accuracy reaches 98%, for each side.

    ``model()`` runs once; at the end of each of its epochs (its callback, off its clock) torch's
    next epoch runs, after an idle pause, so the two sides' epochs alternate and see the same
    machine. Test accuracies are taken off the clock."""
    X, Y, X_test, y_test = data
    assert X_test is not None and y_test is not None
    params = init_parameters([784, 1024, 10], "he", SEED, dtype=np.float32)
    torch_side = TorchSide(params, X, Y, "adam")
    steps = -(-X.shape[1] // BATCH)
    seconds: dict[str, list[float]] = {"scratch": [], "torch": []}
    accuracy: dict[str, list[float]] = {"scratch": [], "torch": []}
    neighbours: list[float] = []
    loadavg: list[float] = []
    marks = {"start": 0.0}

    def torch_turn() -> None:
        if accuracy["torch"] and accuracy["torch"][-1] >= TARGET_ACCURACY:
            return
        chunk = measure(lambda: torch_side.epoch(SEED + len(seconds["torch"])))
        seconds["torch"].append(chunk.seconds)
        accuracy["torch"].append(torch_side.accuracy(X_test, y_test))
        loadavg.append(chunk.loadavg)
        if chunk.neighbours is not None:
            neighbours.append(chunk.neighbours)

    def clock(event: Event) -> None:
        """At the end of each epoch's last step (a "step" event): model()'s training clock."""
        if event.kind == "step":  # not the "epoch" event, after model()'s own evaluation
            seconds["scratch"].append(time.perf_counter() - marks["start"])

    def after_epoch(state: TrainingState) -> None:
        """model()'s checkpoint, after its evaluation: off its clock, the test accuracy, then
        torch's next epoch; model()'s next epoch starts after a pause."""
        accuracy["scratch"].append(float(np.mean(predict(X_test, state.parameters) == y_test)))
        torch_turn()
        if accuracy["scratch"][-1] >= TARGET_ACCURACY:
            raise _Reached
        time.sleep(PAUSE)
        marks["start"] = time.perf_counter()

    torch_turn()  # torch's first epoch, then model()'s: each side goes first once
    time.sleep(PAUSE)
    marks["start"] = time.perf_counter()
    with contextlib.suppress(_Reached):
        model(X, Y, ADAM_LR, steps, max_epochs, [1024], BATCH, optimizer="adam", seed=SEED,
              callback=clock, checkpoint=after_epoch)  # fmt: skip
    while len(seconds["torch"]) < max_epochs and accuracy["torch"][-1] < TARGET_ACCURACY:
        torch_turn()
    out: dict[str, Any] = {}
    for name in seconds:
        reached = bool(accuracy[name]) and accuracy[name][-1] >= TARGET_ACCURACY
        out[name] = {
            "seconds": sum(seconds[name]) if reached else None,
            "epochs": len(accuracy[name]),
            "epoch_seconds": seconds[name],
            "test_accuracy_per_epoch": accuracy[name],
        }
    if out["scratch"]["seconds"] and out["torch"]["seconds"]:
        out["ratio"] = out["scratch"]["seconds"] / out["torch"]["seconds"]
    # The sides reach 98% after different numbers of epochs (their shuffles differ): the epochs'
    # own ratio says what the speed alone gives.
    out["epoch_ratio"] = statistics.median(seconds["scratch"]) / statistics.median(seconds["torch"])
    out["neighbours_max"] = max(neighbours) if neighbours else None
    out["loadavg_range"] = [min(loadavg), max(loadavg)] if loadavg else None
    return out


# --- Output --------------------------------------------------------------------------------------


def _load_text(neighbours: float | None, loadavg: list[float] | None) -> str:
    taken = "n/a" if neighbours is None else f"{neighbours:.2f}"
    average = "n/a" if not loadavg else f"{loadavg[0]:.2f}-{loadavg[1]:.2f}"
    return f"cores taken by other processes at most {taken}; 1-min load average {average}"


def table(results: dict[str, Any]) -> str:
    """The figures as markdown."""
    lines = [
        f"Data: {results['data']}; batch {BATCH}, float32, SGD (lr {SGD_LR}); one epoch of "
        "60,000 examples a chunk; medians over the quiet rounds of each side's chunk against "
        f"torch's of the same round (lowest-highest); a round is quiet when no chunk saw more "
        f"than {results['max_load']} cores taken by other processes.",
        f"Thread pools: {'; '.join(results['pools'])}.",
        "",
        "| network | quiet rounds | model() s/epoch | model() / torch | per-step loop s/epoch "
        "| per-step loop / torch | torch s/epoch | NumPy products alone / torch | load |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in results["epoch"]:
        sides = row["sides"]

        def ratio(name: str, sides: dict[str, Any] = sides) -> str:
            low, high = sides[name]["ratio_range"]
            return f"**{sides[name]['ratio']:.2f}** ({low:.2f}-{high:.2f})"

        rounds = f"{row['quiet_rounds']} of {row['rounds_asked']}"
        if row["loaded"]:
            rounds += " **LOADED**"
        lines.append(
            f"| 784-{row['hidden']}-10 | {rounds} | {sides['model()']['seconds']:.3f} | "
            f"{ratio('model()')} | {sides['per-step loop']['seconds']:.3f} | "
            f"{ratio('per-step loop')} | {sides['torch']['seconds']:.3f} | {ratio('products')} | "
            f"{_load_text(row['neighbours_max'], row['loadavg_range'])} |"
        )
    tta = results.get("time_to_98")
    lines.append("")
    if tta is None:
        lines.append(f"Time to 98% test accuracy: not measured ({results['time_to_98_note']}).")
    else:
        s, t = tta["scratch"], tta["torch"]

        def cell(side: dict[str, Any]) -> str:
            if side["seconds"] is None:
                return f"not reached in {side['epochs']} epochs"
            return f"{side['seconds']:.1f} s ({side['epochs']} epochs)"

        tta_ratio = f"**{tta['ratio']:.2f}**" if "ratio" in tta else "n/a"
        lines += [
            "Time to 98% MNIST test accuracy (784-1024-10, Adam, lr 1e-3, batch 128; training "
            "time only; the two sides' epochs alternate):",
            "",
            "| | model() | torch | model() / torch | load |",
            "|---|---|---|---|---|",
            f"| time to 98% | {cell(s)} | {cell(t)} | {tta_ratio} | "
            f"{_load_text(tta['neighbours_max'], tta['loadavg_range'])} |",
            f"| Adam epoch (median) | {statistics.median(s['epoch_seconds']):.2f} s | "
            f"{statistics.median(t['epoch_seconds']):.2f} s | **{tta['epoch_ratio']:.2f}** | |",
        ]
    return "\n".join(lines) + "\n"


# --- Where the time goes ---------------------------------------------------------------------

#: scratch's functions of a training step, as the profile lists them (a function's time includes
#: the functions it calls, indented under it).
PROFILED = (
    ("__getitem__", "mini-batch gathered (random_mini_batches)"),
    ("forward_checked", "forward, both layers"),
    ("linear_forward", "  W @ A_prev + b"),
    ("relu", "  relu"),
    ("softmax", "  softmax"),
    ("check_forward", "  NaN and infinities (first column of each Z, AL)"),
    ("cost_checked", "cost"),
    ("backward_checked", "backward, both layers"),
    ("softmax_cross_entropy_backward", "  dZ2 = (AL - Y) / m"),
    ("relu_backward", "  relu_backward"),
    ("_descend_linear", "  SGD: dA_prev, db, and W -= lr dZ @ A_prev.T in one gemm"),
    ("add_product", "    the gemm (dW and the step of W)"),
    ("linear_backward", "  Adam: layer 2's dA1, dW2, db2"),
    ("_input_layer_backward", "  Adam: layer 1's dW1, db1"),
    ("surely_finite", "  finiteness pass over the gradients"),
    ("step", "update (Optimizer.step; SGD: the biases only)"),
    ("here", "the run's position, kept at every step"),
)


def profile_epochs(data: Data, H: int = 1024) -> str:
    """One epoch of ``model()`` at 784-H-10 with SGD and one with Adam (each the second epoch of
    a run: the first warms up), under cProfile: the time in each of scratch's functions of the
    step, as a markdown table."""
    import cProfile
    import pstats

    X, Y = data[0], data[1]
    steps = -(-X.shape[1] // BATCH)
    columns: dict[str, dict[str, float]] = {}
    for optimizer, lr in (("gd", SGD_LR), ("adam", ADAM_LR)):
        profiler = cProfile.Profile()
        marks: dict[str, float] = {}

        def clock(
            event: Event,
            profiler: cProfile.Profile = profiler,
            marks: dict[str, float] = marks,
        ) -> None:
            marks[f"{event.kind}{event.epoch}"] = time.perf_counter()
            if event.kind == "epoch" and event.epoch == 1:
                profiler.enable()
            elif event.kind == "step" and event.epoch == 2:
                profiler.disable()

        model(X, Y, lr, steps, 2, [H], BATCH, optimizer=optimizer, callback=clock, seed=SEED)
        seconds = {"epoch (profiled)": marks["step2"] - marks["epoch1"]}
        stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
        for (path, _, name), (_, _, _, cumulative, _) in stats.items():
            if "scratch" in Path(path).parts:
                seconds[name] = seconds.get(name, 0.0) + cumulative
        columns[optimizer] = seconds
    lines = [
        f"model(), 784-{H}-10, one epoch ({steps} steps of {BATCH}), cProfile: seconds in each "
        "function, the functions it calls included",
        "",
        "| | SGD | Adam |",
        "|---|---|---|",
        f"| epoch (profiled) | {columns['gd']['epoch (profiled)']:.2f} | "
        f"{columns['adam']['epoch (profiled)']:.2f} |",
    ]
    for name, label in PROFILED:
        row = [columns[o].get(name) for o in ("gd", "adam")]
        cells = " | ".join("-" if v is None else f"{v:.2f}" for v in row)
        lines.append(f"| {label} | {cells} |")
    return "\n".join(lines) + "\n"


def write_results(results: dict[str, Any], out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    (out / "results.md").write_text(table(results))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", default=os.environ.get("DEEPSCRATCH_MNIST_DIR"))
    parser.add_argument("--quick", action="store_true", help="skip the time to 98%%")
    parser.add_argument("--rounds", type=int, default=7, help="quiet rounds per size")
    parser.add_argument("--retries", type=int, default=7, help="extra rounds for loaded ones")
    parser.add_argument(
        "--max-load",
        type=float,
        default=MAX_LOAD,
        help="cores other processes may take during a chunk of a round that counts",
    )
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument(
        "--sizes", type=int, nargs="+", default=list(SIZES), help="hidden widths (784-H-10)"
    )
    parser.add_argument("--max-epochs", type=int, default=12, help="for the time to 98%%")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results")
    parser.add_argument(
        "--profile", action="store_true", help="only where scratch's time goes (784-1024-10)"
    )
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    with threadpool_limits(limits=args.threads, user_api="blas"):
        data, source = load_data(args.data_dir)
        if args.profile:
            print(profile_epochs(data))
            print(f"Thread pools: {'; '.join(pools())}.")
            return
        results: dict[str, Any] = {
            "data": source,
            "threads": args.threads,
            "max_load": args.max_load,
            "pools": pools(),
            "numpy": np.__version__,
            "torch": torch.__version__,
            "python": platform.python_version(),
            "machine": platform.processor() or platform.machine(),
            "cores": os.cpu_count(),
            "epoch": [
                summary(run_size(data, H, args.rounds, args.max_load, args.retries), args.rounds)
                for H in args.sizes
            ],
        }
        if args.quick:
            results["time_to_98_note"] = "--quick"
        elif data[2] is None:
            results["time_to_98_note"] = "needs real MNIST: --data-dir or $DEEPSCRATCH_MNIST_DIR"
        else:
            results["time_to_98"] = time_to_accuracy(data, args.max_epochs)
    write_results(results, args.out)
    print(table(results))
    print(f"written to {args.out}/results.json and results.md")


if __name__ == "__main__":
    main()
