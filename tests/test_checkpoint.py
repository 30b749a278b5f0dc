"""Work on disk (``scratch.checkpoint``): models and training checkpoints round-trip exactly, are
written atomically, never unpickle, and a truncated, corrupt, foreign or inconsistent file is a
clear ``ValueError`` that names it."""

from __future__ import annotations

import json
import zipfile
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from scratch import checkpoint
from scratch.checkpoint import load_checkpoint, load_model, save_checkpoint, save_model
from scratch.model import TrainingState, model
from scratch.network import init_parameters
from scratch.preprocessing import Normalizer

META = {
    "dataset": "digits",
    "hidden_layers": [5],
    "classes": ["a", "b", "c"],
    "image_shape": [2, 2],
    "max_value": 16.0,
    "hidden_activation": "relu",
    "batch_norm": True,
}


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


# --- Models: damaged, foreign, inconsistent ----------------------------------------------------


def saved_model(tmp_path: Path) -> Path:
    parameters = init_parameters([4, 5, 3], "he", 0, batch_norm=True)
    save_model(
        tmp_path / "model.npz", parameters, Normalizer(np.zeros((1, 1)), np.ones((1, 1))), META
    )
    return tmp_path / "model.npz"


def arrays_of(path: Path) -> dict[str, Any]:
    with np.load(path, allow_pickle=False) as npz:
        return {key: npz[key] for key in npz.files}


@pytest.mark.parametrize("keep", [0, 10, 100, 0.5, -22, -1])
def test_a_truncated_model_is_an_error_that_names_it(tmp_path: Path, keep: float) -> None:
    path = saved_model(tmp_path)
    data = path.read_bytes()
    cut = int(keep * len(data)) if isinstance(keep, float) else keep
    path.write_bytes(data[:cut])
    with pytest.raises(ValueError, match="not a deepscratch model") as error:
        load_model(path)
    assert str(path) in str(error.value)


def test_a_crafted_file_cannot_run_code(tmp_path: Path) -> None:
    """An object array in the file would be unpickled, and unpickling runs code: the load refuses
    it (allow_pickle=False) and the planted code never runs."""
    marker = tmp_path / "ran"
    arrays = arrays_of(saved_model(tmp_path))
    arrays["param.W1"] = np.array([Planted(marker)], dtype=object)
    np.savez(tmp_path / "crafted.npz", **arrays, allow_pickle=True)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="not a deepscratch model"):
        load_model(tmp_path / "crafted.npz")
    assert not marker.exists()


