"""The command-line options of the suite, here at the root so that pytest knows them before it
reads the arguments. Write ``--impl=path/to/my_nn.py`` with ``=``: pytest looks at the arguments
that look like paths to find its configuration before it knows ``--impl``, and a file outside this
folder would make it look there. Learner mode lives in ``tests/conftest.py`` and
``tests/learner.py``."""

from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--impl",
        default="",
        metavar="FILE_OR_MODULE",
        help="check this file's (or module's) functions against the oracle instead of scratch's",
    )
    parser.addoption(
        "--convention",
        default="mean",
        choices=("mean", "course"),
        help="where your functions put the 1/m: 'mean' (in the loss's backward, this project's) "
        "or 'course' (in linear_backward's dW and db, as the deep learning course does; your file "
        "is then also read with the course's signatures)",
    )
