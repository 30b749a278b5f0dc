"""Bad input gets a clear answer (``scratch.validate``, called at the public boundary).

Each row is a mistake learners make, the call that makes it, and what the ``ValueError`` must say:
what was expected, what was given, and the likely cause when the shapes tell it ("did you mean
X.T?", "did you mean one_hot(Y, 2)?"). Every message starts with the function that was called.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import scratch
from scratch import network, preprocessing, validate
from scratch.minibatch import random_mini_batches
from scratch.model import model
from scratch.optimizers import Adam, Momentum, RMSprop, StepDecay

P = network.init_parameters([3, 4, 2], seed=0)
BN = network.init_parameters([3, 4, 2], seed=0, batch_norm=True)
X = np.random.default_rng(0).standard_normal((3, 5))
Y = np.eye(2)[:, [0, 1, 1, 0, 1]]
LABELS = np.array([0, 1, 1, 0, 1])
AL, CACHES = network.forward_all(X, P)
NAN_X = np.where(X > 1, np.nan, X)
# Weights 10 times larger: with lambd 1.7e308, the L2 term (lambd / m) W overflows.
AL_10, CACHES_10 = network.forward_all(X, {k: 10 * v for k, v in P.items()})
WIDTH_0 = {"W1": np.zeros((0, 3)), "b1": np.zeros((0, 1)), "W2": np.zeros((2, 0))}
WIDTH_0["b2"] = np.ones((2, 1))


def train(**kwargs: Any) -> Any:
    """``model`` on ``X, Y`` for one epoch, with ``kwargs`` changed."""
    return model(**({"X": X, "Y": Y, "iteration": 1, "print_every": None} | kwargs))


CASES: dict[str, tuple[Callable[[], Any], list[str]]] = {
    # --- forward_all and predict: X, the parameters, keep_prob --------------------------------
    "X transposed": (
        lambda: network.forward_all(X.T, P),
        ["forward_all: X is (5, 3) but W1 takes 3 features", "(m, n_features); did you mean X.T?"],
    ),
    "predict, X transposed": (lambda: network.predict(X.T, P), ["predict:", "did you mean X.T?"]),
    "X one example, 1-D": (
        lambda: network.forward_all(X[:, 0], P),
        ["X is 1-D (3,), expected (3, m)", "one example? X.reshape(-1, 1)"],
    ),
    "X images, not flattened": (
        lambda: network.forward_all(np.zeros((5, 3, 1)), P),
        ["X is 3-D (5, 3, 1)", "flatten them to (h * w, m)"],
    ),
    "X empty": (lambda: network.forward_all(X[:, :0], P), ["X (3, 0) is empty", "m = 0"]),
    "X NaN": (lambda: network.forward_all(NAN_X, P), ["forward_all: X has 1 NaN value", "X[1, 1]"]),
    "X inf": (
        lambda: network.forward_all(np.full((3, 2), -np.inf), P),
        ["forward_all: X has 6 infinite values"],
    ),
    "X strings": (
        lambda: network.forward_all(X.astype(str), P),
        ["X must hold real numbers, got dtype <U32 (strings)"],
    ),
    "X complex": (lambda: network.forward_all(X + 1j, P), ["complex128 (complex numbers)"]),
    "X ragged list": (lambda: network.forward_all([[1.0, 2.0], [3.0]], P), ["not an array"]),
    "W2 transposed": (
        lambda: network.forward_all(X, P | {"W2": P["W2"].T}),
        ["W2 is (4, 2) but layer 1 has 4 units: expected W2 (4, 4); did you mean W2.T?"],
    ),
    "b1 1-D": (
        lambda: network.forward_all(X, P | {"b1": P["b1"].ravel()}),
        ["b1 is (4,), expected (4, 1)", "did you mean b1.reshape(-1, 1)?"],
    ),
    "gamma1 a row": (
        lambda: network.forward_all(X, BN | {"gamma1": BN["gamma1"].T}, batch_norm=True),
        ["gamma1 is (1, 4), expected (4, 1)", "did you mean gamma1.T?"],
    ),
    "parameters without b2": (
        lambda: network.forward_all(X, {k: v for k, v in P.items() if k != "b2"}),
        ["forward_all: parameters have 'W2' but no 'b2'"],
    ),
    "linear_forward, W transposed": (
        lambda: scratch.linear_forward(X, P["W1"].T, P["b1"]),
        ["linear_forward: W (3, 4) @ A_prev (3, 5) + b (4, 1) does not fit", "b (n_l, 1)"],
    ),
    "prediction without running statistics": (
        lambda: network.predict(X, {k: v for k, v in BN.items() if "running" not in k}),
        ["predict: parameters have 'W1' but no 'running_mean1'"],
    ),
    "hidden layer of width 0": (
        lambda: network.forward_all(X, WIDTH_0),
        ["W1 (0, 3) is empty", "a hidden layer of width 0"],
    ),
    "W1 NaN": (
        lambda: network.forward_all(X, P | {"W1": np.full((4, 3), np.nan)}),
        ["forward_all: W1 has 12 NaN values"],
    ),
    "parameters a list": (
        lambda: network.forward_all(X, [P["W1"], P["b1"]]),
        ["parameters must be a dict of arrays", "got list"],
    ),
    "keep_prob 0": (
        lambda: network.forward_all(X, P, keep_prob=0),
        ["keep_prob must be in (0, 1]"],
    ),
    "keep_prob NaN": (
        lambda: network.forward_all(X, P, keep_prob=float("nan")),
        ["keep_prob must be in (0, 1], got nan"],
    ),
    "keep_prob a string": (
        lambda: network.forward_all(X, P, keep_prob="0.5"),
        ["keep_prob must be in (0, 1], got '0.5'"],
    ),
    "rng a seed": (
        lambda: network.forward_all(X, P, keep_prob=0.5, rng=3),
        ["pass rng=np.random.default_rng(seed), got rng=3"],
    ),
    "forward overflow": (
        # Every Z1 = 3e309 rounds to inf, and W2 @ relu(Z1) with weights of both signs is NaN.
        lambda: network.forward_all(np.full((3, 5), 10.0), P | {"W1": np.full((4, 3), 1e308)}),
        ["forward_all: AL has", "X and the parameters are finite, so the computation overflowed"],
    ),
    # --- backward_all and compute_cost: AL, Y, the caches -------------------------------------
    "integer labels where one-hot belongs": (
        lambda: network.backward_all(AL, LABELS, CACHES),
        ["backward_all: Y is 1-D (5,), expected one-hot (2, 5)", "did you mean one_hot(Y, 2)?"],
    ),
    "integer labels as a row": (
        lambda: network.compute_cost(AL, LABELS[None], P),
        ["AL (2, 5) and Y (1, 5) differ", "did you mean one_hot(Y[0], 2)?"],
    ),
    "integer labels in a (C, m) array": (
        lambda: network.compute_cost(AL, np.vstack([LABELS, LABELS + 1]), P),
        ["values from 0 to 2", "integer labels? did you mean one_hot(Y, 2)?"],
    ),
    "Y transposed": (
        lambda: network.backward_all(AL, Y.T, CACHES),
        ["AL (2, 5) and Y (5, 2) differ", "did you mean Y.T?"],
    ),
    "Y of other m": (
        lambda: network.compute_cost(AL, Y[:, :4], P),
        ["AL (2, 5) and Y (2, 4) differ", "m = 4 examples, expected 5"],
    ),
    "Y not one-hot": (
        lambda: network.compute_cost(AL, np.ones((2, 5)), P),
        ["Y must be one-hot (each column sums to 1), but column 0 sums to 2"],
    ),
    "binary labels out of range": (
        lambda: network.compute_cost(np.full((1, 5), 0.5), np.array([[0, 1, 5, 0, 1]]), P),
        ["labels out of range: binary labels are 0 or 1", "one_hot(labels, 6)"],
    ),
    "Y NaN": (
        lambda: network.backward_all(AL, np.where(Y > 0, np.nan, Y), CACHES),
        ["backward_all: Y has 5 NaN values"],
    ),
    "AL logits, not probabilities": (
        lambda: network.compute_cost(AL - 1, Y, P),
        ["compute_cost: AL must be probabilities in [0, 1]", "did you pass ZL instead of AL?"],
    ),
    "backward_all, AL logits": (
        lambda: network.backward_all(AL - 1, Y, CACHES),
        ["backward_all: AL must be probabilities in [0, 1]", "did you pass ZL instead of AL?"],
    ),
    "AL NaN": (
        lambda: network.compute_cost(np.full((2, 5), np.nan), Y, P),
        ["compute_cost: AL has 10 NaN values"],
    ),
    "lambd negative": (
        lambda: network.compute_cost(AL, Y, P, -1),
        ["compute_cost: lambd must be a finite number >= 0, got -1"],
    ),
    "backward_all, lambd negative": (
        lambda: network.backward_all(AL, Y, CACHES, -1),
        ["backward_all: lambd must be a finite number >= 0, got -1"],
    ),
    "caches of another batch": (
        lambda: network.backward_all(AL[:, :3], Y[:, :3], CACHES),
        ["backward_all: AL has m = 3 examples but the caches are of a forward pass of 5"],
    ),
    "backward_all, a gradient that overflows": (
        lambda: network.backward_all(AL_10, Y, CACHES_10, 1.7e308),
        [
            "backward_all: dW2 has",
            "infinite values",
            "AL, Y and the caches are finite, so the computation overflowed",
        ],
    ),
    "labels of a 1-D AL": (
        lambda: network.labels(np.array([0.2, 0.7])),
        ["labels: AL is 1-D (2,), expected (n_L, m)"],
    ),
    "accuracy, Y strings": (
        lambda: network.accuracy(LABELS, Y.astype(str)),
        ["accuracy: Y must hold real numbers"],
    ),
    "accuracy, Y NaN": (
        lambda: network.accuracy(LABELS, np.where(Y > 0, np.nan, Y)),
        ["accuracy: Y has 5 NaN values"],
    ),
    "no caches": (
        lambda: network.backward_all(AL, Y, []),
        ["backward_all: caches must be the non-empty list"],
    ),
    # --- update_parameters, accuracy, init_parameters -----------------------------------------
    "gradient of another shape (NumPy would broadcast it)": (
        lambda: network.update_parameters(P, {"dW1": np.ones((4, 1))}, 0.1),
        ["update_parameters: dW1 is (4, 1) but W1 is (4, 3)"],
    ),
    "gradient transposed": (
        lambda: network.update_parameters(P, {"dW1": np.ones((3, 4))}, 0.1),
        ["update_parameters: dW1 is (3, 4) but W1 is (4, 3)", "did you mean dW1.T?"],
    ),
    "update_parameters, negative learning rate": (
        lambda: network.update_parameters(P, {"dW1": np.ones((4, 3))}, -1.0),
        ["update_parameters: learning_rate must be a finite number >= 0, got -1.0"],
    ),
    "gradient NaN": (
        lambda: network.update_parameters(P, {"dW1": np.full((4, 3), np.nan)}, 0.1),
        ["update_parameters: dW1 has 12 NaN values"],
    ),
    "update overflows": (
        lambda: network.update_parameters(P, {"dW1": np.full((4, 3), 1e300)}, 1e10),
        ["W1 has 12 infinite values", "try a smaller learning rate than 1e+10"],
    ),
    "learning rate NaN": (
        lambda: network.update_parameters(P, {"dW1": np.ones((4, 3))}, float("nan")),
        ["learning_rate must be a finite number >= 0, got nan"],
    ),
    "accuracy of nothing": (
        lambda: network.accuracy(np.zeros(0), np.zeros(0)),
        ["accuracy: no predictions (m = 0)"],
    ),
    "predictions as a row": (
        lambda: network.accuracy(LABELS[None], LABELS),
        ["predictions must be labels (m,), got 2-D (1, 5); did you mean predictions.ravel()?"],
    ),
    "layer of width 0": (
        lambda: network.init_parameters([3, 0, 2]),
        ["layer_dims[1] (a hidden layer) is 0: every size >= 1"],
    ),
    "layer of width 2.5": (lambda: network.init_parameters([3, 2.5, 2]), ["is 2.5"]),
    "integer dtype": (
        lambda: network.init_parameters([3, 2], dtype=int),
        ["dtype must be a float type", "got int64"],
    ),
    "no dtype at all": (
        lambda: network.init_parameters([3, 2], dtype="nonsense"),
        ["dtype must be a float type such as np.float32, got 'nonsense'"],
    ),
    "L2 penalty overflows": (
        lambda: network.compute_cost(AL, Y, P | {"W1": np.full((4, 3), 1e200)}, 1.0),
        ["compute_cost: J is inf", "the weights are finite, so the computation overflowed"],
    ),
    "gradient of no parameter": (
        lambda: network.update_parameters(P, {"dW7": np.ones((4, 3))}, 0.1),
        ["gradient 'dW7' has no parameter 'W7'"],
    ),
    "W1 3-D": (
        lambda: network.forward_all(X, P | {"W1": np.ones((4, 3, 1))}),
        ["W1 is 3-D (4, 3, 1), expected (n_1, n_0)"],
    ),
    "negative running variance": (
        lambda: network.predict(X, BN | {"running_var1": -np.ones((4, 1))}),
        ["running_var1 has negative variances"],
    ),
    "caches of something else": (
        lambda: network.backward_all(AL, Y, [None]),
        ["caches[-1] is not the cache of a softmax or sigmoid output layer"],
    ),
    "Y 3-D": (
        lambda: network.compute_cost(AL, Y[None], P),
        ["Y is 3-D (1, 2, 5), expected one-hot (2, 5)"],
    ),
    "Y empty": (
        lambda: network.accuracy(LABELS, np.zeros((2, 0))),
        ["accuracy: Y (2, 0) is empty"],
    ),
    "mini-batches of X transposed": (
        lambda: random_mini_batches(X.T, Y, 2),
        ["X (5, 3) and Y (2, 5) must be (n, m) with the same m: X is (m, n); did you mean X.T?"],
    ),
    # --- model ---------------------------------------------------------------------------------
    "model, X transposed": (
        lambda: train(X=X.T),
        ["model: X (5, 3) and Y (2, 5)", "X is (m, n_features); did you mean X.T?"],
    ),
    "model, Y transposed": (lambda: train(Y=Y.T), ["Y is (m, C); did you mean Y.T?"]),
    "model, Y with an example fewer": (
        lambda: train(Y=Y[:, :4]),
        ["model: X (3, 5) and Y (2, 4)", "X has m = 5 examples and Y 4"],
    ),
    "model, integer labels": (
        lambda: train(Y=np.array([0, 1, 2, 0, 1])),
        ["Y is 1-D (5,); integer labels? did you mean one_hot(Y, 3)?"],
    ),
    "model, integer labels as a row": (
        lambda: train(Y=np.array([[0, 1, 2, 0, 1]])),
        ["labels out of range", "one_hot(labels, 3)"],
    ),
    "model, 0/1 labels 1-D": (
        lambda: train(Y=np.array([0, 1, 1, 0, 1])),
        ["0/1 labels? did you mean Y.reshape(1, -1)?"],
    ),
    "model, X NaN": (lambda: train(X=NAN_X), ["model: X has 1 NaN value"]),
    "model, Y inf": (lambda: train(Y=Y * np.inf), ["model: Y has 5 NaN and 5 infinite values"]),
    "model, empty": (lambda: train(X=X[:, :0], Y=Y[:, :0]), ["X is empty"]),
    "model, hidden layer of width 0": (
        lambda: train(hidden_layers=[4, 0]),
        ["every hidden layer needs width >= 1", "[4, 0]"],
    ),
    "model, hidden layers a number": (
        lambda: train(hidden_layers=100),
        ["hidden_layers must be a list of widths such as [100]"],
    ),
    "model, keep_prob 1.5": (lambda: train(keep_prob=1.5), ["keep_prob must be in (0, 1]"]),
    "model, learning rate 0": (
        lambda: train(learning_rate=0),
        ["learning_rate must be a finite number > 0"],
    ),
    "model, learning rate inf": (lambda: train(learning_rate=float("inf")), ["got inf"]),
    "model, X too large for float32": (
        lambda: train(X=X * 1e300),
        ["after conversion to float32", "pass dtype=np.float64"],
    ),
    "model, X strings": (lambda: train(X=X.astype(str)), ["X must hold real numbers"]),
    "model, integer dtype": (lambda: train(dtype=int), ["dtype must be a float type"]),
    "model, X_dev transposed": (
        lambda: train(X_dev=X.T, Y_dev=Y),
        ["X_dev is (m, n_features); did you mean X_dev.T?"],
    ),
    "model, X_dev of other features": (
        lambda: train(X_dev=X[:2], Y_dev=Y),
        ["X_dev (2, 5) must be (3, m_dev), as many features as X"],
    ),
    "model, Y_dev of other classes": (
        lambda: train(X_dev=X, Y_dev=np.ones((1, 5))),
        ["Y_dev (1, 5) must be (2, m_dev), as many classes as Y"],
    ),
    "model, negative seed": (lambda: train(seed=-1), ["seed must be an integer >= 0"]),
    "model, unknown hidden activation": (
        lambda: train(hidden_activation="swish"),
        ["unknown hidden_activation 'swish'"],
    ),
    "model, decay not a function": (lambda: train(decay=0.5), ["decay must be a function"]),
    # --- optimizers ----------------------------------------------------------------------------
    "Adam beta1 of 1": (lambda: Adam(beta1=1.0), ["Adam: beta1 must be in [0, 1), got 1.0"]),
    "RMSprop epsilon 0": (
        lambda: RMSprop(epsilon=0),
        ["RMSprop: epsilon must be a finite number > 0"],
    ),
    # beta = 1 would keep each average at its start, 0, forever: every beta is in [0, 1).
    "Momentum beta of 1": (
        lambda: Momentum(beta=1.0),
        ["Momentum: beta must be in [0, 1), got 1.0"],
    ),
    "Momentum beta above 1": (lambda: Momentum(beta=1.5), ["Momentum: beta must be in [0, 1)"]),
    "RMSprop beta of 1": (lambda: RMSprop(beta=1.0), ["RMSprop: beta must be in [0, 1), got 1.0"]),
    "Adam beta2 of 1": (lambda: Adam(beta2=1.0), ["Adam: beta2 must be in [0, 1), got 1.0"]),
    "Adam epsilon 0": (lambda: Adam(epsilon=0.0), ["Adam: epsilon must be a finite number > 0"]),
    "a step with a negative learning rate": (
        lambda: Momentum().step(P, {f"d{k}": np.zeros_like(v) for k, v in P.items()}, -0.1),
        ["Optimizer.step: learning_rate must be a finite number >= 0, got -0.1"],
    ),
    "another optimizer's state": (
        lambda: Momentum().load_state_dict({"t": np.array(1), "s_dW1": np.ones(1)}),
        [
            "the state has 's_dW1', which the 'momentum' optimizer does not keep",
            "another optimizer?",
        ],
    ),
    "a step count that is not a count": (
        lambda: Adam().load_state_dict({"t": np.array(-1)}),
        ["t must be an integer >= 0"],
    ),
    "a step count that is an array": (
        lambda: Adam().load_state_dict({"t": np.array([1, 2])}),
        ["the step count 't' must be a single number, got (2,)"],
    ),
    "no step count": (
        lambda: Adam().load_state_dict({"v_dW1": np.ones(2)}),
        ["the state has no step count 't'"],
    ),
    "Optimizer.step, gradient of another shape": (
        lambda: Adam().step(P, {"db1": np.ones((1, 4))}, 0.1),
        ["Optimizer.step: db1 is (1, 4) but b1 is (4, 1)"],
    ),
    "StepDecay interval 0": (lambda: StepDecay(1.0, 0), ["time_interval must be >= 1"]),
    # --- preprocessing -------------------------------------------------------------------------
    "one_hot of whole numbers stored as floats": (
        lambda: preprocessing.one_hot(np.array([0.0, 2.0]), 3),
        ["did you mean labels.astype(int)?"],
    ),
    "one_hot labels out of range": (
        lambda: preprocessing.one_hot(np.array([0, 12]), 10),
        ["labels must be in 0 .. 9, got 0 .. 12", "labels out of range"],
    ),
    "one_hot labels as a column": (
        lambda: preprocessing.one_hot(LABELS[:, None], 2),
        ["did you mean labels.ravel()?"],
    ),
    "one_hot C of 0": (lambda: preprocessing.one_hot(LABELS, 0), ["C (the number of classes)"]),
    "flatten NaN pixels": (
        lambda: preprocessing.flatten(np.full((2, 2, 2), np.nan)),
        ["flatten: images has 8 NaN values"],
    ),
    "flatten one image": (
        lambda: preprocessing.flatten(np.zeros(4)),
        ["images must be (m, h, w)", "did you mean images[None]?"],
    ),
    "unflatten to another size": (
        lambda: preprocessing.unflatten(np.zeros((10, 2)), (3, 3)),
        ["unflatten: X must be (9, m) for images of (3, 3), got (10, 2)"],
    ),
    "normalise X transposed": (
        lambda: preprocessing.fit_normalizer(X, "standardize").apply(X.T),
        ["Normalizer.apply: X is (5, 3), expected (3, m); did you mean X.T?"],
    ),
    "normalise NaN": (
        lambda: preprocessing.fit_normalizer(X).apply(NAN_X),
        ["Normalizer.apply: X has 1 NaN value"],
    ),
    "fit on nothing": (
        lambda: preprocessing.fit_normalizer(X[:, :0], "standardize"),
        ["fit_normalizer: X_train (3, 0) is empty"],
    ),
    "normaliser that divides by 0": (
        lambda: preprocessing.Normalizer(np.zeros((1, 1)), np.zeros((1, 1))),
        ["scale must be > 0"],
    ),
    "normaliser of 1-D statistics": (
        lambda: preprocessing.Normalizer(np.zeros(3), np.ones(3)),
        ["Normalizer: shift must be a column (n, 1), got (3,)"],
    ),
    "normaliser of statistics that differ": (
        lambda: preprocessing.Normalizer(np.zeros((3, 1)), np.ones((2, 1))),
        ["Normalizer: shift (3, 1) and scale (2, 1) differ"],
    ),
    "fit on values that overflow": (
        lambda: preprocessing.fit_normalizer(np.full((2, 3), 1e308) * [1, -1, 1], "standardize"),
        ["fit_normalizer: the standard deviation has", "scale X_train first"],
    ),
    "split X transposed": (
        lambda: preprocessing.train_dev_split(X.T, np.zeros(5), 0.2, 0),
        ["train_dev_split: X (5, 3) and labels (5,)", "did you mean X.T?"],
    ),
}


# Some mistakes overflow on the way (that is what they are about): NumPy's warning is expected.
@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("case", list(CASES))
def test_a_mistake_gets_a_value_error_that_says_what_and_why(case: str) -> None:
    call, expected = CASES[case]
    with pytest.raises(ValueError) as error:
        call()
    message = str(error.value)
    for part in expected:
        assert part in message, f"{part!r} is not in {message!r}"
    assert "\n" not in message


def test_non_finite_values_raise_non_finite_error() -> None:
    """``model`` tells a value that blew up from a wrong argument by this subclass."""
    with pytest.raises(validate.NonFiniteError) as error:
        network.forward_all(NAN_X, P)
    assert error.value.summary == "X has 1 NaN value"
    with pytest.raises(ValueError) as wrong:
        network.forward_all(X.T, P)
    assert not isinstance(wrong.value, validate.NonFiniteError)


def test_soft_labels_and_integer_inputs_are_still_accepted() -> None:
    """The checks refuse mistakes, not legitimate inputs: probabilities as labels, integer or
    boolean X, float32 one-hot labels whose sums round."""
    soft = np.array([[0.25, 0.5, 1.0, 0.0, 0.7], [0.75, 0.5, 0.0, 1.0, 0.3]])
    assert np.isfinite(network.compute_cost(AL, soft, P))
    assert np.isfinite(network.compute_cost(AL, soft.astype(np.float32), P))
    integers = np.arange(15).reshape(3, 5)
    np.testing.assert_array_equal(
        network.forward_all(integers, P)[0], network.forward_all(integers.astype(float), P)[0]
    )
    assert network.forward_all(X > 0, P)[0].shape == (2, 5)
    assert network.accuracy(LABELS, Y) == 1.0
