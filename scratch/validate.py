"""Checks at the public boundary: a clear ``ValueError`` for what learners commonly get wrong.

The functions that take a user's arrays (``scratch.network``, ``scratch.model``, the data
loaders) call these once, on the way in; the maths modules (activations, linear layers, losses,
regularisation, batch norm) do not check, so that each formula reads as the course writes it.

Every message starts with the function that was called (``where``), says what it expected and what
it got, and, when the shapes make it likely, guesses the cause: ``X is (m, n_features); did you
mean X.T?``, ``integer labels? did you mean one_hot(Y, 10)?``. A NaN or an infinity raises
``NonFiniteError`` (a ``ValueError``), so that a caller such as ``model`` can tell a value that
blew up from a wrong argument.
"""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Mapping
from typing import Any

import numpy as np

from scratch._types import Array

#: NumPy dtype kinds that hold real numbers: bool, signed and unsigned integers, floats.
REAL_KINDS = "biuf"
#: The names of a batch-normed hidden layer's arrays (it has no ``b{l}``).
BATCHNORM_KEYS = ("gamma", "beta", "running_mean", "running_var")
#: A layer's array: its name and the layer's number (``W3``, ``b3``, ``running_var3``).
LAYER_KEY = re.compile(r"(W|b|gamma|beta|running_mean|running_var)([0-9]+)")


class NonFiniteError(ValueError):
    """A NaN or an infinity where a finite number is needed (given, or produced by overflow).
    ``summary``: what was found, without where (``"dW1 has 3 infinite values"``)."""

    def __init__(self, message: str, summary: str) -> None:
        super().__init__(message)
        self.summary = summary


# --- Numbers -------------------------------------------------------------------------------------


def number(
    where: str,
    name: str,
    value: object,
    low: float,
    high: float = math.inf,
    *,
    low_open: bool = False,
    high_open: bool = False,
) -> float:
    """``value`` as a finite float from ``low`` to ``high`` (no upper bound by default; each end
    closed unless ``*_open``), else ``ValueError`` saying what it must be."""
    if not isinstance(value, bool) and isinstance(value, numbers.Real):
        x = float(value)
        inside = (low < x if low_open else low <= x) and (x < high if high_open else x <= high)
        if math.isfinite(x) and inside:
            return x
    if math.isfinite(high):
        wanted = f"in {'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
    else:
        wanted = f"a finite number {'>' if low_open else '>='} {low:g}"
    raise ValueError(f"{where}: {name} must be {wanted}, got {value!r}")


def integer(where: str, name: str, value: object, minimum: int = 0) -> int:
    """``value`` as an ``int >= minimum`` (a float with an integer value is accepted)."""
    if not isinstance(value, bool) and isinstance(value, (int, float, np.integer, np.floating)):
        x = float(value)
        if x.is_integer() and x >= minimum:
            return int(x)
    raise ValueError(f"{where}: {name} must be an integer >= {minimum}, got {value!r}")


def float_dtype(where: str, dtype: object) -> np.dtype[Any]:
    """``dtype`` as a NumPy floating dtype (float16, float32, float64, ...)."""
    try:
        resolved = np.dtype(dtype)  # type: ignore[call-overload]
    except TypeError:
        raise ValueError(
            f"{where}: dtype must be a float type such as np.float32, got {dtype!r}"
        ) from None
    if resolved.kind != "f":
        raise ValueError(
            f"{where}: dtype must be a float type such as np.float32 or np.float64, got {resolved}"
        )
    return resolved


# --- Arrays --------------------------------------------------------------------------------------


def real_array(where: str, name: str, value: object) -> Array:
    """``value`` as an array of real numbers (bool, integers or floats), else ``ValueError``."""
    try:
        A = np.asarray(value)
    except (ValueError, TypeError) as error:  # a ragged list of lists
        raise ValueError(f"{where}: {name} is not an array of numbers ({error})") from None
    if A.dtype.kind not in REAL_KINDS:
        what = {"c": "complex numbers", "O": "Python objects", "U": "strings", "S": "bytes"}
        raise ValueError(
            f"{where}: {name} must hold real numbers, got dtype {A.dtype} "
            f"({what.get(A.dtype.kind, 'not numbers')})"
        )
    return A


