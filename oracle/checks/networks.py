"""Whole networks of the learner's own shape: a forward pass and its backward, checked as one.

The course's ``L_model_forward`` / ``L_model_backward`` have a fixed signature and cache
(``oracle.checks.course``). Learners write the same network many other ways, and this module reads
them by what they take and return:

- the story's ``forwardpropagation_all(X, parameters) -> A, caches`` and
  ``backpropagate_all(A, Y, parameters, caches) -> grads`` (any depth, softmax output);
- the fixed two-layer network with its weights as separate arguments,
  ``forward_prop(W1, b1, W2, b2, X) -> Z1, A1, Z2, A2`` and
  ``back_prop(Z1, A1, Z2, A2, W1, W2, X, Y) -> dW1, db1, dW2, db2``, integer labels ``(m,)``;
- the course's dropout pair ``forward_propagation_with_dropout(X, parameters, keep_prob) ->
  A3, cache`` and ``backward_propagation_with_dropout(X, Y, cache, keep_prob)``, its cache
  ``(Z1, D1, A1, W1, b1, Z2, D2, A2, W2, b2, Z3, A3, W3, b3)``.

Reading (once, on a fixed probe network): each argument of the forward is ``X``, the parameters'
dict, one ``W{l}``/``b{l}``, or ``keep_prob``; each argument of the backward is one of those, ``Y``,
the forward's output, its cache, or a value the forward returned by name (``Z1``, ``A1``...). The
network the forward computes (its depths, hidden activation, softmax or sigmoid output) is the one
of the oracle's it matches; the labels are one-hot ``(C, m)`` or integer ``(m,)``, whichever the
backward is right with (else what its code says: a ``one_hot`` call means integer labels).

The checks, on drawn networks:

- forward: ``AL`` equals ``oracle.network.forward_all`` of that network, with dropout the masks
  ``D{l}`` the learner's forward drew (found in its cache: the 0/1 arrays of each hidden layer's
  shape, in order), ``A{l} = g(Z{l}) * D{l} / keep_prob``;
- backward: every ``dW{l}, db{l}`` equals autograd's gradient of the mean cost
  ``J = (1/m) sum_i loss(AL[:, i], Y[:, i])`` (categorical cross-entropy for softmax, binary for
  sigmoid) of the same network with the same masks (``oracle.network.backward_all``), plus
  ``lambd / (2 m) sum_l ||W{l}||**2`` when the backward takes ``lambd`` (L2); the first wrong
  layer from the top is named. A backward whose forward is wrong is not judged: its cache
  feeds it, so the forward is told first.
"""

from __future__ import annotations

import dis
import inspect
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from hypothesis import assume, currently_in_test_context
from hypothesis import strategies as st

import oracle.network as network
from oracle.checks import names
from oracle.checks.course import assert_matches, l2_known, mixing_known
from oracle.checks.outcomes import NotChecked, implemented
from oracle.checks.strategies import read_only
from oracle.compare import compare

Array = Any

NETWORK_FORWARD, NETWORK_BACKWARD = "network_forward", "network_backward"
HIDDEN = ("relu", "tanh", "sigmoid", "leaky_relu")
#: The depths tried for a forward that takes the parameters' dict.
DEPTHS = (1, 2, 3, 4)
KEEP_PROBS = (0.5, 0.8)
#: The L2 strengths drawn for a backward that takes ``lambd``, and the probe's.
LAMBDS = (0.1, 0.7, 3.0)
PROBE_LAMBD = 0.7

# --- Names ---------------------------------------------------------------------------------------

_DIRECTION = {
    "forward", "forwardprop", "forwardpropagation", "forwardpropagate", "feedforward", "back",
    "backward", "backprop", "backpropagation", "backpropagate",
}  # fmt: skip
_BACK = {"back", "backward", "backprop", "backpropagation", "backpropagate"}
_EXTRA_WORDS = {
    "with", "dropout", "drop", "out", "propagation", "layers", "layer", "l", "l2", "reg",
    "regularization", "regularisation", "regularized", "regularised", "regularize", "regularise",
}  # fmt: skip

X_NAMES = frozenset("x a0 input inputs data xbatch xtrain features inp".split())  # noqa: SIM905
PARAMETER_NAMES = frozenset(
    "parameters params param parameter weights network net model theta nn paramsdict".split()  # noqa: SIM905
)
CACHE_NAMES = frozenset(
    "cache caches cachelist cacheslist forwardcache forwardcaches memory store history".split()  # noqa: SIM905
)
OUTPUT_NAMES = frozenset(
    "al a yhat ypred output out probs aout predictions prediction h probabilities ahat scores "  # noqa: SIM905
    "yp pred preds outputs aoutput".split()
)


def pass_direction(name: str) -> str | None:
    """``"forward"`` or ``"backward"`` for a whole network's pass (``forward_prop``,
    ``backpropagate_all``, ``backward_propagation_with_dropout``), else ``None``."""
    parts = set(names.words(name))
    if not parts & _DIRECTION or not parts <= names.NETWORK_WORDS | _EXTRA_WORDS:
        return None
    return "backward" if parts & _BACK else "forward"


def layer_name(name: str) -> str | None:
    """``Z1``, ``a2``, ``W3``, ``b1``, ``D2`` as the pool names them (``Z1``, ``A2``...)."""
    found = re.fullmatch(r"([zZaAwWbBdD])(\d+)", name)
    if not found:
        return None
    letter = found.group(1)
    return (letter.lower() if letter in "bB" else letter.upper()) + found.group(2)


def _gradient_name(name: str) -> str | None:
    """``dW1``, ``dw1``, ``db2``, ``dB2`` -> ``dW1``, ``db2``."""
    found = re.fullmatch(r"d([wWbB])(\d+)", name)
    if not found:
        return None
    return ("dW" if found.group(1) in "wW" else "db") + found.group(2)


def forward_input(param: str) -> str | None:
    """What the forward's parameter ``param`` receives: ``X``, ``parameters``, ``W1``, ``b1``...,
    ``keep_prob``; ``None``: nothing known."""
    layer = layer_name(param)
    if layer and layer[0] in "Wb":
        return layer
    key = param.lower()
    if key in ("a0", "x"):
        return "X"
    n = names.normal(param)
    if n in X_NAMES:
        return "X"
    if n in PARAMETER_NAMES:
        return "parameters"
    if n in names.ARGUMENTS["keep_prob"]:
        return "keep_prob"
    return None


