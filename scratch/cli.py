"""The command line: ``python -m scratch train | evaluate | predict`` (or ``deepscratch ...``).

``train`` loads a data set (``scratch.data``), prepares it (``scratch.preprocessing``), trains
with ``scratch.model.model`` under a progress bar, reports the test accuracy and writes a run
folder: ``model.npz`` (``scratch.checkpoint``), ``run.json`` (configuration, history, results),
``curves.png`` and ``misclassified.png`` (``scratch.plots``). ``evaluate`` and ``predict`` use a
saved ``model.npz``. A bad option, a missing or damaged file ends with one line on stderr and exit
status 2.

Training never loses a finished or interrupted run:

* The run folder is made with one ``mkdir`` that fails if it exists (two runs started in the same
  second get ``runs/<dataset>-<date>-<time>`` and ``...-2``); a fresh run refuses an ``--out``
  that holds a run (a checkpoint or a model), and any folder it cannot create a file in, before
  it trains.
* At the end of an epoch, once ``CHECKPOINT_SECONDS`` have passed since the last save, the run's
  state goes to ``checkpoint.npz`` in the run folder (removed once the model is saved); one that
  cannot be written is a warning, and training goes on.
* Ctrl-C and SIGTERM are handled the same way, however the process was started (``_Signals``):
  before training they stop at once; during training, after the step in progress, saving the
  checkpoint and saying how to go on (``train --resume PATH``; exit status 128 + the signal);
  after it, they wait until the run folder is whole.
* A run whose loss becomes NaN or infinite stops at that step, saves the last good state as the
  checkpoint and suggests a smaller learning rate (exit status 1).
* A state that cannot be saved in the run folder (a full disk) goes to a new folder in the
  temporary folder, and the message says where; a model that cannot be written leaves the
  trained state so, with the command that writes the model from it (exit status 1).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict
from datetime import datetime
from importlib.util import find_spec
from pathlib import Path
from types import FrameType
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
from scratch.model import Event, History, TrainingDiverged, TrainingInterrupted, TrainingState
from scratch.network import Parameters
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
MODEL = "model.npz"
#: At most one periodic checkpoint this often (a save takes about 10 ms, a digits epoch 30 ms):
#: a crash loses at most this much training. Ctrl-C, SIGTERM and a diverged run always save.
CHECKPOINT_SECONDS = 10.0
#: The exit status of a run stopped by Ctrl-C (128 + SIGINT, as shells report it).
EXIT_INTERRUPTED = 130

PREDICT_HELP = """\
Each INPUT is one of:
  test:N     the N-th image of the model's data set's test split (its true label is shown too)
  FILE.npy   an array of raw pixel values like the data set's (0-16 for digits, 0-255 for MNIST):
             one image (h, w), or a stack of them (k, h, w)
  FILE.png   a grayscale (or colour, averaged) image of the model's size (8x8 for digits, 28x28
             for MNIST), light strokes on a dark background, as in the data sets; a transparent
             one is laid over black, or read from its alpha channel when its colour is the same
             everywhere (strokes drawn on a transparent background)
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


def _add_train_options(train: argparse.ArgumentParser) -> dict[str, argparse.Action]:
    """The options of ``train``, added to ``train``; each one's argparse action, by name."""
    actions: dict[str, argparse.Action] = {}

    def add(*names: str, **options: Any) -> None:
        action = train.add_argument(*names, **options)
        actions[action.dest] = action

    add("--dataset", choices=DATASETS, help="default: digits")
    add(
        "--data-dir",
        help="folder of the MNIST/Fashion-MNIST files (default: $DEEPSCRATCH_DATA_DIR, "
        "else ~/.cache/deepscratch)",
    )
    add("--hidden-layers", type=_layers, help="hidden layer widths, e.g. 100 or 256,128")
    add("--learning-rate", type=_positive_float)
    add("--batch-size", type=_positive_int)
    add("--epochs", type=_non_negative_int)
    add("--optimizer", choices=OPTIMIZERS)
    add("--lambd", type=_non_negative_float, help="L2 regularisation strength")
    add("--keep-prob", type=_probability, help="dropout keep probability")
    add("--seed", type=_non_negative_int, help="default: 0")
    add(
        "--dev-fraction",
        type=_fraction,
        help="share of the training set held out as the dev set (default: 0.1)",
    )
    add(
        "--normalization",
        choices=NORMALIZATIONS,
        help="scale pixels to [0, 1], or standardise each pixel with training statistics "
        "(default: scale)",
    )
    add("--out", type=Path, help="output folder (default: runs/<dataset>-<date>-<time>)")
    add(
        "--threads",
        type=_positive_int,
        help="threads for the matrix products (NumPy's BLAS); default: 1 for a network as small "
        "as the digits default (two threads gain nothing there and lose much beside other "
        "work), else every core; OPENBLAS_NUM_THREADS=N in the environment sets the default",
    )
    add("--quiet", action="store_true", help="no progress bar")
    add(
        "--resume",
        type=Path,
        metavar="CHECKPOINT",
        help="go on with the run saved in CHECKPOINT (a checkpoint.npz that Ctrl-C or a "
        "diverged run left): its options are the run's own; --epochs and --learning-rate may "
        "change, and the run folder is the checkpoint's unless --out is given",
    )
    return actions


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
    _add_train_options(train)

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
    except KeyboardInterrupt as error:
        signum = getattr(error, "signum", signal.SIGINT)
        message = f"{parser.prog} {args.command}: interrupted{_by(signum)}\n"
        parser.exit(128 + signum, message)
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
    actions = _add_train_options(argparse.ArgumentParser(add_help=False))
    for key in keys:
        problem = _saved_value_problem(key, config[key], actions[key])
        if problem is not None:
            raise ValueError(f"{args.resume}: damaged: its saved configuration has {problem}")
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


