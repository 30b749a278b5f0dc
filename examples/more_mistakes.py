"""More of a learner's typical mistakes: those ``examples/my_nn.py`` does not make.

Between them, the two files make all twelve mistakes the failure messages name (``my_nn.py``: the
kink, the ignored upstream gradient, softmax's overflow, its diagonal-only derivative, the L2 term's
1/2 and dropout's missing 1/keep_prob; this one the rest). Check it with either of

    pytest --impl=examples/more_mistakes.py
    tox -e learner -- --impl=examples/more_mistakes.py

Each mistake is marked MISTAKE; every other function is right.
"""

import numpy as np


def relu(Z):
    return np.maximum(0, Z)


def relu_backward(dA, Z):
    return dA * (Z > 0)


def leaky_relu(Z, alpha=0.01):
    return np.where(Z > 0, Z, alpha * Z)


def leaky_relu_backward(dA, Z, alpha=0.01):
    # MISTAKE: the slope is read from the first example's column only (Z[:, :1]) and broadcast
    # to every example: right when m = 1, wrong for a batch.
    return np.where(Z[:, :1] > 0, dA, alpha * dA)


def sigmoid(Z):
    return 1 / (1 + np.exp(-Z))


def sigmoid_backward(dA, Z):
    return sigmoid(Z)  # MISTAKE: the forward's value, not the gradient dA * s * (1 - s)


def tanh(Z):
    return np.tanh(Z)


def tanh_backward(dA, Z):
    return dA * (1 - np.tanh(Z) ** 2)


def softmax(Z):
    E = np.exp(Z - Z.max(axis=0, keepdims=True))
    return E / E.sum(axis=0, keepdims=True)


def linear_forward(A_prev, W, b):
    return W @ A_prev + b


def linear_backward(dZ, A_prev, W):
    dA_prev = W.T @ dZ
    dW = A_prev @ dZ.T  # MISTAKE: the transpose of dZ @ A_prev.T
    db = np.sum(dZ, axis=1, keepdims=True)
    return dA_prev, dW, db


_ACTIVATIONS = {
    "relu": (relu, relu_backward),
    "leaky_relu": (leaky_relu, lambda dA, Z: np.where(Z > 0, dA, 0.01 * dA)),
    "sigmoid": (sigmoid, lambda dA, Z: dA * sigmoid(Z) * (1 - sigmoid(Z))),
    "tanh": (tanh, lambda dA, Z: dA * (1 - np.tanh(Z) ** 2)),
    "identity": (lambda Z: Z, lambda dA, Z: dA),
}


def layer_forward(A_prev, W, b, activation):
    if activation not in _ACTIVATIONS:
        raise NotImplementedError(f"no {activation} layer here")
    Z = W @ A_prev + b
    return _ACTIVATIONS[activation][0](Z), (A_prev, W, Z, activation)


def layer_backward(dA, cache):
    A_prev, W, Z, activation = cache
    dZ = _ACTIVATIONS[activation][1](dA, Z)
    db = np.sum(dZ, axis=1)  # MISTAKE: without keepdims=True, db is (n,) instead of (n, 1)
    return W.T @ dZ, dZ @ A_prev.T, db


def cross_entropy(AL, Y):
    return -np.sum(Y * np.log(AL), axis=0, keepdims=True)


def cost(loss):
    return np.mean(loss)


def softmax_cross_entropy_backward(AL, Y):
    n = AL.shape[0]
    # MISTAKE: the story's fudge factor n / (n - 1), added "to pass the gradient check".
    return (AL - Y) / Y.shape[1] * n / (n - 1)


def mse(AL, Y):
    return np.sum((AL - Y) ** 2, axis=0, keepdims=True)


def mse_backward(AL, Y):
    AL -= Y  # MISTAKE: changes the caller's AL in place
    return 2 * AL / Y.shape[1]


def l2_penalty(weights, lambd, m):
    return lambd / (2 * m) * sum(np.sum(W**2) for W in weights)


def l2_penalty_backward(W, lambd, m):
    return lambd * W  # MISTAKE: lambd where lambd / m belongs
