"""The contract as one table: each function of ``scratch``, its oracle, its inputs and its formula.

``tests/test_contract.py`` runs the same properties over every ``Case`` here; the laws that belong
to one function sit in that function's own test module. A case calls the implementation through a
module (``impl``), so the same table checks ``scratch`` or any module with the same functions.

Each case knows:
- ``draw(domain)``: a strategy of named inputs. ``domain="any"`` is the whole domain (kinks
  included); ``"smooth"`` keeps inputs off kinks and saturation, for finite differences.
- ``forward`` / ``backward``: call the implementation; return named outputs / gradients.
- ``oracle_forward`` / ``oracle_backward``: the same from ``oracle`` (autograd).
- ``gradcheck``: the implementation's forward as a function of its inputs, for finite differences.
- ``scale``: for an output name, the magnitude of what was summed to make it (see
  ``oracle.compare``); ``terms``: the length of its longest sum.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from types import ModuleType
from typing import Any

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st

import oracle
from oracle.checks import strategies as s

Inputs = dict[str, Any]

#: In the smooth domain, inputs smaller than this are zero (see ``strategies.arrays``).
SMOOTH_TINY = 1e-3
Outputs = dict[str, Any]


@dataclass(frozen=True)
class GradCheckSpec:
    """What the finite-difference checker needs: ``f(*args)``, which arguments to vary (by the
    gradient's name), and the upstream gradient (``None`` for a scalar cost)."""

    f: Callable[..., Any]
    args: list[Any]
    analytic: dict[str, tuple[int, Any]]
    upstream: Any


@dataclass(frozen=True, repr=False)
class Case:
    name: str
    forward_name: str
    backward_name: str | None
    formula: str
    draw: Callable[[str], st.SearchStrategy[Inputs]]
    forward: Callable[[ModuleType, Inputs], Outputs]
    oracle_forward: Callable[[Inputs, Outputs], Outputs]
    backward: Callable[[ModuleType, Inputs], Outputs] | None = None
    oracle_backward: Callable[[Inputs], Outputs] | None = None
    gradcheck: Callable[[ModuleType, Inputs], GradCheckSpec] | None = None
    #: The name of the upstream gradient among the inputs (``None`` for a loss: its cost is scalar).
    upstream: str | None = None
    terms: Callable[[Inputs], int] = lambda x: 1
    scale: Mapping[str, Callable[[Inputs], float]] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.name

    __repr__ = __str__

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        """How hypothesis shows the case in a failing example: by its name, not its lambdas."""
        printer.text(self.name)


def _scales_of(
    scales: Callable[[Inputs], dict[str, float]], names: tuple[str, ...]
) -> dict[str, Callable[[Inputs], float]]:
    """For each output name, its scale taken from ``scales(x)``."""

    def one(name: str) -> Callable[[Inputs], float]:
        return lambda x: scales(x)[name]

    return {name: one(name) for name in names}


def _max(x: Any) -> float:
    return float(np.max(np.abs(x))) if np.size(x) else 0.0


# --- Activations: Z (n, m) -> A (n, m); dA, Z -> dZ ------------------------------------------


def _activation(
    name: str,
    formula: str,
    smooth: Mapping[str, Any],
    terms: Callable[[Inputs], int] = lambda x: 1,
    scale: Mapping[str, Callable[[Inputs], float]] | None = None,
    alpha: bool = False,
) -> Case:
    @st.composite
    def draw(d: st.DrawFn, domain: str) -> Inputs:
        shape = d(s.dims(large=domain != "smooth"))
        Z = d(s.arrays(shape, **smooth)) if domain == "smooth" else d(s.arrays(shape))
        x = {"Z": Z, "dA": d(s.upstream(shape))}
        if alpha:
            x["alpha"] = d(st.sampled_from([0.01, 0.1, 0.3]))
        return x

    def kw(x: Inputs) -> dict[str, Any]:
        return {"alpha": x["alpha"]} if alpha else {}

    fwd, bwd = name, f"{name}_backward"
    return Case(
        name=name,
        forward_name=fwd,
        backward_name=bwd,
        formula=formula,
        draw=draw,
        forward=lambda impl, x: {"A": getattr(impl, fwd)(x["Z"], **kw(x))},
        oracle_forward=lambda x, out: {"A": getattr(oracle, fwd)(x["Z"], **kw(x))},
        backward=lambda impl, x: {"dZ": getattr(impl, bwd)(x["dA"], x["Z"], **kw(x))},
        oracle_backward=lambda x: {"dZ": getattr(oracle, bwd)(x["dA"], x["Z"], **kw(x))},
        gradcheck=lambda impl, x: GradCheckSpec(
            lambda Z: getattr(impl, fwd)(Z, **kw(x)),
            [x["Z"]],
            {"dZ": (0, getattr(impl, bwd)(x["dA"], x["Z"], **kw(x)))},
            x["dA"],
        ),
        upstream="dA",
        terms=terms,
        scale=scale or {},
    )


# 1 - s and 1 - t**2 are computed from s, t <= 1, so their absolute error is eps, not eps * |1 - s|:
# dZ's error is measured against |dA|.
_upstream_scale = {"dZ": lambda x: _max(x["dA"])}

ACTIVATIONS = [
    _activation("relu", "dZ = dA * 1[Z > 0]", {"away_from": 1e-3}),
    _activation("leaky_relu", "dZ = dA * (1 if Z > 0 else alpha)", {"away_from": 1e-3}, alpha=True),
    _activation(
        "sigmoid",
        "dZ = dA * s * (1 - s), s = sigmoid(Z)",
        {"low": -6.0, "high": 6.0},
        scale=_upstream_scale,
    ),
    _activation(
        "tanh", "dZ = dA * (1 - tanh(Z)**2)", {"low": -4.0, "high": 4.0}, scale=_upstream_scale
    ),
    # dZ = s * (dA - <s, dA>) subtracts a weighted sum of dA over the C classes.
    _activation(
        "softmax",
        "dZ = s * (dA - sum_k s_k dA_k), s = softmax(Z)",
        {"low": -5.0, "high": 5.0},
        terms=lambda x: x["Z"].shape[0],
        scale=_upstream_scale,
    ),
]


# --- Linear part and whole layer ---------------------------------------------------------------


@st.composite
def _linear_inputs(d: st.DrawFn, domain: str, activation: str | None = None) -> Inputs:
    n, m = d(s.dims(large=domain != "smooth"))
    n_prev = d(st.integers(1, 6))
    away = {"away_from": 0.1, "high": 2.0} if domain == "smooth" else {"low": -2.0, "high": 2.0}
    x = {
        "A_prev": d(s.arrays((n_prev, m), **away)),
        "W": d(s.arrays((n, n_prev), **away)),
        "b": d(s.arrays((n, 1), -2.0, 2.0)),
        "dZ": d(s.upstream((n, m))),
    }
    if activation is not None:
        x["activation"] = activation
        Z = x["W"] @ x["A_prev"] + x["b"]
        if activation in ("relu", "leaky_relu"):
            # Off the kink by more than rounding, or exactly on it: otherwise the two libraries,
            # summing in different orders, may land on different sides of 0 and both be right.
            limit = (
                1e-3
                if domain == "smooth"
                else 1e-9 * (_max(x["W"]) * _max(x["A_prev"]) * n_prev + 1)
            )
            assume(np.all((np.abs(Z) > limit) | ((Z == 0) & (domain != "smooth"))))
        if activation in ("sigmoid", "tanh", "softmax") and domain == "smooth":
            assume(_max(Z) < 8)
    return x


def _matmul_scales(x: Inputs) -> dict[str, float]:
    """Higham's bound for C = A @ B: |fl(C) - C| <= gamma_k |A| @ |B|, so |A| @ |B| is the scale."""
    A, W, dZ = np.abs(x["A_prev"]), np.abs(x["W"]), np.abs(x["dZ"])
    return {
        "Z": _max(W @ A + np.abs(x["b"])),
        "dA_prev": _max(W.T @ dZ),
        "dW": _max(dZ @ A.T),
        "db": _max(dZ.sum(axis=1)),
    }


def _matmul_terms(x: Inputs) -> int:
    return max(x["A_prev"].shape[0], x["dZ"].shape[0], x["dZ"].shape[1])


LINEAR = Case(
    name="linear",
    forward_name="linear_forward",
    backward_name="linear_backward",
    formula="dA_prev = W.T @ dZ, dW = dZ @ A_prev.T, db = sum(dZ, axis=1, keepdims=True)",
    draw=_linear_inputs,
    forward=lambda impl, x: {"Z": impl.linear_forward(x["A_prev"], x["W"], x["b"])},
    oracle_forward=lambda x, out: {"Z": oracle.linear_forward(x["A_prev"], x["W"], x["b"])},
    backward=lambda impl, x: dict(
        zip(
            ("dA_prev", "dW", "db"), impl.linear_backward(x["dZ"], x["A_prev"], x["W"]), strict=True
        )
    ),
    oracle_backward=lambda x: dict(
        zip(
            ("dA_prev", "dW", "db"),
            oracle.linear_backward(x["dZ"], x["A_prev"], x["W"]),
            strict=True,
        )
    ),
    gradcheck=lambda impl, x: GradCheckSpec(
        impl.linear_forward,
        [x["A_prev"], x["W"], x["b"]],
        dict(
            zip(
                ("dA_prev", "dW", "db"),
                ((i, g) for i, g in enumerate(impl.linear_backward(x["dZ"], x["A_prev"], x["W"]))),
                strict=True,
            )
        ),
        x["dZ"],
    ),
    upstream="dZ",
    terms=_matmul_terms,
    scale=_scales_of(_matmul_scales, ("Z", "dA_prev", "dW", "db")),
)


def _layer(activation: str) -> Case:
    def run_backward(impl: ModuleType, x: Inputs) -> Outputs:
        _, cache = impl.layer_forward(x["A_prev"], x["W"], x["b"], activation)
        return dict(zip(("dA_prev", "dW", "db"), impl.layer_backward(x["dZ"], cache), strict=True))

    def gradcheck(impl: ModuleType, x: Inputs) -> GradCheckSpec:
        grads = run_backward(impl, x)
        return GradCheckSpec(
            lambda A_prev, W, b: impl.layer_forward(A_prev, W, b, activation)[0],
            [x["A_prev"], x["W"], x["b"]],
            {"dA_prev": (0, grads["dA_prev"]), "dW": (1, grads["dW"]), "db": (2, grads["db"])},
            x["dZ"],
        )

    def scale(key: str) -> Callable[[Inputs], float]:
        # Every activation's derivative is at most 1 in size (softmax's Jacobian-vector product at
        # most 2), so the linear part's bounds hold for the layer, with dA in place of dZ.
        return lambda x: 2 * _matmul_scales(x)[key]

    return Case(
        name=f"layer[{activation}]",
        forward_name="layer_forward",
        backward_name="layer_backward",
        formula="dZ = g'(Z) applied to dA, then linear_backward(dZ, A_prev, W)",
        draw=lambda domain: _linear_inputs(domain, activation),
        forward=lambda impl, x: {
            "A": impl.layer_forward(x["A_prev"], x["W"], x["b"], activation)[0]
        },
        oracle_forward=lambda x, out: {
            "A": oracle.layer_forward(x["A_prev"], x["W"], x["b"], activation)
        },
        backward=run_backward,
        oracle_backward=lambda x: dict(
            zip(
                ("dA_prev", "dW", "db"),
                oracle.layer_backward(x["dZ"], x["A_prev"], x["W"], x["b"], activation),
                strict=True,
            )
        ),
        gradcheck=gradcheck,
        upstream="dZ",
        terms=lambda x: _matmul_terms(x) + x["W"].shape[0],
        scale={"A": scale("Z"), "dA_prev": scale("dA_prev"), "dW": scale("dW"), "db": scale("db")},
    )


LAYERS = [_layer(a) for a in ("relu", "leaky_relu", "sigmoid", "tanh", "softmax", "identity")]


# --- Losses: AL, Y (C, m) -> loss (1, m); AL, Y -> dAL of the mean cost -----------------------


def _mean_upstream(AL: Any) -> Any:
    """The cost's own gradient with respect to the per-example losses: ``1/m`` each.

    Finite differences of the per-example loss weighted by it equal those of the mean cost, but
    only the changed example carries rounding error (see ``oracle.gradcheck``).
    """
    m = AL.shape[1]
    return np.full((1, m), 1.0 / m)


def _loss(name: str, formula: str, labels: str, margin: float) -> Case:
    @st.composite
    def draw(d: st.DrawFn, domain: str) -> Inputs:
        C, m = d(s.dims(large=domain != "smooth"))
        if labels == "binary":
            C = d(st.integers(1, 2))
            Y = d(s.binary_labels((C, m)))
        elif labels == "one_hot":
            C = max(C, 2)
            Y = d(s.one_hot(C, m))
        else:
            Y = d(s.arrays((C, m), -3.0, 3.0, tiny=SMOOTH_TINY if domain == "smooth" else 0.0))
        if labels == "real":
            AL = d(s.arrays((C, m), -3.0, 3.0, tiny=SMOOTH_TINY if domain == "smooth" else 0.0))
        else:
            AL = d(s.probabilities((C, m), margin if domain == "smooth" else 1e-6))
        return {"AL": AL, "Y": Y}

    bwd = f"{name}_backward"
    return Case(
        name=name,
        forward_name=name,
        backward_name=bwd,
        formula=formula,
        draw=draw,
        forward=lambda impl, x: {"loss": getattr(impl, name)(x["AL"], x["Y"])},
        oracle_forward=lambda x, out: {"loss": getattr(oracle, name)(x["AL"], x["Y"])},
        backward=lambda impl, x: {"dAL": getattr(impl, bwd)(x["AL"], x["Y"])},
        oracle_backward=lambda x: {"dAL": getattr(oracle, bwd)(x["AL"], x["Y"])},
        gradcheck=lambda impl, x: GradCheckSpec(
            lambda AL: getattr(impl, name)(AL, x["Y"]),
            [x["AL"]],
            {"dAL": (0, getattr(impl, bwd)(x["AL"], x["Y"]))},
            _mean_upstream(x["AL"]),
        ),
        terms=lambda x: x["AL"].shape[0],
    )


LOSSES = [
    _loss("cross_entropy", "dAL = -Y / (m * AL)", "one_hot", 0.01),
    # log(1 - AL) computed from a rounded 1 - AL is off by eps absolutely, not relatively (log1p
    # avoids that, the course's formula does not): the loss's error is measured against 1.
    replace(
        _loss("binary_cross_entropy", "dAL = (AL - Y) / (m * AL * (1 - AL))", "binary", 0.01),
        scale={"loss": lambda x: 1.0},
    ),
    _loss("mse", "dAL = 2 * (AL - Y) / m", "real", 0.0),
]


@st.composite
def _cost_inputs(d: st.DrawFn, domain: str) -> Inputs:
    _, m = d(s.dims(large=domain != "smooth"))
    return {"loss": d(s.arrays((1, m), 0.0, 10.0))}


COST = Case(
    name="cost",
    forward_name="cost",
    backward_name=None,  # folded into every loss's backward, which returns d cost / d AL
    formula="J = (1/m) * sum(loss)",
    draw=_cost_inputs,
    forward=lambda impl, x: {"J": impl.cost(x["loss"])},
    oracle_forward=lambda x, out: {"J": oracle.cost(x["loss"])},
    terms=lambda x: x["loss"].shape[1],
)


@st.composite
def _softmax_ce_inputs(d: st.DrawFn, domain: str) -> Inputs:
    C, m = d(s.dims(large=domain != "smooth"))
    C = max(C, 2)
    ZL = d(s.arrays((C, m), -5.0, 5.0) if domain == "smooth" else s.arrays((C, m), -30.0, 30.0))
    return {"ZL": ZL, "AL": s.read_only(oracle.softmax(ZL)), "Y": d(s.one_hot(C, m))}


SOFTMAX_CROSS_ENTROPY = Case(
    name="softmax_cross_entropy",
    forward_name="softmax",  # the forward is softmax, then cross_entropy: each checked on its own
    backward_name="softmax_cross_entropy_backward",
    formula="dZL = (AL - Y) / m",
    draw=_softmax_ce_inputs,
    forward=lambda impl, x: {"loss": impl.cross_entropy(impl.softmax(x["ZL"]), x["Y"])},
    oracle_forward=lambda x, out: {"loss": oracle.cross_entropy(oracle.softmax(x["ZL"]), x["Y"])},
    backward=lambda impl, x: {"dZL": impl.softmax_cross_entropy_backward(x["AL"], x["Y"])},
    oracle_backward=lambda x: {"dZL": oracle.softmax_cross_entropy_backward(x["AL"], x["Y"])},
    gradcheck=lambda impl, x: GradCheckSpec(
        lambda ZL: impl.cross_entropy(impl.softmax(ZL), x["Y"]),
        [x["ZL"]],
        {"dZL": (0, impl.softmax_cross_entropy_backward(impl.softmax(x["ZL"]), x["Y"]))},
        _mean_upstream(x["ZL"]),
    ),
    terms=lambda x: x["ZL"].shape[0],
    # (AL - Y) / m: AL and Y are at most 1.
    scale={"dZL": lambda x: 1.0 / x["ZL"].shape[1]},
)


# --- Regularisation ----------------------------------------------------------------------------


@st.composite
def _l2_inputs(d: st.DrawFn, domain: str) -> Inputs:
    n, n_prev = d(st.integers(1, 6)), d(st.integers(1, 6))
    others = d(st.lists(st.tuples(st.integers(1, 5), st.integers(1, 5)), max_size=2))
    tiny = SMOOTH_TINY if domain == "smooth" else 0.0
    return {
        "W": d(s.arrays((n, n_prev), -3.0, 3.0, tiny=tiny)),
        "others": [d(s.arrays(shape, -3.0, 3.0)) for shape in others],
        "lambd": d(st.floats(0.0, 5.0, allow_subnormal=False)),
        "m": d(st.integers(1, 1000)),
    }


L2 = Case(
    name="l2_penalty",
    forward_name="l2_penalty",
    backward_name="l2_penalty_backward",
    formula="dW = (lambd / m) * W",
    draw=_l2_inputs,
    forward=lambda impl, x: {
        "penalty": impl.l2_penalty([x["W"], *x["others"]], x["lambd"], x["m"])
    },
    oracle_forward=lambda x, out: {
        "penalty": oracle.l2_penalty([x["W"], *x["others"]], x["lambd"], x["m"])
    },
    backward=lambda impl, x: {"dW": impl.l2_penalty_backward(x["W"], x["lambd"], x["m"])},
    oracle_backward=lambda x: {"dW": oracle.l2_penalty_backward(x["W"], x["lambd"], x["m"])},
    gradcheck=lambda impl, x: GradCheckSpec(
        lambda W: impl.l2_penalty([W, *x["others"]], x["lambd"], x["m"]),
        [x["W"]],
        {"dW": (0, impl.l2_penalty_backward(x["W"], x["lambd"], x["m"]))},
        None,
    ),
    terms=lambda x: sum(np.size(W) for W in [x["W"], *x["others"]]),
)


@st.composite
def _dropout_inputs(d: st.DrawFn, domain: str) -> Inputs:
    shape = d(s.dims(large=domain != "smooth"))
    return {
        "A": d(s.arrays(shape, -5.0, 5.0)),
        "dA": d(s.upstream(shape)),
        "keep_prob": d(st.sampled_from([0.1, 0.5, 0.8, 0.9, 1.0])),
        "seed": d(st.integers(0, 2**32 - 1)),
        # XOR with a checkerboard: the examples hypothesis shrinks to (all draws 0) then keep
        # and drop alternate units, so a failing example tells a missing mask from a missing
        # 1/keep_prob.
        "mask": s.read_only((d(s.arrays(shape, 0.0, 1.0)) < 0.5) != _checkerboard(shape)),
    }


def _checkerboard(shape: tuple[int, int]) -> Any:
    return (np.add.outer(np.arange(shape[0]), np.arange(shape[1])) % 2).astype(bool)


def _dropout_forward(impl: ModuleType, x: Inputs) -> Outputs:
    A_out, mask = impl.dropout_forward(x["A"], x["keep_prob"], np.random.default_rng(x["seed"]))
    return {"A_out": A_out, "mask": mask}


DROPOUT = Case(
    name="dropout",
    forward_name="dropout_forward",
    backward_name="dropout_backward",
    formula="dA_in = dA * mask / keep_prob",
    draw=_dropout_inputs,
    forward=_dropout_forward,
    # The mask is the implementation's random draw; the oracle applies that same mask.
    oracle_forward=lambda x, out: {
        "A_out": oracle.dropout_forward(x["A"], x["keep_prob"], out["mask"]),
        "mask": out["mask"],
    },
    backward=lambda impl, x: {"dA_in": impl.dropout_backward(x["dA"], x["mask"], x["keep_prob"])},
    oracle_backward=lambda x: {
        "dA_in": oracle.dropout_backward(x["dA"], x["mask"], x["keep_prob"])
    },
    gradcheck=lambda impl, x: GradCheckSpec(
        lambda A: _dropout_forward(impl, {**x, "A": A})["A_out"],
        [x["A"]],
        {
            "dA_in": (
                0,
                impl.dropout_backward(x["dA"], _dropout_forward(impl, x)["mask"], x["keep_prob"]),
            )
        },
        x["dA"],
    ),
    upstream="dA",
)


# --- Batch norm ---------------------------------------------------------------------------------


@st.composite
def _batchnorm_inputs(d: st.DrawFn, domain: str) -> Inputs:
    n, m = d(s.dims(large=domain != "smooth"))
    x = {
        "Z": d(s.arrays((n, m), -5.0, 5.0)),
        "gamma": d(s.arrays((n, 1), -2.0, 2.0)),
        "beta": d(s.arrays((n, 1), -2.0, 2.0)),
        "dZ_out": d(s.upstream((n, m))),
        "eps": d(st.sampled_from([1e-5, 1e-3, 0.1])),
    }
    if domain == "smooth" and m > 1:
        # A (nearly) constant row makes Z - mu pure rounding error, which 1/sqrt(var + eps)
        # then magnifies up to 300 times: the finite differences would measure that, not dZ.
        assume(bool(np.all(x["Z"].var(axis=1) > 0.01)))
    return x


def _bn_scales(x: Inputs) -> dict[str, float]:
    # Z - mu carries an absolute error of eps * max|Z|; 1 / sqrt(var + eps) multiplies it.
    Z, g, dZo = x["Z"], np.abs(x["gamma"]), np.abs(x["dZ_out"])
    inv_std = 1 / np.sqrt(Z.var(axis=1, keepdims=True) + x["eps"])
    z_hat_scale = inv_std * np.abs(Z).max(axis=1, keepdims=True)
    return {
        "Z_out": _max(g * z_hat_scale + np.abs(x["beta"])),
        "dZ": _max(g * inv_std * dZo.sum(axis=1, keepdims=True) * (1 + z_hat_scale**2)),
        "dgamma": _max((dZo * z_hat_scale).sum(axis=1)),
        "dbeta": _max(dZo.sum(axis=1)),
    }


def _bn_backward(impl: ModuleType, x: Inputs) -> Outputs:
    _, cache = impl.batchnorm_forward(x["Z"], x["gamma"], x["beta"], x["eps"])
    return dict(
        zip(("dZ", "dgamma", "dbeta"), impl.batchnorm_backward(x["dZ_out"], cache), strict=True)
    )


BATCHNORM = Case(
    name="batchnorm",
    forward_name="batchnorm_forward",
    backward_name="batchnorm_backward",
    formula=(
        "dZ = inv_std / m * (m * dZ_hat - sum_j dZ_hat - Z_hat * sum_j (dZ_hat * Z_hat)), "
        "dZ_hat = gamma * dZ_out, dgamma = sum_j (dZ_out * Z_hat), dbeta = sum_j dZ_out"
    ),
    draw=_batchnorm_inputs,
    forward=lambda impl, x: {
        "Z_out": impl.batchnorm_forward(x["Z"], x["gamma"], x["beta"], x["eps"])[0]
    },
    oracle_forward=lambda x, out: {
        "Z_out": oracle.batchnorm_forward(x["Z"], x["gamma"], x["beta"], x["eps"])
    },
    backward=_bn_backward,
    oracle_backward=lambda x: dict(
        zip(
            ("dZ", "dgamma", "dbeta"),
            oracle.batchnorm_backward(x["dZ_out"], x["Z"], x["gamma"], x["beta"], x["eps"]),
            strict=True,
        )
    ),
    gradcheck=lambda impl, x: GradCheckSpec(
        lambda Z, gamma, beta: impl.batchnorm_forward(Z, gamma, beta, x["eps"])[0],
        [x["Z"], x["gamma"], x["beta"]],
        {k: (i, g) for i, (k, g) in enumerate(_bn_backward(impl, x).items())},
        x["dZ_out"],
    ),
    upstream="dZ_out",
    terms=lambda x: x["Z"].shape[1],
    scale=_scales_of(_bn_scales, ("Z_out", "dZ", "dgamma", "dbeta")),
)


def _loss_cost(loss: Case) -> Case:
    """A loss written to return the cost (the mean over the examples) rather than one loss per
    example: checked against the mean of the oracle's losses. (Only a learner's file has these.)"""
    name = f"{loss.name}_cost"
    return replace(
        loss,
        name=name,
        forward_name=name,
        backward_name=None,
        formula=f"J = (1/m) * sum({loss.name}(AL, Y))",
        forward=lambda impl, x: {"J": getattr(impl, name)(x["AL"], x["Y"])},
        oracle_forward=lambda x, out: {
            "J": oracle.cost(getattr(oracle, loss.name)(x["AL"], x["Y"]))
        },
        backward=None,
        oracle_backward=None,
        gradcheck=None,
        terms=lambda x: x["AL"].shape[0] + x["AL"].shape[1],
        scale={"J": loss.scale["loss"]} if "loss" in loss.scale else {},
    )


#: Cases only a learner's file can have: a loss that returns the mean.
LEARNER_CASES = [_loss_cost(c) for c in LOSSES]

CASES: list[Case] = [
    *ACTIVATIONS,
    LINEAR,
    *LAYERS,
    *LOSSES,
    COST,
    SOFTMAX_CROSS_ENTROPY,
    L2,
    DROPOUT,
    BATCHNORM,
]
WITH_BACKWARD = [c for c in CASES if c.backward is not None]
