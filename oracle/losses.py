"""The oracle's losses and cost. Each backward is autograd's gradient of the mean cost."""

from __future__ import annotations

import numpy as np

from oracle import functional as T
from oracle._autograd import Array, evaluate, vjp


def cost(loss: Array) -> Array:
    return evaluate(T.cost, loss)


def cross_entropy(AL: Array, Y: Array) -> Array:
    return evaluate(T.cross_entropy, AL, Y)


def cross_entropy_backward(AL: Array, Y: Array) -> Array:
    return vjp(lambda AL, Y: T.cost(T.cross_entropy(AL, Y)), [AL, Y], [0])[0]


def softmax_cross_entropy_backward(AL: Array, Y: Array) -> Array:
    """autograd's gradient of the mean of torch's ``F.cross_entropy`` with respect to the logits.

    The fused backward sees only ``AL = softmax(ZL)``. Softmax does not change when a constant is
    added to a column, so ``ZL = log(AL)`` is a set of logits that gives the same ``AL``; the
    smallest positive float stands in for a probability that underflowed to 0.
    """
    ZL = np.log(np.maximum(AL, np.finfo(AL.dtype).tiny))
    return vjp(lambda Z, Y: T.cost(T.softmax_cross_entropy(Z, Y)), [ZL, Y], [0])[0]


def binary_cross_entropy(AL: Array, Y: Array) -> Array:
    return evaluate(T.binary_cross_entropy, AL, Y)


def binary_cross_entropy_backward(AL: Array, Y: Array) -> Array:
    return vjp(lambda AL, Y: T.cost(T.binary_cross_entropy(AL, Y)), [AL, Y], [0])[0]


def mse(AL: Array, Y: Array) -> Array:
    return evaluate(T.mse, AL, Y)


def mse_backward(AL: Array, Y: Array) -> Array:
    return vjp(lambda AL, Y: T.cost(T.mse(AL, Y)), [AL, Y], [0])[0]
