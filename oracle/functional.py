"""The contract's forward maths in torch ops, on tensors, column-major like ``scratch``.

These are the definitions the oracle differentiates with autograd. They are written with torch
primitives and ``torch.nn.functional``; none of them spells out a derivative. The NumPy-facing
oracle modules (``oracle.activations`` and the rest) and the whole-network oracle build on them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
import torch.nn.functional as F

#: Where a probability's ``log`` is clamped, as torch's ``binary_cross_entropy`` clamps it.
LOG_FLOOR = -100.0


def relu(Z: torch.Tensor) -> torch.Tensor:
    return F.relu(Z)


def leaky_relu(Z: torch.Tensor, alpha: float = 0.01) -> torch.Tensor:
    return F.leaky_relu(Z, negative_slope=alpha)


def sigmoid(Z: torch.Tensor) -> torch.Tensor:
    return torch.sigmoid(Z)


def tanh(Z: torch.Tensor) -> torch.Tensor:
    return torch.tanh(Z)


def softmax(Z: torch.Tensor) -> torch.Tensor:
    return torch.softmax(Z, dim=0)


def identity(Z: torch.Tensor) -> torch.Tensor:
    return Z


ACTIVATIONS: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "relu": relu,
    "leaky_relu": leaky_relu,
    "sigmoid": sigmoid,
    "tanh": tanh,
    "softmax": softmax,
    "identity": identity,
}


def linear(A_prev: torch.Tensor, W: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    return W @ A_prev + b


def layer(A_prev: torch.Tensor, W: torch.Tensor, b: torch.Tensor, activation: str) -> torch.Tensor:
    return ACTIVATIONS[activation](linear(A_prev, W, b))


def cost(loss: torch.Tensor) -> torch.Tensor:
    return loss.mean()


def cross_entropy(AL: torch.Tensor, Y: torch.Tensor) -> torch.Tensor:
    # log(AL) clamped at LOG_FLOOR, as torch's binary_cross_entropy clamps it: -100 exactly in
    # float32 too (a floor under AL, e**-100, is a float32 subnormal whose log is -99.98). The log
    # is taken of 1 where AL is 0, so that no 0 * inf reaches the gradient: below the floor it is 0.
    positive = AL > 0
    log_AL = torch.where(positive, torch.log(torch.where(positive, AL, 1.0)), LOG_FLOOR)
    return -(Y * torch.clamp(log_AL, min=LOG_FLOOR)).sum(dim=0, keepdim=True)


def softmax_cross_entropy(ZL: torch.Tensor, Y: torch.Tensor) -> torch.Tensor:
    """Per-example cross-entropy of ``softmax(ZL)``, from torch's own fused loss on the logits."""
    return F.cross_entropy(ZL.T, Y.T, reduction="none").unsqueeze(0)


def binary_cross_entropy(AL: torch.Tensor, Y: torch.Tensor) -> torch.Tensor:
    return F.binary_cross_entropy(AL, Y, reduction="none").sum(dim=0, keepdim=True)


def mse(AL: torch.Tensor, Y: torch.Tensor) -> torch.Tensor:
    return F.mse_loss(AL, Y, reduction="none").sum(dim=0, keepdim=True)


def l2_penalty(weights: Sequence[torch.Tensor], lambd: float, m: int) -> torch.Tensor:
    return lambd / (2 * m) * torch.stack([W.pow(2).sum() for W in weights]).sum()


def dropout(A: torch.Tensor, mask: torch.Tensor, keep_prob: float) -> torch.Tensor:
    """Inverted dropout with a given mask (the random draw is the implementation's business)."""
    return A * mask.to(A.dtype) / keep_prob


def batchnorm(
    Z: torch.Tensor, gamma: torch.Tensor, beta: torch.Tensor, eps: float = 1e-5
) -> torch.Tensor:
    """Training-mode batch norm over the ``m`` columns, composed from primitives.

    ``F.batch_norm`` refuses ``m = 1`` in training mode; this composition does not, and the tests
    check that the two agree wherever ``F.batch_norm`` answers.
    """
    mu = Z.mean(dim=1, keepdim=True)
    var = ((Z - mu) ** 2).mean(dim=1, keepdim=True)
    return gamma * (Z - mu) / torch.sqrt(var + eps) + beta


def batchnorm_reference(
    Z: torch.Tensor, gamma: torch.Tensor, beta: torch.Tensor, eps: float = 1e-5
) -> torch.Tensor:
    """torch's own ``F.batch_norm`` in training mode, for ``m >= 2``, transposed to columns."""
    out = F.batch_norm(Z.T, None, None, weight=gamma[:, 0], bias=beta[:, 0], training=True, eps=eps)
    return out.T
