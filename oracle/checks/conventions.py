"""Where the 1/m lives: this project's ``mean`` convention and the deep learning course's.

- ``mean`` (the default): every backward is a gradient of the mean cost, so ``1/m`` enters once,
  in the loss's backward (``dZL = (AL - Y) / m``), and ``linear_backward`` is the plain chain rule.
- ``course``: the loss's backward is that of the summed loss (``dZL = AL - Y``), and
  ``linear_backward`` divides ``dW`` and ``db`` (only those) by ``m``.

Both give the same parameter gradients end to end. The oracle stays autograd under both: a
course-style gradient is autograd's times the factor below. Under ``course`` the learner's file is
also read with the course's signatures (``relu(Z) -> A, cache``, ``linear_backward(dZ, cache)``,
``linear_activation_forward/backward``), through ``course_adapter``.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from types import ModuleType, SimpleNamespace
from typing import Any

import numpy as np

MEAN, COURSE = "mean", "course"
CONVENTIONS = (MEAN, COURSE)
#: The attribute that marks an implementation with its convention (absent: ``mean``).
ATTRIBUTE = "__deepscratch_convention__"

#: Every diagnosis of a function that follows the other convention contains this.
CONVENTION_MARK = "convention for"

_LOSSES = {"cross_entropy": "dAL", "binary_cross_entropy": "dAL", "mse": "dAL"}


def convention_of(impl: Any) -> str:
    return str(getattr(impl, ATTRIBUTE, MEAN))


def course_factors(case_name: str, m: int | None) -> dict[str, float]:
    """For each output: the course's gradient divided by the mean convention's."""
    if m is None:
        return {}
    if case_name in _LOSSES:
        return {"dAL": float(m)}
    if case_name == "softmax_cross_entropy":
        return {"dZL": float(m)}
    if case_name == "linear" or case_name.startswith("layer["):
        return {"dW": 1.0 / m, "db": 1.0 / m}
    return {}


def factors(impl: Any, case_name: str, m: int | None) -> dict[str, float]:
    """What to multiply autograd's gradients by to get what ``impl``'s convention returns."""
    return course_factors(case_name, m) if convention_of(impl) == COURSE else {}


def other_convention_hint(impl: Any, output: str, function: str) -> str:
    """The diagnosis when a function returns what the other convention would."""
    if convention_of(impl) == COURSE:
        return (
            f"your {function} follows this project's mean convention for {output}, not the "
            "course's you asked for (--convention course): in the course the loss's backward is "
            "that of the summed loss (dZL = AL - Y) and linear_backward divides dW and db by m. "
            "Run with --convention mean (the default) to check your file that way. "
            "Mixing the two divides by m twice, or never."
        )
    return (
        f"your {function} follows the deep learning course's convention for {output}: the "
        "course puts the 1/m in linear_backward (dW = dZ A_prev.T / m, db = sum(dZ) / m) and "
        "none in the loss's backward (dZL = AL - Y); this project puts it in the loss's backward. "
        "Both are right if used throughout: run with --convention course to check your file "
        "that way. Mixing the two divides by m twice, or never."
    )


# --- The course's signatures ----------------------------------------------------------------------

#: The course implements these activations only.
COURSE_ACTIVATIONS = ("relu", "sigmoid")


def _first(out: Any) -> Any:
    """The course's forwards return ``(A, cache)``; ours return ``A``."""
    return out[0] if isinstance(out, tuple) else out


def _arity(f: Callable[..., Any]) -> int:
    try:
        return len(inspect.signature(f).parameters)
    except (TypeError, ValueError):
        return -1


class LearnerFile(SimpleNamespace):
    """A learner's file seen through the contract. Its repr is short: hypothesis prints the
    arguments of a failing example, this one among them, and a learner needs its name, not a
    list of every function in it."""

    def __repr__(self) -> str:
        name = getattr(self, "__name__", "your file")
        return f"<{name}, read in the {convention_of(self)} convention>"


