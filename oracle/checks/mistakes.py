"""What the common mistakes would return, so that a failure can name the one that was made.

For each case of ``oracle/checks/registry.py``: ``KNOWN[name](x)`` maps an output's name to
``{diagnosis: what a function making that mistake returns on the inputs x}``. These are wrong on
purpose and written with NumPy here, in the tests: they are evidence for a diagnosis, never a
reference. ``EXAMPLES[name]`` names the inputs that carry one column per example, so that a
failing batch can be retried on one example alone.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

import oracle

Inputs = dict[str, Any]
Known = dict[str, dict[str, Any]]


def _softmax(x: Inputs) -> Known:
    s = oracle.softmax(x["Z"])
    return {
        "dZ": {
            "you used only the diagonal of softmax's Jacobian, dZ = dA * s * (1 - s). Each s_i "
            "depends on every z_k (ds_i/dz_k = s_i (1[i = k] - s_k)), so "
            "dZ = s * (dA - sum(s * dA, axis=0, keepdims=True)).": x["dA"] * s * (1 - s),
        }
    }


def _dropout(x: Inputs) -> Known:
    dA, mask, keep_prob = x["dA"], x["mask"], x["keep_prob"]
    return {
        "dA_in": {
            "the dropout mask is not applied in the backward (nor divided by keep_prob): a unit "
            "dropped in the forward passes no gradient back, dA_in = dA * mask / keep_prob.": dA,
            "the dropout mask is not applied in the backward: a unit dropped in the forward "
            "passes no gradient back, dA_in = dA * mask / keep_prob.": dA / keep_prob,
            "the backward applies the mask but does not divide by keep_prob. Inverted dropout "
            "scales the kept units by 1/keep_prob in the forward, so the backward must too: "
            "dA_in = dA * mask / keep_prob.": dA * mask,
        }
    }


def _l2(x: Inputs) -> Known:
    W, lambd, m = x["W"], x["lambd"], x["m"]
    return {
        "dW": {
            "the L2 gradient without its 1/m: the penalty is lambd/(2m) * sum(W**2), so its "
            "gradient is (lambd/m) * W, not lambd * W.": lambd * W,
            "the L2 gradient with the 1/2 kept: d/dW of lambd/(2m) * sum(W**2) is (lambd/m) * W; "
            "the 2 of the square cancels the 1/2.": lambd / (2 * m) * W,
        }
    }


def _batchnorm(x: Inputs) -> Known:
    Z, gamma, eps = x["Z"], x["gamma"], x["eps"]
    inv_std = 1 / np.sqrt(Z.var(axis=1, keepdims=True) + eps)
    return {
        "dZ": {
            "dZ treats the batch mean and variance as constants (dZ = gamma * inv_std * dZ_out): "
            "both depend on every Z_j, which adds the terms - sum(dZ_hat) / m and "
            "- Z_hat * sum(dZ_hat * Z_hat) / m.": gamma * inv_std * x["dZ_out"],
        }
    }


def _unbiased_batchnorm(x: Inputs) -> Known:
    Z, gamma, beta, eps = x["Z"], x["gamma"], x["beta"], x["eps"]
    m = Z.shape[1]
    mu = Z.mean(axis=1, keepdims=True)
    # One example: sum((Z - mu)**2) / (m - 1) is 0/0, NaN, as the learner's is.
    with np.errstate(invalid="ignore", divide="ignore"):
        var = ((Z - mu) ** 2).sum(axis=1, keepdims=True) / (m - 1) if m > 1 else np.nan * mu
        Z_hat = (Z - mu) / np.sqrt(var + eps)
    return {
        "Z_out": {
            "the variance is the unbiased one (divided by m - 1, np.var(..., ddof=1)): batch norm "
            "normalises with the batch's own variance, sum((Z - mu)**2) / m, as torch's "
            "batch_norm does in training (np.var's default).": gamma * Z_hat + beta
        }
    }


def _softmax_forward(x: Inputs) -> Known:
    Z = np.asarray(x["Z"], dtype=np.float64)
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    return {
        "A": {
            "softmax is normalised over the wrong axis: each column (one example) must sum to 1, "
            "so sum over the classes, axis=0 (keepdims=True), not over the examples (axis=1). "
            "(The suite's arrays are column-major, one column per example, as in the course: a "
            "file written for X of shape (m, n) reads them transposed.)": (
                E / E.sum(axis=1, keepdims=True)
            )
        }
    }


def _by_classes(output: str, right: Callable[[Inputs], Any]) -> Callable[[Inputs], Known]:
    """A loss's backward divided by the number of classes instead of the number of examples."""

    def known(x: Inputs) -> Known:
        C, m = np.shape(x["AL"])
        if m == C:
            return {}
        return {
            output: {
                f"you divide by the number of classes C = {C} (AL.shape[0]) instead of the number "
                f"of examples m = {m} (AL.shape[1]): the cost is the mean over the examples, the "
                "columns.": right(x) * m / C
            }
        }

    return known


