"""Helpers beside the notebook, as learners keep them: loading the data and plotting.

The notebook imports them by name (``from nn_helpers import ...``); deepscratch check puts this
folder on the import path so that the import works, and reads what they are.
"""

import numpy as np


def load_digits_data(test_fraction=0.2, seed=1):
    """scikit-learn's 8x8 digits as column-major arrays: X (64, m) in [0, 1], y (m,)."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    X = digits.data.T / 16.0
    y = digits.target
    order = np.random.default_rng(seed).permutation(y.size)
    cut = int(y.size * (1 - test_fraction))
    train, test = order[:cut], order[cut:]
    return X[:, train], y[train], X[:, test], y[test]


def one_hot(y, classes):
    Y = np.zeros((classes, y.size))
    Y[y, np.arange(y.size)] = 1
    return Y


def plot_costs(costs, every):
    import matplotlib.pyplot as plt

    plt.plot(np.arange(len(costs)) * every, costs)
    plt.xlabel("iteration")
    plt.ylabel("cost")
    plt.show()
