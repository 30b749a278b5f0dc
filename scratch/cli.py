"""The command line: ``python -m scratch train | evaluate | predict`` (or ``deepscratch ...``).

``train`` loads a data set (``scratch.data``), prepares it (``scratch.preprocessing``), trains
with ``scratch.model.model`` under a progress bar, reports the test accuracy and writes a run
folder: ``model.npz`` (``scratch.checkpoint``), ``run.json`` (configuration, history, results),
``curves.png`` and ``misclassified.png`` (``scratch.plots``). ``evaluate`` and ``predict`` use a
saved ``model.npz``. A bad option or a missing file ends with one line on stderr and exit status 2.

Training never loses work: at the end of an epoch, once ``CHECKPOINT_SECONDS`` have passed since
the last save, the run's state goes to ``checkpoint.npz`` in the run folder (removed once the
model is saved). Ctrl-C stops after the step in progress, saves the checkpoint and says how to
go on (``train --resume PATH``; exit status 130). A run whose loss becomes NaN or infinite stops
at that step, saves the last good state as the checkpoint and suggests a smaller learning rate
(exit status 1).
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime
from importlib.util import find_spec
from pathlib import Path
from typing import Any, NoReturn

import numpy as np

from scratch import validate
from scratch._types import Array
from scratch.checkpoint import (
    SavedModel,
    load_checkpoint,
    load_model,
    save_checkpoint,
    save_model,
)
from scratch.data import DATASETS, DataError, Dataset, load_dataset
from scratch.idx import IdxError
from scratch.model import TrainingDiverged, TrainingInterrupted, TrainingState
from scratch.preprocessing import NORMALIZATIONS, fit_normalizer, flatten, one_hot, train_dev_split
from scratch.threads import blas_threads, threads_for

OPTIMIZERS = ("gd", "momentum", "rmsprop", "adam")

#: Each data set's default hyperparameters, used for every option not given (measured: digits
#: reaches 97-99% test accuracy over seeds 0-9 in about 2 s; MNIST about 98% in about a minute).
DEFAULTS: dict[str, dict[str, Any]] = {
    "digits": {
        "hidden_layers": [256, 128],
        "learning_rate": 0.001,
        "batch_size": 32,
        "epochs": 40,
        "optimizer": "adam",
        "lambd": 0.0,
        "keep_prob": 0.8,
    },
    "mnist": {
        "hidden_layers": [256],
        "learning_rate": 0.001,
        "batch_size": 128,
        "epochs": 10,
        "optimizer": "adam",
        "lambd": 0.0,
        "keep_prob": 1.0,
    },
}
DEFAULTS["fashion-mnist"] = DEFAULTS["mnist"]
#: The options of every data set, used when not given.
COMMON_DEFAULTS: dict[str, Any] = {
    "dataset": "digits",
    "seed": 0,
    "dev_fraction": 0.1,
    "normalization": "scale",
}
#: Options that may differ when a run is resumed (the rest must be the run's own).
RESUMABLE = ("epochs", "learning_rate")
CHECKPOINT = "checkpoint.npz"
#: At most one periodic checkpoint this often (a save takes about 10 ms, a digits epoch 30 ms):
#: a crash loses at most this much training. Ctrl-C and a diverged run always save.
CHECKPOINT_SECONDS = 10.0
#: The exit status of a run stopped by Ctrl-C (128 + SIGINT, as shells report it).
EXIT_INTERRUPTED = 130

PREDICT_HELP = """\
Each INPUT is one of:
  test:N     the N-th image of the model's data set's test split (its true label is shown too)
  FILE.npy   an array of raw pixel values like the data set's (0-16 for digits, 0-255 for MNIST):
             one image (h, w), or a stack of them (k, h, w)
  FILE.png   a grayscale (or colour, averaged) image of the model's size (8x8 for digits, 28x28
             for MNIST), light strokes on a dark background, as in the data sets
Prints one line per image: the input, the predicted class and its probability."""


class UsageError(ValueError):
    """A bad option or input that argparse could not see: reported like argparse's own errors."""


