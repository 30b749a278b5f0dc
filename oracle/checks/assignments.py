"""The course's other assignments, by the learner's names: gradient descent's update
(``oracle.checks.steps``), gradient checking (``oracle.checks.gradcheck``), initialisation
(``oracle.checks.init``) and a cost with L2 in the learner's own shape (``oracle.checks.l2cost``).

Each module has ``recognise(name, f)``, how the reading describes ``f`` when its name (and its
signature) is one of the module's, else ``None``, and ``checks(name, f)``, the plans that check it:
``(plan's name, check, strategies)``, a check being a function of the implementation and the
drawn arguments (``None``: run once, with the implementation alone). The reading marks such a
function as one of the course's (``Row.course``), the runner runs these plans for it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st

from oracle.checks import gradcheck, init, l2cost, steps

MODULES = (steps, gradcheck, init, l2cost)

Plans = list[tuple[str, Callable[..., None], dict[str, st.SearchStrategy[Any]] | None]]


def recognise(name: str, f: Callable[..., Any]) -> str | None:
    """How ``f``, named ``name``, is checked here, or ``None``."""
    for module in MODULES:
        how = module.recognise(name, f)
        if how:
            return how
    return None


def checks_for(name: str, f: Callable[..., Any] | None) -> Plans:
    """The plans of ``name`` (``[]``: none of these modules checks it)."""
    if f is None:
        return []
    for module in MODULES:
        if module.recognise(name, f):
            return list(module.checks(name, f))
    return []
