"""Preprocessing (``scratch.preprocessing``): one-hot both ways, the split, the normalisation."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from scratch.preprocessing import (
    fit_normalizer,
    flatten,
    from_one_hot,
    one_hot,
    train_dev_split,
    unflatten,
)


@given(data=st.data(), C=st.integers(1, 12), m=st.integers(0, 40))
def test_one_hot_round_trips(data: st.DataObject, C: int, m: int) -> None:
    labels = np.array(data.draw(st.lists(st.integers(0, C - 1), min_size=m, max_size=m)), dtype=int)
    Y = one_hot(labels, C)
    assert Y.shape == (C, m)
    assert set(np.unique(Y)) <= {0.0, 1.0}
    np.testing.assert_array_equal(Y.sum(axis=0), np.ones(m))
    np.testing.assert_array_equal(from_one_hot(Y), labels)


def test_one_hot_puts_the_one_in_the_labels_row() -> None:
    np.testing.assert_array_equal(one_hot(np.array([2, 0]), 3), [[0, 1], [0, 0], [1, 0]])


@pytest.mark.parametrize(
    "labels", [np.array([0, 3]), np.array([-1]), np.array([0.5]), np.array([[0]])]
)
def test_one_hot_rejects_labels_that_do_not_fit(labels: np.ndarray) -> None:
    with pytest.raises(ValueError, match="one_hot"):
        one_hot(labels, 3)


def test_from_one_hot_needs_a_matrix() -> None:
    with pytest.raises(ValueError, match=r"\(C, m\)"):
        from_one_hot(np.zeros(3))


def test_flatten_makes_one_column_per_image_and_unflatten_undoes_it() -> None:
    images = np.arange(2 * 3 * 4).reshape(2, 3, 4)
    X = flatten(images)
    assert X.shape == (12, 2)
    np.testing.assert_array_equal(X[:, 1], images[1].ravel())
    np.testing.assert_array_equal(unflatten(X, (3, 4)), images)


@given(m=st.integers(1, 200), dev_fraction=st.floats(0, 0.9), seed=st.integers(0, 2**32 - 1))
def test_the_split_has_the_sizes_asked_and_every_example_once(
    m: int, dev_fraction: float, seed: int
) -> None:
    X = np.vstack([np.arange(m), -np.arange(m)])  # row 0 identifies each column
    labels = np.arange(m) % 7
    X_train, y_train, X_dev, y_dev = train_dev_split(X, labels, dev_fraction, seed)
    assert X_dev.shape == (2, round(dev_fraction * m))
    assert X_train.shape == (2, m - X_dev.shape[1])
    ids = np.concatenate([X_train[0], X_dev[0]])
    assert sorted(ids) == list(range(m))  # disjoint, and nothing lost
    np.testing.assert_array_equal(X_train[1], -X_train[0])  # columns moved whole
    np.testing.assert_array_equal(y_train, X_train[0] % 7)  # with their labels
    np.testing.assert_array_equal(y_dev, X_dev[0] % 7)
    again = train_dev_split(X, labels, dev_fraction, seed)
    np.testing.assert_array_equal(again[2], X_dev)


def test_the_split_is_shuffled_and_depends_on_the_seed() -> None:
    X, labels = np.arange(100)[None], np.zeros(100, dtype=int)
    dev_0 = train_dev_split(X, labels, 0.2, 0)[2]
    dev_1 = train_dev_split(X, labels, 0.2, 1)[2]
    assert not np.array_equal(dev_0, dev_1)
    assert not np.array_equal(np.sort(dev_0[0]), np.arange(80, 100))


@pytest.mark.parametrize("dev_fraction", [-0.1, 1.0])
def test_the_split_rejects_a_fraction_outside_0_1(dev_fraction: float) -> None:
    with pytest.raises(ValueError, match="dev_fraction"):
        train_dev_split(np.zeros((1, 3)), np.zeros(3), dev_fraction, 0)


def test_the_split_checks_shapes() -> None:
    with pytest.raises(ValueError, match="must be"):
        train_dev_split(np.zeros((1, 3)), np.zeros(4), 0.5, 0)


def test_standardisation_uses_the_training_statistics_only() -> None:
    rng = np.random.default_rng(0)
    X_train = rng.normal(3.0, 2.0, (5, 50))
    X_test = rng.normal(-10.0, 9.0, (5, 20))  # a different distribution: must not leak in
    normalizer = fit_normalizer(X_train, "standardize", max_value=1.0)
    np.testing.assert_allclose(normalizer.shift[:, 0], X_train.mean(axis=1))
    np.testing.assert_allclose(normalizer.scale[:, 0], X_train.std(axis=1))
    Z = normalizer.apply(X_train)
    np.testing.assert_allclose(Z.mean(axis=1), 0, atol=1e-12)
    np.testing.assert_allclose(Z.std(axis=1), 1)
    np.testing.assert_allclose(
        normalizer.apply(X_test),
        (X_test - X_train.mean(1, keepdims=True)) / X_train.std(1, keepdims=True),
    )
    both = fit_normalizer(np.hstack([X_train, X_test]), "standardize", max_value=1.0)
    assert not np.allclose(both.shift, normalizer.shift)


def test_a_constant_feature_is_not_blown_up() -> None:
    X_train = np.vstack([np.zeros(10), np.arange(10.0)])
    normalizer = fit_normalizer(X_train, "standardize", max_value=255.0, min_std=0.01)
    assert normalizer.scale[0, 0] == pytest.approx(2.55)
    assert np.all(np.isfinite(normalizer.apply(np.full((2, 1), 255.0))))


def test_scaling_divides_by_the_largest_value() -> None:
    normalizer = fit_normalizer(np.zeros((3, 2)), "scale", max_value=16.0)
    np.testing.assert_array_equal(
        normalizer.apply(np.array([[0.0], [8.0], [16.0]])), [[0], [0.5], [1]]
    )


def test_an_unknown_normalisation_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown normalisation"):
        fit_normalizer(np.zeros((1, 1)), "whiten")


def test_one_hot_refuses_a_matrix_larger_than_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    """``one_hot(y, len(y))`` for MNIST's 60,000 labels asks for a 60,000 x 60,000 matrix of
    float64: 28.8 GB, refused before anything is allocated, with the bytes it would need."""
    monkeypatch.setenv("DEEPSCRATCH_MEMORY_LIMIT", str(16 * 2**30))
    labels = np.arange(60_000) % 10
    with pytest.raises(ValueError) as error:
        one_hot(labels, len(labels))
    message = str(error.value)
    assert message.startswith("one_hot: Y (60000, 60000) float64 would need 28,800,000,000 bytes")
    assert "more than the 16.0 GiB of $DEEPSCRATCH_MEMORY_LIMIT" in message
    assert message.endswith("is C = 60000 the number of classes?")
