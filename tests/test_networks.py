"""Whole networks of the learner's own shape (the checks: ``oracle.checks.networks``).

Three example files of this project's, each a network the course's ``L_model_*`` check cannot
read: ``examples/two_layer_mnist.py`` (weights as separate arguments, integer labels),
``examples/dropout_nn.py`` (the course's dropout pair and 3-layer cache) and
``examples/story_deep_nn.py`` (the story's names, softmax, any depth). Each is read, then checked
whole over drawn networks; then planted mistakes, each of which the check must catch and name.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from oracle.checks import networks
from oracle.checks.loading import load
from oracle.checks.networks import (
    Drawn,
    Pair,
    build,
    check_network_backward,
    check_network_forward,
    networks_for,
    pass_direction,
    read_pairs,
    returned_names,
)
from oracle.checks.outcomes import NotChecked
from oracle.checks.reading import read
from tests.test_learner_run import block, learner_run, row

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
MNIST = load(EXAMPLES / "two_layer_mnist.py").module
DROPOUT = load(EXAMPLES / "dropout_nn.py").module
STORY = load(EXAMPLES / "story_deep_nn.py").module
STORY_DROPOUT = load(EXAMPLES / "story_dropout_nn.py").module
L2 = load(EXAMPLES / "l2_deep_nn.py").module

Array = Any


def pairs_of(module: Any, forward: str, backward: str, **planted: Callable[..., Any]) -> Pair:
    """The backward's pair as the reading makes it, from ``module`` with ``planted`` functions
    in place of its own."""
    functions = {**vars(module), **planted}
    found = read_pairs([(forward, functions[forward]), (backward, functions[backward])], set())
    assert found[backward][1] == "backward", found
    return found[backward][0]


def mnist(**planted: Callable[..., Any]) -> Pair:
    return pairs_of(MNIST, "forward_prop", "back_prop", **planted)


def dropout(**planted: Callable[..., Any]) -> Pair:
    return pairs_of(
        DROPOUT, "forward_propagation_with_dropout", "backward_propagation_with_dropout", **planted
    )


def story(**planted: Callable[..., Any]) -> Pair:
    return pairs_of(STORY, "forwardpropagation_all", "backpropagate_all", **planted)


def story_dropout(**planted: Callable[..., Any]) -> Pair:
    return pairs_of(STORY_DROPOUT, "forwardpropagation_all", "backpropagate_all", **planted)


def l2(backward: Callable[..., Any] | None = None) -> Pair:
    """The L2 example's pair (its functions are named ``forward`` and ``backward``)."""
    found = read_pairs([("forward", L2.forward), ("backward", backward or L2.backward)], set())
    assert found["backward"][1] == "backward", found
    return found["backward"][0]


# --- Reading -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "direction"),
    [
        ("forward_prop", "forward"),
        ("back_prop", "backward"),
        ("forwardpropagation_all", "forward"),
        ("backpropagate_all", "backward"),
        ("forward_propagation_with_dropout", "forward"),
        ("backward_propagation_with_dropout", "backward"),
        ("relu_backward", None),
        ("forward_propagation_with_regularization_and_adam", None),
    ],
)
def test_a_whole_networks_pass_is_told_by_its_name(name: str, direction: str | None) -> None:
    assert pass_direction(name) == direction


def test_a_tuple_return_is_named_by_its_return_statement() -> None:
    assert returned_names(MNIST.forward_prop) == ("Z1", "A1", "Z2", "A2")
    assert returned_names(MNIST.back_prop) == ("dW1", "db1", "dW2", "db2")
    assert returned_names(STORY.backpropagate_all) is None


def test_the_fixed_two_layer_network_is_read_with_integer_labels() -> None:
    pair = mnist()
    assert pair.separate and pair.depths == (2,)
    assert (pair.hidden, pair.output, pair.labels, pair.dropout) == (
        "relu", "softmax", "integer", False)  # fmt: skip
    assert pair.forward_returns == ("Z1", "A1", "Z2", "A2")
    assert dict(pair.backward_args) == {
        "Z1": "Z1", "A1": "A1", "Z2": "Z2", "A2": "A2", "W1": "W1", "W2": "W2", "X": "X", "Y": "Y"
    }  # fmt: skip


