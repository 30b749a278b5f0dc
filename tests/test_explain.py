"""Failures that teach: each common mistake, planted in one function, gets its diagnosis by name.

Each test builds an implementation that is ``scratch`` with one function replaced by a wrong
version a learner might write, runs the same check the contract tests run, on inputs written out
here, and reads the failure message: it must name the output, show the worst element, and give
the diagnosis, the rule and the link to its derivation.
"""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

import scratch
from oracle.checks.properties import check_backward, check_forward
from oracle.checks.registry import CASES, Case
from oracle.checks.strategies import read_only
from oracle.compare import Mismatch, compare
from oracle.explain import Clues, diagnose, explain, explain_error

CASE = {c.name: c for c in CASES}


def with_(**wrong: Callable[..., Any]) -> SimpleNamespace:
    """``scratch`` with the functions ``wrong`` replaced."""
    return SimpleNamespace(**{**{n: getattr(scratch, n) for n in scratch.__all__}, **wrong})


def failure(check: Callable[..., None], impl: Any, case: Case, **x: Any) -> str:
    """The message with which ``check`` rejects ``impl`` on the inputs ``x``."""
    x = {
        k: read_only(np.asarray(v, dtype=np.float64)) if isinstance(v, list) else v
        for k, v in x.items()
    }
    check(scratch, case, x)  # the right implementation passes on these very inputs
    with pytest.raises(AssertionError) as caught:
        check(impl, case, x)
    return str(caught.value)


Z = [[1.0, -2.0, 0.5], [-0.5, 3.0, -1.0]]
DA = [[0.3, -1.2, 0.7], [2.0, 0.4, -0.9]]
A_PREV = [[1.0, 2.0, -1.0], [0.5, -0.5, 2.0], [3.0, 1.0, 0.0]]
W = [[0.2, -0.4, 1.0], [1.5, 0.3, -0.7]]
B = [[0.1], [-0.2]]
AL = [[0.7, 0.2, 0.1, 0.25], [0.2, 0.5, 0.3, 0.25], [0.1, 0.3, 0.6, 0.5]]
Y = [[1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 1.0]]
LINEAR = {"A_prev": A_PREV, "W": W, "b": B, "dZ": DA}


# 1. wrong shape, or the transpose of the right answer


def test_a_transposed_dW_is_named() -> None:
    def linear_backward(dZ: Any, A_prev: Any, W: Any) -> Any:
        dA_prev, dW, db = scratch.linear_backward(dZ, A_prev, W)
        return dA_prev, dW.T, db

    message = failure(
        check_backward, with_(linear_backward=linear_backward), CASE["linear"], **LINEAR
    )
    assert "dW is wrong" in message
    assert "transpose of the right answer" in message
    assert "the rule: dA_prev = W.T @ dZ, dW = dZ @ A_prev.T" in message
    assert "docs/derivatives.md#linear_backward" in message


# 2. off by a constant factor: m, 1/m, -1, 2, 1/2, any other c


def test_a_course_style_loss_backward_is_told_its_convention() -> None:
    def softmax_cross_entropy_backward(AL: Any, Y: Any) -> Any:
        return AL - Y  # the course's dZL: the gradient of the summed loss

    Zs = np.log(np.asarray(AL))
    message = failure(
        check_backward,
        with_(softmax_cross_entropy_backward=softmax_cross_entropy_backward),
        CASE["softmax_cross_entropy"],
        ZL=read_only(Zs),
        AL=read_only(scratch.softmax(Zs)),
        Y=Y,
    )
    assert "dZL is wrong" in message
    assert "follows the deep learning course's convention for dZL" in message
    assert "--convention course" in message


def test_a_missing_one_over_m_is_named() -> None:
    a = np.array([[1.0, -2.0, 0.5, 4.0]])
    found = compare("dropout_backward", "dA_in", 4 * a, a)
    assert found is not None
    said = diagnose(found, Clues(m=4)) or ""
    assert said.startswith("your dA_in is 4 times the right one, and m = 4: the 1/m is missing.")
    assert "The loss's backward divides by m once" in said
    said = diagnose(found, Clues(m=4, convention="course")) or ""
    assert "In the course's convention only linear_backward divides by m" in said


