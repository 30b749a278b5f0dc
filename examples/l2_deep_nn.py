"""A deep softmax network with L2 regularisation, in a learner's own shape (not the course's):
tanh hidden layers, one dict of caches per layer, and a backward that takes ``lambd`` and adds
``(lambd / m) * W`` to each ``dW``. The cost it minimises is the mean categorical cross-entropy
plus ``lambd / (2 m) * sum ||W||**2``.

``deepscratch check examples/l2_deep_nn.py`` checks the two passes as one network, with the L2
term in the cost.
"""

import numpy as np


def softmax(Z):
    e = np.exp(Z - Z.max(axis=0, keepdims=True))
    return e / e.sum(axis=0, keepdims=True)


def forward(X, params):
    """``AL`` and, for each layer, ``{"A_prev", "Z"}``."""
    L = len(params) // 2
    caches = []
    A = X
    for l in range(1, L + 1):
        Z = params[f"W{l}"] @ A + params[f"b{l}"]
        caches.append({"A_prev": A, "Z": Z})
        A = np.tanh(Z) if l < L else softmax(Z)
    return A, caches


def cost(AL, Y, params, lambd):
    m = Y.shape[1]
    data = -np.sum(Y * np.log(AL)) / m
    penalty = sum(np.sum(W**2) for key, W in params.items() if key.startswith("W"))
    return data + lambd / (2 * m) * penalty


def backward(AL, Y, caches, params, lambd):
    m = Y.shape[1]
    L = len(caches)
    grads = {}
    dZ = (AL - Y) / m
    for l in range(L, 0, -1):
        A_prev = caches[l - 1]["A_prev"]
        W = params[f"W{l}"]
        grads[f"dW{l}"] = dZ @ A_prev.T + (lambd / m) * W
        grads[f"db{l}"] = np.sum(dZ, axis=1, keepdims=True)
        if l > 1:
            dA_prev = W.T @ dZ
            dZ = dA_prev * (1 - np.tanh(caches[l - 2]["Z"]) ** 2)
    return grads
