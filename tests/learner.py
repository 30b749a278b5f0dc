"""Learner mode: the contract's property tests run against a learner's own functions.

``pytest --impl=path/to/my_nn.py`` (or ``--impl=my_package.my_module``) checks that file's
functions instead of ``scratch``. A function the file does not define, or that raises
``NotImplementedError``, is reported as not implemented (a skip with that reason). At the end a
table gives each function of the contract its verdict.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType

import pytest

#: The ``--impl`` and ``--convention`` values of this run ("" and "mean" for ``scratch``).
_IMPL: list[str] = ["", "mean"]


def set_impl(spec: str, convention: str = "mean") -> None:
    _IMPL[:] = [spec, convention]


def learner_option() -> str:
    """`` --impl=X`` (and ``--convention course``) as this run was given them."""
    impl = f" --impl={_IMPL[0]}" if _IMPL[0] else ""
    return impl + (f" --convention {_IMPL[1]}" if _IMPL[1] != "mean" else "")


def load(spec: str) -> ModuleType:
    """The module at the path ``spec`` (a ``.py`` file) or named ``spec``."""
    path = Path(spec)
    if spec.endswith(".py") or path.exists():
        if not path.is_file():
            raise pytest.UsageError(f"--impl {spec}: no such file")
        name = f"learner_{path.stem}"
        loader = importlib.util.spec_from_file_location(name, path.resolve())
        if loader is None or loader.loader is None:
            raise pytest.UsageError(f"--impl {spec}: not a Python file")
        module = importlib.util.module_from_spec(loader)
        sys.modules[name] = module
        loader.loader.exec_module(module)
        return module
    try:
        return importlib.import_module(spec)
    except ImportError as error:
        raise pytest.UsageError(f"--impl {spec}: cannot import it ({error})") from error


def require(impl: ModuleType, *names: str | None) -> None:
    """Skip the test, saying so, when ``impl`` lacks one of the functions ``names``."""
    missing = [n for n in names if n is not None and not callable(getattr(impl, n, None))]
    if missing:
        pytest.skip(f"not implemented: {', '.join(missing)}")


@contextmanager
def implemented(impl: ModuleType, *names: str | None) -> Iterator[None]:
    """Run the block, skipping the test when ``impl`` lacks ``names`` or raises
    ``NotImplementedError`` (a stub not written yet)."""
    require(impl, *names)
    try:
        yield
    except NotImplementedError as error:
        said = f" ({error})" if str(error) else ""
        pytest.skip(f"not implemented: {', '.join(n for n in names if n)}{said}")
