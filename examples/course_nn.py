"""A learner's file written the way the deep learning course's assignments are: its signatures
(``relu(Z) -> A, cache``, ``linear_backward(dZ, cache)``, ``linear_activation_forward``) and its
convention (the 1/m in ``linear_backward``, none in the loss's backward).

    pytest --impl=examples/course_nn.py --convention course

checks it that way and verifies it; without ``--convention course`` the suite tells each function
that follows the course's convention so, instead of failing it.
"""

import numpy as np


def sigmoid(Z):
    A = 1 / (1 + np.exp(-Z))
    cache = Z
    return A, cache


def relu(Z):
    A = np.maximum(0, Z)
    cache = Z
    return A, cache


def relu_backward(dA, cache):
    Z = cache
    dZ = np.array(dA, copy=True)
    dZ[Z <= 0] = 0
    return dZ


def sigmoid_backward(dA, cache):
    Z = cache
    s = 1 / (1 + np.exp(-Z))
    return dA * s * (1 - s)


def linear_forward(A, W, b):
    Z = np.dot(W, A) + b
    cache = (A, W, b)
    return Z, cache


def linear_activation_forward(A_prev, W, b, activation):
    Z, linear_cache = linear_forward(A_prev, W, b)
    if activation == "sigmoid":
        A, activation_cache = sigmoid(Z)
    elif activation == "relu":
        A, activation_cache = relu(Z)
    return A, (linear_cache, activation_cache)


def linear_backward(dZ, cache):
    A_prev, W, _b = cache
    m = A_prev.shape[1]
    dW = 1 / m * np.dot(dZ, A_prev.T)
    db = 1 / m * np.sum(dZ, axis=1, keepdims=True)
    dA_prev = np.dot(W.T, dZ)
    return dA_prev, dW, db


def linear_activation_backward(dA, cache, activation):
    linear_cache, activation_cache = cache
    if activation == "relu":
        dZ = relu_backward(dA, activation_cache)
    elif activation == "sigmoid":
        dZ = sigmoid_backward(dA, activation_cache)
    return linear_backward(dZ, linear_cache)


def binary_cross_entropy_backward(AL, Y):
    # The course's dAL, inside L_model_backward: the gradient of the summed loss.
    return -(np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))


def binary_cross_entropy(AL, Y):
    # The per-example loss (1, m); the course's compute_cost(AL, Y) is its mean.
    return -np.sum(Y * np.log(AL) + (1 - Y) * np.log(1 - AL), axis=0, keepdims=True)