class OneLineParser(argparse.ArgumentParser):
    """argparse, but an error is one line on stderr (no usage block), exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text}")
    return value


def _non_negative_int(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be an integer >= 0, got {text}")
    return value


def _positive_float(text: str) -> float:
    value = float(text)
    if not value > 0 or not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text}")
    return value


def _non_negative_float(text: str) -> float:
    value = float(text)
    if not value >= 0 or not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be a number >= 0, got {text}")
    return value


def _probability(text: str) -> float:
    value = float(text)
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError(f"must be in (0, 1], got {text}")
    return value


def _fraction(text: str) -> float:
    value = float(text)
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"must be in [0, 1), got {text}")
    return value


def _layers(text: str) -> list[int]:
    try:
        widths = [int(part) for part in text.split(",")] if text.strip() else []
    except ValueError:
        widths = [0]
    if any(width < 1 for width in widths):
        raise argparse.ArgumentTypeError(
            f"must be comma-separated positive widths such as 100 or 256,128, got {text!r}"
        )
    return widths


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog="deepscratch",
        description="Train and use a deep network written from scratch in NumPy.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    train = commands.add_parser(
        "train",
        help="train a network and write a run folder",
        description="Train on a data set; write model.npz, run.json, curves.png and "
        "misclassified.png. Options left out take the data set's defaults: "
        + "; ".join(
            f"{name}: " + ", ".join(f"{key}={value}" for key, value in defaults.items())
            for name, defaults in DEFAULTS.items()
        ),
    )
    train.add_argument("--dataset", choices=DATASETS, help="default: digits")
    train.add_argument(
        "--data-dir",
        help="folder of the MNIST/Fashion-MNIST files (default: $DEEPSCRATCH_DATA_DIR, "
        "else ~/.cache/deepscratch)",
    )
    train.add_argument(
        "--hidden-layers", type=_layers, help="hidden layer widths, e.g. 100 or 256,128"
    )
    train.add_argument("--learning-rate", type=_positive_float)
    train.add_argument("--batch-size", type=_positive_int)
    train.add_argument("--epochs", type=_non_negative_int)
    train.add_argument("--optimizer", choices=OPTIMIZERS)
    train.add_argument("--lambd", type=_non_negative_float, help="L2 regularisation strength")
    train.add_argument("--keep-prob", type=_probability, help="dropout keep probability")
    train.add_argument("--seed", type=_non_negative_int, help="default: 0")
    train.add_argument(
        "--dev-fraction",
        type=_fraction,
        help="share of the training set held out as the dev set (default: 0.1)",
    )
    train.add_argument(
        "--normalization",
        choices=NORMALIZATIONS,
        help="scale pixels to [0, 1], or standardise each pixel with training statistics "
        "(default: scale)",
    )
    train.add_argument(
        "--out", type=Path, help="output folder (default: runs/<dataset>-<date>-<time>)"
    )
    train.add_argument(
        "--threads",
        type=_positive_int,
        help="threads for the matrix products (NumPy's BLAS); default: 1 for a network as small "
        "as the digits default (two threads gain nothing there and lose much beside other "
        "work), else every core; OPENBLAS_NUM_THREADS=N in the environment sets the default",
    )
    train.add_argument("--quiet", action="store_true", help="no progress bar")
    train.add_argument(
        "--resume",
        type=Path,
        metavar="CHECKPOINT",
        help="go on with the run saved in CHECKPOINT (a checkpoint.npz that Ctrl-C or a "
        "diverged run left): its options are the run's own; --epochs and --learning-rate may "
        "change, and the run folder is the checkpoint's unless --out is given",
    )

    evaluate = commands.add_parser(
        "evaluate",
        help="accuracy of a saved model on its data set's test split",
        description="Print a saved model's accuracy on its data set's test split.",
    )
    evaluate.add_argument("model", type=Path, metavar="MODEL", help="a model.npz from train")
    evaluate.add_argument("--data-dir", help="as for train")

    predict = commands.add_parser(
        "predict",
        help="predict the class of images",
        description="Predict the class of images with a saved model.",
        epilog=PREDICT_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    predict.add_argument("model", type=Path, metavar="MODEL", help="a model.npz from train")
    predict.add_argument("inputs", nargs="+", metavar="INPUT", help="test:N, FILE.npy or FILE.png")
    predict.add_argument("--data-dir", help="as for train (needed for test:N only)")
    # Listed here for --help only: main() hands "check" to oracle.checks before parsing.
    commands.add_parser(
        "check",
        help="check your own network's functions against PyTorch autograd "
        "(needs deepscratch[check]; deepscratch check --help)",
        add_help=False,
    )
    return parser


def check(argv: Sequence[str]) -> int:
    """``deepscratch check``: learner mode, in a process of its own (``python -m oracle.checks``):
    the reference is PyTorch, which this package never imports."""
    missing = [m for m in ("torch", "hypothesis", "nbformat", "IPython") if find_spec(m) is None]
    if missing:
        print(
            f"deepscratch check: error: it needs {', '.join(missing)}: "
            "pip install 'deepscratch[check]' (see the README for the constraints file that "
            "pins the CPU build of PyTorch)",
            file=sys.stderr,
        )
        return 2
    try:
        return subprocess.call([sys.executable, "-m", "oracle.checks", *argv])
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line ``argv`` (default: ``sys.argv[1:]``); returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["check"]:
        return check(argv[1:])
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "train":
            return train(args)
        if args.command == "evaluate":
            return evaluate(args)
        return predict(args)
    except TrainingStopped as stopped:
        parser.exit(stopped.status, f"{parser.prog} {args.command}: {stopped}\n")
    except KeyboardInterrupt:
        parser.exit(EXIT_INTERRUPTED, f"{parser.prog} {args.command}: interrupted\n")
    except (UsageError, DataError, IdxError, OSError, ValueError) as error:
        message = str(error).splitlines()[0] if str(error) else type(error).__name__
        if isinstance(error, OSError) and error.filename is not None and error.strerror:
            message = f"{error.filename}: {error.strerror}"
        parser.exit(2, f"{parser.prog} {args.command}: error: {message}\n")


class TrainingStopped(Exception):
    """Training stopped before its end (Ctrl-C, or a loss that blew up): the one line to print
    and the exit status."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


