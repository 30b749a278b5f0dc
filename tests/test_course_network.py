"""The course's network-level functions (the checks: ``oracle.checks.course``).

A learner's assignment file has more than the contract's functions: the whole L-layer network, its
cost, L2 regularisation, the update rules and the mini-batches. ``deepscratch check`` runs these
checks on the learner's file; here they run on ``examples/course_nn.py`` (written as the course's
assignments are), and the planted mistakes at the end show what each check says.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from oracle.checks.conventions import COURSE, course_adapter
from oracle.checks.course import (
    Array,
    Net,
    Steps,
    check_adam,
    check_backward_propagation_with_regularization,
    check_compute_cost,
    check_compute_cost_with_regularization,
    check_L_model_backward,
    check_L_model_forward,
    check_learning_rate_decay,
    check_momentum,
    check_propagate,
    check_random_mini_batches,
    check_update_parameters,
    course_networks,
    steps,
)
from oracle.checks.loading import load
from oracle.checks.strategies import betas, epsilons, learning_rates, read_only

#: The course-style reference file.
COURSE_EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "course_nn.py"


@pytest.fixture(scope="session")
def course() -> Any:
    """``examples/course_nn.py``, read the course's way."""
    return course_adapter(load(COURSE_EXAMPLE).module, COURSE)


# --- The tests: examples/course_nn.py ------------------------------------------------------------

lambdas = st.sampled_from([0.1, 0.7, 1.5])


@pytest.mark.parametrize("case", ["L_model_forward"])
@given(net=course_networks())
def test_L_model_forward(course: Any, case: str, net: Net) -> None:
    check_L_model_forward(course, net)


@pytest.mark.parametrize("case", ["compute_cost"])
@given(net=course_networks())
def test_compute_cost(course: Any, case: str, net: Net) -> None:
    check_compute_cost(course, net)


@pytest.mark.parametrize("case", ["propagate"])
@given(net=course_networks(layers=1))
def test_propagate(course: Any, case: str, net: Net) -> None:
    check_propagate(course, net)


@pytest.mark.parametrize("case", ["L_model_backward"])
@given(net=course_networks())
def test_L_model_backward(course: Any, case: str, net: Net) -> None:
    check_L_model_backward(course, net)


@pytest.mark.parametrize("case", ["compute_cost_with_regularization"])
@given(net=course_networks(layers=3), lambd=lambdas)
def test_compute_cost_with_regularization(course: Any, case: str, net: Net, lambd: float) -> None:
    check_compute_cost_with_regularization(course, net, lambd)


@pytest.mark.parametrize("case", ["backward_propagation_with_regularization"])
@given(net=course_networks(layers=3), lambd=lambdas)
def test_backward_propagation_with_regularization(
    course: Any, case: str, net: Net, lambd: float
) -> None:
    check_backward_propagation_with_regularization(course, net, lambd)


@pytest.mark.parametrize("case", ["update_parameters"])
@given(s=steps(), lr=learning_rates)
def test_update_parameters(course: Any, case: str, s: Steps, lr: float) -> None:
    check_update_parameters(course, s, lr)


@pytest.mark.parametrize("case", ["update_parameters_with_momentum"])
@given(s=steps(), lr=learning_rates, beta=betas)
def test_momentum(course: Any, case: str, s: Steps, lr: float, beta: float) -> None:
    check_momentum(course, s, lr, beta)


@pytest.mark.parametrize("case", ["update_parameters_with_adam"])
@given(s=steps(), lr=learning_rates, beta1=betas, beta2=betas, eps=epsilons)
def test_adam(
    course: Any, case: str, s: Steps, lr: float, beta1: float, beta2: float, eps: float
) -> None:
    check_adam(course, s, lr, beta1, beta2, eps)


@pytest.mark.parametrize("case", ["random_mini_batches"])
@given(m=st.integers(1, 50), size=st.integers(1, 16), n=st.integers(1, 3), seed=st.integers(0, 999))
def test_random_mini_batches(course: Any, case: str, m: int, size: int, n: int, seed: int) -> None:
    check_random_mini_batches(course, m, size, n, seed)


