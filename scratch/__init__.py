"""deepscratch's NumPy implementation: a deep network written from scratch.

Column-major, as in the course: ``X`` is ``(n_features, m)``, ``W[l]`` is ``(n_l, n_{l-1})``,
``b[l]`` is ``(n_l, 1)``, one-hot ``Y`` is ``(C, m)``. This package never imports torch.
"""

from scratch.activations import (
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
from scratch.batchnorm import BatchNormCache, batchnorm_backward, batchnorm_forward
from scratch.linear import (
    ACTIVATIONS,
    LayerCache,
    layer_backward,
    layer_forward,
    linear_backward,
    linear_forward,
)
from scratch.losses import (
    binary_cross_entropy,
    binary_cross_entropy_backward,
    cost,
    cross_entropy,
    cross_entropy_backward,
    mse,
    mse_backward,
    softmax_cross_entropy_backward,
)
from scratch.regularization import (
    dropout_backward,
    dropout_forward,
    l2_penalty,
    l2_penalty_backward,
)

__all__ = [
    "ACTIVATIONS",
    "BatchNormCache",
    "LayerCache",
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
    "tanh",
    "tanh_backward",
]