def finite(where: str, name: str, A: Array, hint: str = "") -> None:
    """``NonFiniteError`` if ``A`` has a NaN or an infinity: how many, and where the first is."""
    if surely_finite(A):  # the quick test; the element-wise scan, which says where, if in doubt
        return
    bad = ~np.isfinite(A)
    if bad.any():
        if A.ndim == 0:
            summary = detail = f"{name} is {A}"
        else:
            first = tuple(int(i) for i in np.argwhere(bad)[0])
            n_nan = int(np.isnan(A).sum())
            n_inf = int(bad.sum()) - n_nan
            counts = " and ".join(
                f"{n} {kind}" for n, kind in ((n_nan, "NaN"), (n_inf, "infinite")) if n
            )
            summary = f"{name} has {counts} value{'s' if bad.sum() > 1 else ''}"
            index = ", ".join(map(str, first))
            detail = f"{summary} (the first: {name}[{index}] = {A[first]})"
        raise NonFiniteError(f"{where}: {detail}{hint}", summary)


#: From this many elements on, ``surely_finite`` takes a dot product (one BLAS pass); below, the
#: smallest and the largest element (two reductions, and no ``np.errstate``, which costs more
#: than a pass over a small array).
DOT_SIZE = 4096


def surely_finite(A: Array) -> bool:
    """``True`` when every element of ``A`` is finite, decided quickly; ``False`` means "look
    closer" with ``finite`` (which says where): a finite array whose squares overflow is doubted
    too. For the checks of every training step."""
    if A.dtype.kind != "f":
        return True  # integers and booleans are always finite
    if A.size >= DOT_SIZE and (A.flags.c_contiguous or A.flags.f_contiguous):
        # A . A: one vectorised BLAS pass without a temporary, NaN or inf if any element is.
        flat = A.ravel(order="K")  # a view of a contiguous array, in memory order
        with np.errstate(over="ignore", invalid="ignore"):  # an overflow only means "look closer"
            return bool(np.isfinite(np.dot(flat, flat)))
    # A NaN anywhere makes the smallest and the largest element NaN, and an infinity is one of them.
    return bool(np.isfinite(A.min(initial=0.0)) and np.isfinite(A.max(initial=0.0)))


def overflow(where: str, name: str, A: Array, inputs: str, advice: str = "") -> None:
    """``NonFiniteError`` if a result ``A`` is not finite although its ``inputs`` were (checked
    before): the computation overflowed, which no input check can catch."""
    advice = advice or "; scale X (e.g. pixels to [0, 1]) or start from smaller weights"
    finite(where, name, A, f": {inputs} are finite, so the computation overflowed{advice}")


def matrix(where: str, name: str, value: object, expected: str = "(n, m)") -> Array:
    """``value`` as a 2-D, non-empty, finite array of real numbers."""
    A = real_array(where, name, value)
    if A.ndim != 2:
        raise ValueError(f"{where}: {name} is {_shape(A)}, expected {expected}")
    if A.size == 0:
        raise ValueError(
            f"{where}: {name} {A.shape} is empty: expected {expected} with at least one row and "
            "one column"
        )
    finite(where, name, A)
    return A


def _shape(A: Array) -> str:
    """``"2-D (3, 4)"``, ``"a scalar"``: how to name an array's shape in a message."""
    return "a scalar" if A.ndim == 0 else f"{A.ndim}-D {A.shape}"


def is_integral(A: Array) -> bool:
    """Every value of ``A`` is a whole number (integer dtype, or floats like 3.0)."""
    return A.dtype.kind in "biu" or bool(np.all(np.mod(A, 1) == 0))


# --- The network's inputs ------------------------------------------------------------------------


