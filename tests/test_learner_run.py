"""Learner mode end to end: ``pytest --impl=... --convention ...`` run as a learner runs it.

The verdict table (the contract's functions, then the course's network-level ones) is printed at
the end of the run, also when the tests are spread over processes (pytest-xdist); a file that
mixes the two conventions ends with ``MIXED CONVENTIONS`` and a failing exit status, even though
each of its functions, alone, is right in one of them.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COURSE_FILE = ROOT / "examples" / "course_nn.py"
#: A few of the contract's checks (the ones the conventions change) and the network-level ones.
SELECTION = [
    "tests/test_contract.py::test_backward_matches_autograd[linear-float64]",
    "tests/test_contract.py::test_backward_matches_autograd[binary_cross_entropy-float64]",
    "tests/test_course_network.py",
]

#: examples/course_nn.py with this project's binary cross-entropy backward (the gradient of the
#: mean cost) in its L_model_backward: the 1/m in dAL and again in the course's linear_backward.
MIXED = """

def binary_cross_entropy_backward(AL, Y):
    return (AL - Y) / (AL.shape[1] * AL * (1 - AL))


def L_model_backward(AL, Y, caches):
    grads = {}
    dA = binary_cross_entropy_backward(AL, Y)
    for l in reversed(range(len(caches))):
        activation = "sigmoid" if l == len(caches) - 1 else "relu"
        dA, grads["dW" + str(l + 1)], grads["db" + str(l + 1)] = linear_activation_backward(
            dA, caches[l], activation
        )
    return grads
"""


def learner_run(
    impl: Path, *options: str, selection: list[str] = SELECTION
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HYPOTHESIS_PROFILE": "dev"}
    # The dev profile (20 examples a property) with a fixed seed: quick, and the same every run.
    command = [
        *(sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--hypothesis-seed=0"),
        f"--impl={impl}",
    ]
    return subprocess.run(
        [*command, *options, *selection],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def row(output: str, name: str) -> str:
    """The verdict the table gives ``name`` (the last line that starts with it)."""
    rows = re.findall(rf"^{re.escape(name)}\s+(.*)$", output, re.MULTILINE)
    assert rows, f"no row for {name} in:\n{output}"
    return str(rows[-1])


def test_a_course_file_is_verified_under_the_course_convention() -> None:
    # Over two processes (pytest-xdist): the verdicts reach the process that prints the table.
    run = learner_run(COURSE_FILE, "--convention", "course", "-n", "2")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "the course's network-level functions" in run.stdout
    for name in ("L_model_forward", "L_model_backward", "update_parameters_with_adam"):
        assert row(run.stdout, name) == "verified", run.stdout
    assert "linear_backward: verified" in run.stdout


def test_a_file_that_mixes_the_conventions_fails_and_is_told_why(tmp_path: Path) -> None:
    mixed = tmp_path / "mixed_nn.py"
    mixed.write_text(COURSE_FILE.read_text(encoding="utf-8") + MIXED, encoding="utf-8")
    # With a test that fails binary_cross_entropy_backward for another reason (the course's
    # np.log(AL) at AL = 0): which convention it follows still shows.
    extreme = (
        "tests/test_contract.py::test_backward_at_extreme_inputs[binary_cross_entropy-float64]"
    )
    run = learner_run(mixed, "--convention", "course", extreme)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "MIXED CONVENTIONS: binary_cross_entropy follow the mean convention" in run.stdout
    assert "divided by m twice" in run.stdout
    assert "the 1/m is applied twice" in row(run.stdout, "L_model_backward")


#: examples/more_mistakes.py: for each function it gets wrong, what its row in the table says.
MORE_MISTAKES = {
    "leaky_relu": "right for one example but wrong for a batch",
    "sigmoid": "you returned the forward's value (A) instead of the gradient dZ",
    "linear": "it is the transpose of the right answer",
    "layer[relu]": "the column dimension is lost: sum with",
    "mse": "the inputs are read-only here, so writing into one raises",
    "softmax_cross_entropy": "times the right one",  # n / (n - 1), for the n drawn
    "l2_penalty": "the L2 gradient without its 1/m",
}


def test_each_mistake_of_the_second_example_file_is_named() -> None:
    """Between them, examples/my_nn.py (its run is in the README) and examples/more_mistakes.py
    make the twelve mistakes the explanations name; here is the second file's share."""
    tests = [
        f"tests/test_contract.py::test_backward_matches_autograd[{case}-float64]"
        for case in MORE_MISTAKES
    ]
    run = learner_run(ROOT / "examples" / "more_mistakes.py", *tests, selection=[])
    assert run.returncode == 1, run.stdout + run.stderr
    for case, said in MORE_MISTAKES.items():
        rows = re.findall(rf"^{re.escape(case)} .*\n(.*)$", run.stdout, re.MULTILINE)
        assert rows and said in rows[-1], f"{case}: expected {said!r} in:\n{run.stdout}"
