"""The whole network: ``L`` layers, forward and backward, the cost, and prediction.

Layers ``1 .. L-1`` are hidden: ``Z = W @ A_prev + b``, optionally batch-normalised, then the
hidden activation, then optionally inverted dropout. Layer ``L`` is the output: softmax for
``C > 1`` classes, sigmoid for one binary label. Shapes, column-major as everywhere in ``scratch``:
``X: (n_0, m)``, ``W{l}: (n_l, n_{l-1})``, ``b{l}: (n_l, 1)``, ``AL, Y: (n_L, m)``.

Parameters are a plain dict: ``"W1", "b1", ..., "WL", "bL"``. A batch-normed hidden layer ``l``
has ``"gamma{l}", "beta{l}"`` (``(n_l, 1)``, trained) and **no** ``"b{l}"``: batch norm subtracts
the mean of each row of ``Z``, which removes any constant added to that row, so ``b{l}`` would
change nothing and its gradient would be exactly 0 (``beta{l}`` takes its place, as in the course).
Such a layer also carries ``"running_mean{l}", "running_var{l}"`` (``(n_l, 1)``, not trained), the
statistics that batch norm uses at prediction time (``training=False``).

Gradients are a dict with a ``"d"`` in front of each trained parameter's name: ``"dW1", "db1",
"dgamma1", "dbeta1", ...``. The convention is the "mean" one: the ``1/m`` enters once, in the
loss's backward; every other step is the plain chain rule.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import NamedTuple

import numpy as np

from scratch import memory, validate
from scratch._types import Array, Generator
from scratch.batchnorm import BatchNormCache, batchnorm_backward, batchnorm_forward
from scratch.blas import add_product
from scratch.linear import (
    ACTIVATIONS,
    LayerCache,
    layer_forward,
    linear_backward,
    linear_forward,
)
from scratch.losses import (
    binary_cross_entropy,
    binary_cross_entropy_backward,
    cost,
    cross_entropy,
    softmax_cross_entropy_backward,
)
from scratch.regularization import (
    dropout_backward,
    dropout_forward,
    l2_penalty,
    l2_penalty_backward,
)

Parameters = dict[str, Array]
Gradients = dict[str, Array]

#: Initialisations: name -> the standard deviation of ``W{l}`` as a function of ``(n_prev, n_l)``.
#: ``W{l} = std * standard normal``; every ``b{l}`` starts at 0.
INITIALISATIONS: dict[str, Callable[[int, int], float]] = {
    "zeros": lambda n_prev, n: 0.0,
    # The course's "small random": breaks the symmetry, but the signal shrinks 100x per layer.
    "small": lambda n_prev, n: 0.01,
    # Glorot & Bengio (2010), normal form: Var(W) = 2 / (fan_in + fan_out) keeps the variance of
    # both the forward signal and the backward gradient roughly constant (for tanh-like layers).
    # (The course's lecture uses the fan-in-only variant sqrt(1 / n_prev).)
    "xavier": lambda n_prev, n: float(np.sqrt(2.0 / (n_prev + n))),
    # He et al. (2015): Var(W) = 2 / fan_in makes up for relu zeroing half of its inputs.
    "he": lambda n_prev, n: float(np.sqrt(2.0 / n_prev)),
}
OUTPUTS = ("softmax", "sigmoid")
#: Batch norm's ``eps`` (the same default as ``batchnorm_forward`` and torch).
BN_EPS = 1e-5
#: The weight of the newest mini-batch in the running statistics (torch's ``momentum=0.1``).
BN_MOMENTUM = 0.1


def init_parameters(
    layer_dims: Sequence[int],
    method: str = "he",
    seed: int = 0,
    batch_norm: bool = False,
    dtype: type = np.float64,
) -> Parameters:
    """Parameters for layers of sizes ``layer_dims = [n_0, n_1, ..., n_L]`` (``n_0``: features).

    ``W{l}: (n_l, n_{l-1})`` drawn as ``std * N(0, 1)`` with the ``std`` of ``method`` (see
    ``INITIALISATIONS``), ``b{l} = 0: (n_l, 1)``. With ``batch_norm``, each hidden layer gets
    ``gamma{l} = 1, beta{l} = 0, running_mean{l} = 0, running_var{l} = 1`` instead of ``b{l}``.
    The same ``seed`` gives the same parameters.
    """
    if method not in INITIALISATIONS:
        raise ValueError(
            f"unknown init method {method!r}; expected one of {sorted(INITIALISATIONS)}"
        )
    if len(layer_dims) < 2:
        raise ValueError(f"layer_dims must be at least [n_0, n_L]; got {list(layer_dims)}")
    for layer, n in enumerate(layer_dims):
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
            what = (
                "the input"
                if layer == 0
                else "the output"
                if layer == len(layer_dims) - 1
                else ("a hidden layer")
            )
            raise ValueError(
                f"init_parameters: layer_dims[{layer}] ({what}) is {n!r}: every size >= 1 "
                f"(a whole number of units); got {list(layer_dims)}"
            )
    itemsize = validate.float_dtype("init_parameters", dtype).itemsize
    dims = [int(n) for n in layer_dims]
    memory.check(
        "init_parameters",
        f"the parameters of layers {dims} ({np.dtype(dtype).name})",
        memory.parameter_count(dims) * itemsize,
    )
    rng = np.random.default_rng(seed)
    std = INITIALISATIONS[method]
    L = len(layer_dims) - 1
    parameters: Parameters = {}
    for layer in range(1, L + 1):
        n_prev, n = int(layer_dims[layer - 1]), int(layer_dims[layer])
        parameters[f"W{layer}"] = (std(n_prev, n) * rng.standard_normal((n, n_prev))).astype(dtype)
        if batch_norm and layer < L:
            parameters[f"gamma{layer}"] = np.ones((n, 1), dtype)
            parameters[f"beta{layer}"] = np.zeros((n, 1), dtype)
            parameters[f"running_mean{layer}"] = np.zeros((n, 1), dtype)
            parameters[f"running_var{layer}"] = np.ones((n, 1), dtype)
        else:
            parameters[f"b{layer}"] = np.zeros((n, 1), dtype)
    return parameters


def n_layers(parameters: Parameters) -> int:
    """``L``, the number of weight matrices ``W1 .. WL``."""
    L = 0
    while f"W{L + 1}" in parameters:
        L += 1
    if L == 0:
        raise ValueError("parameters have no 'W1'")
    return L


class Cache(NamedTuple):
    """What ``backward_all`` needs from layer ``l``'s forward.

    ``layer``: ``layer_forward``'s cache (``A_prev, W, b, Z, activation``). For a batch-normed
    layer, ``layer.Z`` is the activation's input (batch norm's output), ``layer.b`` is the zero
    bias that stands in for the missing ``b{l}``, ``Z_linear = W @ A_prev`` is batch norm's input
    and ``batchnorm`` its cache. ``mask``: the dropout mask applied to ``A`` (``None``: no dropout).
    """

    layer: LayerCache
    batchnorm: BatchNormCache | None = None
    Z_linear: Array | None = None
    mask: Array | None = None
    keep_prob: float = 1.0


def _batchnorm_inference(Z: Array, parameters: Parameters, layer: int) -> Array:
    """``gamma * (Z - running_mean) / sqrt(running_var + eps) + beta``: prediction-time batch
    norm, with the statistics gathered in training instead of the batch's own. Only ever used
    forward (prediction), so it has no backward."""
    mean, var = parameters[f"running_mean{layer}"], parameters[f"running_var{layer}"]
    Z_hat = (Z - mean) / np.sqrt(var + BN_EPS)
    return parameters[f"gamma{layer}"] * Z_hat + parameters[f"beta{layer}"]


def _dropout(
    A: Array, keep_prob: float, rng: Generator | None, mask: Array | None
) -> tuple[Array, Array]:
    """Inverted dropout of a hidden layer's ``A``, with a drawn mask or the given one."""
    if mask is None:
        if not isinstance(rng, np.random.Generator):
            raise ValueError(
                "forward_all: keep_prob < 1 needs rng (or masks) to draw dropout masks: "
                f"pass rng=np.random.default_rng(seed), got rng={rng!r}"
            )
        return dropout_forward(A, keep_prob, rng)
    mask = np.asarray(mask)
    if mask.shape != A.shape:
        raise ValueError(f"forward_all: dropout mask {mask.shape} does not fit A {A.shape}")
    # A * mask / keep_prob: inverted dropout is linear in A, so the product that dropout_backward
    # computes is also the forward with a given mask.
    return dropout_backward(A, mask, keep_prob), mask


