"""The learner's own names: which contract function a name means, and which input an argument is.

Learners name the same function many ways: the course's ``relu_backward``, the story's
``relu_backpropagation`` and ``backpropagate_ReLU``, tutorials' ``deriv_ReLU``, ``sigmoid_prime``,
``dsigmoid``, ``relu_derivative``; arguments ``dA``, ``dL_dA``, ``dout``, ``delta``, ``grad`` for
the upstream gradient. ``roles_for(name)`` splits a name into words (``snake_case`` and
``camelCase``), sets aside the words that say "derivative" or "forward", and looks the rest up
among the contract's functions; ``bind`` matches a function's parameters to the inputs a check
supplies.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

#: Words that make a name a derivative: ``relu_backward``, ``sigmoid_prime``, ``deriv_ReLU``.
BACKWARD_WORDS = frozenset(
    (  # noqa: SIM905
        "backward backwards backprop backpropagation backpropagate back bwd bw prime derivative "
        "derivatives deriv der grad gradient grads gradients diff d"
    ).split()
)
#: Words that say nothing but "the forward": ``relu_forward``, ``sigmoid_activation``.
FORWARD_WORDS = frozenset(
    "forward forwards fwd function func fn f activation act prop".split()  # noqa: SIM905
)

#: The activations of the contract, and the other names they go by.
ACTIVATIONS = {
    "relu": ("relu", "rectifier", "rectified_linear", "rectified_linear_unit"),
    "leaky_relu": ("leaky_relu", "leakyrelu", "lrelu", "leaky"),
    "sigmoid": ("sigmoid", "sigm", "sig", "logistic"),
    "tanh": ("tanh", "hyperbolic_tangent"),
    "softmax": ("softmax", "soft_max"),
}
LINEAR_WORDS = ("linear", "affine", "dense", "fc", "fully_connected", "linear_layer", "linear_part")
LAYER_WORDS = ("linear_activation", "layer", "dense_layer", "linear_activation_layer")
LOSSES = {
    "cross_entropy": (
        "cross_entropy", "crossentropy", "categorical_cross_entropy", "categorical_crossentropy",
        "cce", "ce", "xent", "nll", "negative_log_likelihood", "cross_entropy_loss", "ce_loss",
        "categorical_cross_entropy_loss", "log_likelihood",
    ),
    "binary_cross_entropy": (
        "binary_cross_entropy", "binary_crossentropy", "bce", "log_loss", "logistic_loss",
        "binary_cross_entropy_loss", "bce_loss", "binary_ce",
    ),
    "mse": (
        "mse", "mean_squared_error", "squared_error", "mean_square_error", "quadratic",
        "quadratic_cost", "quadratic_loss", "mse_loss", "l2_loss", "sse", "square_loss",
    ),
}  # fmt: skip
#: A loss whose name does not say which: decided by what it computes.
GENERIC_LOSS = ("loss", "cost", "compute_loss", "loss_function", "cost_function", "objective",
                "compute_cost", "error", "criterion", "calculate_loss", "calc_loss", "get_loss",
                "total_loss", "calculate_cost", "get_cost")  # fmt: skip
#: The fused softmax and cross-entropy backward: ``softmax_loss_backpropagation``, ...
SOFTMAX_LOSS = ("softmax_loss", "softmax_cross_entropy", "softmax_ce", "cross_entropy_softmax",
                "softmax_crossentropy", "softmax_with_loss", "softmax_cross_entropy_loss",
                "softmax_output", "output_softmax")  # fmt: skip
L2_WORDS = ("l2_penalty", "l2_regularization", "l2_regularisation", "l2", "l2_reg", "l2_term",
            "l2_cost", "regularization", "regularisation", "weight_decay",
            "l2_norm_penalty")  # fmt: skip
DROPOUT_WORDS = ("dropout", "drop_out", "inverted_dropout")
BATCHNORM_WORDS = ("batchnorm", "batch_norm", "bn", "batch_normalization", "batch_normalisation")


def words(name: str) -> list[str]:
    """``deriv_ReLU`` -> ``["deriv", "relu"]``, ``sigmoidPrime`` -> ``["sigmoid", "prime"]``."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    spaced = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", spaced)
    return [w for w in spaced.lower().split("_") if w]


@dataclass(frozen=True)
class NameReading:
    """What a function's name says: the base (``relu``, ``linear``, ``loss``...) and whether it
    is a derivative."""

    base: str
    backward: bool


