"""The pytest entry point of deepscratch: ``pytest --impl=PATH`` checks a learner's file.

Only the options live here, so that every pytest run in an environment where deepscratch is
installed stays as it was: the checks (which import torch) are loaded, as
``oracle.checks.pytest_plugin``, only when ``--impl`` is given.
"""

from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("deepscratch", "deepscratch learner mode")
    group.addoption(
        "--impl",
        default="",
        metavar="PATH",
        help="check this .py file's or notebook's functions (as 'deepscratch check PATH' does) "
        "instead of running the collected tests",
    )
    group.addoption(
        "--convention",
        default="mean",
        choices=("mean", "course"),
        help="where your functions put the 1/m: 'mean' (in the loss's backward) or 'course' "
        "(in linear_backward's dW and db)",
    )
    group.addoption("--map", default=None, metavar="FILE", help="the mapping of your functions")
    group.addoption(
        "--definitions-only",
        action="store_true",
        help="run only the definitions of the --impl file",
    )
    group.addoption(
        "--examples", type=int, default=100, help="inputs drawn for each property (default 100)"
    )


def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("--impl"):
        from oracle.checks import pytest_plugin

        config.pluginmanager.register(pytest_plugin, "deepscratch-impl")