def backward_input(param: str, pool: Sequence[str], depth: int | None) -> str | None:
    """What the backward's parameter ``param`` receives, of the values ``pool`` names (the
    forward's inputs and what it returned); ``depth``: the network's, when it is fixed (``A3`` is
    then the output of a 3-layer network)."""
    for key in pool:
        if key.lower() == param.lower():
            return key
    layer = layer_name(param)
    if layer:
        if layer in pool:
            return layer
        if layer[0] == "A" and depth is not None and int(layer[1:]) == depth:
            return "output"
        return None
    n = names.normal(param)
    if param.lower() == "x" or n in X_NAMES:
        return "X"
    if n in names.ARGUMENTS["Y"] or n in ("yonehot", "onehoty", "ytrain"):
        return "Y"
    if n in PARAMETER_NAMES:
        return "parameters"
    if n in CACHE_NAMES:
        return "cache"
    if n in OUTPUT_NAMES:
        return "output"
    if n in names.ARGUMENTS["keep_prob"]:
        return "keep_prob"
    if n == "m":
        return "m"
    if n in names.ARGUMENTS["lambd"]:
        return "lambd"
    return None


def returned_names(f: Any) -> tuple[str, ...] | None:
    """The names of ``f``'s last ``return a, b, c`` (from its bytecode: a notebook's cell has no
    source file), or ``None`` when it returns something else."""
    code = getattr(inspect.unwrap(f), "__code__", None)
    if code is None:
        return None
    found: tuple[str, ...] | None = None
    loaded: list[str] = []
    for ins in dis.get_instructions(code):
        if ins.opname in ("LOAD_FAST", "LOAD_FAST_CHECK", "LOAD_FAST_BORROW"):
            loaded.append(str(ins.argval))
        elif ins.opname in ("LOAD_FAST_LOAD_FAST", "LOAD_FAST_BORROW_LOAD_FAST_BORROW"):
            loaded.extend(str(a) for a in ins.argval)
        elif ins.opname == "BUILD_TUPLE" and isinstance(ins.arg, int):
            n = ins.arg
            tail = tuple(loaded[-n:]) if n and len(loaded) >= n else ()
            loaded = [",".join(tail)] if tail else []
            continue
        elif ins.opname == "RETURN_VALUE" and loaded and "," in loaded[-1]:
            found = tuple(loaded[-1].split(","))
            loaded = []
            continue
        else:
            loaded = []
    return found


def _parameters(f: Any) -> list[tuple[str, bool]] | None:
    try:
        signature = inspect.signature(f)
    except (TypeError, ValueError):
        return None
    out = []
    for p in signature.parameters.values():
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            return None
        out.append((p.name, p.default is not p.empty))
    return out


# --- The pair, as read ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Pair:
    """A learner's network: how its forward (and backward) are called, and the network it is."""

    forward_name: str
    forward: Callable[..., Any]
    forward_args: tuple[tuple[str, str], ...]  #: (parameter, what it receives)
    forward_returns: tuple[str, ...]  #: ("output", "cache"), ("output",) or names ("Z1", ...)
    depths: tuple[int, ...]
    hidden: str
    output: str  #: "softmax" or "sigmoid"
    dropout: bool
    backward_name: str = ""
    backward: Callable[..., Any] | None = None
    backward_args: tuple[tuple[str, str], ...] = ()
    backward_returns: tuple[str, ...] | None = None  #: a tuple's names; None: a dict
    global_m: bool = False  #: the backward reads a global ``m``: set to the examples' count
    labels: str = "one-hot"  #: or "integer"
    l2: bool = False  #: the backward takes ``lambd``: the cost has ``lambd / (2 m) sum ||W||**2``
    forward_matched: bool = True  #: its output matched a network of the oracle's on the probe

    @property
    def separate(self) -> bool:
        return any(what[0] in "Wb" for _, what in self.forward_args)

    def network(self) -> str:
        depth = "/".join(map(str, self.depths))
        hidden = f"{self.hidden} hidden, " if max(self.depths) > 1 else ""
        drop = ", inverted dropout (your masks, from the cache)" if self.dropout else ""
        l2 = ", L2 (lambd / (2 m) sum ||W||**2 in the cost)" if self.l2 else ""
        return f"a {depth}-layer network: {hidden}{self.output} output{drop}{l2}"

    def describe(self, which: str) -> str:
        said = [self.network()]
        if self.separate:
            said.append("weights as separate arguments")
        if which == "backward":
            said.append(
                "integer labels (m,)" if self.labels == "integer" else
                ("labels (1, m)" if self.output == "sigmoid" else "one-hot labels (C, m)")
            )  # fmt: skip
            said.append(f"with {self.forward_name}")
            if self.global_m:
                said.append("its global m set to the number of examples")
        shaped = sorted({**size_globals(self.forward), **size_globals(self.backward)})
        if shaped:
            said.append(
                f"its global{'s' if len(shaped) > 1 else ''} {', '.join(shaped)} set to each "
                "drawn network's"
            )
        elif not self.forward_matched:
            said.append("the likeliest: it matched none on a probe")
        return "; ".join(said)


@dataclass(frozen=True)
class Drawn:
    """A drawn network and its data: ``X (n0, m)``, one-hot ``Y (C, m)``, integer ``y (m,)``."""

    X: Array
    Y: Array
    y: Array
    parameters: dict[str, Array]
    keep_prob: float = 1.0
    seed: int = 0
    lambd: float = 0.0

    @property
    def L(self) -> int:
        return len([k for k in self.parameters if k.startswith("W")])

    @property
    def m(self) -> int:
        return int(self.X.shape[1])