def test_the_course_dropout_pair_is_read_as_a_3_layer_sigmoid_network() -> None:
    pair = dropout()
    assert (pair.depths, pair.hidden, pair.output, pair.dropout) == ((3,), "relu", "sigmoid", True)
    assert pair.forward_returns == ("output", "cache")
    assert dict(pair.backward_args) == {"X": "X", "Y": "Y", "cache": "cache",
                                        "keep_prob": "keep_prob"}  # fmt: skip


def test_the_story_network_is_read_at_every_depth() -> None:
    pair = story()
    assert (pair.depths, pair.hidden, pair.output, pair.labels) == (
        (1, 2, 3, 4), "relu", "softmax", "one-hot")  # fmt: skip
    assert dict(pair.backward_args) == {"A": "output", "Y": "Y", "parameters": "parameters",
                                        "caches": "cache"}  # fmt: skip


# --- The example files pass ----------------------------------------------------------------------


def test_the_story_dropout_network_is_read_with_its_masks() -> None:
    pair = story_dropout()
    assert (pair.depths, pair.output, pair.dropout) == ((1, 2, 3, 4), "softmax", True)
    assert dict(pair.backward_args)["keep_prob"] == "keep_prob"


def test_a_backward_that_takes_lambd_is_read_with_l2_at_every_depth() -> None:
    """A 1-layer match has no hidden activation: the tanh of the deeper ones is the network's."""
    pair = l2()
    assert (pair.depths, pair.hidden, pair.output, pair.l2) == (
        (1, 2, 3, 4),
        "tanh",
        "softmax",
        True,
    )
    assert dict(pair.backward_args)["lambd"] == "lambd"
    assert "L2 (lambd / (2 m) sum ||W||**2 in the cost)" in pair.describe("backward")
    assert not story().l2


@pytest.mark.parametrize(
    "make",
    [mnist, dropout, story, story_dropout, l2, lambda: global_sizes()],
    ids=["mnist", "dropout", "story", "story-dropout", "l2", "global-sizes"],
)
@given(data=st.data())
def test_the_examples_forward_and_backward_are_right(
    make: Callable[[], Pair], data: st.DataObject
) -> None:
    pair = make()
    net = data.draw(networks_for(pair))
    check_network_forward(pair, net)
    check_network_backward(pair, net)


# --- Planted mistakes ----------------------------------------------------------------------------


def said(check: Callable[[Pair, Drawn], None], right: Pair, wrong: Pair, net: Drawn) -> str:
    """The failure message of ``check`` on ``wrong``, which first passes on ``right``."""
    check(right, net)
    with pytest.raises(AssertionError) as caught:
        check(wrong, net)
    return str(caught.value)


def _wrong_cache_in_layer_3(A: Array, Y: Array, parameters: dict, caches: list) -> Any:
    """The story's backward with layer 3's dW taken with A3 (the layer's own output, the next
    layer's A_prev) instead of A2."""
    grads = {}
    L = len(caches)
    dZ = STORY.softmax_loss_backpropagation(A, Y)
    dA = None
    for layer in range(L, 0, -1):
        A_prev, Z = caches[layer - 1]
        if layer < L:
            dZ = STORY.relu_backpropagation(Z, dA)
        if layer == 3:
            A_prev = caches[3][0]
        dA, grads[f"dW{layer}"], grads[f"db{layer}"] = STORY.linear_backpropagation(
            A_prev, parameters[f"W{layer}"], dZ
        )
    return grads


def test_a_wrong_third_layer_backward_is_named_at_that_layer() -> None:
    net = build([4, 5, 5, 5, 3], 6, 3, "softmax")  # layers 2 and 3 as wide: A3 has A2's shape
    message = said(
        check_network_backward, story(), story(backpropagate_all=_wrong_cache_in_layer_3), net
    )
    assert "the gradients of layer 4's are right and layer 3's are not" in message
    assert "Wrong: dW3." in message


