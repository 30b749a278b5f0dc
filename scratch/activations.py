"""Activation functions and their backward passes.

Column-major throughout: ``Z`` and ``A`` are ``(n, m)``, one column per example.
Every backward takes the upstream gradient ``dA`` (the gradient of the cost with respect to
this function's output) and returns ``dZ`` (the gradient with respect to its input), both of the
shape of ``Z``. No function changes its arguments, and float32 in gives float32 out.
"""

from __future__ import annotations

import numpy as np

from scratch._types import Array


def relu(Z: Array) -> Array:
    """``A = max(0, Z)``.  ``Z: (n, m) -> A: (n, m)``."""
    return np.maximum(Z, 0)


def relu_backward(dA: Array, Z: Array) -> Array:
    """``dZ = dA * 1[Z > 0]``.  ``dA, Z: (n, m) -> dZ: (n, m)``.

    At the kink ``Z == 0`` the derivative is taken to be 0, as torch does.
    """
    return dA * (Z > 0)


def leaky_relu(Z: Array, alpha: float = 0.01) -> Array:
    """``A = Z if Z > 0 else alpha * Z``.  ``Z: (n, m) -> A: (n, m)``."""
    return np.where(Z > 0, Z, alpha * Z)


def leaky_relu_backward(dA: Array, Z: Array, alpha: float = 0.01) -> Array:
    """``dZ = dA * (1 if Z > 0 else alpha)``.  ``dA, Z: (n, m) -> dZ: (n, m)``.

    At the kink ``Z == 0`` the derivative is taken to be ``alpha``, as torch does.
    """
    return np.where(Z > 0, dA, alpha * dA)


def sigmoid(Z: Array) -> Array:
    """``A = 1 / (1 + exp(-Z))``.  ``Z: (n, m) -> A: (n, m)``.

    Computed from ``e = exp(-|Z|)``, which never overflows: ``1 / (1 + e)`` for ``Z >= 0`` and
    ``e / (1 + e)`` for ``Z < 0`` (the same value, rearranged).
    """
    e = np.exp(-np.abs(Z))
    return np.where(Z >= 0, 1 / (1 + e), e / (1 + e))


def sigmoid_backward(dA: Array, Z: Array) -> Array:
    """``dZ = dA * s * (1 - s)`` with ``s = sigmoid(Z)``.  ``dA, Z: (n, m) -> dZ: (n, m)``."""
    s = sigmoid(Z)
    return dA * s * (1 - s)


def tanh(Z: Array) -> Array:
    """``A = tanh(Z)``.  ``Z: (n, m) -> A: (n, m)``."""
    return np.tanh(Z)


def tanh_backward(dA: Array, Z: Array) -> Array:
    """``dZ = dA * (1 - tanh(Z)**2)``.  ``dA, Z: (n, m) -> dZ: (n, m)``."""
    t = np.tanh(Z)
    return dA * (1 - t * t)


def softmax(Z: Array) -> Array:
    """``A[i, j] = exp(Z[i, j]) / sum_k exp(Z[k, j])``, over the classes of each column.

    ``Z: (C, m) -> A: (C, m)``, each column sums to 1. The column's maximum is subtracted first:
    softmax does not change when a constant is added to a column, and ``exp`` of a number
    ``<= 0`` cannot overflow.
    """
    E = np.exp(Z - Z.max(axis=0, keepdims=True))
    E /= E.sum(axis=0, keepdims=True)  # in place over the new exponentials: one array fewer
    return E


def softmax_backward(dA: Array, Z: Array) -> Array:
    """``dZ = s * (dA - sum_k s[k] * dA[k])`` per column, with ``s = softmax(Z)``.

    ``dA, Z: (C, m) -> dZ: (C, m)``. This is the full Jacobian-vector product, not the diagonal
    ``s * (1 - s)`` alone.
    """
    # Derivation, for one column: the Jacobian is J[i, k] = dA_i/dZ_k = s_i (1[i == k] - s_k).
    # It is symmetric, so dZ_k = sum_i dA_i J[i, k] = s_k dA_k - s_k sum_i dA_i s_i
    #                         = s_k (dA_k - <dA, s>).
    # The C x C Jacobian is never built: one weighted sum per column is enough.
    s = softmax(Z)
    return s * (dA - (s * dA).sum(axis=0, keepdims=True))
