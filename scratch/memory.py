"""How much memory a computation may ask for, checked before anything large is allocated.

A size that comes from a mistake (``one_hot(y, len(y))``, a hidden layer of 100,000 units, a file
whose header declares an 80 GB array) would otherwise end in a ``MemoryError`` traceback, or in a
machine that swaps for minutes. ``check`` turns it into a ``ValueError`` that names the bytes
needed, before the allocation. The limit is the machine's memory (its physical memory, or the
container's cgroup limit when that is lower), or ``$DEEPSCRATCH_MEMORY_LIMIT`` bytes when set.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from itertools import pairwise
from pathlib import Path

#: The environment variable that sets the limit, in bytes (for a machine shared with others).
ENV = "DEEPSCRATCH_MEMORY_LIMIT"
#: cgroup v2's memory limit of this process's container (``max`` when there is none).
CGROUP_LIMIT = Path("/sys/fs/cgroup/memory.max")


def limit() -> tuple[int, str]:
    """The number of bytes a computation may ask for, and where that limit comes from."""
    text = os.environ.get(ENV, "").strip()
    if text:
        try:
            return int(text), f"${ENV}"
        except ValueError:
            raise ValueError(f"${ENV} must be a number of bytes, got {text!r}") from None
    physical = _physical_memory()
    cgroup = _cgroup_limit()
    if cgroup is not None and cgroup < physical:
        return cgroup, f"this container's limit ({CGROUP_LIMIT})"
    return physical, "this machine's memory"


def _physical_memory() -> int:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):  # no sysconf (Windows) or no such name
        return 2**63


def _cgroup_limit() -> int | None:
    try:
        text = CGROUP_LIMIT.read_text().strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


def human(nbytes: int) -> str:
    """``"26.8 GiB"``: a number of bytes as people read it."""
    for unit, power in (("TiB", 40), ("GiB", 30), ("MiB", 20), ("KiB", 10)):
        if nbytes >= 2**power:
            return f"{nbytes / 2**power:.1f} {unit}"
    return f"{nbytes} bytes"


def check(where: str, what: str, nbytes: int, hint: str = "") -> None:
    """``ValueError`` if ``what`` (``"Y (60000, 60000) float64"``) needs more than ``limit()``
    bytes: the message starts with ``where`` and names the bytes needed and the limit."""
    available, source = limit()
    if nbytes > available:
        raise ValueError(
            f"{where}: {what} would need {nbytes:,} bytes ({human(nbytes)}), more than the "
            f"{human(available)} of {source}{hint}"
        )


def parameter_count(layer_dims: Sequence[int]) -> int:
    """The weights and biases of a network of ``layer_dims`` (``[n_0, n_1, ..., n_L]``)."""
    dims = [int(n) for n in layer_dims]
    return sum(n * (n_prev + 1) for n_prev, n in pairwise(dims))


def array_bytes(shape: Sequence[int], itemsize: int) -> int:
    """The bytes of an array of ``shape``, in Python integers (which cannot overflow)."""
    return math.prod(int(n) for n in shape) * itemsize


def training_bytes(layer_dims: Sequence[int], m: int, itemsize: int) -> int:
    """What training a network of ``layer_dims`` on ``m`` examples holds at once, about: the
    parameters four times (themselves, their gradients, up to two optimizer averages) and every
    layer's ``Z`` and ``A`` for the ``m`` examples (the evaluation after each epoch)."""
    units = sum(int(n) for n in layer_dims[1:])
    return (4 * parameter_count(layer_dims) + 2 * m * units) * itemsize