def _back_prop_wrong_cache(
    Z1: Array, A1: Array, Z2: Array, A2: Array, W1: Array, W2: Array, X: Array, Y: Array
) -> Any:
    """The two-layer backward with dZ1 through relu'(Z2) (the other layer's cache)."""
    m = Y.size
    dZ2 = A2 - MNIST.one_hot(Y, A2.shape[0])
    dW2 = dZ2 @ A1.T / m
    db2 = np.sum(dZ2, axis=1, keepdims=True) / m
    dZ1 = W2.T @ dZ2 * MNIST.ReLU_deriv(Z2)
    return dZ1 @ X.T / m, np.sum(dZ1, axis=1, keepdims=True) / m, dW2, db2


def test_the_two_layer_network_with_a_wrong_cache_is_named_at_layer_1() -> None:
    net = build([3, 4, 4], 8, 5, "softmax")  # Z2 has Z1's shape
    message = said(check_network_backward, mnist(), mnist(back_prop=_back_prop_wrong_cache), net)
    assert "back_prop: dW1 is wrong" in message or "back_prop: db1 is wrong" in message
    assert "layer 2's are right and layer 1's are not" in message


def _dropout_backward(apply: bool, rescale: bool) -> Callable[..., Any]:
    """The course's dropout backward with layer 2's mask left out (``apply``) or not divided
    by keep_prob (``rescale``)."""

    def backward_propagation_with_dropout(
        X: Array, Y: Array, cache: tuple, keep_prob: float
    ) -> Any:
        m = X.shape[1]
        (Z1, D1, A1, _, _, Z2, D2, A2, W2, _, _, A3, W3, _) = cache
        dZ3 = A3 - Y
        grads = {"dW3": dZ3 @ A2.T / m, "db3": np.sum(dZ3, axis=1, keepdims=True) / m}
        dA2 = W3.T @ dZ3
        if apply:
            dA2 = dA2 * D2 / (keep_prob if rescale else 1.0)
        dZ2 = dA2 * (Z2 > 0)
        grads |= {"dW2": dZ2 @ A1.T / m, "db2": np.sum(dZ2, axis=1, keepdims=True) / m}
        dZ1 = (W2.T @ dZ2) * D1 / keep_prob * (Z1 > 0)
        return grads | {"dW1": dZ1 @ X.T / m, "db1": np.sum(dZ1, axis=1, keepdims=True) / m}

    return backward_propagation_with_dropout


def _dropout_forward(apply: bool, rescale: bool) -> Callable[..., Any]:
    """The course's dropout forward with layer 1's mask drawn and cached but not applied, or
    applied without the division by keep_prob."""

    def forward_propagation_with_dropout(X: Array, parameters: dict, keep_prob: float = 0.5) -> Any:
        W1, b1, W2, b2, W3, b3 = (parameters[k] for k in ("W1", "b1", "W2", "b2", "W3", "b3"))
        Z1 = W1 @ X + b1
        A1 = np.maximum(Z1, 0)
        D1 = (np.random.rand(*A1.shape) < keep_prob).astype(int)  # noqa: NPY002
        if apply:
            A1 = A1 * D1 / (keep_prob if rescale else 1.0)
        Z2 = W2 @ A1 + b2
        A2 = np.maximum(Z2, 0)
        D2 = (np.random.rand(*A2.shape) < keep_prob).astype(int)  # noqa: NPY002
        A2 = A2 * D2 / keep_prob
        Z3 = W3 @ A2 + b3
        A3 = 1 / (1 + np.exp(-Z3))
        return A3, (Z1, D1, A1, W1, b1, Z2, D2, A2, W2, b2, Z3, A3, W3, b3)

    return forward_propagation_with_dropout


def dropout_net() -> Drawn:
    """A fixed 3-layer network, keep_prob 0.5: its masks (seeded) drop units in both layers."""
    return build([3, 5, 4, 1], 8, 7, "sigmoid", keep_prob=0.5)


@pytest.mark.parametrize(
    ("apply", "rescale", "text"),
    [
        (False, True, "the dropout mask is not applied in the backward"),
        (
            True,
            False,
            "dA2 is not multiplied by D2 / keep_prob in the backward, or not divided by keep_prob",
        ),
    ],
    ids=["mask-not-applied", "not-divided-by-keep-prob"],
)
def test_dropout_backward_mistakes_are_named(apply: bool, rescale: bool, text: str) -> None:
    wrong = dropout(backward_propagation_with_dropout=_dropout_backward(apply, rescale))
    message = said(check_network_backward, dropout(), wrong, dropout_net())
    assert text in message
    assert "layer 3's are right and layer 2's are not" in message