# ---------------------------------------------------------------------------------------- train


def _config(args: argparse.Namespace) -> dict[str, Any]:
    """The options as given, each missing one taken from the defaults (of the data set)."""
    config = {key: _given(args, key, default) for key, default in COMMON_DEFAULTS.items()}
    for key, default in DEFAULTS[config["dataset"]].items():
        config[key] = _given(args, key, default)
    return config


def _given(args: argparse.Namespace, key: str, default: Any) -> Any:
    value = getattr(args, key)
    return default if value is None else value


def _resumed_config(args: argparse.Namespace, saved: dict[str, Any]) -> dict[str, Any]:
    """The configuration of the run saved in a checkpoint, with ``RESUMABLE`` options as given;
    any other option given must be the run's own."""
    keys = [*COMMON_DEFAULTS, *DEFAULTS["digits"]]
    config = saved.get("config")
    if not isinstance(config, dict) or sorted(config) != sorted(keys):
        raise UsageError(f"{args.resume}: the checkpoint has no configuration of a train run")
    for key in keys:
        given = getattr(args, key)
        if given is None or key in RESUMABLE:
            config[key] = config[key] if given is None else given
        elif given != config[key]:
            option = "--" + key.replace("_", "-")
            raise UsageError(
                f"--resume: the run was trained with {option} {config[key]}, not {given}; leave "
                f"{option} out (only {', '.join('--' + k.replace('_', '-') for k in RESUMABLE)} "
                "may change), or start a new run"
            )
    return config


def _output_folder(out: Path | None, dataset: str) -> Path:
    if out is not None:
        return out
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    folder = Path("runs") / f"{dataset}-{stamp}"
    n = 1
    while folder.exists():
        n += 1
        folder = Path("runs") / f"{dataset}-{stamp}-{n}"
    return folder


