"""Bounds around the learner's code: a time limit, and the global state it may change.

``time_limit`` uses the operating system's interval timer (``signal.setitimer``): when it fires,
``TimeLimitExceeded`` is raised wherever the learner's code is, an infinite loop or a ``sleep``
included, with the learner's line in its traceback. It derives from ``BaseException``, so a bare
``except Exception`` in the learner's code does not swallow it. Off the main thread (where signals
cannot be used) the block runs unbounded.

``guarded`` wraps each of the learner's functions: after every call it puts back NumPy's error
state, torch's grad mode and any attribute of torch the call replaced, and records that it did, so
that the oracle computed after the call is torch's own and the run can say what the file changed.
"""

from __future__ import annotations

import functools
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np


class TimeLimitExceeded(BaseException):
    """The learner's code ran longer than it was given."""


@contextmanager
def time_limit(seconds: float | None, what: str) -> Iterator[None]:
    """Raise ``TimeLimitExceeded`` in the block after ``seconds`` (``None``: no limit)."""
    if not seconds or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum: int, frame: Any) -> None:
        raise TimeLimitExceeded(f"{what} did not finish within {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, expire)
    remaining, _ = signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if remaining:  # an enclosing limit was running: give it back what is left of it
            signal.setitimer(signal.ITIMER_REAL, remaining)


# --- Global state the learner's code may change -----------------------------------------------


class Guard:
    """Wraps the learner's functions so that each call leaves the state the oracle relies on as
    it found it; ``changes`` says what calls changed (in the words the run reports)."""

    def __init__(self) -> None:
        self.changes: set[str] = set()

    def _restore_attributes(self, name: str, owner: Any, saved: dict[str, Any]) -> None:
        current = vars(owner)
        for key, value in saved.items():
            if current.get(key) is not value:
                self.changes.add(f"{name}.{key}")
                setattr(owner, key, value)

    def wrap(self, function: Callable[..., Any]) -> Callable[..., Any]:
        """``function``, putting back after every call the NumPy error state and torch grad mode
        it was called with, and any attribute of torch it replaced."""

        @functools.wraps(function)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            with self.protect():
                return function(*args, **kwargs)

        return guarded

    @contextmanager
    def protect(self) -> Iterator[None]:
        """Run the block (the learner's code), then put back what it changed."""
        import torch

        errors, grad = np.geterr(), torch.is_grad_enabled()
        before = self._snapshot()
        try:
            yield
        finally:
            if np.geterr() != errors:
                self.changes.add(f"NumPy's error state (np.seterr: {_diff(np.geterr(), errors)})")
                np.seterr(**errors)
            if torch.is_grad_enabled() != grad:
                self.changes.add("torch's grad mode (torch.set_grad_enabled)")
                torch.set_grad_enabled(grad)
            self._put_back(before)

    def _owners(self) -> dict[str, Any]:
        import torch
        import torch.nn.functional

        return {
            "torch": torch,
            "torch.nn.functional": torch.nn.functional,
            "torch.autograd": torch.autograd,
            "torch.Tensor": torch.Tensor,
        }

    def _snapshot(self) -> dict[str, tuple[Any, dict[str, Any]]]:
        return {name: (owner, dict(vars(owner))) for name, owner in self._owners().items()}

    def _put_back(self, before: dict[str, tuple[Any, dict[str, Any]]]) -> None:
        for name, (owner, saved) in before.items():
            self._restore_attributes(name, owner, saved)


def _diff(now: Any, saved: Any) -> str:
    return ", ".join(f"{k}={now[k]!r}" for k in now if now[k] != saved.get(k))
