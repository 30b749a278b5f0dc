"""Shuffled mini-batches (``scratch.minibatch``): a partition of the examples, fixed by the seed."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from scratch.minibatch import random_mini_batches

sizes = st.integers(1, 300)
batch_sizes = st.integers(1, 100)
seeds = st.integers(0, 2**32 - 1)


def numbered(m: int) -> tuple[np.ndarray, np.ndarray]:
    """``X`` whose row 0 is each example's index, and ``Y`` its one-hot parity: batches can be
    traced back to the examples, and an ``X`` column separated from its ``Y`` column shows."""
    X = np.vstack([np.arange(m, dtype=np.float64), np.ones(m)])
    Y = np.eye(2)[:, np.arange(m) % 2]
    return X, Y


@given(m=sizes, batch_size=batch_sizes, seed=seeds)
def test_every_example_once_and_the_last_batch_smaller(m: int, batch_size: int, seed: int) -> None:
    X, Y = numbered(m)
    batches = random_mini_batches(X, Y, batch_size, seed)
    assert len(batches) == math.ceil(m / batch_size)
    assert [b[0].shape[1] for b in batches[:-1]] == [batch_size] * (len(batches) - 1)
    assert batches[-1][0].shape[1] == m - batch_size * (len(batches) - 1)
    indices = np.concatenate([X_batch[0] for X_batch, _ in batches]).astype(int)
    np.testing.assert_array_equal(np.sort(indices), np.arange(m))
    for X_batch, Y_batch in batches:
        np.testing.assert_array_equal(Y_batch, np.eye(2)[:, X_batch[0].astype(int) % 2])


@given(m=sizes, batch_size=batch_sizes, seed=seeds, shift=st.floats(-5, 5))
def test_the_order_depends_only_on_the_seed(
    m: int, batch_size: int, seed: int, shift: float
) -> None:
    X, Y = numbered(m)
    first = random_mini_batches(X, Y, batch_size, seed)
    again = random_mini_batches(X, Y, batch_size, seed)
    # Other values of the same size are shuffled the same way.
    other = random_mini_batches(X + shift, 1 - Y, batch_size, seed)
    for (Xa, Ya), (Xb, Yb), (Xc, Yc) in zip(first, again, other, strict=True):
        np.testing.assert_array_equal(Xa, Xb)
        np.testing.assert_array_equal(Ya, Yb)
        np.testing.assert_array_equal(Xc, Xa + shift)
        np.testing.assert_array_equal(Yc, 1 - Ya)


@given(
    m=sizes,
    batch_size=batch_sizes,
    seed=seeds,
    order=st.sampled_from(["C", "F"]),
    k=st.integers(-400, 400),
)
def test_batches_are_slices_of_the_shuffled_set(
    m: int, batch_size: int, seed: int, order: str, k: int
) -> None:
    """Each batch is gathered when asked for: the same values as the columns ``k * batch_size``
    onwards of the whole shuffled set, however ``X`` is laid out and however it is indexed."""
    X, Y = numbered(m)
    X, Y = np.asarray(X, order=order), np.asarray(Y, order=order)
    batches = random_mini_batches(X, Y, batch_size, seed)
    permutation = np.random.default_rng(seed).permutation(m)
    X_shuffled, Y_shuffled = X[:, permutation], Y[:, permutation]
    whole = [
        (X_shuffled[:, j : j + batch_size], Y_shuffled[:, j : j + batch_size])
        for j in range(0, m, batch_size)
    ]
    if not -len(whole) <= k < len(whole):
        with pytest.raises(IndexError):
            batches[k]
        return
    for (X_batch, Y_batch), (X_slice, Y_slice) in [
        (batches[k], whole[k]),
        *zip(batches[k:], whole[k:], strict=True),
    ]:
        np.testing.assert_array_equal(X_batch, X_slice)
        np.testing.assert_array_equal(Y_batch, Y_slice)
    assert [b[0].tobytes() for b in batches] == [b[0].tobytes() for b in whole]


def test_different_seeds_shuffle_differently() -> None:
    X, Y = numbered(50)
    orders = {tuple(random_mini_batches(X, Y, 50, seed)[0][0][0]) for seed in range(10)}
    assert len(orders) == 10


@pytest.mark.parametrize(
    ("X", "Y", "batch_size", "message"),
    [
        (np.zeros((2, 3)), np.zeros((1, 4)), 2, "same m"),
        (np.zeros(3), np.zeros((1, 3)), 2, "same m"),
        (np.zeros((2, 3)), np.zeros((1, 3)), 0, "batch_size"),
    ],
)
def test_bad_input_raises_value_error(
    X: np.ndarray, Y: np.ndarray, batch_size: int, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        random_mini_batches(X, Y, batch_size)
