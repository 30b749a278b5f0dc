"""scratch against PyTorch (eager, CPU): one epoch of SGD, the GEMM limit, memory, time to 98%.

    python benchmarks/bench.py [--data-dir DIR] [--quick] [--repeats N] [--out DIR]
    python benchmarks/bench.py --profile [--data-dir DIR]   (where scratch's time goes)

Both sides train the same network (784-H-10, relu, softmax), batch 128, float32, from the same
initial weights, on the same batch order, with the same number of threads (torch's intra-op
threads and the BLAS threads of NumPy, set with threadpoolctl). Real MNIST when ``--data-dir`` or
``$DEEPSCRATCH_MNIST_DIR`` names a folder with its files, random data of the same shape otherwise.

Figures (see ``write_results`` for the JSON and markdown written to ``--out``):

* epoch time: the median over ``--repeats`` epochs, each from the initial weights, scratch's and
  torch's in turn; the clock covers the shuffle into batches, forward, loss, backward and update
  of every batch. The ratio is the median of the ratios of those back-to-back pairs.
* GFLOP/s: the FLOPs of the matrix products an epoch needs (forward ``W @ A``; backward ``dW`` of
  each layer and ``dA_prev`` of every layer but the first, whose input needs no gradient) over
  the epoch time, against the rate NumPy's BLAS reaches on the same products, at the same shapes,
  timed (best of several short loops) after each pair of epochs; the share of that rate is the
  median over the epochs, each against the rate timed right after it.
* peak memory: the growth of the process's resident memory during one epoch: Linux's peak RSS
  (``VmHWM`` of ``/proc/self/status``, reset through ``/proc/self/clear_refs``) minus the RSS
  when the epoch starts. It counts every allocation, NumPy's and torch's alike (tracemalloc
  would miss torch's).
* time to 98%: Adam (learning rate 1e-3), 784-1024-10, batch 128; the training time (the test
  evaluations after each epoch are not on the clock) until the test accuracy reaches 98%, the two
  sides' epochs run in turn. Only with real MNIST, and not with ``--quick``.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch
from threadpoolctl import threadpool_info, threadpool_limits

from scratch import validate
from scratch.data import DataError, load_dataset
from scratch.minibatch import random_mini_batches
from scratch.network import (
    backward_checked,
    cost_checked,
    forward_checked,
    init_parameters,
    predict,
    surely_finite,
)
from scratch.optimizers import make_optimizer
from scratch.preprocessing import one_hot

BATCH = 128
SIZES = (100, 1024)
SGD_LR = 0.1
ADAM_LR = 1e-3
TARGET_ACCURACY = 0.98
SEED = 0

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


# --- One epoch each ------------------------------------------------------------------------------


def scratch_step(p: dict[str, Array], X_batch: Array, Y_batch: Array, opt: Any, lr: float) -> Any:
    """One step as ``scratch.model`` takes it (its data and parameters checked once before)."""
    AL, caches = forward_checked(X_batch, p)
    float(cost_checked(AL, Y_batch, p))  # model() records the loss of every step
    p = opt.step(p, backward_checked(AL, Y_batch, caches), lr, overwrite_grads=True)
    for key, value in p.items():  # model() stops at the first update that is not finite
        if not surely_finite(value):
            validate.finite("bench", key, value)
    return p


def scratch_epoch(params: dict[str, Array], X: Array, Y: Array, optimizer: str, lr: float) -> Any:
    """Train ``params`` for one epoch with scratch's own functions, as ``scratch.model`` does."""
    opt = make_optimizer(optimizer)

    def run() -> dict[str, Array]:
        p = params
        for X_batch, Y_batch in random_mini_batches(X, Y, BATCH, SEED):
            p = scratch_step(p, X_batch, Y_batch, opt, lr)
        return p

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


def torch_epoch(params: dict[str, Array], X: Array, Y: Array, optimizer: str, lr: float) -> Any:
    """The same epoch in PyTorch: rows are examples there, so ``X.T``; the same permutation."""
    X_rows = torch.from_numpy(np.ascontiguousarray(X.T))
    y = torch.from_numpy(np.argmax(Y, axis=0))
    net = torch_net(params)
    opt: torch.optim.Optimizer = (
        torch.optim.SGD(net.parameters(), lr=lr)
        if optimizer == "gd"
        else torch.optim.Adam(net.parameters(), lr=lr)
    )

    def run() -> torch.nn.Sequential:
        m = X_rows.shape[0]
        # random_mini_batches' permutation: the same batches in the same order.
        permutation = torch.from_numpy(np.random.default_rng(SEED).permutation(m))
        for k in range(0, m, BATCH):
            index = permutation[k : k + BATCH]
            loss = torch.nn.functional.cross_entropy(net(X_rows[index]), y[index])
            opt.zero_grad(set_to_none=True)
            loss.backward()  # type: ignore[no-untyped-call]
            opt.step()
        return net

    return run


