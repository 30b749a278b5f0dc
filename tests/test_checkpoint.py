"""Work on disk (``scratch.checkpoint``): models and training checkpoints round-trip exactly, are
written atomically, never unpickle, and a truncated, corrupt, foreign or inconsistent file is a
clear ``ValueError`` that names it."""

from __future__ import annotations

import io
import json
import struct
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
from tests.ondisk import member_bytes, traced

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
    with pytest.raises(ValueError) as error:
        load_model(path)
    assert str(error.value).startswith(f"{path}: damaged: not a whole zip archive (")


def test_a_crafted_file_cannot_run_code(tmp_path: Path) -> None:
    """An object array in the file would be unpickled, and unpickling runs code: the load refuses
    it (allow_pickle=False) and the planted code never runs."""
    marker = tmp_path / "ran"
    arrays = arrays_of(saved_model(tmp_path))
    arrays["param.W1"] = np.array([Planted(marker)], dtype=object)
    np.savez(tmp_path / "crafted.npz", **arrays, allow_pickle=True)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"damaged: param\.W1 holds Python objects"):
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
    text = json.dumps({k: v for k, v in meta.items() if v is not None})
    return np.asarray(text.replace('"CLASSES"', "[" * 100_000 + "]" * 100_000))


#: A change to a good model's arrays -> what the error must say.
INCONSISTENT: dict[str, tuple[Any, str]] = {
    "W2 does not chain": (
        lambda a: a | {"param.W2": a["param.W2"][:, :4]},
        "param.W2 is (3, 4) float64, but the architecture in its meta (layers [4, 5, 3]) makes it "
        "(3, 5)",
    ),
    "NaN in W1": (lambda a: a | {"param.W1": a["param.W1"] * np.nan}, "W1 has 20 NaN values"),
    "integer weights": (
        lambda a: a | {"param.W1": a["param.W1"].astype(int)},
        "param.W1 holds int64, expected floats",
    ),
    "no running statistics": (
        lambda a: {k: v for k, v in a.items() if k != "param.running_var1"},
        "no 'param.running_var1'",
    ),
    "an unknown array": (lambda a: a | {"extra": np.zeros(1)}, "unexpected arrays ['extra']"),
    "no normaliser": (
        lambda a: {k: v for k, v in a.items() if k != "normalizer.scale"},
        "no 'normalizer.scale'",
    ),
    "a normaliser dividing by 0": (
        lambda a: a | {"normalizer.scale": np.zeros((1, 1))},
        "scale must be > 0",
    ),
    "a normaliser of another size": (
        lambda a: a | {"normalizer.shift": np.zeros((7, 1)), "normalizer.scale": np.ones((7, 1))},
        "normalizer.shift is (7, 1) float64, but the architecture in its meta (layers [4, 5, 3]) "
        "makes it (1, 1) or (4, 1)",
    ),
    "meta not JSON": (lambda a: a | {"meta": np.asarray("{not json")}, "its meta is not JSON"),
    "meta nested deeply": (
        lambda a: a | {"meta": np.asarray("[" * 100_000 + "]" * 100_000)},
        "its meta is not JSON (nested too deeply)",
    ),
    "a list nested deeply in meta": (
        lambda a: a | {"meta": _meta(a, classes="CLASSES")},
        "its meta is not JSON (nested too deeply)",
    ),
    "meta not a string": (lambda a: a | {"meta": np.zeros(3)}, "meta is (3,) float64"),
    "an extra W10": (
        lambda a: a | {"param.W10": np.zeros((2, 2))},
        "unexpected arrays ['param.W10']",
    ),
    "a key param.": (lambda a: a | {"param.": np.zeros(1)}, "unexpected arrays ['param.']"),
    "meta without classes": (lambda a: a | {"meta": _meta(a, classes=None)}, "no valid 'classes'"),
    "too few classes": (
        lambda a: a | {"meta": _meta(a, classes=["a", "b"])},
        "param.W2 is (3, 5) float64, but the architecture in its meta (layers [4, 5, 2]) makes it "
        "(2, 5)",
    ),
    "images of another size": (
        lambda a: a | {"meta": _meta(a, image_shape=[3, 3])},
        "param.W1 is (5, 4) float64, but the architecture in its meta (layers [9, 5, 3]) makes it "
        "(5, 9)",
    ),
    "other hidden layers": (
        lambda a: a | {"meta": _meta(a, hidden_layers=[6])},
        "param.W1 is (5, 4) float64, but the architecture in its meta (layers [4, 6, 3]) makes it "
        "(6, 4)",
    ),
    "hidden layers of no units": (
        lambda a: a | {"meta": _meta(a, hidden_layers=[0])},
        "its meta says hidden_layers [0]",
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
    assert str(error.value).startswith(f"{tmp_path / 'bad.npz'}: damaged: ")


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


# --- Models: verified whole before use -----------------------------------------------------------


def members_of(path: Path) -> dict[str, bytes]:
    """The bytes of each member of the zip at ``path``, by name."""
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def write_zip(path: Path, members: dict[str, bytes], deflated: tuple[str, ...] = ()) -> None:
    """A zip of ``members``, those named in ``deflated`` compressed, the rest stored (as
    ``np.savez`` writes them)."""
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            method = zipfile.ZIP_DEFLATED if name in deflated else zipfile.ZIP_STORED
            archive.writestr(name, data, compress_type=method)


def npy_header(shape: tuple[int, ...], descr: str = "<f8") -> bytes:
    """A .npy header (version 1.0) for an array of ``shape`` and ``descr``."""
    buffer = io.BytesIO()
    header = {"descr": descr, "fortran_order": False, "shape": shape}
    np.lib.format.write_array_header_1_0(buffer, header)
    return buffer.getvalue()


def raw_header(text: bytes) -> bytes:
    """A .npy header (version 1.0) whose dict is ``text``, whatever it is."""
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(text)) + text


@pytest.mark.parametrize(
    ("member", "at", "flip", "message"),
    [
        # The header's length 4 less: numpy reads the data from 4 bytes too early, every weight
        # shifted, and stops before the end of the member, so it never checks the CRC.
        ("param.W1.npy", 8, 4, "param.W1 fails its CRC check"),
        ("param.W1.npy", 8, 16, "param.W1 fails its CRC check"),
        ("param.W1.npy", 200, 1, "param.W1 fails its CRC check"),
        ("param.W2.npy", 128, 128, "param.W2 fails its CRC check"),
        ("meta.npy", 150, 2, "meta fails its CRC check"),
        ("normalizer.scale.npy", 130, 1, "normalizer.scale fails its CRC check"),
    ],
)
def test_a_flipped_bit_in_a_member_is_damage(
    tmp_path: Path, member: str, at: int, flip: int, message: str
) -> None:
    path = saved_model(tmp_path)
    data = bytearray(path.read_bytes())
    data[member_bytes(bytes(data), member).start + at] ^= flip
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError) as error:
        load_model(path)
    assert str(error.value).startswith(f"{path}: damaged: {message}")


