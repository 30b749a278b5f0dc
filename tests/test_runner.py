"""Running the checks on a learner's file (``oracle.checks.runner``, ``oracle.checks.report``):
one verdict a function, explanations that name the learner's own function and line, bounded time,
and the learner's changes to NumPy's and torch's state kept away from the oracle."""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pytest
import torch

from oracle.checks import report
from oracle.checks.loading import load, on_path
from oracle.checks.reading import read
from oracle.checks.runner import Run, Verdict, check

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def run_on(tmp_path: Path, source: str, examples: int = 10, seconds: float = 60.0) -> Run:
    path = tmp_path / "mine.py"
    path.write_text(textwrap.dedent(source), encoding="utf-8")
    with on_path(tmp_path):
        return check(read(load(path)), examples=examples, seconds=seconds)


def verdict(run: Run, name: str) -> Verdict:
    return next(v for v in run.verdicts if v.row.name == name)


def printed(run: Run) -> list[str]:
    lines: list[str] = []
    report.print_reading(run.reading, lines.append)
    report.print_explanations(run, lines.append)
    report.print_table(run, lines.append)
    lines.append(report.summary(run))
    return lines


RIGHT_AND_WRONG = """
    import numpy as np

    def relu(Z):
        return np.maximum(0, Z)

    def relu_backward(dA, Z):
        return dA * (Z > 0)

    def sigmoid(Z):
        return 1 / (1 + np.exp(-Z))

    def sigmoid_backward(dA, Z):
        s = sigmoid(Z)
        return s * (1 - s)

    def tanh(Z):
        raise NotImplementedError("next week")

    def mse(AL, Y):
        return np.sum((AL - Y) ** 2, axis=0, keepdims=True)

    def mse_backward(AL, Y):
        return (AL - Y) * 2
"""


def test_each_function_gets_one_verdict(tmp_path: Path) -> None:
    run = run_on(tmp_path, RIGHT_AND_WRONG)
    statuses = {v.row.name: v.status for v in run.verdicts}
    assert statuses == {
        "relu": "verified",
        "relu_backward": "verified",
        "sigmoid": "verified",
        "sigmoid_backward": "WRONG",
        "tanh": "not checked",
        "mse": "verified",
        "mse_backward": "convention",
    }
    assert "the upstream gradient dA is ignored" in verdict(run, "sigmoid_backward").said
    assert "next week" in verdict(run, "tanh").said
    assert "the deep learning course's convention" in verdict(run, "mse_backward").said
    assert report.failed(run)


def test_the_explanation_names_the_learners_function_and_how_to_rerun_it(tmp_path: Path) -> None:
    path = tmp_path / "mine.py"
    path.write_text(
        "import numpy as np\n\ndef backpropagate_ReLU(Z, dL_dA):\n    return dL_dA * (Z < 0)\n",
        encoding="utf-8",
    )
    with on_path(tmp_path):
        run = check(read(load(path)), examples=10, reproduce=lambda row: f"rerun {row.name}")
    said = verdict(run, "backpropagate_ReLU").explanations[0]
    assert said.startswith("backpropagate_ReLU (checked as relu_backward): dZ is wrong."), said
    assert "reproduce: rerun backpropagate_ReLU" in said


def test_a_right_file_passes(tmp_path: Path) -> None:
    run = run_on(
        tmp_path,
        """
        import numpy as np

        def linear(A_prev, W, B):
            return W @ A_prev + B

        def linear_backpropagation(A_prev, W, B, dL_dZ):
            return W.T @ dL_dZ, dL_dZ @ A_prev.T, np.sum(dL_dZ, axis=1, keepdims=True)
        """,
    )
    assert [v.status for v in run.verdicts] == ["verified", "verified"]
    assert not report.failed(run)
    assert report.summary(run).startswith("0 wrong, 2 verified")


def test_a_function_that_never_returns_is_stopped_at_its_line(tmp_path: Path) -> None:
    run = run_on(
        tmp_path,
        """
        import numpy as np

        def relu(Z):
            while True:
                Z = Z + 0
        """,
        seconds=0.5,
    )
    said = verdict(run, "relu").explanations[0]
    assert "did not finish within 0.5 s" in said, said
    assert "mine.py, line 5" in said or "mine.py, line 6" in said, said


def test_a_slow_function_is_stopped_too(tmp_path: Path) -> None:
    run = run_on(
        tmp_path,
        """
        import time
        import numpy as np

        def sigmoid(Z):
            time.sleep(5)
            return 1 / (1 + np.exp(-Z))
        """,
        seconds=0.5,
    )
    assert "did not finish within 0.5 s" in verdict(run, "sigmoid").explanations[0]


