"""The oracle's whole network: ``scratch.network``'s twin, built from ``oracle.functional``.

The same architecture (hidden layers with an optional batch norm and inverted dropout, a softmax
or sigmoid output), the same parameter names (a batch-normed hidden layer has ``gamma{l}``,
``beta{l}`` and no ``b{l}``), and the same cost: the mean cross-entropy plus the L2 penalty.
Every gradient is ``torch.autograd.grad`` of that cost; dropout uses the masks it is given.

Unlike ``scratch``, the backward takes the forward's inputs again, not a cache. The softmax cost
is torch's own ``F.cross_entropy`` on the logits ``ZL`` (not the log of ``softmax(ZL)``), so the
check of the fused ``dZL = (AL - Y) / m`` does not lean on the same formula.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import torch
import torch.nn.functional as F

from oracle import functional as T
from oracle._autograd import Array, to_numpy, to_torch

Tensors = Mapping[str, torch.Tensor]
#: Batch norm's ``eps``, as in ``scratch.network``.
BN_EPS = 1e-5
#: Parameters that are not trained (prediction-time batch-norm statistics): no gradient.
NOT_TRAINED = ("running_mean", "running_var")


def _n_layers(parameters: Mapping[str, object]) -> int:
    L = 0
    while f"W{L + 1}" in parameters:
        L += 1
    return L


def logits(
    X: torch.Tensor,
    parameters: Tensors,
    hidden_activation: str = "relu",
    keep_prob: float = 1.0,
    masks: Sequence[torch.Tensor] | None = None,
    batch_norm: bool = False,
    training: bool = True,
) -> torch.Tensor:
    """``ZL = W{L} @ A{L-1} + b{L}``, the output layer's input, for ``X: (n_0, m)``.

    Hidden layer ``l``: ``Z = W @ A_prev + b`` or, with ``batch_norm``, ``batchnorm(W @ A_prev)``;
    ``A = g(Z)``; with ``training`` and ``keep_prob < 1``, ``A = dropout(A, masks[l-1])``.
    ``training=False``: torch's ``F.batch_norm`` with the running statistics, no dropout.
    """
    L = _n_layers(parameters)
    A = X
    for layer in range(1, L):
        W = parameters[f"W{layer}"]
        if not batch_norm:
            Z = T.linear(A, W, parameters[f"b{layer}"])
        elif training:
            gamma, beta = parameters[f"gamma{layer}"], parameters[f"beta{layer}"]
            Z = T.batchnorm(W @ A, gamma, beta, BN_EPS)
        else:
            Z = F.batch_norm(
                (W @ A).T,
                parameters[f"running_mean{layer}"][:, 0],
                parameters[f"running_var{layer}"][:, 0],
                weight=parameters[f"gamma{layer}"][:, 0],
                bias=parameters[f"beta{layer}"][:, 0],
                training=False,
                eps=BN_EPS,
            ).T
        A = T.ACTIVATIONS[hidden_activation](Z)
        if training and keep_prob < 1:
            assert masks is not None, "the oracle needs the dropout masks"
            A = T.dropout(A, masks[layer - 1], keep_prob)
    return T.linear(A, parameters[f"W{L}"], parameters[f"b{L}"])


def objective(ZL: torch.Tensor, Y: torch.Tensor, output: str) -> torch.Tensor:
    """The mean cross-entropy of the output: torch's ``F.cross_entropy`` on the logits for
    softmax, ``F.binary_cross_entropy`` of ``sigmoid(ZL)`` for sigmoid."""
    if output == "softmax":
        return T.cost(T.softmax_cross_entropy(ZL, Y))
    return T.cost(T.binary_cross_entropy(T.sigmoid(ZL), Y))


def _tensors(
    parameters: Mapping[str, Array], requires_grad: bool = False
) -> dict[str, torch.Tensor]:
    return {
        key: to_torch(value, requires_grad=requires_grad and not key.startswith(NOT_TRAINED))
        for key, value in parameters.items()
    }


def _masks(masks: Sequence[Array] | None) -> list[torch.Tensor] | None:
    return None if masks is None else [to_torch(mask) for mask in masks]


def forward_all(
    X: Array,
    parameters: Mapping[str, Array],
    hidden_activation: str = "relu",
    output: str = "softmax",
    keep_prob: float = 1.0,
    masks: Sequence[Array] | None = None,
    batch_norm: bool = False,
    training: bool = True,
) -> Array:
    """``AL = output(ZL)`` as a NumPy array ``(n_L, m)``."""
    ZL = logits(
        to_torch(X), _tensors(parameters), hidden_activation, keep_prob, _masks(masks),
        batch_norm, training,
    )  # fmt: skip
    return to_numpy(T.ACTIVATIONS[output](ZL))


def compute_cost(
    X: Array,
    Y: Array,
    parameters: Mapping[str, Array],
    hidden_activation: str = "relu",
    output: str = "softmax",
    keep_prob: float = 1.0,
    masks: Sequence[Array] | None = None,
    batch_norm: bool = False,
    lambd: float = 0.0,
) -> Array:
    """The cost ``J`` (a 0-d array): mean cross-entropy plus ``lambd / (2 m) sum ||W{l}||**2``."""
    return to_numpy(
        _cost(_tensors(parameters), X, Y, hidden_activation, output, keep_prob, masks,
              batch_norm, lambd)
    )  # fmt: skip


def _cost(
    tensors: Tensors,
    X: Array,
    Y: Array,
    hidden_activation: str,
    output: str,
    keep_prob: float,
    masks: Sequence[Array] | None,
    batch_norm: bool,
    lambd: float,
) -> torch.Tensor:
    ZL = logits(to_torch(X), tensors, hidden_activation, keep_prob, _masks(masks), batch_norm)
    J = objective(ZL, to_torch(Y), output)
    if lambd:
        weights = [tensors[f"W{layer}"] for layer in range(1, _n_layers(tensors) + 1)]
        J = J + T.l2_penalty(weights, lambd, Y.shape[1])
    return J


def backward_all(
    X: Array,
    Y: Array,
    parameters: Mapping[str, Array],
    hidden_activation: str = "relu",
    output: str = "softmax",
    keep_prob: float = 1.0,
    masks: Sequence[Array] | None = None,
    batch_norm: bool = False,
    lambd: float = 0.0,
) -> dict[str, Array]:
    """autograd's gradient of ``compute_cost`` with respect to every trained parameter, named
    ``"d" + name`` (``"dW1", "db1", "dgamma1", ...``)."""
    tensors = _tensors(parameters, requires_grad=True)
    J = _cost(tensors, X, Y, hidden_activation, output, keep_prob, masks, batch_norm, lambd)
    trained = [key for key, t in tensors.items() if t.requires_grad]
    grads = torch.autograd.grad(J, [tensors[key] for key in trained])
    return {f"d{key}": to_numpy(g) for key, g in zip(trained, grads, strict=True)}
