"""The oracle's activations: ``scratch.activations``' twins, differentiated by autograd."""

from __future__ import annotations

from oracle import functional as T
from oracle._autograd import Array, evaluate, vjp


def relu(Z: Array) -> Array:
    return evaluate(T.relu, Z)


def relu_backward(dA: Array, Z: Array) -> Array:
    return vjp(T.relu, [Z], [0], dA)[0]


def leaky_relu(Z: Array, alpha: float = 0.01) -> Array:
    return evaluate(T.leaky_relu, Z, alpha)


def leaky_relu_backward(dA: Array, Z: Array, alpha: float = 0.01) -> Array:
    return vjp(T.leaky_relu, [Z, alpha], [0], dA)[0]


def sigmoid(Z: Array) -> Array:
    return evaluate(T.sigmoid, Z)


def sigmoid_backward(dA: Array, Z: Array) -> Array:
    return vjp(T.sigmoid, [Z], [0], dA)[0]


def tanh(Z: Array) -> Array:
    return evaluate(T.tanh, Z)


def tanh_backward(dA: Array, Z: Array) -> Array:
    return vjp(T.tanh, [Z], [0], dA)[0]


def softmax(Z: Array) -> Array:
    return evaluate(T.softmax, Z)


def softmax_backward(dA: Array, Z: Array) -> Array:
    return vjp(T.softmax, [Z], [0], dA)[0]
