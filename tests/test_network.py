"""The whole network (``scratch.network``) against the oracle's (``oracle.network``, autograd).

1. For drawn architectures (1 to 4 layers, widths 1 to 20, m from 1 to 50, every hidden
   activation, softmax or sigmoid output) with dropout (the same masks for both), L2 and batch
   norm, in float64: ``AL``, the cost and every ``dW, db, dgamma, dbeta`` equal the oracle's.
2. A small network passes the course's gradient check (relative difference below 2e-7).
3. Initialisation, prediction-time batch norm, prediction, accuracy, the update, bad input.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import oracle.network as oracle
import scratch.network as impl
from oracle.compare import assert_close, compare
from oracle.explain import Clues, explain
from oracle.gradcheck import assert_gradients
from tests.ondisk import traced

Array = Any
HIDDEN_ACTIVATIONS = ["relu", "leaky_relu", "sigmoid", "tanh", "identity", "softmax"]
KINKED = {"relu", "leaky_relu"}
#: Above this many elements an array is filled from a generator seeded by hypothesis, not drawn
#: element by element (which is slow for hundreds of elements and shrinks no better).
ELEMENTWISE_LIMIT = 64
#: The course's threshold for the gradient check of a whole network.
GRADCHECK_THRESHOLD = 2e-7


# --- Strategies ----------------------------------------------------------------------------------


def read_only(x: Array) -> Array:
    x = np.asarray(x)
    x.flags.writeable = False
    return x


@st.composite
def arrays(draw: st.DrawFn, shape: tuple[int, ...], low: float, high: float) -> Array:
    """A read-only float64 array in ``[low, high]``."""
    if int(np.prod(shape)) <= ELEMENTWISE_LIMIT:
        elements = st.floats(low, high, allow_nan=False, allow_subnormal=False)
        return read_only(draw(hnp.arrays(np.float64, shape, elements=elements)))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    return read_only(rng.uniform(low, high, size=shape))


@dataclass(frozen=True)
class Net:
    """A drawn network, its data, and the options of its forward pass."""

    X: Array
    Y: Array
    parameters: dict[str, Array]
    hidden_activation: str
    output: str
    keep_prob: float
    masks: list[Array] | None
    batch_norm: bool
    lambd: float

    @property
    def dims(self) -> list[int]:
        L = impl.n_layers(self.parameters)
        return [self.X.shape[0]] + [self.parameters[f"W{k}"].shape[0] for k in range(1, L + 1)]

    def scratch_forward(self) -> tuple[Array, list[impl.Cache]]:
        return impl.forward_all(
            self.X, self.parameters, self.hidden_activation, self.output, self.keep_prob,
            batch_norm=self.batch_norm, masks=self.masks,
        )  # fmt: skip

    def oracle_args(self) -> tuple[Any, ...]:
        return (self.hidden_activation, self.output, self.keep_prob, self.masks, self.batch_norm)


@st.composite
def networks(
    draw: st.DrawFn,
    max_layers: int = 4,
    max_width: int = 20,
    max_m: int = 50,
    activations: list[str] = HIDDEN_ACTIVATIONS,
    batch_norm: bool | None = None,
    dropout: bool | None = None,
) -> Net:
    """A network with drawn sizes and parameters, data ``X, Y``, and the regularisation options.

    ``W{l}`` is uniform in ``+-2 / sqrt(n_{l-1})``, so that the signal keeps its size from layer
    to layer (as He initialisation does) and deep networks neither vanish nor saturate at once.
    ``batch_norm`` / ``dropout``: force the option on or off (``None``: drawn); either needs a
    hidden layer, so forcing one on means ``L >= 2``.
    """
    L = draw(st.integers(2 if batch_norm or dropout else 1, max_layers), label="L")
    output = draw(st.sampled_from(["softmax", "sigmoid"]), label="output")
    n_L = 1 if output == "sigmoid" else draw(st.integers(2, min(10, max_width)), label="C")
    dims = [draw(st.integers(1, max_width)) for _ in range(L)] + [n_L]
    m = draw(st.integers(1, max_m), label="m")
    if batch_norm is None:
        batch_norm = draw(st.booleans(), label="batch_norm") and L > 1
    parameters = {}
    for k in range(1, L + 1):
        bound = 2 / np.sqrt(dims[k - 1])
        parameters[f"W{k}"] = draw(arrays((dims[k], dims[k - 1]), -bound, bound))
        if batch_norm and k < L:
            # gamma of both signs: a negative scale is legal and flips the activation's input.
            parameters[f"gamma{k}"] = draw(arrays((dims[k], 1), -2.0, 2.0))
            parameters[f"beta{k}"] = draw(arrays((dims[k], 1), -1.0, 1.0))
        else:
            parameters[f"b{k}"] = draw(arrays((dims[k], 1), -1.0, 1.0))
    X = draw(arrays((dims[0], m), -3.0, 3.0), label="X")
    if output == "sigmoid":
        Y = read_only((draw(arrays((1, m), 0.0, 1.0)) >= 0.5).astype(np.float64))
    else:
        labels = draw(hnp.arrays(np.int64, (m,), elements=st.integers(0, n_L - 1)))
        Y = read_only(np.eye(n_L)[:, labels])
    keep_probs = {None: [1.0, 0.8, 0.5, 0.2], True: [0.8, 0.5, 0.2], False: [1.0]}[dropout]
    keep_prob = draw(st.sampled_from(keep_probs), label="keep_prob")
    masks = None
    if keep_prob < 1:
        rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
        masks = [read_only(rng.random((dims[k], m)) < keep_prob) for k in range(1, L)]
    lambd = draw(st.sampled_from([0.0, 0.1, 1.5]), label="lambd")
    activation = draw(st.sampled_from(activations), label="hidden_activation")
    return Net(X, Y, parameters, activation, output, keep_prob, masks, batch_norm, lambd)


def assume_well_conditioned(net: Net, AL: Array, caches: list[impl.Cache]) -> None:
    """Leave out the inputs where two correct implementations may legitimately disagree.

    * relu and leaky relu jump at ``Z = 0``: a ``Z`` that rounds to ``1e-17`` in one
      implementation and ``-1e-17`` in the other takes a different derivative.
    * The sigmoid output goes through the binary cross-entropy's ``(AL - Y) / (AL (1 - AL))``: for
      ``AL`` within ``1e-6`` of 0 or 1, ``1 - AL`` has lost most of its digits (a 1-ulp difference
      in ``AL`` is a large relative difference), and below ``1e-12`` torch's floor takes over. The
      loss's own tests cover that regime; here it would only measure the conditioning.
    * A softmax output whose true class has a probability below ``e**-100`` costs 100 in the
      cross-entropy (the log is clamped there, ``LOG_FLOOR``), while the oracle network's cost,
      computed from the logits, keeps growing: the clamp's own tests cover it (found with keep_prob
      0.2 scaling identity layers five-fold, true-class probabilities of e**-300).
    """
    if net.hidden_activation in KINKED:
        for cache in caches[:-1]:
            Z = cache.layer.Z
            tiny = 1e-9 * (float(np.max(np.abs(Z))) + 1.0)
            assume(bool(np.all((Z == 0) | (np.abs(Z) > tiny))))
    if net.output == "sigmoid":
        assume(float(np.min(AL * (1 - AL))) > 1e-6)
    if net.output == "softmax":
        assume(float(np.min(np.sum(AL * net.Y, axis=0))) > np.exp(-90.0))


def rounding_budget(net: Net, AL: Array, caches: list[impl.Cache]) -> int:
    """The ``terms`` of ``assert_close`` for a whole network: its longest chain of roundings.

    Forward, layer ``l`` sums ``n_{l-1}`` products for each ``Z``; backward, ``dA_prev`` sums
    ``n_l`` and ``dW, db`` sum ``m`` terms. A rounding error made anywhere travels to every
    gradient along the same chain as the signal, so all of them add up (``sum(dims) + L * m``),
    measured against the largest gradient of the network (the ``scale``). Two places amplify
    rounding:

    * batch norm centres ``Z``: ``Z - mu`` carries an absolute error ``eps |Z|``, which dividing by
      ``sqrt(var + eps)`` turns into ``eps |Z| / sqrt(var + eps)`` in ``Z_hat`` (of size ~1): a
      factor ``max|Z| * inv_std``, large when a row of ``Z`` barely varies over the batch;
    * the sigmoid output's backward divides by ``AL (1 - AL)``, whose absolute error is ``eps``: a
      factor ``1 / min(AL (1 - AL))``.
    """
    L = len(caches)
    m = net.X.shape[1]
    amplification = 1.0
    for cache in caches:
        if cache.batchnorm is not None and cache.Z_linear is not None:
            spread = float(np.max(np.abs(cache.Z_linear)) * np.max(cache.batchnorm.inv_std))
            amplification = max(amplification, spread)
    if net.output == "sigmoid":
        amplification = max(amplification, 1 / float(np.min(AL * (1 - AL))))
    return int(np.ceil((sum(net.dims) + L * m) * amplification))


# --- 1. The whole network against autograd ------------------------------------------------------


@given(net=networks())
def test_forward_and_cost_match_oracle(net: Net) -> None:
    AL, caches = net.scratch_forward()
    assume_well_conditioned(net, AL, caches)
    terms = rounding_budget(net, AL, caches)
    assert_close(
        "forward_all",
        "AL",
        AL,
        oracle.forward_all(net.X, net.parameters, *net.oracle_args()),
        terms,
    )
    expected = oracle.compute_cost(net.X, net.Y, net.parameters, *net.oracle_args(), net.lambd)
    assert_close(
        "compute_cost",
        "J",
        impl.compute_cost(AL, net.Y, net.parameters, net.lambd),
        expected,
        terms,
    )


def _layer(name: str) -> int:
    """The layer a gradient belongs to: ``dW12`` -> 12."""
    return int(re.sub(r"\D", "", name))


def network_known(net: Net, name: str, expected: dict[str, Array]) -> dict[str, Array]:
    """What the usual whole-network mistakes would give for the gradient ``name``."""
    known: dict[str, Array] = {}
    m = net.X.shape[1]
    if name.startswith("db") and net.lambd:
        known[
            f"L2 is added to {name}: the penalty lambd/(2m) * sum ||W||**2 has no b in it, so "
            "only the dW get (lambd/m) * W; db is the plain sum of dZ."
        ] = expected[name] + net.lambd / m * net.parameters[name[1:]]
    return known


def check_network_gradients(
    net: Net, grads: dict[str, Array], AL: Array, caches: list[impl.Cache]
) -> None:
    """Every gradient equals autograd's; a mismatch is explained at the layer where it enters.

    Backprop runs from the output down, so the first wrong gradient met on the way (the highest
    layer) is where the mistake enters: the layers above it are right.
    """
    expected = oracle.backward_all(net.X, net.Y, net.parameters, *net.oracle_args(), net.lambd)
    assert sorted(grads) == sorted(expected), (
        f"gradients {sorted(grads)}, expected {sorted(expected)}"
    )
    terms = rounding_budget(net, AL, caches)
    scale = max(float(np.max(np.abs(g))) for g in expected.values())
    found = [
        mismatch
        for name, value in expected.items()
        if (
            mismatch := compare(
                f"backward_all ({net.dims})", name, grads[name], value, terms, scale
            )
        )
    ]
    if not found:
        return
    first = max(found, key=lambda f: _layer(f.output))
    layer, L = _layer(first.output), len(caches)
    above = f"layers {layer + 1} to {L} are right and " if layer < L else ""
    where = (
        f"the gradients of {above}layer {layer}'s are not: the mistake enters in layer {layer}'s "
        f"backward (what it reads from its cache: A_prev, W, Z, its dropout mask) or in the dA "
        f"it is given. Wrong: {', '.join(sorted(f.output for f in found))}."
    )
    clues = Clues(m=net.X.shape[1], known=network_known(net, first.output, expected), where=where)
    raise AssertionError(explain(first, clues))


@given(net=networks())
def test_gradients_match_autograd(net: Net) -> None:
    AL, caches = net.scratch_forward()
    assume_well_conditioned(net, AL, caches)
    grads = impl.backward_all(AL, net.Y, caches, net.lambd)
    for name, value in grads.items():
        assert value.shape == net.parameters[name[1:]].shape, name
    check_network_gradients(net, grads, AL, caches)


def _planted_net() -> Net:
    """A fixed 5-5-5-3 network (equal widths, so a swapped cache or mask still fits), with
    dropout on both hidden layers and L2."""
    rng = np.random.default_rng(7)
    dims, m = [5, 5, 5, 3], 6
    parameters = {}
    for k in range(1, 4):
        parameters[f"W{k}"] = read_only(rng.uniform(-0.9, 0.9, (dims[k], dims[k - 1])))
        parameters[f"b{k}"] = read_only(rng.uniform(-0.5, 0.5, (dims[k], 1)))
    X = read_only(rng.uniform(-2, 2, (5, m)))
    Y = read_only(np.eye(3)[:, rng.integers(0, 3, m)])
    masks = [read_only(rng.random((5, m)) < 0.5) for _ in range(2)]
    return Net(X, Y, parameters, "tanh", "softmax", 0.5, masks, False, 0.7)


def _l2_on_db(AL: Array, Y: Array, caches: list[impl.Cache], lambd: float) -> Any:
    grads = impl.backward_all(AL, Y, caches, lambd)
    m = Y.shape[1]
    for k, cache in enumerate(caches, start=1):
        grads[f"db{k}"] = grads[f"db{k}"] + lambd / m * cache.layer.b
    return grads


def _mask_of_layer_2_in_layer_1(AL: Array, Y: Array, caches: list[impl.Cache], lambd: float) -> Any:
    wrong = [caches[0]._replace(mask=caches[1].mask), *caches[1:]]
    return impl.backward_all(AL, Y, wrong, lambd)


def _cache_of_layer_2_in_layer_1(
    AL: Array, Y: Array, caches: list[impl.Cache], lambd: float
) -> Any:
    return impl.backward_all(AL, Y, [caches[1], *caches[1:]], lambd)


@pytest.mark.parametrize(
    ("backward", "said"),
    [
        (_l2_on_db, "diagnosis: L2 is added to db3"),
        (
            _mask_of_layer_2_in_layer_1,
            "where: the gradients of layers 2 to 3 are right and layer 1's",
        ),
        (
            _cache_of_layer_2_in_layer_1,
            "where: the gradients of layers 2 to 3 are right and layer 1's",
        ),
    ],
    ids=["L2-on-db", "mask-of-another-layer", "cache-of-another-layer"],
)
def test_network_mistakes_are_recognised(backward: Any, said: str) -> None:
    """Mistakes of the whole backward pass, planted in ``backward_all``: L2 on ``db`` is named; a
    mask or cache of another layer is placed at the layer whose backward reads it."""
    net = _planted_net()
    AL, caches = net.scratch_forward()
    check_network_gradients(net, impl.backward_all(AL, net.Y, caches, net.lambd), AL, caches)
    with pytest.raises(AssertionError) as caught:
        check_network_gradients(net, backward(AL, net.Y, caches, net.lambd), AL, caches)
    assert said in str(caught.value)


@given(net=networks(dropout=True))
def test_drawn_dropout_masks_are_the_ones_used(net: Net) -> None:
    """Masks drawn from ``rng`` are kept in the caches, and the oracle given them agrees."""
    rng = np.random.default_rng(0)
    AL, caches = impl.forward_all(
        net.X, net.parameters, net.hidden_activation, net.output, net.keep_prob, rng,
        net.batch_norm,
    )  # fmt: skip
    masks = [cache.mask for cache in caches[:-1]]
    assert all(mask is not None and mask.dtype == bool for mask in masks)
    assume_well_conditioned(net, AL, caches)
    args = (net.hidden_activation, net.output, net.keep_prob, masks, net.batch_norm)
    terms = rounding_budget(net, AL, caches)
    assert_close("forward_all", "AL", AL, oracle.forward_all(net.X, net.parameters, *args), terms)


def test_batch_norm_layers_have_no_bias() -> None:
    """The chosen design: a batch-normed hidden layer has gamma, beta and no b (nor db)."""
    parameters = impl.init_parameters([3, 4, 5, 2], batch_norm=True)
    assert sorted(parameters) == sorted(
        ["W1", "gamma1", "beta1", "running_mean1", "running_var1",
         "W2", "gamma2", "beta2", "running_mean2", "running_var2", "W3", "b3"]
    )  # fmt: skip
    X = np.random.default_rng(0).standard_normal((3, 6))
    AL, caches = impl.forward_all(X, parameters, batch_norm=True)
    grads = impl.backward_all(AL, np.eye(2)[:, [0, 1, 1, 0, 0, 1]], caches)
    assert sorted(grads) == ["dW1", "dW2", "dW3", "db3", "dbeta1", "dbeta2", "dgamma1", "dgamma2"]


def test_l2_changes_only_the_weight_gradients() -> None:
    parameters = impl.init_parameters([3, 4, 2], seed=1)
    X = np.random.default_rng(1).standard_normal((3, 5))
    Y = np.eye(2)[:, [0, 1, 1, 0, 1]]
    AL, caches = impl.forward_all(X, parameters)
    plain, with_l2 = impl.backward_all(AL, Y, caches), impl.backward_all(AL, Y, caches, lambd=0.7)
    for name in plain:
        if name.startswith("dW"):
            np.testing.assert_allclose(with_l2[name] - plain[name], 0.7 / 5 * parameters[name[1:]])
        else:
            np.testing.assert_array_equal(with_l2[name], plain[name])


# --- 2. The course's gradient check -------------------------------------------------------------


@given(net=networks(max_layers=3, max_width=4, max_m=6, activations=["tanh", "sigmoid", "relu"]))
def test_small_network_passes_gradient_check(net: Net) -> None:
    AL, caches = net.scratch_forward()
    if net.hidden_activation == "relu":  # finite differences straddle the kink: stay off it
        assume(all(np.min(np.abs(c.layer.Z)) > 1e-3 for c in caches[:-1]))
    if net.output == "sigmoid":
        assume(float(np.min(AL * (1 - AL))) > 1e-6)
    if net.batch_norm:
        # A feature that is (nearly) constant over the batch has variance ~ eps, and batch norm
        # divides its rounding error by sqrt(eps): finite differences there are noise.
        assume(all(np.min(c.Z_linear.var(axis=1)) > 1e-4 for c in caches if c.Z_linear is not None))
    grads = impl.backward_all(AL, net.Y, caches, net.lambd)
    names = list(net.parameters)

    def J(*values: Array) -> Array:
        parameters = dict(zip(names, values, strict=True))
        AL, _ = impl.forward_all(
            net.X, parameters, net.hidden_activation, net.output, net.keep_prob,
            batch_norm=net.batch_norm, masks=net.masks,
        )  # fmt: skip
        return impl.compute_cost(AL, net.Y, parameters, net.lambd)

    analytic = {f"d{k}": (i, grads[f"d{k}"]) for i, k in enumerate(names) if f"d{k}" in grads}
    assert_gradients(J, [net.parameters[k] for k in names], analytic, threshold=GRADCHECK_THRESHOLD)


# --- 3. Initialisation ---------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["zeros", "small", "xavier", "he"])
def test_init_shapes_and_seed(method: str) -> None:
    parameters = impl.init_parameters([5, 4, 3], method, seed=3)
    assert {k: v.shape for k, v in parameters.items()} == {
        "W1": (4, 5), "b1": (4, 1), "W2": (3, 4), "b2": (3, 1)
    }  # fmt: skip
    assert not parameters["b1"].any() and not parameters["b2"].any()
    again = impl.init_parameters([5, 4, 3], method, seed=3)
    assert all(np.array_equal(parameters[k], again[k]) for k in parameters)
    assert impl.init_parameters([5, 4, 3], dtype=np.float32)["W1"].dtype == np.float32


def _torch_std(init: Any, n: int, n_prev: int, **kwargs: Any) -> float:
    W = torch.empty(n, n_prev, dtype=torch.float64)
    torch.manual_seed(0)
    init(W, **kwargs)
    return float(W.std())


@pytest.mark.parametrize(
    ("method", "torch_init", "kwargs", "expected"),
    [
        ("zeros", None, {}, lambda n_prev, n: 0.0),
        ("small", None, {}, lambda n_prev, n: 0.01),
        # torch's W is (out, in) like ours, so its fan_in is n_prev.
        ("xavier", torch.nn.init.xavier_normal_, {}, lambda n_prev, n: np.sqrt(2 / (n_prev + n))),
        ("he", torch.nn.init.kaiming_normal_, {"nonlinearity": "relu"},
         lambda n_prev, n: np.sqrt(2 / n_prev)),
    ],
)  # fmt: skip
def test_init_scale(method: str, torch_init: Any, kwargs: dict[str, Any], expected: Any) -> None:
    """The sample standard deviation of a 300 x 500 W is its formula's, to 2% (90 000 draws give
    the sample std a relative standard error of 1 / sqrt(2 * 150 000) ~ 0.2%), and torch's
    ``xavier_normal_`` / ``kaiming_normal_`` give the same."""
    n, n_prev = 300, 500
    std = float(impl.init_parameters([n_prev, n], method)["W1"].std())
    assert std == pytest.approx(expected(n_prev, n), rel=0.02)
    if torch_init is not None:
        assert std == pytest.approx(_torch_std(torch_init, n, n_prev, **kwargs), rel=0.02)


# --- 3. Prediction-time batch norm, prediction, accuracy, update -----------------------------


def with_running_statistics(parameters: Mapping[str, Array]) -> dict[str, Array]:
    """``parameters`` with running statistics for each batch-norm layer (as training leaves)."""
    parameters = dict(parameters)
    rng = np.random.default_rng(0)
    for key in list(parameters):
        if key.startswith("gamma"):
            k = key.removeprefix("gamma")
            parameters[f"running_mean{k}"] = rng.uniform(-1, 1, parameters[key].shape)
            parameters[f"running_var{k}"] = rng.uniform(0.1, 2, parameters[key].shape)
    return parameters


@given(net=networks(max_layers=3, batch_norm=True))
def test_prediction_mode_matches_torch_batch_norm(net: Net) -> None:
    """``training=False`` uses the running statistics, as torch's ``F.batch_norm`` in eval mode."""
    parameters = with_running_statistics(net.parameters)
    AL, caches = impl.forward_all(
        net.X,
        parameters,
        net.hidden_activation,
        net.output,
        net.keep_prob,
        batch_norm=True,
        masks=net.masks,
        training=False,
    )
    assume_well_conditioned(net, AL, caches)
    assert all(cache.mask is None for cache in caches)  # no dropout at prediction time
    expected = oracle.forward_all(
        net.X, parameters, net.hidden_activation, net.output, batch_norm=True, training=False
    )
    assert_close("forward_all(training=False)", "AL", AL, expected, sum(net.dims) * 4)


