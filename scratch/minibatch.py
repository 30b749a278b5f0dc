"""Shuffled mini-batches of the training set."""

from __future__ import annotations

import numpy as np

from scratch import validate
from scratch._types import Array


def random_mini_batches(
    X: Array, Y: Array, batch_size: int = 64, seed: int = 0
) -> list[tuple[Array, Array]]:
    """The columns of ``X: (n_0, m)`` and ``Y: (n_L, m)`` shuffled together, cut into batches.

    Returns ``[(X_batch, Y_batch), ...]``: ``ceil(m / batch_size)`` batches of ``batch_size``
    columns, the last one smaller when ``batch_size`` does not divide ``m``. Every example is in
    exactly one batch. The order depends only on ``seed`` (and ``m``): the same seed gives the
    same batches.
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
    m = X.shape[1]
    permutation = np.random.default_rng(seed).permutation(m)
    X_shuffled, Y_shuffled = _columns(X, permutation), _columns(Y, permutation)
    return [
        (X_shuffled[:, k : k + batch_size], Y_shuffled[:, k : k + batch_size])
        for k in range(0, m, batch_size)
    ]


def _columns(A: Array, permutation: Array) -> Array:
    """``A[:, permutation]``, by the fastest route for ``A``'s memory layout (the same values)."""
    if A.flags.f_contiguous:
        # Each column is contiguous (model() stores X so): whole columns are copied, and every
        # mini-batch cut from the result is one contiguous block.
        return A[:, permutation]
    # Row-major: np.take gathers the same columns several times faster than fancy indexing.
    return np.take(A, permutation, axis=1)
