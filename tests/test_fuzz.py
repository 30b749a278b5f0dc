"""Fuzzing the public boundary: arbitrary arrays in, a correct result or a clear ValueError out.

Each public function gets arrays that hypothesis makes up: NaN, inf, huge (1e300) and tiny
(subnormal) values, empty arrays, wrong ranks, wrong dtypes (integers, booleans, float16,
complex, strings, Python objects, dates). Half are the mistakes a learner makes from a good input
(transposed, flattened, an axis too many, an empty slice, one value spoiled, another dtype, scaled
far out of range); half are anything at all. Every call must either

* return a correct result: the right shape, finite, and equal to a reference computed without
  the function under test (the torch oracle, or the formula written out here); or
* raise a ``ValueError`` whose message starts with the name of the function called, raised by
  scratch's own code: the innermost frame of the traceback is in ``scratch/``, not deep inside
  NumPy.

Anything else (another exception, a NaN or an infinity returned, a wrong value) fails.
"""

from __future__ import annotations

import contextlib
import gzip
import importlib
import io
import os
import signal
import struct
import subprocess
import sys
import traceback
import types
import warnings
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any
from unittest import mock

import matplotlib.image
import numpy as np
import pytest
from hypothesis import assume, event, example, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import oracle
import oracle.network
import scratch
from oracle.compare import assert_close
from scratch import cli, data, network, plots, preprocessing
from scratch.checkpoint import load_checkpoint, load_model, save_model
from scratch.idx import decode_idx, idx_bytes, parse_idx, write_idx
from scratch.minibatch import random_mini_batches
from scratch.model import model
from tests.ondisk import member_bytes, traced

Array = Any
SCRATCH = Path(scratch.__file__).resolve().parent
#: A stand-in for "the call raised a clear ValueError".
REFUSED = object()

# --- Strategies ----------------------------------------------------------------------------------

SPECIAL = [np.nan, np.inf, -np.inf, 1e300, -1e300, 1e-310, -5e-324, 3.5e38, 7e4, 0.0, -0.0]
VALUES = st.one_of(
    st.floats(-3, 3),
    st.sampled_from(SPECIAL),
    st.floats(allow_nan=True, allow_infinity=True),
)
KINDS = [
    "float64",
    "float32",
    "float16",
    "int64",
    "int8",
    "uint8",
    "bool",
    "complex128",
    "str",
    "object",
    "datetime64[s]",
]


def convert(values: Array, kind: str) -> Array:
    """``values`` (float64) as an array of ``kind`` (NaN and out-of-range values wrap or round,
    as NumPy's ``astype`` makes them: a learner's conversion does the same)."""
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if kind.startswith(("float", "int", "uint")):
            finite = kind.startswith("float") or None
            source = values if finite else np.nan_to_num(values, posinf=1e9, neginf=-1e9)
            return np.asarray(source.clip(-1e9, 1e9) if not finite else source).astype(kind)
        if kind == "bool":
            return values > 0
        if kind == "complex128":
            return values + 1j
        if kind == "str":
            return values.astype(str)
        if kind == "object":
            return values.astype(object)
        return np.zeros(values.shape, kind)


@st.composite
def anything(draw: st.DrawFn) -> Array:
    """An array of any shape (rank 0 to 3, sides 0 to 5), any of ``KINDS``, any values."""
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=5))
    values = draw(hnp.arrays(np.float64, shape, elements=VALUES))
    return convert(values, draw(st.sampled_from(KINDS)))


MISTAKES = ["as it is", "transposed", "flattened", "axis added", "empty", "one value spoiled",
            "another dtype", "scaled"]  # fmt: skip


@st.composite
def mistaken(draw: st.DrawFn, good: Array) -> Array:
    """``good`` with one of the ``MISTAKES`` made to it."""
    mistake = draw(st.sampled_from(MISTAKES), label="mistake")
    if mistake == "transposed":
        return good.T
    if mistake == "flattened":
        return good.ravel() if draw(st.booleans()) else good[..., 0]
    if mistake == "axis added":
        return good[None]
    if mistake == "empty":
        return good[..., :0] if draw(st.booleans()) else good[:0]
    if mistake == "one value spoiled" and good.size:
        spoiled = np.array(good, dtype=np.float64)
        index = tuple(draw(st.integers(0, n - 1)) for n in good.shape)
        spoiled[index] = draw(st.sampled_from(SPECIAL))
        return spoiled.astype(good.dtype) if good.dtype.kind == "f" else spoiled
    if mistake == "another dtype":
        return convert(np.asarray(good, dtype=np.float64), draw(st.sampled_from(KINDS)))
    if mistake == "scaled":
        with np.errstate(all="ignore"):
            return good * draw(st.sampled_from([1e300, 1e-300, 1e30, -1e10]))
    return good


def arrays(good: Array, fresh: st.SearchStrategy[Array] | None = None) -> st.SearchStrategy[Array]:
    """A third of the time a good input (``fresh``, or ``good`` itself), a third a mistake made
    to ``good``, a third anything at all."""
    return st.one_of(st.just(good) if fresh is None else fresh, mistaken(good), anything())