@pytest.mark.parametrize(
    ("apply", "rescale", "text"),
    [
        (False, True, "the dropout mask is not applied in the forward in layer 1"),
        (True, False, "the mask is applied but A1 is not divided by keep_prob"),
    ],
    ids=["mask-not-applied", "not-divided-by-keep-prob"],
)
def test_dropout_forward_mistakes_are_named_and_the_backward_waits(
    apply: bool, rescale: bool, text: str
) -> None:
    wrong = dropout(forward_propagation_with_dropout=_dropout_forward(apply, rescale))
    assert text in said(check_network_forward, dropout(), wrong, dropout_net())
    with pytest.raises(NotChecked, match="depends on your forward_propagation_with_dropout, "
                                          "which is wrong"):  # fmt: skip
        check_network_backward(wrong, dropout_net())


def _story_backward_without_mask_in_layer_2(
    A: Array, Y: Array, parameters: dict, caches: list, keep_prob: float = 1.0
) -> Any:
    """The story's dropout backward with layer 2's dA not masked (relu' read from Z)."""
    grads = {}
    L = len(caches)
    dZ = (A - Y) / Y.shape[1]
    for layer in range(L, 0, -1):
        A_prev, _, _ = caches[layer - 1]
        grads[f"dW{layer}"] = dZ @ A_prev.T
        grads[f"db{layer}"] = dZ.sum(axis=1, keepdims=True)
        if layer > 1:
            dA = parameters[f"W{layer}"].T @ dZ
            _, Z_prev, D_prev = caches[layer - 2]
            if layer - 1 != 2:
                dA = dA * D_prev / keep_prob
            dZ = dA * (Z_prev > 0)
    return grads


def test_a_story_dropout_mask_left_out_is_named_at_its_layer() -> None:
    net = build([3, 5, 6, 4, 3], 8, 11, "softmax", keep_prob=0.5)
    wrong = story_dropout(backpropagate_all=_story_backward_without_mask_in_layer_2)
    message = said(check_network_backward, story_dropout(), wrong, net)
    assert "the dropout mask is not applied in the backward: dA2 = dA2 * D2 / keep_prob" in message
    assert "the gradients of layers 3 to 4 are right and layer 2's are not" in message


def test_masks_missing_from_the_cache_are_said() -> None:
    def forward_propagation_with_dropout(X: Array, parameters: dict, keep_prob: float = 0.5) -> Any:
        A3, cache = DROPOUT.forward_propagation_with_dropout(X, parameters, keep_prob)
        return A3, tuple(c for i, c in enumerate(cache) if i not in (1, 6))

    wrong = dropout(forward_propagation_with_dropout=forward_propagation_with_dropout)
    with pytest.raises(NotChecked, match="the dropout masks are not in"):
        check_network_forward(wrong, dropout_net())


# --- End to end: deepscratch check ---------------------------------------------------------------


def test_the_example_files_are_verified_whole() -> None:
    for name, forward, backward in (
        ("two_layer_mnist.py", "forward_prop", "back_prop"),
        ("dropout_nn.py", "forward_propagation_with_dropout", "backward_propagation_with_dropout"),
        ("story_deep_nn.py", "forwardpropagation_all", "backpropagate_all"),
        ("story_dropout_nn.py", "forwardpropagation_all", "backpropagate_all"),
        ("l2_deep_nn.py", "forward", "backward"),
    ):
        run = learner_run(EXAMPLES / name, "--only", f"{forward},{backward}")
        assert run.returncode == 0, run.stdout + run.stderr
        assert row(run.stdout, forward) == "verified", run.stdout
        assert row(run.stdout, backward) == "verified", run.stdout
        assert "dropout_forward" not in run.stdout.split("not in your file")[-1] or (
            name != "dropout_nn.py"
        ), run.stdout