@pytest.mark.parametrize("case", ["update_lr, schedule_lr_decay"])
@given(
    lr0=st.floats(1e-4, 1.0),
    epoch=st.integers(0, 5000),
    rate=st.floats(0.0, 2.0),
    interval=st.integers(1, 1000),
)
def test_learning_rate_decay(
    course: Any, case: str, lr0: float, epoch: int, rate: float, interval: int
) -> None:
    check_learning_rate_decay(course, lr0, epoch, rate, interval)


# --- Planted mistakes: what each check says ------------------------------------------------------

COURSE_FILE = load(COURSE_EXAMPLE).module


def planted(**wrong: Callable[..., Any]) -> Any:
    """``examples/course_nn.py`` with the functions ``wrong`` replaced, read as the course's."""
    return course_adapter(SimpleNamespace(**{**vars(COURSE_FILE), **wrong}), COURSE)  # type: ignore[arg-type]


def fixed_net(m: int = 6) -> Net:
    """A fixed network of widths 4-5-3-1 and ``m`` examples."""
    rng = np.random.default_rng(11)
    dims, L = [4, 5, 3, 1], 3
    parameters = {}
    for k in range(1, L + 1):
        bound = 2 / np.sqrt(dims[k - 1])
        parameters[f"W{k}"] = read_only(rng.uniform(-bound, bound, (dims[k], dims[k - 1])))
        parameters[f"b{k}"] = read_only(rng.uniform(-1, 1, (dims[k], 1)))
    X = read_only(rng.uniform(-3, 3, (dims[0], m)))
    Y = read_only((np.arange(m) % 2).astype(np.float64).reshape(1, m))
    return Net(X, Y, parameters)


def fixed_steps() -> Steps:
    rng = np.random.default_rng(5)
    parameters = {
        "W1": read_only(rng.uniform(-1, 1, (3, 2))),
        "b1": read_only(rng.uniform(-1, 1, (3, 1))),
    }
    grads = [
        {f"d{k}": read_only(rng.uniform(-1, 1, p.shape)) for k, p in parameters.items()}
        for _ in range(3)
    ]
    return Steps(parameters, grads)


def said(check: Callable[..., None], impl: Any, *args: Any) -> str:
    """The failure message of ``check`` on ``impl``, which first passes on the right file."""
    check(planted(), *args)
    with pytest.raises(AssertionError) as caught:
        check(impl, *args)
    return str(caught.value)


def _dAL_divided_by_m(AL: Array, Y: Array, caches: Any) -> Any:
    # This project's dAL (the gradient of the mean cost) fed to the course's linear_backward.
    scaled = COURSE_FILE.L_model_backward(AL, Y, caches)
    return {k: v / AL.shape[1] if k[:2] in ("dW", "db") else v for k, v in scaled.items()}


def _never_divided(AL: Array, Y: Array, caches: Any) -> Any:
    # The course's dAL fed to this project's linear_backward (no 1/m anywhere).
    grads = COURSE_FILE.L_model_backward(AL, Y, caches)
    return {k: v * AL.shape[1] if k[:2] in ("dW", "db") else v for k, v in grads.items()}


def _sigmoid_everywhere(AL: Array, Y: Array, caches: Any) -> Any:
    grads: dict[str, Array] = {}
    L = len(caches)
    dA = -(np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))
    for layer in range(L, 0, -1):
        dA, grads[f"dW{layer}"], grads[f"db{layer}"] = COURSE_FILE.linear_activation_backward(
            dA, caches[layer - 1], "sigmoid"
        )
    return grads


@pytest.mark.parametrize(
    ("backward", "text"),
    [
        (_dAL_divided_by_m, "the 1/m is applied twice"),
        (_never_divided, "the 1/m is never applied"),
        (_sigmoid_everywhere, "where: the gradients of layer 3's are right and layer 2's are not"),
    ],
    ids=["divided-twice", "never-divided", "wrong-hidden-backward"],
)
def test_L_model_backward_mistakes_are_named(backward: Callable[..., Any], text: str) -> None:
    assert text in said(check_L_model_backward, planted(L_model_backward=backward), fixed_net())


def one_unit(m: int = 6) -> Net:
    """Logistic regression's network: 4 features, one sigmoid unit, ``m`` examples."""
    rng = np.random.default_rng(3)
    parameters = {
        "W1": read_only(rng.uniform(-1, 1, (1, 4))),
        "b1": read_only(rng.uniform(-1, 1, (1, 1))),
    }
    X = read_only(rng.uniform(-3, 3, (4, m)))
    Y = read_only((np.arange(m) % 2).astype(np.float64).reshape(1, m))
    return Net(X, Y, parameters)