def build(
    widths: Sequence[int],
    m: int,
    seed: int,
    output: str,
    keep_prob: float = 1.0,
    lambd: float = 0.0,
) -> Drawn:
    """A network of ``widths = [n0, n1, ..., nL]`` (``nL`` the classes, 1 for sigmoid), ``W{l}``
    in ``+-2 / sqrt(n_{l-1})``, ``b`` in ``+-1``, ``X`` in ``+-3``, the labels uniform."""
    rng = np.random.default_rng(seed)
    parameters = {}
    for k in range(1, len(widths)):
        bound = 2 / np.sqrt(widths[k - 1])
        parameters[f"W{k}"] = read_only(rng.uniform(-bound, bound, (widths[k], widths[k - 1])))
        parameters[f"b{k}"] = read_only(rng.uniform(-1, 1, (widths[k], 1)))
    X = read_only(rng.uniform(-3, 3, (widths[0], m)))
    C = widths[-1]
    if output == "softmax":
        y = rng.integers(0, C, m)
        y[0] = C - 1  # a one_hot that counts the classes as Y.max() + 1 finds all C
        Y = np.zeros((C, m))
        Y[y, np.arange(m)] = 1.0
    else:
        y = rng.integers(0, 2, m)
        Y = y.reshape(1, m).astype(np.float64)
    return Drawn(X, read_only(Y), read_only(y), parameters, keep_prob, seed, lambd)


def probe_network(L: int, output: str, keep_prob: float = 1.0, lambd: float = 0.0) -> Drawn:
    """The fixed network the reading runs a pair on: widths that all differ, 7 examples."""
    hidden = [5, 3, 6, 2][: L - 1]
    C = 3 if output == "softmax" else 1
    return build([4, *hidden, C], 7, 20_26, output, keep_prob, lambd)


# --- NumPy twins of the network: conditioning, masks, known mistakes (never the reference) --------


def _g(hidden: str, Z: Array) -> Array:
    if hidden == "relu":
        return np.maximum(Z, 0)
    if hidden == "leaky_relu":
        return np.where(Z > 0, Z, 0.01 * Z)
    if hidden == "tanh":
        return np.tanh(Z)
    return 1 / (1 + np.exp(-Z))


def _g_prime(hidden: str, Z: Array) -> Array:
    if hidden == "relu":
        return (Z > 0).astype(np.float64)
    if hidden == "leaky_relu":
        return np.where(Z > 0, 1.0, 0.01)
    if hidden == "tanh":
        return 1 - np.tanh(Z) ** 2
    s = 1 / (1 + np.exp(-Z))
    return s * (1 - s)


def _out(output: str, Z: Array) -> Array:
    if output == "softmax":
        E = np.exp(Z - Z.max(axis=0, keepdims=True))
        return E / E.sum(axis=0, keepdims=True)
    return 1 / (1 + np.exp(-Z))


def layers_of(
    net: Drawn,
    hidden: str,
    output: str,
    masks: Sequence[Array] = (),
    apply: bool = True,
    rescale: bool = True,
    only: int | None = None,
) -> list[tuple[Array, Array]]:
    """``(Z{l}, A{l})`` of every layer in float64 NumPy, ``A{l}`` after dropout (``apply``: the
    mask applied; ``rescale``: divided by ``keep_prob``; in layer ``only``, or in all)."""
    out, A = [], net.X
    for k in range(1, net.L + 1):
        Z = net.parameters[f"W{k}"] @ A + net.parameters[f"b{k}"]
        if k < net.L:
            A = _g(hidden, Z)
            here = only is None or only == k
            if masks and (apply or not here):
                A = A * masks[k - 1] / (net.keep_prob if rescale or not here else 1.0)
        else:
            A = _out(output, Z)
        out.append((Z, A))
    return out


def numpy_backward(
    net: Drawn,
    hidden: str,
    output: str,
    masks: Sequence[Array] = (),
    apply: bool = True,
    rescale: bool = True,
    only: int | None = None,
) -> dict[str, Array]:
    """The gradients a backward returns that applies the masks in the backward (``apply``) and
    divides by ``keep_prob`` (``rescale``), or does not (in layer ``only``'s ``dA``, or in all):
    for the diagnoses only."""
    layers = layers_of(net, hidden, output, masks)
    grads: dict[str, Array] = {}
    dZ = (layers[-1][1] - net.Y) / net.m
    for k in range(net.L, 0, -1):
        A_prev = layers[k - 2][1] if k > 1 else net.X
        grads[f"dW{k}"] = dZ @ A_prev.T + net.lambd / net.m * net.parameters[f"W{k}"]
        grads[f"db{k}"] = dZ.sum(axis=1, keepdims=True)
        if k > 1:
            dA = net.parameters[f"W{k}"].T @ dZ
            here = only is None or only == k - 1
            if masks and (apply or not here):
                dA = dA * masks[k - 2] / (net.keep_prob if rescale or not here else 1.0)
            dZ = dA * _g_prime(hidden, layers[k - 2][0])
    return grads


def _scale(net: Drawn, hidden: str, output: str, masks: Sequence[Array]) -> dict[str, float]:
    """Each gradient's scale: backprop on absolute values (as ``course.network_scale``), the sums'
    terms, not their result (a ``db`` may cancel to almost 0); ``dW``'s L2 term added."""
    layers = layers_of(net, hidden, output, masks)
    scales: dict[str, float] = {}
    dZ = np.abs(layers[-1][1] - net.Y) / net.m
    for k in range(net.L, 0, -1):
        A_prev = np.abs(layers[k - 2][1]) if k > 1 else np.abs(net.X)
        W = np.abs(net.parameters[f"W{k}"])
        scales[f"dW{k}"] = float(np.max(dZ @ A_prev.T + net.lambd / net.m * W))
        scales[f"db{k}"] = float(np.max(dZ.sum(axis=1)))
        if k > 1:
            dA = W.T @ dZ
            if masks:
                dA = dA * masks[k - 2] / net.keep_prob
            dZ = dA * np.abs(_g_prime(hidden, layers[k - 2][0]))
    return scales


def _terms(net: Drawn, output: str, layers: Sequence[tuple[Array, Array]]) -> int:
    """The longest chain of roundings: the widths and ``L m``, amplified for a sigmoid output by
    ``1 / (AL (1 - AL))`` (a backward through ``dA = -(Y / AL - (1 - Y) / (1 - AL))``)."""
    dims = net.X.shape[0] + sum(net.parameters[f"b{k}"].shape[0] for k in range(1, net.L + 1))
    terms = 4 * (dims + 1 + net.L * net.m)
    if output == "sigmoid":
        AL = layers[-1][1]
        terms = int(np.ceil(terms / float(np.min(AL * (1 - AL)))))
    return terms


