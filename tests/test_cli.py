"""The command line (``scratch.cli``): train writes its run folder, evaluate and predict use it,
a bad option or a missing file is one line on stderr with exit status 2, and training never loses
work: Ctrl-C saves a checkpoint that ``train --resume`` goes on from, to the very same model, and
a run that blows up saves its last good state."""

from __future__ import annotations

import errno
import importlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
from datetime import datetime
from pathlib import Path
from typing import Any

import matplotlib.image
import numpy as np
import PIL.Image
import pytest

from scratch import cli
from scratch.checkpoint import load_checkpoint, load_model, save_checkpoint
from scratch.cli import main
from scratch.data import load_dataset
from tests.ondisk import member_bytes

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


@pytest.mark.parametrize("how", ["KeyboardInterrupt", "SIGINT"])
def test_ctrl_c_before_training_is_one_line_too(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], how: str
) -> None:
    def interrupted(*args: Any, **kwargs: Any) -> Any:
        if how == "SIGINT":
            signal.raise_signal(signal.SIGINT)
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "load_dataset", interrupted)
    assert run(["train", "--quiet"]) == cli.EXIT_INTERRUPTED
    assert capsys.readouterr().err == "deepscratch train: interrupted\n"


def test_ctrl_c_while_training_starts_stops_it_at_its_first_event(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Ctrl-C after the data is loaded, before the training takes Ctrl-C over (here while the
    labels are one-hot encoded): it waits, then reaches the training at its first event (step 2,
    events every 2 steps), which stops after that step as it would for a Ctrl-C of its own."""
    real = cli.one_hot

    def pressed(*args: Any) -> Any:
        signal.raise_signal(signal.SIGINT)
        return real(*args)

    monkeypatch.setattr(cli, "one_hot", pressed)
    assert run(["train", *SMALL, "--out", str(tmp_path)]) == cli.EXIT_INTERRUPTED
    assert "interrupted after step 2 (epoch 1 of 3)" in capsys.readouterr().err
    assert load_checkpoint(tmp_path / "checkpoint.npz")[0].step == 2


def test_train_runs_in_a_thread_other_than_the_main_one(tmp_path: Path) -> None:
    """Where no signal handler can be set: training runs as it is, Ctrl-C left to the caller."""
    status: list[int] = []
    argv = ["train", "--epochs", "1", "--hidden-layers", "8", "--quiet", "--out", str(tmp_path)]
    thread = threading.Thread(target=lambda: status.append(run(argv)))
    thread.start()
    thread.join()
    assert status == [0] and (tmp_path / "model.npz").is_file()


def test_a_model_that_cannot_be_written_after_no_training_loses_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    disk_full(monkeypatch, "save_model")
    assert run(["train", "--epochs", "0", "--quiet", "--out", str(tmp_path)]) == 1
    assert capsys.readouterr().err == (
        f"deepscratch train: error: cannot write {tmp_path / 'model.npz'} ([Errno 28] No space "
        "left on device): nothing was trained, so nothing is lost\n"
    )


def test_a_diverged_run_whose_state_cannot_be_saved_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    disk_full(monkeypatch, "save_checkpoint")
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    argv = ["train", "--optimizer", "gd", "--learning-rate", "10", "--epochs", "1", "--quiet"]
    assert run([*argv, "--out", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("deepscratch train: error: training diverged at step ")
    assert (
        f"Try a smaller --learning-rate than 10: cannot write {tmp_path / 'checkpoint.npz'} ("
        in err
    )
    assert err.endswith(": the state is lost\n")


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


# --- Damaged files and bad saved configurations: one line, status 2 -----------------------------


def a_checkpoint(path: Path, config: dict[str, Any]) -> Path:
    """A checkpoint of a small run, saved with ``config`` as the train configuration."""
    states: list[Any] = []
    training.model(np.eye(3), np.eye(3), iteration=1, hidden_layers=[2], checkpoint=states.append)
    save_checkpoint(path, states[0], {"config": config, "data_dir": None})
    return path


#: digits' configuration, as ``train`` saves it.
CONFIG = cli.COMMON_DEFAULTS | cli.DEFAULTS["digits"]


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("batch_size", 0, "batch_size 0, not a value of --batch-size (must be a positive integer"),
        ("batch_size", "32", "batch_size '32' (a str), not a value of --batch-size"),
        ("batch_size", True, "batch_size True (a bool), not a value of --batch-size"),
        ("seed", "zero", "seed 'zero' (a str), not a value of --seed"),
        ("seed", 1.5, "seed 1.5 (a float), not a value of --seed"),
        ("learning_rate", -1, "learning_rate -1, not a value of --learning-rate (must be a posi"),
        ("learning_rate", "0.1", "learning_rate '0.1' (a str), not a value of --learning-rate"),
        ("hidden_layers", [0], "hidden_layers [0], not a value of --hidden-layers (must be comma"),
        ("hidden_layers", "256", "hidden_layers '256' (a str), not a value of --hidden-layers"),
        ("hidden_layers", [2.5], "hidden_layers [2.5], not a value of --hidden-layers"),
        ("keep_prob", 2, "keep_prob 2, not a value of --keep-prob (must be in (0, 1], got 2)"),
        ("optimizer", "sgd", "optimizer 'sgd', not a value of --optimizer (one of gd, momentum"),
        ("dataset", None, "dataset None (a NoneType), not a value of --dataset (one of digits"),
        ("epochs", -3, "epochs -3, not a value of --epochs (must be an integer >= 0, got -3)"),
    ],
)
def test_a_bad_value_in_a_saved_configuration_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], key: str, value: Any, message: str
) -> None:
    """Not a ZeroDivisionError (batch size 0) or TypeError (a string) from deep inside."""
    checkpoint = a_checkpoint(tmp_path / "checkpoint.npz", CONFIG | {key: value})
    assert run(["train", "--resume", str(checkpoint), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(
        f"deepscratch train: error: {checkpoint}: damaged: its saved configuration has {message}"
    )
    assert err.count("\n") == 1 and "Traceback" not in err


def test_a_damaged_model_is_one_line_and_status_2(
    trained: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """One flipped bit in the length of W1's header: before, evaluate read every weight from a
    place too early and reported 41% accuracy (96% before the damage)."""
    data = bytearray((trained / "model.npz").read_bytes())
    start = member_bytes(bytes(data), "param.W1.npy").start
    assert data[start : start + 6] == b"\x93NUMPY"
    data[start + 8] ^= 4  # the header's length, 4 bytes less: one float32 too early
    (tmp_path / "model.npz").write_bytes(bytes(data))
    for command in (["evaluate"], ["predict"], ["train", "--resume"]):
        argv = [
            *command,
            str(tmp_path / "model.npz"),
            *(["test:0"] if command == ["predict"] else []),
        ]
        assert run(argv) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "Traceback" not in err
        assert (
            f"{tmp_path / 'model.npz'}: damaged: " in err or "not a deepscratch checkpoint" in err
        )


# --- Sizes --------------------------------------------------------------------------------------


def test_hidden_layers_larger_than_memory_are_one_line_before_anything_is_allocated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DEEPSCRATCH_MEMORY_LIMIT", str(16 * 2**30))
    argv = ["train", "--hidden-layers", "100000,100000", "--quiet", "--out", str(tmp_path / "r")]
    assert run(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith(
        "deepscratch train: error: model: training layers [64, 100000, 100000, 10] on 1294 "
        "examples (float32) would need "
    )
    assert "more than the 16.0 GiB of $DEEPSCRATCH_MEMORY_LIMIT" in err
    assert err.count("\n") == 1
    assert not (tmp_path / "r").exists()  # nothing written: no empty run folder left


# --- predict: a PNG drawn in its alpha channel ---------------------------------------------------


def test_predict_reads_a_png_drawn_in_its_alpha_channel(
    trained: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A drawing program's PNG: strokes in the alpha channel over a transparent background, the
    colour the same everywhere (black, or white). Read as the grey image it shows, not as the
    black square its colour channels are."""
    image = load_dataset("digits").test_images[3] / 16
    matplotlib.image.imsave(tmp_path / "grey.png", image, cmap="gray", vmin=0, vmax=1)
    for colour in (0.0, 1.0):
        rgba = np.zeros((8, 8, 4))
        rgba[..., :3] = colour
        rgba[..., 3] = image
        matplotlib.image.imsave(tmp_path / f"alpha-{colour:g}.png", rgba)
    levels = np.round(image * 255).astype(np.uint8)
    PIL.Image.fromarray(levels, mode="L").save(tmp_path / "L.png")  # one channel, no alpha
    PIL.Image.fromarray(np.stack([levels] * 3, axis=2), mode="RGB").save(tmp_path / "RGB.png")
    names = ("grey.png", "alpha-0.png", "alpha-1.png", "L.png", "RGB.png")
    inputs = [str(tmp_path / name) for name in names]
    assert run(["predict", str(trained / "model.npz"), *inputs]) == 0
    # "FILE: 2 (p=0.356)": the same class, and its probability within the PNGs' rounding to 8
    # bits (the grey one goes through matplotlib's colour map, the others do not).
    lines = [line.split(": ", 1)[1] for line in capsys.readouterr().out.splitlines()]
    classes = [line.split(" (p=")[0] for line in lines]
    probabilities = [float(line.split("(p=")[1].rstrip(")")) for line in lines]
    assert classes == [classes[0]] * 5
    assert probabilities == pytest.approx([probabilities[0]] * 5, abs=0.005)


# --- Run folders ---------------------------------------------------------------------------------


def test_two_trainings_started_in_the_same_second_get_two_folders(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The second training starts (and ends) while the first loads its data: both choose the
    folder of the same second; each must end with its own."""
    monkeypatch.chdir(tmp_path)
    fixed = datetime(2030, 1, 2, 3, 4, 5)
    monkeypatch.setattr(cli, "datetime", type("Clock", (), {"now": staticmethod(lambda: fixed)}))
    real = cli.load_dataset
    argv = ["train", "--epochs", "0", "--quiet"]

    def second_training_meanwhile(*args: Any) -> Any:
        monkeypatch.setattr(cli, "load_dataset", real)
        assert run([*argv, "--seed", "1"]) == 0
        return real(*args)

    monkeypatch.setattr(cli, "load_dataset", second_training_meanwhile)
    assert run([*argv, "--seed", "2"]) == 0
    folders = sorted((tmp_path / "runs").iterdir())
    assert [f.name for f in folders] == ["digits-20300102-030405", "digits-20300102-030405-2"]
    seeds = sorted(json.loads((f / "run.json").read_text())["config"]["seed"] for f in folders)
    assert seeds == [1, 2] and all((f / "model.npz").is_file() for f in folders)


@pytest.mark.parametrize("kept", ["checkpoint.npz", "model.npz"])
def test_a_fresh_run_refuses_a_folder_that_holds_a_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], kept: str
) -> None:
    ctrl_c_at(4, monkeypatch)
    assert run(["train", *SMALL, "--out", str(tmp_path)]) == cli.EXIT_INTERRUPTED
    monkeypatch.undo()
    if kept == "model.npz":
        assert run(["train", "--resume", str(tmp_path / "checkpoint.npz"), "--quiet"]) == 0
    before = (tmp_path / kept).read_bytes()
    capsys.readouterr()
    assert run(["train", *SMALL, "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    suggestion = (
        f"go on with it (--resume {tmp_path / 'checkpoint.npz'}) or choose another --out"
        if kept == "checkpoint.npz"
        else "choose another --out"
    )
    what = "an interrupted run's checkpoint" if kept == "checkpoint.npz" else "a trained model"
    assert err == (
        f"deepscratch train: error: --out {tmp_path} holds {what} ({kept}): {suggestion}\n"
    )
    assert (tmp_path / kept).read_bytes() == before


def test_a_run_folder_that_cannot_be_written_is_refused_before_training(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``/proc/self``: a folder that no one can create a file in, not even root (a folder of
    mode 0o555 would do for anyone else)."""

    def never(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("training started")

    monkeypatch.setattr(training, "model", never)
    assert run(["train", *SMALL, "--out", "/proc/self"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("deepscratch train: error: cannot write in the run folder /proc/self (")
    assert err.endswith("): choose another --out\n")


# --- Signals and saves: nothing finished or interrupted is lost ----------------------------------


def interrupt_while_saving(monkeypatch: pytest.MonkeyPatch, times: int = 1) -> None:
    """Ctrl-C (``times`` times) while ``train`` writes the trained model."""
    real = cli.save_model

    def pressed(*args: Any) -> None:
        for _ in range(times):
            signal.raise_signal(signal.SIGINT)
        real(*args)

    monkeypatch.setattr(cli, "save_model", pressed)


@pytest.mark.parametrize("times", [1, 2])
def test_ctrl_c_while_the_model_is_saved_keeps_the_whole_run(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    times: int,
) -> None:
    interrupt_while_saving(monkeypatch, times)
    assert run(["train", *SMALL, "--out", str(tmp_path)]) == cli.EXIT_INTERRUPTED
    captured = capsys.readouterr()
    assert captured.err == (
        f"deepscratch train: interrupted while the run was written; it is whole in {tmp_path}/\n"
    )
    assert "wrote" in captured.out
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "curves.png",
        "misclassified.png",
        "model.npz",
        "run.json",
    ]
    assert load_model(tmp_path / "model.npz").meta["hidden_layers"] == [16]


def in_a_process(tmp_path: Path, argv: list[str], at: str) -> subprocess.CompletedProcess[str]:
    """``deepscratch argv`` in a new process that sends itself SIGTERM ``at`` ``"loading"`` (the
    data), ``"training"`` (step 50) or ``"saving"`` (the model): the process is what a SIGTERM
    would kill, not the test's."""
    script = f"""
import importlib, signal, sys
from scratch import cli
training = importlib.import_module("scratch.model")
at = {at!r}

def term():
    signal.raise_signal(signal.SIGTERM)

def wrap(module, name, before):
    real = getattr(module, name)
    def wrapped(*args, **kwargs):
        before(kwargs)
        return real(*args, **kwargs)
    setattr(module, name, wrapped)

if at == "loading":
    wrap(cli, "load_dataset", lambda kwargs: term())
elif at == "saving":
    wrap(cli, "save_model", lambda kwargs: term())
else:
    def at_step_50(kwargs):
        callback = kwargs["callback"]
        def then(event):
            callback(event)
            if event.kind == "step" and event.step == 50:
                term()
        kwargs["callback"] = then
    wrap(training, "model", at_step_50)
sys.exit(cli.main(sys.argv[1:]))
"""
    environment = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    return subprocess.run(
        [sys.executable, "-c", script, *argv],
        capture_output=True,
        text=True,
        check=False,
        env=environment,
        stdin=subprocess.DEVNULL,
    )


def test_sigterm_during_training_saves_a_checkpoint_as_ctrl_c_does(tmp_path: Path) -> None:
    out = tmp_path / "run"
    result = in_a_process(tmp_path, ["train", *SMALL, "--out", str(out)], "training")
    checkpoint = out / "checkpoint.npz"
    assert (result.returncode, result.stderr) == (
        128 + signal.SIGTERM,
        f"deepscratch train: interrupted by SIGTERM after step 50 (epoch 2 of 3); saved "
        f"{checkpoint}; go on with: deepscratch train --resume {checkpoint}\n",
    )
    state, _ = load_checkpoint(checkpoint)
    assert (state.epoch, state.batch, state.step) == (1, 9, 50)


def test_sigterm_while_the_model_is_saved_keeps_the_whole_run(tmp_path: Path) -> None:
    out = tmp_path / "run"
    result = in_a_process(tmp_path, ["train", *SMALL, "--out", str(out)], "saving")
    assert (result.returncode, result.stderr) == (
        128 + signal.SIGTERM,
        f"deepscratch train: interrupted by SIGTERM while the run was written; it is whole in "
        f"{out}/\n",
    )
    assert load_model(out / "model.npz").meta["hidden_layers"] == [16]
    assert not (out / "checkpoint.npz").exists()


def test_sigterm_before_training_is_one_line(tmp_path: Path) -> None:
    out = tmp_path / "run"
    result = in_a_process(tmp_path, ["train", *SMALL, "--out", str(out)], "loading")
    assert (result.returncode, result.stderr) == (
        128 + signal.SIGTERM,
        "deepscratch train: interrupted by SIGTERM\n",
    )
    assert not out.exists()


def disk_full(monkeypatch: pytest.MonkeyPatch, name: str, under: Path | None = None) -> None:
    """``cli.name`` (a save) fails with "[Errno 28] No space left on device" (for paths under
    ``under`` only, when given)."""
    real = getattr(cli, name)

    def full(path: Path, *args: Any) -> None:
        if under is None or Path(path).is_relative_to(under):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        real(path, *args)

    monkeypatch.setattr(cli, name, full)


def test_a_disk_full_at_the_end_keeps_the_trained_state_and_says_where(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    disk_full(monkeypatch, "save_model")
    assert run(["train", *SMALL, "--out", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    checkpoint = tmp_path / "checkpoint.npz"
    assert err == (
        f"deepscratch train: error: cannot write {tmp_path / 'model.npz'} ([Errno 28] No space "
        f"left on device): the trained state is saved in {checkpoint}; write the model from it "
        f"with: deepscratch train --resume {checkpoint}\n"
    )
    state, _ = load_checkpoint(checkpoint)
    assert (state.epoch, state.batch) == (3, 0)
    monkeypatch.undo()
    assert run(["train", "--resume", str(checkpoint), "--quiet"]) == 0
    for key, value in state.parameters.items():
        assert np.array_equal(load_model(tmp_path / "model.npz").parameters[key], value), key


def test_when_the_run_folder_is_full_the_state_goes_to_the_temporary_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "run"
    disk_full(monkeypatch, "save_model")
    disk_full(monkeypatch, "save_checkpoint", under=out)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "elsewhere"))
    (tmp_path / "elsewhere").mkdir()
    assert run(["train", *SMALL, "--out", str(out)]) == 1
    err = capsys.readouterr().err
    [rescue] = (tmp_path / "elsewhere").glob("deepscratch-run-*/checkpoint.npz")
    assert err == (
        f"deepscratch train: error: cannot write {out / 'model.npz'} ([Errno 28] No space left on "
        f"device), nor {out / 'checkpoint.npz'} ([Errno 28] No space left on device): the trained "
        f"state is saved in {rescue}; write the model from it with: deepscratch train --resume "
        f"{rescue} --out {out}\n"
    )
    assert load_checkpoint(rescue)[0].epoch == 3


def test_when_nothing_can_be_written_the_message_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    disk_full(monkeypatch, "save_model")
    disk_full(monkeypatch, "save_checkpoint")
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "elsewhere"))
    (tmp_path / "elsewhere").mkdir()
    assert run(["train", *SMALL, "--out", str(tmp_path / "run")]) == 1
    assert list((tmp_path / "elsewhere").iterdir()) == []  # no empty folder left behind
    err = capsys.readouterr().err
    assert err.startswith(f"deepscratch train: error: cannot write {tmp_path / 'run/model.npz'} (")
    assert err.endswith("): the trained state could not be saved anywhere\n")


def test_a_periodic_checkpoint_that_fails_is_a_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(cli, "CHECKPOINT_SECONDS", 0.0)
    disk_full(monkeypatch, "save_checkpoint")
    assert run(["train", *SMALL, "--out", str(tmp_path)]) == 0
    checkpoint = tmp_path / "checkpoint.npz"
    warning = (
        f"deepscratch train: warning: cannot write {checkpoint} ([Errno 28] No space left on "
        "device); training goes on\n"
    )
    assert capsys.readouterr().err == warning * 3  # after each of the 3 epochs
    assert (tmp_path / "model.npz").is_file()


def test_ctrl_c_when_the_checkpoint_cannot_be_written_keeps_the_state_elsewhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "run"
    ctrl_c_at(50, monkeypatch)
    disk_full(monkeypatch, "save_checkpoint", under=out)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    assert run(["train", *SMALL, "--out", str(out)]) == cli.EXIT_INTERRUPTED
    err = capsys.readouterr().err
    [rescue] = tmp_path.glob("deepscratch-run-*/checkpoint.npz")
    assert err == (
        f"deepscratch train: interrupted after step 50 (epoch 2 of 3); cannot write "
        f"{out / 'checkpoint.npz'} ([Errno 28] No space left on device): saved {rescue}; go on "
        f"with: deepscratch train --resume {rescue} --out {out}\n"
    )
    assert load_checkpoint(rescue)[0].step == 50
