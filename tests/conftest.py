"""Hypothesis profiles (tox chooses one through HYPOTHESIS_PROFILE), seeding of randomness, and
the implementation under test."""

from __future__ import annotations

import os
import random
from types import ModuleType

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, settings

import scratch

# ci: deterministic (the same examples on every run, so CI cannot flake), 100 examples a property.
settings.register_profile(
    "ci",
    max_examples=100,
    derandomize=True,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
# dev: quick feedback while writing code.
settings.register_profile("dev", max_examples=20, deadline=None)
# mutation: dev's examples, and a failure reported as found, not shrunk (tox -e mutation: a
# mutant is killed by the first failing example, and shrinking it would take most of the run).
settings.register_profile(
    "mutation",
    max_examples=20,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    report_multiple_bugs=False,
)
# thorough: ten times ci, randomised, for a long local run.
settings.register_profile(
    "thorough",
    max_examples=1000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


@pytest.fixture(autouse=True)
def _seed_other_randomness() -> None:
    """Tests that draw with numpy or random outside hypothesis get the same numbers every run."""
    random.seed(0)
    np.random.seed(0)  # noqa: NPY002 -- seeds the legacy global state that third-party code may use


@pytest.fixture(scope="session")
def impl() -> ModuleType:
    """The implementation the contract's tests check: ``scratch``. (``deepscratch check`` runs
    the same checks on a learner's file.)"""
    return scratch
