"""Saved models (``scratch.checkpoint``): a round trip, no pickles, and clear errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from scratch.checkpoint import load_model, save_model
from scratch.network import init_parameters
from scratch.preprocessing import Normalizer

META = {"dataset": "digits", "hidden_layers": [5], "classes": ["a", "b", "c"]}


def test_a_saved_model_loads_back_as_it_was(tmp_path: Path) -> None:
    parameters = init_parameters([4, 5, 3], "he", 0, batch_norm=True)
    normalizer = Normalizer(np.arange(4.0)[:, None], np.full((4, 1), 2.0))
    save_model(tmp_path / "model.npz", parameters, normalizer, META)
    saved = load_model(tmp_path / "model.npz")
    assert saved.parameters.keys() == parameters.keys()
    for key, value in parameters.items():
        np.testing.assert_array_equal(saved.parameters[key], value)
        assert saved.parameters[key].dtype == value.dtype
    np.testing.assert_array_equal(saved.normalizer.shift, normalizer.shift)
    np.testing.assert_array_equal(saved.normalizer.scale, normalizer.scale)
    assert saved.meta == {"format": "deepscratch-model-1", **META}
    assert [p.name for p in tmp_path.iterdir()] == ["model.npz"]  # no temporary file left
    with np.load(tmp_path / "model.npz", allow_pickle=False) as npz:  # no object arrays inside
        assert all(npz[key].dtype != object for key in npz.files)


def test_a_missing_model_is_file_not_found(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        load_model(tmp_path / "none.npz")


@pytest.mark.parametrize("kind", ["not a zip", "an npz of something else", "another format"])
def test_a_file_that_is_not_a_model_is_an_error(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "model.npz"
    if kind == "not a zip":
        path.write_bytes(b"hello")
    elif kind == "an npz of something else":
        np.savez(path, x=np.zeros(3))
    else:
        np.savez(
            path,
            meta=np.asarray('{"format": "other"}'),
            **{"normalizer.shift": 0, "normalizer.scale": 1},
        )
    with pytest.raises(ValueError, match="not a deepscratch model"):
        load_model(path)
