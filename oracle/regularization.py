"""The oracle's L2 penalty and inverted dropout (with a given mask)."""

from __future__ import annotations

from collections.abc import Sequence

from oracle import functional as T
from oracle._autograd import Array, to_numpy, to_torch, vjp


def l2_penalty(weights: Sequence[Array], lambd: float, m: int) -> Array:
    return to_numpy(T.l2_penalty([to_torch(W) for W in weights], lambd, m))


def l2_penalty_backward(W: Array, lambd: float, m: int) -> Array:
    return vjp(lambda W: T.l2_penalty([W], lambd, m), [W], [0])[0]


def dropout_forward(A: Array, keep_prob: float, mask: Array) -> Array:
    """Inverted dropout with the mask the implementation drew (the oracle cannot share its RNG)."""
    return to_numpy(T.dropout(to_torch(A), to_torch(mask), keep_prob))


def dropout_backward(dA: Array, mask: Array, keep_prob: float) -> Array:
    # Dropout is linear in A, so its gradient is the same wherever it is taken: dA serves as A.
    return vjp(lambda A: T.dropout(A, to_torch(mask), keep_prob), [dA], [0], dA)[0]