def examples(where: str, X: object, n_0: int, name: str = "X") -> Array:
    """``X: (n_0, m)``, one column per example, ``m >= 1``, finite; guesses a transposed ``X``."""
    A = real_array(where, name, X)
    expected = f"({n_0}, m), one column per example"
    if A.ndim != 2:
        if A.ndim == 1:
            hint = (
                f": one example? {name}.reshape(-1, 1)"
                if A.shape[0] == n_0
                else f": a network with {n_0} input features takes {name} ({n_0}, m)"
            )
        elif A.ndim >= 3:
            hint = ": images (m, h, w)? flatten them to (h * w, m) with preprocessing.flatten"
        else:
            hint = ""
        raise ValueError(f"{where}: {name} is {_shape(A)}, expected {expected}{hint}")
    if A.shape[0] != n_0:
        if A.shape[1] == n_0:
            raise ValueError(
                f"{where}: {name} is {A.shape} but W1 takes {n_0} features, so {name} must be "
                f"({n_0}, m): {name} is (m, n_features); did you mean {name}.T?"
            )
        raise ValueError(
            f"{where}: {name} has {A.shape[0]} rows (features) but W1 takes {n_0}: expected "
            f"{name} {expected}"
        )
    if A.shape[1] == 0:
        raise ValueError(f"{where}: {name} {A.shape} is empty: it has no examples (m = 0)")
    finite(where, name, A)
    return A


def mapping(where: str, parameters: object, what: str = "parameters") -> Mapping[str, Any]:
    """``parameters`` if it is a dict (a ``Mapping``), else ``ValueError``."""
    if not isinstance(parameters, Mapping):
        raise ValueError(
            f"{where}: {what} must be a dict of arrays ('W1', 'b1', ...), "
            f"got {type(parameters).__name__}"
        )
    return parameters


def parameters(
    where: str,
    parameters: object,
    batch_norm: bool | None = None,
    prediction: bool = False,
    scan_weights: bool = True,
) -> dict[str, Array]:
    """Check ``W1 .. WL`` and each layer's ``b`` (or batch norm's ``gamma, beta, running_mean,
    running_var``) for shapes that chain, and finite values; return them as arrays (a new dict;
    any other key is carried over as it is).

    ``batch_norm=None``: a hidden layer is batch-normed when ``gamma{l}`` is there. Its running
    statistics are needed for ``prediction`` (and checked whenever they are there).
    ``scan_weights=False``: the weights ``W{l}`` are not scanned for NaN and infinities (their
    shapes and dtypes still are), for a caller that checks them another way at less cost
    (``network.forward_all``, from the first column of each ``Z``); the columns are always scanned.
    """
    checked: dict[str, Array] = dict(mapping(where, parameters))
    L = 0
    while f"W{L + 1}" in checked:
        L += 1
    if L == 0:
        raise ValueError(f"{where}: parameters have no 'W1'")
    _no_stray_layer(where, checked, L)
    n_prev: int | None = None
    for layer in range(1, L + 1):
        W = checked[f"W{layer}"] = real_array(where, f"W{layer}", checked[f"W{layer}"])
        expected = f"(n_{layer}, {'n_0' if n_prev is None else n_prev})"
        if W.ndim != 2:
            raise ValueError(f"{where}: W{layer} is {_shape(W)}, expected {expected}")
        if W.size == 0:
            raise ValueError(
                f"{where}: W{layer} {W.shape} is empty: every layer needs at least one unit "
                "(a hidden layer of width 0 passes nothing on)"
            )
        if n_prev is not None and W.shape[1] != n_prev:
            guess = f"; did you mean W{layer}.T?" if W.shape[0] == n_prev else ""
            raise ValueError(
                f"{where}: W{layer} is {W.shape} but layer {layer - 1} has {n_prev} units: "
                f"expected W{layer} ({W.shape[0]}, {n_prev}){guess}"
            )
        if scan_weights:
            finite(where, f"W{layer}", W)
        n = W.shape[0]
        normed = layer < L and (f"gamma{layer}" in checked if batch_norm is None else batch_norm)
        for key in [f"{k}{layer}" for k in BATCHNORM_KEYS] if normed else [f"b{layer}"]:
            if key not in checked:
                if key.startswith("running_") and not prediction:
                    continue  # only prediction-time batch norm reads them
                raise ValueError(f"{where}: parameters have 'W{layer}' but no '{key}'")
            checked[key] = column(where, key, checked[key], n, f"one per unit of layer {layer}")
        running_var = checked.get(f"running_var{layer}")
        if normed and running_var is not None and np.min(running_var) < 0:
            raise ValueError(f"{where}: running_var{layer} has negative variances")
        n_prev = n
    return checked