def course_adapter(module: ModuleType, convention: str = COURSE) -> SimpleNamespace:
    """``module`` seen through this project's contract: functions written with the course's
    signatures (a forward returning ``(A, cache)``, ``linear_backward(dZ, cache)``,
    ``linear_activation_forward/backward``) are read as such, the others as they are; the result
    is marked with ``convention``."""
    ns: dict[str, Any] = {k: getattr(module, k) for k in dir(module) if not k.startswith("__")}
    for name in COURSE_ACTIVATIONS:
        forward = getattr(module, name, None)
        if callable(forward):
            ns[name] = lambda Z, f=forward: _first(f(Z))
        # relu_backward(dA, cache) with cache = Z: the contract's relu_backward(dA, Z) as it is.
    linear_forward = getattr(module, "linear_forward", None)
    if callable(linear_forward):
        ns["linear_forward"] = lambda A_prev, W, b, f=linear_forward: _first(f(A_prev, W, b))
    linear_backward = getattr(module, "linear_backward", None)
    if callable(linear_backward) and _arity(linear_backward) == 2:

        def course_linear_backward(dZ: Any, A_prev: Any, W: Any) -> Any:
            # The course's cache is (A_prev, W, b); its linear_backward does not read b.
            b = np.zeros((W.shape[0], 1), dtype=W.dtype)
            return linear_backward(dZ, (A_prev, W, b))

        ns["linear_backward"] = course_linear_backward
    for functions in course_layer_functions(module).values():
        for name, function in functions.items():
            ns.setdefault(name, function)
    ns[ATTRIBUTE] = convention
    ns["__name__"] = getattr(module, "__file__", None) or getattr(module, "__name__", "your file")
    return LearnerFile(**ns)


def course_layer_functions(module: Any) -> dict[str, dict[str, Callable[..., Any]]]:
    """The course's ``linear_activation_forward(A_prev, W, b, activation)`` and
    ``linear_activation_backward(dA, cache, activation)`` seen as the contract's ``layer_forward``
    and ``layer_backward`` (the activation travels in the cache): for each of the two names the
    module defines, the contract functions it stands for."""
    layer_forward = getattr(module, "linear_activation_forward", None)
    layer_backward = getattr(module, "linear_activation_backward", None)
    if not (callable(layer_forward) and callable(layer_backward)):
        return {}

    def course_layer_forward(A_prev: Any, W: Any, b: Any, activation: str) -> Any:
        if activation not in COURSE_ACTIVATIONS:
            raise NotImplementedError(f"the course's layers have no {activation}")
        A, cache = layer_forward(A_prev, W, b, activation)
        return A, (cache, activation)

    def course_layer_backward(dA: Any, cache: Any) -> Any:
        inner, activation = cache
        return layer_backward(dA, inner, activation)

    pair: dict[str, Callable[..., Any]] = {
        "layer_forward": course_layer_forward,
        "layer_backward": course_layer_backward,
    }
    return {"linear_activation_forward": pair, "linear_activation_backward": pair}


#: The course's network-level functions that learner mode checks (tests/test_course_network.py),
#: as the verdict table names them.
COURSE_NETWORK = (
    "L_model_forward",
    "compute_cost",
    "propagate",
    "L_model_backward",
    "compute_cost_with_regularization",
    "backward_propagation_with_regularization",
    "update_parameters",
    "update_parameters_with_momentum",
    "update_parameters_with_adam",
    "random_mini_batches",
    "update_lr, schedule_lr_decay",
)


# --- Mixing the two ---------------------------------------------------------------------------

#: The cases whose gradients differ between the conventions, by where the 1/m goes.
LOSS_SIDE = ("cross_entropy", "binary_cross_entropy", "mse", "softmax_cross_entropy")


def _linear_side(name: str) -> bool:
    return name == "linear" or name.startswith("layer[")


def mixed_conventions(verdicts: dict[str, str], convention: str) -> str | None:
    """The warning when some functions follow one convention and others the other.

    ``verdicts``: for each case, its backward's verdict ("verified", or the diagnosis).
    """
    other = COURSE if convention == MEAN else MEAN
    follows: dict[str, list[str]] = {convention: [], other: []}
    for name, verdict in verdicts.items():
        if name not in LOSS_SIDE and not _linear_side(name):
            continue
        if verdict == "verified":
            follows[convention].append(name)
        elif CONVENTION_MARK in verdict:
            follows[other].append(name)
    sides = {
        side: ({n for n in names if n in LOSS_SIDE}, {n for n in names if _linear_side(n)})
        for side, names in follows.items()
    }
    # Mixed: the loss follows one convention and the linear part the other.
    for loss_side, linear_side in ((convention, other), (other, convention)):
        losses, linears = sides[loss_side][0], sides[linear_side][1]
        if losses and linears:
            twice = loss_side == MEAN  # the loss divides by m, and linear_backward again
            return (
                f"MIXED CONVENTIONS: {', '.join(sorted(losses))} follow the {loss_side} "
                f"convention, {', '.join(sorted(linears))} the {linear_side} one: put together, "
                f"your network's dW and db are divided by m {'twice' if twice else 'never'}. "
                "Pick one (docs/derivatives.md explains both)."
            )
    return None
