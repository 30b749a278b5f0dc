"""Hypothesis strategies for the contract's inputs: shapes, and arrays bounded to each domain.

Small arrays are drawn element by element, so hypothesis can shrink a failure to a readable
example; large ones (up to ``m = 2048``) are filled from a NumPy generator seeded by hypothesis,
since drawing thousands of elements one by one is slow and shrinks no better. Every array is
float64 and read-only: a function that writes to its input fails loudly.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

Array = Any

#: Above this many elements an array is filled from a seeded generator instead of element-wise.
ELEMENTWISE_LIMIT = 256


def read_only(x: Array) -> Array:
    """``x``, marked read-only."""
    x = np.asarray(x)
    x.flags.writeable = False
    return x


@st.composite
def dims(
    draw: st.DrawFn, max_n: int = 6, max_m: int = 12, large_m: int = 2048, large: bool = True
) -> tuple[int, int]:
    """``(n, m)`` from ``(1, 1)`` up; one draw in eight has a large batch, up to ``large_m``.

    ``large=False`` keeps to small batches: finite differences take two calls per element.
    """
    n = draw(st.integers(1, max_n))
    if large and draw(st.integers(0, 7)) == 0:
        return n, draw(st.integers(max_m + 1, large_m))
    return n, draw(st.integers(1, max_m))


@st.composite
def arrays(
    draw: st.DrawFn,
    shape: tuple[int, ...],
    low: float = -10.0,
    high: float = 10.0,
    away_from: float | None = None,
    tiny: float = 0.0,
) -> Array:
    """A read-only float64 array of ``shape`` with elements in ``[low, high]``.

    ``away_from=d`` keeps every element at least ``d`` away from 0 (off relu's kink), keeping the
    sign: elements are then in ``[-high, -d] U [d, high]`` (``low`` is ignored).
    ``tiny=t`` turns elements smaller than ``t`` in size into exact zeros: a finite-difference step
    of 1e-6 cannot resolve a gradient of 1e-130, so such inputs only test the step's rounding.
    """
    if tiny:
        values = draw(arrays(shape, low, high, away_from))
        return read_only(np.where(np.abs(values) < tiny, 0.0, values))
    size = int(np.prod(shape))
    if away_from is not None:
        magnitude = draw(arrays(shape, away_from, high))
        sign = np.where(draw(arrays(shape, -1.0, 1.0)) < 0, -1.0, 1.0)
        return read_only(sign * magnitude)
    if size <= ELEMENTWISE_LIMIT:
        elements = st.floats(
            low, high, allow_nan=False, allow_infinity=False, allow_subnormal=False
        )
        return read_only(draw(hnp.arrays(np.float64, shape, elements=elements)))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    return read_only(rng.uniform(low, high, size=shape))


@st.composite
def one_hot(draw: st.DrawFn, C: int, m: int) -> Array:
    """A read-only one-hot ``(C, m)`` label matrix."""
    if C * m <= ELEMENTWISE_LIMIT:
        labels = draw(hnp.arrays(np.int64, (m,), elements=st.integers(0, C - 1)))
    else:
        labels = np.random.default_rng(draw(st.integers(0, 2**32 - 1))).integers(0, C, size=m)
    return read_only(np.eye(C)[:, labels])


@st.composite
def binary_labels(draw: st.DrawFn, shape: tuple[int, int]) -> Array:
    """A read-only 0/1 label matrix of ``shape``."""
    return read_only((draw(arrays(shape, 0.0, 1.0)) >= 0.5).astype(np.float64))


def upstream(shape: tuple[int, ...]) -> st.SearchStrategy[Array]:
    """An upstream gradient ``dA``: drawn, of both signs, never fixed to ones."""
    return arrays(shape, -2.0, 2.0)


def probabilities(shape: tuple[int, ...], margin: float = 1e-3) -> st.SearchStrategy[Array]:
    """Predictions ``AL`` strictly inside ``(0, 1)``: ``[margin, 1 - margin]``."""
    return arrays(shape, margin, 1.0 - margin)


# torch blends the averages with lerp(avg, g, 1 - beta), which rounds 1 - beta: a tiny beta then
# acts as beta * (1 + eps / beta). Betas in practice are 0 or well above eps, so those are drawn.
betas = st.one_of(st.just(0.0), st.floats(0.1, 0.999))
learning_rates = st.floats(1e-4, 1.0)
epsilons = st.sampled_from([1e-8, 1e-6, 1e-3])