def _cross_entropy_backward(x: Inputs) -> Known:
    AL, Y = np.asarray(x["AL"], dtype=np.float64), x["Y"]
    m = AL.shape[1]
    known = _by_classes("dAL", lambda x: -Y / (m * AL))(x)
    with np.errstate(divide="ignore", invalid="ignore"):
        binary = (AL - Y) / (AL * (1 - AL)) / m
    known.setdefault("dAL", {})[
        "this is the gradient of the binary cross-entropy, (AL - Y) / (m AL (1 - AL)): the "
        "categorical cross-entropy -sum(Y log(AL)) has dAL = -Y / (m AL), nonzero only for the "
        "true class."
    ] = binary
    return known


def _binary_cross_entropy_backward(x: Inputs) -> Known:
    AL, Y = np.asarray(x["AL"], dtype=np.float64), x["Y"]
    m = AL.shape[1]
    known = _by_classes("dAL", lambda x: (AL - Y) / (m * AL * (1 - AL)))(x)
    known.setdefault("dAL", {})[
        "a sign is flipped in one term: d/dAL of -(Y log(AL) + (1 - Y) log(1 - AL)) is "
        "-Y / AL + (1 - Y) / (1 - AL), divided by m."
    ] = -(Y / AL + (1 - Y) / (1 - AL)) / m
    return known


def _relu_backward(x: Inputs) -> Known:
    dA = x["dA"]
    return {
        "dZ": {
            "the mask is taken from the wrong array: relu passes the gradient where its input Z "
            "is positive, dZ = dA * (Z > 0), whatever the sign of dA.": dA * (dA > 0),
        }
    }


#: The story's loss: the binary cross-entropy of each class, added up, used for a softmax output.
BINARY_FOR_CATEGORICAL = (
    "this is the binary cross-entropy of each class, added up over the classes: "
    "-sum(Y log(A) + (1 - Y) log(1 - A)). For a softmax output (one class out of C) the loss is "
    "the categorical cross-entropy, -sum(Y log(A)) over the classes: its gradient through "
    "softmax is exactly (A - Y) / m. The binary one treats each class as a yes/no question of "
    "its own, and a gradient check against it needs a fudge factor (C / (C - 1) near uniform "
    "predictions)."
)


def _binary_summed(x: Inputs) -> Any:
    AL, Y = np.asarray(x["AL"], dtype=np.float64), x["Y"]
    with np.errstate(divide="ignore", invalid="ignore"):
        return -(Y * np.log(AL) + (1 - Y) * np.log1p(-AL)).sum(axis=0, keepdims=True)


def _cross_entropy(x: Inputs) -> Known:
    return {"loss": {BINARY_FOR_CATEGORICAL: _binary_summed(x)}} if x["AL"].shape[0] > 1 else {}


def _cross_entropy_cost(x: Inputs) -> Known:
    if x["AL"].shape[0] < 2:
        return {}
    return {"J": {BINARY_FOR_CATEGORICAL: np.asarray(np.mean(_binary_summed(x)))}}


