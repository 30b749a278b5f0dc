"""The command line (``scratch.cli``): train writes its run folder, evaluate and predict use it,
a bad option or a missing file is one line on stderr with exit status 2, and training never loses
work: Ctrl-C saves a checkpoint that ``train --resume`` goes on from, to the very same model, and
a run that blows up saves its last good state."""

from __future__ import annotations

import importlib
import json
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import matplotlib.image
import numpy as np
import pytest

from scratch import cli
from scratch.checkpoint import load_checkpoint, load_model, save_checkpoint
from scratch.cli import main
from scratch.data import load_dataset

#: The module, not the function ``scratch.model`` that the package exports under the same name.
training = importlib.import_module("scratch.model")
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def run(argv: list[str]) -> int:
    """``main(argv)``'s exit status, whether it returns or exits."""
    try:
        return main(argv)
    except SystemExit as exit:
        return int(exit.code or 0)


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DEEPSCRATCH_NO_DOWNLOAD", "1")
    monkeypatch.delenv("DEEPSCRATCH_DATA_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))  # not the user's cache


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
        (["train", "--seed", "-1"], "--seed: must be an integer >= 0"),
        (["train", "--resume", "{tmp}/none.npz"], "none.npz: No such file or directory"),
        (["train", "--resume", "{model}"], "not a deepscratch checkpoint"),
        (["predict", "{model}", "{tmp}/nan.npy"], "nan.npy: images has 1 NaN value"),
        (["predict", "{model}", "{tmp}/text.npy"], "text.npy: images must hold real numbers"),
        (["predict", "{model}", "{tmp}/empty.npy"], "empty.npy: not a readable .npy array"),
        (["predict", "{model}", "{tmp}/objects.npy"], "objects.npy: not a readable .npy array"),
        (["predict", "{model}", "{tmp}/fake.png"], "fake.png: not a readable PNG image"),
        (["evaluate", "{tmp}/no-classes.npz"], "its meta has no valid 'classes'"),
        (["evaluate", "{tmp}/truncated.npz"], "truncated.npz: damaged: not a whole zip archive"),
        (["evaluate", "{tmp}/nan.npz"], "W1 has 1 NaN value"),
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
    image = np.zeros((8, 8))
    image[2, 3] = np.nan
    np.save(tmp_path / "nan.npy", image)
    np.save(tmp_path / "text.npy", np.full((8, 8), "a"))
    (tmp_path / "empty.npy").write_bytes(b"")
    np.save(tmp_path / "objects.npy", np.array([None, 1], dtype=object), allow_pickle=True)
    (tmp_path / "fake.png").write_bytes(b"this is no PNG")
    model = (trained / "model.npz").read_bytes()
    (tmp_path / "truncated.npz").write_bytes(model[: len(model) // 2])
    with np.load(trained / "model.npz") as npz:
        arrays = {key: npz[key] for key in npz.files}
    meta = json.loads(str(arrays["meta"]))
    del meta["classes"]
    np.savez(tmp_path / "no-classes.npz", **(arrays | {"meta": np.asarray(json.dumps(meta))}))
    W1 = arrays["param.W1"].copy()
    W1[0, 0] = np.nan
    np.savez(tmp_path / "nan.npz", **(arrays | {"param.W1": W1}))
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


# --- Training never loses work -----------------------------------------------------------------

SMALL = ["--epochs", "3", "--hidden-layers", "16", "--quiet"]


def ctrl_c_at(step: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the next ``train`` get a real Ctrl-C (SIGINT to this process) at ``step``."""
    real = training.model

    def pressed(*args: Any, callback: Any, **kwargs: Any) -> Any:
        def then_ctrl_c(event: training.Event) -> None:
            callback(event)
            if event.kind == "step" and event.step == step:
                signal.raise_signal(signal.SIGINT)

        return real(*args, callback=then_ctrl_c, **kwargs)

    monkeypatch.setattr(training, "model", pressed)


def test_ctrl_c_saves_a_checkpoint_and_resume_ends_with_the_same_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["train", *SMALL, "--out", str(tmp_path / "straight")]) == 0
    # digits: 1,294 training examples, batches of 32: 41 steps an epoch; events every 2 steps.
    ctrl_c_at(50, monkeypatch)
    run_folder = tmp_path / "stopped"
    capsys.readouterr()
    assert run(["train", *SMALL, "--out", str(run_folder)]) == cli.EXIT_INTERRUPTED
    err = capsys.readouterr().err
    checkpoint = run_folder / "checkpoint.npz"
    assert err == (
        f"deepscratch train: interrupted after step 50 (epoch 2 of 3); saved {checkpoint}; "
        f"go on with: deepscratch train --resume {checkpoint}\n"
    )
    assert sorted(p.name for p in run_folder.iterdir()) == ["checkpoint.npz"]
    state, _ = load_checkpoint(checkpoint)
    assert (state.epoch, state.batch, state.step) == (1, 9, 50)

    monkeypatch.undo()
    assert run(["train", "--resume", str(checkpoint), "--quiet"]) == 0
    assert not checkpoint.exists()  # the model is saved: nothing left to resume
    straight = load_model(tmp_path / "straight" / "model.npz")
    resumed = load_model(run_folder / "model.npz")
    for key, value in straight.parameters.items():
        assert np.array_equal(resumed.parameters[key], value), key
    record = json.loads((run_folder / "run.json").read_text())
    assert (
        record["history"] == json.loads((tmp_path / "straight" / "run.json").read_text())["history"]
    )
    assert record["config"]["epochs"] == 3 and record["config"]["hidden_layers"] == [16]


def test_resume_refuses_to_change_the_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    ctrl_c_at(4, monkeypatch)
    assert run(["train", *SMALL, "--out", str(tmp_path)]) == cli.EXIT_INTERRUPTED
    monkeypatch.undo()
    capsys.readouterr()
    checkpoint = str(tmp_path / "checkpoint.npz")
    assert run(["train", "--resume", checkpoint, "--hidden-layers", "8", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "the run was trained with --hidden-layers [16], not [8]" in err
    # More epochs, and another learning rate, are allowed.
    assert run(["train", "--resume", checkpoint, "--epochs", "4", "--learning-rate", "0.002"]) == 0
    record = json.loads((tmp_path / "run.json").read_text())
    assert record["history"]["epoch"] == [1, 2, 3, 4]
    assert record["config"]["learning_rate"] == 0.002


def test_a_run_that_blows_up_saves_its_last_good_state(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["train", "--optimizer", "gd", "--learning-rate", "10", "--epochs", "1", "--quiet"]
    assert run([*argv, "--out", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    checkpoint = tmp_path / "checkpoint.npz"
    assert err.count("\n") == 1 and "Traceback" not in err and "Warning" not in err
    assert err.startswith("deepscratch train: error: training diverged at step ")
    assert "(epoch 1 of 1)" in err and "Try a smaller --learning-rate than 10" in err
    assert f"deepscratch train --resume {checkpoint} --learning-rate 1" in err
    state, _ = load_checkpoint(checkpoint)
    assert all(np.all(np.isfinite(p)) for p in state.parameters.values())
    assert not (tmp_path / "model.npz").exists()


def test_checkpoints_are_written_as_training_goes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    saved: list[int] = []
    real = cli.save_checkpoint

    def save(path: Path, state: Any, meta: Any) -> None:
        real(path, state, meta)
        saved.append(load_checkpoint(path)[0].epoch)

    monkeypatch.setattr(cli, "CHECKPOINT_SECONDS", 0.0)
    monkeypatch.setattr(cli, "save_checkpoint", save)
    assert run(["train", *SMALL, "--out", str(tmp_path)]) == 0
    assert saved == [1, 2, 3]
    assert not (tmp_path / "checkpoint.npz").exists()


def test_ctrl_c_before_training_is_one_line_too(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def interrupted(*args: Any, **kwargs: Any) -> Any:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "load_dataset", interrupted)
    assert run(["train", "--quiet"]) == cli.EXIT_INTERRUPTED
    assert capsys.readouterr().err == "deepscratch train: interrupted\n"


def test_resume_needs_a_checkpoint_of_a_train_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A checkpoint that ``model`` wrote for someone else has no train configuration to go on
    with."""
    states: list[Any] = []
    X, Y = np.eye(3), np.eye(3)
    training.model(X, Y, iteration=1, hidden_layers=[2], checkpoint=states.append)
    save_checkpoint(tmp_path / "c.npz", states[0], {"something": "else"})
    assert run(["train", "--resume", str(tmp_path / "c.npz")]) == 2
    err = capsys.readouterr().err
    assert err == (
        f"deepscratch train: error: {tmp_path / 'c.npz'}: the checkpoint has no configuration of "
        "a train run\n"
    )
