"""A network written the way online tutorials write them: ``sigmoid_prime``, ``deriv_ReLU``,
``cost_derivative``, a class with the training in its methods, and a training run at the bottom
of the file. Written for deepscratch's examples (not copied from any tutorial).

    deepscratch check examples/tutorial_nn.py --definitions-only

reads it without running the training at the bottom, checks every function it can and says
why it leaves the others. Two mistakes are planted, each marked MISTAKE.
"""

import numpy as np


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def sigmoid_prime(z):
    return z * (1 - z)  # MISTAKE: the output's formula s * (1 - s), applied to the input z


def ReLU(Z):
    return np.maximum(Z, 0)


def deriv_ReLU(Z):
    return Z > 0


def tanh_derivative(a):
    return 1 - a**2  # right when given tanh's output a, as the name of its argument says


def softmax(x):
    e = np.exp(x - np.max(x, axis=0, keepdims=True))
    return e / np.sum(e, axis=0, keepdims=True)


def cost_derivative(output_activations, y):
    return output_activations - y  # the course's convention: no 1/m here


def dropout_backward(dA, D, keep_prob):
    return dA * D  # MISTAKE: the mask applied, but not divided by keep_prob


class Network:
    """A two-layer network whose training lives in its methods."""

    def __init__(self, sizes):
        rng = np.random.default_rng(0)
        self.weights = [rng.standard_normal((n, p)) / np.sqrt(p) for p, n in zip(sizes, sizes[1:])]
        self.biases = [np.zeros((n, 1)) for n in sizes[1:]]

    def feedforward(self, a):
        for W, b in zip(self.weights[:-1], self.biases[:-1]):
            a = ReLU(W @ a + b)
        return softmax(self.weights[-1] @ a + self.biases[-1])


def one_hot(y, classes=10):
    return np.eye(classes)[:, y]


def train(X, y, epochs=20, eta=0.5):
    net = Network([X.shape[0], 32, 10])
    Y = one_hot(y)
    for _ in range(epochs):
        A1 = ReLU(net.weights[0] @ X + net.biases[0])
        A2 = softmax(net.weights[1] @ A1 + net.biases[1])
        dZ2 = cost_derivative(A2, Y) / X.shape[1]
        dZ1 = (net.weights[1].T @ dZ2) * deriv_ReLU(A1)
        net.weights[1] -= eta * dZ2 @ A1.T
        net.biases[1] -= eta * dZ2.sum(axis=1, keepdims=True)
        net.weights[0] -= eta * dZ1 @ X.T
        net.biases[0] -= eta * dZ1.sum(axis=1, keepdims=True)
    return net


# The training run, at import: --definitions-only leaves it out.
from sklearn.datasets import load_digits  # noqa: E402

digits = load_digits()
network = train(digits.data.T / 16.0, digits.target)
print(
    "train accuracy", np.mean(network.feedforward(digits.data.T / 16.0).argmax(0) == digits.target)
)