def _well_conditioned(layers: Sequence[tuple[Array, Array]], hidden: str, output: str) -> bool:
    """No relu input within rounding of its kink, no sigmoid output within 1e-6 of 0 or 1."""
    if hidden in ("relu", "leaky_relu"):
        for Z, _ in layers[:-1]:
            tiny = 1e-9 * (float(np.max(np.abs(Z))) + 1.0)
            if not np.all((Z == 0) | (np.abs(Z) > tiny)):
                return False
    AL = layers[-1][1]
    return output != "sigmoid" or float(np.min(AL * (1 - AL))) > 1e-6


# --- Calling the learner's functions -------------------------------------------------------------


def _forward_values(net: Drawn) -> dict[str, Any]:
    return {"X": net.X, "parameters": dict(net.parameters), "keep_prob": net.keep_prob,
            **net.parameters}  # fmt: skip


def _arrays_in(value: Any, depth: int = 0) -> Iterator[Array]:
    """The arrays of a cache in order: tuples, lists and dicts walked depth first."""
    if depth > 6:
        return
    if isinstance(value, np.ndarray):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _arrays_in(v, depth + 1)
    elif isinstance(value, (tuple, list)):
        for v in value:
            yield from _arrays_in(v, depth + 1)


def masks_in(cache: Any, shapes: Sequence[tuple[int, int]]) -> list[Array]:
    """The dropout masks in a cache: the 0/1 arrays of each hidden layer's shape, in order.

    A mask drawn as ``np.random.rand(...) < keep_prob`` is boolean (or integer, ``.astype(int)``);
    one of floats is looked for only when those do not make up every layer's (an activation that
    the mask zeroed entirely is 0/1 too, and is passed over while it is all zeros)."""
    arrays = [a for a in _arrays_in(cache) if a.ndim == 2 and a.size]

    def binary(a: Array) -> bool:
        values = np.asarray(a, dtype=np.float64)
        return bool(np.all((values == 0) | (values == 1)))

    for allowed in (
        lambda a: a.dtype.kind in "biu",
        lambda a: a.dtype.kind in "biu" or np.any(a),
        lambda a: True,
    ):
        found: list[Array] = []
        for a in arrays:
            if len(found) == len(shapes):
                break
            if a.shape == shapes[len(found)] and allowed(a) and binary(a):
                found.append(np.asarray(a, dtype=np.float64))
        if len(found) == len(shapes):
            return found
    return found


@dataclass
class Ran:
    """One call of the learner's forward: its output, what it returned by name, the masks."""

    output: Array
    values: dict[str, Any] = field(default_factory=dict)
    masks: list[Array] = field(default_factory=list)


def run_forward(pair: Pair, net: Drawn) -> Ran:
    """The learner's forward on ``net`` (NumPy's global random state seeded with ``net.seed``,
    then put back: the masks it draws are the same every run)."""
    given = _forward_values(net)
    kwargs = {param: given[what] for param, what in pair.forward_args}
    # The learner's masks come from NumPy's global generator (np.random.rand): it is seeded here.
    state = np.random.get_state()  # noqa: NPY002
    np.random.seed(net.seed % 2**32)  # noqa: NPY002
    try:
        with sizes_set(pair.forward, net):
            result = pair.forward(**kwargs)
    finally:
        np.random.set_state(state)  # noqa: NPY002
    values: dict[str, Any] = {}
    if pair.forward_returns == ("output",):
        values["output"] = result
    else:
        assert isinstance(result, (tuple, list)) and len(result) == len(pair.forward_returns), (
            f"{pair.forward_name}: returned {type(result).__name__}"
            f"{f' of {len(result)}' if isinstance(result, (tuple, list)) else ''}; on the probe "
            f"it returned {len(pair.forward_returns)} values ({', '.join(pair.forward_returns)})"
        )
        values = dict(zip(pair.forward_returns, result, strict=True))
        if "output" not in values:
            values["output"] = values.get(f"A{net.L}", result[-1])
    shapes = [(net.parameters[f"b{k}"].shape[0], net.m) for k in range(1, net.L)]
    masks = masks_in(values.get("cache", result), shapes) if pair.dropout else []
    return Ran(np.asarray(values["output"]), values, masks)


def _pool(pair: Pair, net: Drawn, ran: Ran, labels: str) -> dict[str, Any]:
    pool = _forward_values(net)
    pool.update(ran.values)
    pool["Y"] = net.y if labels == "integer" else net.Y
    pool["m"] = net.m
    pool["lambd"] = net.lambd
    return pool


def run_backward(pair: Pair, net: Drawn, ran: Ran, labels: str | None = None) -> dict[str, Array]:
    """The learner's backward on what its forward returned: its ``dW{l}, db{l}``."""
    assert pair.backward is not None
    pool = _pool(pair, net, ran, labels or pair.labels)
    with _global_m(pair, net.m), sizes_set(pair.backward, net):
        result = pair.backward(**{param: pool[what] for param, what in pair.backward_args})
    shapes = {f"d{k}": np.shape(v) for k, v in net.parameters.items()}
    return gradients_of(pair, result, net.L, shapes)


@contextmanager
def _global_m(pair: Pair, m: int) -> Iterator[None]:
    """The global ``m`` a backward reads (set at the top of a learner's file from the data, which
    the check does not load), set to the drawn ``m`` for the call and put back after."""
    if not pair.global_m or pair.backward is None:
        yield
        return
    space = inspect.unwrap(pair.backward).__globals__
    missing = object()
    saved = space.get("m", missing)
    space["m"] = m
    try:
        yield
    finally:
        if saved is missing:
            space.pop("m", None)
        else:
            space["m"] = saved


#: The words of a global that holds the network's sizes (``layer_dims = [784, 128, 10]``).
SIZE_WORDS = frozenset(
    "layer layers dims dim sizes size architecture arch units shape shapes nn net network "  # noqa: SIM905
    "neurons structure hidden".split()
)
#: The names of a global that counts its layers (``L = len(layer_dims)``).
COUNT_NAMES = frozenset(("l", "nlayers", "numlayers", "numberoflayers", "depth", "layercount"))