@pytest.mark.parametrize("less", [4, 8, 16])
def test_a_header_length_that_does_not_fit_the_member_is_damage(tmp_path: Path, less: int) -> None:
    """The same change with the CRC made to match (a crafted file, or one rewritten by a tool
    after the damage): the member holds more bytes than its header says."""
    path = saved_model(tmp_path)
    members = members_of(path)
    W1 = bytearray(members["param.W1.npy"])
    W1[8:10] = struct.pack("<H", struct.unpack("<H", W1[8:10])[0] - less)
    write_zip(path, members | {"param.W1.npy": bytes(W1)})
    with pytest.raises(ValueError) as error:
        load_model(path)
    assert str(error.value) == (
        f"{path}: damaged: param.W1: its header says (5, 4) float64 (160 bytes) but it holds "
        f"{160 + less} bytes"
    )


def test_an_80_gb_array_in_a_small_file_is_refused_before_it_is_read(tmp_path: Path) -> None:
    """A header that declares (100000, 200000) float32: 80 GB that numpy would allocate before
    reading a byte. The header is read and checked against the member's size first (and then
    against the architecture)."""
    path = saved_model(tmp_path)
    members = members_of(path)
    members["param.W1.npy"] = npy_header((100_000, 200_000), "<f4") + bytes(160)
    write_zip(path, members)

    def load() -> None:
        with pytest.raises(ValueError) as error:
            load_model(path)
        assert str(error.value) == (
            f"{path}: damaged: param.W1: its header says (100000, 200000) float32 "
            "(80,000,000,000 bytes) but it holds 160 bytes"
        )

    assert traced(load)[1] < 2**20


