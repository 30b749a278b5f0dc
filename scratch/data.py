"""The data sets: scikit-learn's 8x8 digits (offline default), MNIST and Fashion-MNIST.

``load_dataset(name)`` returns a ``Dataset`` of raw images ``(m, h, w)`` and integer labels
``(m,)``, split into train and test; ``scratch.preprocessing`` turns them into ``X: (n_0, m)`` and
``Y: (C, m)``.

* ``"digits"``: 1,797 8x8 images with pixel values 0-16, shipped inside scikit-learn, so it works
  on a fresh machine with no network. It has no official test split: a fixed 20% (``DIGITS_SEED``)
  is the test set, the same on every run and machine.
* ``"mnist"``, ``"fashion-mnist"``: the four official IDX files (28x28 images, values 0-255,
  60,000 train and 10,000 test), gzip-compressed or not, looked for in ``DIR/<name>`` and then in
  ``DIR`` itself, where ``DIR`` is ``data_dir``, else ``$DEEPSCRATCH_DATA_DIR``, else
  ``~/.cache/deepscratch``. Missing files are downloaded into ``DIR/<name>`` unless downloading is
  off (``download=False`` or ``DEEPSCRATCH_NO_DOWNLOAD=1``). Every file's MD5 is checked: the
  ``.gz`` against the published checksum, an unzipped MNIST file against the MD5 of the unzipped
  official file. Fashion-MNIST publishes MD5s of its ``.gz`` files only, so its unzipped files are
  checked for structure only (magic number, header against size, image and label counts).

A damaged file (truncated, corrupt, a wrong magic number, a checksum that does not match) is a
``DataError`` that names it, never used. A download is checked before it is saved, and saved
atomically, so a broken one never stays where a later run would find it.

The data folder is only read (and written only to download into it). The decoded arrays are
cached in ``cache_root()/decoded/<name>-<key>.npz``, where ``key`` comes from the MD5s of the four
files as they are: files that change get a new cache entry, and an entry is used only for the
very files it was made from. A cache that cannot be read, or whose arrays are not what they must
be, is ignored and written again.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from scratch import npz
from scratch._types import Array
from scratch.idx import IdxError, decode_idx, md5

#: Seconds to wait on a silent server: a machine without network fails at once or after this.
DOWNLOAD_TIMEOUT = 10.0
#: The seed of the fixed split of digits into train and test.
DIGITS_SEED = 0
DIGITS_TEST_FRACTION = 0.2
#: Four files a data set, in this order.
PARTS = ("train_images", "train_labels", "test_images", "test_labels")
CACHE_KEYS = PARTS


class DataError(ValueError):
    """A data set that cannot be had: files missing and not downloadable, or damaged."""


@dataclass(frozen=True)
class IdxFile:
    """One of the four files: its name without ``.gz``, and MD5s of the ``.gz`` and unzipped."""

    name: str
    gz_md5: str
    raw_md5: str | None


@dataclass(frozen=True)
class IdxSource:
    """Where an IDX data set comes from and what its files must be."""

    files: tuple[IdxFile, IdxFile, IdxFile, IdxFile]  # in the order of PARTS
    mirrors: tuple[str, ...]
    classes: tuple[str, ...]


@dataclass(frozen=True)
class Dataset:
    """Raw images ``(m, h, w)`` (values ``0 .. max_value``) and labels ``(m,)`` (``0 .. C-1``)."""

    name: str
    train_images: Array
    train_labels: Array
    test_images: Array
    test_labels: Array
    classes: tuple[str, ...]
    max_value: float

    @property
    def image_shape(self) -> tuple[int, int]:
        height, width = self.train_images.shape[1:]
        return int(height), int(width)


SOURCES: dict[str, IdxSource] = {
    "mnist": IdxSource(
        files=(
            IdxFile(
                "train-images-idx3-ubyte",
                "f68b3c2dcbeaaa9fbdd348bbdeb94873",
                "6bbc9ace898e44ae57da46a324031adb",
            ),
            IdxFile(
                "train-labels-idx1-ubyte",
                "d53e105ee54ea40749a09fcbcd1e9432",
                "a25bea736e30d166cdddb491f175f624",
            ),
            IdxFile(
                "t10k-images-idx3-ubyte",
                "9fb629c4189551a2d022fa330f9573f3",
                "2646ac647ad5339dbf082846283269ea",
            ),
            IdxFile(
                "t10k-labels-idx1-ubyte",
                "ec29112dd5afa0611ce80d1b7f02629c",
                "27ae3e4e09519cfbb04c329615203637",
            ),
        ),
        mirrors=(
            "https://ossci-datasets.s3.amazonaws.com/mnist/",
            "https://storage.googleapis.com/cvdf-datasets/mnist/",
        ),
        classes=tuple(str(digit) for digit in range(10)),
    ),
    "fashion-mnist": IdxSource(
        files=(
            IdxFile("train-images-idx3-ubyte", "8d4fb7e6c68d591d4c3dfef9ec88bf0d", None),
            IdxFile("train-labels-idx1-ubyte", "25c81989df183df01b3e8a0aad5dffbe", None),
            IdxFile("t10k-images-idx3-ubyte", "bef4ecab320f06d8554ea6380940ec79", None),
            IdxFile("t10k-labels-idx1-ubyte", "bb300cfdad3c16e7a12a480ee83cd310", None),
        ),
        mirrors=("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",),
        classes=(
            "T-shirt/top",
            "Trouser",
            "Pullover",
            "Dress",
            "Coat",
            "Sandal",
            "Shirt",
            "Sneaker",
            "Bag",
            "Ankle boot",
        ),
    ),
}
DATASETS = ("digits", *SOURCES)


def load_dataset(
    name: str,
    data_dir: str | os.PathLike[str] | None = None,
    download: bool | None = None,
    mirrors: Sequence[str] | None = None,
) -> Dataset:
    """The data set ``name`` (one of ``DATASETS``), see the module docstring.

    ``download``: ``None`` downloads missing files unless ``$DEEPSCRATCH_NO_DOWNLOAD`` is set to
    something other than ``0``; ``mirrors``: base URLs to use instead of the official ones.
    """
    if name == "digits":
        return load_digits()
    if name not in SOURCES:
        raise DataError(f"unknown data set {name!r}: choose one of {', '.join(DATASETS)}")
    if download is None:
        download = os.environ.get("DEEPSCRATCH_NO_DOWNLOAD", "0") in ("", "0")
    return load_idx_dataset(name, data_root(data_dir), download, mirrors)


def load_digits() -> Dataset:
    """scikit-learn's 8x8 digits, split once and for all into train and test (``DIGITS_SEED``)."""
    from sklearn.datasets import load_digits as sklearn_digits

    bunch = sklearn_digits()
    images = np.asarray(bunch.images, dtype=np.uint8)
    labels = np.asarray(bunch.target, dtype=np.int64)
    order = np.random.default_rng(DIGITS_SEED).permutation(len(labels))
    n_test = round(DIGITS_TEST_FRACTION * len(labels))
    test, train = order[:n_test], order[n_test:]
    return Dataset(
        "digits",
        images[train],
        labels[train],
        images[test],
        labels[test],
        tuple(str(digit) for digit in range(10)),
        16.0,
    )