def size_globals(f: Any) -> dict[str, str]:
    """The globals ``f`` reads that hold its network's shape, by what they hold: ``sizes`` (a
    list or tuple of whole numbers named as layers' sizes, ``[n0, n1, ..., nL]``), ``hidden``
    (the same for the hidden layers only, ``hidden_layers = [100]``), or ``count`` (a whole
    number named as the layers' count, when a ``sizes`` global says which count it is:
    ``len(sizes)`` or ``len(sizes) - 1``). The check sets them to the drawn network's; left as
    the file has them, a forward would run the file's network, not the one drawn."""
    target = inspect.unwrap(f) if f is not None else None
    space = getattr(target, "__globals__", None)
    if not space:
        return {}

    def sizes(name: str, value: Any) -> bool:
        whole = isinstance(value, (list, tuple)) and len(value) >= 1 and all(
            isinstance(n, (int, np.integer)) and not isinstance(n, bool) and n >= 1 for n in value
        )  # fmt: skip
        return whole and bool(set(names.words(name)) & SIZE_WORDS)

    read = _names_read(target)
    found = {
        name: "hidden" if "hidden" in names.words(name) else "sizes"
        for name in sorted(read)
        if sizes(name, space.get(name))
    }
    # A count says which it is by the file's own sizes (read by f or not): L = len(layer_dims).
    lengths = {len(v) for k, v in space.items() if sizes(k, v) and "hidden" not in names.words(k)}
    for name in sorted(read):
        value = space.get(name)
        if not isinstance(value, (int, np.integer)) or names.normal(name) not in COUNT_NAMES:
            continue
        if int(value) in lengths:
            found[name] = "count"  # len(sizes): the input's too
        elif int(value) + 1 in lengths:
            found[name] = "weights"  # len(sizes) - 1: the weight layers
    return found


@contextmanager
def sizes_set(f: Any, net: Drawn) -> Iterator[None]:
    """``f``'s size globals (``size_globals``) set to ``net``'s for the call, put back after."""
    found = size_globals(f)
    if not found:
        yield
        return
    space = inspect.unwrap(f).__globals__
    widths = [int(net.X.shape[0])] + [
        int(net.parameters[f"b{k}"].shape[0]) for k in range(1, net.L + 1)
    ]
    saved = {name: space[name] for name in found}
    for name, kind in found.items():
        value = {
            "sizes": widths, "hidden": widths[1:-1], "count": len(widths), "weights": net.L
        }[kind]  # fmt: skip
        space[name] = type(saved[name])(value) if isinstance(value, list) else value
    try:
        yield
    finally:
        space.update(saved)


def gradients_of(
    pair: Pair, result: Any, L: int, shapes: Mapping[str, tuple[int, ...]] | None = None
) -> dict[str, Array]:
    """``dW{l}, db{l}`` from a dict (any spelling ``dw1``, ``dB1``) or a tuple: named by its return
    statement, else in the first of the usual orders whose shapes are the gradients' (``shapes``,
    by name): ``dW1, db1, dW2, db2, ...``, from the top layer down (``dW2, db2, dW1, db1``, as
    backprop computes them), all the ``dW`` then all the ``db``, or ``db`` before ``dW``."""
    if isinstance(result, dict):
        out = {}
        for k, v in result.items():
            name = _gradient_name(str(k))
            if name:
                out[name] = v
        return out
    assert isinstance(result, (tuple, list)), (
        f"{pair.backward_name}: returned {type(result).__name__}; it must return the gradients "
        "dW1, db1, ... (a dict, or a tuple)"
    )
    named = pair.backward_returns
    if named and len(named) == len(result):
        keys = [_gradient_name(n) or n for n in named]
        if any(_gradient_name(k) for k in keys):  # (a cost returned beside them is left out)
            return {k: v for k, v in zip(keys, result, strict=True) if _gradient_name(k)}
    orders = tuple_orders(L)
    keys = orders[0]
    if shapes is not None:
        keys = next(
            (o for o in orders if len(o) == len(result)
             and all(np.shape(v) == shapes.get(k) for k, v in zip(o, result, strict=True))),
            keys,
        )  # fmt: skip
    return {k: v for k, v in zip(keys, result, strict=False) if _gradient_name(k)}


def tuple_orders(L: int) -> list[list[str]]:
    """The orders a tuple of ``L`` layers' gradients comes in, the likeliest first."""
    up, down = range(1, L + 1), range(L, 0, -1)
    return [
        [f"d{p}{k}" for k in up for p in "Wb"],
        [f"d{p}{k}" for k in down for p in "Wb"],
        [f"d{p}{k}" for p in "Wb" for k in up],
        [f"d{p}{k}" for p in "Wb" for k in down],
        [f"d{p}{k}" for k in up for p in "bW"],
        [f"d{p}{k}" for k in down for p in "bW"],
    ]


# --- Reading a file's pair -----------------------------------------------------------------------


def _matches(got: Any, expected: Array) -> bool:
    try:
        value = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        return False
    return compare("probe", "AL", value, expected, 256) is None


def _try_forward(pair: Pair, net: Drawn) -> Ran | None:
    try:
        with np.errstate(all="ignore"):
            return run_forward(pair, net)
    except Exception:
        return None


