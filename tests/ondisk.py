"""Helpers for the tests of files on disk: where a zip member's bytes are, and how much memory a
call holds at once."""

from __future__ import annotations

import io
import struct
import tracemalloc
import zipfile
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def member_bytes(data: bytes, name: str) -> range:
    """Where the bytes of the member ``name`` (as stored) are in the zip ``data``: after its local
    header, whose extra field may differ from the central directory's (``np.savez`` writes a
    zip64 one there only)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.getinfo(name)
    name_length, extra_length = struct.unpack("<HH", data[info.header_offset + 26 :][:4])
    start = info.header_offset + 30 + name_length + extra_length
    return range(start, start + info.compress_size)


def traced(call: Callable[[], T]) -> tuple[T, int]:
    """``call()``'s result and the most memory it held at once (NumPy reports its arrays to
    tracemalloc too)."""
    tracemalloc.start()
    try:
        result = call()
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return result, peak