# --- Measurements --------------------------------------------------------------------------------


def rss_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return -1


def timed(run: Callable[[], Any]) -> tuple[float, float | None, Any]:
    """Seconds ``run()`` takes, the MiB the process's RSS peaked above its start, the result."""
    gc.collect()
    try:
        Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to the current RSS
        start_rss: int | None = rss_kib("VmRSS")
    except OSError:
        start_rss = None
    start = time.perf_counter()
    result = run()
    seconds = time.perf_counter() - start
    peak = None if start_rss is None else (rss_kib("VmHWM") - start_rss) / 1024
    return seconds, peak, result


def epoch_flops(n_0: int, H: int, C: int, m: int) -> float:
    """Forward ``W @ A`` (2 layers), backward ``dW`` (2 layers) and ``dA1`` (``X`` needs none)."""
    return 2.0 * m * (3 * (n_0 * H + H * C) - n_0 * H)


def gemm_rate(H: int, n_0: int = 784, C: int = 10, repeats: int = 30) -> float:
    """GFLOP/s of NumPy's BLAS on one step's matrix products, at their shapes (best of runs)."""
    rng = np.random.default_rng(1)
    f32 = np.float32
    W1, W2 = rng.random((H, n_0), f32), rng.random((C, H), f32)
    X, A1 = rng.random((n_0, BATCH), f32), rng.random((H, BATCH), f32)
    dZ2, dZ1 = rng.random((C, BATCH), f32), rng.random((H, BATCH), f32)

    def step() -> None:
        W1 @ X
        W2 @ A1
        dZ2 @ A1.T
        W2.T @ dZ2
        dZ1 @ X.T

    step()
    best = min(timed_loop(step, 20) for _ in range(repeats))
    return epoch_flops(n_0, H, C, BATCH) / best / 1e9


def timed_loop(step: Callable[[], None], n: int) -> float:
    start = time.perf_counter()
    for _ in range(n):
        step()
    return (time.perf_counter() - start) / n


def compare_epoch(data: Data, H: int, repeats: int) -> dict[str, Any]:
    """One epoch of SGD, ``repeats`` times for each side, and how far their weights end apart."""
    X, Y = data[0], data[1]
    validate.finite("bench", "X", X)  # what model() checks once, before its first step
    params = init_parameters([784, H, 10], "he", SEED, dtype=np.float32)
    out: dict[str, Any] = {"hidden": H}
    times: dict[str, list[float]] = {"scratch": [], "torch": []}
    peaks: dict[str, list[float | None]] = {"scratch": [], "torch": []}
    trained: dict[str, Any] = {}
    gemm_rates: list[float] = []
    # Interleaved, so that both sides, and the GEMM rate they are measured against, see the same
    # (shared, noisy) machine.
    for _ in range(repeats):
        for name, make in (("scratch", scratch_epoch), ("torch", torch_epoch)):
            seconds, peak, trained[name] = timed(make(params, X, Y, "gd", SGD_LR))
            times[name].append(seconds)
            peaks[name].append(peak)
        gemm_rates.append(gemm_rate(H, repeats=5))
    for name in ("scratch", "torch"):
        out[name] = {
            "epoch_seconds": statistics.median(times[name]),
            "all_seconds": times[name],
            "peak_mib": None if None in peaks[name] else max(p or 0.0 for p in peaks[name]),
        }
    W1_scratch, W1_torch = trained["scratch"]["W1"], trained["torch"][0].weight.detach().numpy()
    # Same start, same batches: the two epochs end close (float32 rounding apart).
    out["max_abs_W1_difference"] = float(np.max(np.abs(W1_scratch - W1_torch)))
    # The median of the ratios of epochs run back to back: steadier than a ratio of medians on a
    # machine whose speed drifts during the run.
    out["ratio"] = statistics.median(
        s / t for s, t in zip(times["scratch"], times["torch"], strict=True)
    )
    flops = epoch_flops(784, H, 10, X.shape[1])
    out["gemm_gflops"] = statistics.median(gemm_rates)
    out["all_gemm_gflops"] = gemm_rates
    for name in ("scratch", "torch"):
        out[name]["gflops"] = flops / out[name]["epoch_seconds"] / 1e9
        # Each epoch against the GEMM rate measured right after it, then the median.
        out[name]["share_of_gemm"] = statistics.median(
            flops / seconds / 1e9 / rate
            for seconds, rate in zip(times[name], gemm_rates, strict=True)
        )
    return out