def test_dividing_by_m_twice_is_named() -> None:
    def linear_backward(dZ: Any, A_prev: Any, W: Any) -> Any:
        dA_prev, dW, db = scratch.linear_backward(dZ, A_prev, W)
        return dA_prev / 3, dW / 3, db / 3

    message = failure(
        check_backward, with_(linear_backward=linear_backward), CASE["linear"], **LINEAR
    )
    assert (
        "1/3 (= 0.3333) times the right one, which is 1/m for m = 3: you divide by m twice"
        in message
    )


def test_a_sign_error_is_named() -> None:
    def cross_entropy_backward(AL: Any, Y: Any) -> Any:
        return -scratch.cross_entropy_backward(AL, Y)

    message = failure(
        check_backward,
        with_(cross_entropy_backward=cross_entropy_backward),
        CASE["cross_entropy"],
        AL=AL,
        Y=Y,
    )
    assert "-1 times the right one: the sign is wrong" in message


def test_the_story_fudge_factor_is_reported_as_a_constant() -> None:
    n = 5

    def mse_backward(AL: Any, Y: Any) -> Any:
        return scratch.mse_backward(AL, Y) * n / (n - 1)

    message = failure(check_backward, with_(mse_backward=mse_backward), CASE["mse"], AL=AL, Y=Y)
    assert "5/4 (= 1.25) times the right one: off by a constant factor" in message


def test_factors_of_two_and_one_half_are_named() -> None:
    a = np.array([[1.0, -2.0], [3.0, 0.5]])
    found = compare("f", "dW", 2 * a, a)
    assert found is not None and "a factor of 2 too many" in (diagnose(found, Clues()) or "")
    found = compare("f", "dW", a / 2, a)
    assert found is not None and "half the right value" in (diagnose(found, Clues()) or "")


@pytest.mark.parametrize("c", [2.0, 0.5])
def test_the_l2_term_is_blamed_for_a_factor_only_in_dW(c: float) -> None:
    a = np.array([[1.0, -2.0], [3.0, 0.5]])
    for output, blamed in (("dW2", True), ("dZL", False), ("dA_prev", False)):
        found = compare("f", output, c * a, a)
        assert found is not None
        assert ("lambd/(2m)" in (diagnose(found, Clues()) or "")) == blamed, output


# 3. differs only where the input sits on a kink


def test_a_different_convention_at_the_kink_is_not_called_wrong_derivative() -> None:
    def relu_backward(dA: Any, Z: Any) -> Any:
        return dA * (Z >= 0)

    message = failure(
        check_backward,
        with_(relu_backward=relu_backward),
        CASE["relu"],
        Z=[[0.0, 1.0, -1.0]],
        dA=[[0.5, 2.0, 3.0]],
    )
    assert "worst element (0, 0): yours 0.5, reference 0 (Z = 0, dA = 0.5 there)" in message
    assert "exactly at a kink" in message and "a convention, not a wrong derivative" in message


# 4. db summed over the wrong axis, or without keepdims


def test_db_without_keepdims_is_named() -> None:
    def linear_backward(dZ: Any, A_prev: Any, W: Any) -> Any:
        dA_prev, dW, _ = scratch.linear_backward(dZ, A_prev, W)
        return dA_prev, dW, dZ.sum(axis=1)

    message = failure(
        check_backward, with_(linear_backward=linear_backward), CASE["linear"], **LINEAR
    )
    assert "db: yours has shape (2,), the reference (2, 1)" in message
    assert "keepdims=True" in message


