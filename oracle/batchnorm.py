"""The oracle's training-mode batch norm. The backward takes the forward's inputs, not a cache."""

from __future__ import annotations

from oracle import functional as T
from oracle._autograd import Array, evaluate, vjp


def batchnorm_forward(Z: Array, gamma: Array, beta: Array, eps: float = 1e-5) -> Array:
    return evaluate(T.batchnorm, Z, gamma, beta, eps)


def batchnorm_backward(
    dZ_out: Array, Z: Array, gamma: Array, beta: Array, eps: float = 1e-5
) -> tuple[Array, Array, Array]:
    dZ, dgamma, dbeta = vjp(T.batchnorm, [Z, gamma, beta, eps], [0, 1, 2], dZ_out)
    return dZ, dgamma, dbeta
