"""The course's gradient-checking assignment: its functions, and the gradient check itself checked.

- ``forward_propagation(x, theta)``: ``J = theta * x``; ``backward_propagation(x, theta)``:
  ``dtheta = dJ/dtheta = x`` (autograd's).
- ``forward_propagation_n(X, Y, parameters) -> cost, cache``: the course's 3-layer network
  ``LINEAR -> RELU -> LINEAR -> RELU -> LINEAR -> SIGMOID`` (``W1 (5, 4)``, ``W2 (3, 5)``,
  ``W3 (1, 3)``), the mean binary cross-entropy; ``backward_propagation_n(X, Y, cache)``:
  ``dW{l}, db{l}`` against autograd, given the right cache ``(Z1, A1, W1, b1, ..., A3, W3, b3)``;
  the first wrong layer from the top is named.
- ``gradient_check(x, theta, epsilon=1e-7)`` and ``gradient_check_n(parameters, gradients, X, Y,
  epsilon=1e-7)``: run with the right forward in place of the learner's (a copy of the function
  whose global ``forward_propagation[_n]`` and ``backward_propagation`` are this module's, which
  record the ``theta`` they are called with; the learner's own file is not changed, and its
  helpers ``dictionary_to_vector``, ``vector_to_dictionary``, ``gradients_to_vector`` are used as
  they are). Fed the right gradient it must pass (a difference under the course's ``2e-7``), fed
  the gradient with one element off by ``1 + ||g||`` it must fail; the perturbations it makes must
  be the course's, ``theta[i] +- epsilon`` one element at a time (a one-sided difference, a step
  other than the ``epsilon`` it is given, several elements at once are named), and its difference
  must be the course's ``||g - g_approx||_2 / (||g||_2 + ||g_approx||_2)`` (the L1 norm, squared
  norms, no denominator... are named). Its default ``epsilon`` must be the course's ``1e-7``.

The drawn networks keep every relu input at least ``1e-3`` from the kink, so that a perturbation
of at most ``1e-5`` never crosses it, and draws whose right difference is above ``1e-7``
(a gradient so small that rounding dominates) are left out: the course's threshold then tells a
right gradient from a wrong one on every draw.
"""

from __future__ import annotations

import contextlib
import inspect
import io
import math
import types
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from hypothesis import assume
from hypothesis import strategies as st
from hypothesis.control import currently_in_test_context

import oracle.network as network
from oracle.checks.course import Net, assert_matches, network_scale
from oracle.checks.outcomes import NotChecked, implemented
from oracle.checks.strategies import arrays, read_only

Array = Any

COURSE_EPSILON = 1e-7
#: The course's verdict: a difference above this means the backward is wrong.
THRESHOLD = 2e-7
#: The course's network: the widths of gradient_check_n's vector_to_dictionary.
DIMS = (4, 5, 3, 1)
KEYS = ("W1", "b1", "W2", "b2", "W3", "b3")
epsilons = st.sampled_from([1e-7, 1e-6, 1e-5])


# --- The 1-D pair --------------------------------------------------------------------------------


def check_forward_propagation(impl: Any, x: float, theta: float) -> None:
    with implemented(impl, "forward_propagation"):
        J = impl.forward_propagation(x, theta)
    assert_matches(
        impl, "forward_propagation(x, theta)", {"J": np.asarray(J, dtype=np.float64)},
        {"J": np.float64(theta * x)}, 2,
        known={"J": {"J = theta + x: the assignment's J is theta * x": np.float64(theta + x)}},
        rule=("J(theta) = theta * x", ""),
    )  # fmt: skip


def check_backward_propagation(impl: Any, x: float, theta: float) -> None:
    with implemented(impl, "backward_propagation"):
        dtheta = impl.backward_propagation(x, theta)
    t = torch.tensor(theta, dtype=torch.float64, requires_grad=True)
    (expected,) = torch.autograd.grad(t * x, t)
    assert_matches(
        impl, "backward_propagation(x, theta)", {"dtheta": np.asarray(dtheta, dtype=np.float64)},
        {"dtheta": np.float64(expected.item())}, 2,
        known={"dtheta": {"that is dJ/dx = theta: gradient checking needs dJ/dtheta = x":
                          np.float64(theta)}},
        rule=("dtheta = dJ/dtheta = x, for J = theta * x", ""),
    )  # fmt: skip


# --- The n-dimensional pair ----------------------------------------------------------------------