def train(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from scratch.model import Event, model
    from scratch.network import predict as predict_labels
    from scratch.plots import plot_history, plot_misclassified

    resume: TrainingState | None = None
    data_dir = args.data_dir
    if args.resume is not None:
        resume, saved = load_checkpoint(args.resume)
        config = _resumed_config(args, saved)
        out = args.out if args.out is not None else args.resume.parent
        if data_dir is None and isinstance(saved.get("data_dir"), str):
            data_dir = saved["data_dir"]  # where the run found its data
    else:
        config = _config(args)
        out = _output_folder(args.out, config["dataset"])
    dataset = load_dataset(config["dataset"], data_dir)
    out.mkdir(parents=True, exist_ok=True)  # only once there is something to write
    checkpoint = out / CHECKPOINT
    last_save = time.monotonic()

    def save(state: TrainingState) -> None:
        where = None if data_dir is None else str(Path(data_dir).resolve())
        save_checkpoint(checkpoint, state, {"config": config, "data_dir": where})

    def save_now_and_then(state: TrainingState) -> None:
        nonlocal last_save
        if time.monotonic() - last_save >= CHECKPOINT_SECONDS:
            save(state)
            last_save = time.monotonic()

    X_train, y_train, X_dev, y_dev = train_dev_split(
        flatten(dataset.train_images), dataset.train_labels, config["dev_fraction"], config["seed"]
    )
    normalizer = fit_normalizer(X_train, config["normalization"], dataset.max_value)
    C = len(dataset.classes)
    has_dev = X_dev.shape[1] > 0

    steps_per_epoch = math.ceil(X_train.shape[1] / config["batch_size"])
    bar = tqdm(
        total=config["epochs"] * steps_per_epoch,
        initial=0 if resume is None else resume.step,
        unit="step",
        disable=args.quiet,
        file=sys.stderr,
        dynamic_ncols=True,
        # In a log file (CI) each refresh is a new line: refresh less often there.
        mininterval=0.1 if sys.stderr.isatty() else 5.0,
    )

    def progress(event: Event) -> None:
        bar.update(event.step - bar.n)
        bar.set_description(f"epoch {event.epoch}/{event.n_epochs}", refresh=False)
        if event.kind == "epoch":
            postfix = {"loss": f"{event.train_loss:.4f}", "acc": f"{event.train_acc:.4f}"}
            if event.dev_loss is not None:
                postfix |= {"dev_loss": f"{event.dev_loss:.4f}", "dev_acc": f"{event.dev_acc:.4f}"}
            bar.set_postfix(postfix, refresh=False)

    layer_dims = [X_train.shape[0], *config["hidden_layers"], C]
    threads = args.threads or threads_for(layer_dims, config["batch_size"])
    start = time.perf_counter()
    try:
        with bar, blas_threads(threads):
            parameters, history = model(
                normalizer.apply(X_train),
                one_hot(y_train, C),
                learning_rate=config["learning_rate"],
                print_every=max(1, steps_per_epoch // 20),
                iteration=config["epochs"],
                hidden_layers=config["hidden_layers"],
                batch_size=config["batch_size"],
                optimizer=config["optimizer"],
                lambd=config["lambd"],
                keep_prob=config["keep_prob"],
                seed=config["seed"],
                callback=progress,
                X_dev=normalizer.apply(X_dev) if has_dev else None,
                Y_dev=one_hot(y_dev, C) if has_dev else None,
                resume=resume,
                checkpoint=save_now_and_then,
            )
    except TrainingInterrupted as interrupted:
        save(interrupted.state)
        raise TrainingStopped(
            f"interrupted after step {interrupted.state.step} (epoch "
            f"{interrupted.state.epoch + 1} of {config['epochs']}); saved {checkpoint}; go on "
            f"with: deepscratch train --resume {checkpoint}",
            EXIT_INTERRUPTED,
        ) from None
    except TrainingDiverged as diverged:
        save(diverged.state)
        smaller = f"{config['learning_rate'] / 10:g}"
        raise TrainingStopped(
            f"error: training diverged at step {diverged.step} (epoch {diverged.epoch} of "
            f"{config['epochs']}): {diverged.cause}. Try a smaller --learning-rate than "
            f"{config['learning_rate']:g}: the last good state is saved in {checkpoint}; go on "
            f"with: deepscratch train --resume {checkpoint} --learning-rate {smaller}",
            1,
        ) from None
    seconds = time.perf_counter() - start

    X_test = normalizer.apply(flatten(dataset.test_images))
    predicted = predict_labels(X_test, parameters)
    correct = int(np.sum(predicted == dataset.test_labels))
    test_accuracy = correct / len(predicted)
    print(
        f"test accuracy {test_accuracy:.4f} ({correct}/{len(predicted)}) on {dataset.name}, "
        f"trained in {seconds:.1f} s"
    )

    meta = {
        "dataset": dataset.name,
        "classes": list(dataset.classes),
        "image_shape": list(dataset.image_shape),
        "max_value": dataset.max_value,
        "hidden_layers": config["hidden_layers"],
        "hidden_activation": "relu",
        "batch_norm": False,
        "normalization": config["normalization"],
    }
    save_model(out / "model.npz", parameters, normalizer, meta)
    run = {
        "config": config,
        "model": meta,
        "history": asdict(history),
        "results": {
            "test_accuracy": test_accuracy,
            "test_correct": correct,
            "test_size": len(predicted),
            "train_seconds": seconds,
            "m_train": X_train.shape[1],
            "m_dev": X_dev.shape[1],
        },
    }
    (out / "run.json").write_text(json.dumps(run, indent=2) + "\n")
    title = f"{dataset.name}, hidden {config['hidden_layers']}, {config['optimizer']}"
    plot_history(history, out / "curves.png", title)
    plot_misclassified(
        dataset.test_images,
        dataset.test_labels,
        predicted,
        dataset.classes,
        out / "misclassified.png",
        title=dataset.name,
    )
    checkpoint.unlink(missing_ok=True)  # the model is saved: nothing left to resume
    print(f"wrote {out}/: model.npz, run.json, curves.png, misclassified.png")
    return 0


# ------------------------------------------------------------------------- evaluate and predict


def _probabilities(saved: SavedModel, X: Array) -> Array:
    """Softmax outputs ``(C, m)`` of the saved model for raw pixel columns ``X: (n_0, m)``."""
    from scratch.network import forward_all

    n_0 = saved.parameters["W1"].shape[1]
    if X.shape[0] != n_0:
        raise UsageError(f"the model takes images of {n_0} pixels, got {X.shape[0]}")
    AL, _ = forward_all(
        saved.normalizer.apply(X),
        saved.parameters,
        saved.meta["hidden_activation"],
        "softmax",
        batch_norm=saved.meta["batch_norm"],
        training=False,
    )
    return AL


def _test_set(saved: SavedModel, data_dir: str | None) -> Dataset:
    return load_dataset(saved.meta["dataset"], data_dir)


def evaluate(args: argparse.Namespace) -> int:
    saved = load_model(args.model)
    dataset = _test_set(saved, args.data_dir)
    predicted = np.argmax(_probabilities(saved, flatten(dataset.test_images)), axis=0)
    correct = int(np.sum(predicted == dataset.test_labels))
    print(
        f"test accuracy {correct / len(predicted):.4f} ({correct}/{len(predicted)}) "
        f"on {dataset.name}"
    )
    return 0


def _read_input(text: str, saved: SavedModel, data_dir: str | None) -> tuple[Array, Array | None]:
    """Images ``(k, h, w)`` in raw pixel values and their true labels (``test:N`` only)."""
    if text.startswith("test:"):
        dataset = _test_set(saved, data_dir)
        try:
            index = int(text.removeprefix("test:"))
        except ValueError:
            raise UsageError(f"{text}: expected test:N with N an integer") from None
        if not 0 <= index < len(dataset.test_labels):
            raise UsageError(
                f"{text}: the {dataset.name} test split has images 0 to "
                f"{len(dataset.test_labels) - 1}"
            )
        return dataset.test_images[index : index + 1], dataset.test_labels[index : index + 1]
    path = Path(text)
    if path.suffix.lower() == ".npy":
        try:
            images = np.load(path, allow_pickle=False)
        except (ValueError, EOFError) as error:  # an object array, or a damaged file
            raise UsageError(f"{text}: not a readable .npy array of numbers ({error})") from None
        images = validate.real_array(text, "images", images)
        validate.finite(text, "images", images)
        return (images[None] if images.ndim == 2 else images), None
    if path.suffix.lower() == ".png":
        import matplotlib.image

        try:
            image = matplotlib.image.imread(path)
        except FileNotFoundError:
            raise
        except (OSError, SyntaxError, ValueError) as error:  # Pillow's "not a PNG file"
            raise UsageError(f"{text}: not a readable PNG image ({error})") from None
        pixels = np.asarray(image, dtype=np.float64)
        if pixels.ndim == 3:
            pixels = pixels[..., :3].mean(axis=2)
        return (pixels * saved.meta["max_value"])[None], None
    raise UsageError(f"{text}: expected test:N, a .npy file or a .png file")


def predict(args: argparse.Namespace) -> int:
    saved = load_model(args.model)
    classes = saved.meta["classes"]
    shape = tuple(saved.meta["image_shape"])
    for text in args.inputs:
        images, truth = _read_input(text, saved, args.data_dir)
        if images.ndim != 3 or images.shape[1:] != shape:
            raise UsageError(
                f"{text}: images of shape {images.shape[1:]}, the model takes {shape} "
                f"({saved.meta['dataset']})"
            )
        probabilities = _probabilities(saved, flatten(images))
        for k, label in enumerate(np.argmax(probabilities, axis=0)):
            name = text if len(images) == 1 else f"{text}[{k}]"
            line = f"{name}: {classes[label]} (p={probabilities[label, k]:.3f})"
            if truth is not None:
                line += f", true {classes[truth[k]]}"
            print(line)
    return 0
