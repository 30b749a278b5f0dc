"""The oracle's linear part and whole layer.

Unlike ``scratch``, nothing here returns a cache: the backward passes take the forward's inputs
again, since autograd recomputes what it needs.
"""

from __future__ import annotations

import numpy as np

from oracle import functional as T
from oracle._autograd import Array, evaluate, vjp


def linear_forward(A_prev: Array, W: Array, b: Array) -> Array:
    return evaluate(T.linear, A_prev, W, b)


def linear_backward(dZ: Array, A_prev: Array, W: Array) -> tuple[Array, Array, Array]:
    """``dA_prev, dW, db``; ``b``'s value does not change any gradient, so zeros stand in."""
    b = np.zeros((W.shape[0], 1), dtype=W.dtype)
    dA_prev, dW, db = vjp(T.linear, [A_prev, W, b], [0, 1, 2], dZ)
    return dA_prev, dW, db


def layer_forward(A_prev: Array, W: Array, b: Array, activation: str) -> Array:
    return evaluate(T.layer, A_prev, W, b, activation)


def layer_backward(
    dA: Array, A_prev: Array, W: Array, b: Array, activation: str
) -> tuple[Array, Array, Array]:
    dA_prev, dW, db = vjp(T.layer, [A_prev, W, b, activation], [0, 1, 2], dA)
    return dA_prev, dW, db