def _propagate(change: Callable[..., Any]) -> Callable[..., Any]:
    """A course ``propagate`` whose gradients and cost pass through ``change(m, dw, db, cost)``."""

    def propagate(w: Array, b: float, X: Array, Y: Array) -> Any:
        m = X.shape[1]
        A = 1 / (1 + np.exp(-(w.T @ X + b)))
        cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m
        dw, db, cost = change(m, X @ (A - Y).T / m, np.sum(A - Y) / m, cost)
        return {"dw": dw, "db": db}, cost

    return propagate


@pytest.mark.parametrize(
    ("change", "text"),
    [
        (lambda m, dw, db, cost: (dw * m, db * m, cost), "dw is wrong"),
        (lambda m, dw, db, cost: (dw * m, db * m, cost), "you do not divide by m"),
        (lambda m, dw, db, cost: (dw.T, db, cost), "it is the transpose of the right answer"),
        (lambda m, dw, db, cost: (dw, db, cost * m), "cost is wrong"),
        (lambda m, dw, db, cost: (dw, -db, cost), "db is wrong"),
    ],
    ids=["no-1/m", "no-1/m-named", "dw-transposed", "summed-cost", "db-sign"],
)
def test_propagate_mistakes_are_named(change: Callable[..., Any], text: str) -> None:
    assert text in said(check_propagate, planted(propagate=_propagate(change)), one_unit())