def read_name(name: str) -> NameReading:
    parts = words(name)
    backward = any(w in BACKWARD_WORDS for w in parts)
    rest = [w for w in parts if w not in BACKWARD_WORDS and w not in FORWARD_WORDS]
    base = "_".join(rest)
    # A "d" glued to the front: dsigmoid, drelu, dtanh.
    if not backward and len(rest) == 1 and rest[0].startswith("d"):
        glued = rest[0][1:]
        if any(glued in aliases for aliases in ACTIVATIONS.values()):
            return NameReading(glued, True)
    return NameReading(base, backward)


def _lookup(base: str, table: dict[str, tuple[str, ...]]) -> str | None:
    squashed = base.replace("_", "")
    for key, aliases in table.items():
        if base in aliases or squashed in (a.replace("_", "") for a in aliases):
            return key
    return None


def _in(base: str, aliases: tuple[str, ...]) -> bool:
    squashed = base.replace("_", "")
    return base in aliases or squashed in (a.replace("_", "") for a in aliases)


def roles_for(name: str) -> list[str]:
    """The contract functions ``name`` may be, most likely first (several when the name alone
    cannot tell, e.g. ``loss``). ``[]``: none."""
    reading = read_name(name)
    base, back = reading.base, reading.backward
    suffix = "_backward" if back else ""
    # "linear_activation" is a layer: its "activation" is not the word that means "forward".
    kept = "_".join(w for w in words(name) if w not in BACKWARD_WORDS and w != "forward")
    if _in(kept, LAYER_WORDS):
        return ["layer_backward" if back else "layer_forward"]
    activation = _lookup(base, ACTIVATIONS)
    if activation:
        return [activation + suffix]
    if _in(base, LINEAR_WORDS):
        return ["linear_backward" if back else "linear_forward"]
    if _in(base, LAYER_WORDS):
        return ["layer_backward" if back else "layer_forward"]
    if _in(base, SOFTMAX_LOSS):
        return ["softmax_cross_entropy_backward"] if back else []
    loss = _lookup(base, LOSSES)
    if loss:
        return [loss + suffix]
    if _in(base, GENERIC_LOSS):
        losses = ["cross_entropy", "binary_cross_entropy", "mse"]
        if back:
            return ["softmax_cross_entropy_backward", *(n + "_backward" for n in losses)]
        return losses
    if _in(base, L2_WORDS):
        return ["l2_penalty_backward" if back else "l2_penalty"]
    if _in(base, DROPOUT_WORDS):
        return ["dropout_backward" if back else "dropout_forward"]
    if _in(base, BATCHNORM_WORDS):
        return ["batchnorm_backward" if back else "batchnorm_forward"]
    return []


#: Argument names that could be the input ``Z`` or the output ``A`` of an activation.
EITHER = frozenset("x input inputs inp v u y val value values arr array t".split())  # noqa: SIM905


def local_inputs(argument: str, local: str = "Z") -> tuple[str, ...]:
    """What a local derivative's one argument may be: ``Z`` (``relu_prime(z)``), the forward's
    output ``A`` (``sigmoid_derivative(s)``), or, for a name that does not say (``x``), either,
    ``Z`` first."""
    name = normal(argument)
    if name in EITHER:
        return (local, "A")
    if name in ARGUMENTS["A"] - ARGUMENTS[local]:
        return ("A",)
    return (local,)


def is_generic_loss(name: str) -> bool:
    """A loss whose name does not say which one (``loss``, ``compute_cost``)."""
    return _in(read_name(name).base, GENERIC_LOSS)


#: The words of a whole network's pass: ``forward_prop``, ``backpropagate_all``, ``feedforward``.
NETWORK_WORDS = frozenset(
    "forward backward back prop propagation propagate backprop backpropagation backpropagate "  # noqa: SIM905
    "forwardprop forwardpropagation forwardpropagate pass all full model network net feed "
    "feedforward step whole deep".split()
)


def is_network_pass(name: str) -> bool:
    """``forward_prop``, ``backpropagate_all``, ``feedforward``: a whole network's pass."""
    parts = words(name)
    return bool(parts) and set(parts) <= NETWORK_WORDS and bool(
        set(parts) & {"forward", "backward", "back", "backprop", "backpropagation", "feedforward",
                      "backpropagate", "forwardprop", "forwardpropagation", "forwardpropagate"}
    )  # fmt: skip


