"""The command line (``scratch.cli``): train writes its run folder, evaluate and predict use it,
and a bad option or a missing file is one line on stderr with exit status 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import matplotlib.image
import numpy as np
import pytest

from scratch.cli import main
from scratch.data import load_dataset

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def run(argv: list[str]) -> int:
    """``main(argv)``'s exit status, whether it returns or exits."""
    try:
        return main(argv)
    except SystemExit as exit:
        return int(exit.code or 0)


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEEPSCRATCH_NO_DOWNLOAD", "1")
    monkeypatch.delenv("DEEPSCRATCH_DATA_DIR", raising=False)


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A run folder from ``train`` on digits, 3 epochs, a small network."""
    out = tmp_path_factory.mktemp("run") / "digits"
    argv = ["train", "--epochs", "3", "--hidden-layers", "32", "--out", str(out), "--quiet"]
    assert run(argv) == 0
    return out


def test_train_writes_the_model_the_record_and_two_pictures(trained: Path) -> None:
    assert sorted(p.name for p in trained.iterdir()) == [
        "curves.png",
        "misclassified.png",
        "model.npz",
        "run.json",
    ]
    for picture in ("curves.png", "misclassified.png"):
        assert (trained / picture).read_bytes()[:8] == PNG_MAGIC
        assert matplotlib.image.imread(trained / picture).shape[0] > 100
    record = json.loads((trained / "run.json").read_text())
    assert record["config"]["epochs"] == 3
    assert record["config"]["hidden_layers"] == [32]
    assert record["config"]["optimizer"] == "adam"  # digits' default
    assert record["history"]["epoch"] == [1, 2, 3]
    assert len(record["history"]["dev_acc"]) == 3
    assert 0.5 < record["results"]["test_accuracy"] <= 1
    # digits: 1,797 images, 359 for test, and 10% of the other 1,438 held out as the dev set.
    assert (record["results"]["m_train"], record["results"]["m_dev"]) == (1294, 144)


def test_train_prints_the_test_accuracy(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["train", "--epochs", "1", "--hidden-layers", "8", "--dev-fraction", "0"]
    assert run([*argv, "--out", str(tmp_path), "--optimizer", "momentum"]) == 0
    out = capsys.readouterr().out
    assert "test accuracy" in out and "on digits" in out
    record = json.loads((tmp_path / "run.json").read_text())
    assert record["history"]["dev_acc"] == []
    assert f"{record['results']['test_accuracy']:.4f}" in out


def test_the_default_output_folder_is_under_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    argv = ["train", "--epochs", "0", "--quiet", "--normalization", "standardize"]
    assert run(argv) == 0
    assert run(argv) == 0  # the same second: a second folder, not the first overwritten
    folders = sorted((tmp_path / "runs").iterdir())
    assert len(folders) == 2 and all(f.name.startswith("digits-") for f in folders)


def test_evaluate_reports_the_accuracy_train_reported(
    trained: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["evaluate", str(trained / "model.npz")]) == 0
    accuracy = json.loads((trained / "run.json").read_text())["results"]["test_accuracy"]
    assert capsys.readouterr().out == (
        f"test accuracy {accuracy:.4f} ({round(accuracy * 359)}/359) on digits\n"
    )


def test_predict_reads_test_indices_npy_and_png(
    trained: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    test_images = load_dataset("digits").test_images
    np.save(tmp_path / "one.npy", test_images[0])
    np.save(tmp_path / "two.npy", test_images[:2])
    matplotlib.image.imsave(tmp_path / "one.png", test_images[0] / 16, cmap="gray", vmin=0, vmax=1)
    inputs = [
        "test:0",
        str(tmp_path / "one.npy"),
        str(tmp_path / "two.npy"),
        str(tmp_path / "one.png"),
    ]
    assert run(["predict", str(trained / "model.npz"), *inputs]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 5
    assert lines[0].startswith("test:0: ") and ", true " in lines[0]
    assert lines[2].startswith(f"{tmp_path / 'two.npy'}[0]: ")
    label = lines[0].split(": ")[1].split(" ")[0]
    # The same image gives the same prediction, however it comes in (the PNG within rounding).
    for line in lines[1:4] + lines[4:]:
        assert line.split(": ")[1].split(" ")[0] == label


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([], "required: COMMAND"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
        (["train", "--epochs", "-1"], "--epochs: must be an integer >= 0"),
        (["train", "--epochs", "many"], "--epochs: invalid"),
        (["train", "--hidden-layers", "256,x"], "--hidden-layers: must be comma-separated"),
        (["train", "--hidden-layers", "0"], "--hidden-layers: must be comma-separated"),
        (["train", "--learning-rate", "-1"], "--learning-rate: must be a positive number"),
        (["train", "--batch-size", "0"], "--batch-size: must be a positive integer"),
        (["train", "--keep-prob", "0"], "--keep-prob: must be in (0, 1]"),
        (["train", "--lambd", "nan"], "--lambd: must be a number >= 0"),
        (["train", "--dev-fraction", "1"], "--dev-fraction: must be in [0, 1)"),
        (["train", "--optimizer", "sgd"], "--optimizer: invalid choice"),
        (["train", "--dataset", "cifar"], "--dataset: invalid choice"),
        (["train", "--bogus"], "unrecognized arguments: --bogus"),
        (["train", "--dataset", "mnist", "--data-dir", "{tmp}"], "train-images-idx3-ubyte.gz"),
        (["evaluate", "{tmp}/none.npz"], "none.npz: No such file or directory"),
        (["evaluate", "{tmp}/bad.npz"], "not a deepscratch model"),
        (["predict", "{model}", "{tmp}/none.npy"], "none.npy: No such file or directory"),
        (["predict", "{model}", "{tmp}/image.jpg"], "expected test:N, a .npy file or a .png"),
        (
            ["predict", "{model}", "{tmp}/wrong.npy"],
            "images of shape (3, 3), the model takes (8, 8)",
        ),
        (["predict", "{model}", "test:x"], "expected test:N with N an integer"),
        (["predict", "{model}", "test:359"], "test split has images 0 to 358"),
    ],
)
def test_a_bad_option_or_file_is_one_line_and_status_2(
    trained: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    message: str,
) -> None:
    (tmp_path / "bad.npz").write_bytes(b"not a model")
    np.save(tmp_path / "wrong.npy", np.zeros((3, 3)))
    argv = [a.format(tmp=tmp_path, model=trained / "model.npz") for a in argv]
    assert run(argv) == 2
    captured = capsys.readouterr()
    assert captured.err.count("\n") == 1, captured.err
    assert captured.err.startswith("deepscratch")
    assert message in captured.err
    assert "Traceback" not in captured.err


def test_python_dash_m_scratch_is_the_command_line(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "scratch", "evaluate", str(tmp_path / "none.npz")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr == (
        f"deepscratch evaluate: error: {tmp_path / 'none.npz'}: No such file or directory\n"
    )