def features(n: int) -> st.SearchStrategy[Array]:
    """Good ``X: (n, m)``, ``m`` from 1 to 6, values in [-3, 3]."""
    return st.integers(1, 6).flatmap(
        lambda m: hnp.arrays(np.float64, (n, m), elements=st.floats(-3, 3))
    )


def one_hot_labels(C: int, m: int | None = None) -> st.SearchStrategy[Array]:
    """Good one-hot ``Y: (C, m)`` (0/1 labels ``(1, m)`` for ``C = 1``)."""
    sizes = st.just(m) if m is not None else st.integers(1, 6)
    labels = sizes.flatmap(
        lambda k: st.lists(st.integers(0, max(C - 1, 1)), min_size=k, max_size=k)
    )
    return labels.map(lambda ys: np.eye(C)[:, ys] if C > 1 else np.array([ys], dtype=float))


# --- The property --------------------------------------------------------------------------------


def outcome(function: str, call: Callable[[], Any]) -> Any:
    """``call()``'s result, or ``REFUSED`` if it raised a clear ``ValueError`` (see the module
    docstring). Any other exception propagates and fails the test."""
    try:
        with warnings.catch_warnings():
            # Overflow on the way is allowed: the result, or the refusal, is what is checked.
            warnings.simplefilter("ignore", RuntimeWarning)
            result = call()
        event("returned a result")  # --hypothesis-show-statistics: both ways are taken
        return result
    except ValueError as error:
        event("refused")
        message = str(error)
        assert message.startswith(f"{function}:"), f"{message!r} does not name {function}"
        assert "\n" not in message, message
        innermost = Path(traceback.extract_tb(error.__traceback__)[-1].filename).resolve()
        assert innermost.is_relative_to(SCRATCH), (
            f"{function} raised {message!r} from {innermost}, not from scratch's own checks"
        )
        return REFUSED


def near_a_kink(caches: list[Any]) -> bool:
    """A hidden ``Z`` within rounding of relu's kink at 0 (but not exactly 0): there, two correct
    implementations may round to opposite sides and take different derivatives."""
    for cache in caches[:-1]:
        Z = cache.layer.Z
        tiny = 1e-9 * (float(np.max(np.abs(Z))) + 1.0)
        if np.any((Z != 0) & (np.abs(Z) <= tiny)):
            return True
    return False


def rounding_budget(AL: Array, caches: list[Any], backward: bool = True) -> int:
    """``terms`` for ``assert_close`` of a whole network's output or gradients, as
    ``tests/test_network.py`` derives it: the chain's length (``sum(dims)`` forward, ``+ L * m``
    backward), times what amplifies rounding on the way: batch norm's ``max|Z| / std`` of a row
    that barely varies (``Z - mean`` keeps an error of ``eps |Z|``, which the division by the
    small ``std`` blows up), and, backward, the sigmoid output's ``1 / (AL (1 - AL))``."""
    m = AL.shape[1]
    dims = [caches[0].layer.A_prev.shape[0]] + [c.layer.W.shape[0] for c in caches]
    amplification = 1.0
    for cache in caches:
        if cache.batchnorm is not None and cache.Z_linear is not None:
            spread = float(np.max(np.abs(cache.Z_linear)) * np.max(cache.batchnorm.inv_std))
            amplification = max(amplification, spread)
    if backward and AL.shape[0] == 1:
        amplification = max(amplification, 1 / float(np.min(AL * (1 - AL))))
    length = sum(dims) + (len(caches) * m if backward else 0)
    return int(np.ceil(length * amplification))


def m_of(x: Array, axis: int = 1) -> int:
    """The number of examples of ``x`` if it has them on ``axis``, else 5 (any will do)."""
    return x.shape[axis] if x.ndim > axis and x.shape[axis] > 0 else 5


def softmax(Z: Array) -> Array:
    E = np.exp(Z - Z.max(axis=0))
    return E / E.sum(axis=0)


def assert_finite(name: str, *results: Array) -> None:
    for result in results:
        assert np.all(np.isfinite(result)), f"{name} returned a NaN or an infinity: {result}"


def as_float64(x: Array) -> Array:
    return np.asarray(x, dtype=np.float64)


# A softmax network [3, 4, 2] and a batch-normed sigmoid one [3, 4, 1], and good inputs for them.
NETWORKS = {
    "softmax": (network.init_parameters([3, 4, 2], seed=1), "softmax", False),
    "batch norm, sigmoid": (
        network.init_parameters([3, 4, 1], seed=1, batch_norm=True),
        "sigmoid",
        True,
    ),
}
RNG = np.random.default_rng(0)
GOOD_X = RNG.standard_normal((3, 5))
GOOD_LABELS = np.array([0, 1, 1, 0, 1])
GOOD_Y = {"softmax": np.eye(2)[:, GOOD_LABELS], "batch norm, sigmoid": GOOD_LABELS[None] * 1.0}
#: The longest sum in a small network's forward and backward: a few layers of width <= 5 and
#: sums over m <= 5 examples (oracle.compare derives the tolerance from it).
TERMS = 16
#: Gradients are compared with the oracle's when no |X| is above this. Beyond it the backward
#: pass is ill-conditioned: batch norm subtracts a row's mean, and with one entry of 1e38 beside
#: ones every other entry is lost in the rounding, so two correct implementations differ by far
#: more than any rounding bound on the result (tests/test_network.py leaves such inputs out for
#: the same reason). Those gradients must still be finite, or refused.
WELL_CONDITIONED = 1e6


