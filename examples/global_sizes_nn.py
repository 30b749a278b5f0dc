"""A deep softmax network whose sizes are globals of the file, as notebooks often have them:
``layer_dims`` and ``L = len(layer_dims)`` set at the top, read by the forward and the backward.

``deepscratch check examples/global_sizes_nn.py`` sets those globals to each network it draws (the
file's own 784-64-10 would not fit them) and checks the two passes as one network.
"""

import numpy as np

layer_dims = [784, 64, 10]
L = len(layer_dims)


def relu(Z):
    return np.maximum(Z, 0)


def softmax(Z):
    e = np.exp(Z - Z.max(axis=0, keepdims=True))
    return e / e.sum(axis=0, keepdims=True)


def forward_pass(X, params):
    caches = []
    A = X
    for l in range(1, L):
        Z = params["W" + str(l)] @ A + params["b" + str(l)]
        caches.append((A, Z))
        A = relu(Z) if l < L - 1 else softmax(Z)
    return A, caches


def backward_pass(AL, Y, params, caches):
    m = Y.shape[1]
    grads = {}
    dZ = (AL - Y) / m
    for l in reversed(range(1, len(layer_dims))):
        A_prev, Z = caches[l - 1]
        grads["dW" + str(l)] = dZ @ A_prev.T
        grads["db" + str(l)] = dZ.sum(axis=1, keepdims=True)
        if l > 1:
            dZ = (params["W" + str(l)].T @ dZ) * (caches[l - 2][1] > 0)
    return grads
