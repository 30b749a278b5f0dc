"""From raw images and labels to what ``model`` takes: ``X: (n_0, m)`` and one-hot ``Y: (C, m)``.

The story: ``flatten`` the images into columns, ``train_dev_split`` them (a seeded shuffle), fit a
``Normalizer`` on the training columns only and apply that same one to dev, test and any later
input, and ``one_hot`` the labels (``from_one_hot`` goes back).

The default normalisation is ``"scale"``: divide by the largest pixel value, into ``[0, 1]``. It
trains as well as standardisation here (measured on digits and MNIST with Adam) and has no
per-pixel statistics to go wrong: a border pixel that is always 0 in training has a standard
deviation of 0, and standardising it blows up any test image that touches it. ``"standardize"``
(``(X - mean) / std`` per feature, fitted on the training set, ``std`` floored at ``min_std``) is
there to compare.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scratch import memory, validate
from scratch._types import Array

NORMALIZATIONS = ("scale", "standardize")


def one_hot(labels: Array, C: int) -> Array:
    """Integer ``labels: (m,)`` in ``0 .. C-1`` -> ``Y: (C, m)``, ``Y[labels[j], j] = 1``."""
    C = validate.integer("one_hot", "C (the number of classes)", C, minimum=1)
    labels = validate.real_array("one_hot", "labels", labels)
    if labels.ndim != 1 or labels.dtype.kind not in "iu":
        guess = ""
        if labels.ndim == 2 and 1 in labels.shape:
            guess = ": did you mean labels.ravel()?"
        elif labels.ndim == 1 and labels.dtype.kind == "f" and validate.is_integral(labels):
            guess = ": whole numbers stored as floats? did you mean labels.astype(int)?"
        raise ValueError(
            f"one_hot: labels must be integers (m,), got {labels.dtype} {labels.shape}{guess}"
        )
    if labels.size and (labels.min() < 0 or labels.max() >= C):
        raise ValueError(
            f"one_hot: labels must be in 0 .. {C - 1}, got {labels.min()} .. {labels.max()} "
            f"(labels out of range: is C = {C} the number of classes?)"
        )
    hint = f": is C = {C} the number of classes?" if C == labels.size > 1 else ""
    memory.check("one_hot", f"Y ({C}, {labels.size}) float64", C * labels.size * 8, hint)
    Y = np.zeros((C, labels.size))
    Y[labels, np.arange(labels.size)] = 1.0
    return Y


def from_one_hot(Y: Array) -> Array:
    """``Y: (C, m)`` -> ``(m,)`` the row of each column's largest entry (its 1 when one-hot)."""
    Y = validate.real_array("from_one_hot", "Y", Y)
    if Y.ndim != 2 or Y.shape[0] == 0:
        raise ValueError(f"from_one_hot: Y must be (C, m) with C >= 1, got {Y.shape}")
    validate.finite("from_one_hot", "Y", Y)
    return np.asarray(np.argmax(Y, axis=0), dtype=np.int64)


def flatten(images: Array) -> Array:
    """Images ``(m, h, w)`` (or any ``(m, ...)``) -> ``X: (h * w, m)`` float64, one column each."""
    images = validate.real_array("flatten", "images", images)
    if images.ndim < 2:
        raise ValueError(
            f"flatten: images must be (m, h, w) (or (m, ...)), got {images.ndim}-D {images.shape}"
            + (": one image? did you mean images[None]?" if images.ndim == 1 else "")
        )
    validate.finite("flatten", "images", images)
    n = int(np.prod(images.shape[1:]))  # not -1: NumPy cannot infer it for m = 0 images
    return np.asarray(images.reshape(images.shape[0], n).T, dtype=np.float64)


def unflatten(X: Array, image_shape: tuple[int, ...]) -> Array:
    """``X: (h * w, m)`` -> images ``(m, h, w)``: the inverse of ``flatten``."""
    X = validate.real_array("unflatten", "X", X)
    if X.ndim != 2 or X.shape[0] != int(np.prod(image_shape)):
        raise ValueError(
            f"unflatten: X must be ({int(np.prod(image_shape))}, m) for images of "
            f"{tuple(image_shape)}, got {X.shape}"
        )
    return np.asarray(X.T.reshape(X.shape[1], *image_shape))