def test_an_exception_is_shown_with_the_learners_line_and_input(tmp_path: Path) -> None:
    run = run_on(
        tmp_path,
        """
        import numpy as np

        def l2_penalty_backward(W, lambd, m):
            parameters = {}
            return lambd / m * parameters["W2"]
        """,
    )
    said = verdict(run, "l2_penalty_backward").explanations[0]
    assert "raised KeyError: 'W2'" in said, said
    assert 'mine.py, line 6: return lambd / m * parameters["W2"]' in said, said
    assert "on the input:" in said, said


def test_the_state_a_learners_function_changes_is_put_back(tmp_path: Path) -> None:
    errors, grad, exp = np.geterr(), torch.is_grad_enabled(), torch.exp
    run = run_on(
        tmp_path,
        """
        import numpy as np
        import torch

        def relu(Z):
            np.seterr(all="raise")
            torch.set_grad_enabled(False)
            torch.exp = lambda x: x
            return np.maximum(Z, 0)

        def sigmoid(Z):
            return 1 / (1 + np.exp(-Z))

        def sigmoid_backward(dA, Z):
            s = sigmoid(Z)
            return dA * s * (1 - s)
        """,
    )
    assert [v.status for v in run.verdicts] == ["verified", "verified", "verified"]
    changes = run.reading.guard.changes if run.reading.guard else set()
    assert "torch.exp" in changes and "torch's grad mode (torch.set_grad_enabled)" in changes
    assert any(c.startswith("NumPy's error state") for c in changes)
    assert (np.geterr(), torch.is_grad_enabled(), torch.exp) == (errors, grad, exp)


def test_the_state_a_learners_file_changes_at_import_is_put_back(tmp_path: Path) -> None:
    errors, grad, exp = np.geterr(), torch.is_grad_enabled(), torch.exp
    run = run_on(
        tmp_path,
        """
        import numpy as np
        import torch

        np.seterr(all="raise")
        torch.set_grad_enabled(False)
        torch.exp = lambda x: x

        def sigmoid(Z):
            return 1 / (1 + np.exp(-Z))

        def sigmoid_backward(dA, Z):
            s = sigmoid(Z)
            return dA * s * (1 - s)
        """,
    )
    assert [v.status for v in run.verdicts] == ["verified", "verified"]
    changes = run.reading.guard.changes if run.reading.guard else set()
    assert "torch.exp (at import)" in changes, changes
    assert "torch's grad mode (torch.set_grad_enabled) (at import)" in changes
    assert (np.geterr(), torch.is_grad_enabled(), torch.exp) == (errors, grad, exp)


def test_a_failure_only_at_extreme_inputs_is_unstable_not_wrong(tmp_path: Path) -> None:
    run = run_on(
        tmp_path,
        """
        import numpy as np

        def binary_cross_entropy(AL, Y):
            return -np.sum(Y * np.log(AL) + (1 - Y) * np.log(1 - AL), axis=0, keepdims=True)
        """,
    )
    v = verdict(run, "binary_cross_entropy")
    assert v.status == "UNSTABLE"
    assert v.said.startswith(
        "UNSTABLE: right on ordinary inputs, wrong at extreme ones (predictions of exactly 0 or 1)"
    )
    assert report.failed(run)


def test_distinct_failures_are_each_reported(tmp_path: Path) -> None:
    run = run_on(
        tmp_path,
        """
        import numpy as np

        def tanh(Z):
            return np.tanh(Z)

        def tanh_backward(dA, Z):
            if Z.shape[1] > 3:
                return dA * (1 - np.tanh(Z) ** 2) * 2
            return dA * (1 - np.tanh(Z) ** 2) + 1
        """,
    )
    v = verdict(run, "tanh_backward")
    assert len(v.explanations) >= 2, v.explanations
    lines = printed(run)
    assert any("more failure(s) of tanh_backward: -v" in ln for ln in lines)
    # The second mistake is named too, under the first one's explanation.
    assert sum(ln.startswith("  also: ") for ln in lines) == 1, lines


def test_a_file_with_seven_wrong_functions_prints_a_short_report() -> None:
    with on_path(EXAMPLES):
        run = check(read(load(EXAMPLES / "more_mistakes.py")), examples=10)
    wrong = [v for v in run.verdicts if v.status in ("WRONG", "UNSTABLE")]
    assert len(wrong) >= 7, [v.row.name for v in wrong]
    lines = printed(run)
    assert len(lines) < 150, "\n".join(lines)
    for v in wrong:
        assert sum(ln.startswith(f"{v.row.name} ") for ln in lines) == 1  # one block each


@pytest.mark.parametrize("verbose", [False, True])
def test_verbose_shows_every_failure(tmp_path: Path, verbose: bool) -> None:
    run = run_on(tmp_path, RIGHT_AND_WRONG)
    lines: list[str] = []
    report.print_explanations(run, lines.append, verbose=verbose)
    shown = sum("dZ is wrong" in ln for ln in lines)
    assert (shown > 1) == verbose
    assert any("[failed] backward vs autograd (float64)" in ln for ln in lines) == verbose
