"""The properties every function of the contract has, generated from ``tests/registry.py``.

1. the forward equals the oracle's, in float64 and in float32;
2. the backward equals autograd's for a drawn upstream gradient;
3. the backward equals central finite differences of the forward (float64, off kinks);
5. float32 in gives float32 out, and inputs are read-only (a function that writes to its
   argument raises). Shapes from m = n = 1 up to m = 2048 come from ``strategies.dims``.
The function-specific laws (4), stability (6) and kinks (7) sit in each module's own tests.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import scratch
from oracle.compare import assert_close, tolerance
from oracle.gradcheck import assert_gradients
from tests.registry import CASES, WITH_BACKWARD, Case
from tests.strategies import read_only

impl = scratch


def as_dtype(x: Any, dtype: type) -> Any:
    """Float arrays (also inside lists) converted to ``dtype`` and kept read-only."""
    if isinstance(x, dict):
        return {k: as_dtype(v, dtype) for k, v in x.items()}
    if isinstance(x, list):
        return [as_dtype(v, dtype) for v in x]
    if isinstance(x, np.ndarray) and np.issubdtype(x.dtype, np.floating):
        return read_only(x.astype(dtype))
    return x


def assert_all_close(case: Case, kind: str, actual: dict, expected: dict, x: dict) -> None:
    assert set(actual) == set(expected), f"{case}: outputs {sorted(actual)}, expected {sorted(expected)}"
    for name, value in expected.items():
        scale = case.scale[name](x) if name in case.scale else None
        assert_close(f"{case} {kind}", name, actual[name], value, case.terms(x), scale)


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("case", CASES, ids=str)
@given(data=st.data())
def test_forward_matches_oracle(case: Case, dtype: type, data: st.DataObject) -> None:
    x = as_dtype(data.draw(case.draw("any"), label="inputs"), dtype)
    out = case.forward(impl, x)
    assert_all_close(case, "forward", out, case.oracle_forward(x, out), x)


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("case", WITH_BACKWARD, ids=str)
@given(data=st.data())
def test_backward_matches_autograd(case: Case, dtype: type, data: st.DataObject) -> None:
    assert case.backward is not None and case.oracle_backward is not None
    x = as_dtype(data.draw(case.draw("any"), label="inputs"), dtype)
    assert_all_close(case, "backward", case.backward(impl, x), case.oracle_backward(x), x)


@pytest.mark.parametrize("case", WITH_BACKWARD, ids=str)
@given(data=st.data())
def test_backward_matches_finite_differences(case: Case, data: st.DataObject) -> None:
    assert case.gradcheck is not None
    x = data.draw(case.draw("smooth"), label="inputs")
    spec = case.gradcheck(impl, x)
    # Where a gradient is a sum that cancels, its rounding error is what the bound of
    # oracle.compare allows for the magnitude summed: that much difference is not a wrong derivative.
    atol = {
        name: tolerance(np.float64, case.terms(x)) * case.scale[name](x)
        for name in spec.analytic
        if name in case.scale
    }
    assert_gradients(spec.f, spec.args, spec.analytic, spec.upstream, atol=atol)


@pytest.mark.parametrize("case", CASES, ids=str)
@given(data=st.data())
def test_float32_in_float32_out(case: Case, data: st.DataObject) -> None:
    x = as_dtype(data.draw(case.draw("any"), label="inputs"), np.float32)
    outputs = case.forward(impl, x)
    if case.backward is not None:
        outputs |= case.backward(impl, x)
    for name, value in outputs.items():
        if np.issubdtype(np.asarray(value).dtype, np.floating):
            assert np.asarray(value).dtype == np.float32, f"{case}: {name} is {np.asarray(value).dtype}"
