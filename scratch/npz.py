"""The ``.npz`` files deepscratch writes (models, checkpoints, the data cache): written atomically,
and read only once verified whole.

Reading never trusts a byte before checking it: each member's ``.npy`` header is read first (with
numpy's own header readers) and its size checked against the member's, and the sizes of all the
members together against memory (``scratch.memory``), before any data is read; a small file that
declares an 80 GB array, or that would inflate to gigabytes, is refused after a few bytes. Then
each member is read to its very end, where its CRC is checked (numpy's ``np.load`` stops at the
end of the array, so a changed byte, even in a header's length field, would go unseen), into an
array of exactly the size its header says. Object arrays are refused before they are read, so
opening a file never runs code. Everything wrong is a ``ValueError`` that names the file and says
``"damaged: ..."``.
"""

from __future__ import annotations

import contextlib
import os
import tokenize
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from scratch import memory
from scratch._types import Array

#: What reading a damaged zip (an ``.npz``) can raise, besides ``OSError`` and ``ValueError``.
READ_ERRORS = (
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
_HEADER_ERRORS = (*READ_ERRORS, SyntaxError, tokenize.TokenError, RecursionError, TypeError)
_HEADER_READERS = {
    (1, 0): np.lib.format.read_array_header_1_0,
    (2, 0): np.lib.format.read_array_header_2_0,
}
#: Arrays are read this many bytes at a time.
_CHUNK = 2**20


def write_atomically(path: str | os.PathLike[str], arrays: dict[str, Any]) -> None:
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


def damaged(path: Path, what: str) -> ValueError:
    """The error for a file that is not what it must be: ``"PATH: damaged: WHAT"``."""
    return ValueError(f"{path}: damaged: {what}")


def reason(error: BaseException) -> str:
    """An exception's message on one line (or its type's name when it has none)."""
    text = " ".join(str(error).split())
    return f"{text:.200}" if text else type(error).__name__


@dataclass(frozen=True)
class Member:
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
def open_archive(path: Path, what: str) -> Iterator[zipfile.ZipFile]:
    """The zip archive at ``path``; ``FileNotFoundError`` if there is none."""
    try:
        archive = zipfile.ZipFile(path)
    except FileNotFoundError:
        raise
    except READ_ERRORS as error:
        raise damaged(
            path,
            f"not a whole zip archive ({reason(error)}): a file cut short, or not a deepscratch "
            f"{what}",
        ) from None
    with archive:
        yield archive


def members(path: Path, archive: zipfile.ZipFile) -> dict[str, Member]:
    """Every member of ``archive`` by key (its name without ``.npy``), each header read: no data
    is read yet, and every member's size is the one its header says."""
    members: dict[str, Member] = {}
    for info in archive.infolist():
        key = info.filename.removesuffix(".npy")
        if key == info.filename:
            raise damaged(path, f"member {info.filename!r} is not a .npy array")
        if key in members:
            raise damaged(path, f"two members named {info.filename!r}")
        members[key] = _header(path, archive, info, key)
    return members


def _header(path: Path, archive: zipfile.ZipFile, info: zipfile.ZipInfo, key: str) -> Member:
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
    member = Member(key, info, tuple(shape), bool(fortran), dtype, offset)
    if dtype.hasobject:
        raise damaged(path, f"{key} holds Python objects ({dtype}), which deepscratch never saves")
    if info.file_size != offset + member.nbytes:
        raise damaged(
            path,
            f"{key}: its header says {member.describe()} ({member.nbytes:,} bytes) but it holds "
            f"{info.file_size - offset:,} bytes",
        )
    return member


def read_array(path: Path, archive: zipfile.ZipFile, member: Member) -> Array:
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
    except READ_ERRORS as error:
        raise _unreadable(path, member.key, error, "its data cannot be read") from None
    return array.T if member.fortran else array


def _unreadable(path: Path, key: str, error: BaseException, what: str) -> ValueError:
    """The error for a member that reading failed on: its CRC (ZipExtFile checks it once it has
    read the whole member, which may be while reading the header of a small one), or ``what``."""
    if isinstance(error, zipfile.BadZipFile) and "CRC" in str(error):
        return damaged(path, f"{key} fails its CRC check: its bytes changed since it was written")
    return damaged(path, f"{key}: {what} ({reason(error)})")


def read_arrays(
    path: Path, archive: zipfile.ZipFile, members: dict[str, Member]
) -> dict[str, Array]:
    """The data of every member, once their sizes together are known to fit in memory."""
    memory.check(str(path), "its arrays", sum(member.nbytes for member in members.values()))
    return {key: read_array(path, archive, member) for key, member in members.items()}
