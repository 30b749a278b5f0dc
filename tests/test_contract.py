"""The properties every function of the contract has, on ``scratch``, over drawn inputs.

The checks themselves are ``oracle.checks.properties`` (the same ones ``deepscratch check`` runs on
a learner's file), generated from the registry ``oracle.checks.registry``:

1. the forward equals the oracle's, in float64 and in float32;
2. the backward equals autograd's for a drawn upstream gradient;
3. the backward equals central finite differences of the forward (float64, off kinks);
4. (the law every backward shares) it is linear in the upstream gradient;
5. float32 in gives float32 out, and inputs are read-only (a function that writes to its
   argument raises). Shapes from m = n = 1 up to m = 2048 come from ``strategies.dims``;
6. at extreme inputs (logits of +-1e4, predictions of exactly 0 and 1) the forward and the
   backward are finite and equal to torch's.
The function-specific laws, stability and kinks sit in each module's own tests.
"""

from __future__ import annotations

from types import ModuleType

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from oracle.checks.outcomes import implemented
from oracle.checks.properties import (
    CASE,
    EXTREME_IDS,
    EXTREMES,
    as_dtype,
    check_backward,
    check_finite_differences,
    check_float32,
    check_forward,
    check_linear_in_upstream,
    draw,
    needs,
    one_verdict,
)
from oracle.checks.registry import CASES, WITH_BACKWARD, Case, Inputs

DTYPES = pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])


@DTYPES
@pytest.mark.parametrize("case", CASES, ids=str)
@given(data=st.data())
def test_forward_matches_oracle(
    impl: ModuleType, case: Case, dtype: type, data: st.DataObject
) -> None:
    with implemented(impl, *needs(case, "forward")):
        check_forward(impl, case, as_dtype(draw(case, data), dtype))


@DTYPES
@pytest.mark.parametrize("case", WITH_BACKWARD, ids=str)
@one_verdict
@given(data=st.data())
def test_backward_matches_autograd(
    impl: ModuleType, case: Case, dtype: type, data: st.DataObject
) -> None:
    with implemented(impl, *needs(case, "backward")):
        check_backward(impl, case, as_dtype(draw(case, data), dtype))


@pytest.mark.parametrize("case", WITH_BACKWARD, ids=str)
@one_verdict
@given(data=st.data())
def test_backward_matches_finite_differences(
    impl: ModuleType, case: Case, data: st.DataObject
) -> None:
    with implemented(impl, *needs(case, "backward")):
        check_finite_differences(impl, case, draw(case, data, "smooth"))


@pytest.mark.parametrize("case", [c for c in WITH_BACKWARD if c.upstream], ids=str)
@given(data=st.data())
def test_backward_is_linear_in_upstream(impl: ModuleType, case: Case, data: st.DataObject) -> None:
    with implemented(impl, *needs(case, "backward")):
        check_linear_in_upstream(impl, case, draw(case, data))


@pytest.mark.parametrize("case", CASES, ids=str)
@given(data=st.data())
def test_float32_in_float32_out(impl: ModuleType, case: Case, data: st.DataObject) -> None:
    with implemented(impl, *needs(case, "forward")):
        check_float32(impl, case, as_dtype(draw(case, data), np.float32))


@DTYPES
@pytest.mark.parametrize(("case", "x"), [(CASE[n], x) for n, x in EXTREMES], ids=EXTREME_IDS)
def test_forward_at_extreme_inputs(impl: ModuleType, case: Case, x: Inputs, dtype: type) -> None:
    """Logits of +-1e4, sigmoid and tanh at +-1e3, and predictions of exactly 0 and 1: no
    overflow, no NaN, and the same answer as torch (whose log is clamped at -100)."""
    x = as_dtype(x, dtype)
    # What counts is the answer (np.errstate keeps warnings quiet); the message names overflow.
    with implemented(impl, *needs(case, "forward")), np.errstate(all="ignore"):
        check_forward(impl, case, x)


@DTYPES
@pytest.mark.parametrize(("case", "x"), [(CASE[n], x) for n, x in EXTREMES], ids=EXTREME_IDS)
@one_verdict
def test_backward_at_extreme_inputs(impl: ModuleType, case: Case, x: Inputs, dtype: type) -> None:
    """The backward at the same inputs: finite, and equal to autograd's."""
    assert case.backward is not None
    x = as_dtype(x, dtype)
    with implemented(impl, *needs(case, "backward")), np.errstate(all="ignore"):
        check_backward(impl, case, x)