@pytest.mark.parametrize("net", list(NETWORKS))
@given(data=st.data())
def test_forward_and_backward(net: str, data: st.DataObject) -> None:
    parameters, output, batch_norm = NETWORKS[net]
    X = data.draw(arrays(GOOD_X, features(3)), label="X")
    C = parameters[f"W{2}"].shape[0]
    Y = data.draw(arrays(GOOD_Y[net], one_hot_labels(C, m_of(X))), label="Y")
    forward = outcome(
        "forward_all",
        lambda: network.forward_all(X, parameters, output=output, batch_norm=batch_norm),
    )
    if forward is REFUSED:
        return
    AL, caches = forward
    X64 = as_float64(X)
    assert AL.shape == (parameters["W2"].shape[0], X.shape[1])
    assert_finite("forward_all", AL)
    expected = oracle.network.forward_all(X64, parameters, output=output, batch_norm=batch_norm)
    assert_close("forward_all", "AL", AL, expected, rounding_budget(AL, caches, backward=False))
    grads = outcome("backward_all", lambda: network.backward_all(AL, Y, caches))
    if grads is REFUSED:
        return
    assert_finite("backward_all", *grads.values())
    if np.max(np.abs(X64)) > WELL_CONDITIONED or near_a_kink(caches):
        return
    expected_grads = oracle.network.backward_all(
        X64, as_float64(Y), parameters, output=output, batch_norm=batch_norm
    )
    assert grads.keys() == expected_grads.keys()
    # As in tests/test_network.py: every gradient carries the rounding of the whole chain, so it
    # is measured against the network's largest gradient, with the chain's amplification; and at
    # least against the output's dZL = (AL - Y) / m, the terms of the last sum (db of the output
    # layer), for when every gradient cancels to about 0.
    upstream = float(np.max(np.abs(AL - as_float64(Y)))) / AL.shape[1]
    scale = max([upstream] + [float(np.max(np.abs(g))) for g in expected_grads.values()])
    terms = rounding_budget(AL, caches)
    for key, grad in grads.items():
        assert_close("backward_all", key, grad, expected_grads[key], terms, scale)


@given(X=arrays(GOOD_X, features(3)))
def test_predict(X: Array) -> None:
    parameters = NETWORKS["softmax"][0]
    predicted = outcome("predict", lambda: network.predict(X, parameters))
    if predicted is REFUSED:
        return
    AL = oracle.network.forward_all(as_float64(X), parameters, training=False)
    assert predicted.shape == (X.shape[1],)
    # Each prediction is a class whose probability is the column's largest (within rounding).
    chosen = AL[predicted, np.arange(AL.shape[1])]
    assert np.all(chosen >= AL.max(axis=0) - 1e-12), (predicted, AL)


@given(data=st.data())
def test_compute_cost(data: st.DataObject) -> None:
    good_AL = network.forward_all(GOOD_X, NETWORKS["softmax"][0])[0]
    AL = data.draw(arrays(good_AL, features(2).map(softmax)), label="AL")
    Y = data.draw(arrays(GOOD_Y["softmax"], one_hot_labels(2, m_of(AL))), label="Y")
    J = outcome("compute_cost", lambda: network.compute_cost(AL, Y, {}))
    if J is REFUSED:
        return
    assert J.shape == ()
    assert_finite("compute_cost", J)
    expected = oracle.cost(oracle.cross_entropy(as_float64(AL), as_float64(Y)))
    # The log is taken in AL's own precision (float16 for a boolean AL, as NumPy's log makes it),
    # even when Y makes the sum float64: the tolerance is that of the coarser of the two.
    log_dtype = np.log(np.ones(1, dtype=np.asarray(AL).dtype)).dtype
    coarsest = max([log_dtype, J.dtype], key=lambda dtype: np.finfo(dtype).eps)
    assert_close("compute_cost", "J", J, expected.astype(coarsest), TERMS)


@given(data=st.data(), learning_rate=st.one_of(st.floats(0, 10), VALUES, st.just("0.1")))
def test_update_parameters(data: st.DataObject, learning_rate: Any) -> None:
    parameters = NETWORKS["softmax"][0]
    good = hnp.arrays(np.float64, (4, 3), elements=st.floats(-1e3, 1e3))
    dW1 = data.draw(arrays(np.ones_like(parameters["W1"]), good), label="dW1")
    updated = outcome(
        "update_parameters",
        lambda: network.update_parameters(parameters, {"dW1": dW1}, learning_rate),
    )
    if updated is REFUSED:
        return
    assert_finite("update_parameters", updated["W1"])
    np.testing.assert_array_equal(updated["W1"], parameters["W1"] - learning_rate * dW1)
    assert updated["b1"] is parameters["b1"]


