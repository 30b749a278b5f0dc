"""A cost with L2 regularisation, in the learner's own shape: ``cost(AL, Y, parameters, lambd)``.

The course's ``compute_cost_with_regularization`` (its 3-layer sigmoid network) is checked by
``oracle.checks.course``. Learners who add L2 to a network of their own write the same cost under
their own names (``compute_cost``, ``cost_function``, ``loss_with_l2``...) and for their own output,
softmax or sigmoid, with the arguments in any order: read by their names (the output ``AL``, the
labels ``Y``, the parameters' dict, ``lambd``).

The check, on drawn outputs, labels and weights (``m >= 3``: a missing ``1/m`` shows):
``J = (1/m) sum_i loss(AL[:, i], Y[:, i]) + lambd / (2 m) sum_l ||W{l}||**2``, the categorical
cross-entropy for a softmax output, the binary one for a sigmoid (``oracle.losses``,
``oracle.regularization``). Which output the learner's cost is for: the one its file defines (a
``softmax`` or a ``sigmoid`` beside it), else the one it is right for on a probe.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from hypothesis import strategies as st

import oracle.losses as losses
import oracle.regularization as regularization
from oracle.checks import names
from oracle.checks.course import _number, assert_matches, l2_cost_known
from oracle.checks.networks import OUTPUT_NAMES, PARAMETER_NAMES
from oracle.checks.outcomes import implemented
from oracle.checks.strategies import read_only

Array = Any

#: The words of a cost's name (``compute_cost``, ``cost_with_l2``, ``total_loss``, ``J``).
COST_WORDS = frozenset(("cost", "loss", "objective", "j"))
OTHER_WORDS = frozenset(
    "compute calculate calc get total with regularization regularisation regularized "  # noqa: SIM905
    "regularised l2 reg function fn cross entropy ce categorical binary softmax sigmoid".split()
)
#: The course's own (``oracle.checks.course``).
COURSE = "compute_cost_with_regularization"
LAMBDS = (0.1, 0.7, 3.0)

RULE = (
    "J = (1/m) * sum over the examples of the loss (categorical cross-entropy for softmax, "
    "binary for sigmoid) + lambd / (2 m) * sum over l of sum(W[l]**2)",
    "l2_penalty_backward",
)


def _binding(f: Callable[..., Any]) -> dict[str, str] | None:
    """For each of ``f``'s arguments what it receives (``AL``, ``Y``, ``parameters``, ``lambd``),
    or ``None`` when its arguments are not those four (extra ones need defaults)."""
    try:
        signature = inspect.signature(f)
    except (TypeError, ValueError):
        return None
    bound: dict[str, str] = {}
    for p in signature.parameters.values():
        n = names.normal(p.name)
        what = (
            "AL" if n in OUTPUT_NAMES or n in names.ARGUMENTS["AL"] else
            "Y" if n in names.ARGUMENTS["Y"] else
            "parameters" if n in PARAMETER_NAMES else
            "lambd" if n in names.ARGUMENTS["lambd"] else None
        )  # fmt: skip
        if what is None or what in bound.values():
            if p.default is p.empty:
                return None
            continue
        bound[p.name] = what
    return bound if len(bound) == 4 else None


def is_l2_cost(name: str, f: Callable[..., Any]) -> bool:
    parts = set(names.words(name))
    if name == COURSE or not parts & COST_WORDS or not parts <= COST_WORDS | OTHER_WORDS:
        return False
    return _binding(f) is not None


@dataclass(frozen=True)
class Case:
    """Outputs ``AL (C, m)`` (softmax columns, or a sigmoid row for ``C = 1``), labels ``Y``, the
    weights of a network and ``lambd``."""

    AL: Array
    Y: Array
    parameters: dict[str, Array]
    lambd: float

    @property
    def m(self) -> int:
        return int(self.Y.shape[1])

    def penalty(self) -> float:
        return sum(float(np.sum(W * W)) for k, W in self.parameters.items() if k[0] == "W")


def make_case(C: int, m: int, widths: list[int], lambd: float, seed: int) -> Case:
    """``C`` classes (``1``: a sigmoid output), outputs off 0 and 1, one-hot or 0/1 labels, a
    network of ``widths`` (its last width is ``C``) with weights in ``+-1``."""
    rng = np.random.default_rng(seed)
    Z = rng.uniform(-3, 3, (C, m))
    if C == 1:
        AL = 1 / (1 + np.exp(-Z))
        Y = rng.integers(0, 2, (1, m)).astype(np.float64)
    else:
        E = np.exp(Z - Z.max(axis=0, keepdims=True))
        AL = E / E.sum(axis=0, keepdims=True)
        Y = np.zeros((C, m))
        Y[rng.integers(0, C, m), np.arange(m)] = 1.0
    parameters = {}
    dims = [*widths[:-1], C]
    for k in range(1, len(dims)):
        parameters[f"W{k}"] = read_only(rng.uniform(-1, 1, (dims[k], dims[k - 1])))
        parameters[f"b{k}"] = read_only(rng.uniform(-1, 1, (dims[k], 1)))
    return Case(read_only(AL), read_only(Y), parameters, lambd)


def expected_cost(case: Case) -> float:
    """The oracle's: the mean cross-entropy plus the L2 term."""
    loss = losses.binary_cross_entropy if case.Y.shape[0] == 1 else losses.cross_entropy
    weights = [W for k, W in case.parameters.items() if k[0] == "W"]
    data = float(losses.cost(loss(case.AL, case.Y)))
    return data + float(regularization.l2_penalty(weights, case.lambd, case.m))


