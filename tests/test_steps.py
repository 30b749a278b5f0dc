"""Gradient descent's update under the learners' names, in place or not (``oracle.checks.steps``).

The right updates of ``examples/course_steps.py`` (one writes into its argument, one takes each
array apart) pass against ``torch.optim.SGD`` over drawn steps; the planted mistakes below are
named; an update in place is told as a note (``NotChecked``), not failed.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
from hypothesis import given

from oracle.checks import steps as s
from oracle.checks.course import Steps, steps
from oracle.checks.loading import load
from oracle.checks.outcomes import NotChecked
from oracle.checks.strategies import learning_rates, read_only

EXAMPLE = load(Path(__file__).resolve().parent.parent / "examples" / "course_steps.py").module


@given(st_=steps(), lr=learning_rates)
def test_an_update_in_place_is_judged_by_its_values(st_: Steps, lr: float) -> None:
    s.check_update(EXAMPLE, st_, lr, "update_parameters_with_gd")


@given(st_=s.separate_steps(2), lr=learning_rates)
def test_an_update_of_separate_arrays_is_checked(st_: Steps, lr: float) -> None:
    s.check_update(EXAMPLE, st_, lr, "update_params")


def fixed_steps(layers: int = 2) -> Steps:
    rng = np.random.default_rng(3)
    parameters = {}
    for k in range(1, layers + 1):
        parameters[f"W{k}"] = read_only(rng.uniform(-1, 1, (3, 2)))
        parameters[f"b{k}"] = read_only(rng.uniform(-1, 1, (3, 1)))
    grads = [
        {f"d{k}": read_only(rng.uniform(-1, 1, p.shape)) for k, p in parameters.items()}
        for _ in range(2)
    ]
    return Steps(parameters, grads)


def said(impl: Any, name: str, layers: int = 2) -> str:
    with pytest.raises(AssertionError) as caught:
        s.check_update(impl, fixed_steps(layers), 0.1, name)
    return str(caught.value)


def test_gradient_ascent_in_place_is_named() -> None:
    def update_parameters_with_gd(parameters: dict, grads: dict, learning_rate: float) -> Any:
        for k in parameters:
            parameters[k] += learning_rate * grads["d" + k]
        return parameters

    s.check_update(EXAMPLE, fixed_steps(), 0.1, "update_parameters_with_gd")  # the right one
    impl = SimpleNamespace(update_parameters_with_gd=update_parameters_with_gd)
    assert "you add the gradient" in said(impl, "update_parameters_with_gd")


def test_gradient_ascent_of_separate_arrays_is_named() -> None:
    def update_params(W1: Any, b1: Any, dW1: Any, db1: Any, alpha: float) -> Any:
        return W1 + alpha * dW1, b1 + alpha * db1

    impl = SimpleNamespace(update_params=update_params)
    assert "you add the gradient" in said(impl, "update_params", layers=1)


def test_a_learning_rate_forgotten_on_b_is_wrong() -> None:
    def update_weights(parameters: dict, grads: dict, lr: float) -> Any:
        return {k: v - (lr if k.startswith("W") else 1.0) * grads["d" + k]
                for k, v in parameters.items()}  # fmt: skip

    assert "b1 is wrong" in said(SimpleNamespace(update_weights=update_weights), "update_weights")


def test_an_update_in_place_that_returns_nothing_is_judged_by_its_argument() -> None:
    def update_parameters(parameters: dict, grads: dict, learning_rate: float) -> None:
        for k in parameters:
            parameters[k] -= learning_rate * grads["d" + k]

    impl = SimpleNamespace(update_parameters=update_parameters)
    s.check_update(impl, fixed_steps(), 0.1, "update_parameters")
    with pytest.raises(NotChecked, match=r"changes its argument in place \(parameters\['W1'\]"):
        s.check_in_place(impl, "update_parameters")


def test_an_update_that_returns_new_arrays_has_no_note() -> None:
    s.check_in_place(EXAMPLE, "update_params")  # returns, says nothing
    with pytest.raises(NotChecked, match="not a mistake"):
        s.check_in_place(EXAMPLE, "update_parameters_with_gd")


@pytest.mark.parametrize(
    ("name", "is_update"),
    [
        ("update_parameters_with_gd", True),
        ("update_params", True),
        ("updateWeights", True),
        ("sgd_update", True),
        ("update_parameters", True),
        ("update_parameters_with_momentum", False),
        ("update_parameters_with_adam", False),
        ("update_lr", False),
        ("gradient_descent", False),
    ],
)
def test_the_usual_names_of_the_update_are_recognised(name: str, is_update: bool) -> None:
    assert s.is_update(name) is is_update


def test_the_forms_of_an_update_are_told_apart() -> None:
    assert s.form_of(EXAMPLE.update_parameters_with_gd) == s.Form()
    form = s.form_of(EXAMPLE.update_params)
    assert form is not None and form.layers == 2
    assert form.arguments == ("W1", "b1", "W2", "b2", "dW1", "db1", "dW2", "db2", "lr")

    def half(W1: Any, b1: Any, dW1: Any, alpha: float) -> Any:  # no db1: not an update's form
        return W1

    assert s.form_of(half) is None

    def with_default(parameters: dict, grads: dict, learning_rate: float = 0.01) -> Any:
        return parameters

    assert s.form_of(with_default) == s.Form()


def test_an_update_that_returns_something_else_is_told() -> None:
    def update_parameters_with_gd(parameters: dict, grads: dict, learning_rate: float) -> Any:
        return list(parameters.values())

    def update_params(W1: Any, b1: Any, dW1: Any, db1: Any, alpha: float) -> Any:
        return (W1 - alpha * dW1,)

    impl = SimpleNamespace(
        update_parameters_with_gd=update_parameters_with_gd, update_params=update_params
    )
    assert "it must return the parameters' dictionary" in said(impl, "update_parameters_with_gd")
    assert "returned 1 values: it must return W1, b1" in said(impl, "update_params", layers=1)


def test_recognise_and_plans() -> None:
    assert s.recognise("update_params", EXAMPLE.update_params)
    assert s.recognise("update_parameters_with_gd", EXAMPLE.update_parameters_with_gd)
    assert s.recognise("update_parameters_with_momentum", EXAMPLE.update_params) is None
    assert s.recognise("update_params", lambda W1, dW1: W1) is None
    names = [plan for plan, _, _ in s.checks("update_params", EXAMPLE.update_params)]
    assert names == ["update_params vs torch.optim.SGD", "update_params in place?"]
    assert s.checks("update", lambda W1, dW1: W1) == []
