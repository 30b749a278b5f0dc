"""One fixed input for each registry case, for reading a learner's file by what it computes.

Where a name leaves a choice (is ``loss(A, Y)`` the categorical or the binary cross-entropy, one
per example or the mean? does ``sigmoid_derivative(x)`` take ``Z`` or ``A``? in which order does
``linear_backward`` return its three gradients?), each reading is tried on this input and compared
with the oracle. The input is not degenerate: several examples and classes, values off kinks and
off saturation, and every array of a case of its own shape, so that results can be told apart by
their shapes too. It is deterministic: the same reading every run.
"""

from __future__ import annotations

from typing import Any

import numpy as np

import oracle


def _read_only(x: Any) -> Any:
    x = np.asarray(x)
    x.flags.writeable = False
    return x


def _off_zero(rng: np.random.Generator, shape: tuple[int, ...], high: float = 2.0) -> Any:
    sign = np.where(rng.random(shape) < 0.5, -1.0, 1.0)
    return _read_only(sign * rng.uniform(0.2, high, shape))


#: Inputs kept as they are when a failing input is given typical values: labels, masks, names.
KEPT = ("Y", "mask", "activation", "keep_prob", "lambd", "m", "seed", "eps", "alpha")
#: Inputs that are probabilities.
PROBABILITIES = ("AL",)


def like(case: str, x: dict[str, Any]) -> dict[str, Any]:
    """``x`` with typical values in place of its own, of the same shapes: each array drawn again
    (off zero, off saturation) from a generator seeded by the case. The same shapes keep what
    depends on them (a mistake made only when m > 3); the values leave the coincidences of a
    shrunk example behind (Z = 0, AL = 1/2, a 1 x 2 matrix of ones)."""
    rng = np.random.default_rng(sum(map(ord, case)) + 1)
    out = dict(x)
    for name, value in x.items():
        if name in KEPT or not isinstance(value, np.ndarray) or value.dtype.kind != "f":
            continue
        if name in PROBABILITIES:
            out[name] = _read_only(rng.uniform(0.05, 0.95, value.shape))
        else:
            out[name] = _off_zero(rng, value.shape)
    if "ZL" in out:
        out["AL"] = _read_only(oracle.softmax(out["ZL"]))
    if isinstance(x.get("others"), list):
        out["others"] = [_off_zero(rng, np.shape(w)) for w in x["others"]]
    return out


def probe(case: str) -> dict[str, Any]:
    """The probe input of ``case`` (a registry case name, or ``layer`` for every layer case)."""
    rng = np.random.default_rng(sum(map(ord, case)))
    n, m, n_prev, C = 3, 5, 4, 3
    Z = _off_zero(rng, (n, m))
    dA = _off_zero(rng, (n, m), 1.5)
    if case in ("relu", "sigmoid", "tanh", "softmax"):
        return {"Z": Z, "dA": dA}
    if case == "leaky_relu":
        return {"Z": Z, "dA": dA, "alpha": 0.1}
    if case == "linear" or case.startswith("layer"):
        x = {
            "A_prev": _off_zero(rng, (n_prev, m)),
            "W": _off_zero(rng, (n, n_prev), 1.0),
            "b": _off_zero(rng, (n, 1), 1.0),
            "dZ": dA,
        }
        if case.startswith("layer"):
            x["activation"] = case[6:-1] if "[" in case else "relu"
        return x
    ZL = _off_zero(rng, (C, m))
    AL = _read_only(oracle.softmax(ZL))
    Y = _read_only(np.eye(C)[:, rng.integers(0, C, m)])
    if case in ("cross_entropy", "binary_cross_entropy") or case.endswith("_cost"):
        return {"AL": AL, "Y": Y}
    if case == "mse":
        return {"AL": AL, "Y": Y}
    if case == "softmax_cross_entropy":
        return {"ZL": ZL, "AL": AL, "Y": Y}
    if case == "cost":
        return {"loss": _read_only(rng.uniform(0.1, 3.0, (1, m)))}
    if case == "l2_penalty":
        return {
            "W": _off_zero(rng, (n, n_prev)),
            "others": [_off_zero(rng, (2, n))],
            "lambd": 0.7,
            "m": m,
        }
    if case == "dropout":
        mask = _read_only(rng.random((n, m)) < 0.6)
        return {"A": Z, "dA": dA, "keep_prob": 0.6, "seed": 3, "mask": mask}
    if case == "batchnorm":
        return {
            "Z": Z,
            "gamma": _off_zero(rng, (n, 1)),
            "beta": _off_zero(rng, (n, 1)),
            "dZ_out": dA,
            "eps": 1e-5,
        }
    raise KeyError(f"no probe for {case!r}")