# --- Arguments -----------------------------------------------------------------------------------

#: For each input a check supplies, the names learners give it (lower case, no underscores, no
#: trailing layer number: ``dL_dA1`` is read as ``dlda``).
ARGUMENTS: dict[str, frozenset[str]] = {
    k: frozenset(v.split())
    for k, v in {
        "dA": "da dlda dout delta deltas grad grads gradient dy upstream dvalues gradoutput "
        "gradoutputs gradout error errors err dh dacurr dan dl dupstream outgrad doutput dnext "
        "danext backgrad",
        "dZ": "dz dldz dout delta deltas grad gradient upstream dvalues gradoutput error err dy "
        "dzcurr dupstream dl",
        "dZ_out": "dzout dout dy grad gradout upstream dznorm dzhat dztilde dvalues",
        "Z": "z x input inputs inp logits preactivation v u zl zcurr net netinput",
        "A": "a acurr out output outputs activation activations s sig h act fx sigmoidz",
        "A_prev": "aprev x inputs input a ain prev aprevious previous hprev h alm al inp "
        "prevactivation prevactivations xin",
        "W": "w weights weight wcurr theta kernel",
        "b": "b bias biases bcurr",
        "AL": "al a yhat ypred pred preds prediction predictions output outputs out probs "
        "probabilities p h s activation activations outputactivations scores yp ahat x aout "
        "outputactivation predicted",
        "Y": "y label labels ytrue target targets t truth onehot yonehot yb ybatch true expected "
        "desired yactual actual",
        "ZL": "zl z logits scores zout",
        "alpha": "alpha slope negativeslope leak leakage negslope leakyslope",
        "keep_prob": "keepprob keep kp keepprobability prob",
        "mask": "mask d dmask dropoutmask masks",
        "lambd": "lambd lambda lam lmbda lmbd reg reglambda l weightdecay regularization "
        "regularisation regparam l2lambda",
        "m": "m nsamples numexamples batchsize n mexamples",
        "loss": "loss losses l",
        "cache": "cache caches",
        "activation": "activation activationfunction act actfn kind func",
        "rng": "rng random generator randomstate gen",
        "gamma": "gamma g scale",
        "beta": "beta shift",
        "eps": "eps epsilon",
        "Ws": "weights ws parameterslist matrices wlist",
    }.items()
}


def normal(argument: str) -> str:
    """``dL_dA1`` -> ``dlda``: lower case, no underscores, no trailing layer number."""
    return re.sub(r"\d+$", "", argument.replace("_", "").lower()) or argument.lower()


def _exact(a: str, p: str) -> bool:
    return a.lower() == p.lower() or a.replace("_", "").lower() == p.replace("_", "").lower()


def _same(a: str, p: str) -> bool:
    return normal(a) == normal(p)


def _usual(a: str, p: str) -> bool:
    return normal(p) in ARGUMENTS.get(a, frozenset())


def bind(
    parameters: list[tuple[str, bool]], primary: tuple[str, ...], extra: tuple[str, ...] = ()
) -> dict[str, str] | None:
    """For each of the learner's ``parameters`` (name, has a default), in order, the input it
    receives: one of ``primary`` (what the contract's function takes, in its order) or ``extra``
    (what can be supplied besides: ``A`` beside ``Z``, ``b`` beside ``W``). ``None`` when that
    cannot be decided. A parameter with a default that matches nothing keeps its default.

    An exact name wins (``Z`` is ``Z``); then the usual names learners give each input; then one
    parameter left over takes the one primary input left over; and when nothing binds by name and
    the counts agree, the order is the contract's.
    """
    available = (*primary, *extra)
    binding: dict[str, str] = {}
    free = list(available)

    def take(p: str, match: Callable[[str, str], bool]) -> None:
        if p in binding:
            return
        hit = next((a for a in free if match(a, p)), None)
        if hit is not None:
            binding[p] = hit
            free.remove(hit)

    names = [p for p, _ in parameters]
    for match in (_exact, _same, _usual):  # exact first; the usual names in ``available``'s order
        for p in names:
            take(p, match)
    needed = [p for p, default in parameters if p not in binding and not default]
    if not needed:
        return binding
    unused = [a for a in primary if a in free]
    if not binding and len(needed) == len(parameters) == len(primary):
        return dict(zip(names, primary, strict=True))
    if len(needed) == 1 and len(unused) == 1:
        binding[needed[0]] = unused[0]
        return binding
    return None
