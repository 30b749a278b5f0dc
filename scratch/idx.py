"""The IDX file format of MNIST and Fashion-MNIST: read (checked), and write (for tests and tools).

An IDX file is a header and the data, big-endian::

    bytes 0-1   0x00 0x00
    byte  2     the element type: 0x08 unsigned byte, 0x09 signed byte, 0x0B int16, 0x0C int32,
                0x0D float32, 0x0E float64
    byte  3     the number of dimensions, ndim
    4 * ndim    each dimension's size, an unsigned 32-bit integer
    then        prod(dims) elements, C order

So MNIST's images (magic ``0x00000803``) are ``(m, 28, 28)`` unsigned bytes and its labels (magic
``0x00000801``) are ``(m,)``. A file may be gzip-compressed (it starts with ``0x1f 0x8b``), as the
published ``.gz`` files are. ``read_idx`` checks every part of the header against the bytes that
follow, and optionally the MD5 of the file as stored, and raises ``IdxError`` with the file's name
and what is wrong. Compressed data is inflated no further than its header says the file holds,
and only once that size is known to fit in memory (``scratch.memory``): a small file that would
inflate to gigabytes is refused after a few bytes.
"""

from __future__ import annotations

import gzip
import hashlib
import math
import os
import zlib
from pathlib import Path

import numpy as np

from scratch import memory
from scratch._types import Array