def forward_all(
    X: Array,
    parameters: Parameters,
    hidden_activation: str = "relu",
    output: str = "softmax",
    keep_prob: float = 1.0,
    rng: Generator | None = None,
    batch_norm: bool = False,
    masks: Sequence[Array] | None = None,
    training: bool = True,
) -> tuple[Array, list[Cache]]:
    """``AL`` of the whole network for ``X: (n_0, m)``, and one ``Cache`` per layer.

    Hidden layer ``l < L``: ``Z = W{l} @ A_prev + b{l}``; with ``batch_norm``,
    ``Z~ = batchnorm(W{l} @ A_prev; gamma{l}, beta{l})`` instead; ``A = g(Z)`` for
    ``g = hidden_activation``; then, with ``keep_prob < 1``, inverted dropout
    ``A = A * mask / keep_prob``.
    Output layer: ``AL = output(W{L} @ A_prev + b{L})``, ``AL: (n_L, m)``.

    Dropout masks are drawn from ``rng`` unless ``masks`` (one boolean ``(n_l, m)`` array per
    hidden layer) are given, which tests use to give two implementations the same masks.
    ``training=False`` is prediction: no dropout, and batch norm uses the running statistics.
    """
    if output not in OUTPUTS:
        raise ValueError(f"unknown output {output!r}; expected one of {OUTPUTS}")
    if hidden_activation not in ACTIVATIONS:
        raise ValueError(
            f"unknown hidden_activation {hidden_activation!r}; "
            f"expected one of {sorted(ACTIVATIONS)}"
        )
    keep_prob = validate.keep_prob("forward_all", keep_prob)
    if "W1" not in validate.mapping("forward_all", parameters):
        raise ValueError("forward_all: parameters have no 'W1'")
    L = n_layers(parameters)
    if batch_norm and L > 1 and "gamma1" not in parameters:
        raise ValueError("forward_all: batch_norm=True but the parameters have no 'gamma1'")
    if not batch_norm and L > 1 and "b1" not in parameters:
        raise ValueError(
            "forward_all: the parameters are batch-normed (no 'b1'): pass batch_norm=True"
        )
    if masks is not None and len(masks) != L - 1:
        raise ValueError(f"forward_all: {len(masks)} dropout masks for {L - 1} hidden layers")
    # Shapes and dtypes here; NaN and infinities in the weights are found by forward_checked from
    # the first column of each Z, instead of a scan of every weight at every call.
    parameters = validate.parameters(
        "forward_all", parameters, batch_norm, not training, scan_weights=False
    )
    X = validate.examples("forward_all", X, parameters["W1"].shape[1])
    return forward_checked(
        X, parameters, hidden_activation, output, keep_prob, rng, batch_norm, masks, training
    )


