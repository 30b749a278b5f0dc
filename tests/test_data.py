"""The data sets (``scratch.data``): digits offline, MNIST-style IDX folders, downloads, cache.

The IDX tests make their own small files (5 train and 3 test "images" of 4x4) and swap the official
checksums for theirs; they never touch the network (``DEEPSCRATCH_NO_DOWNLOAD``, or a ``file://``
mirror). Real MNIST is used only when ``DEEPSCRATCH_MNIST_DIR`` names a folder of its files.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from scratch import data
from scratch.data import DataError, IdxFile, IdxSource, load_dataset
from scratch.idx import idx_bytes, md5, write_idx

RNG = np.random.default_rng(0)
ARRAYS = {
    "train-images-idx3-ubyte": RNG.integers(0, 256, (5, 4, 4), dtype=np.uint8),
    "train-labels-idx1-ubyte": np.array([0, 1, 2, 3, 9], dtype=np.uint8),
    "t10k-images-idx3-ubyte": RNG.integers(0, 256, (3, 4, 4), dtype=np.uint8),
    "t10k-labels-idx1-ubyte": np.array([4, 5, 6], dtype=np.uint8),
}
NAMES = list(ARRAYS)


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test of this module downloads anything, and none sees the caller's data folder."""
    monkeypatch.setenv("DEEPSCRATCH_NO_DOWNLOAD", "1")
    monkeypatch.delenv("DEEPSCRATCH_DATA_DIR", raising=False)


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


def test_the_decoded_arrays_are_cached_and_the_cache_is_used(
    fake_mnist: Path, tmp_path: Path
) -> None:
    write_files(tmp_path / "mnist")
    load_dataset("mnist", tmp_path)
    cache = tmp_path / "mnist" / "mnist.npz"
    assert cache.is_file()
    assert [p.name for p in (tmp_path / "mnist").iterdir() if p.name.startswith(".")] == []
    for name in NAMES:
        (tmp_path / "mnist" / f"{name}.gz").unlink()
    assert_is_the_small_data_set(load_dataset("mnist", tmp_path))


def test_an_unreadable_cache_is_ignored(fake_mnist: Path, tmp_path: Path) -> None:
    write_files(tmp_path / "mnist")
    (tmp_path / "mnist" / "mnist.npz").write_bytes(b"not an npz")
    assert_is_the_small_data_set(load_dataset("mnist", tmp_path))


def test_a_read_only_folder_is_used_without_a_cache(fake_mnist: Path, tmp_path: Path) -> None:
    write_files(tmp_path / "mnist")
    (tmp_path / "mnist").chmod(0o555)
    try:
        assert_is_the_small_data_set(load_dataset("mnist", tmp_path))
        if os.geteuid() != 0:  # root writes anyway
            assert not (tmp_path / "mnist" / "mnist.npz").exists()
    finally:
        (tmp_path / "mnist").chmod(0o755)


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


def test_a_damaged_file_without_a_known_checksum_is_an_error(
    fake_mnist: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Like unzipped Fashion-MNIST: no MD5 to compare with, so the structure check must catch it.
    source = data.SOURCES["mnist"]
    files = tuple(IdxFile(f.name, f.gz_md5, None) for f in source.files)
    monkeypatch.setitem(data.SOURCES, "mnist", IdxSource(files, (), source.classes))  # type: ignore[arg-type]
    write_files(tmp_path, compressed=False)
    images = tmp_path / "t10k-images-idx3-ubyte"
    images.write_bytes(images.read_bytes()[:-1])
    with pytest.raises(DataError, match="truncated"):
        load_dataset("mnist", tmp_path)


def test_images_and_labels_must_agree(
    fake_mnist: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = data.SOURCES["mnist"]
    files = tuple(IdxFile(f.name, f.gz_md5, None) for f in source.files)
    monkeypatch.setitem(data.SOURCES, "mnist", IdxSource(files, (), source.classes))  # type: ignore[arg-type]
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