def _saved_value_problem(key: str, value: Any, action: argparse.Action) -> str | None:
    """What is wrong with ``value``, saved as option ``key`` (``None``: nothing): it must be of
    the default's type, and its text one that the option's ``action`` takes on the command
    line."""
    option = action.option_strings[0]
    kind = type((COMMON_DEFAULTS | DEFAULTS["digits"])[key])
    kinds = (int, float) if kind is float else (kind,)
    choices = "" if action.choices is None else f" (one of {', '.join(action.choices)})"
    if isinstance(value, bool) or not isinstance(value, kinds):
        return f"{key} {value!r:.40} (a {type(value).__name__}), not a value of {option}{choices}"
    if action.choices is not None:
        return (
            None
            if value in action.choices
            else f"{key} {value!r:.40}, not a value of {option}{choices}"
        )
    # Of the right type, its text is what the option would have been given: it must convert.
    text = ",".join(map(str, value)) if isinstance(value, list) else repr(value)
    convert: Callable[[str], Any] = action.type  # type: ignore[assignment]
    try:
        convert(text)
    except argparse.ArgumentTypeError as error:
        return f"{key} {value!r:.40}, not a value of {option} ({error})"
    return None


# --- The run folder ---


def _refuse_a_folder_with_a_run(out: Path, resumed: Path | None) -> None:
    """A run never writes over another: a folder that holds an interrupted run's checkpoint (for
    a fresh run) or a trained model is refused, unless it is the resumed checkpoint's own."""
    if resumed is not None and out.resolve() == resumed.parent.resolve():
        return
    checkpoint = out / CHECKPOINT
    if resumed is None and checkpoint.exists():
        raise UsageError(
            f"--out {out} holds an interrupted run's checkpoint ({CHECKPOINT}): go on with it "
            f"(--resume {checkpoint}) or choose another --out"
        )
    if (out / MODEL).exists():
        raise UsageError(f"--out {out} holds a trained model ({MODEL}): choose another --out")


def _run_folder(out: Path | None, dataset: str) -> tuple[Path, bool]:
    """The run folder, created: ``out`` (which may exist already), or a new
    ``runs/<dataset>-<date>-<time>``, with ``-2``, ``-3``... when that exists: each made with one
    ``mkdir``, which fails when the folder exists, so two runs started in the same second get a
    folder each. Also whether this run created the folder."""
    if out is not None:
        created = not out.exists()
        out.mkdir(parents=True, exist_ok=True)
        return out, created
    first = Path("runs") / f"{dataset}-{datetime.now().strftime('%Y%m%d-%H%M%S')}"
    first.parent.mkdir(parents=True, exist_ok=True)
    folder, n = first, 1
    while True:
        try:
            folder.mkdir()
            return folder, True
        except FileExistsError:
            n += 1
            folder = first.with_name(f"{first.name}-{n}")


def _check_writable(out: Path) -> None:
    """A file can be created in ``out``, found before training rather than after."""
    try:
        with tempfile.TemporaryFile(dir=out):
            pass
    except OSError as error:
        raise UsageError(
            f"cannot write in the run folder {out} ({_os_reason(error)}): choose another --out"
        ) from None


def _os_reason(error: OSError) -> str:
    """``"[Errno 28] No space left on device"``: an ``OSError`` without its file name."""
    if error.errno is not None and error.strerror:
        return f"[Errno {error.errno}] {error.strerror}"
    return str(error) or type(error).__name__


