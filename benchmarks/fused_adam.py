"""What a fused Adam update would give: scratch's NumPy Adam against one fused kernel and torch's.

    pip install numexpr && python benchmarks/fused_adam.py [--rounds N] [--threads T]

The update of one step of 784-1024-10 (``W1`` 1024 x 784, ``b1``, ``W2``, ``b2``, float32), 469
times (an epoch of MNIST at batch 128), three ways, in turn after an idle pause, the load measured
as in ``bench.py``:

* ``scratch, in place``: ``Adam.step(..., in_place=True)`` as ``model()`` calls it: 7 passes, the
  moving averages and the step each one OpenBLAS ``axpby`` on every thread, the rest NumPy;
* ``scratch, new arrays``: ``Adam.step(..., overwrite_grads=True)``, the per-step API's and
  ``model()``'s before: NumPy, 13 passes over memory, on one core;
* ``numexpr``: the same formula, ``v = b1 v + (1 - b1) g``, ``s = b2 s + (1 - b2) g^2``,
  ``p = p - lr * (v / c1) / (sqrt(s / c2) + eps)``, as three numexpr expressions written in place:
  each one pass over memory, on every BLAS thread's core;
* ``torch``: ``torch.optim.Adam.step`` on tensors of the same shapes (what the time-to-98% run's
  other side pays).

It does not change scratch: it measures what moving Adam's arithmetic into a fused kernel would
give, so that the choice (``benchmarks/RESULTS.md``) rests on figures.
"""

from __future__ import annotations

import argparse
import statistics
from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from bench import Chunk, measure

from scratch.optimizers import Adam

STEPS = 469
SHAPES = {"W1": (1024, 784), "b1": (1024, 1), "W2": (10, 1024), "b2": (10, 1)}
LR, BETA1, BETA2, EPS = 1e-3, 0.9, 0.999, 1e-8
Array = np.ndarray[Any, Any]


def gradients(rng: np.random.Generator) -> dict[str, Array]:
    return {f"d{k}": 1e-3 * rng.standard_normal(s, dtype=np.float32) for k, s in SHAPES.items()}


def scratch_side(rng: np.random.Generator, in_place: bool = True) -> Callable[[], None]:
    params = {k: rng.standard_normal(s, dtype=np.float32) for k, s in SHAPES.items()}
    grads = gradients(rng)
    opt = Adam(BETA1, BETA2, EPS)

    def run() -> None:
        p = params
        for _ in range(STEPS):
            # The gradients are new arrays at every step of model(): copy, so that overwriting
            # them is fair (the copy is timed too: one pass more than the update itself).
            given = {k: g.copy() for k, g in grads.items()}
            p = opt.step(p, given, LR, overwrite_grads=True, in_place=in_place)

    return run


def new_arrays_side(rng: np.random.Generator) -> Callable[[], None]:
    return scratch_side(rng, in_place=False)


def numexpr_side(rng: np.random.Generator) -> Callable[[], None]:
    import numexpr

    params = {k: rng.standard_normal(s, dtype=np.float32) for k, s in SHAPES.items()}
    grads = gradients(rng)
    v = {k: np.zeros_like(p) for k, p in params.items()}
    s = {k: np.zeros_like(p) for k, p in params.items()}
    f = np.float32

    def run() -> None:
        for t in range(1, STEPS + 1):
            c1, c2 = f(1 - BETA1**t), f(1 - BETA2**t)
            for k, p in params.items():
                g = grads[f"d{k}"].copy()  # as above
                numexpr.evaluate("b1 * v + (1 - b1) * g", out=v[k], casting="same_kind",
                                 local_dict={"b1": f(BETA1), "v": v[k], "g": g})  # fmt: skip
                numexpr.evaluate("b2 * s + (1 - b2) * g * g", out=s[k], casting="same_kind",
                                 local_dict={"b2": f(BETA2), "s": s[k], "g": g})  # fmt: skip
                numexpr.evaluate(
                    "p - lr * (v / c1) / (sqrt(s / c2) + eps)", out=p, casting="same_kind",
                    local_dict={"p": p, "lr": f(LR), "v": v[k], "c1": c1, "s": s[k], "c2": c2,
                                "eps": f(EPS)},
                )  # fmt: skip

    return run


def torch_side(rng: np.random.Generator) -> Callable[[], None]:
    params = [
        torch.nn.Parameter(torch.from_numpy(rng.standard_normal(s, dtype=np.float32)))
        for s in SHAPES.values()
    ]
    grads = [torch.from_numpy(g) for g in gradients(rng).values()]
    opt = torch.optim.Adam(params, lr=LR, betas=(BETA1, BETA2), eps=EPS)

    def run() -> None:
        for _ in range(STEPS):
            for p, g in zip(params, grads, strict=True):
                p.grad = g.clone()  # a new gradient each step, as backward() makes it
            opt.step()

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    import numexpr
    from threadpoolctl import threadpool_limits

    torch.set_num_threads(args.threads)
    numexpr.set_num_threads(args.threads)
    makers = {
        "scratch, in place (model())": scratch_side,
        "scratch, new arrays": new_arrays_side,
        "numexpr": numexpr_side,
        "torch": torch_side,
    }
    sides = {name: make(np.random.default_rng(0)) for name, make in makers.items()}
    with threadpool_limits(args.threads, user_api="blas"):
        for run in sides.values():
            run()  # warm-up
        chunks: dict[str, list[Chunk]] = {name: [] for name in sides}
        names = list(sides)
        for r in range(args.rounds):
            for name in names[r % len(names) :] + names[: r % len(names)]:
                chunks[name].append(measure(sides[name]))
    print(f"Adam's update of 784-1024-10, {STEPS} steps (an epoch), {args.threads} threads:")
    print("| | s/epoch (median) | range | / torch | most cores taken by others |")
    print("|---|---|---|---|---|")
    torch_median = statistics.median(c.seconds for c in chunks["torch"])
    for name, runs in chunks.items():
        seconds = [c.seconds for c in runs]
        taken = max((c.neighbours for c in runs if c.neighbours is not None), default=None)
        print(
            f"| {name} | {statistics.median(seconds):.3f} | {min(seconds):.3f}-"
            f"{max(seconds):.3f} | {statistics.median(seconds) / torch_median:.2f} | "
            f"{'n/a' if taken is None else f'{taken:.2f}'} |"
        )


if __name__ == "__main__":
    main()
