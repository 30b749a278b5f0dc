"""The properties every function of the contract has, generated from ``tests/registry.py``.

1. the forward equals the oracle's, in float64 and in float32;
2. the backward equals autograd's for a drawn upstream gradient;
3. the backward equals central finite differences of the forward (float64, off kinks);
4. (the law every backward shares) it is linear in the upstream gradient: doubling ``dA``
   doubles the result exactly, since doubling is exact in floating point (but for results in
   the subnormal range, where each rounding may be off by one subnormal step);
5. float32 in gives float32 out, and inputs are read-only (a function that writes to its
   argument raises). Shapes from m = n = 1 up to m = 2048 come from ``strategies.dims``.
The function-specific laws (4), stability (6) and kinks (7) sit in each module's own tests.

Each property is a ``check_*`` function of an implementation, so that ``tests/test_planted.py``
can show that the same checks fail on planted mistakes.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import scratch
from oracle.compare import assert_close, tolerance
from oracle.gradcheck import assert_gradients
from tests.registry import CASES, WITH_BACKWARD, Case, Inputs
from tests.strategies import read_only

DTYPES = pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])


def as_dtype(x: Any, dtype: type) -> Any:
    """Float arrays (also inside dicts and lists) converted to ``dtype`` and kept read-only."""
    if isinstance(x, dict):
        return {k: as_dtype(v, dtype) for k, v in x.items()}
    if isinstance(x, list):
        return [as_dtype(v, dtype) for v in x]
    if isinstance(x, np.ndarray) and np.issubdtype(x.dtype, np.floating):
        return read_only(x.astype(dtype))
    return x


def assert_all_close(case: Case, kind: str, actual: dict, expected: dict, x: Inputs) -> None:
    assert set(actual) == set(expected), (
        f"{case}: outputs {sorted(actual)}, expected {sorted(expected)}"
    )
    for name, value in expected.items():
        scale = case.scale[name](x) if name in case.scale else None
        assert_close(f"{case} {kind}", name, actual[name], value, case.terms(x), scale)


def check_forward(impl: ModuleType, case: Case, x: Inputs) -> None:
    out = case.forward(impl, x)
    assert_all_close(case, "forward", out, case.oracle_forward(x, out), x)


def check_backward(impl: ModuleType, case: Case, x: Inputs) -> None:
    assert case.backward is not None and case.oracle_backward is not None
    assert_all_close(case, "backward", case.backward(impl, x), case.oracle_backward(x), x)


def check_finite_differences(impl: ModuleType, case: Case, x: Inputs) -> None:
    assert case.gradcheck is not None
    spec = case.gradcheck(impl, x)
    # Where a gradient is a sum that cancels, its rounding error is what the bound of
    # oracle.compare allows for the magnitude summed: that much is not a wrong derivative.
    atol = {
        name: tolerance(np.float64, case.terms(x)) * case.scale[name](x)
        for name in spec.analytic
        if name in case.scale
    }
    assert_gradients(spec.f, spec.args, spec.analytic, spec.upstream, atol=atol)


def check_linear_in_upstream(impl: ModuleType, case: Case, x: Inputs) -> None:
    assert case.backward is not None and case.upstream is not None
    once = case.backward(impl, x)
    twice = case.backward(impl, {**x, case.upstream: read_only(2 * x[case.upstream])})
    for name, value in once.items():
        # Below the smallest normal number the spacing of floats is fixed, so each operation
        # of the backward may round by one subnormal step: allow one per term summed and eight more.
        step = np.finfo(np.asarray(value).dtype).smallest_subnormal
        np.testing.assert_allclose(
            twice[name],
            2 * value,
            rtol=0,
            atol=float(2 * (case.terms(x) + 8) * step),
            err_msg=f"{case}: {name} is not linear in {case.upstream}",
        )


@DTYPES
@pytest.mark.parametrize("case", CASES, ids=str)
@given(data=st.data())
def test_forward_matches_oracle(case: Case, dtype: type, data: st.DataObject) -> None:
    check_forward(scratch, case, as_dtype(data.draw(case.draw("any"), label="inputs"), dtype))


@DTYPES
@pytest.mark.parametrize("case", WITH_BACKWARD, ids=str)
@given(data=st.data())
def test_backward_matches_autograd(case: Case, dtype: type, data: st.DataObject) -> None:
    check_backward(scratch, case, as_dtype(data.draw(case.draw("any"), label="inputs"), dtype))


@pytest.mark.parametrize("case", WITH_BACKWARD, ids=str)
@given(data=st.data())
def test_backward_matches_finite_differences(case: Case, data: st.DataObject) -> None:
    check_finite_differences(scratch, case, data.draw(case.draw("smooth"), label="inputs"))


@pytest.mark.parametrize("case", [c for c in WITH_BACKWARD if c.upstream], ids=str)
@given(data=st.data())
def test_backward_is_linear_in_upstream(case: Case, data: st.DataObject) -> None:
    check_linear_in_upstream(scratch, case, data.draw(case.draw("any"), label="inputs"))


@pytest.mark.parametrize("case", CASES, ids=str)
@given(data=st.data())
def test_float32_in_float32_out(case: Case, data: st.DataObject) -> None:
    x = as_dtype(data.draw(case.draw("any"), label="inputs"), np.float32)
    outputs = case.forward(scratch, x)
    if case.backward is not None:
        outputs |= case.backward(scratch, x)
    for name, value in outputs.items():
        if np.issubdtype(np.asarray(value).dtype, np.floating):
            assert np.asarray(value).dtype == np.float32, (
                f"{case}: {name} is {np.asarray(value).dtype}"
            )
