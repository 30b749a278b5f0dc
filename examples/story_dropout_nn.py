"""The story's deep softmax network with inverted dropout on its hidden layers: each layer's cache
is ``(A_prev, Z, D)``, ``D`` the mask its forward drew (``None`` for the output layer).

``deepscratch check examples/story_dropout_nn.py`` checks the two passes as one network, with the
masks taken from the caches.
"""

import numpy as np


def relu(Z):
    return np.maximum(0, Z)


def softmax(Z):
    E = np.exp(Z - Z.max(axis=0, keepdims=True))
    return E / E.sum(axis=0, keepdims=True)


def forwardpropagation_all(X, parameters, keep_prob=1.0):
    L = len(parameters) // 2
    caches = []
    A = X
    for l in range(1, L + 1):
        Z = parameters["W" + str(l)] @ A + parameters["b" + str(l)]
        if l < L:
            A_next = relu(Z)
            D = np.random.rand(*A_next.shape) < keep_prob
            A_next = A_next * D / keep_prob
        else:
            A_next, D = softmax(Z), None
        caches.append((A, Z, D))
        A = A_next
    return A, caches


def backpropagate_all(A, Y, parameters, caches, keep_prob=1.0):
    grads = {}
    L = len(caches)
    dZ = (A - Y) / Y.shape[1]
    for l in range(L, 0, -1):
        A_prev = caches[l - 1][0]
        grads["dW" + str(l)] = dZ @ A_prev.T
        grads["db" + str(l)] = dZ.sum(axis=1, keepdims=True)
        if l > 1:
            dA = parameters["W" + str(l)].T @ dZ
            _, Z_prev, D_prev = caches[l - 2]
            dA = dA * D_prev / keep_prob
            dZ = dA * (Z_prev > 0)
    return grads