def data_root(data_dir: str | os.PathLike[str] | None = None) -> Path:
    """``data_dir``, else ``$DEEPSCRATCH_DATA_DIR``, else ``cache_root()``."""
    if data_dir:
        return Path(data_dir)
    if os.environ.get("DEEPSCRATCH_DATA_DIR"):
        return Path(os.environ["DEEPSCRATCH_DATA_DIR"])
    return cache_root()


def cache_root() -> Path:
    """``$XDG_CACHE_HOME/deepscratch``, by default ``~/.cache/deepscratch``: the user's own cache,
    where decoded data sets are kept (and downloads go when no data folder is named)."""
    cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(cache) / "deepscratch"


def missing_files_message(name: str, root: Path) -> str:
    """One line: which files to put where."""
    files = ", ".join(f"{file.name}.gz" for file in SOURCES[name].files)
    return (
        f"{name}: put its four files {files} (gzip-compressed or not) in {root / name} or "
        f"{root}, or choose the folder with --data-dir DIR or the environment variable "
        "DEEPSCRATCH_DATA_DIR"
    )


def load_idx_dataset(
    name: str, root: Path, download: bool, mirrors: Sequence[str] | None = None
) -> Dataset:
    """MNIST or Fashion-MNIST from the files in ``root`` (downloaded if allowed and missing),
    checked, then decoded or read from the cache of their decoding."""
    source = SOURCES[name]
    paths: list[tuple[Path, str | None]] = []
    for file in source.files:
        found = _find(file, (root / name, root))
        if found is None and download:
            found = (_download(name, file, root, mirrors or source.mirrors), file.gz_md5)
        if found is None:
            raise DataError(
                f"{name}: {file.name}(.gz) not found (downloading is off); "
                + missing_files_message(name, root)
            )
        paths.append(found)
    stored, digests = [], []
    for path, checksum in paths:
        try:
            data = path.read_bytes()
        except OSError as error:
            raise DataError(f"{path}: cannot be read ({error.strerror or error})") from None
        digest = md5(data)
        if checksum is not None and digest != checksum:
            raise DataError(
                f"{path}: checksum mismatch: MD5 {digest}, expected {checksum} "
                "(a damaged or different file: delete it and get it again)"
            )
        stored.append(data)
        digests.append(digest)
    key = md5("\n".join([name, *digests]).encode())[:16]
    cache = cache_root() / "decoded" / f"{name}-{key}.npz"
    cached = _read_cache(cache, name, source, key)
    if cached is not None:
        return cached
    arrays = []
    for (path, _), data in zip(paths, stored, strict=True):
        try:
            arrays.append(decode_idx(data, str(path)))
        except IdxError as error:
            raise DataError(str(error)) from None
    _check_shapes(name, arrays, paths)
    dataset = _dataset(name, source, dict(zip(PARTS, arrays, strict=True)))
    _write_cache(cache, dataset, key)
    return dataset