@given(m=st.integers(2, 30), n=st.integers(1, 6), seed=st.integers(0, 2**32 - 1))
def test_running_statistics_follow_torch(m: int, n: int, seed: int) -> None:
    """running_mean as torch's; running_var from the biased batch variance (the course's), where
    torch uses the unbiased one: ours is torch's times ``(m - 1) / m`` in the batch's share."""
    rng = np.random.default_rng(seed)
    parameters = impl.init_parameters([3, n, 2], batch_norm=True, seed=seed % 1000)
    parameters["running_mean1"] = rng.uniform(-1, 1, (n, 1))
    parameters["running_var1"] = rng.uniform(0.5, 2, (n, 1))
    X = rng.standard_normal((3, m))
    _, caches = impl.forward_all(X, parameters, batch_norm=True)
    updated = impl.update_batchnorm_statistics(parameters, caches)
    Z = torch.tensor(caches[0].Z_linear.T)
    mean = torch.tensor(parameters["running_mean1"][:, 0].copy())
    var = torch.tensor(parameters["running_var1"][:, 0].copy())
    F.batch_norm(Z, mean, var, training=True, momentum=impl.BN_MOMENTUM, eps=impl.BN_EPS)
    assert_close(
        "update_batchnorm_statistics",
        "running_mean",
        updated["running_mean1"][:, 0],
        mean.numpy(),
        m,
    )
    batch_share_torch = var.numpy() - (1 - impl.BN_MOMENTUM) * parameters["running_var1"][:, 0]
    batch_share = (
        updated["running_var1"][:, 0] - (1 - impl.BN_MOMENTUM) * parameters["running_var1"][:, 0]
    )
    assert_close(
        "update_batchnorm_statistics",
        "running_var (batch share)",
        batch_share,
        batch_share_torch * (m - 1) / m,
        m,
        scale=float(var.abs().max()),
    )
    assert updated is not parameters and "running_mean1" in parameters