def _keep(save: Callable[[Path], None], checkpoint: Path) -> tuple[Path | None, list[str]]:
    """``save(checkpoint)``, or, if that fails, ``save`` into a new folder in the temporary folder
    (another disk, often): where the state went (``None``: nowhere), and each failure on the way
    (``"PATH ([Errno 28] No space left on device)"``)."""
    failures: list[str] = []
    try:
        save(checkpoint)
        return checkpoint, failures
    except OSError as error:
        failures.append(f"{checkpoint} ({_os_reason(error)})")
    folder: Path | None = None
    try:
        folder = Path(tempfile.mkdtemp(prefix=f"deepscratch-{checkpoint.parent.name}-"))
        save(folder / CHECKPOINT)
        return folder / CHECKPOINT, failures
    except OSError as error:
        failures.append(f"{error.filename or tempfile.gettempdir()} ({_os_reason(error)})")
    if folder is not None:
        with contextlib.suppress(OSError):
            folder.rmdir()  # empty: no folder of nothing left behind
    return None, failures


def _resume_command(checkpoint: Path, out: Path) -> str:
    """The command that goes on from ``checkpoint`` into the run folder ``out``."""
    command = f"deepscratch train --resume {checkpoint}"
    return command if checkpoint.parent == out else f"{command} --out {out}"


# --- Ctrl-C and SIGTERM ---


class Interrupted(KeyboardInterrupt):
    """Ctrl-C (or SIGTERM) before there was anything to save."""

    def __init__(self, signum: int) -> None:
        super().__init__()
        self.signum = signum


def _by(signum: int) -> str:
    """``" by SIGTERM"``, or nothing for Ctrl-C (SIGINT), as messages say it."""
    return "" if signum == signal.SIGINT else f" by {signal.Signals(signum).name}"