def forward_checked(
    X: Array,
    parameters: Parameters,
    hidden_activation: str = "relu",
    output: str = "softmax",
    keep_prob: float = 1.0,
    rng: Generator | None = None,
    batch_norm: bool = False,
    masks: Sequence[Array] | None = None,
    training: bool = True,
) -> tuple[Array, list[Cache]]:
    """``forward_all`` for arguments whose shapes are already checked, such as ``model``'s at
    every step (it checked ``X`` once). NaN and infinities are found without a scan of the
    weights: see ``check_forward``."""
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):  # checked just below
        AL, caches = _forward(
            X, parameters, hidden_activation, output, keep_prob, rng, batch_norm, masks, training
        )
    check_forward(X, parameters, AL, caches, batch_norm, not training)
    return AL, caches


def _forward(
    X: Array,
    parameters: Parameters,
    hidden_activation: str,
    output: str,
    keep_prob: float,
    rng: Generator | None,
    batch_norm: bool,
    masks: Sequence[Array] | None,
    training: bool,
) -> tuple[Array, list[Cache]]:
    """The arithmetic of ``forward_all``, unchecked."""
    L = n_layers(parameters)
    dropout = training and keep_prob < 1
    g = ACTIVATIONS[hidden_activation][0]
    caches: list[Cache] = []
    A = X
    for layer in range(1, L):
        W = parameters[f"W{layer}"]
        if batch_norm:
            b = np.zeros((W.shape[0], 1), W.dtype)  # b{l} is absent: batch norm would cancel it
            Z_linear = linear_forward(A, W, b)
            if training:
                Z, bn = batchnorm_forward(
                    Z_linear, parameters[f"gamma{layer}"], parameters[f"beta{layer}"], BN_EPS
                )
            else:
                Z, bn = _batchnorm_inference(Z_linear, parameters, layer), None
            cache = Cache(LayerCache(A, W, b, Z, hidden_activation), bn, Z_linear)
            A = g(Z)
        else:
            A, layer_cache = layer_forward(A, W, parameters[f"b{layer}"], hidden_activation)
            cache = Cache(layer_cache)
        if dropout:
            A, mask = _dropout(A, keep_prob, rng, None if masks is None else masks[layer - 1])
            cache = cache._replace(mask=mask, keep_prob=keep_prob)
        caches.append(cache)
    AL, layer_cache = layer_forward(A, parameters[f"W{L}"], parameters[f"b{L}"], output)
    caches.append(Cache(layer_cache))
    return AL, caches


