"""The IDX reader (``scratch.idx``): good files round-trip, every kind of damage is named."""

from __future__ import annotations

import gzip
import io
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from scratch.idx import IdxError, idx_bytes, md5, read_idx, write_idx
from tests.ondisk import traced

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


@pytest.mark.parametrize(
    ("damage", "message"),
    [("cut", "cut short"), ("CRC", "incorrect data check"), ("a changed byte", "Error -3")],
)
def test_broken_gzip_data_is_an_error(tmp_path: Path, damage: str, message: str) -> None:
    data = bytearray(gzip.compress(idx_bytes(IMAGES)))
    if damage == "cut":
        data = data[:-20]
    elif damage == "CRC":
        data[-8] ^= 1  # the trailer: the CRC of the data inflated
    else:
        data[10] = 0xFF  # the first byte of the deflate stream: a block type that does not exist
    path = tmp_path / "broken.gz"
    path.write_bytes(bytes(data))
    with pytest.raises(IdxError, match=f"broken gzip data .*{message}"):
        read_idx(path)


def test_an_array_with_no_idx_type_cannot_be_written() -> None:
    with pytest.raises(IdxError, match="no IDX type"):
        idx_bytes(np.zeros(3, dtype=np.uint64))


def gzipped(parts: list[bytes], zeros: int = 0) -> bytes:
    """``parts`` then ``zeros`` zero bytes, gzip-compressed a MiB at a time (never all of it in
    memory: 100 MiB of zeros compress to about 100 KB)."""
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0) as file:
        for part in parts:
            file.write(part)
        for start in range(0, zeros, 2**20):
            file.write(bytes(min(2**20, zeros - start)))
    return buffer.getvalue()


def test_gzip_data_longer_than_its_header_says_is_refused_without_inflating_it(
    tmp_path: Path,
) -> None:
    """A 3x4x5 array followed by 100 MiB of zeros: the header says 76 bytes (16 of header, 60 of
    data), so the data is inflated no further than that (a 0.5 MB file of this kind inflates to
    over a GB)."""
    path = tmp_path / "long.gz"
    path.write_bytes(gzipped([idx_bytes(IMAGES)], zeros=100 * 2**20))

    def read() -> None:
        with pytest.raises(IdxError, match="inflates to more than the 76 bytes its header says"):
            read_idx(path)

    assert traced(read)[1] < 2**20 + 2 * path.stat().st_size


def test_an_array_larger_than_memory_is_refused_before_inflating(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEEPSCRATCH_MEMORY_LIMIT", str(16 * 2**20))
    header = bytes([0, 0, 0x08, 3]) + b"".join(n.to_bytes(4, "big") for n in (100, 1024, 1024))
    path = tmp_path / "large.gz"
    path.write_bytes(gzipped([header], zeros=100 * 2**20))

    def read() -> None:
        with pytest.raises(IdxError) as error:
            read_idx(path)
        assert str(error.value) == (
            f"{path}: its 100x1024x1024 uint8 array would need 104,857,616 bytes (100.0 MiB), "
            "more than the 16.0 MiB of $DEEPSCRATCH_MEMORY_LIMIT"
        )

    assert traced(read)[1] < 2**20 + 2 * path.stat().st_size


def test_gzip_members_one_after_the_other_are_one_file(tmp_path: Path) -> None:
    """As ``gzip`` reads them: the members' contents, one after the other."""
    data = idx_bytes(IMAGES)
    path = tmp_path / "two.gz"
    path.write_bytes(gzip.compress(data[:30]) + gzip.compress(data[30:]))
    np.testing.assert_array_equal(read_idx(path), IMAGES)
    path.write_bytes(gzip.compress(data) + b"garbage")
    with pytest.raises(IdxError, match="broken gzip data"):
        read_idx(path)
