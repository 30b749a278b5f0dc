"""Learner mode in the course's convention: the 1/m in linear_backward, the course's signatures.

``examples/course_nn.py`` is written as the course's assignments are. Under ``course`` it passes
the same property tests as ``scratch`` does under ``mean`` (the oracle is still autograd, scaled
by the factor the convention implies); under ``mean`` each of its convention-dependent functions is
told which convention it follows; mistakes planted in it get their diagnosis in the course's
terms; and mixing the conventions across functions is named.
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

import scratch
from oracle.checks.conventions import COURSE, MEAN, course_adapter, mixed_conventions
from oracle.checks.loading import load
from oracle.checks.outcomes import OtherConvention
from oracle.checks.properties import (
    as_dtype,
    check_backward,
    check_finite_differences,
    check_forward,
    context,
    one_verdict,
)
from oracle.checks.registry import CASES
from oracle.checks.strategies import read_only

CASE = {c.name: c for c in CASES}
COURSE_FILE = load(Path(__file__).resolve().parent.parent / "examples" / "course_nn.py").module
COURSE_CASES = [
    "relu",
    "sigmoid",
    "linear",
    "layer[relu]",
    "layer[sigmoid]",
    "binary_cross_entropy",
]


def course_style(convention: str, **wrong: Callable[..., Any]) -> SimpleNamespace:
    """``examples/course_nn.py`` (with the functions ``wrong`` replaced), read as ``convention``."""
    module = SimpleNamespace(**{**vars(COURSE_FILE), **wrong})
    return course_adapter(module, convention)  # type: ignore[arg-type]


@pytest.mark.parametrize("name", COURSE_CASES)
@given(data=st.data())
def test_the_course_file_is_verified_under_the_course_convention(name: str, data: Any) -> None:
    case = CASE[name]
    impl = course_style(COURSE)
    check_forward(impl, case, data.draw(case.draw("any"), label="inputs"))
    check_backward(impl, case, data.draw(case.draw("any"), label="inputs"))
    check_finite_differences(impl, case, data.draw(case.draw("smooth"), label="inputs"))


LINEAR = {
    "A_prev": [[1.0, 2.0, -1.0], [0.5, -0.5, 2.0], [3.0, 1.0, 0.0]],
    "W": [[0.2, -0.4, 1.0], [1.5, 0.3, -0.7]],
    "b": [[0.1], [-0.2]],
    "dZ": [[0.3, -1.2, 0.7], [2.0, 0.4, -0.9]],
}
BCE = {"AL": [[0.9, 0.2, 0.6, 0.3]], "Y": [[1.0, 0.0, 0.0, 1.0]]}


def message(impl: Any, name: str, inputs: dict[str, Any]) -> str:
    x = {k: read_only(np.asarray(v, dtype=np.float64)) for k, v in inputs.items()}
    with pytest.raises(AssertionError) as caught:
        check_backward(impl, CASE[name], x)
    return str(caught.value)


@pytest.mark.parametrize(
    ("name", "inputs", "output"), [("linear", LINEAR, "dW"), ("binary_cross_entropy", BCE, "dAL")]
)
def test_under_mean_the_course_file_is_told_its_convention(
    name: str, inputs: dict, output: str
) -> None:
    said = message(course_style(MEAN), name, inputs)
    assert f"follows the deep learning course's convention for {output}" in said
    assert "run with --convention course" in said


def test_under_course_a_mean_style_function_is_told_its_convention() -> None:
    def linear_backward(dZ: Any, cache: Any) -> Any:
        A_prev, W, _ = cache
        return W.T @ dZ, dZ @ A_prev.T, dZ.sum(axis=1, keepdims=True)

    said = message(course_style(COURSE, linear_backward=linear_backward), "linear", LINEAR)
    assert "follows this project's mean convention for dW" in said
    assert "--convention mean" in said


def test_a_course_style_db_divided_twice_is_named_in_the_course_terms() -> None:
    def linear_backward(dZ: Any, cache: Any) -> Any:
        dA_prev, dW, db = COURSE_FILE.linear_backward(dZ, cache)
        return dA_prev, dW, db / dZ.shape[1]

    said = message(course_style(COURSE, linear_backward=linear_backward), "linear", LINEAR)
    assert "db is wrong" in said
    assert "which is 1/m for m = 3: you divide by m twice" in said
    assert "In the course's convention only linear_backward divides by m" in said


def test_a_course_style_sign_error_is_named() -> None:
    def binary_cross_entropy_backward(AL: Any, Y: Any) -> Any:
        return np.divide(Y, AL) - np.divide(1 - Y, 1 - AL)

    impl = course_style(COURSE, binary_cross_entropy_backward=binary_cross_entropy_backward)
    assert "-1 times the right one: the sign is wrong" in message(impl, "binary_cross_entropy", BCE)


def test_mixing_the_conventions_is_named() -> None:
    mixed = mixed_conventions(
        {
            "softmax_cross_entropy": "verified",
            "linear": "your linear_backward follows the deep learning course's convention for dW",
            "relu": "verified",
        },
        MEAN,
    )
    assert mixed is not None
    assert "softmax_cross_entropy follow the mean convention, linear the course one" in mixed
    assert "divided by m twice" in mixed
    mixed = mixed_conventions(
        {
            "binary_cross_entropy": "verified",
            "layer[relu]": "your layer_backward follows this project's mean convention for dW",
        },
        COURSE,
    )
    assert mixed is not None and "divided by m never" in mixed


@pytest.mark.parametrize(
    "verdicts",
    [
        {"softmax_cross_entropy": "verified", "linear": "verified"},
        {
            "cross_entropy": "your x follows the deep learning course's convention for dAL",
            "linear": "your y follows the deep learning course's convention for dW",
        },
        {
            "relu": "WRONG: whatever",
            "linear": "your y follows the deep learning course's convention for dW",
        },
    ],
    ids=["all-mean", "all-course", "no-loss"],
)
def test_one_convention_throughout_is_not_mixed(verdicts: dict[str, str]) -> None:
    assert mixed_conventions(verdicts, MEAN) is None


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@given(data=st.data())
def test_a_course_style_loss_backward_is_told_its_convention_on_any_input(
    dtype: type, data: Any
) -> None:
    """The course's dZL = AL - Y is told its convention (m times this project's), never "the 1/m
    is missing", also in float32, where AL - Y cancels to a few roundings of AL: the tolerance
    that judges it scales with it, m times the mean convention's."""
    case = CASE["softmax_cross_entropy"]
    x = as_dtype(data.draw(case.draw("any"), label="inputs"), dtype)
    impl = SimpleNamespace(**{**vars(scratch), "softmax_cross_entropy_backward": np.subtract})
    try:
        check_backward(impl, case, x)  # m = 1, or AL = Y: both conventions agree
    except AssertionError as error:
        assert "follows the deep learning course's convention for dZL" in str(error), str(error)