def time_to_accuracy(data: Data, max_epochs: int) -> dict[str, Any]:
    """Adam, 784-1024-10: training seconds until the test accuracy reaches 98%, for each side.

    The sides train in turn, epoch by epoch (scratch's first, torch's first, scratch's second,
    ...), so that the shared machine's changes of speed during the run weigh on both alike."""
    X, Y, X_test, y_test = data
    assert X_test is not None and y_test is not None
    params = init_parameters([784, 1024, 10], "he", SEED, dtype=np.float32)
    X_test_rows = torch.from_numpy(np.ascontiguousarray(X_test.T))
    p: Any = params
    opt = make_optimizer("adam")
    net = torch_net(params)
    torch_opt = torch.optim.Adam(net.parameters(), lr=ADAM_LR)

    def scratch_train(seed: int) -> None:
        nonlocal p
        for X_batch, Y_batch in random_mini_batches(X, Y, BATCH, seed):
            p = scratch_step(p, X_batch, Y_batch, opt, ADAM_LR)

    def torch_train(seed: int) -> None:
        X_rows = torch.from_numpy(np.ascontiguousarray(X.T))
        y = torch.from_numpy(np.argmax(Y, axis=0))
        permutation = torch.from_numpy(np.random.default_rng(seed).permutation(len(y)))
        for k in range(0, len(y), BATCH):
            index = permutation[k : k + BATCH]
            loss = torch.nn.functional.cross_entropy(net(X_rows[index]), y[index])
            torch_opt.zero_grad(set_to_none=True)
            loss.backward()  # type: ignore[no-untyped-call]
            torch_opt.step()

    def scratch_accuracy() -> float:
        return float(np.mean(predict(X_test, p) == y_test))

    def torch_accuracy() -> float:
        with torch.no_grad():
            guess = net(X_test_rows).argmax(dim=1).numpy()
        return float(np.mean(guess == y_test))

    sides = {"scratch": (scratch_train, scratch_accuracy), "torch": (torch_train, torch_accuracy)}
    clock = dict.fromkeys(sides, 0.0)
    accuracies: dict[str, list[float]] = {name: [] for name in sides}
    for epoch in range(max_epochs):
        seed = SEED + epoch  # a new shuffle each epoch, the same for both sides
        for name, (train, accuracy) in sides.items():
            if accuracies[name] and accuracies[name][-1] >= TARGET_ACCURACY:
                continue  # this side is there already
            start = time.perf_counter()
            train(seed)
            clock[name] += time.perf_counter() - start
            accuracies[name].append(accuracy())  # off the clock
    out: dict[str, Any] = {}
    for name in sides:
        reached = accuracies[name][-1] >= TARGET_ACCURACY
        out[name] = {
            "seconds": clock[name] if reached else None,
            "epochs": len(accuracies[name]),
            "test_accuracy_per_epoch": accuracies[name],
        }
    if out["scratch"]["seconds"] and out["torch"]["seconds"]:
        out["ratio"] = out["scratch"]["seconds"] / out["torch"]["seconds"]
    return out


# --- Output --------------------------------------------------------------------------------------


