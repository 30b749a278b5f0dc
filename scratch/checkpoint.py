"""Work on disk: a trained model, and a training checkpoint to resume from. Each is one ``.npz``.

A model: ``param.W1``, ``param.b1``, ... (the ``parameters`` dict), ``normalizer.shift`` and
``normalizer.scale`` (``scratch.preprocessing.Normalizer``), and ``meta``, a JSON string of the
architecture and data (``MODEL_META``: ``hidden_layers``, ``hidden_activation``, ``batch_norm``,
``dataset``, ``classes``, ``image_shape``, ``max_value``, and anything else).

A checkpoint (``scratch.model.TrainingState``): ``param.*``, ``optimizer.*`` (the optimizer's
state: ``t``, ``v_dW1``, ...), and ``meta``: the position in the run, both random streams' states,
the history, and the caller's own ``meta`` (the command line keeps its configuration there).

Only arrays of numbers and strings: an object array is refused before it is read, so opening a
file never runs code. Writing is atomic (a temporary file beside the target, flushed to disk, then
renamed over it), so a crash mid-write leaves the previous file or none, never half of one.

Loading verifies the whole file before using any of it. Each member's ``.npy`` header is read
first (numpy's own header readers) and checked: its size against the member's, its shape and dtype
against the architecture (a model's ``meta``; a checkpoint's chain of weights), and all sizes
together against memory (``scratch.memory``), so that a small file declaring an 80 GB array, or
inflating to gigabytes, is refused after a few bytes. Then every member is read to its end, where
its CRC is checked (numpy stops reading at the end of the array, so a changed byte, even in a
header's length field, would go unseen), then the values (finite, the metadata's types). A
truncated, corrupt, crafted or inconsistent file is a ``ValueError`` that names it and starts
``"damaged: "``; a file of another kind says ``"not a deepscratch model"`` (or checkpoint).
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import tokenize
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np

from scratch import memory, validate
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
#: What numpy's reading of a crafted ``.npy`` header can raise (it parses a Python literal).
_HEADER_ERRORS = (*_READ_ERRORS, SyntaxError, tokenize.TokenError, RecursionError, TypeError)
_HEADER_READERS = {
    (1, 0): np.lib.format.read_array_header_1_0,
    (2, 0): np.lib.format.read_array_header_2_0,
}
#: The most a ``meta`` may hold: a run's configuration and history are kilobytes.
MAX_META_BYTES = 64 * 2**20
#: Arrays are read this many bytes at a time.
_CHUNK = 2**20


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


def _damaged(path: Path, what: str) -> ValueError:
    return ValueError(f"{path}: damaged: {what}")


def _reason(error: BaseException) -> str:
    """An exception's message on one line (or its type's name when it has none)."""
    text = " ".join(str(error).split())
    return f"{text:.200}" if text else type(error).__name__


@dataclass(frozen=True)
class _Member:
    """One ``.npy`` member of a file, its header read and checked against its size."""

    key: str
    info: zipfile.ZipInfo
    shape: tuple[int, ...]
    fortran: bool
    dtype: np.dtype[Any]
    offset: int  # where its data begins, after the header

    @property
    def nbytes(self) -> int:
        return memory.array_bytes(self.shape, self.dtype.itemsize)

    def describe(self) -> str:
        """``"(5, 4) float64"``."""
        return f"{self.shape} {self.dtype}"


@contextlib.contextmanager
def _open(path: Path, what: str) -> Iterator[zipfile.ZipFile]:
    """The zip archive at ``path``; ``FileNotFoundError`` if there is none."""
    try:
        archive = zipfile.ZipFile(path)
    except FileNotFoundError:
        raise
    except _READ_ERRORS as error:
        raise _damaged(
            path,
            f"not a whole zip archive ({_reason(error)}): a file cut short, or not a deepscratch "
            f"{what}",
        ) from None
    with archive:
        yield archive


def _members(path: Path, archive: zipfile.ZipFile) -> dict[str, _Member]:
    """Every member of ``archive`` by key (its name without ``.npy``), each header read: no data
    is read yet, and every member's size is the one its header says."""
    members: dict[str, _Member] = {}
    for info in archive.infolist():
        key = info.filename.removesuffix(".npy")
        if key == info.filename:
            raise _damaged(path, f"member {info.filename!r} is not a .npy array")
        if key in members:
            raise _damaged(path, f"two members named {info.filename!r}")
        members[key] = _header(path, archive, info, key)
    return members


def _header(path: Path, archive: zipfile.ZipFile, info: zipfile.ZipInfo, key: str) -> _Member:
    try:
        with archive.open(info) as stream:
            version = np.lib.format.read_magic(stream)
            if version not in _HEADER_READERS:
                raise ValueError(f".npy format version {version}, expected (1, 0) or (2, 0)")
            shape, fortran, dtype = _HEADER_READERS[version](stream)
            offset = stream.tell()
        if any(n < 0 for n in shape):
            raise ValueError(f"a negative size in its shape {shape}")
    except _HEADER_ERRORS as error:
        raise _unreadable(path, key, error, "its .npy header is not readable") from None
    member = _Member(key, info, tuple(shape), bool(fortran), dtype, offset)
    if dtype.hasobject:
        raise _damaged(path, f"{key} holds Python objects ({dtype}), which deepscratch never saves")
    if info.file_size != offset + member.nbytes:
        raise _damaged(
            path,
            f"{key}: its header says {member.describe()} ({member.nbytes:,} bytes) but it holds "
            f"{info.file_size - offset:,} bytes",
        )
    return member


