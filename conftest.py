"""The one command-line option of the suite, here at the root so that pytest knows it before it
reads the arguments (``pytest --impl my_nn.py`` would otherwise take ``my_nn.py`` for a test path).
Learner mode itself lives in ``tests/conftest.py`` and ``tests/learner.py``."""

from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--impl",
        default="",
        metavar="FILE_OR_MODULE",
        help="check this file's (or module's) functions against the oracle instead of scratch's",
    )
