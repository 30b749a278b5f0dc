"""deepscratch's reference: PyTorch versions of the contract, a finite-difference checker, and the
comparison that explains a mismatch.

Each function takes and returns NumPy arrays, like its twin in ``scratch``; every backward comes
from ``torch.autograd``. This package never imports ``scratch``.
"""

from oracle.activations import (
    leaky_relu,
    leaky_relu_backward,
    relu,
    relu_backward,
    sigmoid,
    sigmoid_backward,
    softmax,
    softmax_backward,
    tanh,
    tanh_backward,
)
from oracle.batchnorm import batchnorm_backward, batchnorm_forward
from oracle.linear import layer_backward, layer_forward, linear_backward, linear_forward
from oracle.losses import (
    binary_cross_entropy,
    binary_cross_entropy_backward,
    cost,
    cross_entropy,
    cross_entropy_backward,
    mse,
    mse_backward,
    softmax_cross_entropy_backward,
)
from oracle.regularization import (
    dropout_backward,
    dropout_forward,
    l2_penalty,
    l2_penalty_backward,
)

__all__ = [
    "batchnorm_backward",
    "batchnorm_forward",
    "binary_cross_entropy",
    "binary_cross_entropy_backward",
    "cost",
    "cross_entropy",
    "cross_entropy_backward",
    "dropout_backward",
    "dropout_forward",
    "l2_penalty",
    "l2_penalty_backward",
    "layer_backward",
    "layer_forward",
    "leaky_relu",
    "leaky_relu_backward",
    "linear_backward",
    "linear_forward",
    "mse",
    "mse_backward",
    "relu",
    "relu_backward",
    "sigmoid",
    "sigmoid_backward",
    "softmax",
    "softmax_backward",
    "softmax_cross_entropy_backward",
    "tanh",
    "tanh_backward",
]