def test_db_over_the_wrong_axis_is_named() -> None:
    def linear_backward(dZ: Any, A_prev: Any, W: Any) -> Any:
        dA_prev, dW, _ = scratch.linear_backward(dZ, A_prev, W)
        return dA_prev, dW, dZ.sum(axis=0, keepdims=True)

    message = failure(
        check_backward, with_(linear_backward=linear_backward), CASE["linear"], **LINEAR
    )
    assert "db is summed over the wrong axis" in message


# 5. dropout's mask not applied, or not divided by keep_prob


DROPOUT = {
    "A": [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]],
    "dA": DA,
    "keep_prob": 0.5,
    "seed": 0,
    "mask": read_only(np.array([[True, False, True], [False, True, True]])),
}


@pytest.mark.parametrize(
    ("wrong", "said"),
    [
        (
            lambda dA, mask, keep_prob: dA / keep_prob,
            "the dropout mask is not applied in the backward",
        ),
        (lambda dA, mask, keep_prob: dA * mask, "does not divide by keep_prob"),
    ],
    ids=["mask-not-applied", "not-divided"],
)
def test_dropout_backward_mistakes_are_named(wrong: Callable[..., Any], said: str) -> None:
    message = failure(check_backward, with_(dropout_backward=wrong), CASE["dropout"], **DROPOUT)
    assert said in message


# 6. softmax's derivative as the diagonal s(1 - s) only


def test_the_diagonal_softmax_derivative_is_named() -> None:
    def softmax_backward(dA: Any, Z: Any) -> Any:
        s = scratch.softmax(Z)
        return dA * s * (1 - s)

    message = failure(
        check_backward, with_(softmax_backward=softmax_backward), CASE["softmax"], Z=Z, dA=DA
    )
    assert "only the diagonal of softmax's Jacobian" in message


# 7. NaN or inf from overflow


def test_softmax_without_the_max_subtracted_overflows_and_is_named() -> None:
    def softmax(Z: Any) -> Any:
        with np.errstate(over="ignore", invalid="ignore"):
            E = np.exp(Z)
            return E / E.sum(axis=0, keepdims=True)

    message = failure(
        check_forward,
        with_(softmax=softmax),
        CASE["softmax"],
        Z=[[1000.0, 0.0], [999.0, 1.0]],
        dA=DA,
    )
    assert "NaN or inf where the right answer is finite" in message
    assert "Subtract each column's max" in message
    # Column 0 is NaN (inf / inf), column 1 is right: the errors are of the two numbers there.
    among = "max abs error 0, max relative error 0 (among the 2 elements that are numbers)"
    assert among in message


# 8. the upstream gradient ignored


def test_an_ignored_upstream_gradient_is_named() -> None:
    def sigmoid_backward(dA: Any, Z: Any) -> Any:
        s = scratch.sigmoid(Z)
        return s * (1 - s)

    message = failure(
        check_backward, with_(sigmoid_backward=sigmoid_backward), CASE["sigmoid"], Z=Z, dA=DA
    )
    assert "the upstream gradient dA is ignored" in message


# 9. the forward value returned instead of a gradient; an all-zero gradient


def test_the_forward_value_returned_as_gradient_is_named() -> None:
    def tanh_backward(dA: Any, Z: Any) -> Any:
        return np.tanh(Z)

    message = failure(check_backward, with_(tanh_backward=tanh_backward), CASE["tanh"], Z=Z, dA=DA)
    assert "you returned the forward's value (A) instead of the gradient dZ" in message


def test_an_all_zero_gradient_is_named() -> None:
    def tanh_backward(dA: Any, Z: Any) -> Any:
        return np.zeros_like(Z)

    message = failure(check_backward, with_(tanh_backward=tanh_backward), CASE["tanh"], Z=Z, dA=DA)
    assert "your gradient is all zeros" in message


# 10. right for one example, wrong for a batch


def test_right_for_one_example_wrong_for_a_batch_is_named() -> None:
    def softmax(Z: Any) -> Any:
        E = np.exp(Z - Z.max())
        return E / E.sum()  # normalises over the whole batch, not per column

    message = failure(check_forward, with_(softmax=softmax), CASE["softmax"], Z=Z, dA=DA)
    assert "right for one example but wrong for a batch of m = 3" in message


