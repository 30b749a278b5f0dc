"""Work on disk: a trained model, and a training checkpoint to resume from. Each is one ``.npz``.

A model: ``param.W1``, ``param.b1``, ... (the ``parameters`` dict), ``normalizer.shift`` and
``normalizer.scale`` (``scratch.preprocessing.Normalizer``), and ``meta``, a JSON string of the
architecture and data (``MODEL_META``: ``hidden_layers``, ``hidden_activation``, ``batch_norm``,
``dataset``, ``classes``, ``image_shape``, ``max_value``, and anything else).

A checkpoint (``scratch.model.TrainingState``): ``param.*``, ``optimizer.*`` (the optimizer's
state: ``t``, ``v_dW1``, ...), and ``meta``: the position in the run, both random streams' states,
the history, and the caller's own ``meta`` (the command line keeps its configuration there).

Only arrays of numbers and strings, written atomically and read only once verified whole
(``scratch.npz``: each header checked before any data is read, every member's CRC checked, sizes
bounded). Here, ``meta`` is read first, and each array's shape and dtype are checked against the
architecture (a model's ``meta``; a checkpoint's chain of weights) before its data is read; then
the values (finite, the metadata's types). A truncated, corrupt, crafted or inconsistent file is
a ``ValueError`` that names it and says ``"damaged: ..."``; a file of another kind says
``"not a deepscratch model"`` (or checkpoint).
"""

from __future__ import annotations

import json
import math
import os
import zipfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np

from scratch import memory, npz, validate
from scratch._types import Array
from scratch.linear import ACTIVATIONS
from scratch.model import History, TrainingState
from scratch.npz import Member, damaged
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
#: The most a ``meta`` may hold: a run's configuration and history are kilobytes.
MAX_META_BYTES = 64 * 2**20


@dataclass(frozen=True)
class SavedModel:
    """What ``load_model`` returns."""

    parameters: dict[str, Array]
    normalizer: Normalizer
    meta: dict[str, Any]


# --- Files ---------------------------------------------------------------------------------------


def _contents(
    path: Path, archive: zipfile.ZipFile, what: str, format: str
) -> tuple[dict[str, Member], dict[str, Any]]:
    """The members of ``archive`` other than ``meta`` (headers read, no data yet), and ``meta``
    parsed, whose ``"format"`` must be ``format``."""
    members = npz.members(path, archive)
    meta = members.pop("meta", None)
    if meta is None:
        raise ValueError(f"{path}: not a deepscratch {what} (no 'meta' in it)")
    if meta.dtype.kind != "U" or meta.shape != ():
        raise damaged(path, f"meta is {meta.describe()}, expected a string")
    if meta.nbytes > MAX_META_BYTES:
        raise damaged(
            path,
            f"meta would be {meta.nbytes:,} bytes ({memory.human(meta.nbytes)}), more than the "
            f"{memory.human(MAX_META_BYTES)} a meta may hold",
        )
    try:
        parsed = json.loads(str(npz.read_array(path, archive, meta)[()]))
    except RecursionError:
        raise damaged(path, "its meta is not JSON (nested too deeply)") from None
    except ValueError as error:
        raise damaged(path, f"its meta is not JSON ({npz.reason(error)})") from None
    if not isinstance(parsed, dict) or parsed.get("format") != format:
        found = parsed.get("format") if isinstance(parsed, dict) else None
        raise ValueError(f"{path}: not a deepscratch {what} (format {found!r:.40}, not {format!r})")
    return members, parsed


def _expect(
    path: Path, members: dict[str, Member], key: str, shapes: Sequence[tuple[int, ...]], why: str
) -> None:
    """``members[key]`` must be floats of one of ``shapes``; ``why`` says where they come from."""
    member = members.get(key)
    if member is None:
        raise damaged(path, f"no {key!r} in it")
    if member.dtype.kind != "f":
        raise damaged(path, f"{key} holds {member.dtype}, expected floats")
    if member.shape not in shapes:
        expected = " or ".join(map(str, shapes))
        raise damaged(path, f"{key} is {member.describe()}, but {why} makes it {expected}")