@given(net=networks(max_layers=3))
def test_predict_is_the_oracle_forward_in_prediction_mode(net: Net) -> None:
    """``predict`` on its defaults: the output inferred (sigmoid for one unit, else softmax),
    batch norm inferred and on the running statistics, no dropout, the hidden activation given;
    labels by argmax, or ``AL > 0.5`` for one unit. Against the oracle's forward in prediction
    mode, wherever the decision is not a near tie (there rounding may pick either)."""
    parameters = with_running_statistics(net.parameters)
    predictions = impl.predict(net.X, parameters, net.hidden_activation)
    AL = oracle.forward_all(
        net.X,
        parameters,
        net.hidden_activation,
        net.output,
        batch_norm=net.batch_norm,
        training=False,
    )
    if net.output == "sigmoid":
        expected, margin = (AL[0] > 0.5).astype(np.int64), np.abs(AL[0] - 0.5)
    else:
        top = np.sort(AL, axis=0)
        expected, margin = AL.argmax(axis=0), top[-1] - top[-2]
    assert predictions.shape == (net.X.shape[1],) and predictions.dtype == np.int64
    decided = margin > 1e-9
    np.testing.assert_array_equal(predictions[decided], expected[decided])


def test_labels_are_integers_and_one_half_is_not_class_1() -> None:
    """``AL > 0.5`` for one row (0.5 itself is class 0), argmax otherwise; int64 either way."""
    one_row = impl.labels(np.array([[0.5, 0.7, 0.2, 0.5000001]]))
    np.testing.assert_array_equal(one_row, [0, 1, 0, 1])
    rows = impl.labels(np.array([[0.2, 0.6], [0.8, 0.4]]))
    np.testing.assert_array_equal(rows, [1, 0])
    assert one_row.dtype == rows.dtype == np.int64