def call(f: Callable[..., Any], case: Case) -> Any:
    binding = _binding(f)
    assert binding is not None
    given = {"AL": case.AL, "Y": case.Y, "parameters": dict(case.parameters), "lambd": case.lambd}
    return f(**{param: given[what] for param, what in binding.items()})


def output_of(f: Callable[..., Any]) -> str:
    """``softmax`` or ``sigmoid``: the one its file defines, when it defines one of the two and
    not the other (a binary cross-entropy beside a softmax is the story's mistake, not a sigmoid
    network); else the one ``f`` is right for on a probe, with ``lambd`` and then without (a
    wrong L2 term does not hide a right loss); else ``softmax`` if its file has one."""
    space = {str(k).lower() for k in getattr(inspect.unwrap(f), "__globals__", {})}
    has = {o for o in ("softmax", "sigmoid") if any(o in k for k in space)}
    if len(has) == 1:
        return has.pop()
    for lambd in (0.7, 0.0):
        for output, C in (("softmax", 3), ("sigmoid", 1)):
            case = make_case(C, 5, [4, 3, C], lambd, 20_26)
            try:
                with np.errstate(all="ignore"):
                    got = float(_number(call(f, case), "probe", "a cost"))
            except Exception:
                continue
            if np.isclose(got, expected_cost(case), rtol=1e-9, atol=0):
                return output
    return "softmax" if "softmax" in has else "sigmoid"


def depths_of(f: Callable[..., Any], output: str) -> list[int]:
    """The numbers of layers, of 1 to 4, ``f`` is right on (a cost that names ``W1, W2, W3`` has
    its network's depth); else those it runs on; else all (its error is then the verdict)."""
    C = 3 if output == "softmax" else 1
    ran, right = [], []
    for L in (1, 2, 3, 4):
        case = make_case(C, 5, [4] * L + [C], 0.7, 20_26)
        try:
            with np.errstate(all="ignore"):
                got = float(_number(call(f, case), "probe", "a cost"))
        except Exception:
            continue
        ran.append(L)
        if np.isclose(got, expected_cost(case), rtol=1e-9, atol=0):
            right.append(L)
    return right or ran or [1, 2, 3, 4]


def recognise(name: str, f: Callable[..., Any]) -> str | None:
    if not is_l2_cost(name, f):
        return None
    output = output_of(f)
    loss = "categorical" if output == "softmax" else "binary"
    return (
        f"a cost with L2 ({output} output: the mean {loss} cross-entropy + lambd / (2 m) "
        "sum ||W||**2)"
    )


def check_l2_cost(impl: Any, name: str, C: int, m: int, widths: list[int], lambd: float,
                  seed: int) -> None:  # fmt: skip
    """The learner's cost against the oracle's, its usual mistakes named."""
    case = make_case(C, m, [*widths, C], lambd, seed)
    with implemented(impl, name):
        got = _number(call(getattr(impl, name), case), name, "a cost")
    expected = expected_cost(case)
    penalty = case.penalty()
    biases = sum(float(np.sum(b * b)) for k, b in case.parameters.items() if k[0] == "b")
    known = l2_cost_known(expected, penalty, lambd, m)
    known["the biases are in the L2 term: it sums the weights W{l} only"] = (
        expected + lambd / (2 * m) * biases
    )
    if C > 1:
        binary = float(losses.cost(losses.binary_cross_entropy(case.AL, case.Y)))
        known[
            "the binary cross-entropy summed over the classes: for softmax the loss is "
            "-sum(Y * log(AL)) over the classes, no (1 - Y) log(1 - AL) term"
        ] = binary + lambd / (2 * m) * penalty
    terms = 4 * (C * m + sum(W.size for k, W in case.parameters.items() if k[0] == "W"))
    assert_matches(
        impl, name, {"cost": got}, {"cost": np.float64(expected)}, terms, m,
        {"cost": {k: np.float64(v) for k, v in known.items()}}, rule=RULE,
    )  # fmt: skip


def checks(
    name: str, f: Callable[..., Any]
) -> list[tuple[str, Callable[..., None], dict[str, st.SearchStrategy[Any]] | None]]:
    if not is_l2_cost(name, f):
        return []
    output = output_of(f)
    C = st.integers(2, 5) if output == "softmax" else st.just(1)
    strategies = {
        "name": st.just(name),
        "C": C,
        "m": st.integers(3, 20),
        "widths": st.sampled_from(depths_of(f, output)).flatmap(
            lambda L: st.lists(st.integers(1, 6), min_size=L, max_size=L)
        ),
        "lambd": st.sampled_from(LAMBDS),
        "seed": st.integers(0, 2**32 - 1),
    }
    return [(f"{name} vs the cost with L2", check_l2_cost, strategies)]
