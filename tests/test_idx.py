"""The IDX reader (``scratch.idx``): good files round-trip, every kind of damage is named."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from scratch.idx import IdxError, idx_bytes, md5, read_idx, write_idx

IMAGES = np.arange(3 * 4 * 5, dtype=np.uint8).reshape(3, 4, 5)


@given(
    array=hnp.arrays(
        st.sampled_from([np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64]),
        hnp.array_shapes(min_dims=1, max_dims=3, min_side=0, max_side=5),
    ),
    compressed=st.booleans(),
)
def test_write_then_read_gives_the_array_back(
    tmp_path_factory: pytest.TempPathFactory, array: np.ndarray, compressed: bool
) -> None:
    path = tmp_path_factory.mktemp("idx") / ("a.idx.gz" if compressed else "a.idx")
    write_idx(path, array)
    back = read_idx(path)
    assert back.shape == array.shape
    assert back.dtype.kind == array.dtype.kind and back.dtype.itemsize == array.dtype.itemsize
    np.testing.assert_array_equal(back, array)


def test_the_header_is_the_documented_one() -> None:
    # MNIST's images: magic 0x00000803, then m, h, w as big-endian 32-bit integers.
    data = idx_bytes(IMAGES)
    assert data[:16] == bytes.fromhex("00000803000000030000000400000005")
    assert data[16:] == IMAGES.tobytes()


def test_a_matching_checksum_passes_and_a_different_one_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "images.gz"
    write_idx(path, IMAGES)
    np.testing.assert_array_equal(read_idx(path, md5(path.read_bytes())), IMAGES)
    with pytest.raises(IdxError, match="checksum mismatch"):
        read_idx(path, "0" * 32)


def corrupt(data: bytes, kind: str) -> bytes:
    """``data`` (a good IDX file) damaged in one way."""
    if kind == "bad magic":
        return b"\x12\x34" + data[2:]
    if kind == "unknown type":
        return data[:2] + b"\x07" + data[3:]
    if kind == "truncated header":
        return data[:10]
    if kind == "truncated":
        return data[:-7]
    if kind == "size mismatch":
        return data + b"\x00\x00"
    if kind == "empty":
        return b""
    raise AssertionError(kind)


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("bad magic", "bad magic number 0x12340803"),
        ("unknown type", "bad magic number"),
        ("truncated header", "truncated header"),
        ("truncated", "truncated: the header says 3x4x5 uint8"),
        ("size mismatch", "size mismatch"),
        ("empty", "too short"),
    ],
)
@pytest.mark.parametrize("compressed", [False, True], ids=["raw", "gz"])
def test_a_damaged_file_is_an_error_that_names_it_and_the_damage(
    tmp_path: Path, kind: str, message: str, compressed: bool
) -> None:
    data = corrupt(idx_bytes(IMAGES), kind)
    path = tmp_path / ("bad.gz" if compressed else "bad")
    path.write_bytes(gzip.compress(data) if compressed else data)
    with pytest.raises(IdxError, match=message) as error:
        read_idx(path)
    assert str(path) in str(error.value)


def test_broken_gzip_data_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.gz"
    path.write_bytes(gzip.compress(idx_bytes(IMAGES))[:-20])
    with pytest.raises(IdxError, match="broken gzip"):
        read_idx(path)


def test_an_array_with_no_idx_type_cannot_be_written() -> None:
    with pytest.raises(IdxError, match="no IDX type"):
        idx_bytes(np.zeros(3, dtype=np.uint64))