def _layer_shapes(dims: Sequence[int], batch_norm: bool) -> dict[str, tuple[int, int]]:
    """The parameters of a network of ``dims`` (``[n_0, ..., n_L]``) and their shapes."""
    L = len(dims) - 1
    shapes = {}
    for layer in range(1, L + 1):
        n = dims[layer]
        shapes[f"W{layer}"] = (n, dims[layer - 1])
        names = validate.BATCHNORM_KEYS if batch_norm and layer < L else ("b",)
        shapes |= {f"{name}{layer}": (n, 1) for name in names}
    return shapes


def _prefixed(arrays: dict[str, Array], prefix: str) -> dict[str, Array]:
    return {k.removeprefix(prefix): value for k, value in arrays.items() if k.startswith(prefix)}


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
    npz.write_atomically(path, arrays)


def load_model(path: str | os.PathLike[str]) -> SavedModel:
    """The model saved at ``path``. ``FileNotFoundError`` if there is none, ``ValueError`` if the
    file is not a whole, consistent model that ``save_model`` wrote (``"damaged: ..."``)."""
    path = Path(path)
    with npz.open_archive(path, "model") as archive:
        members, meta = _contents(path, archive, "model", FORMAT)
        dims = _model_dims(path, meta)
        _check_model_members(path, members, dims, meta["batch_norm"])
        arrays = npz.read_arrays(path, archive, members)
    where = f"{path}: damaged"
    parameters = validate.parameters(where, _prefixed(arrays, "param."), meta["batch_norm"], True)
    try:
        normalizer = Normalizer(arrays["normalizer.shift"], arrays["normalizer.scale"])
    except ValueError as error:
        raise ValueError(f"{where}: {error}") from None
    return SavedModel(parameters, normalizer, meta)


def _model_dims(path: Path, meta: dict[str, Any]) -> list[int]:
    """The layer sizes ``[n_0, ..., n_L]`` that a model's ``meta`` describes (checked)."""
    for key, kind in MODEL_META.items():
        if not isinstance(meta.get(key), kind):
            raise damaged(path, f"its meta has no valid {key!r} ({meta.get(key)!r:.40})")
    hidden, image_shape, classes = meta["hidden_layers"], meta["image_shape"], meta["classes"]
    max_value, activation = meta["max_value"], meta["hidden_activation"]
    problems = [
        (not all(_is_size(n) for n in hidden), f"hidden_layers {hidden!r:.60}"),
        (not image_shape or not all(map(_is_size, image_shape)), f"image_shape {image_shape}"),
        (not classes or not all(isinstance(c, str) for c in classes), f"classes {classes!r:.40}"),
        (activation not in ACTIVATIONS, f"hidden_activation {activation!r:.40}"),
        (isinstance(max_value, bool) or not 0 < max_value < math.inf, f"max_value {max_value}"),
    ]
    for wrong, what in problems:
        if wrong:
            raise damaged(path, f"its meta says {what}")
    return [math.prod(image_shape), *hidden, len(classes)]


def _is_size(n: object) -> bool:
    return type(n) is int and n > 0


def _check_model_members(
    path: Path, members: dict[str, Member], dims: list[int], batch_norm: bool
) -> None:
    """Exactly the arrays of the architecture ``dims``, each of its shape, and the normaliser."""
    why = f"the architecture in its meta (layers {dims})"
    expected = {f"param.{k}": shape for k, shape in _layer_shapes(dims, batch_norm).items()}
    normalizer = ("normalizer.shift", "normalizer.scale")
    unknown = sorted(members.keys() - expected.keys() - set(normalizer))
    if unknown:
        raise damaged(path, f"unexpected arrays {unknown}")
    for key, shape in expected.items():
        _expect(path, members, key, [shape], why)
    for key in normalizer:
        _expect(path, members, key, [(1, 1), (dims[0], 1)], why)


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
    npz.write_atomically(path, arrays)