class Planted:
    """Unpickling this creates ``marker``: the code a crafted file would run."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, ...]:
        return (Path.touch, (self.marker,))


def _meta(arrays: dict[str, Any], **changes: Any) -> Any:
    meta = json.loads(str(arrays["meta"])) | changes
    return np.asarray(json.dumps({k: v for k, v in meta.items() if v is not None}))


#: A change to a good model's arrays -> what the error must say.
INCONSISTENT: dict[str, tuple[Any, str]] = {
    "W2 does not chain": (
        lambda a: a | {"param.W2": a["param.W2"][:, :4]},
        "W2 is (3, 4) but layer 1 has 5 units",
    ),
    "NaN in W1": (lambda a: a | {"param.W1": a["param.W1"] * np.nan}, "W1 has 20 NaN values"),
    "integer weights": (
        lambda a: a | {"param.W1": a["param.W1"].astype(int)},
        "param.W1 holds int64, expected floats",
    ),
    "no running statistics": (
        lambda a: {k: v for k, v in a.items() if k != "param.running_var1"},
        "no 'running_var1'",
    ),
    "an unknown array": (lambda a: a | {"extra": np.zeros(1)}, "keys"),
    "no normaliser": (
        lambda a: {k: v for k, v in a.items() if k != "normalizer.scale"},
        "normalizer.scale",
    ),
    "a normaliser dividing by 0": (
        lambda a: a | {"normalizer.scale": np.zeros((1, 1))},
        "scale must be > 0",
    ),
    "a normaliser of another size": (
        lambda a: a | {"normalizer.shift": np.zeros((7, 1)), "normalizer.scale": np.ones((7, 1))},
        "normalizer.shift is (7, 1)",
    ),
    "meta not JSON": (lambda a: a | {"meta": np.asarray("{not json")}, "format None"),
    "meta without classes": (lambda a: a | {"meta": _meta(a, classes=None)}, "no valid 'classes'"),
    "too few classes": (
        lambda a: a | {"meta": _meta(a, classes=["a", "b"])},
        "2 classes for 3 outputs",
    ),
    "images of another size": (
        lambda a: a | {"meta": _meta(a, image_shape=[3, 3])},
        "image_shape [3, 3] for 4 inputs",
    ),
    "other hidden layers": (
        lambda a: a | {"meta": _meta(a, hidden_layers=[6])},
        "hidden_layers [6] but W: [5]",
    ),
    "unknown activation": (lambda a: a | {"meta": _meta(a, hidden_activation="swish")}, "'swish'"),
    "batch_norm a string": (
        lambda a: a | {"meta": _meta(a, batch_norm="yes")},
        "no valid 'batch_norm'",
    ),
}


@pytest.mark.parametrize("case", list(INCONSISTENT))
def test_an_inconsistent_model_is_an_error(tmp_path: Path, case: str) -> None:
    change, message = INCONSISTENT[case]
    np.savez(tmp_path / "bad.npz", **change(arrays_of(saved_model(tmp_path))))
    with pytest.raises(ValueError) as error:
        load_model(tmp_path / "bad.npz")
    assert message in str(error.value)
    assert str(tmp_path / "bad.npz") in str(error.value)


def test_saving_refuses_parameters_that_are_not_finite(tmp_path: Path) -> None:
    parameters = init_parameters([4, 5, 3])
    parameters["W2"] = parameters["W2"] * np.inf
    with pytest.raises(ValueError, match="save_model: W2 has"):
        save_model(
            tmp_path / "model.npz", parameters, Normalizer(np.zeros((1, 1)), np.ones((1, 1))), META
        )
    assert list(tmp_path.iterdir()) == []


def test_a_crash_mid_write_leaves_the_old_file_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = saved_model(tmp_path)
    before = path.read_bytes()

    def crash(file: Any, **arrays: Any) -> None:
        file.write(b"PK\x03\x04 half a zip")
        raise OSError("disk full")

    monkeypatch.setattr(checkpoint.np, "savez", crash)
    with pytest.raises(OSError, match="disk full"):
        save_model(
            path, init_parameters([4, 5, 3]), Normalizer(np.zeros((1, 1)), np.ones((1, 1))), META
        )
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["model.npz"]  # no temporary file left


# --- Training checkpoints ------------------------------------------------------------------------


def a_state() -> TrainingState:
    """The state after one epoch of Adam with batch norm and dropout (every part filled)."""
    rng = np.random.default_rng(0)
    X, Y = rng.standard_normal((3, 20)), np.eye(2)[:, rng.integers(0, 2, 20)]
    states: list[TrainingState] = []
    model(X, Y, 0.01, 2, 1, [4], 8, optimizer="adam", batch_norm=True, keep_prob=0.8,
          X_dev=X[:, :5], Y_dev=Y[:, :5], checkpoint=states.append)  # fmt: skip
    return states[0]


def test_a_checkpoint_loads_back_exactly(tmp_path: Path) -> None:
    state = a_state()
    save_checkpoint(tmp_path / "c.npz", state, {"config": {"seed": 0}})
    loaded, meta = load_checkpoint(tmp_path / "c.npz")
    assert meta == {"config": {"seed": 0}}
    assert (loaded.epoch, loaded.batch, loaded.step) == (state.epoch, state.batch, state.step)
    for saved, back in ((state.parameters, loaded.parameters), (state.optimizer, loaded.optimizer)):
        assert saved.keys() == back.keys()
        for key in saved:
            assert back[key].dtype == saved[key].dtype and np.array_equal(back[key], saved[key])
    assert loaded.shuffle_rng == state.shuffle_rng and loaded.dropout_rng == state.dropout_rng
    assert asdict(loaded.history) == asdict(state.history)
    assert [p.name for p in tmp_path.iterdir()] == ["c.npz"]


def test_a_model_is_not_a_checkpoint_nor_a_checkpoint_a_model(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not a deepscratch checkpoint"):
        load_checkpoint(saved_model(tmp_path))
    save_checkpoint(tmp_path / "c.npz", a_state())
    with pytest.raises(ValueError, match="not a deepscratch model"):
        load_model(tmp_path / "c.npz")


@pytest.mark.parametrize("keep", [0, 30, 0.5, -1])
def test_a_truncated_checkpoint_is_an_error(tmp_path: Path, keep: float) -> None:
    save_checkpoint(tmp_path / "c.npz", a_state())
    data = (tmp_path / "c.npz").read_bytes()
    (tmp_path / "c.npz").write_bytes(
        data[: int(keep * len(data)) if isinstance(keep, float) else keep]
    )
    with pytest.raises(ValueError, match="not a deepscratch checkpoint, or damaged"):
        load_checkpoint(tmp_path / "c.npz")


def _record(arrays: dict[str, Any], **changes: Any) -> Any:
    return np.asarray(json.dumps(json.loads(str(arrays["meta"])) | changes))


def _history(arrays: dict[str, Any], **changes: Any) -> Any:
    return _record(arrays, history=json.loads(str(arrays["meta"]))["history"] | changes)


INCONSISTENT_CHECKPOINTS: dict[str, tuple[Any, str]] = {
    "no step count": (
        lambda a: {k: v for k, v in a.items() if k != "optimizer.t"},
        "no step count t",
    ),
    "a negative step count": (lambda a: a | {"optimizer.t": np.array(-1)}, "step count t"),
    "an average of no parameter": (
        lambda a: a | {"optimizer.v_dW9": np.zeros(2)},
        "v_dW9 (2,) fits no parameter",
    ),
    "an average of another shape": (
        lambda a: a | {"optimizer.s_dW1": np.zeros((3, 4))},
        "s_dW1 (3, 4) fits no parameter",
    ),
    "NaN in an average": (
        lambda a: a | {"optimizer.s_dW1": a["optimizer.s_dW1"] * np.nan},
        "not finite",
    ),
    "a parameter that does not chain": (
        lambda a: a | {"param.W2": np.zeros((2, 3))},
        "W2 is (2, 3)",
    ),
    "an unknown array": (lambda a: a | {"extra": np.zeros(1)}, "unexpected arrays ['extra']"),
    "a negative epoch": (
        lambda a: a | {"meta": _record(a, epoch=-1)},
        "epoch, batch and step are [-1",
    ),
    "a random state that is not one": (
        lambda a: a | {"meta": _record(a, dropout_rng={"x": 1})},
        "dropout_rng is not",
    ),
    "a history too short": (lambda a: a | {"meta": _history(a, train_loss=[])}, "not a History"),
    "NaN in the history": (
        lambda a: a | {"meta": _history(a, train_loss=[float("nan")])},
        "not a History",
    ),
    "a history of strings": (
        lambda a: a | {"meta": _record(a, history={"epoch": "x"})},
        "not a History",
    ),
    "no meta": (lambda a: {k: v for k, v in a.items() if k != "meta"}, "no 'meta'"),
}


@pytest.mark.parametrize("case", list(INCONSISTENT_CHECKPOINTS))
def test_an_inconsistent_checkpoint_is_an_error(tmp_path: Path, case: str) -> None:
    change, message = INCONSISTENT_CHECKPOINTS[case]
    save_checkpoint(tmp_path / "c.npz", a_state())
    np.savez(tmp_path / "bad.npz", **change(arrays_of(tmp_path / "c.npz")))
    with pytest.raises(ValueError) as error:
        load_checkpoint(tmp_path / "bad.npz")
    assert message in str(error.value)
    assert str(tmp_path / "bad.npz") in str(error.value)


def test_a_checkpoint_is_a_zip_of_plain_arrays(tmp_path: Path) -> None:
    """Nothing in it needs pickle: every member is a .npy of numbers or a string."""
    save_checkpoint(tmp_path / "c.npz", a_state())
    with zipfile.ZipFile(tmp_path / "c.npz") as archive:
        assert all(name.endswith(".npy") for name in archive.namelist())
    assert all(value.dtype != object for value in arrays_of(tmp_path / "c.npz").values())