def read_forward(name: str, f: Callable[..., Any], context: set[str]) -> Pair | None:
    """How ``f`` is called and the network it computes, or ``None`` when its arguments are not a
    network's (``X``, the parameters, the weights, ``keep_prob``)."""
    params = _parameters(f)
    if params is None:
        return None
    args = []
    for param, default in params:
        what = forward_input(param)
        if what is None:
            if default:
                continue
            return None
        args.append((param, what))
    received = {what for _, what in args}
    if "X" not in received or not (received & {"parameters"} or any(w[0] == "W" for w in received)):
        return None
    dropout = "keep_prob" in received
    weights = [int(w[1:]) for w in received if w[0] == "W"]
    depths: tuple[int, ...] = (max(weights),) if weights else DEPTHS
    returns = returned_names(f)
    outputs = ("softmax", "sigmoid")
    base = Pair(name, f, tuple(args), ("output",), depths, "relu", "softmax", dropout)
    found: list[tuple[int, str, str]] = []
    shaped: list[tuple[int, str]] = []
    for output in outputs:
        for L in depths:
            net = probe_network(L, output, 0.8 if dropout else 1.0)
            for forward_returns in _return_readings(returns):
                pair = _replace(base, forward_returns=forward_returns, output=output)
                ran = _try_forward(pair, net)
                if ran is None or np.shape(ran.output) != (net.Y.shape[0], net.m):
                    continue
                shaped.append((L, output))
                base = _replace(base, forward_returns=forward_returns)
                for hidden in HIDDEN if L > 1 else ("relu",):
                    masks = ran.masks if dropout else None
                    if dropout and len(ran.masks) != L - 1:
                        continue
                    expected = network.forward_all(
                        net.X, net.parameters, hidden, output, net.keep_prob, masks
                    )
                    if _matches(ran.output, expected):
                        found.append((L, hidden, output))
                        break
                break
    if found:
        # A 1-layer network has no hidden activation: the hidden one is read from a deeper match.
        _, hidden, output = next((f for f in found if f[0] > 1), found[0])
        depths = tuple(sorted({L for L, h, o in found if o == output and (h == hidden or L == 1)}))
        return _replace(base, depths=depths, hidden=hidden, output=output)
    if not shaped:
        return _replace(base, forward_matched=False, depths=depths[:1] if weights else (2,),
                        output="softmax" if "softmax" in context else "sigmoid")  # fmt: skip
    output = "softmax" if "softmax" in context or all(o == "softmax" for _, o in shaped) else (
        "sigmoid")  # fmt: skip
    ran_depths = tuple(sorted({L for L, o in shaped if o == output})) or depths[:1]
    return _replace(base, depths=ran_depths, output=output, forward_matched=False)


def _return_readings(returns: tuple[str, ...] | None) -> list[tuple[str, ...]]:
    """The ways the forward's result is read: ``(output, cache)``, one output, or the names its
    return statement gives (``Z1, A1, Z2, A2``)."""
    readings: list[tuple[str, ...]] = []
    if returns and (len(returns) > 2 or all(layer_name(n) for n in returns)):
        readings.append(tuple(layer_name(n) or n for n in returns))
    readings += [("output", "cache"), ("output",)]
    return readings


def _replace(pair: Pair, **changes: Any) -> Pair:
    from dataclasses import replace

    return replace(pair, **changes)


def read_backward(pair: Pair, name: str, f: Callable[..., Any]) -> Pair | None:
    """``pair`` with its backward ``f``, or ``None`` when ``f``'s arguments cannot be supplied."""
    params = _parameters(f)
    if params is None:
        return None
    pool = [*dict(pair.forward_args).values(), "X", "Y", "parameters", "keep_prob", "m", "output"]
    pool.append("lambd")
    pool += [f"{p}{k}" for k in range(1, max(pair.depths) + 1) for p in ("W", "b")]
    pool += [n for n in pair.forward_returns if n not in pool]
    depth = pair.depths[0] if len(pair.depths) == 1 else None
    args = []
    for param, default in params:
        what = backward_input(param, pool, depth)
        if what is None or what not in pool:
            if default:
                continue
            return None
        args.append((param, what))
    if "Y" not in {w for _, w in args}:
        return None
    paired = _replace(pair, backward_name=name, backward=f, backward_args=tuple(args),
                      backward_returns=returned_names(f),
                      l2="lambd" in {w for _, w in args})  # fmt: skip
    return _replace(paired, labels=_labels(paired, f))


def _labels(pair: Pair, f: Callable[..., Any]) -> str:
    """One-hot or integer labels: whichever the backward is right with on the probe; else
    integer when its code turns them into one-hot columns (a ``one_hot`` call, ``np.eye``)."""
    if pair.output == "sigmoid":
        return "one-hot"
    net = probe_network(pair.depths[-1], pair.output, 0.8 if pair.dropout else 1.0,
                        PROBE_LAMBD if pair.l2 else 0.0)  # fmt: skip
    ran = _try_forward(pair, net)
    if ran is not None and pair.forward_matched:
        expected = network.backward_all(
            net.X, net.Y, net.parameters, pair.hidden, pair.output, net.keep_prob,
            ran.masks or None, lambd=net.lambd,
        )  # fmt: skip
        ran_with = []
        for labels in ("one-hot", "integer"):
            try:
                with np.errstate(all="ignore"):
                    grads = run_backward(pair, net, ran, labels)
            except Exception:
                continue
            ran_with.append(labels)
            if all(k in grads and _close(grads[k], v) for k, v in expected.items()):
                return labels
        if len(ran_with) == 1:
            return ran_with[0]
    reads = {r.lower().replace("_", "") for r in _names_read(f)}
    if any("onehot" in r for r in reads) or "eye" in reads:
        return "integer"
    return "one-hot"


def _names_read(f: Any) -> set[str]:
    """The global and attribute names ``f``'s code reads, nested functions included."""
    code = getattr(inspect.unwrap(f), "__code__", None)
    found: set[str] = set()
    stack = [code] if code is not None else []
    while stack:
        c = stack.pop()
        found |= set(c.co_names)
        stack.extend(k for k in c.co_consts if hasattr(k, "co_names"))
    return found


def _close(got: Any, expected: Array) -> bool:
    try:
        return compare("probe", "g", np.asarray(got, dtype=np.float64), expected, 256) is None
    except (TypeError, ValueError):
        return False