def _array(path: Path, archive: zipfile.ZipFile, member: _Member) -> Array:
    """The data of ``member``, read to the end of the member, so that its CRC is checked."""
    shape = member.shape[::-1] if member.fortran else member.shape
    array = np.empty(shape, member.dtype)
    buffer = array.reshape(-1).view(np.uint8)  # the same memory, byte by byte
    try:
        with archive.open(member.info) as stream:
            stream.read(member.offset)
            for start in range(0, len(buffer), _CHUNK):
                chunk = stream.read(min(_CHUNK, len(buffer) - start))
                if not chunk:
                    raise EOFError(f"the data ends after {start:,} of {len(buffer):,} bytes")
                buffer[start : start + len(chunk)] = np.frombuffer(chunk, np.uint8)
            stream.read(1)  # the end of the member: ZipExtFile checks the CRC there
    except _READ_ERRORS as error:
        raise _unreadable(path, member.key, error, "its data cannot be read") from None
    return array.T if member.fortran else array


def _unreadable(path: Path, key: str, error: BaseException, what: str) -> ValueError:
    """The error for a member that reading failed on: its CRC (ZipExtFile checks it once it has
    read the whole member, which may be while reading the header of a small one), or ``what``."""
    if isinstance(error, zipfile.BadZipFile) and "CRC" in str(error):
        return _damaged(path, f"{key} fails its CRC check: its bytes changed since it was written")
    return _damaged(path, f"{key}: {what} ({_reason(error)})")


def _contents(
    path: Path, archive: zipfile.ZipFile, what: str, format: str
) -> tuple[dict[str, _Member], dict[str, Any]]:
    """The members of ``archive`` other than ``meta`` (headers read, no data yet), and ``meta``
    parsed, whose ``"format"`` must be ``format``."""
    members = _members(path, archive)
    meta = members.pop("meta", None)
    if meta is None:
        raise ValueError(f"{path}: not a deepscratch {what} (no 'meta' in it)")
    if meta.dtype.kind != "U" or meta.shape != ():
        raise _damaged(path, f"meta is {meta.describe()}, expected a string")
    if meta.nbytes > MAX_META_BYTES:
        raise _damaged(
            path,
            f"meta would be {meta.nbytes:,} bytes ({memory.human(meta.nbytes)}), more than the "
            f"{memory.human(MAX_META_BYTES)} a meta may hold",
        )
    try:
        parsed = json.loads(str(_array(path, archive, meta)[()]))
    except RecursionError:
        raise _damaged(path, "its meta is not JSON (nested too deeply)") from None
    except ValueError as error:
        raise _damaged(path, f"its meta is not JSON ({_reason(error)})") from None
    if not isinstance(parsed, dict) or parsed.get("format") != format:
        found = parsed.get("format") if isinstance(parsed, dict) else None
        raise ValueError(f"{path}: not a deepscratch {what} (format {found!r:.40}, not {format!r})")
    return members, parsed


def _arrays(path: Path, archive: zipfile.ZipFile, members: dict[str, _Member]) -> dict[str, Array]:
    """The data of every member, once their sizes together are known to fit in memory."""
    memory.check(str(path), "its arrays", sum(member.nbytes for member in members.values()))
    return {key: _array(path, archive, member) for key, member in members.items()}


def _expect(
    path: Path, members: dict[str, _Member], key: str, shapes: Sequence[tuple[int, ...]], why: str
) -> None:
    """``members[key]`` must be floats of one of ``shapes``; ``why`` says where they come from."""
    member = members.get(key)
    if member is None:
        raise _damaged(path, f"no {key!r} in it")
    if member.dtype.kind != "f":
        raise _damaged(path, f"{key} holds {member.dtype}, expected floats")
    if member.shape not in shapes:
        expected = " or ".join(map(str, shapes))
        raise _damaged(path, f"{key} is {member.describe()}, but {why} makes it {expected}")


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
    write_npz_atomically(path, arrays)


def load_model(path: str | os.PathLike[str]) -> SavedModel:
    """The model saved at ``path``. ``FileNotFoundError`` if there is none, ``ValueError`` if the
    file is not a whole, consistent model that ``save_model`` wrote (``"damaged: ..."``)."""
    path = Path(path)
    with _open(path, "model") as archive:
        members, meta = _contents(path, archive, "model", FORMAT)
        dims = _model_dims(path, meta)
        _check_model_members(path, members, dims, meta["batch_norm"])
        arrays = _arrays(path, archive, members)
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
            raise _damaged(path, f"its meta has no valid {key!r} ({meta.get(key)!r:.40})")
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
            raise _damaged(path, f"its meta says {what}")
    return [math.prod(image_shape), *hidden, len(classes)]