@st.composite
def gradcheck_networks(draw: st.DrawFn) -> Net:
    """The course's 4-5-3-1 network, m from 1 to 10, relu inputs at least 1e-3 from 0."""
    m = draw(st.integers(1, 10), label="m")
    parameters = {}
    for k in range(1, 4):
        bound = 2 / np.sqrt(DIMS[k - 1])
        parameters[f"W{k}"] = draw(arrays((DIMS[k], DIMS[k - 1]), -bound, bound))
        parameters[f"b{k}"] = draw(arrays((DIMS[k], 1), -1.0, 1.0))
    X = draw(arrays((DIMS[0], m), -3.0, 3.0))
    Y = read_only((draw(arrays((1, m), 0.0, 1.0)) >= 0.5).astype(np.float64))
    net = Net(X, Y, parameters)
    layers = net.forward()
    for Z, _ in layers[:-1]:
        assume(bool(np.all(np.abs(Z) > 1e-3)))
    AL = layers[-1][1]
    assume(float(np.min(AL * (1 - AL))) > 1e-6)
    return net


def cost_n(X: Array, Y: Array, parameters: Mapping[str, Array]) -> tuple[float, tuple[Any, ...]]:
    """The course's ``forward_propagation_n`` in float64 NumPy: the cost and the cache."""
    cache: list[Any] = []
    A = X
    for k in (1, 2, 3):
        W, b = np.asarray(parameters[f"W{k}"]), np.asarray(parameters[f"b{k}"])
        Z = W @ A + b
        A = np.maximum(Z, 0) if k < 3 else 1 / (1 + np.exp(-Z))
        cache += [Z, A, W, b]
    m = X.shape[1]
    J = float(-np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m)
    return J, tuple(cache)


def check_forward_propagation_n(impl: Any, net: Net) -> None:
    with implemented(impl, "forward_propagation_n"):
        out = impl.forward_propagation_n(net.X, net.Y, dict(net.parameters))
    cost = out[0] if isinstance(out, tuple) else out
    expected = network.compute_cost(net.X, net.Y, net.parameters, "relu", "sigmoid")
    assert_matches(
        impl, "forward_propagation_n", {"cost": np.asarray(cost, dtype=np.float64).reshape(())},
        {"cost": expected}, net.rounding_terms(), net.m,
        known={"cost": {"the cost is the sum of the losses: it is their mean (1/m)":
                        expected * net.m}},
        rule=("cost = -(1/m) sum(Y log(A3) + (1 - Y) log(1 - A3)), relu, relu, sigmoid",
              "binary_cross_entropy_backward"),
    )  # fmt: skip


def check_backward_propagation_n(impl: Any, net: Net) -> None:
    with implemented(impl, "backward_propagation_n"):
        grads = impl.backward_propagation_n(net.X, net.Y, net.course_cache())
    expected = network.backward_all(net.X, net.Y, net.parameters, "relu", "sigmoid")
    assert_matches(
        impl, "backward_propagation_n", grads, expected, net.rounding_terms(), net.m,
        scale=network_scale(net), by_layer=True,
        rule=(
            "dZ3 = A3 - Y, dW[l] = (1/m) dZ[l] @ A[l-1].T, db[l] = (1/m) sum(dZ[l], axis=1), "
            "dZ[l] = W[l+1].T @ dZ[l+1] * (A[l] > 0)",
            "a-two-layer-example-both-reach-the-same-dw",
        ),
    )  # fmt: skip


# --- The gradient checks themselves --------------------------------------------------------------


def with_globals(f: Callable[..., Any], **replaced: Any) -> Callable[..., Any]:
    """A copy of the learner's ``f`` whose globals ``replaced`` are these (its module is not
    changed)."""
    raw = inspect.unwrap(f)
    code = getattr(raw, "__code__", None)
    if code is None:
        raise NotChecked("not a Python function: its forward cannot be replaced")
    scope = {**raw.__globals__, **replaced}
    copy = types.FunctionType(code, scope, raw.__name__, raw.__defaults__, raw.__closure__)
    copy.__kwdefaults__ = raw.__kwdefaults__
    return copy


def _epsilon_default(f: Callable[..., Any]) -> tuple[bool, float | None]:
    """Whether ``f`` takes an epsilon (a third, or fifth, parameter), and its default."""
    try:
        params = list(inspect.signature(f).parameters.values())
    except (TypeError, ValueError):
        return False, None
    for p in params:
        if p.name.lower() in ("epsilon", "eps", "e", "h", "delta", "step"):
            default = p.default if p.default is not p.empty else None
            return True, float(default) if isinstance(default, (int, float)) else None
    return False, None


