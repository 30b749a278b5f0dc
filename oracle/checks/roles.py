"""The contract's functions as roles a learner's function can play: what each takes, returns and
is checked by, and how a learner's function is called in its place.

A ``Role`` names the contract function (``relu_backward``), the registry case that checks it
(``relu``), the inputs the case gives it in the contract's order (``dA, Z``), the inputs that can be
supplied besides (``A = relu(Z)``, for a backward that takes the forward's output too), and its
outputs. ``Reading`` (``oracle.checks.reading``) decides which role a learner's function plays and
with which binding of its arguments; ``adapt`` then makes the contract's function from it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

import oracle

Inputs = dict[str, Any]
#: An input supplied besides the contract's: computed from the contract's inputs.
Extra = Callable[[Inputs], Any]


@dataclass(frozen=True)
class Role:
    name: str  #: the contract function: "relu_backward"
    case: str  #: the registry case that checks it: "relu"
    kind: str  #: "forward" or "backward"
    inputs: tuple[str, ...]  #: what the contract's function takes, in order
    outputs: tuple[str, ...]  #: what it returns, in order
    extras: Mapping[str, Extra] = field(default_factory=dict)
    #: For a backward: the name of its local derivative's input (``Z`` for relu) when a learner
    #: may write the local derivative ``g'(Z)`` alone (``relu_prime(Z)``).
    local: str | None = None


def _activation_extras(name: str) -> dict[str, Extra]:
    forward = getattr(oracle, name)

    def output(x: Inputs) -> Any:
        kw = {"alpha": x["alpha"]} if "alpha" in x else {}
        return forward(x["Z"], **kw)

    # The course's activation cache is Z itself: relu_backward(dA, cache).
    return {"A": output, "cache": lambda x: x["Z"]}


def _activation_roles(name: str) -> list[Role]:
    alpha = ("alpha",) if name == "leaky_relu" else ()
    return [
        Role(name, name, "forward", ("Z", *alpha), ("A",)),
        Role(
            f"{name}_backward", name, "backward", ("dA", "Z", *alpha), ("dZ",),
            _activation_extras(name), local="Z",
        ),
    ]  # fmt: skip


def _linear_extras() -> dict[str, Extra]:
    # A backward may take b (it does not change the gradients: zeros stand for it), Z, or the
    # course's cache (A_prev, W, b).
    def b(x: Inputs) -> Any:
        return np.zeros((x["W"].shape[0], 1), dtype=x["W"].dtype)

    return {
        "b": b,
        "Z": lambda x: x["W"] @ x["A_prev"] + b(x),
        "cache": lambda x: (x["A_prev"], x["W"], b(x)),
    }


def _loss_roles(name: str) -> list[Role]:
    return [
        Role(name, name, "forward", ("AL", "Y"), ("loss",)),
        Role(f"{name}_backward", name, "backward", ("AL", "Y"), ("dAL",)),
        # A loss that returns the cost (the mean over the examples) instead of one per example.
        Role(f"{name}_cost", f"{name}_cost", "forward", ("AL", "Y"), ("J",)),
    ]


ROLES: dict[str, Role] = {
    r.name: r
    for r in [
        *(r for a in ("relu", "leaky_relu", "sigmoid", "tanh", "softmax")
          for r in _activation_roles(a)),
        Role("linear_forward", "linear", "forward", ("A_prev", "W", "b"), ("Z",)),
        Role("linear_backward", "linear", "backward", ("dZ", "A_prev", "W"),
             ("dA_prev", "dW", "db"), _linear_extras()),
        Role("layer_forward", "layer", "forward", ("A_prev", "W", "b", "activation"),
             ("A", "cache")),
        Role("layer_backward", "layer", "backward", ("dA", "cache"), ("dA_prev", "dW", "db")),
        *(r for n in ("cross_entropy", "binary_cross_entropy", "mse") for r in _loss_roles(n)),
        Role("cost", "cost", "forward", ("loss",), ("J",)),
        Role("softmax_cross_entropy_backward", "softmax_cross_entropy", "backward", ("AL", "Y"),
             ("dZL",), {"ZL": lambda x: np.log(x["AL"]), "Z": lambda x: np.log(x["AL"])}),
        Role("l2_penalty", "l2_penalty", "forward", ("Ws", "lambd", "m"), ("penalty",)),
        Role("l2_penalty_backward", "l2_penalty", "backward", ("W", "lambd", "m"), ("dW",)),
        Role("dropout_forward", "dropout", "forward", ("A", "keep_prob", "rng"), ("A_out", "mask")),
        Role("dropout_backward", "dropout", "backward", ("dA", "mask", "keep_prob"), ("dA_in",)),
        Role("batchnorm_forward", "batchnorm", "forward", ("Z", "gamma", "beta", "eps"),
             ("Z_out", "cache")),
        Role("batchnorm_backward", "batchnorm", "backward", ("dZ_out", "cache"),
             ("dZ", "dgamma", "dbeta")),
    ]
}  # fmt: skip


@dataclass(frozen=True)
class Binding:
    """How a learner's function stands in for a role.

    ``arguments``: for each of the learner's parameters, in its order, the input it receives (a
    role input or extra); parameters not listed keep their defaults. ``order``: for a function
    that returns several arrays, the role's output each of its results is (by position).
    ``local``: it returns the local derivative ``g'(Z)`` alone (checked with ``dA`` = 1).
    ``reduction``: a loss returning ``"mean"`` (the cost) or ``"sum"`` over the examples.
    ``first``: it returns a tuple whose first element is the result (``(A, cache)``).
    """

    arguments: tuple[tuple[str, str], ...]
    order: tuple[str, ...] | None = None
    local: bool = False
    first: bool = False
    #: The function is written row-major (one row per example, ``X: (m, n)``, ``W: (n_prev, n)``):
    #: its arrays are passed transposed and its results transposed back.
    rows: bool = False

    def describe(self, role: Role) -> str:
        """The binding in the reading's words, "" when it is the contract's own."""
        said = []
        renamed = [
            f"{theirs} = {ours}"
            for theirs, ours in self.arguments
            if theirs.replace("_", "").lower() != ours.replace("_", "").lower()
        ]
        if renamed:
            said.append("with " + ", ".join(renamed))
        supplied = [o for _, o in self.arguments if o in role.extras and not self.local]
        if supplied:
            said.append(
                ", ".join(f"{s} supplied" + (" (the forward's output)" if s == "A" else "")
                          for s in supplied)
            )  # fmt: skip
        if self.local:
            given = self.arguments[0][1]
            of = f"of A = {role.case}(Z)" if given == "A" else "of Z"
            said.append(f"returns the local derivative g' alone, {of}; checked with dA = 1")
        if self.order and self.order != role.outputs:
            said.append(f"returns ({', '.join(self.order)})")
        if self.first:
            said.append("its first result read")
        if self.rows:
            said.append("row-major: its arrays transposed (the shapes told are column-major)")
        return "; ".join(said)


def adapt(role: Role, function: Callable[..., Any], binding: Binding) -> Callable[..., Any]:
    """The contract's function for ``role``, calling the learner's ``function`` as bound."""

    def contract(*args: Any, **kwargs: Any) -> Any:
        given = dict(zip(role.inputs, args, strict=False)) | kwargs
        values = []
        for _, ours in binding.arguments:
            values.append(given[ours] if ours in given else role.extras[ours](given))
        if binding.rows:
            values = [transposed(v) for v in values]
        out = function(*values)
        if binding.rows:
            out = _columns(transposed(out), role)
        if binding.first and isinstance(out, tuple):
            out = out[0]
        if (
            binding.order is not None
            and isinstance(out, (tuple, list))
            and len(out) == len(binding.order)
        ):
            by_name = dict(zip(binding.order, out, strict=True))
            out = tuple(by_name[o] for o in role.outputs)
        return out

    contract.__name__ = role.name
    contract.__wrapped__ = function  # type: ignore[attr-defined]
    return contract


def transposed(value: Any) -> Any:
    """``value`` with every 2-D array in it transposed (inside tuples, lists and dicts too, as
    caches hold them): between the suite's column-major arrays and a row-major function's. Its
    own inverse, so a cache goes back to the function that made it as it was made."""
    if isinstance(value, np.ndarray) and value.ndim == 2:
        return value.T
    if isinstance(value, tuple) and hasattr(value, "_fields"):  # a named tuple
        return type(value)(*(transposed(v) for v in value))
    if isinstance(value, (tuple, list)):
        return type(value)(transposed(v) for v in value)
    if isinstance(value, dict):
        return {k: transposed(v) for k, v in value.items()}
    return value


def _columns(out: Any, role: Role) -> Any:
    """A row-major function's 1-D results in the suite's shapes: a loss per example, ``(m,)``,
    is the row ``(1, m)``; anything else (``db`` of ``(n,)``, which broadcasts as a row there) is
    the column ``(n, 1)``."""

    def shaped(name: str, value: Any) -> Any:
        if not (isinstance(value, np.ndarray) and value.ndim == 1):
            return value
        return value.reshape(1, -1) if name == "loss" else value.reshape(-1, 1)

    if len(role.outputs) == 1:
        return shaped(role.outputs[0], out)
    if isinstance(out, (tuple, list)) and len(out) == len(role.outputs):
        return type(out)(shaped(n, v) for n, v in zip(role.outputs, out, strict=True))
    return out


def ones_upstream(role: Role) -> Callable[[Inputs], Inputs]:
    """For a local derivative: the inputs with the upstream gradient set to ones."""
    upstream = role.inputs[0]

    def fix(x: Inputs) -> Inputs:
        ones = np.ones_like(x[upstream])
        ones.flags.writeable = False
        return {**x, upstream: ones}

    return fix