def test_an_80_gb_array_in_a_small_checkpoint_is_refused_before_it_is_read(
    tmp_path: Path,
) -> None:
    save_checkpoint(tmp_path / "c.npz", a_state())
    members = members_of(tmp_path / "c.npz")
    members["param.W1.npy"] = npy_header((100_000, 200_000), "<f4") + bytes(160)
    write_zip(tmp_path / "c.npz", members)

    def load() -> None:
        with pytest.raises(ValueError) as error:
            load_checkpoint(tmp_path / "c.npz")
        assert str(error.value) == (
            f"{tmp_path / 'c.npz'}: damaged: param.W1: its header says (100000, 200000) float32 "
            "(80,000,000,000 bytes) but it holds 160 bytes"
        )

    assert traced(load)[1] < 2**20


@pytest.mark.parametrize("member", ["param.W1.npy", "meta.npy"])
def test_a_member_that_inflates_beyond_its_array_is_refused_before_inflating(
    tmp_path: Path, member: str
) -> None:
    """100 MiB of zeros after a member's array, compressed to 100 KB: numpy would read the array
    and stop (the model would load), or inflate all of a string before parsing it."""
    path = saved_model(tmp_path)
    members = members_of(path)
    members[member] += bytes(100 * 2**20)
    write_zip(path, members, deflated=(member,))
    members.clear()

    def load() -> None:
        with pytest.raises(ValueError, match=f"{path}: damaged: {member[:-4]}"):
            load_model(path)

    assert traced(load)[1] < 2**20 + 2 * path.stat().st_size


def test_a_meta_larger_than_any_run_needs_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = saved_model(tmp_path)
    members = members_of(path)
    members["meta.npy"] = npy_header((), "<U26214400") + bytes(100 * 2**20)
    write_zip(path, members, deflated=("meta.npy",))
    members.clear()

    def load() -> None:
        with pytest.raises(ValueError) as error:
            load_model(path)
        assert str(error.value) == (
            f"{path}: damaged: meta would be 104,857,600 bytes (100.0 MiB), more than the "
            "64.0 MiB a meta may hold"
        )

    assert traced(load)[1] < 2**20 + 2 * path.stat().st_size


#: A .npy member that numpy cannot read -> what the error must say.
CORRUPT_HEADERS: dict[str, tuple[bytes, str]] = {
    "a dict cut short": (
        raw_header(b"{'descr': '<f8', 'fortran_order': False, 'shape': (5, 4\n"),
        "param.W1: its .npy header is not readable",
    ),
    "a list": (raw_header(b"[1, 2]" + b" " * 100 + b"\n"), "param.W1: its .npy header is not"),
    "an unknown dtype": (
        raw_header(b"{'descr': 'xyz', 'fortran_order': False, 'shape': (5, 4), }\n"),
        "param.W1: its .npy header is not readable",
    ),
    "a negative size": (
        raw_header(b"{'descr': '<f8', 'fortran_order': False, 'shape': (-5, 4), }\n"),
        "param.W1: its .npy header is not readable",
    ),
    "nested parentheses": (
        raw_header(
            b"{'descr': '<f8', 'fortran_order': False, 'shape': "
            + b"(" * 3000
            + b"5"
            + b")" * 3000
            + b", }\n"
        ),
        "param.W1: its .npy header is not readable",
    ),
    "not the .npy magic": (b"\x93NUMPX\x01\x00" + bytes(200), "param.W1: its .npy header"),
    "an unknown version": (b"\x93NUMPY\x09\x00" + bytes(200), "param.W1: its .npy header"),
    "a header longer than the member": (
        b"\x93NUMPY\x01\x00\xff\xff{'descr'",
        "param.W1: its .npy header is not readable",
    ),
    "a member of 3 bytes": (b"\x93NU", "param.W1: its .npy header is not readable"),
    "objects": (npy_header((5, 4), "|O") + bytes(160), "param.W1 holds Python objects"),
    "a structured dtype": (
        npy_header((5, 4), "<f8").replace(b"'<f8'", b"[('a', '<f8')]")[:-1] + b"\n" + bytes(160),
        "param.W1",
    ),
}


