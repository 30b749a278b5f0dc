"""A learner's network, as one might write it after the course: mostly right, with typical mistakes.

Check it against the oracle with

    pytest --impl=examples/my_nn.py      (or: tox -e learner)

Every function the suite knows is checked (forward against PyTorch, backward against autograd and
finite differences); the ones this file does not define are reported as not implemented. The
mistakes planted here, each marked MISTAKE, are the ones the failure messages name.
"""

import numpy as np


def relu(Z):
    return np.maximum(0, Z)


def relu_backward(dA, Z):
    return dA * (Z >= 0)  # MISTAKE (a convention, not a bug): relu'(0) = 1 here; torch says 0


def sigmoid(Z):
    return 1 / (1 + np.exp(-Z))


def sigmoid_backward(dA, Z):
    s = sigmoid(Z)
    return s * (1 - s)  # MISTAKE: the upstream gradient dA is not multiplied in


def tanh(Z):
    return np.tanh(Z)


def tanh_backward(dA, Z):
    return dA * (1 - np.tanh(Z) ** 2)


def softmax(Z):
    E = np.exp(Z)  # MISTAKE: without subtracting the max, large logits overflow to inf / inf
    return E / E.sum(axis=0, keepdims=True)


def softmax_backward(dA, Z):
    s = softmax(Z)
    return dA * s * (1 - s)  # MISTAKE: only the diagonal of the Jacobian


def linear_forward(A_prev, W, b):
    return W @ A_prev + b


def linear_backward(dZ, A_prev, W):
    dA_prev = W.T @ dZ
    dW = dZ @ A_prev.T
    db = np.sum(dZ, axis=1, keepdims=True)
    return dA_prev, dW, db


def cross_entropy(AL, Y):
    return -np.sum(Y * np.log(AL), axis=0, keepdims=True)


def cost(loss):
    return np.mean(loss)


def softmax_cross_entropy_backward(AL, Y):
    # MISTAKE: the 1/m of the mean cost is missing. This is the course's convention (its 1/m
    # is in linear_backward), but linear_backward above follows this project's: mixed, the
    # network's gradients are m times too large.
    return AL - Y


def l2_penalty(weights, lambd, m):
    return lambd / (2 * m) * sum(np.sum(W**2) for W in weights)


def l2_penalty_backward(W, lambd, m):
    return lambd / (2 * m) * W  # MISTAKE: the 1/2 of the penalty is kept in the gradient


def dropout_forward(A, keep_prob, rng):
    mask = rng.random(A.shape) < keep_prob
    return A * mask / keep_prob, mask


def dropout_backward(dA, mask, keep_prob):
    return dA * mask  # MISTAKE: not divided by keep_prob


def batchnorm_forward(Z, gamma, beta, eps=1e-5):
    raise NotImplementedError  # not written yet
