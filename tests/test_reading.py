"""How a learner's file is read (``oracle.checks.reading``, ``oracle.checks.mapping``): every
function it defines gets a row, checked as the contract's function it is (by its name, its
arguments and, where those leave a choice, by what it computes), or not checked, with the reason.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pytest

from oracle.checks.loading import load, on_path
from oracle.checks.mapping import MappingError
from oracle.checks.reading import Reading, Row, read

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def reading_of(tmp_path: Path, source: str, name: str = "mine.py", **kw: object) -> Reading:
    path = tmp_path / name
    path.write_text(textwrap.dedent(source), encoding="utf-8")
    with on_path(tmp_path):
        return read(load(path), **kw)  # type: ignore[arg-type]


def row(reading: Reading, name: str) -> Row:
    return next(r for r in reading.rows if r.name == name)


def test_the_story_notebook_is_read_with_its_own_names() -> None:
    folder = EXAMPLES / "story_style"
    with on_path(folder):
        reading = read(load(folder / "story_nn.ipynb"))
    roles = {r.name: r.role for r in reading.rows}
    assert roles == {
        "relu": "relu",
        "relu_backpropagation": "relu_backward",
        "softmax": "softmax",
        "linear": "linear_forward",
        "linear_backpropagation": "linear_backward",
        "loss": "cross_entropy_cost",
        "softmax_loss_backpropagation": "softmax_cross_entropy_backward",
        "initialize_parameters": "initialize_parameters",  # oracle.checks.init
        "forwardpropagation_all": "network_forward",
        "backpropagate_all": "network_backward",
        "update_parameters": "update_parameters",
        "predict": None,
        "accuracy": None,
        "model": None,
        "load_digits_data": None,
        "one_hot": None,
        "plot_costs": None,
    }
    assert row(reading, "relu_backpropagation").how == (
        "with dL_dA = dA; A supplied (the forward's output)"
    )
    assert "softmax" in row(reading, "loss").how
    assert row(reading, "model").reason == "not checked: trains a network (a loop over the data)"
    assert row(reading, "plot_costs").origin == "nn_helpers.py"
    # The namespace the checks call: the learner's function behind the contract's name.
    Z = np.array([[-1.0, 2.0]])
    dA = np.array([[3.0, 4.0]])
    assert np.array_equal(reading.namespace.relu_backward(dA, Z), [[0.0, 4.0]])


def test_a_loss_is_read_by_what_it_returns(tmp_path: Path) -> None:
    reading = reading_of(
        tmp_path,
        """
        import numpy as np

        def sigmoid(Z):
            return 1 / (1 + np.exp(-Z))

        def loss(A, Y):
            return -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A), axis=0, keepdims=True)

        def calculate_cost(A, Y):
            m = Y.shape[1]
            return float(-np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m)
        """,
    )
    assert row(reading, "loss").role == "binary_cross_entropy"
    assert row(reading, "calculate_cost").role == "binary_cross_entropy_cost"


def test_the_outputs_of_a_backward_are_read_by_their_shapes(tmp_path: Path) -> None:
    reading = reading_of(
        tmp_path,
        """
        import numpy as np

        def linear_backward(dZ, A_prev, W):
            return dZ @ A_prev.T, dZ.sum(axis=1, keepdims=True), W.T @ dZ
        """,
    )
    r = row(reading, "linear_backward")
    assert r.binding is not None and r.binding.order == ("dW", "db", "dA_prev")
    assert "returns (dW, db, dA_prev)" in r.how
    dZ, A_prev, W = np.ones((2, 3)), np.ones((4, 3)), np.ones((2, 4))
    dA_prev, dW, db = reading.namespace.linear_backward(dZ, A_prev, W)
    assert (dA_prev.shape, dW.shape, db.shape) == ((4, 3), (2, 4), (2, 1))


def test_an_ambiguous_local_derivative_is_read_by_what_it_computes(tmp_path: Path) -> None:
    reading = reading_of(
        tmp_path,
        """
        import numpy as np

        def sigmoid(x):
            return 1 / (1 + np.exp(-x))

        def sigmoid_derivative(x):
            return x * (1 - x)

        def sigmoid_prime(z):
            return z * (1 - z)
        """,
    )
    ambiguous = row(reading, "sigmoid_derivative")
    assert ambiguous.binding is not None and ambiguous.binding.arguments == (("x", "A"),)
    assert ambiguous.by_behaviour
    # Named z, it is given Z, whatever it computes: the check then says it is wrong.
    named = row(reading, "sigmoid_prime")
    assert named.binding is not None and named.binding.arguments == (("z", "Z"),)
    assert named.binding.local and not named.by_behaviour


def test_a_leaky_relu_without_alpha_is_checked_with_its_own_slope(tmp_path: Path) -> None:
    reading = reading_of(
        tmp_path,
        """
        import numpy as np

        def leaky_relu(Z):
            return np.where(Z > 0, Z, 0.2 * Z)
        """,
    )
    r = row(reading, "leaky_relu")
    assert "alpha = 0.2" in r.how
    assert r.fixed is not None and r.fixed({"Z": 0})["alpha"] == 0.2


def test_functions_that_cannot_be_checked_say_why(tmp_path: Path) -> None:
    reading = reading_of(
        tmp_path,
        """
        import numpy as np

        ACTIVATIONS = {"relu": lambda Z: np.maximum(Z, 0)}

        def relu(Z):
            return ACTIVATIONS["relu"](Z)

        def relu_backward(dA):
            return dA * (cache > 0)

        def step(parameters):
            return parameters

        class Network:
            pass

        def frobnicate(a, b, c):
            return a
        """,
    )
    assert row(reading, "relu").role == "relu"  # a table of functions is not data
    assert row(reading, "relu_backward").reason == (
        "reads the global variable `cache`: pass it as arguments to check it"
    )
    assert row(reading, "Network").reason.startswith("a class")
    assert row(reading, "frobnicate").reason.startswith("not checked: its name matches none")


def test_a_function_reading_data_the_file_sets_later_is_not_checked(tmp_path: Path) -> None:
    reading = reading_of(
        tmp_path,
        """
        import numpy as np

        def relu_backward(dA, Z):
            return dA * (Z > 0) * mask

        mask = np.ones((3, 5))
        """,
    )
    assert row(reading, "relu_backward").reason == (
        "reads the global variable `mask`: pass it as arguments to check it"
    )


def test_a_mapping_beside_the_file_settles_what_names_cannot(tmp_path: Path) -> None:
    (tmp_path / "deepscratch.toml").write_text(
        'grad_thing = "relu_backward(Z, dA)"\nhelper = "skip"\n', encoding="utf-8"
    )
    reading = reading_of(
        tmp_path,
        """
        import numpy as np

        def grad_thing(Z, upstream_gradient):
            return upstream_gradient * (Z > 0)

        def helper(x):
            return x
        """,
    )
    assert row(reading, "grad_thing").role == "relu_backward"
    assert row(reading, "helper").reason.startswith("not checked: your mapping says so")
    Z, dA = np.array([[-1.0, 1.0]]), np.array([[5.0, 6.0]])
    assert np.array_equal(reading.namespace.relu_backward(dA, Z), [[0.0, 6.0]])


def test_a_mapping_can_sit_in_the_file_as_comments(tmp_path: Path) -> None:
    reading = reading_of(
        tmp_path,
        """
        # deepscratch: my_loss = "cross_entropy_cost(AL, Y)"
        import numpy as np

        def my_loss(P, T):
            return -np.mean(np.sum(T * np.log(P), axis=0))
        """,
    )
    assert row(reading, "my_loss").role == "cross_entropy_cost"


@pytest.mark.parametrize(
    ("mapping", "said"),
    [
        ('f = "no_such_role(Z)"', "no role 'no_such_role'"),
        ('f = "relu_backward(Q, dA)"', "relu_backward has no input Q"),
        ('f = "relu_backward(Z, dA, A, dA)"', "takes 2 argument(s)"),
        ('f = "linear_backward(dZ, A_prev) -> dW, db"', "must name each once"),
        ('g = "relu(Z)"', "your file defines no function g"),
        ('f = "relu(Z"', 'expected "ROLE(ARG, ...)"'),
        ("f = [", "not a mapping"),
    ],
)
def test_a_mapping_that_cannot_be_read_says_what_is_expected(
    tmp_path: Path, mapping: str, said: str
) -> None:
    (tmp_path / "deepscratch.toml").write_text(mapping + "\n", encoding="utf-8")
    with pytest.raises(MappingError) as raised:
        reading_of(tmp_path, "def f(a, b):\n    return a\n")
    assert said in str(raised.value), str(raised.value)


ROW_MAJOR = """
    import numpy as np

    # One row per example, as many tutorials write it: X (m, n), W (n_prev, n), b (1, n).
    def relu(x):
        return np.maximum(0, x)

    def dense_forward(X, W, b):
        return X @ W + b

    def dense_backward(dout, X, W):
        return dout @ W.T, X.T @ dout, dout.sum(axis=0)

    def softmax(z):
        e = np.exp(z - z.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)

    def cross_entropy(probs, y):
        return -np.sum(y * np.log(probs), axis=1)