@given(data=st.data())
def test_accuracy(data: st.DataObject) -> None:
    good = st.lists(st.integers(0, 1), min_size=1, max_size=6).map(np.array)
    predictions = data.draw(arrays(GOOD_LABELS, good), label="predictions")
    m = m_of(predictions, axis=0)
    Y = data.draw(
        st.one_of(
            arrays(GOOD_Y["softmax"], one_hot_labels(2, m)),
            arrays(GOOD_LABELS, one_hot_labels(1, m).map(lambda y: y[0].astype(int))),
        ),
        label="Y",
    )
    accuracy = outcome("accuracy", lambda: network.accuracy(predictions, Y))
    if accuracy is REFUSED:
        return
    truth = Y if np.ndim(Y) == 1 else (Y[0] > 0.5 if len(Y) == 1 else np.argmax(Y, axis=0))
    assert accuracy == np.mean(np.asarray(predictions) == truth)
    assert 0 <= accuracy <= 1


@given(
    labels=arrays(GOOD_LABELS, st.lists(st.integers(0, 3), max_size=6).map(np.array)),
    C=st.one_of(st.integers(1, 4), st.integers(-1, 4)),
)
def test_one_hot(labels: Array, C: int) -> None:
    Y = outcome("one_hot", lambda: preprocessing.one_hot(labels, C))
    if Y is REFUSED:
        return
    assert Y.shape == (C, len(labels))
    assert np.all(Y[labels, np.arange(len(labels))] == 1) and Y.sum() == len(labels)


GOOD_IMAGES = RNG.integers(0, 256, (4, 2, 3), dtype=np.uint8)


@given(
    images=arrays(
        GOOD_IMAGES, hnp.arrays(np.uint8, st.tuples(st.integers(0, 4), st.just(2), st.just(3)))
    )
)
def test_flatten(images: Array) -> None:
    X = outcome("flatten", lambda: preprocessing.flatten(images))
    if X is REFUSED:
        return
    assert X.dtype == np.float64 and X.shape == (int(np.prod(images.shape[1:])), len(images))
    assert_finite("flatten", X)
    for j, image in enumerate(images):
        np.testing.assert_array_equal(X[:, j], np.ravel(image))


@given(X=arrays(GOOD_X, features(3)), X_later=arrays(GOOD_X, features(3)))
def test_normalizer(X: Array, X_later: Array) -> None:
    normalizer = outcome(
        "fit_normalizer", lambda: preprocessing.fit_normalizer(X, "standardize", 1.0)
    )
    if normalizer is REFUSED:
        return
    # The statistics of X's own dtype (float32 stays float32, integers become float64).
    shift = np.asarray(X).mean(axis=1, keepdims=True)
    std = np.maximum(np.asarray(X).std(axis=1, keepdims=True), 0.01)
    np.testing.assert_array_equal(normalizer.shift, shift)
    np.testing.assert_array_equal(normalizer.scale, std)
    Z = outcome("Normalizer.apply", lambda: normalizer.apply(X_later))
    if Z is REFUSED:
        return
    assert_finite("Normalizer.apply", Z)
    assert Z.dtype == np.float64
    np.testing.assert_array_equal(Z, (np.asarray(X_later) - shift) / std)


@given(data=st.data(), batch_size=st.one_of(st.integers(1, 6), st.integers(-1, 6)))
def test_random_mini_batches(data: st.DataObject, batch_size: int) -> None:
    X = data.draw(arrays(GOOD_X, features(3)), label="X")
    Y = data.draw(arrays(GOOD_Y["softmax"], one_hot_labels(2, m_of(X))), label="Y")
    batches = outcome("random_mini_batches", lambda: random_mini_batches(X, Y, batch_size))
    if batches is REFUSED:
        return
    if not batches:  # ceil(0 / batch_size) = 0 batches of no examples
        assert X.shape[1] == 0
        return
    X_all = np.hstack([b[0] for b in batches])
    Y_all = np.hstack([b[1] for b in batches])
    # The same columns, each once, X's and Y's still together: sort both by X's columns.
    assert X_all.shape == X.shape and Y_all.shape == Y.shape
    seen = sorted(zip(map(bytes, X_all.T), map(bytes, Y_all.T), strict=True))
    assert seen == sorted(zip(map(bytes, X.T), map(bytes, Y.T), strict=True))


GOOD_TRAIN_X = RNG.standard_normal((3, 8))
GOOD_TRAIN_Y = np.eye(2)[:, RNG.integers(0, 2, 8)]