def test_an_example_that_fits_the_other_convention_by_chance_decides_nothing() -> None:
    """The story's fudge factor n/(n-1) is 2 = m when n = m = 2: that example alone looks like the
    course's convention. In learner mode the test as a whole (@one_verdict) still fails the
    function on the next example, and only a function that fits the course's convention on every
    example is told so (a skip)."""
    case = CASE["softmax_cross_entropy"]

    def inputs(m: int) -> dict[str, Any]:
        ZL = np.linspace(-1.0, 2.0, 2 * m).reshape(2, m)
        Y = np.eye(2)[:, np.arange(m) % 2]
        return {k: read_only(v) for k, v in {"ZL": ZL, "AL": scratch.softmax(ZL), "Y": Y}.items()}

    def fudge(AL: Any, Y: Any) -> Any:
        n = AL.shape[0]
        return (AL - Y) / Y.shape[1] * n / (n - 1)

    def run(backward: Callable[..., Any]) -> None:
        impl = SimpleNamespace(**{**vars(scratch), "softmax_cross_entropy_backward": backward})

        @one_verdict
        def test() -> None:  # as hypothesis would run it: m = 2 first, then m = 3
            for m in (2, 3):
                check_backward(impl, case, inputs(m))

        with context(learner=True):
            test()

    try:
        with pytest.raises(AssertionError, match=r"your dZL is C / \(C - 1\) times the right one"):
            run(fudge)
    except OtherConvention as told:  # a skip here would hide the failure this test is for
        pytest.fail(f"one example decided the verdict: {told}")
    with pytest.raises(OtherConvention, match="the deep learning course's convention"):
        run(np.subtract)
