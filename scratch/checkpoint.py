"""Work on disk: a trained model, and a training checkpoint to resume from. Each is one ``.npz``.

A model: ``param.W1``, ``param.b1``, ... (the ``parameters`` dict), ``normalizer.shift`` and
``normalizer.scale`` (``scratch.preprocessing.Normalizer``), and ``meta``, a JSON string of the
architecture and data (``MODEL_META``: ``hidden_layers``, ``hidden_activation``, ``batch_norm``,
``dataset``, ``classes``, ``image_shape``, ``max_value``, and anything else).

A checkpoint (``scratch.model.TrainingState``): ``param.*``, ``optimizer.*`` (the optimizer's
state: ``t``, ``v_dW1``, ...), and ``meta``: the position in the run, both random streams' states,
the history, and the caller's own ``meta`` (the command line keeps its configuration there).

Only arrays of numbers and strings: files load with ``allow_pickle=False``, so opening one never
runs code. Writing is atomic (a temporary file beside the target, flushed to disk, then renamed
over it), so a crash mid-write leaves the previous file or none, never half of one. Loading checks
everything (the keys, every shape against the others, dtypes, finiteness, the metadata's types)
and answers a truncated, corrupt or foreign file with a ``ValueError`` that names it.
"""

from __future__ import annotations

import json
import math
import os
import zipfile
import zlib
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np

from scratch import validate
from scratch._types import Array
from scratch.linear import ACTIVATIONS
from scratch.model import History, TrainingState
from scratch.preprocessing import Normalizer

FORMAT = "deepscratch-model-1"
CHECKPOINT_FORMAT = "deepscratch-checkpoint-1"
#: What a model's ``meta`` must hold, and the type of each (``evaluate`` and ``predict`` use them).
MODEL_META: dict[str, type | tuple[type, ...]] = {
    "dataset": str,
    "classes": list,
    "image_shape": list,
    "max_value": (int, float),
    "hidden_layers": list,
    "hidden_activation": str,
    "batch_norm": bool,
}
#: What reading a damaged zip (an ``.npz``) can raise, besides ``OSError`` and ``ValueError``.
_READ_ERRORS = (
    OSError,
    ValueError,
    KeyError,
    EOFError,
    RuntimeError,  # an encrypted zip
    NotImplementedError,  # an unknown compression method
    zipfile.BadZipFile,
    zlib.error,
)


@dataclass(frozen=True)
class SavedModel:
    """What ``load_model`` returns."""

    parameters: dict[str, Array]
    normalizer: Normalizer
    meta: dict[str, Any]


# --- Files ---------------------------------------------------------------------------------------


def write_npz_atomically(path: str | os.PathLike[str], arrays: dict[str, Any]) -> None:
    """``np.savez`` into a temporary file beside ``path``, flushed to disk, then renamed over
    ``path``: a reader (or a crash) sees the old file or the new one, never half of one."""
    path = Path(path)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with temporary.open("wb") as file:
            np.savez(file, **arrays)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def _read(path: Path, what: str, format: str) -> tuple[dict[str, Array], dict[str, Any]]:
    """All arrays of the ``.npz`` at ``path`` and its parsed ``meta``, whose ``"format"`` must
    be ``format``. ``FileNotFoundError`` if there is no file; ``ValueError`` for anything else."""
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {key: npz[key] for key in npz.files}
    except FileNotFoundError:
        raise
    except _READ_ERRORS as error:
        reason = str(error) or type(error).__name__
        raise ValueError(f"{path}: not a deepscratch {what}, or damaged ({reason})") from None
    if not isinstance(arrays, dict) or "meta" not in arrays:
        raise ValueError(f"{path}: not a deepscratch {what} (no 'meta' in it)")
    text = arrays.pop("meta")
    try:
        meta = json.loads(str(text)) if text.dtype.kind == "U" and text.ndim == 0 else None
    except ValueError:
        meta = None
    if not isinstance(meta, dict) or meta.get("format") != format:
        found = meta.get("format") if isinstance(meta, dict) else None
        raise ValueError(f"{path}: not a deepscratch {what} (format {found!r:.40}, not {format!r})")
    return arrays, meta