def load_checkpoint(path: str | os.PathLike[str]) -> tuple[TrainingState, dict[str, Any]]:
    """The ``TrainingState`` saved at ``path`` and the caller's ``meta``. ``FileNotFoundError`` if
    there is none, ``ValueError`` if it is not a whole, consistent checkpoint
    (``"damaged: ..."``)."""
    path = Path(path)
    with npz.open_archive(path, "checkpoint") as archive:
        members, record = _contents(path, archive, "checkpoint", CHECKPOINT_FORMAT)
        _check_checkpoint_members(path, members)
        arrays = npz.read_arrays(path, archive, members)
    parameters = validate.parameters(f"{path}: damaged", _prefixed(arrays, "param."))
    optimizer = _prefixed(arrays, "optimizer.")
    for key, value in optimizer.items():
        if key == "t" and value < 0:
            raise damaged(path, f"the optimizer's step count t is {value!r}")
        if key != "t" and not np.all(np.isfinite(value)):
            raise damaged(path, f"the optimizer's {key} is not finite floats")
    position = [record.get(key) for key in ("epoch", "batch", "step")]
    if not all(isinstance(k, int) and not isinstance(k, bool) and k >= 0 for k in position):
        raise damaged(path, f"epoch, batch and step are {position}")
    for name in ("shuffle_rng", "dropout_rng"):
        try:
            np.random.PCG64().state = record.get(name)  # type: ignore[assignment]
        except (TypeError, ValueError, KeyError) as error:
            raise damaged(path, f"{name} is not a random generator's state ({error})") from None
    history = _history(record.get("history"), record["epoch"])
    if history is None:
        raise damaged(path, "its history is not a History of finite numbers, one entry per epoch")
    meta = record.get("meta")
    if not isinstance(meta, dict):
        raise damaged(path, "its meta is not a dict")
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


def _check_checkpoint_members(path: Path, members: dict[str, Member]) -> None:
    """Parameters whose weights chain, each other parameter of the shape they make, and an
    optimizer state of a step count ``t`` and averages of the parameters' shapes."""
    unknown = [k for k in members if not k.startswith(("param.", "optimizer."))]
    shapes = {k.removeprefix("param."): m.shape for k, m in members.items() if k[:6] == "param."}
    expected = _layer_shapes(_chain(path, shapes), "gamma1" in shapes)
    unknown += sorted(shapes.keys() - expected.keys())
    if unknown:
        raise damaged(path, f"unexpected arrays {unknown}")
    for key, shape in expected.items():
        if key in shapes or not key.startswith("running_"):  # running statistics are optional
            _expect(path, members, f"param.{key}", [shape], "the chain of its weights")
    if "optimizer.t" not in members:
        raise damaged(path, "the optimizer state has no step count t")
    for key, member in members.items():
        name = key.removeprefix("optimizer.")
        if name == key:
            continue
        if name == "t" and (member.shape != () or member.dtype.kind not in "iu"):
            raise damaged(path, f"the optimizer's step count t is {member.describe()}")
        if name != "t" and member.shape != shapes.get(name.split("_d", 1)[-1]):
            raise damaged(path, f"the optimizer's {name} {member.shape} fits no parameter")
        if name != "t" and member.dtype.kind != "f":
            raise damaged(path, f"the optimizer's {name} is not finite floats")


def _chain(path: Path, shapes: dict[str, tuple[int, ...]]) -> list[int]:
    """``[n_0, n_1, ..., n_L]`` from the shapes of ``W1 .. WL``, which must chain."""
    dims: list[int] = []
    layer = 1
    while f"W{layer}" in shapes:
        shape = shapes[f"W{layer}"]
        if len(shape) != 2 or 0 in shape:
            raise damaged(path, f"W{layer} is {shape}, expected (n_{layer}, n_{layer - 1})")
        if dims and shape[1] != dims[-1]:
            raise damaged(path, f"W{layer} is {shape} but layer {layer - 1} has {dims[-1]} units")
        dims += [shape[0]] if dims else [shape[1], shape[0]]
        layer += 1
    if not dims:
        raise damaged(path, "parameters have no 'W1'")
    return dims


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
