"""The data sets (``scratch.data``): digits offline, MNIST-style IDX folders, downloads, cache.

The IDX tests make their own small files (5 train and 3 test "images" of 4x4) and swap the official
checksums for theirs; they never touch the network (``DEEPSCRATCH_NO_DOWNLOAD``, or a ``file://``
mirror) nor the user's cache (``XDG_CACHE_HOME`` is a temporary folder). Real MNIST is used only
when ``DEEPSCRATCH_MNIST_DIR`` names a folder of its files.
"""

from __future__ import annotations

import http.client
import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from scratch import data
from scratch.data import DataError, IdxFile, IdxSource, load_dataset
from scratch.idx import idx_bytes, md5, write_idx
from tests.ondisk import member_bytes

RNG = np.random.default_rng(0)
ARRAYS = {
    "train-images-idx3-ubyte": RNG.integers(0, 256, (5, 4, 4), dtype=np.uint8),
    "train-labels-idx1-ubyte": np.array([0, 1, 2, 3, 9], dtype=np.uint8),
    "t10k-images-idx3-ubyte": RNG.integers(0, 256, (3, 4, 4), dtype=np.uint8),
    "t10k-labels-idx1-ubyte": np.array([4, 5, 6], dtype=np.uint8),
}
NAMES = list(ARRAYS)


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test of this module downloads anything, and none sees the caller's data folder or
    cache."""
    monkeypatch.setenv("DEEPSCRATCH_NO_DOWNLOAD", "1")
    monkeypatch.delenv("DEEPSCRATCH_DATA_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


def cached(tmp_path: Path) -> list[Path]:
    """The decoded data sets in the (temporary) user cache."""
    return sorted((tmp_path / "cache" / "deepscratch" / "decoded").glob("*.npz"))


def contents(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Every file under ``folder``: its bytes and modification time."""
    return {
        str(p.relative_to(folder)): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def without_checksums(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make ``mnist`` like unzipped Fashion-MNIST: no MD5 to compare with, structure only."""
    source = data.SOURCES["mnist"]
    files = tuple(IdxFile(f.name, f.gz_md5, None) for f in source.files)
    monkeypatch.setitem(data.SOURCES, "mnist", IdxSource(files, (), source.classes))  # type: ignore[arg-type]


def write_files(folder: Path, compressed: bool = True) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, array in ARRAYS.items():
        write_idx(folder / (f"{name}.gz" if compressed else name), array)


@pytest.fixture
def fake_mnist(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """``mnist`` made to expect the small files of ``ARRAYS`` (their MD5s, gz and raw), with a
    ``file://`` folder of them as its mirror."""
    write_files(tmp_path / "expected-gz")
    files = tuple(
        IdxFile(
            name,
            md5((tmp_path / "expected-gz" / f"{name}.gz").read_bytes()),
            md5(idx_bytes(array)),
        )
        for name, array in ARRAYS.items()
    )
    mirror = (tmp_path / "expected-gz").as_uri() + "/"
    source = IdxSource(files, (mirror,), data.SOURCES["mnist"].classes)  # type: ignore[arg-type]
    monkeypatch.setitem(data.SOURCES, "mnist", source)
    return tmp_path / "expected-gz"


def assert_is_the_small_data_set(dataset: data.Dataset) -> None:
    np.testing.assert_array_equal(dataset.train_images, ARRAYS["train-images-idx3-ubyte"])
    np.testing.assert_array_equal(dataset.train_labels, [0, 1, 2, 3, 9])
    np.testing.assert_array_equal(dataset.test_images, ARRAYS["t10k-images-idx3-ubyte"])
    np.testing.assert_array_equal(dataset.test_labels, [4, 5, 6])
    assert dataset.image_shape == (4, 4)
    assert dataset.max_value == 255


@pytest.mark.parametrize("compressed", [True, False], ids=["gz", "raw"])
@pytest.mark.parametrize("subfolder", [True, False], ids=["DIR/mnist", "DIR"])
def test_good_files_load(
    fake_mnist: Path, tmp_path: Path, compressed: bool, subfolder: bool
) -> None:
    root = tmp_path / "root"
    write_files(root / "mnist" if subfolder else root, compressed)
    assert_is_the_small_data_set(load_dataset("mnist", root))


def test_the_data_folder_is_only_read_and_the_cache_is_the_users(
    fake_mnist: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "data"
    write_files(folder / "mnist")
    before = contents(folder)
    assert_is_the_small_data_set(load_dataset("mnist", folder))
    assert contents(folder) == before  # nothing written, nothing touched
    assert [p.name.startswith("mnist-") for p in cached(tmp_path)] == [True]

    def no_decoding(*args: Any) -> Any:
        raise AssertionError("decoded again: the cache was not used")

    monkeypatch.setattr(data, "decode_idx", no_decoding)
    assert_is_the_small_data_set(load_dataset("mnist", folder))


def test_the_cache_follows_the_files(
    fake_mnist: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Files that change get a new cache entry: a cache of older files is never used."""
    without_checksums(monkeypatch)
    write_files(tmp_path / "mnist", compressed=False)
    load_dataset("mnist", tmp_path)
    write_idx(tmp_path / "mnist" / "t10k-labels-idx1-ubyte", np.array([7, 8, 9], dtype=np.uint8))
    np.testing.assert_array_equal(load_dataset("mnist", tmp_path).test_labels, [7, 8, 9])
    assert len(cached(tmp_path)) == 2


@pytest.mark.parametrize(
    "damage", ["not an npz", "truncated", "other arrays", "labels out of range", "another key"]
)
def test_a_damaged_or_foreign_cache_is_ignored_and_rewritten(
    fake_mnist: Path, tmp_path: Path, damage: str
) -> None:
    write_files(tmp_path / "mnist")
    load_dataset("mnist", tmp_path)
    [cache] = cached(tmp_path)
    good = cache.read_bytes()
    if damage == "not an npz":
        cache.write_bytes(b"not an npz")
    elif damage == "truncated":
        cache.write_bytes(good[: len(good) // 2])
    else:
        with np.load(cache) as npz:
            arrays = {key: npz[key] for key in npz.files}
        if damage == "other arrays":
            arrays = {"x": np.zeros(3)}
        elif damage == "labels out of range":
            arrays["test_labels"] = np.array([4, 5, 60])
        else:
            arrays["source"] = np.asarray("0123456789abcdef")
        np.savez(cache, **arrays)
    assert_is_the_small_data_set(load_dataset("mnist", tmp_path))
    assert cache.read_bytes() == good  # written again, whole


def test_a_cache_whose_header_length_changed_is_not_used(tmp_path: Path) -> None:
    """A bit of the length of the images' ``.npy`` header flipped, 4 bytes less: numpy reads every
    pixel 4 bytes early and stops before the end of the member (of more than the 4 KB zipfile
    reads ahead), so its CRC is never checked, and the shifted images were used."""
    rng = np.random.default_rng(1)
    images = rng.integers(0, 256, (2000, 4, 4), dtype=np.uint8)
    labels = rng.integers(0, 10, 2000)
    source = data.SOURCES["mnist"]
    dataset = data.Dataset("mnist", images, labels, images, labels, source.classes, 255.0)
    path = tmp_path / "mnist-key.npz"
    data._write_cache(path, dataset, "key")
    assert data._read_cache(path, "mnist", source, "key") is not None
    stored = bytearray(path.read_bytes())
    start = member_bytes(bytes(stored), "test_images.npy").start
    stored[start + 8] ^= 4  # the low byte of the .npy header's length
    path.write_bytes(bytes(stored))
    assert data._read_cache(path, "mnist", source, "key") is None


def test_a_read_only_folder_is_read(fake_mnist: Path, tmp_path: Path) -> None:
    write_files(tmp_path / "mnist")
    (tmp_path / "mnist").chmod(0o555)
    try:
        assert_is_the_small_data_set(load_dataset("mnist", tmp_path))
        assert len(cached(tmp_path)) == 1
    finally:
        (tmp_path / "mnist").chmod(0o755)


def test_a_cache_that_cannot_be_written_is_no_error(
    fake_mnist: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "not-a-folder").write_text("a file where the cache folder would go")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "not-a-folder"))
    write_files(tmp_path / "mnist")
    assert_is_the_small_data_set(load_dataset("mnist", tmp_path))


def test_the_environment_variable_names_the_folder(
    fake_mnist: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_files(tmp_path / "from-env")
    monkeypatch.setenv("DEEPSCRATCH_DATA_DIR", str(tmp_path / "from-env"))
    assert_is_the_small_data_set(load_dataset("mnist"))


def test_a_file_with_the_wrong_checksum_is_an_error(fake_mnist: Path, tmp_path: Path) -> None:
    write_files(tmp_path)
    labels = tmp_path / "train-labels-idx1-ubyte.gz"
    write_idx(labels, np.array([0, 1, 2, 3, 8], dtype=np.uint8))  # well-formed, but not the one
    with pytest.raises(DataError, match=f"{labels}: checksum mismatch"):
        load_dataset("mnist", tmp_path)


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        ("truncated", "truncated"),
        ("wrong magic", "bad magic number 0x12340803"),
        ("longer", "size mismatch"),
        ("empty", "too short"),
    ],
)
def test_a_damaged_file_without_a_known_checksum_is_an_error(
    fake_mnist: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, damage: str, message: str
) -> None:
    # Like unzipped Fashion-MNIST: no MD5 to compare with, so the structure check must catch it.
    without_checksums(monkeypatch)
    write_files(tmp_path, compressed=False)
    images = tmp_path / "t10k-images-idx3-ubyte"
    good = images.read_bytes()
    damaged = {
        "truncated": good[:-1],
        "wrong magic": b"\x12\x34" + good[2:],
        "longer": good + b"\x00",
        "empty": b"",
    }[damage]
    images.write_bytes(damaged)
    with pytest.raises(DataError, match=message) as error:
        load_dataset("mnist", tmp_path)
    assert str(images) in str(error.value)
    assert cached(tmp_path) == []  # nothing of it is kept


def test_train_and_test_images_must_be_the_same_size(
    fake_mnist: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    without_checksums(monkeypatch)
    write_files(tmp_path, compressed=False)
    write_idx(tmp_path / "t10k-images-idx3-ubyte", np.zeros((3, 5, 5), dtype=np.uint8))
    with pytest.raises(DataError, match=r"training images are \(4, 4\) but the test images"):
        load_dataset("mnist", tmp_path)


def test_images_and_labels_must_agree(
    fake_mnist: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    without_checksums(monkeypatch)
    write_files(tmp_path, compressed=False)
    write_idx(tmp_path / "t10k-labels-idx1-ubyte", np.array([1, 2], dtype=np.uint8))
    with pytest.raises(DataError, match="3 images but its labels file 2 labels"):
        load_dataset("mnist", tmp_path)
    write_idx(tmp_path / "t10k-labels-idx1-ubyte", np.array([1, 2, 10], dtype=np.uint8))
    with pytest.raises(DataError, match="a label of 10"):
        load_dataset("mnist", tmp_path)
    write_idx(tmp_path / "t10k-labels-idx1-ubyte", np.zeros((3, 1), dtype=np.uint8))
    with pytest.raises(DataError, match=r"expected uint8 images \(m, h, w\) and labels \(m,\)"):
        load_dataset("mnist", tmp_path)


def test_missing_files_name_all_four_and_where_to_put_them(tmp_path: Path) -> None:
    with pytest.raises(DataError) as error:
        load_dataset("mnist", tmp_path)
    message = str(error.value)
    assert "\n" not in message
    for name in NAMES:
        assert f"{name}.gz" in message
    assert "--data-dir" in message and "DEEPSCRATCH_DATA_DIR" in message
    assert "downloading is off" in message


def test_a_download_is_checked_then_kept(fake_mnist: Path, tmp_path: Path) -> None:
    mirror = fake_mnist.as_uri() + "/"
    dataset = load_dataset("mnist", tmp_path / "root", download=True, mirrors=[mirror])
    assert_is_the_small_data_set(dataset)
    for name in NAMES:
        assert (tmp_path / "root" / "mnist" / f"{name}.gz").is_file()


def test_a_broken_download_is_not_kept(fake_mnist: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken-mirror"
    write_files(broken)
    labels = broken / "t10k-labels-idx1-ubyte.gz"
    labels.write_bytes(labels.read_bytes()[:-3])
    mirrors = [(tmp_path / "nowhere").as_uri() + "/", broken.as_uri() + "/"]
    with pytest.raises(DataError) as error:
        load_dataset("mnist", tmp_path / "root", download=True, mirrors=mirrors)
    assert "t10k-labels-idx1-ubyte.gz is missing and downloading it failed" in str(error.value)
    assert "checksum mismatch" in str(error.value)
    kept = sorted(p.name for p in (tmp_path / "root" / "mnist").iterdir())
    assert kept == sorted(f"{name}.gz" for name in NAMES[:3])  # the good ones, nothing else


class DroppedConnection:
    """A response whose connection drops halfway through the file."""

    def __enter__(self) -> DroppedConnection:
        return self

    def __exit__(self, *args: object) -> None:
        pass

    def read(self) -> bytes:
        raise http.client.IncompleteRead(b"\x1f\x8b half a file", 1000)


def test_a_download_cut_off_halfway_is_not_kept(
    fake_mnist: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(data.urllib.request, "urlopen", lambda url, timeout: DroppedConnection())
    with pytest.raises(DataError) as error:
        load_dataset("mnist", tmp_path / "root", download=True, mirrors=["https://example/"])
    assert "train-images-idx3-ubyte.gz is missing and downloading it failed" in str(error.value)
    assert "IncompleteRead" in str(error.value) or "bytes read" in str(error.value)
    assert not (tmp_path / "root" / "mnist").exists() or not any(
        (tmp_path / "root" / "mnist").iterdir()
    )


def test_downloading_is_on_unless_switched_off(
    fake_mnist: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(DataError, match="downloading is off"):
        load_dataset("mnist", tmp_path / "off")
    monkeypatch.setenv("DEEPSCRATCH_NO_DOWNLOAD", "0")
    assert_is_the_small_data_set(load_dataset("mnist", tmp_path / "on"))


def test_digits_are_split_into_fixed_disjoint_train_and_test() -> None:
    first, again = load_dataset("digits"), load_dataset("digits")
    assert first.train_images.shape[1:] == (8, 8) and first.max_value == 16
    assert len(first.train_labels) + len(first.test_labels) == 1797
    assert len(first.test_labels) == round(0.2 * 1797)
    np.testing.assert_array_equal(first.test_images, again.test_images)
    train = {image.tobytes() for image in first.train_images}
    # Digits has a few duplicate images; the split itself is of indices, so almost none coincide.
    assert sum(image.tobytes() in train for image in first.test_images) < 5
    assert set(np.unique(first.test_labels)) == set(range(10))


def test_an_unknown_data_set_is_an_error() -> None:
    with pytest.raises(DataError, match="unknown data set 'cifar'"):
        load_dataset("cifar")


def test_the_default_folder_is_the_user_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", "/somewhere")
    assert data.data_root() == Path("/somewhere/deepscratch")


MNIST_DIR = os.environ.get("DEEPSCRATCH_MNIST_DIR")


@pytest.mark.skipif(not MNIST_DIR, reason="DEEPSCRATCH_MNIST_DIR is not set (real MNIST files)")
def test_real_mnist_loads_with_its_checksums() -> None:
    dataset = load_dataset("mnist", MNIST_DIR, download=False)
    assert dataset.train_images.shape == (60000, 28, 28)
    assert dataset.test_images.shape == (10000, 28, 28)
    assert np.bincount(dataset.test_labels).tolist()[:3] == [980, 1135, 1032]


@pytest.mark.parametrize(
    ("labels", "message"),
    [
        (np.array([4, -1, 6], dtype=np.int8), "a label of -1: expected labels 0 .. 9"),
        (np.array([4, 12, 6], dtype=np.uint8), "a label of 12: expected labels 0 .. 9"),
        (
            np.array([4, 3.7, 6], dtype=np.float32),
            "labels must be integers 0 .. 9, got float32 values such as 3.7",
        ),
    ],
)
def test_bad_labels_are_refused_with_their_file_and_never_cached(
    fake_mnist: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, labels: Any, message: str
) -> None:
    without_checksums(monkeypatch)
    write_files(tmp_path, compressed=False)
    write_idx(tmp_path / "t10k-labels-idx1-ubyte", labels)
    with pytest.raises(DataError) as error:
        load_dataset("mnist", tmp_path)
    assert str(error.value) == f"mnist: {tmp_path / 't10k-labels-idx1-ubyte'}: {message}"
    assert cached(tmp_path) == []


@pytest.mark.parametrize("part", ["train", "t10k"])
def test_a_data_set_of_no_images_is_refused_and_never_cached(
    fake_mnist: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, part: str
) -> None:
    without_checksums(monkeypatch)
    write_files(tmp_path, compressed=False)
    write_idx(tmp_path / f"{part}-images-idx3-ubyte", np.zeros((0, 4, 4), dtype=np.uint8))
    write_idx(tmp_path / f"{part}-labels-idx1-ubyte", np.zeros(0, dtype=np.uint8))
    with pytest.raises(DataError) as error:
        load_dataset("mnist", tmp_path)
    images = tmp_path / f"{part}-images-idx3-ubyte"
    assert str(error.value) == f"mnist: {images} holds no images (0 x 4 x 4): expected at least one"
    assert cached(tmp_path) == []