# 11. the input changed in place


def test_writing_into_the_input_is_named() -> None:
    def relu(Z: Any) -> Any:
        Z[Z < 0] = 0
        return Z

    message = failure(check_forward, with_(relu=relu), CASE["relu"], Z=Z, dA=DA)
    assert "relu (relu): changed its input array in place" in message
    assert "Work on a copy" in message


# 12. the L2 gradient without its 1/m, or with lambd where lambd/m belongs


@pytest.mark.parametrize(
    ("wrong", "said"),
    [
        (lambda W, lambd, m: lambd * W, "the L2 gradient without its 1/m"),
        (lambda W, lambd, m: lambd / (2 * m) * W, "the L2 gradient with the 1/2 kept"),
    ],
    ids=["lambd", "half"],
)
def test_l2_gradient_mistakes_are_named(wrong: Callable[..., Any], said: str) -> None:
    message = failure(
        check_backward,
        with_(l2_penalty_backward=wrong),
        CASE["l2_penalty"],
        W=W,
        others=[],
        lambd=0.7,
        m=10,
    )
    assert said in message


# The message itself


def test_the_message_gives_shapes_worst_element_errors_and_count_in_order() -> None:
    def relu_backward(dA: Any, Z: Any) -> Any:
        return dA * (Z > 0) * 1.5

    message = failure(check_backward, with_(relu_backward=relu_backward), CASE["relu"], Z=Z, dA=DA)
    lines = message.splitlines()
    assert lines[0] == "relu_backward (relu): dZ is wrong."
    assert lines[1] == "  inputs: Z (2, 3), dA (2, 3)"
    assert lines[2] == "  dZ: yours has shape (2, 3), the reference (2, 3)"
    assert lines[3] == (
        "  worst element (0, 2): yours 1.05, reference 0.7 (Z = 0.5, dA = 0.7 there)"
    )
    assert "3 of 6 elements off" in lines[4]
    assert lines[5].startswith("  diagnosis: your dZ is 3/2 (= 1.5) times the right one")
    assert lines[6] == "  the rule: dZ = dA * 1[Z > 0]   (docs/derivatives.md#relu_backward)"


def test_no_diagnosis_is_invented_for_an_unrecognised_error() -> None:
    rng = np.random.default_rng(0)
    expected = rng.normal(size=(3, 4))
    actual = expected + rng.normal(size=(3, 4))  # noise, not a pattern
    found = compare("f", "dW", actual, expected)
    assert isinstance(found, Mismatch)
    assert diagnose(found, Clues(m=4)) is None
    assert "diagnosis" not in explain(found, Clues(m=4))


# The edges of the diagnosis


def test_an_irrational_factor_is_reported_in_decimals() -> None:
    a = np.array([[1.0, -2.0], [3.0, 0.5]])
    found = compare("f", "dW", np.pi * a, a)
    assert found is not None
    assert "3.142 times the right one: off by a constant factor" in (diagnose(found, Clues()) or "")


def test_no_factor_is_fitted_to_a_zero_reference_or_non_finite_values() -> None:
    zero = np.zeros((2, 2))
    found = compare("f", "dW", np.array([[0.0, 1.0], [0.0, 0.0]]), zero)
    assert found is not None and diagnose(found, Clues()) is None
    found = compare("f", "dW", np.array([[np.inf, 1.0]]), np.array([[np.inf, 2.0]]))
    assert found is not None and diagnose(found, Clues()) is None


def test_an_unrelated_shape_is_called_wrong_shape() -> None:
    found = compare("f", "dW", np.zeros((4, 5)), np.ones((2, 3)))
    assert found is not None
    assert (
        diagnose(found, Clues()) == "your dW has shape (4, 5), the right one (2, 3): wrong shape."
    )