def check_epsilon_default(impl: Any, name: str) -> None:
    with implemented(impl, name):
        _, default = _epsilon_default(getattr(impl, name))
    assert default is None or math.isclose(default, COURSE_EPSILON, rel_tol=1e-9), (
        f"{name}: its default epsilon is {default:g}; the course's is 1e-7 (small enough that "
        "the two-sided difference's error, O(epsilon**2), is far below the threshold 2e-7)"
    )


@dataclass
class Recorded:
    """The thetas the learner's gradient check called the forward with (flattened)."""

    thetas: list[Array]


def _perturbations(name: str, recorded: Recorded, theta: Array, epsilon: float) -> None:
    """The calls are the course's: each element at +epsilon and at -epsilon, alone."""
    n = theta.size
    forward = "forward_propagation_n" if n > 1 else "forward_propagation"
    assert recorded.thetas, (
        f"{name}: it never calls {forward}: g_approx is (J(theta + epsilon) - J(theta - epsilon)) "
        "/ (2 epsilon), one element at a time"
    )
    steps = [t - theta for t in recorded.thetas]
    several = [s for s in steps if np.count_nonzero(np.abs(s) > epsilon * 1e-3) > 1]
    assert not several, (
        f"{name}: a call of {forward} has {np.count_nonzero(np.abs(several[0]) > epsilon * 1e-3)}"
        " elements of theta perturbed at once\n  diagnosis: perturb one element, in a fresh copy "
        "(thetaplus = np.copy(parameters_values); without the copy, the earlier perturbations "
        "stay)"
    )
    moved = [(int(np.argmax(np.abs(s))), float(s.flat[int(np.argmax(np.abs(s)))]))
             for s in steps if np.any(np.abs(s) > epsilon * 1e-3)]  # fmt: skip
    sizes = sorted({float(f"{abs(d):.3g}") for _, d in moved})
    assert moved and all(math.isclose(s, epsilon, rel_tol=1e-4) for s in sizes), (
        f"{name}: it perturbs theta by {', '.join(f'{s:.3g}' for s in sizes[:3]) or 'nothing'}, "
        f"not by the epsilon = {epsilon:g} it is given\n  diagnosis: the wrong epsilon: "
        "theta_plus[i] = theta[i] + epsilon and theta_minus[i] = theta[i] - epsilon, with the "
        "epsilon argument"
    )
    plus = {i for i, d in moved if d > 0}
    minus = {i for i, d in moved if d < 0}
    assert plus and minus, (
        f"{name}: it evaluates J(theta {'+' if plus else '-'} epsilon) and J(theta) only\n"
        "  diagnosis: a one-sided difference; the course's is two-sided, g_approx = "
        "(J(theta + epsilon) - J(theta - epsilon)) / (2 epsilon), whose error is O(epsilon**2), "
        "not O(epsilon)"
    )
    missing = sorted(set(range(n)) - (plus & minus))
    assert not missing, (
        f"{name}: it perturbs {n - len(missing)} of the {n} elements of theta (never element "
        f"{missing[0]}): loop over all of them, num_parameters = parameters_values.shape[0]"
    )


def _norm_variants(g: Array, ga: Array) -> dict[str, float]:
    """What known mistakes in the relative difference return."""
    d = g - ga
    l1 = float(np.sum(np.abs(d)) / (np.sum(np.abs(g)) + np.sum(np.abs(ga))))
    return {
        "the L1 norm: the course's difference uses the L2 norm, np.linalg.norm(grad - "
        "gradapprox) / (np.linalg.norm(grad) + np.linalg.norm(gradapprox))": l1,
        "squared norms (no square root): the L2 norm is np.linalg.norm, the square root of the "
        "sum of squares": float(np.sum(d * d) / (np.sum(g * g) + np.sum(ga * ga))),
        "no denominator: the difference is relative, divided by ||grad||_2 + ||gradapprox||_2": (
            float(np.linalg.norm(d))
        ),
        "the denominator is ||grad + gradapprox||_2: it is ||grad||_2 + ||gradapprox||_2, the "
        "sum of the two norms": float(np.linalg.norm(d) / np.linalg.norm(g + ga)),
        "the denominator is ||grad||_2 alone: it is ||grad||_2 + ||gradapprox||_2": (
            float(np.linalg.norm(d) / np.linalg.norm(g))
        ),
    }