def train_dev_split(
    X: Array, labels: Array, dev_fraction: float, seed: int
) -> tuple[Array, Array, Array, Array]:
    """Shuffle the columns of ``X: (n, m)`` with ``labels: (m,)`` (seeded) and cut off the last
    ``round(dev_fraction * m)`` as the dev set: ``(X_train, labels_train, X_dev, labels_dev)``.

    Every column goes to exactly one side; the same seed gives the same split.
    """
    if not 0 <= dev_fraction < 1:
        raise ValueError(f"dev_fraction must be in [0, 1), got {dev_fraction!r}")
    X = validate.real_array("train_dev_split", "X", X)
    labels = validate.real_array("train_dev_split", "labels", labels)
    if X.ndim != 2 or labels.shape != (X.shape[1],):
        guess = "; did you mean X.T?" if X.ndim == 2 and labels.shape == (X.shape[0],) else ""
        raise ValueError(
            f"train_dev_split: X {X.shape} and labels {labels.shape} must be (n, m) and (m,){guess}"
        )
    m = X.shape[1]
    order = np.random.default_rng(seed).permutation(m)
    n_dev = round(dev_fraction * m)
    train, dev = order[: m - n_dev], order[m - n_dev :]
    return X[:, train], labels[train], X[:, dev], labels[dev]


@dataclass(frozen=True)
class Normalizer:
    """``apply(X) = (X - shift) / scale``; ``shift`` and ``scale`` are ``(n, 1)`` or scalars."""

    shift: Array
    scale: Array

    def __post_init__(self) -> None:
        for name in ("shift", "scale"):
            value = validate.real_array("Normalizer", name, getattr(self, name))
            if value.ndim != 2 or value.shape[1] != 1 or value.shape[0] == 0:
                raise ValueError(f"Normalizer: {name} must be a column (n, 1), got {value.shape}")
            validate.finite("Normalizer", name, value)
        if np.shape(self.shift) != np.shape(self.scale) and np.shape(self.shift) != (1, 1):
            raise ValueError(
                f"Normalizer: shift {np.shape(self.shift)} and scale {np.shape(self.scale)} differ"
            )
        if np.min(self.scale) <= 0:
            raise ValueError("Normalizer: scale must be > 0 (it divides)")

    def apply(self, X: Array) -> Array:
        """``X: (n, m) -> (n, m)``."""
        X = validate.real_array("Normalizer.apply", "X", X)
        n = max(np.shape(self.shift)[0], np.shape(self.scale)[0])
        if X.ndim != 2 or (n > 1 and X.shape[0] != n):
            guess = "; did you mean X.T?" if X.ndim == 2 and X.shape[1] == n else ""
            raise ValueError(f"Normalizer.apply: X is {X.shape}, expected ({n}, m){guess}")
        validate.finite("Normalizer.apply", "X", X)
        return np.asarray((X - self.shift) / self.scale, dtype=np.float64)


def fit_normalizer(
    X_train: Array, method: str = "scale", max_value: float = 1.0, min_std: float = 1e-2
) -> Normalizer:
    """The normalisation ``method`` (``NORMALIZATIONS``) fitted on ``X_train: (n, m)`` only.

    ``"scale"``: ``X / max_value``. ``"standardize"``: per feature (row),
    ``(X - mean) / max(std, min_std * max_value)``, so each feature has mean 0 and standard
    deviation 1 on the training set (those that vary at all).
    """
    where = "fit_normalizer"
    max_value = validate.number(where, "max_value", max_value, 0.0, low_open=True)
    min_std = validate.number(where, "min_std", min_std, 0.0, low_open=True)
    X_train = validate.matrix(where, "X_train", X_train, "(n, m)")
    if method == "scale":
        return Normalizer(np.zeros((1, 1)), np.full((1, 1), float(max_value)))
    if method == "standardize":
        with np.errstate(over="ignore", invalid="ignore"):
            mean = X_train.mean(axis=1, keepdims=True)
            std = X_train.std(axis=1, keepdims=True)
        for name, value in (("the mean", mean), ("the standard deviation", std)):
            validate.finite(
                where,
                name,
                value,
                f" of X_train's features overflows (its largest |value| is "
                f"{np.max(np.abs(X_train)):g}): scale X_train first",
            )
        return Normalizer(mean, np.maximum(std, min_std * max_value))
    raise ValueError(f"unknown normalisation {method!r}: choose one of {', '.join(NORMALIZATIONS)}")
