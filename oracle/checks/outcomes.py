"""How a check ends when it neither passes nor fails: the learner's file lacks what it needs, or
its function is right under the other convention.

Both are ``unittest.SkipTest``: hypothesis lets a skip through at once (no shrinking), and pytest
reports one as skipped with its reason, so the same checks run under ``deepscratch check`` and in
the project's own tests.
"""

from __future__ import annotations

import unittest
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


class NotChecked(unittest.SkipTest):
    """The check cannot run: a function it needs is missing, raises ``NotImplementedError``, or
    depends on another of the learner's functions that is wrong. The message says which."""


class OtherConvention(unittest.SkipTest):
    """The function is right, but under the other convention (where the ``1/m`` goes): the
    message is the diagnosis."""


class Close(unittest.SkipTest):
    """The function differs from the reference only in a convention that changes no derivative
    (an epsilon in a log, a clip, a scalar 0 that broadcasts, the kink of relu): the message says
    which."""


def require(impl: Any, *names: str | None) -> None:
    """Raise ``NotChecked`` when ``impl`` lacks one of the functions ``names``."""
    missing = [n for n in names if n is not None and not callable(getattr(impl, n, None))]
    if missing:
        raise NotChecked(f"not implemented: {', '.join(missing)}")


@contextmanager
def implemented(impl: Any, *names: str | None) -> Iterator[None]:
    """Run the block; ``NotChecked`` when ``impl`` lacks ``names`` or raises
    ``NotImplementedError`` (a stub not written yet)."""
    require(impl, *names)
    try:
        yield
    except NotImplementedError as error:
        said = f" ({error})" if str(error) else ""
        raise NotChecked(f"not implemented: {', '.join(n for n in names if n)}{said}") from error
