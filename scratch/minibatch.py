"""Shuffled mini-batches of the training set."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import overload

import numpy as np

from scratch import validate
from scratch._types import Array


def random_mini_batches(
    X: Array, Y: Array, batch_size: int = 64, seed: int = 0
) -> Sequence[tuple[Array, Array]]:
    """The columns of ``X: (n_0, m)`` and ``Y: (n_L, m)`` shuffled together, cut into batches.

    Returns ``[(X_batch, Y_batch), ...]``: ``ceil(m / batch_size)`` batches of ``batch_size``
    columns, the last one smaller when ``batch_size`` does not divide ``m``. Every example is in
    exactly one batch. The order depends only on ``seed`` (and ``m``): the same seed gives the
    same batches.

    The result is a sequence (``len``, indexing, slicing, iteration) whose batches are gathered
    from ``X`` and ``Y`` when they are asked for, each time into new arrays: an epoch holds one
    mini-batch at a time instead of a shuffled copy of the whole training set.
    """
    X = validate.real_array("random_mini_batches", "X", X)
    Y = validate.real_array("random_mini_batches", "Y", Y)
    if X.ndim != 2 or Y.ndim != 2 or X.shape[1] != Y.shape[1]:
        guess = ""
        if X.ndim == 2 and Y.ndim == 2 and X.shape[0] == Y.shape[1]:
            guess = ": X is (m, n); did you mean X.T?"
        raise ValueError(
            f"random_mini_batches: X {X.shape} and Y {Y.shape} must be (n, m) with the same m"
            + guess
        )
    batch_size = validate.integer("random_mini_batches", "batch_size", batch_size, minimum=1)
    permutation = np.random.default_rng(seed).permutation(X.shape[1])
    return _MiniBatches(X, Y, permutation, batch_size)


class _MiniBatches(Sequence[tuple[Array, Array]]):
    """Batch ``k``: the columns ``permutation[k * batch_size : (k + 1) * batch_size]`` of ``X``
    and ``Y``, gathered on access (the same values as slicing a shuffled copy of the set)."""

    def __init__(self, X: Array, Y: Array, permutation: Array, batch_size: int) -> None:
        self._X, self._Y = X, Y
        self._permutation = permutation
        self._batch_size = batch_size

    def __len__(self) -> int:
        return -(-len(self._permutation) // self._batch_size)  # ceil(m / batch_size)

    @overload
    def __getitem__(self, k: int) -> tuple[Array, Array]: ...
    @overload
    def __getitem__(self, k: slice) -> list[tuple[Array, Array]]: ...
    def __getitem__(self, k: int | slice) -> tuple[Array, Array] | list[tuple[Array, Array]]:
        if isinstance(k, slice):
            return [self[j] for j in range(*k.indices(len(self)))]
        n = len(self)
        if not -n <= k < n:
            raise IndexError(f"mini-batch {k} of {n}")
        start = (k % n) * self._batch_size
        columns = self._permutation[start : start + self._batch_size]
        return _columns(self._X, columns), _columns(self._Y, columns)

    def __iter__(self) -> Iterator[tuple[Array, Array]]:
        return (self[k] for k in range(len(self)))


def _columns(A: Array, columns: Array) -> Array:
    """``A[:, columns]``, by the fastest route for ``A``'s memory layout (the same values)."""
    if A.flags.f_contiguous:
        # Each column is contiguous (model() stores X so): whole columns are copied, and the
        # mini-batch is one contiguous block. (np.take along axis 1 is far slower here.)
        return A[:, columns]
    # Row-major: np.take gathers the same columns several times faster than fancy indexing.
    return np.take(A, columns, axis=1)