def _no_stray_layer(where: str, parameters: Mapping[str, Any], L: int) -> None:
    """``ValueError`` for a layer's array outside layers ``1 .. L``: ``W3`` (or ``b3``) where
    ``W2`` is missing would otherwise be left out, and the network would end at layer 1."""
    stray = []
    for key in parameters:
        match = LAYER_KEY.fullmatch(key) if isinstance(key, str) else None
        if match and not 1 <= int(match[2]) <= L:
            stray.append((match[1] != "W", int(match[2]), key))
    if stray:
        _, layer, key = min(stray)
        missing = f"no 'W{L + 1}'" if layer else "layers are numbered from 1 (W1 .. WL)"
        raise ValueError(f"{where}: parameters have {key!r} but {missing}")


def gradients(
    where: str, parameters: object, grads: object, scan: bool = True
) -> dict[str, tuple[Array, Array]]:
    """For each gradient ``"dW1"`` of ``grads``: ``"W1" -> (W1, dW1)``, checked to be finite and
    of the same shape (NumPy would broadcast a ``(n, 1)`` gradient over a ``(n, k)`` parameter).
    ``scan=False``: the values are not scanned for NaN and infinities (only shapes and dtypes
    are checked), for a caller that checks its result instead (``network.update_parameters``)."""
    parameters = mapping(where, parameters)
    pairs = {}
    for key, grad in mapping(where, grads, "grads").items():
        name = str(key).removeprefix("d")
        if name == key or name not in parameters:
            raise ValueError(f"{where}: gradient {key!r} has no parameter {name!r}")
        parameter = real_array(where, name, parameters[name])
        gradient = real_array(where, key, grad)
        if gradient.shape != parameter.shape:
            guess = f"; did you mean {key}.T?" if gradient.shape == parameter.shape[::-1] else ""
            raise ValueError(
                f"{where}: {key} is {gradient.shape} but {name} is {parameter.shape}: a gradient "
                f"has the shape of its parameter{guess}"
            )
        if scan:
            finite(where, name, parameter)
            finite(where, key, gradient)
        pairs[name] = (parameter, gradient)
    return pairs


def caches(where: str, caches: object, m: int) -> None:
    """``caches``: what ``forward_all`` returned with the ``AL`` of ``m`` examples."""
    if not isinstance(caches, (list, tuple)) or not caches:
        raise ValueError(
            f"{where}: caches must be the non-empty list that forward_all returned, "
            f"got {caches!r:.60}"
        )
    last = getattr(caches[-1], "layer", None)
    A_prev = getattr(last, "A_prev", None)
    if getattr(last, "activation", None) not in ("softmax", "sigmoid") or A_prev is None:
        raise ValueError(
            f"{where}: caches[-1] is not the cache of a softmax or sigmoid output layer"
        )
    if np.shape(A_prev)[-1] != m:
        raise ValueError(
            f"{where}: AL has m = {m} examples but the caches are of a forward pass of "
            f"{np.shape(A_prev)[-1]}: pass the caches of the forward_all that gave AL"
        )


def predictions(where: str, value: object) -> Array:
    """Predicted labels ``(m,)``, ``m >= 1``."""
    A = real_array(where, "predictions", value)
    if A.ndim != 1:
        guess = "; did you mean predictions.ravel()?" if A.ndim == 2 and 1 in A.shape else ""
        raise ValueError(f"{where}: predictions must be labels (m,), got {_shape(A)}{guess}")
    if A.size == 0:
        raise ValueError(f"{where}: no predictions (m = 0): the accuracy of nothing is undefined")
    finite(where, "predictions", A)
    return A


def column(where: str, name: str, value: object, n: int, what: str = "") -> Array:
    """``value`` as a finite column ``(n, 1)``; guesses a 1-D or transposed one."""
    A = real_array(where, name, value)
    if A.shape != (n, 1):
        guess = ""
        if A.shape == (n,):
            guess = f"; did you mean {name}.reshape(-1, 1)?"
        elif A.shape == (1, n):
            guess = f"; did you mean {name}.T?"
        detail = f" ({what})" if what else ""
        raise ValueError(f"{where}: {name} is {A.shape}, expected ({n}, 1){detail}{guess}")
    finite(where, name, A)
    return A