def _prefixed(arrays: dict[str, Array], prefix: str) -> dict[str, Array]:
    return {k.removeprefix(prefix): value for k, value in arrays.items() if k.startswith(prefix)}


def _float_arrays(path: Path, arrays: dict[str, Array]) -> None:
    for key, value in arrays.items():
        if value.dtype.kind != "f":
            raise ValueError(f"{path}: {key} holds {value.dtype}, expected floats")


# --- Models --------------------------------------------------------------------------------------


def save_model(
    path: str | os.PathLike[str],
    parameters: dict[str, Array],
    normalizer: Normalizer,
    meta: dict[str, Any],
) -> None:
    """Write the model to ``path`` (an ``.npz``) atomically; ``meta`` must be JSON-serialisable.
    ``ValueError`` (and nothing written) for parameters that are not finite or do not chain."""
    validate.parameters("save_model", parameters)
    arrays: dict[str, Any] = {
        f"param.{key}": np.asarray(value) for key, value in parameters.items()
    }
    arrays["normalizer.shift"] = np.asarray(normalizer.shift)
    arrays["normalizer.scale"] = np.asarray(normalizer.scale)
    arrays["meta"] = np.asarray(json.dumps({"format": FORMAT, **meta}))
    write_npz_atomically(path, arrays)


def load_model(path: str | os.PathLike[str]) -> SavedModel:
    """The model saved at ``path``. ``FileNotFoundError`` if there is none, ``ValueError`` if the
    file is not a whole, consistent model that ``save_model`` wrote."""
    path = Path(path)
    arrays, meta = _read(path, "model", FORMAT)
    _float_arrays(path, arrays)
    unknown = [k for k in arrays if not k.startswith(("param.", "normalizer."))]
    if unknown or not {"normalizer.shift", "normalizer.scale"} <= arrays.keys():
        raise ValueError(
            f"{path}: not a deepscratch model (keys {sorted(arrays)}: expected param.*, "
            "normalizer.shift, normalizer.scale and meta)"
        )
    for key, kind in MODEL_META.items():
        if not isinstance(meta.get(key), kind):
            raise ValueError(
                f"{path}: not a consistent model: its meta has no valid {key!r} "
                f"({meta.get(key)!r:.40})"
            )
    where = f"{path}: not a consistent model"
    checked = validate.parameters(where, _prefixed(arrays, "param."), meta["batch_norm"], True)
    L = max(int(key[1:]) for key in checked if key[0] == "W" and key[1:].isdigit())
    n_0, n_L = checked["W1"].shape[1], checked[f"W{L}"].shape[0]
    hidden = [checked[f"W{layer}"].shape[0] for layer in range(1, L)]
    image_shape, classes = meta["image_shape"], meta["classes"]
    problems = [
        (meta["hidden_layers"] != hidden, f"hidden_layers {meta['hidden_layers']} but W: {hidden}"),
        (meta["hidden_activation"] not in ACTIVATIONS, f"{meta['hidden_activation']!r}"),
        (len(classes) != n_L, f"{len(classes)} classes for {n_L} outputs"),
        (not all(isinstance(c, str) for c in classes), f"classes {classes!r:.40}"),
        (
            not all(type(n) is int and n > 0 for n in image_shape) or math.prod(image_shape) != n_0,
            f"image_shape {image_shape} for {n_0} inputs",
        ),
        (not 0 < meta["max_value"] < math.inf, f"max_value {meta['max_value']}"),
    ]
    for wrong, what in problems:
        if wrong:
            raise ValueError(f"{where}: its meta says {what}")
    shift, scale = arrays["normalizer.shift"], arrays["normalizer.scale"]
    try:
        normalizer = Normalizer(shift, scale)
        if shift.shape not in ((1, 1), (n_0, 1)):
            raise ValueError(f"normalizer.shift is {shift.shape}, expected (1, 1) or ({n_0}, 1)")
    except ValueError as error:
        raise ValueError(f"{where}: {error}") from None
    return SavedModel(checked, normalizer, meta)


# --- Training checkpoints ------------------------------------------------------------------------


