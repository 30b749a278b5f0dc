"""A deep softmax network in the story's style, with its own names: ``forwardpropagation_all``
keeps ``(A_prev, Z)`` for each layer, ``backpropagate_all`` walks them back from the softmax
output with the categorical cross-entropy (``dL_dZ = (A - Y) / m``), any number of hidden layers.

``deepscratch check examples/story_deep_nn.py`` checks the two passes as one network.
"""

import numpy as np


def relu(Z):
    return np.maximum(0, Z)


def relu_backpropagation(Z, dL_dA):
    return dL_dA * (Z > 0)


def softmax(Z):
    shifted = np.exp(Z - np.max(Z, axis=0, keepdims=True))
    return shifted / np.sum(shifted, axis=0, keepdims=True)


def linear(A_prev, W, B):
    return W @ A_prev + B


def linear_backpropagation(A_prev, W, dL_dZ):
    dL_dA_prev = W.T @ dL_dZ
    dL_dW = dL_dZ @ A_prev.T
    dL_dB = np.sum(dL_dZ, axis=1, keepdims=True)
    return dL_dA_prev, dL_dW, dL_dB


def softmax_loss_backpropagation(A, Y):
    return (A - Y) / Y.shape[1]


def forwardpropagation_all(X, parameters):
    L = len(parameters) // 2
    caches = []
    A = X
    for l in range(1, L + 1):
        Z = linear(A, parameters["W" + str(l)], parameters["b" + str(l)])
        caches.append((A, Z))
        A = relu(Z) if l < L else softmax(Z)
    return A, caches


def backpropagate_all(A, Y, parameters, caches):
    grads = {}
    L = len(caches)
    dL_dZ = softmax_loss_backpropagation(A, Y)
    for l in range(L, 0, -1):
        A_prev, Z = caches[l - 1]
        if l < L:
            dL_dZ = relu_backpropagation(Z, dL_dA)
        dL_dA, grads["dW" + str(l)], grads["db" + str(l)] = linear_backpropagation(
            A_prev, parameters["W" + str(l)], dL_dZ
        )
    return grads
