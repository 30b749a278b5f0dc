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
    impl: Path, *options: str, cwd: Path = ROOT, examples: int = 20
) -> subprocess.CompletedProcess[str]:
    """``deepscratch check`` on ``impl``, as a learner runs it (here with fewer examples: 20 a
    property, the same every run)."""
    command = [sys.executable, "-m", "scratch", "check", str(impl), f"--examples={examples}"]
    return subprocess.run(
        [*command, *options],
        cwd=cwd,
        env={k: v for k, v in os.environ.items() if not k.startswith("HYPOTHESIS")},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def row(output: str, name: str) -> str:
    """The verdict the table gives ``name`` (the last line that starts with it)."""
    rows = re.findall(rf"^  {re.escape(name)}\s+(.*)$", output, re.MULTILINE)
    assert rows, f"no row for {name} in:\n{output}"
    return str(rows[-1])


def block(output: str, name: str) -> str:
    """The explanation printed for ``name``: from the line that starts with it to a blank line."""
    found = re.search(rf"^{re.escape(name)}[ :].*?(?:\n\n|\Z)", output, re.MULTILINE | re.DOTALL)
    assert found, f"no explanation for {name} in:\n{output}"
    return found.group(0)


def test_a_course_file_is_verified_under_the_course_convention() -> None:
    """Every function of the course's file is right; its binary cross-entropy and its backward,
    written with the course's np.log(AL) and Y / AL, are NaN at predictions of exactly 0 or 1."""
    run = learner_run(COURSE_FILE, "--convention", "course")
    assert run.returncode == 1, run.stdout + run.stderr
    unstable = {"binary_cross_entropy", "binary_cross_entropy_backward"}
    for name in unstable:
        assert row(run.stdout, name).startswith(
            "UNSTABLE: right on ordinary inputs, wrong at extreme ones (predictions of exactly 0 "
            "or 1)"
        ), run.stdout
        assert "element(s) are NaN or inf" in block(run.stdout, name), run.stdout
    table = run.stdout.split("Verdicts for")[1].split("  not in your file")[0]
    rows = re.findall(r"^  (\w+) +(.*)$", table, re.MULTILINE)
    assert len(rows) == 24, run.stdout  # one for each function the file defines
    for name, said in rows:
        if name not in unstable:
            assert said.startswith("verified"), run.stdout


def test_a_file_that_mixes_the_conventions_fails_and_is_told_why(tmp_path: Path) -> None:
    mixed = tmp_path / "mixed_nn.py"
    mixed.write_text(COURSE_FILE.read_text(encoding="utf-8") + MIXED, encoding="utf-8")
    run = learner_run(mixed, "--convention", "course")
    assert run.returncode == 1, run.stdout + run.stderr
    assert "MIXED CONVENTIONS: binary_cross_entropy follow the mean convention" in run.stdout
    assert "divided by m twice" in run.stdout
    assert "the 1/m is applied twice" in row(run.stdout, "L_model_backward")


#: examples/more_mistakes.py: for each function it gets wrong, what its row in the table says.
MORE_MISTAKES = {
    "leaky_relu_backward": "right for one example but wrong for a batch",
    "sigmoid_backward": "you returned the forward's value (A) instead of the gradient dZ",
    "linear_backward": "it is the transpose of the right answer",
    "layer_backward": "the column dimension is lost: sum with",
    "mse_backward": "the inputs are read-only here, so writing into one raises",
    "softmax_cross_entropy_backward": "times the right one",  # n / (n - 1), for the n drawn
    "l2_penalty_backward": "the L2 gradient without its 1/m",
}


def test_each_mistake_of_the_second_example_file_is_named() -> None:
    """Between them, examples/my_nn.py (its run is in the README) and examples/more_mistakes.py
    make the twelve mistakes the explanations name; here is the second file's share."""
    run = learner_run(ROOT / "examples" / "more_mistakes.py")
    assert run.returncode == 1, run.stdout + run.stderr
    for name, said in MORE_MISTAKES.items():
        assert row(run.stdout, name).startswith("WRONG"), run.stdout
        assert said in block(run.stdout, name), f"{name}: expected {said!r} in:\n{run.stdout}"
