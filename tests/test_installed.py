"""``deepscratch check`` from an installed wheel, in a fresh virtual environment, outside the
repository: on each example learner file, as a learner who never cloned this project runs it.

The wheel is built from this checkout and installed with its ``check`` extra through the tested
versions (``ci/constraints.txt``: the CPU build of torch). The example files are copied into a
folder of their own first, so nothing of the clone is within reach.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


def _run(command: list[str], cwd: Path, timeout: int = 900) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HYPOTHESIS", "PYTHON"))}
    env["PIP_CONSTRAINT"] = str(ROOT / "ci" / "constraints.txt")
    return subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The ``deepscratch`` command of a fresh venv with the wheel and its check extra."""
    where = tmp_path_factory.mktemp("installed")
    built = _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", str(where / "dist"),
                  str(ROOT)], where)  # fmt: skip
    assert built.returncode == 0, built.stdout + built.stderr
    wheel = next((where / "dist").glob("deepscratch-*.whl"))
    venv = where / "venv"
    made = _run([sys.executable, "-m", "venv", str(venv)], where)
    assert made.returncode == 0, made.stderr
    pip = _run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet",
                f"{wheel}[check]"], where)  # fmt: skip
    assert pip.returncode == 0, pip.stdout + pip.stderr
    return venv / "bin" / "deepscratch"


@pytest.fixture(scope="module")
def learner_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example files, copied where the clone is out of reach."""
    folder = tmp_path_factory.mktemp("learner")
    shutil.copytree(EXAMPLES / "story_style", folder / "story_style")
    for name in ("tutorial_nn.py", "my_nn.py", "course_nn.py"):
        shutil.copy(EXAMPLES / name, folder / name)
    return folder


def check(installed: Path, folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return _run([str(installed), "check", *args, "--examples=20"], folder)


def test_the_story_style_notebook_is_checked_with_no_adapter(
    installed: Path, learner_folder: Path
) -> None:
    run = check(installed, learner_folder, "story_style/story_nn.ipynb")
    assert run.returncode == 1, run.stdout + run.stderr
    out = run.stdout
    assert "How story_style/story_nn.ipynb was read" in out
    assert "helper modules imported from its folder: nn_helpers" in out
    assert "cell 2, line 1: %matplotlib inline (an IPython magic)" in out
    assert "relu_backpropagation(Z, A, dL_dA)" in out and "checked as relu_backward" in out
    assert "the fudge factor n/(n-1)" in out
    assert "this is the binary cross-entropy of each class, added up" in out
    assert "Verdicts for story_style/story_nn.ipynb" in out
    assert len(out.splitlines()) < 150


def test_the_tutorial_style_file_is_checked_without_its_training(
    installed: Path, learner_folder: Path
) -> None:
    run = check(installed, learner_folder, "tutorial_nn.py", "--definitions-only")
    assert run.returncode == 1, run.stdout + run.stderr
    assert "train accuracy" not in run.stdout  # the training at the bottom did not run
    assert "you applied the output's formula to the input" in run.stdout
    assert "does not divide by keep_prob" in run.stdout


def test_the_other_examples_get_their_verdicts(installed: Path, learner_folder: Path) -> None:
    mine = check(installed, learner_folder, "my_nn.py")
    assert mine.returncode == 1 and "MIXED CONVENTIONS" in mine.stdout, mine.stdout + mine.stderr
    course = check(installed, learner_folder, "course_nn.py", "--convention", "course")
    assert "L_model_backward" in course.stdout and "UNSTABLE" in course.stdout, course.stdout