def check_forward(
    X: Array,
    parameters: Parameters,
    AL: Array,
    caches: Sequence[Cache],
    batch_norm: bool = False,
    prediction: bool = False,
) -> None:
    """``NonFiniteError`` if ``X`` or a parameter holds a NaN or an infinity (named as
    ``validate.parameters`` names it), or if ``AL`` overflowed.

    The weights are not scanned. With ``X`` finite (checked by the caller), a NaN or an infinity
    anywhere in row ``i`` of ``W{l}`` (or in ``b{l}[i]``) makes ``Z{l}[i, j]`` NaN or infinite for
    every example ``j``: ``inf * x`` is infinite and ``inf * 0`` is NaN, and a sum with an infinite
    or NaN term is infinite or NaN. So the first column of each ``Z`` (``n_l`` numbers) holds the
    answer for all of ``W{l}`` (``n_l * n_{l-1}``), layer after layer; ``AL`` is checked whole
    (an activation such as relu can hide a value, ``relu(-inf) = 0``, so each ``Z`` is looked at
    before its activation). Only when something is not finite are the inputs scanned, to say which.
    """
    columns = [c.Z_linear for c in caches if c.Z_linear is not None]
    columns += [c.layer.Z for c in caches]
    if all(np.isfinite(Z[:, :1]).all() for Z in columns) and np.isfinite(AL).all():
        return
    validate.parameters("forward_all", parameters, batch_norm, prediction)
    validate.finite("forward_all", "X", X)
    validate.overflow("forward_all", "AL", AL, "X and the parameters")


def _input_layer_backward(dZ: Array, A_prev: Array) -> tuple[Array, Array]:
    """``dW, db`` of layer 1: ``linear_backward`` without ``dA_prev = W1.T @ dZ1``.

    Nothing needs the gradient of ``X``, and that product would be a third of the first layer's
    backward arithmetic (the largest layer of a network like 784-1024-10).
    """
    return dZ @ A_prev.T, dZ.sum(axis=1, keepdims=True)