# Training is the slow call (a whole epoch): 30 examples keep this test near a second.
@settings(max_examples=30)
@given(data=st.data(), options=st.sampled_from([{}, {"keep_prob": 0.5, "batch_norm": True}]))
def test_model(data: st.DataObject, options: dict[str, Any]) -> None:
    X = data.draw(arrays(GOOD_TRAIN_X, features(3)), label="X")
    Y = data.draw(arrays(GOOD_TRAIN_Y, one_hot_labels(2, m_of(X))), label="Y")
    trained = outcome(
        "model", lambda: model(X, Y, 0.1, None, 2, [3], 4, optimizer="adam", **options)
    )
    if trained is REFUSED:
        return
    parameters, history = trained
    assert parameters["W1"].shape == (3, X.shape[0])
    assert_finite("model", *parameters.values(), history.train_loss, history.train_acc)
    assert len(history.epoch) == 2


@st.composite
def idx_files(draw: st.DrawFn) -> bytes:
    """Any bytes, or a good IDX file (of any dtype and shape) as it is, with a byte of its
    header or of its data changed, cut short, or with bytes added."""
    how = draw(st.sampled_from(["any bytes", "good", "header", "data", "cut", "longer"]))
    if how == "any bytes":
        return draw(st.binary(max_size=40))
    array = draw(
        hnp.arrays(
            st.sampled_from([np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64]),
            hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4),
        )
    )
    data = bytearray(idx_bytes(array))
    header = 4 + 4 * array.ndim
    if how == "header":
        data[draw(st.integers(0, header - 1))] ^= draw(st.integers(1, 255))
    elif how == "data" and len(data) > header:
        data[draw(st.integers(header, len(data) - 1))] ^= draw(st.integers(1, 255))
    elif how == "cut":
        data = data[: draw(st.integers(0, len(data) - 1))]
    elif how == "longer":
        data += draw(st.binary(min_size=1, max_size=4))
    return bytes(data)


@given(data=idx_files())
def test_parse_idx(data: bytes) -> None:
    """Either a ``ValueError`` (``IdxError``), or an array whose encoding is the bytes read."""
    array = outcome("fuzz", lambda: parse_idx(data, "fuzz"))
    if array is REFUSED:
        return
    assert idx_bytes(array) == data


@pytest.fixture(scope="module")
def model_file(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    parameters = network.init_parameters([4, 3, 2], seed=0)
    path = tmp_path_factory.mktemp("model") / "model.npz"
    meta = {"dataset": "digits", "classes": ["a", "b"], "image_shape": [2, 2], "max_value": 1.0,
            "hidden_layers": [3], "hidden_activation": "relu", "batch_norm": False}  # fmt: skip
    save_model(path, parameters, preprocessing.Normalizer(np.zeros((1, 1)), np.ones((1, 1))), meta)
    return path.read_bytes()


@given(data=st.data())
def test_load_model(model_file: bytes, data: st.DataObject, tmp_path_factory: Any) -> None:
    """A model file with bytes changed or cut off: a ``ValueError`` naming the file, or (a byte
    that no reader looks at, such as a timestamp) exactly the saved model."""
    changed = bytearray(model_file)
    for _ in range(data.draw(st.integers(1, 3))):
        index = data.draw(st.integers(0, len(changed) - 1))
        changed[index] ^= data.draw(st.integers(1, 255))
    cut = data.draw(st.sampled_from([len(changed), data.draw(st.integers(0, len(changed)))]))
    path = tmp_path_factory.mktemp("changed") / "model.npz"
    path.write_bytes(bytes(changed[:cut]))
    loaded = outcome(str(path), lambda: load_model(path))
    if loaded is REFUSED:
        return
    original = tmp_path_factory.mktemp("original") / "model.npz"
    original.write_bytes(model_file)
    expected = load_model(original)
    assert loaded.meta == expected.meta
    for key, value in expected.parameters.items():
        assert np.array_equal(loaded.parameters[key], value), key


# --- Issue 15: damaged files, sizes, lost runs, labels, silent results, how the tests start ------


@given(data=st.data())
def test_a_byte_changed_in_any_member_of_a_model_is_damage(
    model_file: bytes, data: st.DataObject, tmp_path_factory: Any
) -> None:
    """Any byte of any member (a header, its length field, the weights, the meta): numpy reads
    the array and stops, so a change in the data, or a header length that shifts every weight,
    loaded silently. Every member is read to its end and its CRC checked."""
    with zipfile.ZipFile(io.BytesIO(model_file)) as archive:
        names = archive.namelist()
    where = member_bytes(model_file, data.draw(st.sampled_from(names), label="member"))
    changed = bytearray(model_file)
    changed[data.draw(st.sampled_from(where), label="at")] ^= data.draw(st.integers(1, 255))
    path = tmp_path_factory.mktemp("changed") / "model.npz"
    path.write_bytes(bytes(changed))
    assert outcome(str(path), lambda: load_model(path)) is REFUSED
    with pytest.raises(ValueError, match="damaged: "):
        load_model(path)


#: Keys a crafted model may add: a layer too many, an empty name, names of no part.
CRAFTED_KEYS = ["param.W10", "param.", "param.b7", "param.gamma1", "normalizer.", "meta2", "x"]


@st.composite
def crafted_members(draw: st.DrawFn, members: dict[str, bytes]) -> dict[str, bytes]:
    """A good model's members with one crafted change: an array added under a strange key, a
    ``.npy`` header (or all of a member) replaced by other bytes, or a deeply nested meta."""
    how = draw(st.sampled_from(["extra array", "header", "member", "nested meta"]))
    changed = dict(members)
    if how == "extra array":
        buffer = io.BytesIO()
        np.save(buffer, np.zeros(draw(hnp.array_shapes(min_dims=0, max_dims=2, max_side=3))))
        changed[draw(st.sampled_from(CRAFTED_KEYS)) + ".npy"] = buffer.getvalue()
    elif how == "nested meta":
        depth = draw(st.sampled_from([10, 1000, 100_000]))
        buffer = io.BytesIO()
        np.save(buffer, np.asarray('{"format": ' + "[" * depth + "]" * depth + "}"))
        changed["meta.npy"] = buffer.getvalue()
    else:
        name = draw(st.sampled_from(sorted(members)))
        old = members[name]
        header = 10 + struct.unpack("<H", old[8:10])[0]
        text = draw(
            st.one_of(
                st.binary(max_size=200),
                st.text(alphabet="{}()[]',: 0123456789-<>fdescrortan_hpTuFlsO", max_size=120).map(
                    str.encode
                ),
            )
        )
        if how == "header":
            changed[name] = (
                b"\x93NUMPY\x01\x00" + struct.pack("<H", len(text)) + text + old[header:]
            )
        else:
            changed[name] = text
    return changed


@given(data=st.data())
def test_a_crafted_model_is_one_clear_line(
    model_file: bytes, data: st.DataObject, tmp_path_factory: Any
) -> None:
    """Not a KeyError (an extra ``param.W10``), IndexError (a key ``param.``), RecursionError (a
    nested meta) or TokenError (a broken header): a one-line ``ValueError`` naming the file."""
    with zipfile.ZipFile(io.BytesIO(model_file)) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    path = tmp_path_factory.mktemp("crafted") / "model.npz"
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in data.draw(crafted_members(members)).items():
            archive.writestr(name, content)
    loaded = outcome(str(path), lambda: load_model(path))
    if loaded is REFUSED:
        return
    original = tmp_path_factory.mktemp("original") / "model.npz"
    original.write_bytes(model_file)
    for key, value in load_model(original).parameters.items():
        assert np.array_equal(loaded.parameters[key], value), key


SAVED_CONFIG = cli.COMMON_DEFAULTS | cli.DEFAULTS["digits"]
JSON_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 10**6),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(list(cli.DATASETS) + list(cli.OPTIMIZERS) + ["scale", "standardize"]),
    st.text(max_size=4),
    st.lists(st.one_of(st.integers(-2, 300), st.floats(0, 3), st.booleans()), max_size=3),
)


