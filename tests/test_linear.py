"""The laws of the linear part of a layer and of a whole layer (``scratch.linear``).

``tests/test_contract.py`` checks ``linear_forward``/``linear_backward`` and ``layer_forward``/
``layer_backward`` against torch and finite differences; here are their own properties: the
forward is affine, the gradients have the shapes of what they are gradients of, ``db`` is the row
sum of ``dZ``, a batch's ``dW`` is the sum of its examples' (no ``1/m`` in ``linear_backward``),
``"identity"`` adds nothing, and a misshapen input is refused with a message that names shapes.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from oracle.checks import strategies as s
from oracle.compare import assert_close
from scratch import linear

Array = Any


@st.composite
def layer_inputs(draw: st.DrawFn) -> dict[str, Array]:
    """``A_prev (n_prev, m)``, ``W (n, n_prev)``, ``b (n, 1)``, ``dZ (n, m)`` of small drawn
    shapes, from ``n = n_prev = m = 1`` up."""
    n, m = draw(s.dims(large=False))
    n_prev = draw(st.integers(1, 6))
    return {
        "A_prev": draw(s.arrays((n_prev, m), -2.0, 2.0)),
        "W": draw(s.arrays((n, n_prev), -2.0, 2.0)),
        "b": draw(s.arrays((n, 1), -2.0, 2.0)),
        "dZ": draw(s.upstream((n, m))),
    }


def _max(x: Array) -> float:
    return float(np.max(np.abs(x))) if np.size(x) else 0.0


@given(layer_inputs(), st.data())
def test_linear_forward_is_affine(x: dict[str, Array], data: st.DataObject) -> None:
    """``Z(0) = b`` (broadcast over the columns), and ``Z`` is affine in ``A_prev``:
    ``Z(t A1 + (1 - t) A2) = t Z(A1) + (1 - t) Z(A2)``."""
    A1, W, b = x["A_prev"], x["W"], x["b"]
    A2 = data.draw(s.arrays(A1.shape, -2.0, 2.0), label="A2")
    t = data.draw(st.floats(0.0, 1.0), label="t")
    m = A1.shape[1]
    zero = s.read_only(np.zeros_like(A1))
    np.testing.assert_array_equal(
        linear.linear_forward(zero, W, b), np.broadcast_to(b, (b.shape[0], m))
    )
    mixed = s.read_only(t * A1 + (1 - t) * A2)
    lhs = linear.linear_forward(mixed, W, b)
    rhs = t * linear.linear_forward(A1, W, b) + (1 - t) * linear.linear_forward(A2, W, b)
    # Each side is a sum of n_prev products plus b, plus a few roundings of the mixing: Higham's
    # bound is relative to the magnitude summed, |W| @ (|A1| + |A2|) + |b|.
    scale = _max(np.abs(W) @ (np.abs(A1) + np.abs(A2)) + np.abs(b))
    assert_close("linear_forward", "Z", lhs, rhs, A1.shape[0] + 4, scale)


@given(layer_inputs())
def test_gradients_have_the_shapes_of_their_variables(x: dict[str, Array]) -> None:
    """``dA_prev`` has ``A_prev``'s shape, ``dW`` has ``W``'s, ``db`` is a column ``(n, 1)``."""
    dA_prev, dW, db = linear.linear_backward(x["dZ"], x["A_prev"], x["W"])
    assert dA_prev.shape == x["A_prev"].shape
    assert dW.shape == x["W"].shape
    assert db.shape == x["b"].shape == (x["W"].shape[0], 1)


@given(layer_inputs())
def test_db_is_the_row_sum_of_dZ(x: dict[str, Array]) -> None:
    """``db = sum(dZ, axis=1, keepdims=True)``: ``b`` is added to every column."""
    _, _, db = linear.linear_backward(x["dZ"], x["A_prev"], x["W"])
    expected = np.array([[math.fsum(row)] for row in x["dZ"]])  # exactly rounded sums
    # A sum of m terms is within tolerance(m) of the sum of their magnitudes.
    scale = _max(np.abs(x["dZ"]).sum(axis=1))
    assert_close("linear_backward", "db", db, expected, x["dZ"].shape[1], scale)


@given(layer_inputs())
def test_a_batch_gradient_is_the_sum_of_the_examples_gradients(x: dict[str, Array]) -> None:
    """``dW`` and ``db`` of a batch of ``m`` columns are the sums of those of each column alone,
    and ``dA_prev``'s column ``j`` is that of column ``j`` alone: ``linear_backward`` has no
    ``1/m`` (it lives in the loss's backward, which made ``dZ``)."""
    dZ, A_prev, W = x["dZ"], x["A_prev"], x["W"]
    m = dZ.shape[1]
    dA_prev, dW, db = linear.linear_backward(dZ, A_prev, W)
    singles = [linear.linear_backward(dZ[:, j : j + 1], A_prev[:, j : j + 1], W) for j in range(m)]
    # Sums of m (dW, db) or n (dA_prev) products, compared with Higham's bound for their sizes.
    terms = max(m, W.shape[0])
    dW_scale = _max(np.abs(dZ) @ np.abs(A_prev).T)
    assert_close("linear_backward", "dW", dW, sum(g[1] for g in singles), terms, dW_scale)
    assert_close(
        "linear_backward", "db", db, sum(g[2] for g in singles), terms, _max(np.abs(dZ).sum(axis=1))
    )
    for j, (dA_prev_j, _, _) in enumerate(singles):
        scale = _max(np.abs(W).T @ np.abs(dZ[:, j : j + 1]))
        assert_close("linear_backward", "dA_prev", dA_prev[:, j : j + 1], dA_prev_j, terms, scale)


@given(layer_inputs())
def test_identity_layer_is_the_linear_part(x: dict[str, Array]) -> None:
    """``layer_forward(..., "identity")`` is ``linear_forward``, and ``layer_backward`` of it is
    ``linear_backward`` with ``dA`` as ``dZ``, exactly: the identity changes nothing."""
    A_prev, W, b, dA = x["A_prev"], x["W"], x["b"], x["dZ"]
    A, cache = linear.layer_forward(A_prev, W, b, "identity")
    np.testing.assert_array_equal(A, linear.linear_forward(A_prev, W, b))
    for got, expected in zip(
        linear.layer_backward(dA, cache), linear.linear_backward(dA, A_prev, W), strict=True
    ):
        np.testing.assert_array_equal(got, expected)


@given(layer_inputs())
def test_transposed_A_prev_is_refused_with_the_shapes(x: dict[str, Array]) -> None:
    """``linear_forward`` with ``A_prev`` transposed (``(m, n_prev)``, rows for examples) raises
    ``ValueError`` naming the shapes, instead of multiplying the wrong axes."""
    A_prev, W, b = x["A_prev"], x["W"], x["b"]
    assume(A_prev.shape[0] != A_prev.shape[1])  # a square A_prev.T would fit
    with pytest.raises(ValueError) as error:
        linear.linear_forward(A_prev.T, W, b)
    message = str(error.value)
    assert str(W.shape) in message and str(A_prev.T.shape) in message, message


@given(layer_inputs())
def test_a_flat_b_is_refused_with_the_shapes(x: dict[str, Array]) -> None:
    """``b`` of shape ``(n,)`` instead of ``(n, 1)`` raises ``ValueError`` naming the shapes:
    NumPy would broadcast it along the wrong axis (over the rows, when ``m = n``)."""
    A_prev, W, b = x["A_prev"], x["W"], x["b"]
    with pytest.raises(ValueError) as error:
        linear.linear_forward(A_prev, W, b[:, 0])
    assert str(b[:, 0].shape) in str(error.value), str(error.value)