def test_predict_and_accuracy() -> None:
    parameters = impl.init_parameters([2, 3, 3], seed=0)
    X = np.random.default_rng(0).standard_normal((2, 8))
    AL, _ = impl.forward_all(X, parameters)
    predictions = impl.predict(X, parameters)
    np.testing.assert_array_equal(predictions, AL.argmax(axis=0))
    Y = np.eye(3)[:, predictions]
    assert impl.accuracy(predictions, Y) == 1.0
    assert impl.accuracy(predictions, (predictions + 1) % 3) == 0.0
    binary = impl.init_parameters([2, 3, 1], seed=0)
    AL, _ = impl.forward_all(X, binary, output="sigmoid")
    np.testing.assert_array_equal(impl.predict(X, binary), (AL[0] > 0.5).astype(int))
    assert impl.accuracy(impl.predict(X, binary), (AL > 0.5).astype(float)) == 1.0


def test_update_parameters_is_gradient_descent_and_keeps_the_input() -> None:
    parameters = impl.init_parameters([3, 4, 2], seed=0, batch_norm=True)
    grads = {"dW1": np.ones((4, 3)), "dgamma1": np.ones((4, 1)), "dW2": np.ones((2, 4))}
    before = {k: v.copy() for k, v in parameters.items()}
    updated = impl.update_parameters(parameters, grads, 0.5)
    np.testing.assert_array_equal(updated["W1"], before["W1"] - 0.5)
    np.testing.assert_array_equal(updated["gamma1"], before["gamma1"] - 0.5)
    np.testing.assert_array_equal(updated["running_var1"], before["running_var1"])
    assert all(np.array_equal(parameters[k], before[k]) for k in parameters)


@pytest.mark.parametrize(
    ("parameter", "grad"),
    [
        (np.float64, np.float32),  # a float32 gradient of a float64 weight
        (np.float32, np.float32),
        (np.float32, np.float64),
    ],
)
def test_an_update_has_the_dtype_of_its_arithmetic_and_its_parameter_s_shape(
    parameter: Any, grad: Any
) -> None:
    """``update_parameters`` writes its result into a temporary when it can: the dtype NumPy's
    ``W - lr * dW`` would have, and new arrays, neither input written."""
    rng = np.random.default_rng(0)
    parameters = {"W1": rng.standard_normal((4, 3)).astype(parameter), "b1": np.zeros((4, 1))}
    grads = {"dW1": rng.standard_normal((4, 3)).astype(grad), "db1": np.ones(4)[:, None]}
    before = {k: v.copy() for k, v in {**parameters, **grads}.items()}
    updated = impl.update_parameters(parameters, grads, 0.25)
    expected = before["W1"] - 0.25 * before["dW1"]
    assert updated["W1"].dtype == expected.dtype
    np.testing.assert_array_equal(updated["W1"], expected)
    np.testing.assert_array_equal(updated["b1"], np.full((4, 1), -0.25))
    assert all(np.array_equal(v, before[k]) for k, v in {**parameters, **grads}.items())
    assert not np.shares_memory(updated["W1"], grads["dW1"])