def table(results: dict[str, Any]) -> str:
    """The figures as a markdown table."""
    lines = [
        f"Data: {results['data']}; {results['threads']} threads; batch {BATCH}, float32, SGD "
        f"(lr {SGD_LR}); medians of {results['repeats']} epochs of 60,000 examples, scratch's "
        "and torch's run in turn (scratch / torch: the median of the ratios of those pairs).",
        "",
        "| network | scratch s/epoch | torch s/epoch | scratch / torch | scratch GFLOP/s "
        "| torch GFLOP/s | NumPy GEMM GFLOP/s | scratch % of GEMM | scratch peak MiB "
        "| torch peak MiB |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in results["epoch"]:
        s, t = row["scratch"], row["torch"]
        mib = "{:.0f}".format
        lines.append(
            f"| 784-{row['hidden']}-10 | {s['epoch_seconds']:.2f} | {t['epoch_seconds']:.2f} | "
            f"**{row['ratio']:.2f}** | {s['gflops']:.1f} | {t['gflops']:.1f} | "
            f"{row['gemm_gflops']:.1f} | **{100 * s['share_of_gemm']:.0f}%** | "
            f"{mib(s['peak_mib']) if s['peak_mib'] is not None else 'n/a'} | "
            f"{mib(t['peak_mib']) if t['peak_mib'] is not None else 'n/a'} |"
        )
    tta = results.get("time_to_98")
    lines.append("")
    if tta is None:
        lines.append(f"Time to 98% test accuracy: not measured ({results['time_to_98_note']}).")
    else:
        lines += [
            "Time to 98% MNIST test accuracy (784-1024-10, Adam, lr 1e-3, batch 128; training "
            "time, test evaluations off the clock):",
            "",
            "| | scratch | torch | scratch / torch |",
            "|---|---|---|---|",
        ]
        s, t = tta["scratch"], tta["torch"]

        def cell(side: dict[str, Any]) -> str:
            if side["seconds"] is None:
                return f"not reached in {side['epochs']} epochs"
            return f"{side['seconds']:.1f} s ({side['epochs']} epochs)"

        ratio = f"**{tta['ratio']:.2f}**" if "ratio" in tta else "n/a"
        lines.append(f"| time to 98% | {cell(s)} | {cell(t)} | {ratio} |")
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
    ("cost_checked", "cost"),
    ("backward_checked", "backward, both layers"),
    ("softmax_cross_entropy_backward", "  dZ2 = (AL - Y) / m"),
    ("linear_backward", "  layer 2: dA1, dW2, db2"),
    ("relu_backward", "  relu_backward"),
    ("_input_layer_backward", "  layer 1: dW1, db1"),
    ("step", "update (Optimizer.step)"),
    ("surely_finite", "finiteness pre-checks, gradients and parameters"),
)


def profile_epochs(data: Data, H: int = 1024) -> str:
    """One epoch of 784-H-10 with SGD and one with Adam, each after a warm-up epoch, under
    cProfile: the time in each of scratch's functions of the step, as a markdown table."""
    import cProfile
    import pstats

    X, Y = data[0], data[1]
    params = init_parameters([784, H, 10], "he", SEED, dtype=np.float32)
    columns: dict[str, dict[str, float]] = {}
    for optimizer, lr in (("gd", SGD_LR), ("adam", ADAM_LR)):
        scratch_epoch(params, X, Y, optimizer, lr)()  # warm-up: caches, page faults
        run = scratch_epoch(params, X, Y, optimizer, lr)
        profiler = cProfile.Profile()
        start = time.perf_counter()
        profiler.runcall(run)
        seconds = {"epoch (profiled)": time.perf_counter() - start}
        stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
        for (path, _, name), (_, _, _, cumulative, _) in stats.items():
            if "scratch" in Path(path).parts:
                seconds[name] = seconds.get(name, 0.0) + cumulative
        columns[optimizer] = seconds
    lines = [
        f"784-{H}-10, one epoch (469 steps of {BATCH}), cProfile: seconds in each function, "
        "the functions it calls included",
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
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    parser.add_argument("--max-epochs", type=int, default=10, help="for the time to 98%%")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results")
    parser.add_argument(
        "--profile", action="store_true", help="only where scratch's time goes (784-1024-10)"
    )
    args = parser.parse_args(argv)
    if args.profile:
        with threadpool_limits(limits=args.threads, user_api="blas"):
            print(profile_epochs(load_data(args.data_dir)[0]))
        return

    torch.set_num_threads(args.threads)
    with threadpool_limits(limits=args.threads, user_api="blas"):
        data, source = load_data(args.data_dir)
        blas = [f"{i['internal_api']} {i['version']}" for i in threadpool_info()]
        results: dict[str, Any] = {
            "data": source,
            "threads": args.threads,
            "repeats": args.repeats,
            "numpy": np.__version__,
            "torch": torch.__version__,
            "blas": blas,
            "python": platform.python_version(),
            "machine": platform.processor() or platform.machine(),
            "epoch": [compare_epoch(data, H, args.repeats) for H in SIZES],
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