def _judge(
    name: str,
    impl: Any,
    run: Callable[[Array], tuple[Any, Recorded]],
    theta: Array,
    g: Array,
    epsilon: float,
    J: Callable[[Array], float],
) -> None:
    """``run(gradient)`` calls the learner's check with that gradient (as a vector ``g``):
    right, it must pass; one element off, it must fail, with the course's formula."""  # fmt: skip
    difference, recorded = run(g)
    _perturbations(name, recorded, theta, epsilon)
    n = theta.size
    ga = np.array([
        (J(theta + epsilon * e) - J(theta - epsilon * e)) / (2 * epsilon) for e in np.eye(n)
    ])  # fmt: skip
    right = float(np.linalg.norm(g - ga) / (np.linalg.norm(g) + np.linalg.norm(ga)))
    if not right < 0.5 * THRESHOLD:  # rounding dominates this draw's gradient: another one
        if currently_in_test_context():
            assume(False)
        raise NotChecked(f"the right difference here is {right:.3g}: too close to the threshold")
    if difference is None:
        raise NotChecked(
            f"{name} returns nothing: the course's returns the difference (it was not checked)"
        )
    value = float(np.asarray(difference, dtype=np.float64).reshape(()))
    assert value <= THRESHOLD, (
        f"{name}: fed the right gradient it returns the difference {value:.3g}, above the "
        f"course's threshold 2e-7 (the right difference here is {right:.3g}): a right backward "
        "would be reported wrong"
    )
    wrong_g = np.array(g)
    i = int(np.argmax(np.abs(g)))
    wrong_g[i] += 1.0 + float(np.linalg.norm(g))
    value, _ = run(wrong_g)
    expected = float(np.linalg.norm(wrong_g - ga) / (np.linalg.norm(wrong_g) + np.linalg.norm(ga)))
    assert_matches(
        impl, f"{name}, fed a gradient with element {i} wrong",
        {"difference": np.asarray(value, dtype=np.float64).reshape(())},
        {"difference": np.float64(expected)}, 4 * n,
        known={"difference": {k: np.float64(v) for k, v in _norm_variants(wrong_g, ga).items()}},
        rule=("difference = ||grad - gradapprox||_2 / (||grad||_2 + ||gradapprox||_2)", ""),
    )  # fmt: skip
    assert float(value) > THRESHOLD, (
        f"{name}: fed a gradient with element {i} wrong it returns {float(value):.3g}, under "
        "the threshold 2e-7: a wrong backward would pass"
    )


def _quietly(f: Callable[..., Any], *args: Any) -> Any:
    """The course's checks print their verdict: kept out of the table."""
    with contextlib.redirect_stdout(io.StringIO()):
        return f(*args)


def check_gradient_check(impl: Any, x: float, theta: float, epsilon: float) -> None:
    """The learner's ``gradient_check(x, theta, epsilon)`` with the right ``J = theta * x``."""
    with implemented(impl, "gradient_check"):
        f = impl.gradient_check
        takes, _ = _epsilon_default(f)
        eps = epsilon if takes else COURSE_EPSILON

        def run(g: Array) -> tuple[Any, Recorded]:
            recorded = Recorded([])

            def forward_propagation(x_: Any, theta_: Any) -> Any:
                recorded.thetas.append(np.asarray(theta_, dtype=np.float64).reshape(1))
                return theta_ * x_

            def backward_propagation(x_: Any, theta_: Any) -> Any:
                return float(g[0])

            copy = with_globals(f, forward_propagation=forward_propagation,
                                backward_propagation=backward_propagation)  # fmt: skip
            args = (x, theta, eps) if takes else (x, theta)
            return _quietly(copy, *args), recorded

        _judge("gradient_check", impl, run, np.array([theta]), np.array([float(x)]), eps,
               lambda t: float(t[0] * x))  # fmt: skip


def _vector(parameters: Mapping[str, Array]) -> Array:
    return np.concatenate([np.asarray(parameters[k], dtype=np.float64).reshape(-1) for k in KEYS])