class _Signals:
    """Ctrl-C (SIGINT) and SIGTERM (what ``kill``, ``timeout`` and a cancelled CI job send),
    handled the same way for the whole of ``train``, whichever way it was started (a shell starts
    background jobs with SIGINT ignored): before training, they stop at once; during training,
    the training's own handler stops it after the step under way (``scratch.model``); once it
    ends, they wait until the run is written (``deferring``)."""

    def __init__(self) -> None:
        self.received: list[int] = []
        self.deferring = False
        self._waiting = False  # a signal deferred, that the training has not had

    def handle(self, signum: int, frame: FrameType | None) -> None:
        self.received.append(signum)
        current = signal.getsignal(signal.SIGINT)
        if signum != signal.SIGINT and callable(current) and current != self.handle:
            current(signal.SIGINT, frame)  # the training's: stop after the step, as Ctrl-C does
        elif not self.deferring:
            raise Interrupted(signum)
        else:
            self._waiting = True

    def pass_on(self) -> None:
        """A signal that came while the training started (before its handler was there) is given
        to it now, once: called from within the training."""
        if self._waiting:
            self._waiting = False
            signal.raise_signal(signal.SIGINT)

    @property
    def signum(self) -> int:
        """SIGTERM if it came, else SIGINT: the exit status is ``128 + signum``."""
        return signal.SIGTERM if signal.SIGTERM in self.received else signal.SIGINT

    @contextlib.contextmanager
    def installed(self) -> Iterator[_Signals]:
        if threading.current_thread() is not threading.main_thread():
            yield self  # no handlers outside the main thread: nothing changes
            return
        previous = {s: signal.signal(s, self.handle) for s in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield self
        finally:
            for signum, handler in previous.items():
                if handler is not None:
                    signal.signal(signum, handler)


# --- Training ---


def train(args: argparse.Namespace) -> int:
    signals = _Signals()
    with signals.installed():
        try:
            return _train(args, signals)
        except KeyboardInterrupt as error:
            if isinstance(error, Interrupted):
                raise
            raise Interrupted(signals.signum) from None  # a second Ctrl-C during training


def _train(args: argparse.Namespace, signals: _Signals) -> int:
    resume: TrainingState | None = None
    data_dir = args.data_dir
    out: Path | None = args.out
    if args.resume is not None:
        resume, saved = load_checkpoint(args.resume)
        config = _resumed_config(args, saved)
        out = args.out if args.out is not None else args.resume.parent
        if data_dir is None and isinstance(saved.get("data_dir"), str):
            data_dir = saved["data_dir"]  # where the run found its data
    else:
        config = _config(args)
    if out is not None:
        _refuse_a_folder_with_a_run(out, args.resume)
    dataset = load_dataset(config["dataset"], data_dir)
    out, created = _run_folder(out, config["dataset"])  # only once there is something to write
    try:
        _check_writable(out)
        where = None if data_dir is None else str(Path(data_dir).resolve())
        run = _Run(args, config, dataset, out, {"config": config, "data_dir": where}, resume)
        signals.deferring = True  # from here on, a signal waits for the state to be whole
        parameters, history, seconds = run.fit(signals)
        run.write(parameters, history, seconds)
    except BaseException:
        if created:
            with contextlib.suppress(OSError):
                out.rmdir()  # only if empty: nothing of this run is in it
        raise
    if signals.received:
        raise TrainingStopped(
            f"interrupted{_by(signals.signum)} while the run was written; it is whole in {out}/",
            128 + signals.signum,
        )
    return 0


class _Run:
    """One training run of the command line: its data, its folder, and its latest state."""

    def __init__(
        self,
        args: argparse.Namespace,
        config: dict[str, Any],
        dataset: Dataset,
        out: Path,
        meta: dict[str, Any],
        resume: TrainingState | None,
    ) -> None:
        self.args, self.config, self.dataset, self.out, self.meta = args, config, dataset, out, meta
        self.resume = resume
        self.latest = resume  # the state at the end of the last epoch, to keep if saving fails
        self.checkpoint = out / CHECKPOINT
        self.last_save = time.monotonic()
        self.X_train, self.y_train, self.X_dev, self.y_dev = train_dev_split(
            flatten(dataset.train_images),
            dataset.train_labels,
            config["dev_fraction"],
            config["seed"],
        )
        self.normalizer = fit_normalizer(self.X_train, config["normalization"], dataset.max_value)

    def save(self, state: TrainingState, path: Path) -> None:
        save_checkpoint(path, state, self.meta)

    def save_now_and_then(self, state: TrainingState) -> None:
        """At an epoch's end: the periodic checkpoint; one that cannot be written is a warning."""
        from tqdm import tqdm

        self.latest = state
        if time.monotonic() - self.last_save < CHECKPOINT_SECONDS:
            return
        self.last_save = time.monotonic()
        try:
            self.save(state, self.checkpoint)
        except OSError as error:
            tqdm.write(
                f"deepscratch train: warning: cannot write {self.checkpoint} "
                f"({_os_reason(error)}); training goes on",
                file=sys.stderr,
            )

    def keep(self, state: TrainingState) -> tuple[Path | None, str]:
        """Save ``state`` (the checkpoint, else elsewhere): where, and what to say about it."""
        kept, failures = _keep(lambda path: self.save(state, path), self.checkpoint)
        if not failures:
            return kept, f"saved {kept}"
        said = f"cannot write {', nor '.join(failures)}"
        return kept, f"{said}: saved {kept}" if kept else f"{said}: the state is lost"

    def fit(self, signals: _Signals) -> tuple[Parameters, History, float]:
        """Train; ``TrainingStopped`` (the state kept) if Ctrl-C or a blow-up stops it."""
        from tqdm import tqdm

        from scratch.model import model

        config, C = self.config, len(self.dataset.classes)
        has_dev = self.X_dev.shape[1] > 0
        steps_per_epoch = math.ceil(self.X_train.shape[1] / config["batch_size"])
        bar = tqdm(
            total=config["epochs"] * steps_per_epoch,
            initial=0 if self.resume is None else self.resume.step,
            unit="step",
            disable=self.args.quiet,
            file=sys.stderr,
            dynamic_ncols=True,
            # In a log file (CI) each refresh is a new line: refresh less often there.
            mininterval=0.1 if sys.stderr.isatty() else 5.0,
        )

        def progress(event: Event) -> None:
            signals.pass_on()
            _show(bar, event)

        layer_dims = [self.X_train.shape[0], *config["hidden_layers"], C]
        threads = self.args.threads or threads_for(layer_dims, config["batch_size"])
        start = time.perf_counter()
        try:
            with bar, blas_threads(threads):
                parameters, history = model(
                    self.normalizer.apply(self.X_train),
                    one_hot(self.y_train, C),
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
                    X_dev=self.normalizer.apply(self.X_dev) if has_dev else None,
                    Y_dev=one_hot(self.y_dev, C) if has_dev else None,
                    resume=self.resume,
                    checkpoint=self.save_now_and_then,
                )
        except TrainingInterrupted as interrupted:
            state = interrupted.state
            kept, said = self.keep(state)
            go_on = f"; go on with: {_resume_command(kept, self.out)}" if kept else ""
            raise TrainingStopped(
                f"interrupted{_by(signals.signum)} after step {state.step} (epoch "
                f"{state.epoch + 1} of {config['epochs']}); {said}{go_on}",
                128 + signals.signum,
            ) from None
        except TrainingDiverged as diverged:
            raise TrainingStopped(self._diverged(diverged), 1) from None
        return parameters, history, time.perf_counter() - start

    def _diverged(self, diverged: TrainingDiverged) -> str:
        kept, said = self.keep(diverged.state)
        rate = self.config["learning_rate"]
        message = (
            f"error: training diverged at step {diverged.step} (epoch {diverged.epoch} of "
            f"{self.config['epochs']}): {diverged.cause}. Try a smaller --learning-rate than "
            f"{rate:g}: "
        )
        if kept is None:
            return message + said
        where = f"the last good state is saved in {kept}" if kept == self.checkpoint else said
        return (
            f"{message}{where}; go on with: {_resume_command(kept, self.out)} --learning-rate "
            + (f"{rate / 10:g}")
        )

    def write(self, parameters: Parameters, history: History, seconds: float) -> None:
        """The run folder: the model first (kept elsewhere if it cannot be written), then the
        record and the pictures; the checkpoint goes last, once nothing is left to resume."""
        from scratch.network import predict as predict_labels
        from scratch.plots import plot_history, plot_misclassified

        dataset, config, out = self.dataset, self.config, self.out
        X_test = self.normalizer.apply(flatten(dataset.test_images))
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
        try:
            save_model(out / MODEL, parameters, self.normalizer, meta)
        except OSError as error:
            raise TrainingStopped(self._unsaved(error), 1) from None
        run = {
            "config": config,
            "model": meta,
            "history": asdict(history),
            "results": {
                "test_accuracy": test_accuracy,
                "test_correct": correct,
                "test_size": len(predicted),
                "train_seconds": seconds,
                "m_train": self.X_train.shape[1],
                "m_dev": self.X_dev.shape[1],
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
        self.checkpoint.unlink(missing_ok=True)  # the model is saved: nothing left to resume
        print(f"wrote {out}/: {MODEL}, run.json, curves.png, misclassified.png")

    def _unsaved(self, error: OSError) -> str:
        """The model could not be written: keep the trained state, and say where."""
        failures = [f"{self.out / MODEL} ({_os_reason(error)})"]
        kept = None
        if self.latest is not None:
            state = self.latest
            kept, more = _keep(lambda path: self.save(state, path), self.checkpoint)
            failures += more
        said = f"error: cannot write {', nor '.join(failures)}"
        if self.latest is None:
            return f"{said}: nothing was trained, so nothing is lost"
        if kept is None:
            return f"{said}: the trained state could not be saved anywhere"
        return (
            f"{said}: the trained state is saved in {kept}; write the model from it with: "
            f"{_resume_command(kept, self.out)}"
        )


def _show(bar: Any, event: Event) -> None:
    """The progress bar at ``event``."""
    bar.update(event.step - bar.n)
    bar.set_description(f"epoch {event.epoch}/{event.n_epochs}", refresh=False)
    if event.kind == "epoch":
        postfix = {"loss": f"{event.train_loss:.4f}", "acc": f"{event.train_acc:.4f}"}
        if event.dev_loss is not None:
            postfix |= {"dev_loss": f"{event.dev_loss:.4f}", "dev_acc": f"{event.dev_acc:.4f}"}
        bar.set_postfix(postfix, refresh=False)


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
        pixels = _grey(np.asarray(image, dtype=np.float64))
        return (pixels * saved.meta["max_value"])[None], None
    raise UsageError(f"{text}: expected test:N, a .npy file or a .png file")


def _grey(pixels: Array) -> Array:
    """A PNG's pixels in ``[0, 1]``, ``(h, w)`` grey or ``(h, w, channels)``, as grey ``(h, w)``:
    the colours averaged and, with an alpha channel, laid over black; or the alpha channel itself
    when the colour is the same everywhere (a drawing program's strokes on a transparent
    background: the colour alone would be a uniform square)."""
    if pixels.ndim == 2:
        return pixels
    has_alpha = pixels.shape[2] in (2, 4)  # grey and alpha, or RGBA
    grey = pixels[..., : pixels.shape[2] - 1 if has_alpha else 3].mean(axis=2)
    if not has_alpha:
        return grey
    alpha = pixels[..., -1]
    if np.ptp(grey) == 0 and np.ptp(alpha) > 0:
        return alpha
    return grey * alpha


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
