"""NumPy in, NumPy out: the one place where arrays cross to torch and back.

Every oracle function takes and returns NumPy arrays like its twin in ``scratch``. Arrays go to
torch in their own dtype (float64 stays float64, float32 stays float32), and every gradient comes
from ``torch.autograd.grad`` with the caller's upstream gradient: no derivative is written by hand
anywhere in ``oracle/``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import torch

Array = npt.NDArray[Any]
TorchFn = Callable[..., torch.Tensor]


def to_torch(
    x: Any, *, requires_grad: bool = False, dtype: torch.dtype | None = None
) -> torch.Tensor:
    """A copy of ``x`` as a tensor of its dtype (or ``dtype``), detached from ``x``'s memory."""
    t = torch.tensor(np.array(x, copy=True))
    if dtype is not None:
        t = t.to(dtype)
    return t.requires_grad_(requires_grad)


def to_numpy(t: torch.Tensor) -> Array:
    """The tensor's values as a NumPy array of the same dtype."""
    return t.detach().cpu().numpy().copy()


def evaluate(fn: TorchFn, *args: Any) -> Array:
    """``fn(*args)`` with array arguments turned into tensors, and the result into an array."""
    return to_numpy(fn(*(to_torch(a) if isinstance(a, np.ndarray) else a for a in args)))


def vjp(
    fn: TorchFn, args: Sequence[Any], wrt: Sequence[int], upstream: Array | None = None
) -> tuple[Array, ...]:
    """Gradients of ``sum(upstream * fn(*args))`` with respect to ``args[i]`` for ``i`` in ``wrt``.

    ``upstream=None`` means ``fn`` returns a scalar (a cost) and its gradient is wanted.
    Arguments that are not arrays (an activation's name, ``alpha``) are passed as they are.
    """
    tensors = [
        to_torch(a, requires_grad=i in wrt) if isinstance(a, np.ndarray) else a
        for i, a in enumerate(args)
    ]
    out = fn(*tensors)
    grad_out = None if upstream is None else to_torch(upstream, dtype=out.dtype)
    grads = torch.autograd.grad(out, [tensors[i] for i in wrt], grad_outputs=grad_out)
    return tuple(to_numpy(g) for g in grads)