def save_checkpoint(
    path: str | os.PathLike[str], state: TrainingState, meta: dict[str, Any] | None = None
) -> None:
    """Write ``state`` (and the caller's JSON-serialisable ``meta``) to ``path`` atomically."""
    validate.parameters("save_checkpoint", state.parameters)
    arrays: dict[str, Any] = {f"param.{k}": np.asarray(v) for k, v in state.parameters.items()}
    arrays |= {f"optimizer.{k}": np.asarray(v) for k, v in state.optimizer.items()}
    record = {
        "format": CHECKPOINT_FORMAT,
        "epoch": state.epoch,
        "batch": state.batch,
        "step": state.step,
        "shuffle_rng": state.shuffle_rng,
        "dropout_rng": state.dropout_rng,
        "history": asdict(state.history),
        "meta": meta or {},
    }
    # allow_nan=False: a NaN in the history would be written as a bare NaN, which is not JSON.
    arrays["meta"] = np.asarray(json.dumps(record, allow_nan=False))
    write_npz_atomically(path, arrays)


def load_checkpoint(path: str | os.PathLike[str]) -> tuple[TrainingState, dict[str, Any]]:
    """The ``TrainingState`` saved at ``path`` and the caller's ``meta``. ``FileNotFoundError`` if
    there is none, ``ValueError`` if it is not a whole, consistent checkpoint."""
    path = Path(path)
    arrays, record = _read(path, "checkpoint", CHECKPOINT_FORMAT)

    def bad(what: str) -> ValueError:
        return ValueError(f"{path}: not a consistent checkpoint: {what}")

    unknown = [k for k in arrays if not k.startswith(("param.", "optimizer."))]
    if unknown:
        raise bad(f"unexpected arrays {unknown}")
    parameters = _prefixed(arrays, "param.")
    _float_arrays(path, parameters)
    parameters = validate.parameters(f"{path}: not a consistent checkpoint", parameters)
    optimizer = _prefixed(arrays, "optimizer.")
    for key, value in optimizer.items():
        name = key.split("_d", 1)[-1]
        if key == "t":
            if value.shape != () or value.dtype.kind not in "iu" or value < 0:
                raise bad(f"the optimizer's step count t is {value!r}")
        elif name not in parameters or value.shape != parameters[name].shape:
            raise bad(f"the optimizer's {key} {value.shape} fits no parameter")
        elif value.dtype.kind != "f" or not np.all(np.isfinite(value)):
            raise bad(f"the optimizer's {key} is not finite floats")
    if "t" not in optimizer:
        raise bad("the optimizer state has no step count t")
    position = [record.get(key) for key in ("epoch", "batch", "step")]
    if not all(isinstance(k, int) and not isinstance(k, bool) and k >= 0 for k in position):
        raise bad(f"epoch, batch and step are {position}")
    for name in ("shuffle_rng", "dropout_rng"):
        try:
            np.random.PCG64().state = record.get(name)  # type: ignore[assignment]
        except (TypeError, ValueError, KeyError) as error:
            raise bad(f"{name} is not a random generator's state ({error})") from None
    history = _history(record.get("history"), record["epoch"])
    if history is None:
        raise bad("its history is not a History of finite numbers, one entry per epoch")
    meta = record.get("meta")
    if not isinstance(meta, dict):
        raise bad("its meta is not a dict")
    state = TrainingState(
        parameters,
        optimizer,
        record["shuffle_rng"],
        record["dropout_rng"],
        history,
        record["epoch"],
        record["batch"],
        record["step"],
    )
    return state, meta


def _history(saved: object, epochs: int) -> History | None:
    """The ``History`` in ``saved`` (a dict of lists of numbers), or ``None`` if it is not one
    with ``epochs`` entries per epoch."""
    names = [f.name for f in fields(History)]
    if not isinstance(saved, dict) or sorted(saved) != sorted(names):
        return None
    for values in saved.values():
        if not isinstance(values, list) or not all(
            isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
            for v in values
        ):
            return None
    per_epoch = ("epoch", "train_loss", "train_acc", "learning_rate")
    if any(len(saved[name]) != epochs for name in per_epoch):
        return None
    if len(saved["dev_loss"]) not in (0, epochs) or len(saved["dev_acc"]) != len(saved["dev_loss"]):
        return None
    if len(saved["step"]) != len(saved["loss"]):
        return None
    return History(**saved)
