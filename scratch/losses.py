"""Loss functions, the cost, and their backward passes.

``AL`` is the last layer's output and ``Y`` the labels, both ``(C, m)`` (``(1, m)`` for binary).
Each loss returns the per-example loss ``(1, m)``; ``cost`` averages it to a scalar.

Every backward here returns the gradient of the **mean** cost, ``cost(loss(AL, Y))``, with respect
to its input: this is the one place where ``1/m`` enters. The backward passes of the layers before
it are then the plain chain rule, with no ``1/m`` of their own.
"""

from __future__ import annotations

import numpy as np

from scratch._types import Array

#: ``log`` of a probability is clamped below at this value, as torch's ``binary_cross_entropy``
#: does: a prediction of exactly 0 costs 100, not ``inf``, and ``0 * log 0`` is 0, not NaN.
LOG_FLOOR = -100.0
#: The smallest ``AL (1 - AL)`` that the binary cross-entropy backward divides by. torch's value is
#: the float32 constant ``1e-12f``, which is this number in float64: with it, the gradient at
#: ``AL`` of exactly 0 or 1 equals torch's to the last bit.
BCE_EPSILON = 9.999999960041972e-13
#: ``e**LOG_FLOOR`` (float64): below it, ``log(AL)`` is clamped and the cross-entropy is flat.
PROB_FLOOR = np.exp(LOG_FLOOR)


def _clamped_log(P: Array) -> Array:
    with np.errstate(divide="ignore"):  # log(0) = -inf, clamped on the next line
        return np.maximum(np.log(P), LOG_FLOOR)


def _clamped_log1m(P: Array) -> Array:
    """``log(1 - P)``, from ``log1p(-P)``: exact for small ``P``, where ``1 - P`` would round."""
    with np.errstate(divide="ignore"):
        return np.maximum(np.log1p(-P), LOG_FLOOR)


def cost(loss: Array) -> Array:
    """``J = (1/m) * sum_j loss[0, j]``: the mean of the per-example losses ``(1, m)``.

    Returns a 0-d float array of the loss's dtype.
    """
    return np.asarray(np.mean(loss))


def cross_entropy(AL: Array, Y: Array) -> Array:
    """``loss[j] = -sum_c Y[c, j] * log(AL[c, j])``, the multi-class cross-entropy.

    ``AL, Y: (C, m) -> loss: (1, m)``. ``log`` is clamped below at ``LOG_FLOOR``.
    """
    return -(Y * _clamped_log(AL)).sum(axis=0, keepdims=True)


def cross_entropy_backward(AL: Array, Y: Array) -> Array:
    """``dAL = -Y / (m * AL)``: the gradient of ``cost(cross_entropy(AL, Y))``.

    ``AL, Y: (C, m) -> dAL: (C, m)``. Where ``log(AL)`` is clamped (``AL < e**-100``) the forward is
    flat, so the gradient there is 0.
    """
    m = AL.shape[1]
    # Compared on AL, not on log(AL): in float32 the log of the smallest normal number is only
    # -87, so a floor of tiny(dtype) under the log would leave AL = 0 unclamped (and -Y / 0).
    unclamped = AL >= PROB_FLOOR
    safe_AL = np.where(unclamped, AL, 1)
    return np.where(unclamped, -Y / safe_AL, 0) / m


def softmax_cross_entropy_backward(AL: Array, Y: Array) -> Array:
    """``dZL = (AL - Y) / m`` for ``AL = softmax(ZL)``: softmax and cross-entropy fused.

    ``AL, Y: (C, m) -> dZL: (C, m)``. ``Y`` must be one-hot (each column sums to 1).
    """
    # Derivation: with dAL_i = -Y_i / (m AL_i) and the softmax Jacobian-vector product
    # dZ_k = AL_k (dAL_k - sum_i AL_i dAL_i), the sum is -sum_i Y_i / m = -1/m, so
    # dZ_k = AL_k * (-Y_k / (m AL_k)) + AL_k / m = (AL_k - Y_k) / m. No division by AL is left,
    # which is why the fused form stays finite when a probability underflows to 0.
    return (AL - Y) / AL.shape[1]


def binary_cross_entropy(AL: Array, Y: Array) -> Array:
    """``loss[j] = -sum_c (Y log AL + (1 - Y) log(1 - AL))``, the binary cross-entropy.

    ``AL, Y: (1, m) -> loss: (1, m)`` (several rows are independent binary labels, summed).
    ``log`` is clamped below at ``LOG_FLOOR``, as in torch, so ``AL`` of exactly 0 or 1 is finite.
    """
    return -(Y * _clamped_log(AL) + (1 - Y) * _clamped_log1m(AL)).sum(axis=0, keepdims=True)


def binary_cross_entropy_backward(AL: Array, Y: Array) -> Array:
    """``dAL = (AL - Y) / (m * AL * (1 - AL))``, the gradient of ``cost(binary_cross_entropy)``.

    ``AL, Y: (1, m) -> dAL: (1, m)``. This equals the course's ``-(Y/AL - (1-Y)/(1-AL)) / m``,
    put over one denominator, which is floored at ``BCE_EPSILON`` as torch does, so that
    ``AL`` of exactly 0 or 1 gives a large finite gradient instead of ``inf`` or NaN.
    """
    m = AL.shape[1]
    return (AL - Y) / np.maximum(AL * (1 - AL), BCE_EPSILON) / m


def mse(AL: Array, Y: Array) -> Array:
    """``loss[j] = sum_c (AL[c, j] - Y[c, j])**2``, the squared error of each example.

    ``AL, Y: (n, m) -> loss: (1, m)``. For one output (``n = 1``), ``cost(mse(AL, Y))`` is torch's
    ``mse_loss`` with its default mean reduction.
    """
    return ((AL - Y) ** 2).sum(axis=0, keepdims=True)


def mse_backward(AL: Array, Y: Array) -> Array:
    """``dAL = 2 (AL - Y) / m``, the gradient of ``cost(mse(AL, Y))``.  ``(n, m) -> (n, m)``."""
    return 2 * (AL - Y) / AL.shape[1]