def test_a_planted_mistake_in_a_dropout_file_gets_its_row(tmp_path: Path) -> None:
    planted = tmp_path / "dropout_nn.py"
    text = (EXAMPLES / "dropout_nn.py").read_text(encoding="utf-8")
    assert "    dA2 = dA2 * D2 / keep_prob\n" in text
    planted.write_text(text.replace("    dA2 = dA2 * D2 / keep_prob\n", ""), encoding="utf-8")
    run = learner_run(planted)
    assert run.returncode == 1, run.stdout + run.stderr
    said = row(run.stdout, "backward_propagation_with_dropout")
    # The course's dZ2 = dA2 * (A2 > 0) reads relu' from the masked A2: the units stay dropped,
    # the 1 / keep_prob is what is lost.
    assert said.startswith("WRONG: dA2 is not multiplied by D2 / keep_prob in the backward"), (
        run.stdout
    )
    assert "layer 3's are right and layer 2's are not" in block(
        run.stdout, "backward_propagation_with_dropout"
    )
    assert row(run.stdout, "forward_propagation_with_dropout") == "verified", run.stdout


def test_a_wrong_forward_is_told_before_its_backward(tmp_path: Path) -> None:
    planted = tmp_path / "two_layer_mnist.py"
    text = (EXAMPLES / "two_layer_mnist.py").read_text(encoding="utf-8")
    assert "    Z1 = W1.dot(X) + b1\n" in text
    planted.write_text(text.replace("    Z1 = W1.dot(X) + b1\n", "    Z1 = W1.dot(X)\n"), "utf-8")
    run = learner_run(planted, "--only", "forward_prop,back_prop")
    assert run.returncode == 1, run.stdout + run.stderr
    assert row(run.stdout, "forward_prop").startswith("WRONG"), run.stdout
    assert row(run.stdout, "back_prop") == (
        "not checked: depends on your forward_prop, which is wrong: what it returns feeds "
        "back_prop (fix forward_prop first)"
    ), run.stdout


def test_the_first_wrong_value_a_forward_returns_is_named() -> None:
    def forward_prop(W1: Array, b1: Array, W2: Array, b2: Array, X: Array) -> Any:
        Z1 = W1 @ X + b1
        A1 = MNIST.ReLU(Z1)
        Z2 = W2 @ A1  # b2 left out
        A2 = MNIST.softmax(Z2)
        return Z1, A1, Z2, A2

    net = build([3, 4, 3], 5, 2, "softmax")
    message = said(check_network_forward, mnist(), mnist(forward_prop=forward_prop), net)
    assert "the first wrong value it returns is Z2 (= W2 @ A1 + b2)" in message


def test_a_backward_reading_a_global_m_is_checked_with_it_set(tmp_path: Path) -> None:
    """As tutorials have it: ``m`` set at the top of the file from the data (which the check does
    not load), and ``db`` summed over every element (no axis)."""
    planted = tmp_path / "two_layer_mnist.py"
    text = (EXAMPLES / "two_layer_mnist.py").read_text(encoding="utf-8")
    for line in ("    m = Y.size\n", "np.sum(dZ2, axis=1, keepdims=True)"):
        assert line in text
    text = text.replace("    m = Y.size\n", "").replace(
        "np.sum(dZ2, axis=1, keepdims=True)", "np.sum(dZ2)"
    )
    planted.write_text(text + '\n\nif __name__ == "__main__":\n    m = 60000\n', "utf-8")
    run = learner_run(planted, "--only", "forward_prop,back_prop")
    assert run.returncode == 1, run.stdout + run.stderr
    back_prop = next(r for r in read(load(planted)).rows if r.name == "back_prop")
    assert "its global m set to the number of examples" in back_prop.how
    assert row(run.stdout, "back_prop").startswith("WRONG: your db2 has shape (), the right one"), (
        run.stdout
    )
    assert row(run.stdout, "forward_prop") == "verified", run.stdout