def backward_all(AL: Array, Y: Array, caches: Sequence[Cache], lambd: float = 0.0) -> Gradients:
    """The gradients of ``compute_cost(AL, Y, parameters, lambd)`` with respect to every trained
    parameter: ``"dW{l}", "db{l}"`` (or ``"dgamma{l}", "dbeta{l}"`` for a batch-normed layer).

    ``AL, Y: (n_L, m)``; each gradient has its parameter's shape.
    Output layer: softmax gives ``dZL = (AL - Y) / m`` (fused with the cross-entropy); sigmoid goes
    through the binary cross-entropy's ``dAL`` and then the sigmoid. Then, from layer ``L-1`` down:
    dropout's backward (same mask), the activation's, batch norm's, and ``linear_backward``.
    L2 adds ``(lambd / m) W{l}`` to each ``dW{l}`` (never to ``db``, ``dgamma``, ``dbeta``).
    """
    AL = validate.probabilities("backward_all", AL)
    Y = validate.labels("backward_all", Y, AL.shape[0], AL.shape[1], against="AL")
    lambd = validate.number("backward_all", "lambd", lambd, 0.0)
    validate.caches("backward_all", caches, AL.shape[1])
    return backward_checked(AL, Y, caches, lambd)


def backward_checked(
    AL: Array,
    Y: Array,
    caches: Sequence[Cache],
    lambd: float = 0.0,
    descend: float | None = None,
) -> Gradients:
    """``backward_all`` for arguments already checked (``model``'s ``Y`` once, ``AL`` and the
    caches by ``forward_checked``). The gradients are still checked for overflow.

    ``descend``: a learning rate. Each ``W{l}`` (the array in the caches) then takes its step of
    gradient descent in place, ``W{l} = W{l} - descend * dW{l}``, in the very product that
    computes ``dW{l}`` (``_descend_linear``), and the gradients returned are the others only
    (``db{l}``, ``dgamma{l}``, ``dbeta{l}``): ``dW{l}`` is never written out.
    """
    m = Y.shape[1]
    L = len(caches)
    grads: Gradients = {}
    out = caches[-1].layer
    if out.activation == "softmax":
        dZL = softmax_cross_entropy_backward(AL, Y)
    else:
        dZL = ACTIVATIONS[out.activation][1](binary_cross_entropy_backward(AL, Y), out.Z)
    dZ, A_prev, W = dZL, out.A_prev, out.W
    dA_prev: Array | None = None
    for layer in range(L, 0, -1):
        cache = caches[layer - 1]
        if layer < L:  # a hidden layer: back through dropout, the activation, batch norm
            assert dA_prev is not None  # layer + 1 > 1 computed it
            dA = dA_prev
            if cache.mask is not None:
                dA = dropout_backward(dA, cache.mask, cache.keep_prob)
            dZ = ACTIVATIONS[cache.layer.activation][1](dA, cache.layer.Z)
            if cache.batchnorm is not None:
                dZ, grads[f"dgamma{layer}"], grads[f"dbeta{layer}"] = batchnorm_backward(
                    dZ, cache.batchnorm
                )
            A_prev, W = cache.layer.A_prev, cache.layer.W
        if descend is not None:
            dA_prev, db = _descend_linear(dZ, A_prev, W, descend, descend * lambd / m, layer > 1)
        elif layer > 1:
            dA_prev, dW, db = linear_backward(dZ, A_prev, W)
        else:
            dW, db = _input_layer_backward(dZ, A_prev)
        if descend is None:
            grads[f"dW{layer}"] = dW + l2_penalty_backward(W, lambd, m) if lambd else dW
        if cache.batchnorm is None:
            grads[f"db{layer}"] = db  # a batch-normed layer's db (of the absent b{l}) is dropped
    for key, grad in grads.items():
        if not surely_finite(grad):  # the full check (and its message) only when in doubt
            validate.overflow("backward_all", key, grad, "AL, Y and the caches")
    return grads


