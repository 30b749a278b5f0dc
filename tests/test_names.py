"""Learners' names for the contract's functions and their arguments (``oracle.checks.names``).

The tables below are the spellings seen in learners' code (the course's, the story's notebook,
tutorial networks), written out here by hand: each must be read as the function it is, and names
that are not formulas must not be read as one.
"""

from __future__ import annotations

import pytest

from oracle.checks.names import bind, is_network_pass, local_inputs, read_name, roles_for, words

#: name -> the contract function it is.
NAMES = {
    "relu": "relu",
    "ReLU": "relu",
    "relu_forward": "relu",
    "relu_backward": "relu_backward",
    "relu_backpropagation": "relu_backward",
    "backpropagate_ReLU": "relu_backward",
    "deriv_ReLU": "relu_backward",
    "ReLU_deriv": "relu_backward",
    "relu_derivative": "relu_backward",
    "drelu": "relu_backward",
    "d_relu": "relu_backward",
    "reluPrime": "relu_backward",
    "leaky_relu": "leaky_relu",
    "LeakyReLU": "leaky_relu",
    "leaky_relu_backward": "leaky_relu_backward",
    "sigmoid": "sigmoid",
    "sigmoid_activation": "sigmoid",
    "sigmoid_prime": "sigmoid_backward",
    "sigmoidPrime": "sigmoid_backward",
    "dsigmoid": "sigmoid_backward",
    "sigmoid_bw": "sigmoid_backward",
    "relu_bwd": "relu_backward",
    "sigmoid_derivative": "sigmoid_backward",
    "sigmoid_backward": "sigmoid_backward",
    "tanh": "tanh",
    "tanh_deriv": "tanh_backward",
    "d_tanh": "tanh_backward",
    "tanh_prime": "tanh_backward",
    "softmax": "softmax",
    "softmax_backward": "softmax_backward",
    "softmax_grad": "softmax_backward",
    "linear": "linear_forward",
    "linear_forward": "linear_forward",
    "linear_backward": "linear_backward",
    "linear_backpropagation": "linear_backward",
    "affine_forward": "linear_forward",
    "affine_backward": "linear_backward",
    "linear_activation_forward": "layer_forward",
    "linear_activation_backward": "layer_backward",
    "softmax_loss_backpropagation": "softmax_cross_entropy_backward",
    "softmax_cross_entropy_backward": "softmax_cross_entropy_backward",
    "cross_entropy": "cross_entropy",
    "cross_entropy_loss": "cross_entropy",
    "categorical_cross_entropy": "cross_entropy",
    "binary_cross_entropy": "binary_cross_entropy",
    "bce_loss": "binary_cross_entropy",
    "log_loss": "binary_cross_entropy",
    "mse": "mse",
    "mean_squared_error": "mse",
    "mse_prime": "mse_backward",
    "l2_penalty_backward": "l2_penalty_backward",
    "dropout_forward": "dropout_forward",
    "dropout_backward": "dropout_backward",
    "batchnorm_forward": "batchnorm_forward",
    "batch_norm_backward": "batchnorm_backward",
}


@pytest.mark.parametrize(("name", "role"), NAMES.items())
def test_a_learners_name_is_read_as_its_function(name: str, role: str) -> None:
    assert roles_for(name)[:1] == [role], (name, read_name(name))


@pytest.mark.parametrize("name", ["loss", "cost", "compute_loss", "calculate_cost"])
def test_a_loss_whose_name_does_not_say_which_has_every_loss_as_candidate(name: str) -> None:
    assert roles_for(name) == ["cross_entropy", "binary_cross_entropy", "mse"]


@pytest.mark.parametrize("name", ["cost_derivative", "loss_backward", "d_loss", "loss_prime"])
def test_a_loss_derivative_whose_name_does_not_say_which_has_each_backward(name: str) -> None:
    assert roles_for(name)[0] == "softmax_cross_entropy_backward"
    assert "mse_backward" in roles_for(name)


@pytest.mark.parametrize(
    "name", ["load_data", "plot_costs", "model", "main", "predict", "one_hot", "get_accuracy"]
)
def test_names_that_are_no_formula_have_no_role(name: str) -> None:
    assert roles_for(name) == []


@pytest.mark.parametrize(
    "name",
    ["forward_prop", "back_prop", "forwardpropagation_all", "backpropagate_all", "feedforward",
     "backward_propagation", "forward_pass", "full_backward"],
)  # fmt: skip
def test_a_whole_networks_pass_is_told_apart(name: str) -> None:
    assert is_network_pass(name)


@pytest.mark.parametrize("name", ["relu_backward", "linear_forward", "loss", "dropout_forward"])
def test_a_layers_function_is_not_a_whole_network(name: str) -> None:
    assert not is_network_pass(name)


def test_words_split_snake_and_camel_case() -> None:
    assert words("deriv_ReLU") == ["deriv", "re", "lu"]
    assert words("sigmoidPrime") == ["sigmoid", "prime"]
    assert words("L_model_backward") == ["l", "model", "backward"]


def test_arguments_bind_by_name_whatever_their_order() -> None:
    story = bind([("Z", False), ("A", False), ("dL_dA", False)], ("dA", "Z"), ("A",))
    assert story == {"Z": "Z", "A": "A", "dL_dA": "dA"}
    linear = bind(
        [("A_prev", False), ("W", False), ("B", False), ("dL_dZ", False)], ("dZ", "A_prev", "W"),
        ("b", "Z"),
    )  # fmt: skip
    assert linear == {"A_prev": "A_prev", "W": "W", "B": "b", "dL_dZ": "dZ"}
    assert bind([("dout", False), ("cache", False)], ("dA", "Z"), ("A", "cache")) == {
        "dout": "dA",
        "cache": "cache",
    }


def test_one_argument_left_over_takes_the_input_left_over() -> None:
    assert bind([("g", False), ("z", False)], ("dA", "Z"), ("A",)) == {"z": "Z", "g": "dA"}


def test_unknown_names_in_the_contracts_number_are_read_in_its_order() -> None:
    assert bind([("p", False), ("q", False)], ("AL", "Y")) == {"p": "AL", "q": "Y"}


def test_arguments_that_cannot_be_decided_do_not_bind() -> None:
    assert bind([("p", False), ("q", False), ("r", False)], ("AL", "Y")) is None


def test_an_argument_with_a_default_keeps_it() -> None:
    assert bind([("Z", False), ("alpha", True)], ("Z",)) == {"Z": "Z"}


@pytest.mark.parametrize(
    ("argument", "inputs"),
    [("z", ("Z",)), ("Z", ("Z",)), ("s", ("A",)), ("a", ("A",)), ("output", ("A",)),
     ("x", ("Z", "A"))],
)  # fmt: skip
def test_a_local_derivative_takes_what_its_argument_is_named(
    argument: str, inputs: tuple[str, ...]
) -> None:
    assert local_inputs(argument) == inputs