def _l2_backward(
    term: Callable[[float, int, Array], Array], layer: int | None = None, on_b: bool = False
) -> Callable[..., Any]:
    """The L2 example's backward with ``term(lambd, m, W)`` as the L2 term of ``dW`` (in layer
    ``layer`` only, the others right), or the right term added to ``db`` too (``on_b``)."""

    def backward(AL: Array, Y: Array, caches: list, params: dict, lambd: float) -> Any:
        m = Y.shape[1]
        grads = {}
        dZ = (AL - Y) / m
        for k in range(len(caches), 0, -1):
            W = params[f"W{k}"]
            here = layer is None or layer == k
            grads[f"dW{k}"] = dZ @ caches[k - 1]["A_prev"].T + (
                term(lambd, m, W) if here else lambd / m * W
            )
            grads[f"db{k}"] = np.sum(dZ, axis=1, keepdims=True) + (
                lambd / m * params[f"b{k}"] if on_b else 0
            )
            if k > 1:
                dZ = (W.T @ dZ) * (1 - np.tanh(caches[k - 2]["Z"]) ** 2)
        return grads

    return backward


@pytest.mark.parametrize(
    ("planted", "text"),
    [
        (_l2_backward(lambda lambd, m, W: 0 * W), "dW3 has no L2 term: add (lambd / m) * W3"),
        (_l2_backward(lambda lambd, m, W: lambd * W), "dW3's L2 term lacks its 1/m"),
        (_l2_backward(lambda lambd, m, W: lambd / (2 * m) * W), "dW3's L2 term is halved"),
        (_l2_backward(lambda lambd, m, W: 2 * lambd / m * W), "dW3's L2 term is doubled"),
        (_l2_backward(lambda lambd, m, W: lambd / m * W, on_b=True), "L2 is added to db3"),
    ],
    ids=["missing", "no-1/m", "halved", "doubled", "on-db"],
)
def test_l2_mistakes_in_a_learners_backward_are_named(
    planted: Callable[..., Any], text: str
) -> None:
    net = build([4, 5, 3, 3], 6, 1, "softmax", lambd=0.7)
    message = said(check_network_backward, l2(), l2(planted), net)
    assert f"diagnosis: {text}" in message, message


def test_an_l2_term_missing_in_one_layer_is_named_at_that_layer() -> None:
    net = build([4, 5, 3, 3], 6, 1, "softmax", lambd=0.7)
    message = said(
        check_network_backward, l2(), l2(_l2_backward(lambda lambd, m, W: 0 * W, layer=2)), net
    )
    assert "diagnosis: dW2 has no L2 term: add (lambd / m) * W2" in message, message
    assert "layer 3's are right and layer 2's are not" in message, message
    assert "dW[l] = dZ[l] @ A[l-1].T + (lambd / m) * W[l] (L2; db[l] has none)" in message


def test_a_backward_without_l2_is_wrong_where_the_cost_has_it() -> None:
    """The check is not blind to lambd: the example's backward, its L2 term dropped, fails."""
    net = build([4, 5, 3], 6, 2, "softmax", lambd=3.0)
    unregularised = _l2_backward(lambda lambd, m, W: 0 * W)
    with pytest.raises(AssertionError, match="has no L2 term"):
        check_network_backward(l2(unregularised), net)


def _back_prop_top_down(
    Z1: Array, A1: Array, Z2: Array, A2: Array, W1: Array, W2: Array, X: Array, Y: Array
) -> Any:
    """The two-layer backward returning expressions (no names to read), from the top layer
    down: ``dW2, db2, dW1, db1``."""
    m = Y.size
    dZ2 = A2 - MNIST.one_hot(Y, A2.shape[0])
    dZ1 = W2.T @ dZ2 * MNIST.ReLU_deriv(Z1)
    return (
        dZ2 @ A1.T / m,
        np.sum(dZ2, axis=1, keepdims=True) / m,
        dZ1 @ X.T / m,
        np.sum(dZ1, axis=1, keepdims=True) / m,
    )


def test_a_tuple_without_names_is_read_in_the_order_its_shapes_fit() -> None:
    pair = mnist(back_prop=_back_prop_top_down)
    assert pair.backward_returns is None
    net = build([3, 4, 2], 6, 1, "softmax")  # every gradient's shape differs
    check_network_backward(pair, net)
    got = networks.gradients_of(pair, ("a", "b", "c", "d"), 2)  # no shapes: the first order
    assert list(got) == ["dW1", "db1", "dW2", "db2"]
    assert networks.tuple_orders(2)[1] == ["dW2", "db2", "dW1", "db1"]