#: The story's fudge factor, and where it comes from.
FUDGE_FACTOR = (
    "your dZL is C / (C - 1) times the right one, C = {C} classes: the fudge factor n/(n-1) "
    "that makes a gradient check pass when the loss is the binary cross-entropy summed over the "
    "classes (through softmax its gradient is (A - Y) * C / (C - 1) at uniform predictions, "
    "where a gradient check at initialisation looks). The loss is the mistake: for a softmax "
    "output use the categorical cross-entropy -sum(Y log(A)), whose gradient is dZL = (A - Y) / m, "
    "and drop the factor."
)


def _softmax_cross_entropy(x: Inputs) -> Known:
    C, m = x["AL"].shape
    if C < 2:
        return {}
    known = _by_classes("dZL", lambda x: (x["AL"] - x["Y"]) / m)(x)
    known.setdefault("dZL", {})[FUDGE_FACTOR.format(C=C)] = (x["AL"] - x["Y"]) / m * C / (C - 1)
    return known


def _output_formula(
    name: str, formula: str, wrong: Callable[[Any], Any]
) -> Callable[[Inputs], Known]:
    """The derivative written from the forward's output (``s * (1 - s)``, ``1 - t**2``) but
    computed from the input ``Z``."""

    def known(x: Inputs) -> Known:
        return {
            "dZ": {
                f"you applied the output's formula to the input: {formula} is the derivative "
                f"written in terms of the output {name}(Z), but it was computed from Z itself. "
                f"Compute s = {name}(Z) first (or pass the forward's output A, and name the "
                "argument A).": x["dA"] * wrong(x["Z"])
            }
        }

    return known


KNOWN: dict[str, Callable[[Inputs], Known]] = {
    "relu": _relu_backward,
    "cross_entropy": _cross_entropy_backward,
    "binary_cross_entropy": _binary_cross_entropy_backward,
    "mse": _by_classes("dAL", lambda x: 2 * (x["AL"] - x["Y"]) / x["AL"].shape[1]),
    "sigmoid": _output_formula("sigmoid", "s * (1 - s)", lambda Z: Z * (1 - Z)),
    "tanh": _output_formula("tanh", "1 - t**2", lambda Z: 1 - Z**2),
    "softmax": _softmax,
    "dropout": _dropout,
    "l2_penalty": _l2,
    "batchnorm": _batchnorm,
    "softmax_cross_entropy": _softmax_cross_entropy,
}
#: The same for forwards.
KNOWN_FORWARD: dict[str, Callable[[Inputs], Known]] = {
    "softmax": _softmax_forward,
    "batchnorm": _unbiased_batchnorm,
    "cross_entropy": _cross_entropy,
    "cross_entropy_cost": _cross_entropy_cost,
}

#: For each case, the inputs whose columns are the examples (axis 1). Absent: no batch to split.
EXAMPLES: dict[str, tuple[str, ...]] = {
    **{a: ("Z", "dA") for a in ("relu", "leaky_relu", "sigmoid", "tanh", "softmax")},
    "linear": ("A_prev", "dZ"),
    **{
        f"layer[{a}]": ("A_prev", "dZ")
        for a in ("relu", "leaky_relu", "sigmoid", "tanh", "softmax", "identity")
    },
    **{loss: ("AL", "Y") for loss in ("cross_entropy", "binary_cross_entropy", "mse")},
    "cost": ("loss",),
    "softmax_cross_entropy": ("ZL", "AL", "Y"),
    "dropout": ("A", "dA", "mask"),
}

#: For each case, the input whose exact zeros are kinks of the function.
KINKS: dict[str, str] = {"relu": "Z", "leaky_relu": "Z"}


def one_example(name: str, x: Inputs, j: int = 0) -> Inputs | None:
    """The inputs cut down to their example ``j``, or ``None`` when the case has no batch."""
    if name not in EXAMPLES:
        return None
    out = dict(x)
    for key in EXAMPLES[name]:
        out[key] = np.asarray(x[key])[:, j : j + 1]
    return out


def batch_size(name: str, x: Inputs) -> int | None:
    """``m``: the number of examples in ``x`` (the ``m`` argument for L2)."""
    if name == "l2_penalty":
        return int(x["m"])
    if name in EXAMPLES:
        return int(np.shape(x[EXAMPLES[name][0]])[1])
    if name == "batchnorm":
        return int(np.shape(x["Z"])[1])
    return None