def accepted_on_the_command_line(key: str, value: Any) -> bool:
    """The command line's own parser takes ``value`` (as its text) for option ``key`` and makes
    the same value, of the default's type, of it."""
    text = ",".join(map(str, value)) if isinstance(value, list) else str(value)
    default = SAVED_CONFIG[key]
    kinds = (int, float) if isinstance(default, float) else (type(default),)
    if isinstance(value, bool) or not isinstance(value, kinds):
        return False
    with warnings.catch_warnings(), contextlib.redirect_stderr(io.StringIO()):
        try:
            args = cli.build_parser().parse_args(["train", f"--{key.replace('_', '-')}", text])
        except SystemExit:
            return False
    return bool(getattr(args, key) == value)


@given(key=st.sampled_from(sorted(SAVED_CONFIG)), value=JSON_VALUES)
def test_a_saved_configuration_holds_only_values_the_command_line_takes(
    key: str, value: Any
) -> None:
    """A checkpoint's saved configuration is the run's own options: a value that no option takes
    (``batch_size`` 0 or ``"32"``, a string seed) is a one-line error, not a ZeroDivisionError
    or a TypeError from the training."""
    args = cli.build_parser().parse_args(["train", "--resume", "c.npz"])
    config = outcome(
        "c.npz", lambda: cli._resumed_config(args, {"config": SAVED_CONFIG | {key: value}})
    )
    if config is REFUSED:
        assert not accepted_on_the_command_line(key, value)
        return
    assert accepted_on_the_command_line(key, config[key]), (key, config[key])


LIMIT = 16 * 2**20