_COURSE_L2_BACKWARD = """


def L_model_backward_with_regularization(AL, Y, caches, lambd):
    grads = L_model_backward(AL, Y, caches)
    m = AL.shape[1]
    for l in range(1, len(caches) + 1):
        W = caches[l - 1][0][1]
        grads["dW" + str(l)] = grads["dW" + str(l)] + TERM
    return grads
"""


@pytest.mark.parametrize(
    ("term", "verdict"),
    [("lambd / m * W", "verified"), ("lambd * W", "WRONG: dW")],
    ids=["right", "no-1/m"],
)
def test_a_backward_with_l2_pairs_with_the_courses_own_forward(
    tmp_path: Path, term: str, verdict: str
) -> None:
    """The course's deep network with L2 added by the learner: ``L_model_forward`` is checked as
    the course's, and is still the partner of a backward of the learner's own that takes
    ``lambd``."""
    planted = tmp_path / "course_l2.py"
    text = (EXAMPLES / "course_nn.py").read_text(encoding="utf-8")
    planted.write_text(text + _COURSE_L2_BACKWARD.replace("TERM", term), "utf-8")
    name = "L_model_backward_with_regularization"
    run = learner_run(planted, "--convention", "course", "--only", name)
    assert run.returncode == (0 if verdict == "verified" else 1), run.stdout + run.stderr
    said = row(run.stdout, name)
    assert said.startswith(verdict), run.stdout
    if verdict != "verified":
        assert "L2 term lacks its 1/m" in said, run.stdout
    how = next(r for r in read(load(planted)).rows if r.name == name).how
    assert "sigmoid output" in how and "L2" in how, how


GLOBAL_SIZES = load(EXAMPLES / "global_sizes_nn.py").module


def global_sizes() -> Pair:
    return pairs_of(GLOBAL_SIZES, "forward_pass", "backward_pass")


def test_the_globals_that_hold_a_networks_sizes_are_found() -> None:
    """``layer_dims`` (a list of sizes) and ``L`` (its length) are the network's sizes; a list
    named otherwise (``costs``) or a number that is no count of them is not."""
    assert networks.size_globals(GLOBAL_SIZES.forward_pass) == {"L": "count"}
    assert networks.size_globals(GLOBAL_SIZES.backward_pass) == {"layer_dims": "sizes"}
    space: dict[str, Any] = {"np": np}
    exec(  # a file of its own
        "layers_dims = (5, 4, 3)\nhidden_units = [4]\ncosts = [1, 2]\nL = 7\nn_layers = 2\n"
        "def forward(X, parameters):\n    return layers_dims, hidden_units, costs, L, n_layers\n",
        space,
    )
    assert networks.size_globals(space["forward"]) == {
        "layers_dims": "sizes", "hidden_units": "hidden", "n_layers": "weights"
    }  # fmt: skip
    net = build([3, 2, 2, 4], 5, 0, "softmax")
    with networks.sizes_set(space["forward"], net):
        assert space["forward"](None, None) == ((3, 2, 2, 4), [2, 2], [1, 2], 7, 3)
    assert space["layers_dims"] == (5, 4, 3) and space["n_layers"] == 2  # put back


def test_a_network_whose_sizes_are_globals_is_checked_at_every_depth(tmp_path: Path) -> None:
    pair = pairs_of(GLOBAL_SIZES, "forward_pass", "backward_pass")
    assert pair.depths == (1, 2, 3, 4)
    assert "its globals L, layer_dims set to each drawn network's" in pair.describe("backward")
    planted = tmp_path / "global_sizes_nn.py"
    text = (EXAMPLES / "global_sizes_nn.py").read_text(encoding="utf-8")
    old = "(caches[l - 2][1] > 0)"
    assert old in text
    planted.write_text(text.replace(old, "(caches[l - 1][1] > 0)"), "utf-8")
    right = learner_run(EXAMPLES / "global_sizes_nn.py")
    assert right.returncode == 0, right.stdout + right.stderr
    wrong = learner_run(planted, "--only", "backward_pass")
    assert wrong.returncode == 1, wrong.stdout + wrong.stderr
    assert row(wrong.stdout, "backward_pass").startswith("WRONG"), wrong.stdout