def _descend_linear(
    dZ: Array, A_prev: Array, W: Array, learning_rate: float, decay: float, need_dA: bool
) -> tuple[Array | None, Array]:
    """``linear_backward`` and gradient descent on ``W`` at once: ``dA_prev = W.T @ dZ`` (from
    ``W`` before its step; ``None`` unless ``need_dA``), ``db``, and then, in place,

    ``W = W - learning_rate * (dZ @ A_prev.T + (lambd / m) W)``
    ``  = (1 - decay) W - learning_rate * dZ @ A_prev.T``

    with ``decay = learning_rate * lambd / m`` (L2's "weight decay"): one BLAS ``gemm`` adds the
    product into ``W`` (``blas.add_product``), so ``dW`` is never written out and the step costs no
    pass over ``W`` of its own.
    """
    dA_prev = W.T @ dZ if need_dA else None
    db = dZ.sum(axis=1, keepdims=True)
    add_product(W, dZ, A_prev.T, -learning_rate, 1.0 - decay)
    return dA_prev, db


#: The quick finiteness test of every training step (``validate.surely_finite``).
surely_finite = validate.surely_finite


def compute_cost(AL: Array, Y: Array, parameters: Parameters, lambd: float = 0.0) -> Array:
    """``J = (1/m) sum_j loss_j + lambd / (2 m) sum_l ||W{l}||_F**2``, a 0-d array.

    ``loss`` is the cross-entropy for ``C > 1`` rows (softmax output) and the binary cross-entropy
    for one row (sigmoid output). ``AL, Y: (n_L, m)``.
    """
    AL = validate.probabilities("compute_cost", AL)
    Y = validate.labels("compute_cost", Y, AL.shape[0], AL.shape[1], against="AL")
    lambd = validate.number("compute_cost", "lambd", lambd, 0.0)
    if lambd:
        parameters = validate.parameters("compute_cost", parameters)
    return cost_checked(AL, Y, parameters, lambd)


def cost_checked(AL: Array, Y: Array, parameters: Parameters, lambd: float = 0.0) -> Array:
    """``compute_cost`` for arguments already checked, such as ``model``'s at every step (``Y``
    and ``lambd`` once, ``AL`` by ``forward_checked``, the parameters after each update): on a
    mini-batch, checking them again costs more than the cost itself. ``J`` is still checked for
    overflow."""
    loss = binary_cross_entropy(AL, Y) if AL.shape[0] == 1 else cross_entropy(AL, Y)
    J = cost(loss)
    if lambd:
        weights = [parameters[f"W{layer}"] for layer in range(1, n_layers(parameters) + 1)]
        with np.errstate(over="ignore"):  # said just below, with what overflowed
            J = J + l2_penalty(weights, lambd, Y.shape[1])
    validate.overflow("compute_cost", "J", np.asarray(J), "AL, Y and the weights")
    return np.asarray(J)


def update_batchnorm_statistics(
    parameters: Parameters, caches: Sequence[Cache], momentum: float = BN_MOMENTUM
) -> Parameters:
    """Move the running statistics towards the last mini-batch's, for prediction time.

    ``running_mean = (1 - momentum) running_mean + momentum * mean_j(Z_linear)``, and the same for
    ``running_var`` with the batch's (biased) variance: an exponentially weighted average over the
    mini-batches, as the course describes. Returns new parameters; the given dict is not changed.
    """
    updated = dict(parameters)
    for layer, cache in enumerate(caches, start=1):
        if cache.Z_linear is None:
            continue
        mean = cache.Z_linear.mean(axis=1, keepdims=True)
        var = cache.Z_linear.var(axis=1, keepdims=True)
        for key, value in ((f"running_mean{layer}", mean), (f"running_var{layer}", var)):
            updated[key] = (1 - momentum) * parameters[key] + momentum * value
    return updated