#: IDX type code -> the numpy dtype of its elements (big-endian where that matters).
DTYPES: dict[int, np.dtype[np.generic]] = {
    0x08: np.dtype(np.uint8),
    0x09: np.dtype(np.int8),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
GZIP_MAGIC = b"\x1f\x8b"


class IdxError(ValueError):
    """A file that is not a well-formed IDX file, or not the expected one (checksum)."""


def md5(data: bytes) -> str:
    """The hex MD5 of ``data`` (a file identity check, not security)."""
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def parse_idx(data: bytes, name: str = "<bytes>") -> Array:
    """The array in the (uncompressed) IDX bytes ``data``; ``name`` is for error messages."""
    if len(data) < 4:
        raise IdxError(f"{name}: {len(data)} bytes, too short for an IDX header (4 bytes at least)")
    zero, type_code, ndim = data[:2], data[2], data[3]
    magic = int.from_bytes(data[:4], "big")
    if zero != b"\x00\x00" or type_code not in DTYPES:
        raise IdxError(
            f"{name}: bad magic number 0x{magic:08x}, not an IDX file "
            "(expected 0x0000TTNN: TT a type code 08/09/0B/0C/0D/0E, NN the number of dimensions)"
        )
    header_size = 4 + 4 * ndim
    if len(data) < header_size:
        raise IdxError(
            f"{name}: truncated header: magic 0x{magic:08x} announces {ndim} dimensions "
            f"({header_size} header bytes) but the file has {len(data)} bytes"
        )
    dims = tuple(int.from_bytes(data[4 + 4 * k : 8 + 4 * k], "big") for k in range(ndim))
    dtype = DTYPES[type_code]
    # math.prod: Python integers, which cannot overflow (np.prod in int64 could, for a header of
    # many large dimensions, and wrap round to a size that happens to match).
    expected = header_size + math.prod(dims) * dtype.itemsize
    if len(data) != expected:
        kind = "truncated" if len(data) < expected else "size mismatch"
        raise IdxError(
            f"{name}: {kind}: the header says {'x'.join(map(str, dims)) or 'a scalar'} "
            f"{dtype.name} elements ({expected} bytes with the header) but the file has "
            f"{len(data)} bytes"
        )
    array = np.frombuffer(data, dtype=dtype, offset=header_size).reshape(dims)
    return array.astype(dtype.newbyteorder("="))


def read_idx(path: str | os.PathLike[str], md5sum: str | None = None) -> Array:
    """The array stored in the IDX file at ``path``, raw or gzip-compressed.

    ``md5sum``: when given, the MD5 of the file's bytes as stored (of the ``.gz`` for a compressed
    file) must equal it, else ``IdxError``: a file that parses can still be the wrong one.
    """
    path = Path(path)
    return decode_idx(path.read_bytes(), str(path), md5sum)


def decode_idx(stored: bytes, name: str = "<bytes>", md5sum: str | None = None) -> Array:
    """The array in ``stored``, the bytes of an IDX file as stored (raw or gzip-compressed), after
    checking their MD5 against ``md5sum`` when given; ``name`` is for error messages."""
    if md5sum is not None and md5(stored) != md5sum.lower():
        raise IdxError(
            f"{name}: checksum mismatch: MD5 {md5(stored)}, expected {md5sum} "
            "(a damaged or different file: delete it and get it again)"
        )
    return parse_idx(gunzip(stored, name) if stored[:2] == GZIP_MAGIC else stored, name)


def declared_size(head: bytes) -> int | None:
    """The size of the whole IDX file (header and data) whose first bytes are ``head``, as its
    header says, or ``None`` when ``head`` is too short or not an IDX header."""
    if len(head) < 4 or head[:2] != b"\x00\x00" or head[2] not in DTYPES:
        return None
    header_size = 4 + 4 * head[3]
    if len(head) < header_size:
        return None
    dims = [int.from_bytes(head[4 + 4 * k : 8 + 4 * k], "big") for k in range(head[3])]
    return header_size + memory.array_bytes(dims, DTYPES[head[2]].itemsize)


def gunzip(stored: bytes, name: str = "<bytes>") -> bytes:
    """The IDX file inside the gzip data ``stored``, inflated no further than its header says
    (one byte more shows it is longer), after checking that this size fits in memory."""
    head = _inflate(stored, name, 4)
    if len(head) == 4 and head[:2] == b"\x00\x00":
        head = _inflate(stored, name, 4 + 4 * head[3])
    size = declared_size(head)
    if size is None:  # not an IDX header: parse_idx says what is wrong with it
        return head
    dims = "x".join(str(int.from_bytes(head[k : k + 4], "big")) for k in range(4, len(head), 4))
    where = f"its {dims or 'scalar'} {DTYPES[head[2]].name} array"
    try:
        memory.check(name, where, size)
    except ValueError as error:
        raise IdxError(str(error)) from None
    data = _inflate(stored, name, size + 1, whole=True)
    if len(data) > size:
        raise IdxError(
            f"{name}: size mismatch: its gzip data inflates to more than the {size} bytes its "
            "header says"
        )
    return data


def _inflate(stored: bytes, name: str, limit: int, whole: bool = False) -> bytes:
    """The first ``limit`` bytes (at most) that the gzip data ``stored`` inflates to, member after
    member. ``whole``: the data must end (with its CRC checked) before ``limit`` is reached."""
    out = bytearray()
    rest = stored
    while rest and len(out) < limit:
        if rest[:2] != GZIP_MAGIC:
            raise IdxError(f"{name}: broken gzip data ({len(rest)} bytes after its end)")
        inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
        pending = rest
        try:
            while not inflater.eof and len(out) < limit:
                chunk = inflater.decompress(pending, limit - len(out))
                if not chunk and not pending:
                    break  # the data ended before its end-of-stream marker
                out += chunk
                pending = inflater.unconsumed_tail
        except zlib.error as error:
            raise IdxError(f"{name}: broken gzip data ({error})") from None
        if not inflater.eof:
            if whole and len(out) < limit:
                raise IdxError(f"{name}: broken gzip data (cut short: no end-of-stream marker)")
            break
        rest = inflater.unused_data
    return bytes(out)


def idx_bytes(array: Array) -> bytes:
    """The IDX encoding of ``array`` (a dtype of ``DTYPES``): the inverse of ``parse_idx``."""
    array = np.asarray(array)
    codes = [
        code
        for code, dtype in DTYPES.items()
        if array.dtype.kind == dtype.kind and array.dtype.itemsize == dtype.itemsize
    ]
    if not codes:
        raise IdxError(f"no IDX type for dtype {array.dtype}")
    code = codes[0]
    dtype = DTYPES[code]
    header = bytes([0, 0, code, array.ndim]) + b"".join(
        int(n).to_bytes(4, "big") for n in array.shape
    )
    return header + np.ascontiguousarray(array, dtype=dtype).tobytes()


def write_idx(path: str | os.PathLike[str], array: Array) -> None:
    """Write ``array`` as an IDX file at ``path``, gzip-compressed when the name ends in ``.gz``."""
    data = idx_bytes(array)
    if str(path).endswith(".gz"):
        # mtime=0: the same array gives the same bytes, hence the same MD5.
        data = gzip.compress(data, mtime=0)
    Path(path).write_bytes(data)