def check_gradient_check_n(impl: Any, net: Net, epsilon: float) -> None:
    """The learner's ``gradient_check_n`` with the right ``forward_propagation_n``."""
    with implemented(impl, "gradient_check_n"):
        f = impl.gradient_check_n
        takes, _ = _epsilon_default(f)
        eps = epsilon if takes else COURSE_EPSILON
        theta = _vector(net.parameters)
        shapes = {k: v.shape for k, v in net.parameters.items()}

        def run(g: Array) -> tuple[Any, Recorded]:
            recorded = Recorded([])

            def forward_propagation_n(X: Array, Y: Array, parameters: Any) -> Any:
                got = {k: np.shape(parameters[k]) for k in KEYS if k in parameters}
                assert got == shapes, (
                    f"gradient_check_n: it calls forward_propagation_n with parameters of shapes "
                    f"{got}, not {shapes}: see its dictionary_to_vector and vector_to_dictionary"
                )
                recorded.thetas.append(_vector(parameters))
                return cost_n(X, Y, parameters)

            gradients, start = {}, 0
            for k in KEYS:
                size = int(np.prod(shapes[k]))
                gradients[f"d{k}"] = g[start : start + size].reshape(shapes[k])
                start += size
            copy = with_globals(f, forward_propagation_n=forward_propagation_n)
            args: tuple[Any, ...] = (dict(net.parameters), gradients, net.X, net.Y)
            return _quietly(copy, *(args + ((eps,) if takes else ()))), recorded

        expected = network.backward_all(net.X, net.Y, net.parameters, "relu", "sigmoid")
        g = np.concatenate([np.asarray(expected[f"d{k}"]).reshape(-1) for k in KEYS])

        def J(t: Array) -> float:
            parameters, start = {}, 0
            for k in KEYS:
                size = int(np.prod(shapes[k]))
                parameters[k] = t[start : start + size].reshape(shapes[k])
                start += size
            return cost_n(net.X, net.Y, parameters)[0]

        _judge("gradient_check_n", impl, run, theta, g, eps, J)


# --- Reading -------------------------------------------------------------------------------------

#: For each of the assignment's names, its required parameters (lower case) and what it is.
SIGNATURES = {
    "forward_propagation": (("x", "theta"), "J = theta * x (the gradient-checking assignment)"),
    "backward_propagation": (("x", "theta"), "dtheta = x, against autograd"),
    "gradient_check": (("x", "theta"), "a gradient check, itself checked: with the right "
                       "forward, a right and a wrong gradient"),
    "forward_propagation_n": (("x", "y", "parameters"), "the course's 3-layer cost"),
    "backward_propagation_n": (("x", "y", "cache"), "the course's 3-layer gradients, vs autograd"),
    "gradient_check_n": (("parameters", "gradients", "x", "y"), "a gradient check, itself "
                         "checked: with the right forward, a right and a wrong gradient"),
}  # fmt: skip


def _required(f: Callable[..., Any]) -> tuple[str, ...] | None:
    try:
        params = inspect.signature(f).parameters.values()
    except (TypeError, ValueError):
        return None
    return tuple(
        p.name.lower() for p in params
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.default is p.empty
    )  # fmt: skip


def recognise(name: str, f: Callable[..., Any]) -> str | None:
    entry = SIGNATURES.get(name)
    if entry is None:
        return None
    required = _required(f) or ()
    # gradient_check(x, theta, epsilon) with no default: the epsilon is the third.
    return entry[1] if required[: len(entry[0])] == entry[0] else None


_values = st.floats(0.1, 10.0).flatmap(lambda v: st.sampled_from([v, -v]))


def checks(
    name: str, f: Callable[..., Any]
) -> list[tuple[str, Callable[..., None], dict[str, st.SearchStrategy[Any]] | None]]:
    one = {"x": _values, "theta": _values}
    table: dict[str, list[tuple[str, Callable[..., None], dict[str, Any] | None]]] = {
        "forward_propagation": [("J = theta * x", check_forward_propagation, one)],
        "backward_propagation": [("dtheta vs autograd", check_backward_propagation, one)],
        "forward_propagation_n": [
            ("the cost vs the oracle", check_forward_propagation_n, {"net": gradcheck_networks()})
        ],
        "backward_propagation_n": [
            ("gradients vs autograd", check_backward_propagation_n, {"net": gradcheck_networks()})
        ],
        "gradient_check": [
            ("a right and a wrong gradient", check_gradient_check, {**one, "epsilon": epsilons}),
        ],
        "gradient_check_n": [
            ("a right and a wrong gradient", check_gradient_check_n,
             {"net": gradcheck_networks(), "epsilon": epsilons}),
        ],
    }  # fmt: skip
    plans = list(table.get(name, []))
    if name.startswith("gradient_check"):
        plans.append(("its default epsilon", _default(name), None))
    return plans


def _default(name: str) -> Callable[..., None]:
    def run(impl: Any) -> None:
        check_epsilon_default(impl, name)

    return run