@pytest.mark.parametrize("case", list(CORRUPT_HEADERS))
def test_a_corrupt_npy_header_is_damage(tmp_path: Path, case: str) -> None:
    data, message = CORRUPT_HEADERS[case]
    path = saved_model(tmp_path)
    write_zip(path, members_of(path) | {"param.W1.npy": data})
    with pytest.raises(ValueError) as error:
        load_model(path)
    assert str(error.value).startswith(f"{path}: damaged: {message}")
    assert "\n" not in str(error.value)


def test_two_members_of_one_name_are_damage(tmp_path: Path) -> None:
    path = saved_model(tmp_path)
    W1 = members_of(path)["param.W1.npy"]
    with pytest.warns(UserWarning, match="Duplicate name"), zipfile.ZipFile(path, "a") as archive:
        archive.writestr("param.W1.npy", W1)
    with pytest.raises(ValueError, match=f"{path}: damaged: two members named 'param.W1.npy'"):
        load_model(path)


def test_a_member_that_is_not_an_array_is_damage(tmp_path: Path) -> None:
    path = saved_model(tmp_path)
    write_zip(path, members_of(path) | {"notes.txt": b"hello"})
    with pytest.raises(ValueError, match=f"{path}: damaged: member 'notes.txt' is not a .npy"):
        load_model(path)


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
    with pytest.raises(ValueError, match="damaged: not a whole zip archive"):
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
    "an extra W10": (lambda a: a | {"param.W10": np.zeros((2, 2))}, "unexpected arrays ['W10']"),
    "a key param.": (lambda a: a | {"param.": np.zeros(1)}, "unexpected arrays ['']"),
    "an average of a key optimizer.": (
        lambda a: a | {"optimizer.": np.zeros(1)},
        "the optimizer's  (1,) fits no parameter",
    ),
    "meta nested deeply": (
        lambda a: a | {"meta": np.asarray("{" + '"a": {' * 100_000 + "}" * 100_001)},
        "its meta is not JSON (nested too deeply)",
    ),
    "a step count of floats": (
        lambda a: a | {"optimizer.t": np.array(3.0)},
        "the optimizer's step count t is () float64",
    ),
    "an average of integers": (
        lambda a: a | {"optimizer.s_dW1": a["optimizer.s_dW1"].astype(int)},
        "the optimizer's s_dW1 is not finite floats",
    ),
    "a weight of one dimension": (lambda a: a | {"param.W2": np.zeros(4)}, "W2 is (4,), expected"),
    "no W1": (
        lambda a: {k: v for k, v in a.items() if k[-2:-1] != "W" and "_dW" not in k},
        "parameters have no 'W1'",
    ),
    "a meta that is no dict": (
        lambda a: a | {"meta": _record(a, meta=[1])},
        "its meta is not a dict",
    ),
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
    start = f"{tmp_path / 'bad.npz'}: " + ("not a" if case == "no meta" else "damaged: ")
    assert str(error.value).startswith(start)


def test_a_checkpoint_is_a_zip_of_plain_arrays(tmp_path: Path) -> None:
    """Nothing in it needs pickle: every member is a .npy of numbers or a string."""
    save_checkpoint(tmp_path / "c.npz", a_state())
    with zipfile.ZipFile(tmp_path / "c.npz") as archive:
        assert all(name.endswith(".npy") for name in archive.namelist())
    assert all(value.dtype != object for value in arrays_of(tmp_path / "c.npz").values())
