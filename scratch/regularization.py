"""Regularisation: the L2 penalty and inverted dropout."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from scratch._types import Array, Generator


def l2_penalty(weights: Iterable[Array], lambd: float, m: int) -> Array:
    """``lambd / (2 m) * sum_l ||W[l]||_F**2``, added to the cost.

    ``weights``: the weight matrices ``W[l]`` (biases are not penalised); ``m``: the number of
    examples the cost averages over. Returns a 0-d float array.
    """
    total = sum(np.sum(W * W) for W in weights)
    return np.asarray(lambd / (2 * m) * total)


def l2_penalty_backward(W: Array, lambd: float, m: int) -> Array:
    """``dW = (lambd / m) * W``: what the penalty adds to one layer's ``dW``.

    ``W: (n_l, n_{l-1}) -> dW: (n_l, n_{l-1})``. The 2 of the square cancels the ``1/2``.
    """
    return (lambd / m) * W


def _check_keep_prob(keep_prob: float) -> None:
    if not 0 < keep_prob <= 1:
        raise ValueError(f"keep_prob must be in (0, 1], got {keep_prob!r}")


def dropout_forward(A: Array, keep_prob: float, rng: Generator) -> tuple[Array, Array]:
    """Inverted dropout: ``A_out = A * mask / keep_prob``, ``mask[i, j] = 1`` with probability
    ``keep_prob``.

    ``A: (n, m) -> A_out: (n, m), mask: (n, m)`` of booleans. Dividing by ``keep_prob`` keeps the
    expectation: ``E[A_out] = A``, so nothing changes at prediction time.
    """
    _check_keep_prob(keep_prob)
    mask = rng.random(A.shape) < keep_prob
    return A * mask / keep_prob, mask


def dropout_backward(dA: Array, mask: Array, keep_prob: float) -> Array:
    """``dA_in = dA * mask / keep_prob``: the same mask and scale as the forward.

    ``dA, mask: (n, m) -> dA_in: (n, m)``.
    """
    _check_keep_prob(keep_prob)
    return dA * mask / keep_prob
