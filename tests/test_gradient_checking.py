"""The gradient-checking assignment (``oracle.checks.gradcheck``): its forward/backward pairs, and
its gradient checks, themselves checked.

``examples/course_steps.py`` passes every check over drawn inputs; each planted mistake below is
named. The planted gradient checks are written in this module, so the helpers they call
(``dictionary_to_vector``...) are the example's, bound here at module level; their
``forward_propagation_n`` is replaced by the check's own.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
from hypothesis import given

from oracle.checks import gradcheck as g
from oracle.checks.course import Net
from oracle.checks.loading import load
from oracle.checks.outcomes import NotChecked
from oracle.checks.strategies import read_only

EXAMPLE = load(Path(__file__).resolve().parent.parent / "examples" / "course_steps.py").module
dictionary_to_vector = EXAMPLE.dictionary_to_vector
vector_to_dictionary = EXAMPLE.vector_to_dictionary
gradients_to_vector = EXAMPLE.gradients_to_vector
forward_propagation = EXAMPLE.forward_propagation
forward_propagation_n = EXAMPLE.forward_propagation_n
Array = Any


# --- The example passes --------------------------------------------------------------------------


@given(x=g._values, theta=g._values)
def test_the_one_dimensional_pair(x: float, theta: float) -> None:
    g.check_forward_propagation(EXAMPLE, x, theta)
    g.check_backward_propagation(EXAMPLE, x, theta)


@given(net=g.gradcheck_networks())
def test_the_three_layer_pair(net: Net) -> None:
    g.check_forward_propagation_n(EXAMPLE, net)
    g.check_backward_propagation_n(EXAMPLE, net)


@given(x=g._values, theta=g._values, epsilon=g.epsilons)
def test_a_right_gradient_check(x: float, theta: float, epsilon: float) -> None:
    g.check_gradient_check(EXAMPLE, x, theta, epsilon)


@given(net=g.gradcheck_networks(), epsilon=g.epsilons)
def test_a_right_gradient_check_n(net: Net, epsilon: float) -> None:
    g.check_gradient_check_n(EXAMPLE, net, epsilon)


def test_the_defaults_are_the_courses() -> None:
    g.check_epsilon_default(EXAMPLE, "gradient_check")
    g.check_epsilon_default(EXAMPLE, "gradient_check_n")


# --- Planted mistakes ----------------------------------------------------------------------------


def fixed_net(m: int = 5) -> Net:
    rng = np.random.default_rng(7)
    parameters = {}
    for k in range(1, 4):
        bound = 2 / np.sqrt(g.DIMS[k - 1])
        shape = (g.DIMS[k], g.DIMS[k - 1])
        parameters[f"W{k}"] = read_only(rng.uniform(-bound, bound, shape))
        parameters[f"b{k}"] = read_only(rng.uniform(-1, 1, (g.DIMS[k], 1)))
    X = read_only(rng.uniform(-3, 3, (g.DIMS[0], m)))
    Y = read_only((np.arange(m) % 2).astype(np.float64).reshape(1, m))
    net = Net(X, Y, parameters)
    assert all(np.all(np.abs(Z) > 1e-3) for Z, _ in net.forward()[:-1])  # off the kinks
    return net


def said(check: Callable[..., None], impl: Any, *args: Any) -> str:
    """The failure of ``check`` on ``impl``; the example passes the same check first."""
    check(EXAMPLE, *args)
    with pytest.raises(AssertionError) as caught:
        check(impl, *args)
    return str(caught.value)


def test_the_derivative_in_x_is_named() -> None:
    impl = SimpleNamespace(backward_propagation=lambda x, theta: theta)
    assert "that is dJ/dx = theta" in said(g.check_backward_propagation, impl, 2.0, 4.0)


def _backward_n(change: Callable[[dict[str, Array]], None]) -> Any:
    def backward_propagation_n(X: Array, Y: Array, cache: tuple) -> Any:
        grads = dict(EXAMPLE.backward_propagation_n(X, Y, cache))
        change(grads)
        return grads

    return SimpleNamespace(backward_propagation_n=backward_propagation_n)


@pytest.mark.parametrize(
    ("change", "text"),
    [
        # The assignment's own two mistakes.
        (lambda d: d.update(dW2=d["dW2"] * 2), "layer 3's are right and layer 2's are not"),
        (lambda d: d.update(db1=d["db1"] * 4), "layers 2 to 3 are right and layer 1's are not"),
    ],
    ids=["dW2-twice", "db1-four-times"],
)
def test_a_wrong_layer_of_backward_propagation_n_is_named(change: Any, text: str) -> None:
    assert text in said(g.check_backward_propagation_n, _backward_n(change), fixed_net())


def _check_1d(impl: Any) -> str:
    return said(g.check_gradient_check, impl, 2.0, 4.0, 1e-7)


def test_a_one_sided_gradient_check_is_named() -> None:
    def gradient_check(x: float, theta: float, epsilon: float = 1e-7) -> Any:
        J = forward_propagation(x, theta)
        gradapprox = (forward_propagation(x, theta + epsilon) - J) / epsilon
        grad = backward_propagation(x, theta)  # noqa: F821 (the check's, put in its globals)
        return abs(grad - gradapprox) / (abs(grad) + abs(gradapprox))

    assert "diagnosis: a one-sided difference" in _check_1d(
        SimpleNamespace(gradient_check=gradient_check)
    )


def test_an_epsilon_of_its_own_is_named() -> None:
    def gradient_check(x: float, theta: float, epsilon: float = 1e-7) -> Any:
        epsilon = 1e-4
        J_plus, J_minus = (
            forward_propagation(x, theta + epsilon),
            forward_propagation(x, theta - epsilon),
        )
        gradapprox = (J_plus - J_minus) / (2 * epsilon)
        grad = backward_propagation(x, theta)  # noqa: F821
        return abs(grad - gradapprox) / (abs(grad) + abs(gradapprox))

    message = _check_1d(SimpleNamespace(gradient_check=gradient_check))
    assert "it perturbs theta by 0.0001, not by the epsilon = 1e-07 it is given" in message


def test_a_gradient_check_that_always_passes_is_caught() -> None:
    def gradient_check(x: float, theta: float, epsilon: float = 1e-7) -> Any:
        forward_propagation(x, theta + epsilon), forward_propagation(x, theta - epsilon)
        return 0.0

    assert "fed a gradient with element 0 wrong" in _check_1d(
        SimpleNamespace(gradient_check=gradient_check)
    )


def test_a_wrong_default_epsilon_is_named() -> None:
    def gradient_check(x: float, theta: float, epsilon: float = 1e-2) -> Any:
        return EXAMPLE.gradient_check(x, theta, epsilon)

    with pytest.raises(AssertionError, match=r"its default epsilon is 0\.01; the course's is 1e-7"):
        g.check_epsilon_default(SimpleNamespace(gradient_check=gradient_check), "gradient_check")


def _gradient_check_n(difference: Callable[[Array, Array], Any], copy: bool = True) -> Any:
    def gradient_check_n(
        parameters: dict, gradients: dict, X: Array, Y: Array, epsilon: float = 1e-7
    ) -> Any:
        theta, _ = dictionary_to_vector(parameters)
        grad = gradients_to_vector(gradients)
        gradapprox = np.zeros_like(theta)
        for i in range(theta.shape[0]):
            plus = np.copy(theta) if copy else theta
            plus[i] += epsilon
            J_plus, _ = forward_propagation_n(X, Y, vector_to_dictionary(plus))
            minus = np.copy(theta)
            minus[i] -= epsilon
            J_minus, _ = forward_propagation_n(X, Y, vector_to_dictionary(minus))
            gradapprox[i] = (J_plus - J_minus) / (2 * epsilon)
        return difference(grad, gradapprox)

    return SimpleNamespace(gradient_check_n=gradient_check_n)


@pytest.mark.parametrize(
    ("difference", "text"),
    [
        (lambda a, b: np.sum(np.abs(a - b)) / (np.sum(np.abs(a)) + np.sum(np.abs(b))),
         "diagnosis: the L1 norm"),
        (lambda a, b: np.sum((a - b) ** 2) / (np.sum(a**2) + np.sum(b**2)),
         "diagnosis: squared norms (no square root)"),
        (lambda a, b: np.linalg.norm(a - b), "diagnosis: no denominator"),
        (lambda a, b: np.linalg.norm(a - b) / np.linalg.norm(a + b),
         "diagnosis: the denominator is ||grad + gradapprox||_2"),
    ],
    ids=["L1-norm", "squared-norms", "no-denominator", "norm-of-the-sum"],
)  # fmt: skip
def test_a_wrong_difference_is_named(difference: Any, text: str) -> None:
    message = said(g.check_gradient_check_n, _gradient_check_n(difference), fixed_net(), 1e-7)
    assert text in message


def test_a_theta_perturbed_without_a_copy_is_named() -> None:
    def right(a: Array, b: Array) -> Any:
        return np.linalg.norm(a - b) / (np.linalg.norm(a) + np.linalg.norm(b))

    impl = _gradient_check_n(right, copy=False)
    message = said(g.check_gradient_check_n, impl, fixed_net(), 1e-7)
    assert "elements of theta perturbed at once" in message
    assert "np.copy(parameters_values)" in message


@pytest.mark.parametrize(
    ("name", "signature"),
    [("forward_propagation", "x, theta"), ("gradient_check_n", "parameters, gradients, X, Y")],
)
def test_the_assignments_functions_are_recognised_by_name_and_signature(
    name: str, signature: str
) -> None:
    assert g.recognise(name, getattr(EXAMPLE, name))
    # The course's other forward_propagation(X, parameters) (a 3-layer network) is not this one.
    assert g.recognise("forward_propagation", lambda X, parameters: X) is None


def test_a_gradient_check_that_skips_elements_is_named() -> None:
    def right(a: Array, b: Array) -> Any:
        return np.linalg.norm(a - b) / (np.linalg.norm(a) + np.linalg.norm(b))

    base = _gradient_check_n(right).gradient_check_n

    def gradient_check_n(parameters: dict, gradients: dict, X: Array, Y: Array,
                         epsilon: float = 1e-7) -> Any:  # fmt: skip
        parameters = dict(parameters)
        theta, _ = dictionary_to_vector(parameters)
        # Only the first 10 elements, the others' gradapprox taken as the gradient itself.
        grad = gradients_to_vector(gradients)
        approx = np.array(grad)
        for i in range(10):
            plus, minus = np.copy(theta), np.copy(theta)
            plus[i] += epsilon
            minus[i] -= epsilon
            J_plus, _ = forward_propagation_n(X, Y, vector_to_dictionary(plus))
            J_minus, _ = forward_propagation_n(X, Y, vector_to_dictionary(minus))
            approx[i] = (J_plus - J_minus) / (2 * epsilon)
        return right(grad, approx)

    assert base is not None
    message = said(g.check_gradient_check_n, SimpleNamespace(gradient_check_n=gradient_check_n),
                   fixed_net(), 1e-7)  # fmt: skip
    assert "it perturbs 10 of the 47 elements of theta (never element 10)" in message


def test_a_gradient_check_that_calls_no_forward_is_named() -> None:
    impl = SimpleNamespace(gradient_check=lambda x, theta, epsilon=1e-7: 0.0)
    assert "it never calls forward_propagation" in _check_1d(impl)


def test_a_gradient_check_that_returns_nothing_is_not_checked() -> None:
    def gradient_check(x: float, theta: float, epsilon: float = 1e-7) -> None:
        forward_propagation(x, theta + epsilon), forward_propagation(x, theta - epsilon)

    with pytest.raises(NotChecked, match="returns nothing"):
        g.check_gradient_check(SimpleNamespace(gradient_check=gradient_check), 2.0, 4.0, 1e-7)


def test_a_wrong_vector_to_dictionary_is_named() -> None:
    def gradient_check_n(parameters: dict, gradients: dict, X: Array, Y: Array) -> Any:
        flat = {k: v.T for k, v in parameters.items()}
        return forward_propagation_n(X, Y, flat)[0]

    with pytest.raises(AssertionError, match="see its dictionary_to_vector"):
        g.check_gradient_check_n(
            SimpleNamespace(gradient_check_n=gradient_check_n), fixed_net(), 1e-7
        )


def test_a_summed_cost_of_forward_propagation_n_is_named() -> None:
    def forward_n(X: Array, Y: Array, parameters: dict) -> Any:
        cost, cache = forward_propagation_n(X, Y, parameters)
        return cost * X.shape[1], cache

    impl = SimpleNamespace(forward_propagation_n=forward_n)
    assert "the cost is the sum of the losses" in said(
        g.check_forward_propagation_n, impl, fixed_net()
    )


def test_the_plans_of_each_function() -> None:
    for name in g.SIGNATURES:
        plans = g.checks(name, getattr(EXAMPLE, name))
        assert plans and all(callable(check) for _, check, _ in plans)
    default = dict(
        (plan, check) for plan, check, _ in g.checks("gradient_check", EXAMPLE.gradient_check)
    )
    default["its default epsilon"](EXAMPLE)
    assert g.recognise("gradient_check", EXAMPLE.gradient_check)
    assert g.recognise("gradient_check", print) is None  # no signature to read