def probabilities(where: str, AL: object, name: str = "AL") -> Array:
    """``AL: (n_L, m)``, the network's output: finite, in ``[0, 1]``, ``m >= 1``."""
    A = matrix(where, name, AL, "(n_L, m), the output of softmax or sigmoid")
    low, high = float(A.min()), float(A.max())
    if low < 0 or high > 1:
        raise ValueError(
            f"{where}: {name} must be probabilities in [0, 1] (the output of softmax or sigmoid), "
            f"got values from {low:g} to {high:g}: did you pass ZL instead of AL?"
        )
    return A


def labels(
    where: str, Y: object, C: int, m: int, name: str = "Y", against: str | None = None
) -> Array:
    """``Y: (C, m)``: one-hot (``C > 1``: values in ``[0, 1]``, each column summing to 1) or 0/1
    labels (``C == 1``: values in ``[0, 1]``). ``against`` names the array whose shape ``Y`` must
    have (``"AL"``); the message then says that the two differ.

    Guesses integer labels given where one-hot belongs, and a transposed ``Y``.
    """
    A = real_array(where, name, Y)
    kind = "one-hot" if C > 1 else "0/1 labels"
    one_hot_hint = f"integer labels? did you mean one_hot({name}, {C})?"
    if A.ndim == 1:
        guess = one_hot_hint if C > 1 else f"did you mean {name}.reshape(1, -1)?"
        raise ValueError(f"{where}: {name} is 1-D {A.shape}, expected {kind} ({C}, {m}): {guess}")
    if A.ndim != 2:
        raise ValueError(f"{where}: {name} is {_shape(A)}, expected {kind} ({C}, {m})")
    if A.size == 0:
        raise ValueError(f"{where}: {name} {A.shape} is empty, expected {kind} ({C}, {m})")
    if A.shape != (C, m):
        said = (
            f"{where}: {against} ({C}, {m}) and {name} {A.shape} differ"
            if against
            else f"{where}: {name} is {A.shape}, expected {kind} ({C}, {m})"
        )
        if A.shape == (m, C):
            guess = f"{name} is (m, C), one row per example; did you mean {name}.T?"
        elif A.shape == (1, m) and C > 1 and A.size and is_integral(A):
            guess = f"integer labels? did you mean one_hot({name}[0], {C})?"
        elif A.shape[1] == m:
            guess = f"{name} has {A.shape[0]} rows (classes) but {against or 'the output'} {C}"
        else:
            guess = f"{name} has m = {A.shape[1]} examples, expected {m}"
        raise ValueError(f"{said}: {guess}")
    finite(where, name, A)
    low, high = float(A.min()), float(A.max())
    if low < 0 or high > 1:
        if C > 1 and is_integral(A):
            guess = f": {name} holds integers {low:g} .. {high:g}, not one-hot; {one_hot_hint}"
        elif C == 1 and is_integral(A):
            guess = (
                f": labels out of range: binary labels are 0 or 1; for {int(high) + 1} classes "
                f"use a softmax output and one_hot(labels, {int(high) + 1})"
            )
        else:
            guess = ""
        raise ValueError(
            f"{where}: {name} must be {kind} with values in [0, 1], got values from {low:g} to "
            f"{high:g}{guess}"
        )
    if C > 1:
        sums = A.sum(axis=0, dtype=np.float64)
        dtype = A.dtype if A.dtype.kind == "f" else np.dtype(np.float64)
        # Each of the C entries may carry half an ulp of rounding (labels computed in float64 and
        # stored in float32), and their sum C more: 2 C ulps of 1 is the most an exact
        # probability vector can be off.
        tolerance = 2 * C * float(np.finfo(dtype).eps)
        off = np.abs(sums - 1) > tolerance
        if off.any():
            j = int(np.argmax(off))
            raise ValueError(
                f"{where}: {name} must be one-hot (each column sums to 1), but column {j} sums "
                f"to {sums[j]:g}"
            )
    return A


def keep_prob(where: str, value: object) -> float:
    """Dropout's ``keep_prob`` in ``(0, 1]``: 1 keeps every unit, 0 would keep none."""
    return number(where, "keep_prob", value, 0.0, 1.0, low_open=True)
