"""``deepscratch check`` as a command: its exit status (0 verified, 1 wrong, 2 usage), a crash
reported as one, and the same run through ``pytest --impl``."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from oracle.checks.cli import main

ROOT = Path(__file__).resolve().parent.parent


def deepscratch_check(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scratch", "check", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        env={k: v for k, v in os.environ.items() if not k.startswith("HYPOTHESIS")},
    )


def learner_file(tmp_path: Path, source: str, name: str = "mine.py") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(source), encoding="utf-8")
    return path


RIGHT = """
    import numpy as np

    def relu(Z):
        return np.maximum(0, Z)

    def relu_backward(dA, Z):
        return dA * (Z > 0)
"""


def test_a_right_file_exits_0_and_a_wrong_one_1(tmp_path: Path) -> None:
    right = deepscratch_check(str(learner_file(tmp_path, RIGHT)), "--examples=5")
    assert right.returncode == 0, right.stdout + right.stderr
    assert right.stdout.rstrip().splitlines()[-1].startswith("0 wrong, 2 verified")
    wrong = learner_file(tmp_path, RIGHT.replace("(Z > 0)", "(Z < 0)"), "wrong.py")
    run = deepscratch_check(str(wrong), "--examples=5")
    assert run.returncode == 1, run.stdout + run.stderr
    assert "relu_backward (relu): dZ is wrong." in run.stdout


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["no_such_file.py"], "no_such_file.py: no such file"),
        (["--examples=0", "x.py"], "--examples and --time-limit must be > 0"),
        ([], "give the file to check"),
    ],
)
def test_a_usage_problem_exits_2_with_one_line(args: list[str], said: str) -> None:
    run = deepscratch_check(*args)
    assert run.returncode == 2, run.stdout + run.stderr
    assert said in run.stderr


def test_a_file_that_cannot_be_loaded_exits_2_once(tmp_path: Path) -> None:
    path = learner_file(tmp_path, "import numpy as np\nfrom dnn_utils import sigmoid\n")
    run = deepscratch_check(str(path))
    assert run.returncode == 2, run.stdout + run.stderr
    assert run.stderr.count("cannot be loaded") == 1, run.stderr
    assert f"{path}, line 2: from dnn_utils import sigmoid" in run.stderr


def test_a_file_that_ends_the_process_is_reported_as_a_crash(tmp_path: Path) -> None:
    path = learner_file(
        tmp_path,
        """
        import os
        import numpy as np

        def relu(Z):
            return np.maximum(Z, 0)

        def sigmoid(Z):
            os._exit(0)
        """,
    )
    run = deepscratch_check(str(path), "--examples=5")
    assert run.returncode == 1, run.stdout + run.stderr
    # The reading calls each function once first, to see what it computes: the crash is there.
    assert "CRASHED while reading sigmoid" in run.stderr


def test_the_roles_a_mapping_can_name_are_listed(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--roles"]) == 0
    out = capsys.readouterr().out
    assert "  relu_backward(dA, Z) -> dZ; also: A, cache" in out
    assert "  cross_entropy_cost(AL, Y) -> J" in out


def test_pytest_impl_runs_the_same_checks(tmp_path: Path) -> None:
    wrong = learner_file(tmp_path, RIGHT.replace("(Z > 0)", "(Z < 0)"))
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", f"--impl={wrong}",
         "--examples=5"],
        cwd=tmp_path, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert run.returncode == 1, run.stdout + run.stderr
    assert "1 failed, 1 passed" in run.stdout, run.stdout
    assert "relu_backward (relu): dZ is wrong." in run.stdout
    assert "verdicts for" in run.stdout and "WRONG" in run.stdout
