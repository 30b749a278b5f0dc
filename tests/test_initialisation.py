"""Initialisers (``oracle.checks.init``): shapes, zero biases, the scale measured.

The scale check cannot flake: the global generator is seeded before each call (so a run repeats),
and its bound holds for any seed but with a probability under 2 exp(-40) < 1e-17 a layer
(Laurent and Massart's chi-squared bound, in ``oracle.checks.init``'s docstring), on layers of at
least 2,400 weights. Every scale the planted mistakes use is at least sqrt(2) away from the one
expected, far outside the accepted ratio [0.86, 1.14] of standard deviations.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
from hypothesis import given

from oracle.checks import init
from oracle.checks.loading import load
from oracle.checks.outcomes import Close, NotChecked

EXAMPLE = load(Path(__file__).resolve().parent.parent / "examples" / "course_steps.py").module
INITIALISERS = {
    "initialize_parameters": "any",
    "initialize_parameters_deep": "any",
    "initialize_parameters_zeros": "zeros",
    "initialize_parameters_random": "random",
    "initialize_parameters_he": "he",
}


@pytest.mark.parametrize("name", sorted(INITIALISERS))
def test_the_examples_initialisers_pass(name: str) -> None:
    scheme = INITIALISERS[name]
    assert init.scheme_of(name) == scheme

    @given(dims=init.layer_dims(three=name == "initialize_parameters"))
    def shapes(dims: list[int]) -> None:
        init.check_shapes(EXAMPLE, dims, name, scheme)

    shapes()
    init.check_scale(EXAMPLE, name, scheme)


def test_the_scale_a_generic_initialiser_chose_is_told() -> None:
    with pytest.raises(NotChecked, match="W1 Xavier's sqrt"):
        init.check_scale_told(EXAMPLE, "initialize_parameters_deep", "any")
    with pytest.raises(NotChecked, match=r"W1 the course's 0\.01"):
        init.check_scale_told(EXAMPLE, "initialize_parameters", "any")


def test_the_bound_is_what_the_docstring_says() -> None:
    """The accepted ratio of second moments on the smallest wide layer, and that the scales the
    mistakes use fall outside it."""
    N = init.WIDE[2] * init.WIDE[3]
    low, high = 1 - 2 * math.sqrt(init.X / N), 1 + 2 * math.sqrt(init.X / N) + 2 * init.X / N
    assert N >= 2400 and low > 0.74 and high < 1.3
    assert not init._fits(2.0, 1.0, N) and not init._fits(0.5, 1.0, N)  # He vs Xavier
    assert init._fits(1.0, 1.0, N)


def layers(weight: Callable[[int, int], Any], bias: Callable[[int], Any] | None = None) -> Any:
    def initialize(layer_dims: list[int]) -> dict[str, Any]:
        out = {}
        for k in range(1, len(layer_dims)):
            out[f"W{k}"] = weight(layer_dims[k], layer_dims[k - 1])
            out[f"b{k}"] = bias(layer_dims[k]) if bias else np.zeros((layer_dims[k], 1))
        return out

    return initialize


rng = np.random.default_rng(0)
XAVIER = layers(lambda n, p: rng.standard_normal((n, p)) * np.sqrt(1 / p))
HE = layers(lambda n, p: rng.standard_normal((n, p)) * np.sqrt(2 / p))
RANDN = layers(lambda n, p: rng.standard_normal((n, p)))


def scale_said(f: Any, name: str, scheme: str) -> str:
    with pytest.raises(AssertionError) as caught:
        init.check_scale(SimpleNamespace(**{name: f}), name, scheme)
    return str(caught.value)


@pytest.mark.parametrize(
    ("f", "scheme", "text"),
    [
        (XAVIER, "he", "diagnosis: Xavier's scale used for ReLU layers"),
        (layers(lambda n, p: rng.standard_normal((n, p)) * 0.01), "he",
         "diagnosis: the course's 0.01 is its first, small-network initialiser"),
        (RANDN, "he", "diagnosis: the scale is forgotten"),
        (RANDN, "any", "diagnosis: the scale is forgotten"),
        (HE, "xavier", "diagnosis: He's scale where Xavier's is asked"),
        (layers(lambda n, p: rng.random((n, p)) * np.sqrt(2 / p)), "he", "np.random.rand draws"),
    ],
    ids=["xavier-for-relu", "0.01-for-he", "randn-only-he", "randn-only-any", "he-for-xavier",
         "uniform-positive"],
)  # fmt: skip
def test_a_wrong_scale_is_named(f: Any, scheme: str, text: str) -> None:
    name = f"initialize_parameters_{scheme}" if scheme != "any" else "initialize_parameters_deep"
    right = XAVIER if scheme == "xavier" else HE
    init.check_scale(SimpleNamespace(**{name: right}), name, scheme)  # the right one passes
    assert text in scale_said(f, name, scheme)


def test_glorots_scale_is_the_other_xavier() -> None:
    glorot = layers(lambda n, p: rng.standard_normal((n, p)) * np.sqrt(2 / (n + p)))
    with pytest.raises(Close, match="the original Xavier"):
        init.check_scale(SimpleNamespace(initialize_parameters_xavier=glorot),
                         "initialize_parameters_xavier", "xavier")  # fmt: skip


def shapes_said(f: Any, scheme: str = "he", dims: tuple[int, ...] = (3, 4, 2)) -> str:
    name = f"initialize_parameters_{scheme}"
    init.check_shapes(SimpleNamespace(**{name: HE if scheme != "zeros" else ZEROS}), list(dims),
                      name, scheme)  # fmt: skip
    with pytest.raises(AssertionError) as caught:
        init.check_shapes(SimpleNamespace(**{name: f}), list(dims), name, scheme)
    return str(caught.value)


ZEROS = layers(lambda n, p: np.zeros((n, p)))


@pytest.mark.parametrize(
    ("f", "scheme", "text"),
    [
        (layers(lambda n, p: rng.standard_normal((p, n))), "he", "diagnosis: W1 is transposed"),
        (layers(lambda n, p: rng.standard_normal((n, p)), lambda n: np.zeros(n)), "he",
         "b1 has shape (4,), the right one (4, 1): a column"),
        (layers(lambda n, p: rng.standard_normal((n, p)), lambda n: rng.standard_normal((n, 1))),
         "he", "diagnosis: random biases"),
        (layers(lambda n, p: np.ones((n, p)) * 0.01), "he", "diagnosis: equal weights"),
        (layers(lambda n, p: np.ones((n, p))), "zeros", "W1 is not zeros"),
    ],
    ids=["transposed", "flat-bias", "random-bias", "equal-weights", "zeros-not-zero"],
)  # fmt: skip
def test_a_wrong_shape_or_bias_is_named(f: Any, scheme: str, text: str) -> None:
    assert text in shapes_said(f, scheme)


@pytest.mark.parametrize(
    ("name", "scheme"),
    [
        ("initialize_parameters_he", "he"),
        ("init_weights_kaiming", "he"),
        ("initialize_parameters_xavier", "xavier"),
        ("initialise_weights", "any"),
        ("init_params", "any"),
        ("initialize_velocity", None),
        ("initialize_adam", None),
        ("init_he_xavier", None),
    ],
)
def test_initialisers_are_recognised_by_name(name: str, scheme: str | None) -> None:
    assert init.scheme_of(name) == scheme


def test_an_initialiser_that_returns_no_dictionary_or_misses_a_layer_is_told() -> None:
    def initialize_parameters_he(layer_dims: list[int]) -> Any:
        return [np.zeros((2, 2))]

    with pytest.raises(AssertionError, match="an initialiser returns the dictionary"):
        init.check_shapes(SimpleNamespace(initialize_parameters_he=initialize_parameters_he),
                          [3, 2], "initialize_parameters_he", "he")  # fmt: skip
    missing = layers(lambda n, p: rng.standard_normal((n, p)))
    assert "has no W2 or b2" in shapes_said(
        lambda dims: {k: v for k, v in missing(dims).items() if k.endswith("1")}
    )


def test_a_scale_of_ten_is_named_where_a_small_one_belongs() -> None:
    ten = layers(lambda n, p: rng.standard_normal((n, p)) * 10)
    assert "a scale of 10 saturates" in scale_said(ten, "initialize_parameters_deep", "any")
    with pytest.raises(NotChecked, match="W1 10"):
        init.check_scale_told(SimpleNamespace(initialize_parameters_random=ten),
                              "initialize_parameters_random", "random")  # fmt: skip
    # Any scale is right for the course's demonstration of a too-large one.
    init.check_scale(SimpleNamespace(initialize_parameters_random=ten),
                     "initialize_parameters_random", "random")  # fmt: skip


def test_recognise_and_plans() -> None:
    assert init.recognise("initialize_parameters", EXAMPLE.initialize_parameters)
    assert init.recognise("initialize_parameters_he", lambda a, b: a) is None  # two arguments
    assert init.recognise("plot_costs", EXAMPLE.initialize_parameters) is None
    plans = init.checks("initialize_parameters_deep", EXAMPLE.initialize_parameters_deep)
    assert [p for p, _, _ in plans][-1] == "initialize_parameters_deep: the scale found"
    for _, check, strategies in plans:
        if strategies is None:
            with pytest.raises(NotChecked) if "found" in _ else contextlib.nullcontext():
                check(EXAMPLE)
    assert init.checks("plot", print) == []
    init.check_scale(EXAMPLE, "initialize_parameters_zeros", "zeros")  # no scale to measure
    init.check_scale_told(EXAMPLE, "initialize_parameters_he", "he")  # He's: nothing to tell
