"""The checks of the course's network-level functions, each a function of an implementation:
``deepscratch check`` runs them on a learner's file, ``tests/test_course_network.py`` on
``examples/course_nn.py`` and on planted mistakes. ``COURSE_CHECKS`` lists them with the inputs
each draws.

- ``L_model_forward(X, parameters) -> AL, caches`` ([LINEAR -> RELU] * (L - 1) -> LINEAR ->
  SIGMOID): ``AL`` equals the oracle network's, one cache per layer.
- ``compute_cost(AL, Y)``: the mean binary cross-entropy, a number.
- ``propagate(w, b, X, Y) -> grads, cost``: the first assignment's logistic regression, its
  ``dw``, ``db`` and cost against autograd's.
- ``L_model_backward(AL, Y, caches)``: every ``dW{l}, db{l}`` equals autograd's gradient of the
  mean cost. The parameter gradients are the same in both conventions (the ``1/m`` enters once,
  wherever it is put), so this check does not depend on ``--convention``: it is where mixing the
  two shows, as ``dW`` divided by ``m`` twice, or never. (The intermediate ``dA{l}`` do depend on
  the convention and are not checked here; ``linear_backward`` and the activations are.)
- ``compute_cost_with_regularization(A3, Y, parameters, lambd)`` and
  ``backward_propagation_with_regularization(X, Y, cache, lambd)``, on the course's 3-layer
  network and its cache ``(Z1, A1, W1, b1, Z2, A2, W2, b2, Z3, A3, W3, b3)``: the cost plus
  ``lambd / (2 m) sum ||W||**2`` and autograd's gradients of it.
- ``update_parameters``, ``initialize_velocity`` with ``update_parameters_with_momentum``,
  ``initialize_adam`` with ``update_parameters_with_adam``: one to three steps against
  ``torch.optim`` (parameters and the averages ``v``, ``s``).
- ``random_mini_batches(X, Y, mini_batch_size, seed)``: the shuffled columns cut into batches, each
  ``Y`` still with its ``X``.
- ``update_lr`` and ``schedule_lr_decay``: the course's decay formulas.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from hypothesis import assume
from hypothesis import strategies as st

import oracle
import oracle.network as network
from oracle.checks.conventions import convention_of
from oracle.checks.outcomes import NotChecked, implemented
from oracle.checks.properties import reproduce_hint
from oracle.checks.strategies import arrays, betas, epsilons, learning_rates, read_only
from oracle.compare import compare
from oracle.explain import Clues, explain
from oracle.optimizers import OPS_PER_STEP, torch_steps

Array = Any


# --- Drawn networks ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Net:
    """A drawn course network (relu hidden layers, one sigmoid output) and binary labels."""

    X: Array
    Y: Array
    parameters: dict[str, Array]

    @property
    def L(self) -> int:
        return len(self.parameters) // 2

    @property
    def m(self) -> int:
        return int(self.X.shape[1])

    def forward(self) -> list[tuple[Array, Array]]:
        """``(Z, A)`` of every layer, in float64 NumPy: for conditioning and the course's cache,
        not as the reference (that is the oracle's)."""
        out, A = [], self.X
        for k in range(1, self.L + 1):
            Z = self.parameters[f"W{k}"] @ A + self.parameters[f"b{k}"]
            A = np.maximum(Z, 0) if k < self.L else 1 / (1 + np.exp(-Z))
            out.append((read_only(Z), read_only(A)))
        return out

    def course_cache(self) -> tuple[Array, ...]:
        """The course's 3-layer cache ``(Z1, A1, W1, b1, Z2, A2, W2, b2, Z3, A3, W3, b3)``."""
        return tuple(
            x
            for k, (Z, A) in enumerate(self.forward(), start=1)
            for x in (Z, A, self.parameters[f"W{k}"], self.parameters[f"b{k}"])
        )

    def rounding_terms(self) -> int:
        """The longest chain of roundings (as ``tests/test_network.py``'s ``rounding_budget``):
        the widths and ``L m`` summed, amplified by the sigmoid's ``1 / (AL (1 - AL))``."""
        AL = self.forward()[-1][1]
        dims = self.X.shape[0] + sum(self.parameters[f"b{k}"].shape[0] for k in range(1, self.L))
        return int(np.ceil((dims + 1 + self.L * self.m) / float(np.min(AL * (1 - AL)))))


@st.composite
def course_networks(draw: st.DrawFn, layers: int | None = None) -> Net:
    """A network of 1 to 4 layers (or ``layers``), widths 1 to 8, m from 1 to 30; ``W{l}`` in
    ``+-2 / sqrt(n_{l-1})`` as in tests/test_network.py. Inputs where two right implementations
    may disagree are left out: a relu input within rounding of its kink, ``AL`` within 1e-6 of
    0 or 1."""
    L = layers or draw(st.integers(1, 4), label="L")
    dims = [draw(st.integers(1, 8)) for _ in range(L)] + [1]
    m = draw(st.integers(1, 30), label="m")
    parameters = {}
    for k in range(1, L + 1):
        bound = 2 / np.sqrt(dims[k - 1])
        parameters[f"W{k}"] = draw(arrays((dims[k], dims[k - 1]), -bound, bound))
        parameters[f"b{k}"] = draw(arrays((dims[k], 1), -1.0, 1.0))
    X = draw(arrays((dims[0], m), -3.0, 3.0))
    Y = read_only((draw(arrays((1, m), 0.0, 1.0)) >= 0.5).astype(np.float64))
    net = Net(X, Y, parameters)
    layers_out = net.forward()
    for Z, _ in layers_out[:-1]:
        tiny = 1e-9 * (float(np.max(np.abs(Z))) + 1.0)
        assume(bool(np.all((Z == 0) | (np.abs(Z) > tiny))))
    AL = layers_out[-1][1]
    assume(float(np.min(AL * (1 - AL))) > 1e-6)
    return net


# --- Comparing and explaining --------------------------------------------------------------------


def _layer(key: str) -> int:
    return int("".join(c for c in key if c.isdigit()) or 0)


def assert_matches(
    impl: Any,
    function: str,
    actual: Mapping[str, Array],
    expected: Mapping[str, Array],
    terms: int,
    m: int | None = None,
    known: Mapping[str, Mapping[str, Array]] | None = None,
    scale: Mapping[str, float] | None = None,
    by_layer: bool = False,
    rule: tuple[str, str] = ("", ""),
) -> None:
    """Every ``expected[k]`` equals ``actual[k]``, or an explained ``AssertionError``.

    ``known``: for each output, what known mistakes would have returned. ``by_layer``: the outputs
    are a network's gradients, and backprop runs from the top, so the highest wrong layer is where
    the mistake enters (the explanation says so). ``rule``: the right formula in one line and its
    section in ``docs/derivatives.md``.
    """
    missing = [k for k in expected if k not in actual]
    assert not missing, (
        f"{function}: its result has no {', '.join(missing)} (it has {sorted(actual)}); "
        f"the course names them {', '.join(expected)}"
    )
    found = [
        mismatch
        for k, value in expected.items()
        if (
            mismatch := compare(
                function, k, actual[k], value, terms, scale.get(k) if scale else None
            )
        )
    ]
    if not found:
        return
    first = max(found, key=lambda f: _layer(f.output)) if by_layer else found[0]
    where = ""
    if by_layer and len(expected) > 2:
        layer, L = _layer(first.output), max(_layer(k) for k in expected)
        above = {L: "", L - 1: f"layer {L}'s are right and "}.get(
            layer, f"layers {layer + 1} to {L} are right and "
        )
        where = (
            f"the gradients of {above}layer {layer}'s are not: the mistake enters in layer "
            f"{layer}'s backward or in the dA it is given. Wrong: "
            f"{', '.join(sorted(f.output for f in found))}."
        )
    clues = Clues(
        m=m,
        known=(known or {}).get(first.output, {}),
        reproduce=reproduce_hint(),
        convention=convention_of(impl),
        where=where,
        rule=rule[0],
        anchor=rule[1],
    )
    raise AssertionError(explain(first, clues))


def _number(x: Any, function: str, what: str) -> Array:
    """A cost or learning rate as a 0-d float64 array; a clear failure if it is not a number."""
    value = np.asarray(x, dtype=np.float64)
    assert value.size == 1, (
        f"{function} returned {what} of shape {value.shape}; it must be a number "
        "(np.squeeze a (1, 1) array; a cost summed over axis 0 only is one per example)"
    )
    return value.reshape(())


def network_scale(net: Net, lambd: float = 0.0) -> dict[str, float]:
    """The scale of each gradient: the magnitude of the terms its sums add up (Higham's bound is
    relative to ``sum |term|``, not to the result). Backprop run on absolute values, in NumPy:
    ``|dZL| = |AL - Y| / m``, ``|dA_prev| = |W|.T @ |dZ|``, ``|dZ| = |dA|`` where relu passes;
    then ``dW``'s terms are ``|dZ| @ |A_prev|.T`` (plus ``(lambd / m) |W|``) and ``db``'s
    ``sum |dZ|``. A ``db`` whose terms cancel to almost 0 is judged against those terms."""
    layers = net.forward()
    scales: dict[str, float] = {}
    dZ = np.abs(layers[-1][1] - net.Y) / net.m
    for k in range(net.L, 0, -1):
        W = np.abs(net.parameters[f"W{k}"])
        A_prev = np.abs(layers[k - 2][1]) if k > 1 else np.abs(net.X)
        scales[f"dW{k}"] = float(np.max(dZ @ A_prev.T + lambd / net.m * W))
        scales[f"db{k}"] = float(np.max(dZ.sum(axis=1)))
        if k > 1:
            dZ = (W.T @ dZ) * (layers[k - 2][0] > 0)
    return scales


def _mixed_hint(key: str, m: int, times: str) -> str:
    if times == "twice":
        return (
            f"your {key} is 1/m times the right one (m = {m}): the 1/m is applied twice, "
            "typically once in dAL (or dZL), as this project's mean convention does, and again "
            "in linear_backward's dW and db, as the course does. Each convention gives the right "
            "gradients on its own; mixing them does not. The table of the run shows which of your "
            "functions follows which (docs/derivatives.md#the-courses-convention)."
        )
    return (
        f"your {key} is m times the right one (m = {m}): the 1/m is never applied. The course "
        "puts it in linear_backward (dW and db divided by m) and none in dAL; this project "
        "puts it in dAL (or dZL) and none in linear_backward. Your functions put it in neither: "
        "a mix of the two conventions (docs/derivatives.md#the-courses-convention)."
    )


def mixing_known(expected: Mapping[str, Array], m: int) -> dict[str, dict[str, Array]]:
    """What a network whose loss and linear_backward follow different conventions returns."""
    if m == 1:
        return {}
    return {
        k: {_mixed_hint(k, m, "twice"): v / m, _mixed_hint(k, m, "never"): v * m}
        for k, v in expected.items()
    }


# --- The L-layer network -------------------------------------------------------------------------

FORWARD_RULE = (
    "A[l] = relu(W[l] @ A[l-1] + b[l]) for l < L, AL = sigmoid(W[L] @ A[L-1] + b[L]), "
    "one cache per layer",
    "notation-and-the-chain-rule-with-matrices",
)
COST_RULE = (
    "J = -(1/m) * sum(Y * log(AL) + (1 - Y) * log(1 - AL)), a number",
    "binary_cross_entropy_backward",
)
BACKWARD_RULE = (
    "dW[l] = dZ[l] @ A[l-1].T and db[l] = sum(dZ[l], axis=1, keepdims=True) for the mean cost: "
    "the 1/m enters once, in dAL (this project) or in linear_backward (the course), not both",
    "a-two-layer-example-both-reach-the-same-dw",
)
L2_COST_RULE = (
    "J = cross-entropy cost + lambd / (2 m) * sum over l of sum(W[l]**2)",
    "l2_penalty_backward",
)
L2_BACKWARD_RULE = (
    "dW[l] = (1/m) * dZ[l] @ A[l-1].T + (lambd / m) * W[l] (dZ3 = A3 - Y, the course's); "
    "db[l] has no L2 term",
    "l2_penalty_backward",
)


def check_L_model_forward(impl: Any, net: Net) -> None:
    with implemented(impl, "L_model_forward"):
        AL, caches = impl.L_model_forward(net.X, dict(net.parameters))
    expected = network.forward_all(net.X, net.parameters, "relu", "sigmoid")
    known: dict[str, Array] = {}
    if net.L > 1:
        known[
            "your hidden layers use sigmoid: the course's L_model_forward is "
            "[LINEAR -> RELU] * (L - 1) -> LINEAR -> SIGMOID, relu for every layer but the last"
        ] = network.forward_all(net.X, net.parameters, "sigmoid", "sigmoid")
    assert_matches(
        impl, "L_model_forward", {"AL": AL}, {"AL": expected}, net.rounding_terms(), net.m,
        {"AL": known}, rule=FORWARD_RULE,
    )  # fmt: skip
    assert len(caches) == net.L, (
        f"L_model_forward: {len(caches)} caches for a network of L = {net.L} layers; "
        "L_model_backward needs one per layer (the output layer's too)"
    )


def check_compute_cost(impl: Any, net: Net) -> None:
    AL = read_only(network.forward_all(net.X, net.parameters, "relu", "sigmoid"))
    with implemented(impl, "compute_cost"):
        cost = _number(impl.compute_cost(AL, net.Y), "compute_cost", "a cost")
    expected = oracle.cost(oracle.binary_cross_entropy(AL, net.Y))
    known = {
        "the cost is the sum of the losses: compute_cost is their mean, -(1/m) sum(Y log(AL) "
        "+ (1 - Y) log(1 - AL))": expected * net.m,
    }
    assert_matches(
        impl, "compute_cost", {"cost": cost}, {"cost": expected}, net.rounding_terms(), net.m,
        {"cost": known},
        rule=COST_RULE,
    )  # fmt: skip


PROPAGATE_RULE = (
    "A = sigmoid(w.T @ X + b); cost = -(1/m) * sum(Y log(A) + (1 - Y) log(1 - A)); "
    "dw = (1/m) * X @ (A - Y).T, shape (n, 1) like w; db = (1/m) * sum(A - Y), a number",
    "binary_cross_entropy_backward",
)


def check_propagate(impl: Any, net: Net) -> None:
    """The first assignment's logistic regression, ``propagate(w, b, X, Y) -> grads, cost``
    with ``grads = {"dw": (n, 1), "db": a number}``: a one-layer course network, ``w = W1.T``."""
    w, b = read_only(net.parameters["W1"].T.copy()), float(net.parameters["b1"][0, 0])
    with implemented(impl, "propagate"):
        result = impl.propagate(w, b, net.X, net.Y)
    assert isinstance(result, (tuple, list)) and len(result) == 2, (
        "propagate: returns grads, cost (grads = {'dw': dw, 'db': db}), as the course's; "
        f"yours returned {type(result).__name__}"
    )
    grads, cost = result
    assert isinstance(grads, Mapping), (
        f"propagate: its first result is grads, a dict {{'dw': dw, 'db': db}}; yours is "
        f"{type(grads).__name__}"
    )
    named = {str(k).lower(): v for k, v in grads.items()}
    expected = network.backward_all(net.X, net.Y, net.parameters, "relu", "sigmoid")
    AL = network.forward_all(net.X, net.parameters, "relu", "sigmoid")
    right = {
        "dw": expected["dW1"].T,
        "db": np.asarray(expected["db1"]).reshape(()),
        "cost": oracle.cost(oracle.binary_cross_entropy(AL, net.Y)),
    }
    theirs = {
        **({"dw": named["dw"]} if "dw" in named else {}),
        **({"db": _number(named["db"], "propagate", "db")} if "db" in named else {}),
        "cost": _number(cost, "propagate", "a cost"),
    }
    scale = network_scale(net)
    assert_matches(
        impl, "propagate", theirs, right, net.rounding_terms(), net.m,
        {k: {"you do not divide by m: the cost is the mean over the m examples, so its "
             "gradients are (1/m) * X @ (A - Y).T and (1/m) * sum(A - Y)": v * net.m}
         for k, v in right.items() if net.m > 1},
        scale={"dw": scale["dW1"], "db": scale["db1"]}, rule=PROPAGATE_RULE,
    )  # fmt: skip


def check_L_model_backward(impl: Any, net: Net) -> None:
    with implemented(impl, "L_model_forward", "L_model_backward"):
        AL, caches = impl.L_model_forward(net.X, dict(net.parameters))
        if compare("L_model_forward", "AL", AL, network.forward_all(
            net.X, net.parameters, "relu", "sigmoid"), net.rounding_terms()):  # fmt: skip
            raise NotChecked(
                "depends on your L_model_forward, which is wrong: its caches feed this "
                "(fix L_model_forward first)"
            )
        grads = impl.L_model_backward(AL, net.Y, caches)
    expected = network.backward_all(net.X, net.Y, net.parameters, "relu", "sigmoid")
    assert_matches(
        impl, "L_model_backward", grads, expected, net.rounding_terms(), net.m,
        mixing_known(expected, net.m), scale=network_scale(net), by_layer=True,
        rule=BACKWARD_RULE,
    )  # fmt: skip


# --- L2 regularisation, the course's 3-layer network ---------------------------------------------


def _penalty(net: Net) -> float:
    """``sum ||W{l}||**2``."""
    return sum(float(np.sum(W * W)) for k, W in net.parameters.items() if k.startswith("W"))


def l2_known(
    known: dict[str, dict[str, Array]],
    expected: Mapping[str, Array],
    parameters: Mapping[str, Array],
    lambd: float,
    m: int,
) -> dict[str, dict[str, Array]]:
    """``known`` with the usual L2 mistakes of each gradient of ``expected`` (the right ones, of
    ``J + lambd / (2 m) sum ||W||**2``): the term left out, without its 1/m, halved, or added to
    ``db``."""
    for k in expected:
        p = parameters[k[1:]]
        known.setdefault(k, {})
        if k.startswith("dW"):
            known[k][f"{k} has no L2 term: add (lambd / m) * {k[1:]}"] = expected[k] - lambd / m * p
            known[k][f"{k}'s L2 term lacks its 1/m: it is (lambd / m) * {k[1:]}"] = (
                expected[k] + lambd * (1 - 1 / m) * p
            )
            known[k][f"{k}'s L2 term is halved: the gradient of lambd / (2 m) * W**2 is "
                     f"(lambd / m) * W"] = expected[k] - lambd / (2 * m) * p  # fmt: skip
            known[k][f"{k}'s L2 term is doubled: the gradient of lambd / (2 m) * W**2 is "
                     f"(lambd / m) * W, the 1/2 cancels the 2"] = (
                expected[k] + lambd / m * p
            )  # fmt: skip
        elif k.startswith("db"):
            known[k][
                f"L2 is added to {k}: the penalty has no b in it, so only the dW get "
                f"(lambd / m) * W; {k} is the plain sum of dZ (over m)"
            ] = expected[k] + lambd / m * p
    return known


def l2_cost_known(expected: float, penalty: float, lambd: float, m: int) -> dict[str, float]:
    """What the usual L2 mistakes make of a cost whose right value is ``expected`` (with
    ``penalty = sum ||W||**2``): the term left out, without its 1/m, without its 1/2."""
    plain = expected - lambd / (2 * m) * penalty
    return {
        "the L2 term is missing: the cost adds lambd / (2 m) * sum ||W{l}||**2": plain,
        "the L2 term lacks its 1/m: it is lambd / (2 m) * sum ||W{l}||**2": (
            plain + lambd / 2 * penalty
        ),
        "the L2 term lacks its 1/2: it is lambd / (2 m) * sum ||W{l}||**2 (the 1/2 cancels the "
        "2 of the derivative, leaving (lambd / m) W in dW)": plain + lambd / m * penalty,
    }


def check_compute_cost_with_regularization(impl: Any, net: Net, lambd: float) -> None:
    A3 = read_only(network.forward_all(net.X, net.parameters, "relu", "sigmoid"))
    with implemented(impl, "compute_cost_with_regularization"):
        cost = impl.compute_cost_with_regularization(A3, net.Y, dict(net.parameters), lambd)
    cost = _number(cost, "compute_cost_with_regularization", "a cost")
    expected = network.compute_cost(
        net.X, net.Y, net.parameters, "relu", "sigmoid", lambd=lambd
    )  # fmt: skip
    known = l2_cost_known(float(expected), _penalty(net), lambd, net.m)
    assert_matches(
        impl, "compute_cost_with_regularization", {"cost": cost}, {"cost": expected},
        net.rounding_terms(), None, {"cost": known}, rule=L2_COST_RULE,
    )  # fmt: skip


def check_backward_propagation_with_regularization(impl: Any, net: Net, lambd: float) -> None:
    with implemented(impl, "backward_propagation_with_regularization"):
        grads = impl.backward_propagation_with_regularization(
            net.X, net.Y, net.course_cache(), lambd
        )
    expected = network.backward_all(
        net.X, net.Y, net.parameters, "relu", "sigmoid", lambd=lambd
    )  # fmt: skip
    m = net.m
    known = l2_known(mixing_known(expected, m), expected, net.parameters, lambd, m)
    assert_matches(
        impl, "backward_propagation_with_regularization", grads, expected,
        net.rounding_terms(), m, known, scale=network_scale(net, lambd), by_layer=True,
        rule=L2_BACKWARD_RULE,
    )  # fmt: skip


# --- Updates: gradient descent, momentum, Adam ---------------------------------------------------


@dataclass(frozen=True)
class Steps:
    """Parameters ``W1, b1[, W2, b2]`` and a gradient for each of ``len(grads)`` steps."""

    parameters: dict[str, Array]
    grads: list[dict[str, Array]]


@st.composite
def steps(draw: st.DrawFn, layers: int | None = None) -> Steps:
    """One or two layers (or exactly ``layers``), and one to three steps' gradients."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    L = layers or draw(st.integers(1, 2))
    dims = [draw(st.integers(1, 5)) for _ in range(L + 1)]
    parameters: dict[str, Array] = {}
    for k in range(1, L + 1):
        parameters[f"W{k}"] = read_only(rng.uniform(-10, 10, (dims[k], dims[k - 1])))
        parameters[f"b{k}"] = read_only(rng.uniform(-10, 10, (dims[k], 1)))
    grads = [
        {f"d{k}": read_only(np.where(rng.random(p.shape) < 0.1, 0.0, rng.uniform(-10, 10, p.shape)))
         for k, p in parameters.items()}
        for _ in range(draw(st.integers(1, 3)))
    ]  # fmt: skip
    return Steps(parameters, grads)


def _scales(start: Mapping[str, Array], path: Sequence[Mapping[str, Array]]) -> dict[str, float]:
    """Each parameter's size plus the path the reference travelled (steps may cancel)."""
    scales = {}
    for k, p in start.items():
        travelled = sum(float(np.max(np.abs(b[k] - a[k]))) for a, b in itertools.pairwise(path))
        scales[k] = float(np.max(np.abs(p))) + travelled
    return scales


def _gradient_scales(s: Steps, power: int = 1) -> dict[str, float]:
    """The scale of a moving average of the gradients (``power`` 1) or of their squares (2): the
    largest term averaged. Gradients of both signs may cancel the average to almost 0."""
    return {
        f"d{k}": max(float(np.max(np.abs(g[f"d{k}"]))) ** power for g in s.grads)
        for k in s.parameters
    }


def _path(make: Callable[..., Any], s: Steps) -> list[dict[str, Array]]:
    return [dict(s.parameters)] + [
        torch_steps(make, s.parameters, s.grads[: t + 1])[0] for t in range(len(s.grads))
    ]


def check_update_parameters(impl: Any, s: Steps, lr: float) -> None:
    parameters = dict(s.parameters)
    with implemented(impl, "update_parameters"):
        for grads in s.grads:
            parameters = impl.update_parameters(dict(parameters), dict(grads), lr)
    sgd = _path(lambda p: torch.optim.SGD(p, lr=lr), s)
    added = dict(s.parameters)
    for grads in s.grads:
        added = {k: v + lr * grads[f"d{k}"] for k, v in added.items()}
    known = {
        k: {"you add the gradient: gradient descent subtracts it (W = W - learning_rate * dW)":
            added[k]}
        for k in added
    }  # fmt: skip
    assert_matches(
        impl, f"update_parameters after {len(s.grads)} steps", parameters, sgd[-1],
        OPS_PER_STEP * len(s.grads), known=known, scale=_scales(s.parameters, sgd),
    )  # fmt: skip


def _zeros(
    impl: Any, function: str, state: Mapping[str, Array], parameters: Mapping[str, Array]
) -> None:
    for k, p in parameters.items():
        d = f"d{k}"
        assert d in state, f"{function}: no {d!r} (it has {sorted(state)}); one per parameter"
        value = np.asarray(state[d])
        assert value.shape == p.shape and not value.any(), (
            f"{function}: {d} must be zeros of {k}'s shape {p.shape}; it is {value.shape}"
            + ("" if not value.any() else ", not all zeros")
        )


def check_momentum(impl: Any, s: Steps, lr: float, beta: float) -> None:
    with implemented(impl, "initialize_velocity", "update_parameters_with_momentum"):
        v = impl.initialize_velocity(dict(s.parameters))
        _zeros(impl, "initialize_velocity", v, s.parameters)
        parameters = dict(s.parameters)
        for grads in s.grads:
            parameters, v = impl.update_parameters_with_momentum(
                dict(parameters), dict(grads), dict(v), beta, lr
            )
    # The course's v = beta v + (1 - beta) dW is (1 - beta) times torch's momentum buffer
    # (buf = beta buf + dW): SGD(lr (1 - beta), momentum=beta) takes the same steps.
    make = (lambda p: torch.optim.SGD(p, lr=lr * (1 - beta), momentum=beta)) if beta else (
        lambda p: torch.optim.SGD(p, lr=lr))  # fmt: skip
    expected, state = torch_steps(make, s.parameters, s.grads, ["momentum_buffer"] if beta else [])
    expected_v = (
        {k: (1 - beta) * b for k, b in state["momentum_buffer"].items()}
        if beta
        else dict(s.grads[-1])
    )
    torch_momentum = torch_steps(
        lambda p: torch.optim.SGD(p, lr=lr, momentum=beta), s.parameters, s.grads
    )[0]
    no_velocity = torch_steps(lambda p: torch.optim.SGD(p, lr=lr), s.parameters, s.grads)[0]
    known = {
        k: {
            "v = beta v + dW is torch's momentum, not the course's: "
            "v = beta v + (1 - beta) dW": torch_momentum[k],
            "the update uses the gradient, not the velocity: W = W - learning_rate * v": (
                no_velocity[k]
            ),
        }
        for k in s.parameters
    }
    n = len(s.grads)
    path = _path(make, s)
    assert_matches(
        impl, f"update_parameters_with_momentum after {n} steps", parameters, expected,
        OPS_PER_STEP * n, known=known, scale=_scales(s.parameters, path),
    )  # fmt: skip
    assert_matches(
        impl, f"update_parameters_with_momentum after {n} steps (v)", v, expected_v,
        OPS_PER_STEP * n, scale=_gradient_scales(s),
    )  # fmt: skip


def _adam_variant(
    s: Steps, lr: float, beta1: float, beta2: float, eps: float, correct: bool, inside: bool
) -> dict[str, Array]:
    """Adam with a known mistake (no bias correction; epsilon inside the square root), written
    out for the diagnosis only: the reference is torch.optim.Adam."""
    p = {k: np.array(v) for k, v in s.parameters.items()}
    v = {k: np.zeros_like(x) for k, x in p.items()}
    sq = {k: np.zeros_like(x) for k, x in p.items()}
    for t, grads in enumerate(s.grads, start=1):
        for k in p:
            g = grads[f"d{k}"]
            v[k] = beta1 * v[k] + (1 - beta1) * g
            sq[k] = beta2 * sq[k] + (1 - beta2) * g * g
            v_hat = v[k] / (1 - beta1**t) if correct else v[k]
            s_hat = sq[k] / (1 - beta2**t) if correct else sq[k]
            step = v_hat / (np.sqrt(s_hat + eps) if inside else np.sqrt(s_hat) + eps)
            p[k] = p[k] - lr * step
    return p


def check_adam(impl: Any, s: Steps, lr: float, beta1: float, beta2: float, eps: float) -> None:
    with implemented(impl, "initialize_adam", "update_parameters_with_adam"):
        v, sq = impl.initialize_adam(dict(s.parameters))
        _zeros(impl, "initialize_adam (v)", v, s.parameters)
        _zeros(impl, "initialize_adam (s)", sq, s.parameters)
        parameters = dict(s.parameters)
        for t, grads in enumerate(s.grads, start=1):
            # The course's returns parameters, v, s (and, in later versions, v_corrected and
            # s_corrected): the first three are read.
            out = impl.update_parameters_with_adam(
                dict(parameters), dict(grads), dict(v), dict(sq), t, lr, beta1, beta2, eps
            )
            parameters, v, sq = out[0], out[1], out[2]

    def make(p: list[torch.Tensor]) -> torch.optim.Optimizer:
        return torch.optim.Adam(p, lr=lr, betas=(beta1, beta2), eps=eps)

    expected, state = torch_steps(make, s.parameters, s.grads, ["exp_avg", "exp_avg_sq"])
    known = {
        k: {
            "no bias correction: v_corrected = v / (1 - beta1**t), "
            "s_corrected = s / (1 - beta2**t)": _adam_variant(
                s, lr, beta1, beta2, eps, False, False
            )[k],
            "epsilon is inside the square root: the step is "
            "v_corrected / (sqrt(s_corrected) + epsilon)": _adam_variant(
                s, lr, beta1, beta2, eps, True, True
            )[k],
        }
        for k in s.parameters
    }
    n = len(s.grads)
    function = f"update_parameters_with_adam after {n} steps"
    assert_matches(
        impl, function, parameters, expected, OPS_PER_STEP * n, known=known,
        scale=_scales(s.parameters, _path(make, s)),
    )  # fmt: skip
    assert_matches(
        impl, f"{function} (v)", v, state["exp_avg"], OPS_PER_STEP * n, scale=_gradient_scales(s)
    )
    assert_matches(
        impl, f"{function} (s)", sq, state["exp_avg_sq"], OPS_PER_STEP * n,
        scale=_gradient_scales(s, 2),
    )  # fmt: skip


# --- Mini-batches and learning-rate decay --------------------------------------------------------


def check_random_mini_batches(impl: Any, m: int, size: int, n: int, seed: int) -> None:
    """Column ``j`` of ``X`` starts with ``j`` (so a batch's columns name their examples) and ``Y``
    is a function of ``j``, so an ``X`` separated from its ``Y`` shows."""
    X = read_only(np.vstack([np.arange(m, dtype=np.float64), np.ones((n - 1, m)) * 0.5]))
    Y = read_only((np.arange(m) % 3 == 1).astype(np.float64).reshape(1, m))
    with implemented(impl, "random_mini_batches"):
        batches = list(impl.random_mini_batches(X, Y, size, seed))
    name = f"random_mini_batches(m = {m}, mini_batch_size = {size})"
    count = math.ceil(m / size)
    assert len(batches) == count, (
        f"{name}: {len(batches)} mini-batches, expected ceil(m / mini_batch_size) = {count}"
        + (
            f": the last one, of the {m % size} examples left over, is missing"
            if len(batches) == count - 1 and m % size
            else ""
        )
    )
    for i, (X_b, Y_b) in enumerate(batches):
        want = size if i < count - 1 else m - size * (count - 1)
        assert np.shape(X_b) == (n, want) and np.shape(Y_b) == (1, want), (
            f"{name}: mini-batch {i} has X {np.shape(X_b)} and Y {np.shape(Y_b)}, expected "
            f"({n}, {want}) and (1, {want})"
        )
    order = np.concatenate([np.asarray(X_b)[0] for X_b, _ in batches]).astype(int)
    assert sorted(order.tolist()) == list(range(m)), (
        f"{name}: the mini-batches do not hold each example once (examples {order.tolist()}); "
        "shuffle with one permutation of range(m) and cut it in order"
    )
    paired = np.concatenate([np.asarray(Y_b)[0] for _, Y_b in batches])
    assert np.array_equal(paired, Y[0, order]), (
        f"{name}: the labels no longer belong to their examples: shuffle X and Y with the same "
        "permutation (X[:, permutation], Y[:, permutation])"
    )
    if m >= 8:
        assert not np.array_equal(order, np.arange(m)), (
            f"{name}: the examples are in their original order: shuffle them first "
            "(permutation = np.random.permutation(m))"
        )


def check_learning_rate_decay(
    impl: Any, lr0: float, epoch: int, rate: float, interval: int
) -> None:
    with implemented(impl, "update_lr"):
        got = _number(impl.update_lr(lr0, epoch, rate), "update_lr", "a learning rate")
    assert_matches(
        impl, f"update_lr({lr0}, {epoch}, {rate})", {"learning_rate": got},
        {"learning_rate": np.float64(lr0 / (1 + rate * epoch))}, 4,
    )  # fmt: skip
    with implemented(impl, "schedule_lr_decay"):
        got = _number(
            impl.schedule_lr_decay(lr0, epoch, rate, interval), "schedule_lr_decay",
            "a learning rate",
        )  # fmt: skip
    every_epoch = np.float64(lr0 / (1 + rate * epoch))
    assert_matches(
        impl, f"schedule_lr_decay({lr0}, {epoch}, {rate}, {interval})", {"learning_rate": got},
        {"learning_rate": np.float64(lr0 / (1 + rate * math.floor(epoch / interval)))}, 4,
        known={"learning_rate": {
            "the rate decays every epoch: schedule_lr_decay holds it for time_interval epochs "
            "(decay_rate * floor(epoch_num / time_interval))": every_epoch}},
    )  # fmt: skip


# --- The table: each check and what it draws -----------------------------------------------------

lambdas = st.sampled_from([0.1, 0.7, 1.5])

#: For each row of the course's table: the checks (a function of the implementation and the drawn
#: arguments) and the strategies of their arguments.
COURSE_CHECKS: dict[str, list[tuple[Callable[..., None], dict[str, st.SearchStrategy[Any]]]]] = {
    "L_model_forward": [(check_L_model_forward, {"net": course_networks()})],
    "compute_cost": [(check_compute_cost, {"net": course_networks()})],
    "propagate": [(check_propagate, {"net": course_networks(layers=1)})],
    "L_model_backward": [(check_L_model_backward, {"net": course_networks()})],
    "compute_cost_with_regularization": [
        (
            check_compute_cost_with_regularization,
            {"net": course_networks(layers=3), "lambd": lambdas},
        )
    ],
    "backward_propagation_with_regularization": [
        (
            check_backward_propagation_with_regularization,
            {"net": course_networks(layers=3), "lambd": lambdas},
        )
    ],
    "update_parameters": [(check_update_parameters, {"s": steps(), "lr": learning_rates})],
    "update_parameters_with_momentum": [
        (check_momentum, {"s": steps(), "lr": learning_rates, "beta": betas})
    ],
    "update_parameters_with_adam": [
        (
            check_adam,
            {"s": steps(), "lr": learning_rates, "beta1": betas, "beta2": betas, "eps": epsilons},
        )
    ],
    "random_mini_batches": [
        (
            check_random_mini_batches,
            {
                "m": st.integers(1, 50),
                "size": st.integers(1, 16),
                "n": st.integers(1, 3),
                "seed": st.integers(0, 999),
            },
        )
    ],
    "update_lr, schedule_lr_decay": [
        (
            check_learning_rate_decay,
            {
                "lr0": st.floats(1e-4, 1.0),
                "epoch": st.integers(0, 5000),
                "rate": st.floats(0.0, 2.0),
                "interval": st.integers(1, 1000),
            },
        )
    ],
}
#: The functions of the course each row of ``COURSE_CHECKS`` calls.
COURSE_FUNCTIONS_OF = {
    "L_model_forward": ("L_model_forward",),
    "compute_cost": ("compute_cost",),
    "propagate": ("propagate",),
    "L_model_backward": ("L_model_forward", "L_model_backward"),
    "compute_cost_with_regularization": ("compute_cost_with_regularization",),
    "backward_propagation_with_regularization": ("backward_propagation_with_regularization",),
    "update_parameters": ("update_parameters",),
    "update_parameters_with_momentum": ("initialize_velocity", "update_parameters_with_momentum"),
    "update_parameters_with_adam": ("initialize_adam", "update_parameters_with_adam"),
    "random_mini_batches": ("random_mini_batches",),
    "update_lr, schedule_lr_decay": ("update_lr", "schedule_lr_decay"),
}
