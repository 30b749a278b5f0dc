"""Gradient descent's update under the names learners give it, in place or not.

``W[l] = W[l] - learning_rate * dW[l]`` and ``b[l] = b[l] - learning_rate * db[l]``, compared
with ``torch.optim.SGD`` after one to three steps (``oracle.checks.course``'s ``Steps``):

- ``update_parameters_with_gd(parameters, grads, learning_rate)`` (the course's optimisation
  assignment), ``update_parameters``, ``update_params``, ``update_weights``, ``sgd_update``...:
  dictionaries ``W1, b1, ...`` and ``dW1, db1, ...``;
- the fixed two-layer networks' ``update_params(W1, b1, W2, b2, dW1, db1, dW2, db2, alpha)``
  returning ``W1, b1, W2, b2``: one argument per array.

An update that writes into its arguments (``W -= lr * dW``, ``parameters["W1"] -= ...``) cannot
run on the read-only arrays the other checks give (NumPy's bare "output array is read-only"): here
it is given writable copies and judged by its values (what it returns, or its argument when it
returns ``None``). That it changes its argument is told beside the verdict, not failed: the
course's loop (``parameters = update(parameters, ...)``) does not mind, but a caller that keeps the
old parameters (to compare, or to restart) finds them changed.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from hypothesis import strategies as st

from oracle.checks.course import Steps, _path, _scales, assert_matches, steps
from oracle.checks.names import words
from oracle.checks.outcomes import NotChecked, implemented
from oracle.checks.strategies import learning_rates, read_only
from oracle.optimizers import OPS_PER_STEP

Array = Any

#: The words of an update's name: ``update_parameters_with_gd``, ``update_params``, ``sgd_update``.
UPDATE_WORDS = frozenset(
    "update parameters params param weights weight with gd sgd gradient descent step plain "  # noqa: SIM905
    "vanilla all network net".split()
)
#: The course's other updates (``oracle.checks.course`` checks them), not gradient descent's.
OTHER_UPDATES = frozenset(("update_parameters_with_momentum", "update_parameters_with_adam"))
_ARRAY = re.compile(r"(d?)([WwBb])_?(\d+)$")


def is_update(name: str) -> bool:
    """``update_parameters_with_gd``, ``update_params``, ``updateWeights``: gradient descent's
    update (not momentum's or Adam's, not ``update_lr``)."""
    parts = words(name)
    return name not in OTHER_UPDATES and "update" in parts and set(parts) <= UPDATE_WORDS


@dataclass(frozen=True)
class Form:
    """How an update takes its inputs: ``arguments`` is ``None`` for the dictionaries
    ``(parameters, grads, learning_rate)``, else, for each of the learner's parameters in order,
    the array it is (``W1``, ``dW1``...) or ``"lr"``."""

    arguments: tuple[str, ...] | None = None

    @property
    def layers(self) -> int | None:
        if self.arguments is None:
            return None
        return max(int(a[-1]) for a in self.arguments if a != "lr")


def form_of(f: Callable[..., Any]) -> Form | None:
    """The form of ``f``'s signature, ``None`` when it is neither."""
    try:
        positional = [
            p
            for p in inspect.signature(f).parameters.values()
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        ]
    except (TypeError, ValueError):
        return None
    params = [p.name for p in positional if p.default is p.empty]
    arrays = [_ARRAY.match(p) for p in params]
    if any(arrays):
        named = tuple(
            f"{m.group(1)}{m.group(2).upper() if m.group(2) in 'Ww' else 'b'}{m.group(3)}"
            if m
            else "lr"
            for m in arrays
        )
        layers = {a[-1] for a in named if a != "lr"}
        whole = {f"{d}{k}{n}" for n in layers for d in ("", "d") for k in "Wb"}
        if named.count("lr") == 1 and set(named) - {"lr"} == whole and len(layers) <= 9:
            return Form(named)
        return None
    # (parameters, grads, learning_rate), the learning rate perhaps with a default.
    return Form() if len(params) in (2, 3) and len(positional) >= 3 else None


def _writable(x: Mapping[str, Array]) -> dict[str, Array]:
    return {k: np.array(v) for k, v in x.items()}


def _changed(before: Mapping[str, Array], after: Mapping[str, Array]) -> list[str]:
    return [k for k, v in before.items() if not np.array_equal(v, after[k])]


