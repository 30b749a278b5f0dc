"""A cost with L2 in the learner's own shape (``oracle.checks.l2cost``): read by its arguments'
names, for the output its file has, checked against the oracle's cross-entropy plus
``lambd / (2 m) sum ||W||**2``, and its usual mistakes named."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
from hypothesis import given

from oracle.checks import l2cost
from tests.test_learner_run import learner_run, row

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

SOFTMAX = "def softmax(Z):\n    E = np.exp(Z - Z.max(axis=0))\n    return E / E.sum(axis=0)\n"
SIGMOID = "def sigmoid(Z):\n    return 1 / (1 + np.exp(-Z))\n"

CATEGORICAL = """
def compute_cost(AL, Y, parameters, lambd):
    m = Y.shape[1]
    data = -np.sum(Y * np.log(AL)) / m
    weights = sum(np.sum(parameters[k] ** 2) for k in parameters if k.startswith("W"))
    return data + lambd / (2 * m) * weights
"""
BINARY = """
def cost_function(A, Y, params, lam):
    m = Y.shape[1]
    data = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m
    return data + lam / (2 * m) * sum(np.sum(np.square(params[k])) for k in params if k[0] == "W")
"""


def learner(source: str, *helpers: str) -> Any:
    """The function ``source`` defines, in a file of its own with ``helpers`` beside it."""
    space: dict[str, Any] = {"np": np}
    exec("\n".join((*helpers, source)), space)
    name = source.split("def ", 1)[1].split("(", 1)[0]
    return space[name]


def check_all(f: Any) -> None:
    """Every plan of ``f`` over drawn cases."""
    name = f.__name__
    ((_, check, strategies),) = l2cost.checks(name, f)
    impl = SimpleNamespace(**{name: f})

    @given(**strategies)
    def run(**drawn: Any) -> None:
        check(impl, **drawn)

    run()


@pytest.mark.parametrize(
    ("source", "helpers", "output"),
    [(CATEGORICAL, (SOFTMAX,), "softmax"), (BINARY, (SIGMOID,), "sigmoid"),
     (BINARY, (SOFTMAX, SIGMOID), "sigmoid")],
    ids=["softmax", "sigmoid", "both-defined"],
)  # fmt: skip
def test_a_right_cost_with_l2_is_verified_for_its_output(
    source: str, helpers: tuple[str, ...], output: str
) -> None:
    f = learner(source, *helpers)
    assert l2cost.output_of(f) == output
    assert f"({output} output" in str(l2cost.recognise(f.__name__, f))
    check_all(f)


def said(source: str, *helpers: str, C: int = 3) -> str:
    f = learner(source, *helpers)
    impl = SimpleNamespace(**{f.__name__: f})
    with pytest.raises(AssertionError) as caught:
        l2cost.check_l2_cost(impl, f.__name__, C, 6, [4, 3], 0.7, 1)
    return str(caught.value)


@pytest.mark.parametrize(
    ("old", "new", "text"),
    [
        ("data + lambd / (2 * m) * weights", "data", "the L2 term is missing"),
        ("lambd / (2 * m)", "lambd / 2", "the L2 term lacks its 1/m"),
        ("lambd / (2 * m)", "lambd / m", "the L2 term lacks its 1/2"),
        ('if k.startswith("W")', "", "the biases are in the L2 term"),
        ("-np.sum(Y * np.log(AL)) / m", "-np.sum(Y * np.log(AL) + (1 - Y) * np.log(1 - AL)) / m",
         "the binary cross-entropy summed over the classes"),
    ],
    ids=["missing", "no-1/m", "no-1/2", "biases", "binary-for-softmax"],
)  # fmt: skip
def test_the_usual_mistakes_of_an_l2_cost_are_named(old: str, new: str, text: str) -> None:
    assert old in CATEGORICAL
    assert f"diagnosis: {text}" in said(CATEGORICAL.replace(old, new), SOFTMAX)


def test_a_binary_cost_with_a_wrong_l2_term_is_still_read_as_binary() -> None:
    """Beside both a softmax and a sigmoid, the output is read on a probe: without lambd, where
    a wrong L2 term does not show, the binary loss is right, so it is the sigmoid network's."""
    wrong = BINARY.replace("lam / (2 * m)", "lam / 2")
    f = learner(wrong, SOFTMAX, SIGMOID)
    assert l2cost.output_of(f) == "sigmoid"
    assert "diagnosis: the L2 term lacks its 1/m" in said(wrong, SOFTMAX, SIGMOID, C=1)


@pytest.mark.parametrize(
    ("name", "signature", "read"),
    [
        ("compute_cost", "(AL, Y, parameters, lambd)", True),
        ("cost_with_l2", "(Y, AL, lambd, params)", True),
        ("total_loss", "(y_hat, y, weights, reg)", True),
        ("compute_cost", "(AL, Y)", False),
        ("compute_cost_with_regularization", "(A3, Y, parameters, lambd)", False),  # the course's
        ("update_parameters", "(parameters, grads, learning_rate, lambd)", False),
        ("compute_cost", "(AL, Y, parameters, lambd, extra)", False),
    ],
)
def test_a_cost_with_l2_is_recognised_by_its_name_and_arguments(
    name: str, signature: str, read: bool
) -> None:
    space: dict[str, Any] = {}
    exec(f"def {name}{signature}:\n    return 0.0\n", space)
    assert l2cost.is_l2_cost(name, space[name]) is read


def test_the_l2_example_cost_gets_its_row_and_a_planted_mistake_its_diagnosis(
    tmp_path: Path,
) -> None:
    text = (EXAMPLES / "l2_deep_nn.py").read_text(encoding="utf-8")
    old = "return data + lambd / (2 * m) * penalty"
    assert old in text
    planted = tmp_path / "l2_deep_nn.py"
    planted.write_text(text.replace(old, "return data + lambd / 2 * penalty"), "utf-8")
    run = learner_run(planted, "--only", "cost,backward")
    assert run.returncode == 1, run.stdout + run.stderr
    assert row(run.stdout, "cost") == (
        "WRONG: the L2 term lacks its 1/m: it is lambd / (2 m) * sum ||W{l}||**2"
    ), run.stdout
    assert row(run.stdout, "backward") == "verified", run.stdout


def test_a_cost_of_a_fixed_depth_is_checked_at_that_depth() -> None:
    """A cost that names ``W1, W2, W3`` is checked on 3-layer networks only."""
    fixed = """
def compute_cost(AL, Y, parameters, lambd):
    m = Y.shape[1]
    W1, W2, W3 = parameters["W1"], parameters["W2"], parameters["W3"]
    data = -np.sum(Y * np.log(AL)) / m
    return data + lambd / (2 * m) * (np.sum(W1**2) + np.sum(W2**2) + np.sum(W3**2))
"""
    f = learner(fixed, SOFTMAX)
    assert l2cost.depths_of(f, "softmax") == [3]
    check_all(f)