def read_pairs(
    rows: Sequence[tuple[str, Callable[..., Any]]],
    context: set[str],
    global_m: AbstractSet[str] = frozenset(),
    partners: Sequence[tuple[str, Callable[..., Any]]] = (),
) -> dict[str, tuple[Pair, str]]:
    """For each function of ``rows`` (name, function) read as a whole network's pass: its pair
    and ``"forward"`` or ``"backward"``. ``global_m``: the backwards that read a global ``m``
    (the check sets it); a forward that does is not read. ``partners``: forwards checked
    otherwise (the course's ``L_model_forward``) that a backward of ``rows`` may pair with
    (``L_model_backward_with_regularization``); they are not among the pairs returned."""
    forwards: dict[str, Pair] = {}
    backwards: list[tuple[str, Callable[..., Any]]] = []
    for name, f in partners:
        if pass_direction(name) == "forward":
            pair = read_forward(name, f, context)
            if pair is not None:
                forwards[name] = pair
    others = set(forwards)
    for name, f in rows:
        direction = pass_direction(name)
        if direction == "forward" and name not in global_m:
            pair = read_forward(name, f, context)
            if pair is not None:
                forwards[name] = pair
        elif direction == "backward":
            backwards.append((name, f))
    out: dict[str, tuple[Pair, str]] = {
        n: (p, "forward") for n, p in forwards.items() if n not in others
    }
    for name, f in backwards:
        for forward in _partners(name, list(forwards)):
            pair = read_backward(_replace(forwards[forward], global_m=name in global_m), name, f)
            if pair is not None:
                out[name] = (pair, "backward")
                break
    return out


def _partners(backward: str, forwards: list[str]) -> list[str]:
    """The forwards a backward may pair with, the likeliest first: the most words in common
    besides the direction (``with_dropout``)."""

    def shared(forward: str) -> int:
        a = set(names.words(forward)) - _DIRECTION
        b = set(names.words(backward)) - _DIRECTION
        return len(a & b)

    return sorted(forwards, key=lambda f: -shared(f))


# --- The checks ----------------------------------------------------------------------------------

FORWARD_RULE = (
    "A[l] = g(W[l] @ A[l-1] + b[l]) for the hidden layers (with dropout A[l] = A[l] * D[l] / "
    "keep_prob), AL = softmax or sigmoid of W[L] @ A[L-1] + b[L]",
    "notation-and-the-chain-rule-with-matrices",
)
BACKWARD_RULE = (
    "dZL = (AL - Y) / m, dW[l] = dZ[l] @ A[l-1].T, db[l] = sum(dZ[l], axis=1, keepdims=True), "
    "dA[l-1] = W[l].T @ dZ[l] (times D[l-1] / keep_prob with dropout), dZ[l-1] = dA[l-1] * "
    "g'(Z[l-1])",
    "a-two-layer-example-both-reach-the-same-dw",
)
#: A backward that takes ``lambd``: the cost's ``lambd / (2 m) sum ||W||**2`` adds to each dW.
L2_NETWORK_RULE = (
    BACKWARD_RULE[0].replace(
        "dW[l] = dZ[l] @ A[l-1].T",
        "dW[l] = dZ[l] @ A[l-1].T + (lambd / m) * W[l] (L2; db[l] has none)",
    ),
    BACKWARD_RULE[1],
)
_NO_MASK = (
    "the dropout mask is not applied in the forward in layer {l}: A{l} = A{l} * D{l} / keep_prob "
    "after the activation (your cache holds the mask D{l}, but the activation passed on is not "
    "masked)"
)
_NOT_RESCALED = (
    "the mask is applied but A{l} is not divided by keep_prob: inverted dropout is "
    "A{l} = A{l} * D{l} / keep_prob, so that the expected activation does not change"
)
_NO_MASK_BACK = (
    "the dropout mask is not applied in the backward: dA{l} = dA{l} * D{l} / keep_prob, the same "
    "mask as in the forward (the units dropped there get no gradient)"
)
_NOT_RESCALED_BACK = (
    "dA{l} is not multiplied by D{l} / keep_prob in the backward, or not divided by keep_prob: "
    "dA{l} = dA{l} * D{l} / keep_prob, as in the forward (where relu's derivative is read from "
    "the masked A{l}, the dropped units get no gradient anyway, and leaving the line out loses "
    "only the 1 / keep_prob)"
)


def _hint(text: str, layer: int | str) -> str:
    return text.replace("{l}", str(layer))


def _conditioned(layers: Sequence[tuple[Array, Array]], pair: Pair) -> None:
    """Leave out an input where two right implementations may disagree (``_well_conditioned``):
    hypothesis draws another; a fixed input (a test's) must be one of the others."""
    if _well_conditioned(layers, pair.hidden, pair.output):
        return
    if currently_in_test_context():
        assume(False)
    raise NotChecked("an input within rounding of a kink or of a saturated sigmoid")


def _masks_or_skip(pair: Pair, net: Drawn, ran: Ran) -> list[Array] | None:
    if not pair.dropout:
        return None
    if len(ran.masks) != net.L - 1:
        raise NotChecked(
            f"the dropout masks are not in {pair.forward_name}'s cache: it must keep each hidden "
            f"layer's mask D{{l}} (0 or 1, of A{{l}}'s shape) for the backward; found "
            f"{len(ran.masks)} of {net.L - 1}"
        )
    return ran.masks


def check_network_forward(pair: Pair, net: Drawn) -> None:
    """The learner's ``AL`` against ``oracle.network.forward_all`` of its network (the masks its
    forward drew)."""
    with implemented(pair, "forward"):
        ran = run_forward(pair, net)
    masks = _masks_or_skip(pair, net, ran)
    layers = layers_of(net, pair.hidden, pair.output, masks or ())
    _conditioned(layers, pair)
    expected = network.forward_all(
        net.X, net.parameters, pair.hidden, pair.output, net.keep_prob, masks
    )
    known: dict[str, Array] = {}
    if masks:
        for layer in [None, *range(1, net.L)] if net.L > 2 else [1]:
            at = "[l]" if layer is None else layer
            unmasked = layers_of(net, pair.hidden, pair.output, masks, apply=False, only=layer)
            unscaled = layers_of(net, pair.hidden, pair.output, masks, rescale=False, only=layer)
            said = _NO_MASK if layer is not None else _NO_MASK.replace(" in layer {l}", "")
            # Where the mask keeps what matters, the two mistakes agree: the rescale is told.
            if not np.allclose(unmasked[-1][1], unscaled[-1][1], rtol=0, atol=0):
                known[_hint(said, at)] = unmasked[-1][1]
            known[_hint(_NOT_RESCALED, at)] = unscaled[-1][1]
    if pair.hidden == "relu" and net.L > 1:
        known["your hidden layers use sigmoid: the network is relu in every layer but the last"] = (
            layers_of(net, "sigmoid", pair.output, masks or ())[-1][1]
        )
    terms = _terms(net, pair.output, layers)
    try:
        assert_matches(
            pair, pair.forward_name, {"AL": ran.output}, {"AL": expected}, terms, net.m,
            {"AL": known}, rule=FORWARD_RULE,
        )  # fmt: skip
    except AssertionError as wrong:
        first = first_wrong_value(ran, layers, terms)
        if first is None:
            raise
        raise AssertionError(f"{wrong}\n  where: {first}") from None