def _is_size(n: object) -> bool:
    return type(n) is int and n > 0


def _check_model_members(
    path: Path, members: dict[str, _Member], dims: list[int], batch_norm: bool
) -> None:
    """Exactly the arrays of the architecture ``dims``, each of its shape, and the normaliser."""
    why = f"the architecture in its meta (layers {dims})"
    expected = {f"param.{k}": shape for k, shape in _layer_shapes(dims, batch_norm).items()}
    normalizer = ("normalizer.shift", "normalizer.scale")
    unknown = sorted(members.keys() - expected.keys() - set(normalizer))
    if unknown:
        raise _damaged(path, f"unexpected arrays {unknown}")
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
    write_npz_atomically(path, arrays)


def load_checkpoint(path: str | os.PathLike[str]) -> tuple[TrainingState, dict[str, Any]]:
    """The ``TrainingState`` saved at ``path`` and the caller's ``meta``. ``FileNotFoundError`` if
    there is none, ``ValueError`` if it is not a whole, consistent checkpoint
    (``"damaged: ..."``)."""
    path = Path(path)
    with _open(path, "checkpoint") as archive:
        members, record = _contents(path, archive, "checkpoint", CHECKPOINT_FORMAT)
        _check_checkpoint_members(path, members)
        arrays = _arrays(path, archive, members)
    parameters = validate.parameters(f"{path}: damaged", _prefixed(arrays, "param."))
    optimizer = _prefixed(arrays, "optimizer.")
    for key, value in optimizer.items():
        if key == "t" and value < 0:
            raise _damaged(path, f"the optimizer's step count t is {value!r}")
        if key != "t" and not np.all(np.isfinite(value)):
            raise _damaged(path, f"the optimizer's {key} is not finite floats")
    position = [record.get(key) for key in ("epoch", "batch", "step")]
    if not all(isinstance(k, int) and not isinstance(k, bool) and k >= 0 for k in position):
        raise _damaged(path, f"epoch, batch and step are {position}")
    for name in ("shuffle_rng", "dropout_rng"):
        try:
            np.random.PCG64().state = record.get(name)  # type: ignore[assignment]
        except (TypeError, ValueError, KeyError) as error:
            raise _damaged(path, f"{name} is not a random generator's state ({error})") from None
    history = _history(record.get("history"), record["epoch"])
    if history is None:
        raise _damaged(path, "its history is not a History of finite numbers, one entry per epoch")
    meta = record.get("meta")
    if not isinstance(meta, dict):
        raise _damaged(path, "its meta is not a dict")
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


def _check_checkpoint_members(path: Path, members: dict[str, _Member]) -> None:
    """Parameters whose weights chain, each other parameter of the shape they make, and an
    optimizer state of a step count ``t`` and averages of the parameters' shapes."""
    unknown = [k for k in members if not k.startswith(("param.", "optimizer."))]
    shapes = {k.removeprefix("param."): m.shape for k, m in members.items() if k[:6] == "param."}
    expected = _layer_shapes(_chain(path, shapes), "gamma1" in shapes)
    unknown += sorted(shapes.keys() - expected.keys())
    if unknown:
        raise _damaged(path, f"unexpected arrays {unknown}")
    for key, shape in expected.items():
        if key in shapes or not key.startswith("running_"):  # running statistics are optional
            _expect(path, members, f"param.{key}", [shape], "the chain of its weights")
    if "optimizer.t" not in members:
        raise _damaged(path, "the optimizer state has no step count t")
    for key, member in members.items():
        name = key.removeprefix("optimizer.")
        if name == key:
            continue
        if name == "t" and (member.shape != () or member.dtype.kind not in "iu"):
            raise _damaged(path, f"the optimizer's step count t is {member.describe()}")
        if name != "t" and member.shape != shapes.get(name.split("_d", 1)[-1]):
            raise _damaged(path, f"the optimizer's {name} {member.shape} fits no parameter")
        if name != "t" and member.dtype.kind != "f":
            raise _damaged(path, f"the optimizer's {name} is not finite floats")


def _chain(path: Path, shapes: dict[str, tuple[int, ...]]) -> list[int]:
    """``[n_0, n_1, ..., n_L]`` from the shapes of ``W1 .. WL``, which must chain."""
    dims: list[int] = []
    layer = 1
    while f"W{layer}" in shapes:
        shape = shapes[f"W{layer}"]
        if len(shape) != 2 or 0 in shape:
            raise _damaged(path, f"W{layer} is {shape}, expected (n_{layer}, n_{layer - 1})")
        if dims and shape[1] != dims[-1]:
            raise _damaged(path, f"W{layer} is {shape} but layer {layer - 1} has {dims[-1]} units")
        dims += [shape[0]] if dims else [shape[1], shape[0]]
        layer += 1
    if not dims:
        raise _damaged(path, "parameters have no 'W1'")
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