def update_parameters(parameters: Parameters, grads: Gradients, learning_rate: float) -> Parameters:
    """One step of gradient descent: ``p = p - learning_rate * dp`` for each gradient ``dp``.

    Returns new parameters; the given dict and its arrays are not changed. Parameters without a
    gradient (batch norm's running statistics) are carried over as they are.
    """
    where = "update_parameters"
    learning_rate = validate.number(where, "learning_rate", learning_rate, 0.0)
    pairs = validate.gradients(where, parameters, grads, scan=False)  # shapes: NumPy broadcasts
    updated = dict(parameters)
    for name, (parameter, grad) in pairs.items():
        updated[name] = _step(parameter, grad, learning_rate)
        # A NaN or an infinity in the parameter or its gradient reaches the new value: one quick
        # pass over it, and a scan of the inputs (to say which) only when in doubt.
        if not surely_finite(updated[name]):
            validate.finite(where, name, parameter)
            validate.finite(where, f"d{name}", grad)
            validate.overflow(
                where,
                name,
                updated[name],
                f"{name} and d{name}",
                f"; try a smaller learning rate than {learning_rate:g}",
            )
    return updated


def _step(parameter: Array, grad: Array, learning_rate: float) -> Array:
    """``parameter - learning_rate * grad``, a new array, with one temporary instead of two:
    ``learning_rate * grad`` is written first and the difference into it (the same two roundings,
    so the same bits). A second large temporary at every step cost more than the arithmetic."""
    step = np.multiply(learning_rate, grad)
    if step.shape != np.shape(parameter) or step.dtype != np.result_type(parameter, step):
        return parameter - step  # broadcasting, or a wider parameter: a new array of its own
    return np.subtract(parameter, step, out=step)


def predict(
    X: Array,
    parameters: Parameters,
    hidden_activation: str = "relu",
    output: str | None = None,
    batch_norm: bool | None = None,
) -> Array:
    """Predicted labels ``(m,)``: the class index of the largest softmax output, or ``AL > 0.5``
    (0 or 1) for a sigmoid output.

    Prediction mode: no dropout, and batch norm with the running statistics. ``output`` defaults
    to sigmoid when the last layer has one unit, else softmax; ``batch_norm`` defaults to whether
    the parameters have ``gamma1``.
    """
    parameters = validate.parameters("predict", parameters, batch_norm, prediction=True)
    X = validate.examples("predict", X, parameters["W1"].shape[1])
    if output is None:
        output = "sigmoid" if parameters[f"W{n_layers(parameters)}"].shape[0] == 1 else "softmax"
    if batch_norm is None:
        batch_norm = "gamma1" in parameters
    AL, _ = forward_all(
        X, parameters, hidden_activation, output, batch_norm=batch_norm, training=False
    )
    return labels(AL)


def labels(AL: Array) -> Array:
    """``AL: (n_L, m) -> (m,)`` integer labels: ``argmax`` over the rows, or ``AL > 0.5`` for one
    row."""
    AL = validate.matrix("labels", "AL", AL, "(n_L, m)")
    if AL.shape[0] == 1:
        return np.asarray(AL[0] > 0.5, dtype=np.int64)
    return np.asarray(np.argmax(AL, axis=0), dtype=np.int64)


def accuracy(predictions: Array, Y: Array) -> float:
    """The fraction of examples whose predicted label is right.

    ``predictions: (m,)`` integer labels; ``Y``: one-hot ``(C, m)``, 0/1 ``(1, m)``, or integer
    labels ``(m,)``.
    """
    predictions = validate.predictions("accuracy", predictions)
    Y = validate.real_array("accuracy", "Y", Y)
    if Y.ndim == 2:
        truth = labels(validate.labels("accuracy", Y, Y.shape[0], Y.shape[1]))
    else:
        validate.finite("accuracy", "Y", Y)
        truth = Y
    if truth.shape != predictions.shape:
        raise ValueError(
            f"accuracy: predictions {predictions.shape} and labels {truth.shape} differ"
        )
    return float(np.mean(predictions == truth))