def first_wrong_value(ran: Ran, layers: Sequence[tuple[Array, Array]], terms: int) -> str | None:
    """Of the values a forward returns by name (``Z1, A1, Z2, A2``), the first that is wrong, in
    the order they are computed: where a wrong ``AL`` starts. (The values are located with the
    NumPy twin; ``AL`` itself was judged by the oracle.)"""
    for k, (Z, A) in enumerate(layers, start=1):
        for name, value in ((f"Z{k}", Z), (f"A{k}", A)):
            if name not in ran.values:
                continue
            try:
                got = np.asarray(ran.values[name], dtype=np.float64)
            except (TypeError, ValueError):
                return f"{name} is not an array"
            if compare("forward", name, got, value, terms) is not None:
                said = {"Z": f"W{k} @ A{k - 1} + b{k}" if k > 1 else "W1 @ X + b1"}.get(
                    name[0], f"the activation of Z{k}"
                )
                return f"the first wrong value it returns is {name} (= {said}); " + (
                    "those before it are right" if name != "Z1" else "it is the first"
                )
    return None


def check_network_backward(pair: Pair, net: Drawn) -> None:
    """Every ``dW{l}, db{l}`` of the learner's backward against autograd's gradient of the mean
    cost of its network (``oracle.network.backward_all``, the masks its forward drew)."""
    with implemented(pair, "forward", "backward"):
        ran = run_forward(pair, net)
        masks = _masks_or_skip(pair, net, ran)
        layers = layers_of(net, pair.hidden, pair.output, masks or ())
        _conditioned(layers, pair)
        right = network.forward_all(
            net.X, net.parameters, pair.hidden, pair.output, net.keep_prob, masks
        )
        if compare(pair.forward_name, "AL", ran.output, right, _terms(net, pair.output, layers)):
            raise NotChecked(
                f"depends on your {pair.forward_name}, which is wrong: what it returns feeds "
                f"{pair.backward_name} (fix {pair.forward_name} first)"
            )
        grads = run_backward(pair, net, ran)
    expected = network.backward_all(
        net.X, net.Y, net.parameters, pair.hidden, pair.output, net.keep_prob, masks,
        lambd=net.lambd,
    )  # fmt: skip
    known = mixing_known(expected, net.m)
    if pair.l2:
        known = l2_known(known, expected, net.parameters, net.lambd, net.m)
    C = net.Y.shape[0]
    for k, v in expected.items():
        known.setdefault(k, {})
        if pair.output == "softmax" and C > 1:
            known[k][
                f"every gradient is C / (C - 1) times the right one (C = {C} classes): the fudge "
                "factor n/(n-1) in dZL, which makes a gradient check of the binary cross-entropy "
                "summed over the classes pass; for softmax dZL = (AL - Y) / m"
            ] = v * C / (C - 1)
    for layer in range(1, net.L) if masks else ():
        # Layer l's dW and db are the highest wrong when the mistake is in dA{l}'s mask alone.
        unmasked = numpy_backward(
            net, pair.hidden, pair.output, masks or (), apply=False, only=layer
        )
        unscaled = numpy_backward(
            net, pair.hidden, pair.output, masks or (), rescale=False, only=layer
        )
        for k in (f"dW{layer}", f"db{layer}"):
            # Where the mask keeps what matters, the two mistakes agree: the rescale is told.
            if not np.array_equal(unmasked[k], unscaled[k]):
                known[k][_hint(_NO_MASK_BACK, layer)] = unmasked[k]
            known[k][_hint(_NOT_RESCALED_BACK, layer)] = unscaled[k]
    assert_matches(
        pair, pair.backward_name, grads, expected, _terms(net, pair.output, layers), net.m,
        known, scale=_scale(net, pair.hidden, pair.output, masks or ()), by_layer=True,
        rule=L2_NETWORK_RULE if pair.l2 else BACKWARD_RULE,
    )  # fmt: skip


@st.composite
def networks_for(draw: st.DrawFn, pair: Pair) -> Drawn:
    """A network of one of ``pair``'s depths, hidden widths 1 to 6, 2 to 5 classes for softmax
    (1 for sigmoid), m from 1 to 20; ``keep_prob`` 0.5 or 0.8 with dropout; ``lambd`` one of
    ``LAMBDS`` with L2."""
    L = draw(st.sampled_from(pair.depths), label="L")
    C = draw(st.integers(2, 5)) if pair.output == "softmax" else 1
    widths = [draw(st.integers(1, 6)) for _ in range(L)] + [C]
    m = draw(st.integers(1, 20), label="m")
    keep_prob = draw(st.sampled_from(KEEP_PROBS)) if pair.dropout else 1.0
    lambd = draw(st.sampled_from(LAMBDS)) if pair.l2 else 0.0
    seed = draw(st.integers(0, 2**32 - 1))
    return build(widths, m, seed, pair.output, keep_prob, lambd)


def plans(pair: Pair, which: str) -> list[tuple[str, Callable[..., None], dict[str, Any]]]:
    """The runner's plans for a row read as a whole network's ``which`` pass."""
    strategies = {"net": networks_for(pair)}
    if which == "forward":
        return [("whole network forward vs the oracle",
                 lambda net: check_network_forward(pair, net), strategies)]  # fmt: skip
    return [("whole network backward vs autograd",
             lambda net: check_network_backward(pair, net), strategies)]  # fmt: skip


def covered(pairs: Mapping[str, tuple[Pair, str]]) -> set[str]:
    """The contract's functions the pairs stand for in the 'not in your file' list (a course
    dropout network has no ``dropout_forward`` of its own: it is inside)."""
    if any(p.dropout for p, _ in pairs.values()):
        return {"dropout_forward", "dropout_backward"}
    return set()
