"""A trained model on disk: one ``.npz`` of the parameters, the input normalisation and metadata.

Keys: ``param.W1``, ``param.b1``, ... (the ``parameters`` dict), ``normalizer.shift`` and
``normalizer.scale`` (``scratch.preprocessing.Normalizer``), and ``meta``, a JSON string of the
architecture and data (``hidden_layers``, ``hidden_activation``, ``batch_norm``, ``dataset``,
``classes``, ``image_shape``, ``max_value``, ...). Only arrays of numbers and strings: the file
loads with ``allow_pickle=False``, so opening a model never runs code. Saving is atomic (a
temporary file, then a rename), so a crash never leaves half a model under the final name.
"""

from __future__ import annotations

import json
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from scratch._types import Array
from scratch.preprocessing import Normalizer

FORMAT = "deepscratch-model-1"


@dataclass(frozen=True)
class SavedModel:
    """What ``load_model`` returns."""

    parameters: dict[str, Array]
    normalizer: Normalizer
    meta: dict[str, Any]


def save_model(
    path: str | os.PathLike[str],
    parameters: dict[str, Array],
    normalizer: Normalizer,
    meta: dict[str, Any],
) -> None:
    """Write the model to ``path`` (an ``.npz``) atomically; ``meta`` must be JSON-serialisable."""
    path = Path(path)
    arrays: dict[str, Any] = {
        f"param.{key}": np.asarray(value) for key, value in parameters.items()
    }
    arrays["normalizer.shift"] = np.asarray(normalizer.shift)
    arrays["normalizer.scale"] = np.asarray(normalizer.scale)
    arrays["meta"] = np.asarray(json.dumps({"format": FORMAT, **meta}))
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with temporary.open("wb") as file:
            np.savez(file, **arrays)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def load_model(path: str | os.PathLike[str]) -> SavedModel:
    """The model saved at ``path``. ``FileNotFoundError`` if there is none, ``ValueError`` if the
    file is not a model that ``save_model`` wrote."""
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {key: npz[key] for key in npz.files}
        meta = json.loads(str(arrays.pop("meta")))
        normalizer = Normalizer(arrays.pop("normalizer.shift"), arrays.pop("normalizer.scale"))
    except FileNotFoundError:
        raise
    except (OSError, ValueError, KeyError, zipfile.BadZipFile) as error:
        raise ValueError(f"{path}: not a deepscratch model ({error})") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ValueError(f"{path}: not a deepscratch model (format {meta!r:.40})")
    parameters = {
        key.removeprefix("param."): value
        for key, value in arrays.items()
        if key.startswith("param.")
    }
    return SavedModel(parameters, normalizer, meta)