@settings(max_examples=40)
@given(
    call=st.sampled_from(["one_hot", "init_parameters", "gunzip"]),
    sizes=st.lists(st.integers(1, 100_000), min_size=3, max_size=3),
)
def test_a_size_beyond_memory_is_refused_with_the_bytes_it_needs(
    call: str, sizes: list[int]
) -> None:
    """With 16 MiB of memory allowed: anything that fits is made, anything else is a
    ``ValueError`` that names the bytes needed (computed here from the sizes), before anything
    is allocated; never a ``MemoryError``, nor a 27 GiB ``one_hot``."""
    a, b, c = sizes
    # The inputs are made here, before memory is traced: only the call's own allocations count.
    if call == "one_hot":
        labels = np.arange(b) % a
        needed, run = b * a * 8, lambda: preprocessing.one_hot(labels, a)
    elif call == "init_parameters":
        needed = (a * 3 + a + b * a + b + c * b + c) * 4
        run = lambda: network.init_parameters([3, a, b, c], dtype=np.float32)  # noqa: E731
    else:
        header = bytes([0, 0, 0x08, 3]) + b"".join(n.to_bytes(4, "big") for n in sizes)
        stored = gzip.compress(header + bytes(10))
        needed, run = len(header) + a * b * c, lambda: decode_idx(stored)
    with mock.patch.dict(os.environ, {"DEEPSCRATCH_MEMORY_LIMIT": str(LIMIT)}):
        result, peak = traced(lambda: outcome(call if call != "gunzip" else "<bytes>", run))
    if needed > LIMIT:
        assert result is REFUSED
        assert peak < 2**20  # refused before the allocation, not after
        with (
            mock.patch.dict(os.environ, {"DEEPSCRATCH_MEMORY_LIMIT": str(LIMIT)}),
            pytest.raises(ValueError, match=f"would need {needed:,} bytes"),
        ):
            run()
    elif call != "gunzip":  # the gzip data is cut short: refused for that, not for its size
        assert result is not REFUSED


MOMENTS = ["step", "save_model", "plots"]


@settings(max_examples=8)
@given(
    signum=st.sampled_from([signal.SIGINT, signal.SIGTERM]),
    moment=st.sampled_from(MOMENTS),
    step=st.integers(1, 122),
)
# SIGTERM at the last step of an epoch: training goes on to the epoch's end, where it stops; the
# signal must reach it once (twice is the second Ctrl-C, which stops at once, saving nothing).
@example(signum=signal.SIGTERM, moment="step", step=82)
def test_a_signal_at_any_moment_of_a_run_loses_nothing(
    signum: int, moment: str, step: int, tmp_path_factory: Any
) -> None:
    """Ctrl-C or SIGTERM during training (at any step of 3 epochs of 41), while the model is
    saved, or while the pictures are drawn: the run folder ends with the whole run, or with a
    checkpoint to go on from; never with nothing, nor with half."""
    out = tmp_path_factory.mktemp("run") / "run"
    training = importlib.import_module("scratch.model")
    real_model, real_save, real_plot = training.model, cli.save_model, plots.plot_history

    sent: list[bool] = []

    def send() -> None:
        if not sent:  # once: a second Ctrl-C is the one that stops at once, losing the step
            sent.append(True)
            signal.raise_signal(signum)

    def model_with_signal(*args: Any, callback: Any, **kwargs: Any) -> Any:
        def then(event: Any) -> None:
            callback(event)
            if moment == "step" and event.kind == "step" and event.step >= step:
                send()

        return real_model(*args, callback=then, **kwargs)

    def save_with_signal(*args: Any) -> None:
        send()
        real_save(*args)

    def plot_with_signal(*args: Any, **kwargs: Any) -> None:
        send()
        real_plot(*args, **kwargs)

    argv = ["train", "--epochs", "3", "--hidden-layers", "16", "--quiet", "--out", str(out)]
    environment = {"DEEPSCRATCH_NO_DOWNLOAD": "1", "XDG_CACHE_HOME": str(out.parent / "cache")}
    with (
        mock.patch.dict(os.environ, environment),
        mock.patch.object(training, "model", model_with_signal),
        mock.patch.object(
            cli, "save_model", save_with_signal if moment == "save_model" else real_save
        ),
        mock.patch.object(
            plots, "plot_history", plot_with_signal if moment == "plots" else real_plot
        ),
        contextlib.redirect_stdout(io.StringIO()),
        contextlib.redirect_stderr(io.StringIO()) as err,
    ):
        try:
            status = cli.main(argv)
        except SystemExit as exit:
            status = int(exit.code or 0)
    assert status in (0, 128 + signum), err.getvalue()
    assert err.getvalue().count("\n") <= 1 and "Traceback" not in err.getvalue()
    files = sorted(p.name for p in out.iterdir())
    if files == ["checkpoint.npz"]:
        assert load_checkpoint(out / "checkpoint.npz")[0].step >= min(step, 123)
    else:
        assert files == ["curves.png", "misclassified.png", "model.npz", "run.json"], files
        assert load_model(out / "model.npz").meta["hidden_layers"] == [16]