def test_L_model_forward_with_sigmoid_hidden_layers_is_named() -> None:
    def L_model_forward(X: Array, parameters: dict) -> Any:
        caches, A = [], X
        for layer in range(1, len(parameters) // 2 + 1):
            A, cache = COURSE_FILE.linear_activation_forward(
                A, parameters[f"W{layer}"], parameters[f"b{layer}"], "sigmoid"
            )
            caches.append(cache)
        return A, caches

    message = said(check_L_model_forward, planted(L_model_forward=L_model_forward), fixed_net())
    assert "your hidden layers use sigmoid" in message


def test_a_summed_cost_is_named() -> None:
    def compute_cost(AL: Array, Y: Array) -> Any:
        return -np.sum(Y * np.log(AL) + (1 - Y) * np.log(1 - AL))

    message = said(check_compute_cost, planted(compute_cost=compute_cost), fixed_net())
    assert "the cost is the sum of the losses" in message


def test_an_l2_cost_without_its_1_over_m_is_named() -> None:
    def compute_cost_with_regularization(
        A3: Array, Y: Array, parameters: dict, lambd: float
    ) -> Any:
        W = [parameters[f"W{k}"] for k in (1, 2, 3)]
        return COURSE_FILE.compute_cost(A3, Y) + lambd / 2 * sum(np.sum(w * w) for w in W)

    impl = planted(compute_cost_with_regularization=compute_cost_with_regularization)
    message = said(check_compute_cost_with_regularization, impl, fixed_net(), 0.7)
    assert "the L2 term lacks its 1/m" in message


def _with_l2(
    grads: dict[str, Array], cache: tuple, change: Callable[[str, Array, Array], Array]
) -> Any:
    weights = {
        "W1": cache[2],
        "b1": cache[3],
        "W2": cache[6],
        "b2": cache[7],
        "W3": cache[10],
        "b3": cache[11],
    }
    return {k: change(k, v, weights[k[1:]]) if k[1:] in weights else v for k, v in grads.items()}


@pytest.mark.parametrize(
    ("change", "text"),
    [
        (
            lambda k, g, p: g + 0.7 * (1 - 1 / 6) * p if k.startswith("dW") else g,
            "dW3's L2 term lacks its 1/m",
        ),
        (lambda k, g, p: g + 0.7 / 6 * p if k.startswith("db") else g, "L2 is added to db3"),
    ],
    ids=["lambda-not-over-m", "L2-on-db"],
)
def test_l2_backward_mistakes_are_named(change: Callable[..., Any], text: str) -> None:
    def backward(X: Array, Y: Array, cache: tuple, lambd: float) -> Any:
        grads = COURSE_FILE.backward_propagation_with_regularization(X, Y, cache, lambd)
        return _with_l2(grads, cache, change)

    impl = planted(backward_propagation_with_regularization=backward)
    assert text in said(check_backward_propagation_with_regularization, impl, fixed_net(), 0.7)


def test_gradient_ascent_is_named() -> None:
    def update_parameters(parameters: dict, grads: dict, learning_rate: float) -> Any:
        return {k: p + learning_rate * grads[f"d{k}"] for k, p in parameters.items()}

    message = said(
        check_update_parameters, planted(update_parameters=update_parameters), fixed_steps(), 0.1
    )
    assert "you add the gradient" in message


def test_torch_style_momentum_is_named() -> None:
    def update_parameters_with_momentum(
        parameters: dict, grads: dict, v: dict, beta: float, learning_rate: float
    ) -> Any:
        v = {k: beta * v[k] + grads[k] for k in v}
        return {k: p - learning_rate * v[f"d{k}"] for k, p in parameters.items()}, v

    impl = planted(update_parameters_with_momentum=update_parameters_with_momentum)
    message = said(check_momentum, impl, fixed_steps(), 0.1, 0.9)
    assert "v = beta v + dW is torch's momentum, not the course's" in message


@pytest.mark.parametrize(
    ("correct", "inside", "text"),
    [(False, False, "no bias correction"), (True, True, "epsilon is inside the square root")],
    ids=["no-bias-correction", "epsilon-inside"],
)
def test_adam_mistakes_are_named(correct: bool, inside: bool, text: str) -> None:
    def update_parameters_with_adam(
        parameters: dict,
        grads: dict,
        v: dict,
        s: dict,
        t: int,
        learning_rate: float,
        beta1: float,
        beta2: float,
        epsilon: float,
    ) -> Any:
        v = {k: beta1 * v[k] + (1 - beta1) * grads[k] for k in v}
        s = {k: beta2 * s[k] + (1 - beta2) * grads[k] ** 2 for k in s}
        updated = {}
        for k, p in parameters.items():
            v_hat = v[f"d{k}"] / (1 - beta1**t) if correct else v[f"d{k}"]
            s_hat = s[f"d{k}"] / (1 - beta2**t) if correct else s[f"d{k}"]
            root = np.sqrt(s_hat + epsilon) if inside else np.sqrt(s_hat) + epsilon
            updated[k] = p - learning_rate * v_hat / root
        return updated, v, s

    impl = planted(update_parameters_with_adam=update_parameters_with_adam)
    assert text in said(check_adam, impl, fixed_steps(), 0.01, 0.9, 0.999, 1e-3)


def _no_last_batch(X: Array, Y: Array, size: int = 64, seed: int = 0) -> Any:
    return COURSE_FILE.random_mini_batches(X, Y, size, seed)[: X.shape[1] // size]


def _not_shuffled(X: Array, Y: Array, size: int = 64, seed: int = 0) -> Any:
    return [(X[:, k : k + size], Y[:, k : k + size]) for k in range(0, X.shape[1], size)]


def _shuffled_apart(X: Array, Y: Array, size: int = 64, seed: int = 0) -> Any:
    rng = np.random.default_rng(seed)
    X, Y = X[:, rng.permutation(X.shape[1])], Y[:, rng.permutation(X.shape[1])]
    return [(X[:, k : k + size], Y[:, k : k + size]) for k in range(0, X.shape[1], size)]


@pytest.mark.parametrize(
    ("batches", "text"),
    [
        (_no_last_batch, "the last one, of the 2 examples left over, is missing"),
        (_not_shuffled, "the examples are in their original order"),
        (_shuffled_apart, "the labels no longer belong to their examples"),
    ],
    ids=["no-last-batch", "not-shuffled", "shuffled-apart"],
)
def test_mini_batch_mistakes_are_named(batches: Callable[..., Any], text: str) -> None:
    assert text in said(
        check_random_mini_batches, planted(random_mini_batches=batches), 20, 6, 2, 3
    )


def test_a_decay_every_epoch_is_named() -> None:
    def schedule_lr_decay(
        learning_rate0: float, epoch_num: int, decay_rate: float, time_interval: int = 1000
    ) -> Any:
        return learning_rate0 / (1 + decay_rate * epoch_num)

    impl = planted(schedule_lr_decay=schedule_lr_decay)
    assert "the rate decays every epoch" in said(
        check_learning_rate_decay, impl, 0.5, 150, 1.0, 100
    )
