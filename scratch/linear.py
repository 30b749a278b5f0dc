"""The linear part of a layer, and a whole layer (linear, then an activation).

``A_prev: (n_{l-1}, m)``, ``W: (n_l, n_{l-1})``, ``b: (n_l, 1)``, ``Z, A: (n_l, m)``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from scratch import activations as act
from scratch._types import Array


def linear_forward(A_prev: Array, W: Array, b: Array) -> Array:
    """``Z = W @ A_prev + b`` (``b`` broadcast over the ``m`` columns).

    ``A_prev: (n_{l-1}, m), W: (n_l, n_{l-1}), b: (n_l, 1) -> Z: (n_l, m)``.
    """
    if W.shape[1] != A_prev.shape[0] or b.shape != (W.shape[0], 1):
        raise ValueError(
            f"linear_forward: W {W.shape} @ A_prev {A_prev.shape} + b {b.shape} does not fit: "
            f"expected W (n_l, n_prev), A_prev (n_prev, m), b (n_l, 1)"
        )
    Z = W @ A_prev
    if Z.ndim == 2 and Z.dtype == np.result_type(Z, b):
        Z += b  # in place on the new product: the same sum, one (n_l, m) array fewer
        return Z
    return Z + b  # a wider b upcasts (or a 1-D A_prev broadcasts): a new array


def linear_backward(dZ: Array, A_prev: Array, W: Array) -> tuple[Array, Array, Array]:
    """The chain rule through ``Z = W @ A_prev + b``.

    ``dA_prev = W.T @ dZ``, ``dW = dZ @ A_prev.T``, ``db = sum of dZ over the m columns``.

    ``dZ: (n_l, m), A_prev: (n_{l-1}, m), W: (n_l, n_{l-1})``
    ``-> dA_prev: (n_{l-1}, m), dW: (n_l, n_{l-1}), db: (n_l, 1)``.

    There is no ``1/m`` here: ``dZ`` is already the gradient of the mean cost, because the ``1/m``
    entered once, in the loss's backward. ``db`` keeps its column shape ``(n_l, 1)``.
    """
    dA_prev = W.T @ dZ
    dW = dZ @ A_prev.T
    db = dZ.sum(axis=1, keepdims=True)
    return dA_prev, dW, db


Forward = Callable[[Array], Array]
Backward = Callable[[Array, Array], Array]

#: Activation name -> (forward, backward). ``identity`` leaves ``Z`` as it is.
ACTIVATIONS: dict[str, tuple[Forward, Backward]] = {
    "relu": (act.relu, act.relu_backward),
    "leaky_relu": (act.leaky_relu, act.leaky_relu_backward),
    "sigmoid": (act.sigmoid, act.sigmoid_backward),
    "tanh": (act.tanh, act.tanh_backward),
    "softmax": (act.softmax, act.softmax_backward),
    "identity": (lambda Z: Z, lambda dA, Z: dA),
}


class LayerCache(NamedTuple):
    """What ``layer_backward`` needs from ``layer_forward``."""

    A_prev: Array
    W: Array
    b: Array
    Z: Array
    activation: str


def _activation(name: str) -> tuple[Forward, Backward]:
    try:
        return ACTIVATIONS[name]
    except KeyError:
        raise ValueError(
            f"unknown activation {name!r}; expected one of {sorted(ACTIVATIONS)}"
        ) from None


def layer_forward(A_prev: Array, W: Array, b: Array, activation: str) -> tuple[Array, LayerCache]:
    """``Z = W @ A_prev + b``, then ``A = g(Z)`` for the named activation ``g``.

    ``A_prev: (n_{l-1}, m) -> A: (n_l, m)``, and the cache for ``layer_backward``.
    """
    forward, _ = _activation(activation)
    Z = linear_forward(A_prev, W, b)
    return forward(Z), LayerCache(A_prev, W, b, Z, activation)


def layer_backward(dA: Array, cache: LayerCache) -> tuple[Array, Array, Array]:
    """``dZ = g'(Z) applied to dA``, then ``linear_backward``.

    ``dA: (n_l, m) -> dA_prev: (n_{l-1}, m), dW: (n_l, n_{l-1}), db: (n_l, 1)``.
    """
    _, backward = _activation(cache.activation)
    dZ = backward(dA, cache.Z)
    return linear_backward(dZ, cache.A_prev, cache.W)