def test_mistakes_this_example_cannot_tell_apart_are_all_named() -> None:
    expected = np.array([[2.0, 4.0]])
    found = compare("f", "dA_in", np.array([[1.0, 2.0]]), expected)
    assert found is not None
    known = {"mistake A": np.array([[1.0, 2.0]]), "mistake B": np.array([[1.0, 2.0]])}
    said = diagnose(found, Clues(known=known)) or ""
    assert said.startswith("mistake A OR mistake B")


def test_a_scalar_output_and_non_array_inputs_are_shown() -> None:
    found = compare("cost", "J", np.asarray(2.0), np.asarray(1.0))
    assert found is not None
    message = explain(found, Clues(inputs={"weights": [np.ones((2, 3))], "lambd": 0.5, "x": "?"}))
    assert "inputs: weights [(2, 3)], lambd 0.5, x '?'" in message
    assert "worst element (): yours 2, reference 1" in message


def test_only_an_in_place_write_is_explained_among_errors() -> None:
    assert explain_error("relu", ValueError("shapes (2,3) and (4,5) not aligned")) is None
    assert explain_error("relu", TypeError("read-only")) is None


def test_a_value_close_to_right_but_beyond_rounding_is_called_lost_precision() -> None:
    # The loss of softmax([6, 0]) for class 0 in float32, as my_nn.py computes it, -log(AL):
    # AL is 0.9975..., and log near 1 keeps only the digits AL has left: about 1e-5 relative off.
    z = np.array([[6.0], [0.0]], dtype=np.float32)
    AL = np.exp(z - z.max()) / np.exp(z - z.max()).sum()
    yours = -np.log(AL[:1])
    right = np.log1p(np.exp(-6.0)).astype(np.float32).reshape(1, 1)  # log-sum-exp form
    found = compare("cross_entropy", "loss", yours, right)
    assert found is not None
    said = diagnose(found, Clues()) or ""
    assert "times the right one" not in said
    head = "your loss is close to the right one (max relative error "
    assert said.startswith(head)
    assert 1e-6 < float(said[len(head) :].split(")")[0]) < 1e-4
    assert "log(AL) with AL near 1" in said


def test_exact_zeros_do_not_hide_lost_precision() -> None:
    right = np.array([[0.0, 1.0, -2.0], [0.0, 3.0, 0.5]])
    yours = right * (1 + 1e-7)  # the zeros stay exactly 0
    for found in (
        compare("f", "dZ", yours, right),
        Mismatch("f", "dZ", yours, right, 1e-12, 0.0),  # no absolute part: 0 / 0 where both are 0
    ):
        assert found is not None and found.bad().any()
        assert (diagnose(found, Clues()) or "").startswith("your dZ is close to the right one")


def unbiased_batchnorm(Z: Any, gamma: Any, beta: Any, eps: float) -> Any:
    mu = Z.mean(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        Z_hat = (Z - mu) / np.sqrt(Z.var(axis=1, ddof=1, keepdims=True) + eps)
    return gamma * Z_hat + beta, None


@pytest.mark.filterwarnings("ignore:Degrees of freedom")
@pytest.mark.parametrize("Z", [[[1.5], [-0.5]], [[1.0, -2.0, 0.5], [-0.5, 3.0, -1.0]]])
def test_the_unbiased_variance_is_named_even_where_it_is_nan(Z: list[list[float]]) -> None:
    """One example: ddof=1 divides 0 by 0. The NaN is the unbiased variance's, not an overflow."""
    said = failure(
        check_forward,
        with_(batchnorm_forward=unbiased_batchnorm),
        CASE["batchnorm"],
        Z=Z,
        gamma=[[1.5], [-0.5]],
        beta=[[0.25], [0.5]],
        dZ_out=[[1.0] * len(Z[0]), [0.5] * len(Z[0])],
        eps=1e-5,
    )
    assert "the variance is the unbiased one" in said
    assert "overflow" not in said
