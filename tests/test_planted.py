"""The suite's checks catch planted mistakes.

Each mutant below is ``scratch`` with one function replaced by a version that makes a mistake
learners make. For each, hypothesis searches the case's own input domain for an input on which
the check of ``tests/test_contract.py`` fails (raises ``AssertionError`` or ``ValueError``), and
the test asserts that one is found. It then runs the same check on the correct ``scratch`` with
that very input, which must pass: the check tells the two apart, rather than failing on anything.

The search is derandomized and keeps no database, so it examines the same inputs on every run and
cannot flake.

A mutant is a namespace of ``scratch``'s functions with one replaced. A registry case calls
``impl.<name>`` for the functions it names (``oracle/checks/registry.py``), so each mistake is
planted in a function its case calls. ``scratch.layer_backward`` calls ``scratch.linear``'s own
``linear_backward``, not the namespace's: a wrong ``linear_backward`` is checked through the
``linear`` case, and the layer's mistake is planted in ``layer_backward`` itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, find, settings
from hypothesis.errors import NoSuchExample
from hypothesis.strategies import SearchStrategy

import scratch
from oracle.checks.properties import (
    as_dtype,
    check_backward,
    check_finite_differences,
    check_float32,
    check_forward,
    check_linear_in_upstream,
)
from oracle.checks.registry import CASES, Case, Inputs

Array = Any
Check = Callable[[Any, Case, Inputs], None]

CASE = {case.name: case for case in CASES}

#: The search: the same inputs on every run (derandomized, no example database), enough of them
#: for a mistake that shows only on some inputs (m > 1, keep_prob < 1, a negative Z), no time
#: limit per example (finite differences take a while), and no shrinking: one input that tells
#: the mutant from scratch is all the test needs, and shrinking it would cost seconds a mutant.
SEARCH = settings(
    database=None,
    derandomize=True,
    max_examples=200,
    deadline=None,
    phases=[Phase.generate],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


# --- The planted mistakes ------------------------------------------------------------------------


def softmax_cross_entropy_backward_without_1_over_m(AL: Array, Y: Array) -> Array:
    return AL - Y


def relu_backward_without_the_mask(dA: Array, Z: Array) -> Array:
    return dA


def relu_backward_without_dA(dA: Array, Z: Array) -> Array:
    return (Z > 0).astype(Z.dtype)


def relu_in_place(Z: Array) -> Array:
    np.maximum(Z, 0, out=Z)
    return Z


def sigmoid_backward_with_s_for_its_derivative(dA: Array, Z: Array) -> Array:
    return dA * scratch.sigmoid(Z)


def softmax_backward_with_the_diagonal_only(dA: Array, Z: Array) -> Array:
    s = scratch.softmax(Z)
    return dA * s * (1 - s)


def tanh_backward_with_a_float64_constant(dA: Array, Z: Array) -> Array:
    t = np.tanh(Z)
    return dA * (np.ones(Z.shape) - t * t)


def linear_backward_with_db_over_the_wrong_axis(
    dZ: Array, A_prev: Array, W: Array
) -> tuple[Array, Array, Array]:
    return W.T @ dZ, dZ @ A_prev.T, dZ.sum(axis=0, keepdims=True)


def linear_backward_with_an_extra_1_over_m(
    dZ: Array, A_prev: Array, W: Array
) -> tuple[Array, Array, Array]:
    m = dZ.shape[1]
    return W.T @ dZ, dZ @ A_prev.T / m, dZ.sum(axis=1, keepdims=True) / m


def layer_backward_with_g_prime_of_A(dA: Array, cache: Any) -> tuple[Array, Array, Array]:
    """The activation's derivative taken at the layer's output ``A`` instead of at ``Z``."""
    forward, backward = scratch.ACTIVATIONS[cache.activation]
    dZ = backward(dA, forward(cache.Z))
    return scratch.linear_backward(dZ, cache.A_prev, cache.W)


def l2_penalty_backward_without_1_over_m(W: Array, lambd: float, m: int) -> Array:
    return lambd * W


def l2_penalty_backward_with_the_half_kept(W: Array, lambd: float, m: int) -> Array:
    return lambd / (2 * m) * W


def dropout_backward_without_keep_prob(dA: Array, mask: Array, keep_prob: float) -> Array:
    return dA * mask


def batchnorm_backward_without_the_mean_term(
    dZ_out: Array, cache: Any
) -> tuple[Array, Array, Array]:
    """Drops ``- sum(dZ_hat)``: the path through the batch mean."""
    Z_hat, gamma, inv_std = cache
    m = dZ_out.shape[1]
    dZ_hat = dZ_out * gamma
    dZ = (inv_std / m) * (m * dZ_hat - Z_hat * (dZ_hat * Z_hat).sum(axis=1, keepdims=True))
    return dZ, (dZ_out * Z_hat).sum(axis=1, keepdims=True), dZ_out.sum(axis=1, keepdims=True)


def cross_entropy_backward_with_its_sign_flipped(AL: Array, Y: Array) -> Array:
    return -scratch.cross_entropy_backward(AL, Y)


# --- Which check should catch which --------------------------------------------------------------


BACKWARD = (check_backward, check_finite_differences)

#: (case, the function replaced, its wrong version, the checks that must each catch it).
PLANTED: list[tuple[str, str, Callable[..., Any], tuple[Check, ...]]] = [
    (
        "softmax_cross_entropy",
        "softmax_cross_entropy_backward",
        softmax_cross_entropy_backward_without_1_over_m,
        BACKWARD,
    ),
    ("relu", "relu_backward", relu_backward_without_the_mask, BACKWARD),
    ("relu", "relu_backward", relu_backward_without_dA, (check_backward, check_linear_in_upstream)),
    ("relu", "relu", relu_in_place, (check_forward,)),
    ("sigmoid", "sigmoid_backward", sigmoid_backward_with_s_for_its_derivative, BACKWARD),
    ("softmax", "softmax_backward", softmax_backward_with_the_diagonal_only, BACKWARD),
    ("tanh", "tanh_backward", tanh_backward_with_a_float64_constant, (check_float32,)),
    ("linear", "linear_backward", linear_backward_with_db_over_the_wrong_axis, (check_backward,)),
    ("linear", "linear_backward", linear_backward_with_an_extra_1_over_m, BACKWARD),
    ("layer[sigmoid]", "layer_backward", layer_backward_with_g_prime_of_A, BACKWARD),
    ("l2_penalty", "l2_penalty_backward", l2_penalty_backward_without_1_over_m, BACKWARD),
    ("l2_penalty", "l2_penalty_backward", l2_penalty_backward_with_the_half_kept, BACKWARD),
    ("dropout", "dropout_backward", dropout_backward_without_keep_prob, BACKWARD),
    ("batchnorm", "batchnorm_backward", batchnorm_backward_without_the_mean_term, BACKWARD),
    (
        "cross_entropy",
        "cross_entropy_backward",
        cross_entropy_backward_with_its_sign_flipped,
        BACKWARD,
    ),
]


@dataclass(frozen=True)
class Mutant:
    case: Case
    replaced: str
    wrong: Callable[..., Any]
    check: Check

    def __str__(self) -> str:
        return f"{self.wrong.__name__}-{self.check.__name__.removeprefix('check_')}"

    def impl(self) -> SimpleNamespace:
        """``scratch``'s functions, but for the replaced one."""
        assert self.replaced in scratch.__all__, self.replaced
        functions = {name: getattr(scratch, name) for name in scratch.__all__}
        return SimpleNamespace(**{**functions, self.replaced: self.wrong})

    def inputs(self) -> SearchStrategy[Inputs]:
        """The case's inputs, as the check's own test in ``test_contract.py`` draws them."""
        if self.check is check_finite_differences:
            return self.case.draw("smooth")
        if self.check is check_float32:
            return self.case.draw("any").map(lambda x: as_dtype(x, np.float32))
        return self.case.draw("any")


MUTANTS = [
    Mutant(CASE[case], name, wrong, check)
    for case, name, wrong, checks in PLANTED
    for check in checks
]


def fails(check: Check, impl: Any, case: Case, x: Inputs) -> bool:
    """Whether ``check`` rejects ``impl`` on ``x`` (any other exception propagates)."""
    try:
        check(impl, case, x)
    except (AssertionError, ValueError):
        return True
    return False


@pytest.mark.parametrize("mutant", MUTANTS, ids=str)
def test_the_check_catches_the_planted_mistake(mutant: Mutant) -> None:
    case, wrong = mutant.case, mutant.impl()
    try:
        x = find(mutant.inputs(), lambda x: fails(mutant.check, wrong, case, x), settings=SEARCH)
    except NoSuchExample:
        pytest.fail(
            f"{mutant.check.__name__} passed {mutant} on all of "
            f"{SEARCH.max_examples} inputs of {case}: the mistake went unnoticed"
        )
    # The same check passes the correct implementation on the input that caught the mutant.
    mutant.check(scratch, case, x)