def test_float32_in_float32_out() -> None:
    parameters = impl.init_parameters([3, 4, 4, 2], dtype=np.float32, batch_norm=True)
    X = np.random.default_rng(0).standard_normal((3, 5)).astype(np.float32)
    Y = np.eye(2, dtype=np.float32)[:, [0, 1, 1, 0, 1]]
    AL, caches = impl.forward_all(
        X, parameters, keep_prob=0.8, rng=np.random.default_rng(0), batch_norm=True
    )
    grads = impl.backward_all(AL, Y, caches, lambd=0.1)
    assert AL.dtype == np.float32
    assert impl.compute_cost(AL, Y, parameters, 0.1).dtype == np.float32
    assert {g.dtype for g in grads.values()} == {np.dtype(np.float32)}


@given(
    A=hnp.arrays(
        st.sampled_from([np.float16, np.float32, np.float64]),
        hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=6),
        elements=st.floats(allow_subnormal=False, width=16),
    ),
    order=st.sampled_from(["C", "F", "strided"]),
)
def test_surely_finite_is_never_wrong(A: Array, order: str) -> None:
    """``surely_finite`` (the quick check of every training step) says ``True`` only for an array
    whose every element is finite, and for every finite one that is not huge."""
    A = (
        A[..., ::2]
        if order == "strided" and A.ndim
        else np.asarray(A, order="F" if order == "F" else "C")
    )
    finite = bool(np.isfinite(A).all())
    if impl.surely_finite(A):
        assert finite
    elif finite:  # "look closer" for a finite array only when its squares overflow
        largest = float(np.max(np.abs(A), initial=0.0))
        assert largest > np.sqrt(float(np.finfo(A.dtype).max) / A.size)