@settings(max_examples=40)
@given(
    labels=st.one_of(
        hnp.arrays(np.uint8, 3, elements=st.integers(0, 12)),
        hnp.arrays(st.sampled_from([np.int8, np.int16, np.int32]), 3, elements=st.integers(-3, 12)),
        hnp.arrays(st.sampled_from([np.float32, np.float64]), 3, elements=st.floats(-2, 11)),
    ),
    empty=st.booleans(),
)
def test_labels_are_checked_before_anything_is_cached(
    labels: Array, empty: bool, tmp_path_factory: Any
) -> None:
    """IDX test labels of any type and value (or no images at all): the data set loads with
    exactly those labels, whole numbers 0 to 9 of at least one image, or is a ``DataError`` that
    names the file, and nothing is cached."""
    root = tmp_path_factory.mktemp("mnist")
    test_images = np.zeros((0 if empty else 3, 4, 4), dtype=np.uint8)
    arrays_ = {
        "train-images-idx3-ubyte": np.zeros((2, 4, 4), dtype=np.uint8),
        "train-labels-idx1-ubyte": np.array([1, 2], dtype=np.uint8),
        "t10k-images-idx3-ubyte": test_images,
        "t10k-labels-idx1-ubyte": labels[: len(test_images)],
    }
    for name, array in arrays_.items():
        write_idx(root / name, array)
    source = data.SOURCES["mnist"]
    unchecked = tuple(data.IdxFile(f.name, f.gz_md5, None) for f in source.files)
    environment = {"XDG_CACHE_HOME": str(root / "cache"), "DEEPSCRATCH_NO_DOWNLOAD": "1"}
    with (
        mock.patch.dict(data.SOURCES, {"mnist": data.IdxSource(unchecked, (), source.classes)}),  # type: ignore[arg-type]
        mock.patch.dict(os.environ, environment),
    ):
        try:
            dataset = data.load_dataset("mnist", root)
        except data.DataError as error:
            assert str(root / "t10k-") in str(error), error
            assert not list((root / "cache").rglob("*.npz"))
            return
    given_labels = labels[: len(test_images)]
    assert len(given_labels) >= 1
    assert (
        np.array_equal(dataset.test_labels, given_labels) and dataset.test_labels.dtype.kind == "i"
    )
    assert all(0 <= label <= 9 for label in dataset.test_labels)


@given(
    batch_norm=st.booleans(),
    dropped=st.sets(st.integers(0, 11), min_size=1),
)
def test_parameters_with_an_array_missing_are_refused(batch_norm: bool, dropped: set[int]) -> None:
    """Any array taken out of a 3-layer network's parameters: prediction refuses them (without
    ``W2`` it ran a 1-layer network, silently). Taking out all of the last layer, and only it,
    leaves a whole 2-layer network, which is no mistake that the parameters could show."""
    parameters = network.init_parameters([3, 4, 5, 2], seed=1, batch_norm=batch_norm)
    keys = sorted(parameters)
    gone = {keys[d % len(keys)] for d in dropped}
    assume(gone != {"W3", "b3"})
    kept = {key: value for key, value in parameters.items() if key not in gone}
    assert outcome("predict", lambda: network.predict(GOOD_X, kept)) is REFUSED
    assert (
        outcome("forward_all", lambda: network.forward_all(GOOD_X, kept, training=False)) is REFUSED
    )


@settings(max_examples=30)
@given(
    image=hnp.arrays(np.uint8, (8, 8)),
    colour=st.sampled_from([0, 255, 128]),
)
def test_a_png_drawn_in_its_alpha_channel_is_read_as_it_looks(
    image: Array, colour: int, tmp_path_factory: Any
) -> None:
    """Strokes in the alpha channel over a transparent background, in one colour: read as the
    grey image the strokes make (light on dark, as the data sets), not as a uniform square."""
    rgba = np.zeros((8, 8, 4), dtype=np.uint8)
    rgba[..., :3] = colour
    rgba[..., 3] = image
    path = tmp_path_factory.mktemp("png") / "drawn.png"
    matplotlib.image.imsave(path, rgba)
    saved = types.SimpleNamespace(meta={"max_value": 255.0})
    pixels, _ = cli._read_input(str(path), saved, None)  # type: ignore[arg-type]
    # A uniform alpha is a uniform image: its colour over black.
    expected = image if np.ptp(image) > 0 else colour * (image / 255.0)
    np.testing.assert_allclose(pixels[0], expected, atol=1e-3)


def test_the_tests_pass_started_in_the_background(tmp_path: Path) -> None:
    """``tox &`` or ``nohup tox``: a shell starts a background job with Ctrl-C ignored (SIG_IGN),
    and every process it starts inherits that; ``setsid``: no terminal. The tests that press
    Ctrl-C (13 of ``tests/test_resume.py`` failed so) must pass started that way too."""
    start = (
        "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_IGN); "
        "os.execv(sys.executable, [sys.executable, *sys.argv[1:]])"
    )
    selection = ["tests/test_resume.py", "tests/test_cli.py", "-k", "ctrl_c or sigterm"]
    result = subprocess.run(
        [sys.executable, "-c", start, "-m", "pytest", "-q", "-p", "no:cacheprovider", *selection],
        cwd=SCRATCH.parent,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        start_new_session=True,  # setsid: no controlling terminal
        check=False,
        env={**os.environ, "HYPOTHESIS_PROFILE": "dev", "TMPDIR": str(tmp_path)},
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert " passed" in result.stdout and "failed" not in result.stdout
