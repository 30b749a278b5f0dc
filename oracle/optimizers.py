"""The optimizers' reference: ``torch.optim`` stepped with given gradients.

No derivative is involved: the gradients are given, and the reference is what ``torch.optim``
does with them. ``tests/test_optimizers.py`` checks ``scratch.optimizers`` against it, and
``oracle.checks.course`` a learner's update rules.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import torch

Array = Any
#: Roundings in one step of the longest update (Adam: two moving averages, two bias corrections,
#: a square, a square root, a division, the step): each step's error is a few ulps of its size.
OPS_PER_STEP = 16


def torch_steps(
    make: Callable[[list[torch.Tensor]], torch.optim.Optimizer],
    parameters: Mapping[str, Array],
    grads: Sequence[Mapping[str, Array]],
    state: Sequence[str] = (),
) -> tuple[dict[str, Array], dict[str, dict[str, Array]]]:
    """Parameters after ``torch.optim`` steps with the given gradients (not backpropagated), and
    the optimizer's ``state`` entries (e.g. ``exp_avg``) for each, keyed by gradient name."""
    tensors = {k: torch.tensor(np.array(v), requires_grad=True) for k, v in parameters.items()}
    optimizer = make(list(tensors.values()))
    for step in grads:
        for k, t in tensors.items():
            t.grad = torch.tensor(np.array(step[f"d{k}"]))
        optimizer.step()
    states = {
        name: {f"d{k}": optimizer.state[t][name].numpy().copy() for k, t in tensors.items()}
        for name in state
    }
    return {k: t.detach().numpy().copy() for k, t in tensors.items()}, states