def test_cost_checked_is_compute_cost() -> None:
    """``model``'s per-step cost skips the argument checks, and only them."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((3, 5)).astype(np.float32)
    labels = [0, 1, 1, 0, 1]
    for n_L, Y in ((2, np.eye(2)[:, labels]), (1, np.array([labels]))):
        parameters = impl.init_parameters([3, 4, n_L], dtype=np.float32)
        AL, _ = impl.forward_all(X, parameters, output="softmax" if n_L > 1 else "sigmoid")
        Y = Y.astype(np.float32)
        for lambd in (0.0, 0.5):
            checked = impl.cost_checked(AL, Y, parameters, lambd)
            assert checked.dtype == np.float32
            assert checked.tobytes() == impl.compute_cost(AL, Y, parameters, lambd).tobytes()


@given(
    net=networks(),
    learning_rate=st.sampled_from([0.01, 0.5, 3.0]),
    dtype=st.sampled_from(["float32", "float64"]),
)
def test_descending_in_the_backward_pass_is_gradient_descent(
    net: Net, learning_rate: float, dtype: str
) -> None:
    """``backward_checked(descend=lr)`` (``model``'s plain gradient descent) leaves each ``W{l}``
    at ``W{l} - lr * dW{l}``, ``dW{l}`` (with its L2 term) from ``backward_all``, up to the
    rounding of one more sum of ``m`` products and the step; it returns every other gradient
    unchanged, and no ``dW``."""
    parameters = {k: v.astype(dtype) for k, v in net.parameters.items()}
    X, Y = net.X.astype(dtype), net.Y.astype(dtype)
    forward: dict[str, Any] = dict(
        hidden_activation=net.hidden_activation, output=net.output, keep_prob=net.keep_prob,
        batch_norm=net.batch_norm, masks=net.masks,
    )  # fmt: skip
    AL, caches = impl.forward_all(X, parameters, **forward)
    grads = impl.backward_all(AL, Y, caches, net.lambd)
    writable = {k: np.array(v) for k, v in parameters.items()}
    AL, caches = impl.forward_all(X, writable, **forward)
    rest = impl.backward_checked(AL, Y, caches, net.lambd, descend=learning_rate)
    assert rest.keys() == {k for k in grads if not k.startswith("dW")}
    for key, grad in rest.items():
        np.testing.assert_array_equal(grad, grads[key])
    m = X.shape[1]
    for k in range(1, impl.n_layers(parameters) + 1):
        W, step = parameters[f"W{k}"], learning_rate * grads[f"dW{k}"]
        expected = W - step
        assert writable[f"W{k}"].dtype == np.dtype(dtype)
        scale = float(np.max(np.abs(W)) + np.max(np.abs(step)))
        assert_close("backward_checked", f"W{k}", writable[f"W{k}"], expected, m + 4, scale)


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid"])
@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("layer", [1, 2, 3])
def test_a_nan_or_an_infinity_in_any_weight_is_found_without_a_scan(
    activation: str, value: float, layer: int
) -> None:
    """``forward_all`` scans no weight: it looks at the first column of each ``Z``. A NaN or an
    infinity anywhere in a weight reaches it, even where the activation would hide it
    (``relu(-inf) = 0``, ``tanh(inf) = 1``) and where it meets an input of 0 (``inf * 0`` is
    NaN): the error names the weight, as a scan of it would."""
    rng = np.random.default_rng(layer)
    parameters = impl.init_parameters([6, 5, 4, 3], seed=layer)
    X = rng.uniform(0.5, 1.0, (6, 7))
    X[:, 0] = 0.0  # the first example is all zeros: only inf * 0 = NaN can reveal the weight
    for i, j in [(0, 0), (-1, -1), (1, 2)]:
        spoiled = dict(parameters)
        spoiled[f"W{layer}"] = parameters[f"W{layer}"].copy()
        spoiled[f"W{layer}"][i, j] = value
        with pytest.raises(impl.validate.NonFiniteError, match=f"forward_all: W{layer} has 1 "):
            impl.forward_all(X, spoiled, hidden_activation=activation)
        if layer == 1:  # the same through the first column of a batch-normed layer
            normed = impl.init_parameters([6, 5, 4, 3], seed=layer, batch_norm=True)
            normed["W1"] = spoiled["W1"]
            with pytest.raises(impl.validate.NonFiniteError, match="forward_all: W1 has 1 "):
                impl.forward_all(X, normed, hidden_activation=activation, batch_norm=True)


# --- Bad input ---------------------------------------------------------------------------------

_P = impl.init_parameters([2, 3, 2])
_BN = impl.init_parameters([2, 3, 2], batch_norm=True)
_X = np.zeros((2, 4))


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: impl.init_parameters([2, 3], "glorot"), "unknown init method"),
        (lambda: impl.init_parameters([2, 0, 3]), "every size >= 1"),
        (lambda: impl.init_parameters([2]), "at least"),
        (lambda: impl.forward_all(_X, _P, output="tanh"), "unknown output"),
        (lambda: impl.forward_all(_X, _P, hidden_activation="swish"), "unknown hidden_activation"),
        (lambda: impl.forward_all(_X, _P, keep_prob=0.0), "keep_prob"),
        (lambda: impl.forward_all(_X, _P, keep_prob=0.5), "needs rng"),
        (lambda: impl.forward_all(_X, _P, keep_prob=0.5, masks=[]), "dropout masks for"),
        (lambda: impl.forward_all(_X, _P, keep_prob=0.5, masks=[np.ones((3, 5), bool)]), "mask"),
        (lambda: impl.forward_all(_X, _P, batch_norm=True), "no 'gamma1'"),
        (lambda: impl.forward_all(_X, _BN), "batch_norm=True"),
        (lambda: impl.forward_all(_X, {}), "no 'W1'"),
        (lambda: impl.n_layers({"b1": np.zeros((2, 1))}), "no 'W1'"),
        (lambda: impl.backward_all(np.zeros((2, 4)), np.zeros((2, 3)), []), "differ"),
        (lambda: impl.compute_cost(np.zeros((2, 4)), np.zeros((3, 4)), _P), "differ"),
        (lambda: impl.accuracy(np.zeros(3, int), np.zeros(4, int)), "differ"),
    ],
)
def test_bad_input_raises_value_error(call: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()


@pytest.mark.parametrize(
    ("missing", "message"), [("W2", "'W3' but no 'W2'"), ("W3", "'b3' but no 'W3'")]
)
def test_a_layer_missing_from_the_parameters_is_refused(missing: str, message: str) -> None:
    """Without ``W2`` the layers would end at ``W1`` (and without ``W3`` at ``W2``): a shorter
    network, run silently. A layer's array beyond the last ``W`` says one is missing."""
    parameters = impl.init_parameters([4, 5, 6, 3])
    del parameters[missing]
    X = np.ones((4, 2))
    with pytest.raises(ValueError, match=f"forward_all: parameters have {message}"):
        impl.forward_all(X, parameters)
    with pytest.raises(ValueError, match=f"predict: parameters have {message}"):
        impl.predict(X, parameters)


def test_init_parameters_refuses_layers_larger_than_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEEPSCRATCH_MEMORY_LIMIT", str(16 * 2**30))
    weights = 64 * 100_000 + 100_000 * 100_000 + 100_000 * 10
    biases = 100_000 + 100_000 + 10
    with pytest.raises(ValueError) as error:
        impl.init_parameters([64, 100_000, 100_000, 10], dtype=np.float32)
    assert str(error.value).startswith(
        f"init_parameters: the parameters of layers [64, 100000, 100000, 10] (float32) would "
        f"need {(weights + biases) * 4:,} bytes"
    )


# --- Found by mutation testing (docs/mutation.md) -------------------------------------------------


def test_predict_of_a_softmax_network_is_the_largest_output_where_sigmoid_saturates() -> None:
    """``predict`` takes softmax for several output units: their argmax is that of ``Z``, where a
    sigmoid output (the binary one, used for several classes by mistake) rounds every large
    ``Z`` to 1 and calls the first unit the class. Here ``Z = (40, 50)``: class 1."""
    parameters = {"W1": np.array([[40.0], [50.0]]), "b1": np.zeros((2, 1))}
    np.testing.assert_array_equal(impl.predict(np.ones((1, 3)), parameters), [1, 1, 1])


@pytest.mark.parametrize(
    ("batch_norm", "message"),
    [(True, "predict: parameters have 'W1' but no 'gamma1'"), (False, "predict: parameters have")],
)
def test_predict_checks_the_parameters_for_the_batch_norm_it_is_told(
    batch_norm: bool, message: str
) -> None:
    """``predict(..., batch_norm=...)`` checks the parameters for that, and says so as
    ``predict``: plain parameters told batch-normed, batch-normed ones told plain."""
    plain = impl.init_parameters([2, 3, 2], batch_norm=False)
    normed = impl.init_parameters([2, 3, 2], batch_norm=True)
    with pytest.raises(ValueError, match=re.escape(message)):
        impl.predict(np.ones((2, 4)), plain if batch_norm else normed, batch_norm=batch_norm)


@pytest.mark.parametrize(
    ("where", "message"),
    [
        ("W1", "update_parameters: W1 has 1 NaN value"),
        ("dW1", "update_parameters: dW1 has 1 NaN value"),
        (
            "overflow",
            "update_parameters: W1 has 2 infinite values (the first: W1[0, 0] = -inf): "
            "W1 and dW1 are finite, so the computation overflowed; try a smaller learning rate "
            "than 10",
        ),
    ],
)
def test_update_parameters_names_what_is_not_finite(where: str, message: str) -> None:
    """A NaN in a parameter or its gradient, or an update that overflows: the message names the
    function, the array, and for an overflow the inputs and the learning rate."""
    parameters = {"W1": np.full((1, 2), 1e308), "b1": np.zeros((1, 1))}
    grads = {"dW1": np.full((1, 2), 1e308), "db1": np.zeros((1, 1))}
    if where != "overflow":
        (parameters if where == "W1" else grads)[where][0, 1] = np.nan
    with pytest.raises(impl.validate.NonFiniteError, match=re.escape(message)):
        impl.update_parameters(parameters, grads, 10.0)


def test_accuracy_names_a_nan_label() -> None:
    with pytest.raises(impl.validate.NonFiniteError, match=re.escape("accuracy: Y has 1 NaN")):
        impl.accuracy(np.zeros(3, np.int64), np.array([0.0, np.nan, 1.0]))


def test_descending_in_the_backward_pass_skips_the_input_layers_dA_prev() -> None:
    """``_descend_linear(..., need_dA=False)`` (layer 1: nothing needs the gradient of ``X``)
    returns no ``dA_prev``, and does not compute it (a third of the first layer's arithmetic)."""
    rng = np.random.default_rng(0)
    dZ, A_prev, W = rng.standard_normal((3, 5)), rng.standard_normal((4, 5)), np.ones((3, 4))
    dA_prev, db = impl._descend_linear(dZ, A_prev, W.copy(), 0.1, 0.0, False)
    assert dA_prev is None
    np.testing.assert_array_equal(db, dZ.sum(axis=1, keepdims=True))


def test_running_statistics_skip_a_layer_without_batch_norm_and_go_on() -> None:
    """A cache without batch norm (no ``Z_linear``) is skipped, and the layers after it still
    have their running statistics moved."""
    parameters = impl.init_parameters([2, 3, 3, 2], batch_norm=True)
    X = np.random.default_rng(0).standard_normal((2, 6))
    _, caches = impl.forward_all(X, parameters, batch_norm=True)
    caches[0] = caches[0]._replace(batchnorm=None, Z_linear=None)
    updated = impl.update_batchnorm_statistics(parameters, caches)
    np.testing.assert_array_equal(updated["running_mean1"], parameters["running_mean1"])
    Z2 = caches[1].Z_linear
    assert Z2 is not None
    np.testing.assert_allclose(updated["running_mean2"], 0.1 * Z2.mean(axis=1, keepdims=True))


@pytest.mark.parametrize(
    ("case", "options", "message"),
    [
        ("W2 NaN", {}, "forward_all: W2 has 1 NaN value"),
        ("W2 NaN, batch norm", {"batch_norm": True}, "forward_all: W2 has 1 NaN value"),
        (
            "W2 NaN, batch norm, prediction",
            {"batch_norm": True, "prediction": True},
            "forward_all: parameters have 'W1' but no 'running_mean1'",
        ),
        ("X NaN", {}, "forward_all: X has 1 NaN value"),
    ],
)
def test_check_forward_says_which_input_is_not_finite(
    case: str, options: dict[str, bool], message: str
) -> None:
    """``check_forward`` (``forward_checked``'s check, for ``model``'s arguments checked once),
    called as it is documented: plain parameters by default, batch-normed ones with
    ``batch_norm=True`` and their running statistics needed only for ``prediction``. When ``AL``
    is not finite, the first input that is not is named."""
    batch_norm = "batch norm" in case
    parameters = impl.init_parameters([2, 3, 3, 2], batch_norm=batch_norm)
    X = np.random.default_rng(0).standard_normal((2, 4))
    _, caches = impl.forward_all(X, parameters, batch_norm=batch_norm)
    if batch_norm:
        parameters = {k: v for k, v in parameters.items() if not k.startswith("running_")}
    if case.startswith("W2"):
        parameters["W2"] = parameters["W2"].copy()
        parameters["W2"][1, 2] = np.nan
    else:
        X = X.copy()
        X[1, 3] = np.nan
    error = ValueError if "running" in message else impl.validate.NonFiniteError
    with pytest.raises(error, match=re.escape(message)):
        impl.check_forward(X, parameters, np.full((2, 4), np.nan), caches, **options)


def test_dropout_without_rng_says_how_to_give_one() -> None:
    with pytest.raises(ValueError) as error:
        impl.forward_all(_X, _P, keep_prob=0.5)
    assert str(error.value) == (
        "forward_all: keep_prob < 1 needs rng (or masks) to draw dropout masks: "
        "pass rng=np.random.default_rng(seed), got rng=None"
    )


def test_forward_checked_by_default_is_forward_all() -> None:
    """``forward_checked``'s defaults are ``forward_all``'s: relu, softmax, no dropout, no batch
    norm, training (batch norm with the batch's statistics, not the running ones)."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((2, 5))
    plain = impl.init_parameters([2, 3, 2], seed=1)
    np.testing.assert_array_equal(impl.forward_checked(X, plain)[0], impl.forward_all(X, plain)[0])
    normed = impl.init_parameters([2, 3, 2], seed=1, batch_norm=True)
    normed["running_mean1"] = normed["running_mean1"] + 5.0
    np.testing.assert_array_equal(
        impl.forward_checked(X, normed, batch_norm=True)[0],
        impl.forward_all(X, normed, batch_norm=True)[0],
    )


def test_a_nan_weight_of_a_batch_normed_network_in_training_is_named() -> None:
    """In training, batch norm needs no running statistics: a NaN in ``W2`` is named as such,
    not as a missing ``b1`` or ``running_mean1``."""
    parameters = impl.init_parameters([2, 3, 3, 2], batch_norm=True)
    parameters = {k: v for k, v in parameters.items() if not k.startswith("running_")}
    parameters["W2"][0, 1] = np.nan
    with pytest.raises(impl.validate.NonFiniteError, match="forward_all: W2 has 1 NaN value"):
        impl.forward_all(np.ones((2, 4)), parameters, batch_norm=True)


def test_an_overflowing_forward_warns_nothing_and_says_what_overflowed() -> None:
    """The forward's overflow and invalid operations (``inf``, then ``inf - inf``) are silenced
    while it runs, and told once, by the check: with warnings as errors, the check's error is
    the one raised."""
    parameters = impl.init_parameters([3, 4, 2], seed=0)
    parameters["W1"] = np.full((4, 3), 1e308)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(impl.validate.NonFiniteError, match="forward_all: AL has"):
            impl.forward_all(np.full((3, 5), 10.0), parameters)


_ONE = impl.init_parameters([3, 2], seed=0)
_TWO = impl.init_parameters([3, 4, 2], seed=0)
_THREE = impl.init_parameters([3, 4, 4, 2], seed=0)
_NORMED = impl.init_parameters([3, 4, 2], seed=0, batch_norm=True)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda X: impl.forward_all(X, _TWO, keep_prob=1.5),
         "forward_all: keep_prob must be in (0, 1], got 1.5"),
        (lambda X: impl.forward_all(X, [_TWO]),  # type: ignore[arg-type]
         "forward_all: parameters must be a dict of arrays ('W1', 'b1', ...), got list"),
        (lambda X: impl.forward_all(X, {"b1": _TWO["b1"]}), "forward_all: parameters have no 'W1'"),
        (lambda X: impl.forward_all(X, _TWO, batch_norm=True),
         "forward_all: batch_norm=True but the parameters have no 'gamma1'"),
        (lambda X: impl.forward_all(X, _NORMED),
         "forward_all: the parameters are batch-normed (no 'b1'): pass batch_norm=True"),
        (lambda X: impl.forward_all(X, {"W1": _ONE["W1"]}),
         "forward_all: parameters have 'W1' but no 'b1'"),
        (lambda X: impl.forward_all(X, _THREE, keep_prob=0.5, masks=[np.ones((4, 5), bool)]),
         "forward_all: 1 dropout masks for 2 hidden layers"),
        (lambda X: impl.forward_all(
            X, {k: v for k, v in _NORMED.items() if not k.startswith("running")},
            batch_norm=True, training=False),
         "forward_all: parameters have 'W1' but no 'running_mean1'"),
    ],
    ids=["keep_prob", "not-a-dict", "no-W1", "bn-without-gamma", "normed-told-plain", "no-b1",
         "masks", "prediction-without-running-statistics"],
)  # fmt: skip
def test_forward_all_refuses_bad_input_with_its_own_message(call: Any, message: str) -> None:
    """Each refusal of ``forward_all`` is worded as itself, whole: the function's name first
    (never another's), the count of what is wrong, batch norm's running statistics asked for
    only where prediction needs them."""
    with pytest.raises(ValueError) as caught:
        call(np.ones((3, 5)))
    assert str(caught.value) == message


def test_forward_all_takes_a_one_layer_network_as_batch_normed_or_not() -> None:
    """A 1-layer network has no hidden layer to normalise: ``batch_norm=True`` asks nothing of it
    (no ``gamma1``), and a stray ``gamma1`` beside a plain network's ``b1`` is not read when
    ``batch_norm=False``; both give the plain network's output."""
    X = np.linspace(-1, 1, 15).reshape(3, 5)
    plain, _ = impl.forward_all(X, _ONE)
    normed, _ = impl.forward_all(X, _ONE, batch_norm=True)
    np.testing.assert_array_equal(normed, plain)
    stray = {**_TWO, "gamma1": np.full((4, 1), 3.0)}
    np.testing.assert_array_equal(impl.forward_all(X, stray)[0], impl.forward_all(X, _TWO)[0])


def test_a_batch_normed_layers_cache_holds_a_zero_bias() -> None:
    """``Cache.layer.b`` of a batch-normed layer stands in for the absent ``b{l}``: zeros of the
    layer's ``(n_l, 1)`` shape and dtype, so that ``layer_backward`` can read a cache of either."""
    X = np.linspace(-1, 1, 15).reshape(3, 5).astype(np.float32)
    normed32 = {k: v.astype(np.float32) for k, v in _NORMED.items()}
    _, caches = impl.forward_all(X, normed32, batch_norm=True)
    b = caches[0].layer.b
    assert isinstance(b, np.ndarray) and b.shape == (4, 1) and b.dtype == np.float32
    assert not np.any(b)


@pytest.mark.parametrize(
    ("layer_dims", "message"),
    [
        ([0, 4, 2], "init_parameters: layer_dims[0] (the input) is 0: every size >= 1 (a whole "
         "number of units); got [0, 4, 2]"),
        ([3, 0, 2], "init_parameters: layer_dims[1] (a hidden layer) is 0: every size >= 1 (a "
         "whole number of units); got [3, 0, 2]"),
        ([3, 4, 5, 0], "init_parameters: layer_dims[3] (the output) is 0: every size >= 1 (a "
         "whole number of units); got [3, 4, 5, 0]"),
    ],
    ids=["input", "hidden", "output"],
)  # fmt: skip
def test_init_parameters_names_the_layer_whose_size_is_wrong(
    layer_dims: list[int], message: str
) -> None:
    with pytest.raises(ValueError) as caught:
        impl.init_parameters(layer_dims)
    assert str(caught.value) == message


def test_init_parameters_refuses_an_integer_dtype_as_itself() -> None:
    with pytest.raises(ValueError) as caught:
        impl.init_parameters([3, 2], dtype=int)
    assert str(caught.value) == (
        "init_parameters: dtype must be a float type such as np.float32 or np.float64, got int64"
    )


def test_init_parameters_default_seed_is_0_and_every_array_has_the_dtype() -> None:
    """The default draw is ``seed=0``'s (a run that gives no seed repeats the documented one);
    with ``batch_norm`` the running statistics have the dtype asked for too (a float64
    ``running_mean`` would promote a float32 network's prediction)."""
    default, zero = impl.init_parameters([3, 4, 2]), impl.init_parameters([3, 4, 2], seed=0)
    for key in default:
        np.testing.assert_array_equal(default[key], zero[key])
    assert not np.array_equal(default["W1"], impl.init_parameters([3, 4, 2], seed=1)["W1"])
    normed = impl.init_parameters([3, 4, 2], batch_norm=True, dtype=np.float32)
    assert {key: value.dtype for key, value in normed.items()} == dict.fromkeys(normed, np.float32)


def test_n_layers_of_parameters_without_W1_says_so() -> None:
    with pytest.raises(ValueError) as caught:
        impl.n_layers({"b1": np.zeros((2, 1))})
    assert str(caught.value) == "parameters have no 'W1'"


@pytest.mark.parametrize(
    ("parameter_dtype", "grad_dtype"),
    [(np.float64, np.float64), (np.float32, np.float32), (np.float32, np.float64)],
    ids=["float64", "float32", "float32-with-float64-gradient"],
)
def test_update_parameters_makes_one_array_a_parameter(
    parameter_dtype: type, grad_dtype: type
) -> None:
    """``p - learning_rate * dp`` is written into ``learning_rate * dp``: the new arrays at the
    peak of a step are the result alone (one array of ``W1``'s size; two would be the temporary
    kept beside it), whatever the dtypes, and the values are the plain formula's. Counted with
    ``tracemalloc`` (NumPy reports its arrays to it), to within half an array."""
    rng = np.random.default_rng(0)
    W = rng.standard_normal((200, 500)).astype(parameter_dtype)
    dW = rng.standard_normal((200, 500)).astype(grad_dtype)
    parameters, grads = {"W1": W, "b1": np.zeros((200, 1), parameter_dtype)}, {"dW1": dW}
    size = np.result_type(W, dW).itemsize * W.size
    updated, peak = traced(lambda: impl.update_parameters(parameters, grads, 0.1))
    assert abs(peak / size - 1) < 0.5, peak / size
    np.testing.assert_array_equal(updated["W1"], W - np.multiply(0.1, dW))
    assert updated["W1"].dtype == np.result_type(W, dW)


def _small_network() -> tuple[Array, Array, list[Any], dict[str, Array]]:
    rng = np.random.default_rng(3)
    parameters = impl.init_parameters([3, 4, 4, 2], seed=3)
    X = rng.standard_normal((3, 5))
    Y = np.eye(2)[:, rng.integers(0, 2, 5)]
    AL, caches = impl.forward_all(X, parameters)
    return AL, Y, caches, parameters


def test_the_costs_and_the_backward_have_no_l2_by_default() -> None:
    """``lambd`` defaults to 0 in ``compute_cost``, ``cost_checked`` and ``backward_checked``:
    the same as ``lambd=0`` given, and not the same as any other."""
    AL, Y, caches, parameters = _small_network()
    for f in (impl.compute_cost, impl.cost_checked):
        assert f(AL, Y, parameters) == f(AL, Y, parameters, 0.0)
        assert f(AL, Y, parameters) != f(AL, Y, parameters, 1.0)
    default, zero = impl.backward_checked(AL, Y, caches), impl.backward_checked(AL, Y, caches, 0.0)
    for key in zero:
        np.testing.assert_array_equal(default[key], zero[key])
    assert not np.array_equal(default["dW1"], impl.backward_checked(AL, Y, caches, 1.0)["dW1"])


@pytest.mark.parametrize(
    ("Y", "parameters", "message"),
    [
        (np.ones((2, 4)), _ONE, "compute_cost: AL (1, 4) and Y (2, 4) differ: Y has 2 rows "
         "(classes) but AL 1"),
        (np.array([[0, 1, 0, 1.0]]), {"W1": np.ones((1, 3))},
         "compute_cost: parameters have 'W1' but no 'b1'"),
        (np.array([[0, 1, 0, 1.0]]), [1],
         "compute_cost: parameters must be a dict of arrays ('W1', 'b1', ...), got list"),
    ],
    ids=["labels", "no-b1", "not-a-dict"],
)  # fmt: skip
def test_compute_cost_refuses_bad_input_as_itself(Y: Array, parameters: Any, message: str) -> None:
    with pytest.raises(ValueError) as caught:
        impl.compute_cost(np.full((1, 4), 0.5), Y, parameters, 1.0)
    assert str(caught.value) == message


def test_an_l2_term_that_overflows_is_said_without_a_warning() -> None:
    """Weights of 1e200 are finite, their squares are not: ``J`` is infinite, and the error says
    what overflowed (NumPy's own overflow warning is not printed beside it)."""
    parameters = {"W1": np.full((1, 3), 1e200), "b1": np.zeros((1, 1))}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(impl.validate.NonFiniteError) as caught:
            impl.compute_cost(np.full((1, 4), 0.5), np.array([[0, 1, 0, 1.0]]), parameters, 1.0)
    assert str(caught.value) == (
        "compute_cost: J is inf: AL, Y and the weights are finite, so the computation "
        "overflowed; scale X (e.g. pixels to [0, 1]) or start from smaller weights"
    )


@pytest.mark.parametrize("descend", [None, 0.1])
def test_the_first_layers_backward_computes_no_gradient_of_X(
    monkeypatch: pytest.MonkeyPatch, descend: float | None
) -> None:
    """Nothing needs ``dX = W1.T @ dZ1`` (a third of the first layer's arithmetic): layer 1's
    backward is ``_input_layer_backward``, or ``_descend_linear`` told not to compute it, and the
    layers above compute their ``dA_prev``."""
    AL, Y, caches, _ = _small_network()
    asked: list[tuple[str, bool]] = []
    descend_linear, input_layer = impl._descend_linear, impl._input_layer_backward

    def spy_descend(*args: Any) -> Any:
        asked.append(("descend", args[-1]))
        return descend_linear(*args)

    def spy_input(*args: Any) -> Any:
        asked.append(("input", False))
        return input_layer(*args)

    monkeypatch.setattr(impl, "_descend_linear", spy_descend)
    monkeypatch.setattr(impl, "_input_layer_backward", spy_input)
    impl.backward_checked(AL, Y, caches, 0.0, descend)
    if descend is None:
        assert asked == [("input", False)]
    else:
        assert asked == [("descend", True), ("descend", True), ("descend", False)]
