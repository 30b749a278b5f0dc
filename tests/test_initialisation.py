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


# --- Initialisers with no arguments, and logistic regression's -----------------------------------


def _fixed(weights: Callable[[int, int], Any], biases: Callable[[int], Any]) -> Any:
    """A fixed two-layer network's ``init_params()``, 784-32-10, returning ``W1, b1, W2, b2``."""

    def init_params() -> Any:
        return weights(32, 784), biases(32), weights(10, 32), biases(10)

    return init_params


def _one(f: Any, name: str = "init_params") -> SimpleNamespace:
    return SimpleNamespace(**{name: f})


def test_an_initialiser_with_no_arguments_is_read_from_what_it_returns() -> None:
    """Its sizes are its own: the shapes are checked against each other (``W2`` takes ``W1``'s
    outputs), a tuple ``W1, b1, W2, b2`` is read in that order, and the scale measured on them."""
    he = _fixed(
        lambda n, p: rng.standard_normal((n, p)) * np.sqrt(2 / p), lambda n: np.zeros((n, 1))
    )
    assert init.recognise("init_params", he) is not None
    init.check_shapes(_one(he), [], "init_params", "any")
    with pytest.raises(NotChecked, match=r"W1 He's sqrt.*W2 He's sqrt"):
        init.check_scale_told(_one(he), "init_params", "any")
    assert init.fixed_dims(init.call(he, [])) == [784, 32, 10]


def test_an_initialiser_with_no_arguments_whose_layers_do_not_chain_is_told() -> None:
    def init_params() -> Any:
        return (rng.standard_normal((32, 784)) * 0.05, np.zeros((32, 1)),
                rng.standard_normal((10, 31)) * 0.2, np.zeros((10, 1)))  # fmt: skip

    with pytest.raises(
        AssertionError, match=r"init_params\(\): W2 has shape \(10, 31\), the right one \(10, 32\)"
    ):
        init.check_shapes(_one(init_params), [], "init_params", "any")


def test_a_tuple_is_named_by_the_return_statement() -> None:
    """``return w1, B1, w2, B2`` and even ``return b1, W1, ...`` are read by their names."""

    def init_weights() -> Any:
        B1 = np.zeros((4, 1))
        w1 = rng.standard_normal((4, 3))
        B2 = np.zeros((2, 1))
        w2 = rng.standard_normal((2, 4))
        return B1, w1, B2, w2

    parameters = init.call(init_weights, [])
    assert {k: v.shape for k, v in parameters.items()} == {
        "b1": (4, 1), "W1": (4, 3), "b2": (2, 1), "W2": (2, 4)
    }  # fmt: skip


def test_the_copied_two_layer_initialiser_is_told_its_uniform_scale_and_random_biases() -> None:
    """``np.random.rand(n, p) - 0.5`` for weights and biases, as the widely copied MNIST network
    has it: the biases are a convention (its own function, not the course's), the spread that
    does not shrink with 784 inputs is the mistake."""
    copied = _fixed(lambda n, p: rng.random((n, p)) - 0.5, lambda n: rng.random((n, 1)) - 0.5)
    with pytest.raises(Close, match=r"random biases \(b1, b2\): harmless"):
        init.check_shapes(_one(copied), [], "init_params", "any")
    said = scale_said(copied, "init_params", "any")
    assert "which is that of np.random.rand(...) - 0.5" in said
    assert "each Z sums n_prev = 784 such terms" in said
    # The course's own initialiser must start its biases at zero: there they fail.
    assert "diagnosis: random biases" in shapes_said(
        layers(lambda n, p: rng.standard_normal((n, p)), lambda n: rng.random((n, 1)) - 0.5)
    )


def test_an_initialiser_with_no_arguments_drawn_from_rand_alone_is_not_centred() -> None:
    positive = _fixed(lambda n, p: rng.random((n, p)), lambda n: np.zeros((n, 1)))
    assert "np.random.rand draws from [0, 1)" in scale_said(positive, "init_params", "any")


def _zeros_init(w: Any, b: Any) -> Any:
    def initialize_with_zeros(dim: int) -> Any:
        return w(dim), b

    return initialize_with_zeros


@pytest.mark.parametrize(
    ("f", "outcome", "text"),
    [
        (_zeros_init(lambda d: np.zeros((d, 1)), 0.0), None, ""),
        (_zeros_init(lambda d: np.zeros((d, 1)), 0), None, ""),
        (_zeros_init(lambda d: np.zeros(d), 0.0), AssertionError,
         "w has shape (5,), the right one (5, 1)"),
        (_zeros_init(lambda d: np.zeros((1, d)), 0.0), AssertionError, "diagnosis: w is a column"),
        (_zeros_init(lambda d: np.ones((d, 1)), 0.0), AssertionError, "w is not zeros"),
        (_zeros_init(lambda d: np.zeros((d, 1)), 1.0), AssertionError,
         "b is 1.0: the bias starts at 0"),
        (_zeros_init(lambda d: np.zeros((d, 1)), np.zeros((1, 1))), Close,
         "b is an array of shape (1, 1); the course's b is the number 0.0"),
    ],
    ids=["right", "int-b", "flat-w", "row-w", "ones", "b-one", "b-array"],
)  # fmt: skip
def test_logistic_regressions_initialiser_is_checked(f: Any, outcome: Any, text: str) -> None:
    assert init.logistic("initialize_with_zeros", f)
    if outcome is None:
        init.check_logistic(_one(f, "initialize_with_zeros"), "initialize_with_zeros", 5)
        return
    with pytest.raises(outcome) as caught:
        init.check_logistic(_one(f, "initialize_with_zeros"), "initialize_with_zeros", 5)
    assert text in str(caught.value)


def test_logistic_regressions_initialiser_is_told_from_a_layer_dims_one() -> None:
    assert init.logistic("initialize_with_zeros", _zeros_init(np.zeros, 0.0))
    assert not init.logistic("initialize_parameters_zeros", EXAMPLE.initialize_parameters_zeros)
    assert not init.logistic("initialize_parameters_he", EXAMPLE.initialize_parameters_he)
    assert "logistic regression's w, b" in str(
        init.recognise("initialize_with_zeros", _zeros_init(np.zeros, 0.0))
    )


def test_the_two_layer_examples_init_params_gets_its_row() -> None:
    """``examples/two_layer_mnist.py`` keeps the tutorials' ``init_params(n_in=784, ...)``: its
    defaults make it an initialiser of no arguments, told its random biases and its scale."""
    mnist = load(Path(__file__).resolve().parent.parent / "examples" / "two_layer_mnist.py").module
    assert "no arguments" in str(init.recognise("init_params", mnist.init_params))
    with pytest.raises(Close, match="random biases"):
        init.check_shapes(mnist, [], "init_params", "any")
    assert "each Z sums n_prev = 784 such terms" in scale_said(
        mnist.init_params, "init_params", "any"
    )
