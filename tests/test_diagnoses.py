"""The diagnoses a learner reads, on planted mistakes in the styles learners write (issue 14).

Each planted function below makes one mistake, several per diagnosis and under several names;
its verdict must name the real cause, on a run of the whole file as ``deepscratch check`` does
it (the explanation confirmed on a typical input, not only on the simplest failing one). The same
run on the right version of every function must blame none of them, and the harmless differences
(an epsilon in a log, a clip, a 1/2 in the squared error, a scalar 0, relu's kink) are told as
conventions without failing the file.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from oracle.checks import report
from oracle.checks.loading import load, on_path
from oracle.checks.reading import read
from oracle.checks.runner import Run, check

PLANTED = """
    import numpy as np

    def sigmoid(Z):
        return 1 / (1 + np.exp(-Z))

    def tanh(Z):
        return np.tanh(Z)

    # The output's formula applied to the input.
    def sigmoid_backward(dA, Z):
        return dA * Z * (1 - Z)

    def sigmoid_prime(z):
        return z * (1 - z)

    def tanh_backward(dA, Z):
        return dA * (1 - Z ** 2)

    # The mask from the wrong array.
    def relu_backward(dA, Z):
        return dA * (dA > 0)

    def backpropagate_ReLU(Z, dL_dA):
        return np.where(dL_dA > 0, dL_dA, 0)

    # Normalised over the wrong axis.
    def softmax(Z):
        E = np.exp(Z - Z.max(axis=1, keepdims=True))
        return E / E.sum(axis=1, keepdims=True)

    # The binary loss (and its gradient) for the categorical one.
    def cross_entropy(AL, Y):
        return -np.sum(Y * np.log(AL) + (1 - Y) * np.log(1 - AL), axis=0, keepdims=True)

    def cross_entropy_backward(AL, Y):
        return (AL - Y) / (AL * (1 - AL)) / AL.shape[1]

    # The story's fudge factor, and dividing by the classes instead of the examples.
    def softmax_cross_entropy_backward(AL, Y):
        n = AL.shape[0]
        return (AL - Y) / AL.shape[1] * n / (n - 1)

    def softmax_loss_backpropagation(A, Y):
        return (A - Y) / A.shape[0]

    def mse_backward(AL, Y):
        return 2 * (AL - Y) / AL.shape[0]

    # A sign flipped in one term.
    def binary_cross_entropy_backward(AL, Y):
        return -(Y / AL + (1 - Y) / (1 - AL)) / AL.shape[1]

    # db squeezed, dW transposed.
    def linear_backward(dZ, A_prev, W):
        return W.T @ dZ, dZ @ A_prev.T, np.sum(dZ, axis=1)

    def linear_backpropagation(A_prev, W, B, dL_dZ):
        return W.T @ dL_dZ, A_prev @ dL_dZ.T, np.sum(dL_dZ, axis=1, keepdims=True)

    # Batch norm with the unbiased variance.
    def batchnorm_forward(Z, gamma, beta, eps=1e-5):
        mu = Z.mean(axis=1, keepdims=True)
        Z_hat = (Z - mu) / np.sqrt(Z.var(axis=1, ddof=1, keepdims=True) + eps)
        return gamma * Z_hat + beta, (Z_hat, gamma, eps)

    # The L2 gradient without its 1/m, and with its 1/2 kept.
    def l2_penalty_backward(W, lambd, m):
        return lambd * W

    def l2_regularization_backward(W, lambd, m):
        return lambd / (2 * m) * W
