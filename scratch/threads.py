"""How many threads a training run's matrix products get (NumPy's BLAS, set with threadpoolctl).

Two threads halve a large product's time, but a small one is over before a second thread has
started working, and on a machine whose cores are busy with other work the two threads wait for
each other at every product: measured on the digits default (64-256-128-10, batch 32), 3.7 s on
a quiet machine with either one or two threads, 8.7 s with two beside one busy process, 3.8 s with
one. So a network whose largest product of a step is small runs on one thread
(``threads_for``), and ``python -m scratch train --threads N`` (or ``OPENBLAS_NUM_THREADS``)
sets the number by hand.
"""

from __future__ import annotations

import contextlib
import itertools
import os
from collections.abc import Iterator, Sequence

from threadpoolctl import threadpool_limits

#: Below this many multiply-adds in a step's largest product (``batch * n_l * n_{l-1}``), one
#: thread: the digits default's largest is 1.0 million, MNIST's default (784-256-10, batch 128)
#: 26 million, where two threads measurably help (``benchmarks/threads.py``).
SMALL_PRODUCT = 4_000_000
#: The environment variables that set BLAS threads by hand, which ``threads_for`` leaves alone.
BY_HAND = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def largest_product(layer_dims: Sequence[int], batch_size: int) -> int:
    """The multiply-adds of a step's largest matrix product, ``batch * n_l * n_{l-1}``."""
    return max(batch_size * n * n_prev for n_prev, n in itertools.pairwise(layer_dims))


def threads_for(layer_dims: Sequence[int], batch_size: int) -> int | None:
    """1 for a network whose products are small (``SMALL_PRODUCT``), else ``None`` (BLAS's own
    default: every core), and ``None`` too when the environment sets the threads (``BY_HAND``)."""
    if any(os.environ.get(name) for name in BY_HAND):
        return None
    return 1 if largest_product(layer_dims, batch_size) < SMALL_PRODUCT else None


@contextlib.contextmanager
def blas_threads(threads: int | None) -> Iterator[None]:
    """Within the block, NumPy's BLAS runs on ``threads`` threads (``None``: as it is)."""
    if threads is None:
        yield
        return
    with threadpool_limits(limits=threads, user_api="blas"):
        yield