def _dataset(name: str, source: IdxSource, arrays: dict[str, Array]) -> Dataset:
    return Dataset(
        name,
        arrays["train_images"],
        np.asarray(arrays["train_labels"], dtype=np.int64),
        arrays["test_images"],
        np.asarray(arrays["test_labels"], dtype=np.int64),
        source.classes,
        255.0,
    )


def _find(file: IdxFile, folders: Sequence[Path]) -> tuple[Path, str | None] | None:
    """The first of ``folder/name.gz``, ``folder/name`` that exists, with its expected MD5."""
    for folder in folders:
        if (folder / f"{file.name}.gz").is_file():
            return folder / f"{file.name}.gz", file.gz_md5
        if (folder / file.name).is_file():
            return folder / file.name, file.raw_md5
    return None


def _check_shapes(name: str, arrays: list[Array], paths: list[tuple[Path, str | None]]) -> None:
    """Images ``(m, h, w)`` uint8 and labels ``(m,)`` of the same ``m >= 1``, integer labels in
    ``0 .. C-1``: checked before anything is cached, each message naming its file."""
    C = len(SOURCES[name].classes)
    for (images, labels), (path, _), (labels_path, _) in zip(
        ((arrays[0], arrays[1]), (arrays[2], arrays[3])),
        (paths[0], paths[2]),
        (paths[1], paths[3]),
        strict=True,
    ):
        if images.ndim != 3 or images.dtype != np.uint8 or labels.ndim != 1:
            raise DataError(
                f"{name}: {path} holds {images.dtype} {images.shape} and its labels "
                f"{labels.dtype} {labels.shape}: expected uint8 images (m, h, w) and labels (m,)"
            )
        if images.shape[0] != labels.shape[0]:
            raise DataError(
                f"{name}: {path} holds {images.shape[0]} images but its labels file "
                f"{labels.shape[0]} labels"
            )
        if images.shape[0] == 0:
            raise DataError(
                f"{name}: {path} holds no images ({' x '.join(map(str, images.shape))}): "
                "expected at least one"
            )
        _check_labels(f"{name}: {labels_path}", labels, C)
    if arrays[0].shape[1:] != arrays[2].shape[1:]:
        raise DataError(
            f"{name}: the training images are {arrays[0].shape[1:]} but the test images "
            f"{arrays[2].shape[1:]} ({paths[0][0]}, {paths[2][0]})"
        )