def step(
    f: Callable[..., Any],
    form: Form,
    parameters: Mapping[str, Array],
    grads: Mapping[str, Array],
    lr: float,
) -> tuple[dict[str, Array], list[str]]:
    """One update on writable copies: the parameters it gives (its result, or its argument when
    it returns ``None``), and the arrays it changed in place."""  # fmt: skip
    p, g = _writable(parameters), _writable(grads)
    if form.arguments is None:
        given = dict(p)
        out = f(given, g, lr)
        result = given if out is None else out
        if not isinstance(result, Mapping):
            raise AssertionError(
                f"returned {type(result).__name__}: it must return the parameters' dictionary "
                "(W1, b1, ...)"
            )
        result = dict(result)
        in_place = [f"parameters[{k!r}]" for k in _changed(parameters, p)]
    else:
        both = {**p, **g}
        out = f(*(lr if a == "lr" else both[a] for a in form.arguments))
        keys = [a for a in form.arguments if a != "lr" and not a.startswith("d")]
        values = [both[k] for k in keys] if out is None else list(out)
        if len(values) != len(keys):
            raise AssertionError(
                f"returned {len(values)} values: it must return {', '.join(keys)}, in that order"
            )
        result = dict(zip(keys, values, strict=True))
        in_place = _changed(parameters, p)
    return {k: np.asarray(v, dtype=np.float64) for k, v in result.items()}, in_place


def check_update(impl: Any, s: Steps, lr: float, name: str = "update_parameters") -> None:
    """``len(s.grads)`` steps of the learner's ``name`` equal ``torch.optim.SGD``'s."""
    with implemented(impl, name):
        f = getattr(impl, name)
        form = form_of(f) or Form()
        parameters = dict(s.parameters)
        for grads in s.grads:
            try:
                parameters, _ = step(f, form, parameters, grads, lr)
            except AssertionError as error:
                raise AssertionError(f"{name}: {error}") from None
    sgd = _path(lambda p: torch.optim.SGD(p, lr=lr), s)
    added = dict(s.parameters)
    for grads in s.grads:
        added = {k: v + lr * grads[f"d{k}"] for k, v in added.items()}
    ascent = "you add the gradient: gradient descent subtracts it (W = W - learning_rate * dW)"
    known = {k: {ascent: added[k]} for k in added}
    assert_matches(
        impl, f"{name} after {len(s.grads)} steps", parameters, sgd[-1],
        OPS_PER_STEP * len(s.grads), known=known, scale=_scales(s.parameters, sgd),
        rule=("W[l] = W[l] - learning_rate * dW[l], b[l] = b[l] - learning_rate * db[l]", ""),
    )  # fmt: skip


def check_in_place(impl: Any, name: str = "update_parameters") -> None:
    """Whether ``name`` changes its arguments, on one step where every array must change (a
    gradient of ones, a learning rate of 0.5): told, not failed (``NotChecked`` carries the note
    beside the values' verdict)."""
    with implemented(impl, name):
        f = getattr(impl, name)
        form = form_of(f) or Form()
        layers = form.layers or 2
        parameters = {
            f"{k}{n}": read_only(np.full((2, 2) if k == "W" else (2, 1), 1.0 + n))
            for n in range(1, layers + 1)
            for k in "Wb"
        }
        grads = {f"d{k}": read_only(np.ones_like(v)) for k, v in parameters.items()}
        _, in_place = step(f, form, parameters, grads, 0.5)
    if in_place:
        raise NotChecked(
            f"note: it changes its argument in place ({', '.join(in_place)}): not a mistake, it "
            "was run on a copy and judged by its values; a caller that keeps the old parameters "
            "finds them changed"
        )


def separate_steps(layers: int) -> st.SearchStrategy[Steps]:
    """``Steps`` of exactly ``layers`` layers (an update that takes each array apart)."""
    return steps(layers)


def recognise(name: str, f: Callable[..., Any]) -> str | None:
    """How the reading describes ``name`` when it is gradient descent's update, else ``None``."""
    if not is_update(name):
        return None
    form = form_of(f)
    if form is None:
        return None
    if form.arguments is None:
        return "gradient descent's update (parameters, grads, learning_rate), vs torch.optim.SGD"
    return "gradient descent's update, one argument per array, vs torch.optim.SGD"


def checks(
    name: str, f: Callable[..., Any]
) -> list[tuple[str, Callable[..., None], dict[str, st.SearchStrategy[Any]] | None]]:
    """The plans of ``name``: its values after one to three steps, and whether it writes in
    place."""
    form = form_of(f)
    if form is None:
        return []
    drawn = steps() if form.layers is None else separate_steps(form.layers)
    strategies = {"s": drawn, "lr": learning_rates, "name": st.just(name)}
    return [
        (f"{name} vs torch.optim.SGD", check_update, strategies),
        (f"{name} in place?", _in_place(name), None),
    ]


def _in_place(name: str) -> Callable[..., None]:
    def run(impl: Any) -> None:
        check_in_place(impl, name)

    return run