"""


def test_a_row_major_file_is_read_transposed(tmp_path: Path) -> None:
    reading = reading_of(tmp_path, ROW_MAJOR)
    for name in ("dense_forward", "dense_backward", "softmax", "cross_entropy"):
        r = row(reading, name)
        assert r.binding is not None and r.binding.rows, (name, r.how)
        assert r.fitted, name
        assert "row-major" in r.how
    assert row(reading, "dense_forward").role == "linear_forward"
    # Transposed in, transposed back: the contract's shapes, a (1, m) loss, an (n, 1) db.
    f = row(reading, "dense_backward").function
    assert f is not None
    dZ, A_prev, W = np.ones((2, 5)), np.ones((3, 5)), np.ones((2, 3))
    dA_prev, dW, db = f(dZ, A_prev, W)
    assert (dA_prev.shape, dW.shape, db.shape) == ((3, 5), (2, 3), (2, 1))
    loss = row(reading, "cross_entropy").function
    assert loss is not None
    assert loss(np.full((2, 5), 0.5), np.eye(2)[:, [0, 1, 0, 1, 1]]).shape == (1, 5)


def test_softmax_over_axis_1_in_a_column_major_file_is_not_read_as_row_major(
    tmp_path: Path,
) -> None:
    """Its neighbours decide: beside a column-major linear_forward, it is a wrong-axis softmax."""
    reading = reading_of(
        tmp_path,
        """
        import numpy as np

        def linear_forward(A_prev, W, b):
            return W @ A_prev + b

        def softmax(Z):
            E = np.exp(Z - Z.max(axis=1, keepdims=True))
            return E / E.sum(axis=1, keepdims=True)
        """,
    )
    assert not any(r.binding and r.binding.rows for r in reading.rows)
    assert row(reading, "linear_forward").fitted and not row(reading, "softmax").fitted