def _check_labels(where: str, labels: Array, C: int) -> None:
    """Integer labels in ``0 .. C-1`` (``labels`` is not empty)."""
    if labels.dtype.kind not in "iu":
        odd = labels[np.mod(labels, 1) != 0]
        example = f" such as {odd[0]:g}" if odd.size else ""
        raise DataError(
            f"{where}: labels must be integers 0 .. {C - 1}, got {labels.dtype} values{example}"
        )
    for label in (int(labels.min()), int(labels.max())):
        if not 0 <= label < C:
            raise DataError(f"{where}: a label of {label}: expected labels 0 .. {C - 1}")


def _download(name: str, file: IdxFile, root: Path, mirrors: Sequence[str]) -> Path:
    """Fetch ``file.name + ".gz"``, check its MD5, then move it into ``root/name`` (atomically, so
    a broken or partial download is never left where a later run would find it)."""
    folder = root / name
    errors = []
    for mirror in mirrors:
        url = mirror + file.name + ".gz"
        try:
            with urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT) as response:
                data = response.read()
        except (OSError, ValueError, http.client.HTTPException) as error:
            # HTTPException: the connection dropped mid-file (IncompleteRead) or the server
            # answered nonsense; the partial data is never saved.
            errors.append(f"{url}: {getattr(error, 'reason', error)}")
            continue
        if md5(data) != file.gz_md5:
            errors.append(f"{url}: checksum mismatch (MD5 {md5(data)}, expected {file.gz_md5})")
            continue
        path = folder / f"{file.name}.gz"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            _write_atomically(path, data)
        except OSError as error:
            raise DataError(f"cannot save the download of {url} to {path}: {error}") from None
        return path
    raise DataError(
        f"{file.name}.gz is missing and downloading it failed ({'; '.join(errors)}); "
        + missing_files_message(name, root)
    )


def _write_atomically(path: Path, data: bytes) -> None:
    """Write to a temporary file beside ``path``, then rename: ``path`` is whole or absent."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        temporary.write_bytes(data)
        os.replace(temporary, path)
    finally:
        _remove(temporary)


def _remove(path: Path) -> None:
    """Delete ``path`` if it exists (a temporary file left by a failed write)."""
    with contextlib.suppress(OSError):
        path.unlink(missing_ok=True)


def _read_cache(path: Path, name: str, source: IdxSource, key: str) -> Dataset | None:
    """The data set cached at ``path`` for the files of ``key``, or ``None`` when there is no
    cache, or it is not whole (``scratch.npz``: its CRCs, its headers), or its arrays are not what
    the files decode to in kind (uint8 images ``(m, h, w)``, labels ``(m,)`` in ``0 .. C-1``,
    ``m >= 1``, made from the files of ``key``)."""
    if not path.is_file():
        return None
    try:
        with npz.open_archive(path, "cache") as archive:
            members = npz.members(path, archive)
            if sorted(members) != sorted((*CACHE_KEYS, "source")):
                return None
            arrays = npz.read_arrays(path, archive, members)
    except (OSError, ValueError):  # damaged (a CRC, a header), or gone since is_file
        return None
    images = (arrays["train_images"], arrays["test_images"])
    labels = (arrays["train_labels"], arrays["test_labels"])
    whole = (
        str(arrays["source"]) == key
        and all(x.dtype == np.uint8 and x.ndim == 3 for x in images)
        and images[0].shape[1:] == images[1].shape[1:]
        and all(y.dtype.kind in "iu" and y.ndim == 1 for y in labels)
        and all(x.shape[0] == y.shape[0] for x, y in zip(images, labels, strict=True))
        and all(y.size > 0 and 0 <= y.min() <= y.max() < len(source.classes) for y in labels)
    )
    return _dataset(name, source, arrays) if whole else None


def _write_cache(path: Path, dataset: Dataset, key: str) -> None:
    """Cache ``dataset`` at ``path`` atomically; a cache that cannot be written is no error."""
    temporary = path.with_name(f".{path.stem}.{os.getpid()}.tmp.npz")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        arrays = {part: getattr(dataset, part) for part in CACHE_KEYS}
        np.savez(temporary, source=np.asarray(key), **arrays)
        os.replace(temporary, path)
    except OSError:
        pass
    finally:
        _remove(temporary)