"""

#: For each planted function: what its verdict says.
NAMED = {
    "sigmoid_backward": "you applied the output's formula to the input",
    "sigmoid_prime": "you applied the output's formula to the input",
    "tanh_backward": "you applied the output's formula to the input",
    "relu_backward": "the mask is taken from the wrong array",
    "backpropagate_ReLU": "the mask is taken from the wrong array",
    "softmax": "softmax is normalised over the wrong axis",
    "cross_entropy": "this is the binary cross-entropy of each class",
    "cross_entropy_backward": "this is the gradient of the binary cross-entropy",
    "softmax_cross_entropy_backward": "the fudge factor n/(n-1)",
    "softmax_loss_backpropagation": "you divide by the number of classes C",
    "mse_backward": "you divide by the number of classes C",
    "binary_cross_entropy_backward": "a sign is flipped in one term",
    "linear_backward": "the column dimension is lost",
    "linear_backpropagation": "it is the transpose of the right answer",
    "batchnorm_forward": "the variance is the unbiased one",
    "l2_penalty_backward": "the L2 gradient without its 1/m",
    "l2_regularization_backward": "the L2 gradient with the 1/2 kept",
}

RIGHT = """
    import numpy as np

    def sigmoid(Z):
        e = np.exp(-np.abs(Z))
        return np.where(Z >= 0, 1 / (1 + e), e / (1 + e))

    def sigmoid_backward(dA, Z):
        s = sigmoid(Z)
        return dA * s * (1 - s)

    def sigmoid_derivative(s):
        return s * (1 - s)

    def tanh_prime(z):
        return 1 - np.tanh(z) ** 2

    def relu_backward(dA, Z):
        return dA * (Z > 0)

    def softmax(Z):
        E = np.exp(Z - Z.max(axis=0, keepdims=True))
        return E / E.sum(axis=0, keepdims=True)

    def softmax_cross_entropy_backward(AL, Y):
        return (AL - Y) / AL.shape[1]

    def linear_backward(dZ, A_prev, W):
        return W.T @ dZ, dZ @ A_prev.T, np.sum(dZ, axis=1, keepdims=True)

    def l2_penalty_backward(W, lambd, m):
        return lambd / m * W
"""

HARMLESS = """
    import numpy as np

    def cross_entropy(AL, Y):
        return -np.sum(Y * np.log(AL + 1e-10), axis=0, keepdims=True)

    def loss_backward(AL, Y):
        return np.nan_to_num(-Y / AL) / AL.shape[1]

    def binary_cross_entropy(AL, Y):
        AL = np.clip(AL, 1e-7, 1 - 1e-7)
        return -np.sum(Y * np.log(AL) + (1 - Y) * np.log(1 - AL), axis=0, keepdims=True)

    def mse(AL, Y):
        return 0.5 * np.sum((AL - Y) ** 2, axis=0, keepdims=True)

    def mse_backward(AL, Y):
        return (AL - Y) / AL.shape[1]

    def l2_penalty_backward(W, lambd, m):
        return 0 if lambd == 0 else lambd / m * W

    def relu_backward(dA, Z):
        return dA * (Z >= 0)
"""

CLOSE = {
    "cross_entropy": "an epsilon in the log",
    "binary_cross_entropy": "a clip",
    "loss_backward": "an epsilon in the log",
    "mse": "the squared error with a 1/2",
    "mse_backward": "the squared error with a 1/2",
    "l2_penalty_backward": "dW is the scalar 0",
    "relu_backward": "different only at the kink",
}


def run_file(folder: Path, source: str, examples: int = 15) -> Run:
    path = folder / "learner.py"
    path.write_text(textwrap.dedent(source), encoding="utf-8")
    with on_path(folder):
        return check(read(load(path)), examples=examples)


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> Run:
    return run_file(tmp_path_factory.mktemp("planted"), PLANTED)


@pytest.mark.parametrize(("name", "said"), NAMED.items())
def test_each_planted_mistake_is_named_for_its_cause(planted: Run, name: str, said: str) -> None:
    verdict = next(v for v in planted.verdicts if v.row.name == name)
    assert verdict.status == "WRONG", (name, verdict.said)
    assert said in verdict.explanations[0], verdict.explanations[0]


def test_the_right_functions_are_all_verified(tmp_path: Path) -> None:
    run = run_file(tmp_path, RIGHT)
    assert {v.row.name: v.status for v in run.verdicts} == {
        name: "verified"
        for name in (
            "sigmoid", "sigmoid_backward", "sigmoid_derivative", "tanh_prime", "relu_backward",
            "softmax", "softmax_cross_entropy_backward", "linear_backward", "l2_penalty_backward",
        )
    }, [(v.row.name, v.said) for v in run.verdicts if v.status != "verified"]  # fmt: skip
    assert not report.failed(run)


def test_harmless_differences_are_told_as_conventions(tmp_path: Path) -> None:
    run = run_file(tmp_path, HARMLESS)
    verdicts = {v.row.name: v for v in run.verdicts}
    for name, said in CLOSE.items():
        assert verdicts[name].status == "close", (name, verdicts[name].said)
        assert said in verdicts[name].said, (name, verdicts[name].said)
    assert not report.failed(run)


def test_a_story_that_fits_only_the_simplest_input_is_not_told(tmp_path: Path) -> None:
    """At Z = 0, Z * (1 - Z) is all zeros: "nothing flows back" fits the shrunk example; on a
    typical input the output's formula applied to the input is what it is."""
    run = run_file(
        tmp_path,
        """
        import numpy as np

        def sigmoid_backward(dA, Z):
            return dA * Z * (1 - Z)
        """,
    )
    said = run.verdicts[0].explanations[0]
    assert "diagnosis: you applied the output's formula to the input" in said, said
    assert "on the simplest failing input, it looked like: your gradient is all zeros" in said


ELEMENT_MEAN = """
    import numpy as np

    # The squared error as torch's nn.MSELoss() and Keras reduce it: the mean over all elements.
    def mse(y_true, y_pred):
        return np.mean(np.power(y_true - y_pred, 2))

    def mse_prime(y_true, y_pred):
        return 2 * (y_pred - y_true) / y_true.size
"""


def test_the_squared_error_s_mean_over_all_elements_is_a_convention(tmp_path: Path) -> None:
    run = run_file(tmp_path, ELEMENT_MEAN)
    rows = {r.name: r for r in run.reading.rows}
    assert rows["mse"].role == "mse_cost", rows["mse"]  # one number: read as the cost
    verdicts = {v.row.name: v for v in run.verdicts}
    for name in ("mse", "mse_prime"):
        assert verdicts[name].status == "close", (name, verdicts[name].said)
        assert "the mean over all C * m elements" in verdicts[name].said
    assert not report.failed(run)


def test_a_backward_of_the_element_mean_is_wrong_for_a_per_example_loss(tmp_path: Path) -> None:
    """The same backward beside an mse that sums each example's errors: the two disagree."""
    run = run_file(
        tmp_path,
        """
        import numpy as np

        def mse(AL, Y):
            return np.sum((AL - Y) ** 2, axis=0, keepdims=True)

        def mse_backward(AL, Y):
            return 2 * (AL - Y) / Y.size
        """,
    )
    verdicts = {v.row.name: v for v in run.verdicts}
    assert verdicts["mse"].status == "verified", verdicts["mse"].said
    assert verdicts["mse_backward"].status == "WRONG", verdicts["mse_backward"].said


def test_float64_work_on_float32_data_is_said_but_not_wrong(tmp_path: Path) -> None:
    """np.where(Z > 0, 1, alpha) is float64 whatever Z is: right values, a float64 gradient."""
    run = run_file(
        tmp_path,
        """
        import numpy as np

        def leaky_relu_derivative(z, alpha=0.01):
            return np.where(z > 0, 1.0, alpha)

        def relu_backward(dA, Z):
            return dA * (Z > 0) * np.float64(2.0)
        """,
    )
    verdicts = {v.row.name: v for v in run.verdicts}
    said = verdicts["leaky_relu_derivative"].said
    assert verdicts["leaky_relu_derivative"].status == "verified", said
    assert "is float64 for float32 inputs" in said
    assert verdicts["relu_backward"].status == "WRONG"  # a wrong value is still wrong
    assert report.failed(run)


def test_a_row_major_file_is_checked_in_its_own_layout(tmp_path: Path) -> None:
    """Written one row per example, its right functions are verified and its mistake named."""
    run = run_file(
        tmp_path,
        """
        import numpy as np

        def dense_forward(X, W, b):
            return X @ W + b

        def dense_backward(dout, X, W):
            # The gradient of W with its sign flipped.
            return dout @ W.T, -(X.T @ dout), dout.sum(axis=0, keepdims=True)

        def softmax(z):
            e = np.exp(z - z.max(axis=1, keepdims=True))
            return e / e.sum(axis=1, keepdims=True)
        """,
    )
    verdicts = {v.row.name: v for v in run.verdicts}
    assert verdicts["dense_forward"].status == "verified", verdicts["dense_forward"].said
    assert verdicts["softmax"].status == "verified", verdicts["softmax"].said
    assert verdicts["dense_backward"].status == "WRONG"
    said = verdicts["dense_backward"].said
    assert "your dW is -1 times the right one" in said, said
