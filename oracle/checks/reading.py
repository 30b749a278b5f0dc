"""How a learner's file is read: each function it defines, and what it is checked as.

For every function the file defines (or imports by name from a helper module in its folder) the
reading decides one of:

- a role of the contract (``relu_backpropagation(Z, A, dL_dA)`` is ``relu_backward`` with
  ``dA = dL_dA`` and ``A`` supplied), from its name and its arguments' names
  (``oracle.checks.names``), and, where those leave a choice (``loss(A, Y)``: which loss? the
  mean or one per example?), from what it computes on one fixed input;
- one of the course's network-level functions (``L_model_backward``...), by its course name;
- a mapping the learner wrote (``oracle.checks.mapping``), which overrides both;
- not checked, and why: it reads global variables, it trains or plots, its name matches nothing.

``Reading.namespace`` is then the learner's file seen through the contract: the registry's checks
call ``impl.relu_backward`` and get the learner's function, called as bound.
"""

from __future__ import annotations

import builtins
import dis
import inspect
import time
import types
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from oracle.checks import assignments, names, networks
from oracle.checks.conventions import (
    ATTRIBUTE,
    COURSE_NETWORK,
    MEAN,
    LearnerFile,
    course_layer_functions,
)
from oracle.checks.limits import Guard, TimeLimitExceeded, time_limit
from oracle.checks.loading import Loaded
from oracle.checks.mapping import Candidate, Mapped, read_mapping
from oracle.checks.probes import probe
from oracle.checks.registry import CASES, LEARNER_CASES, Case
from oracle.checks.roles import ROLES, Binding, Role, adapt, ones_upstream
from oracle.compare import compare

CASE: dict[str, Case] = {c.name: c for c in [*CASES, *LEARNER_CASES]}
#: The course's network-level functions, by name (each checked by ``oracle.checks.course``).
COURSE_FUNCTIONS = frozenset(n for row in COURSE_NETWORK for n in row.split(", ")) | {
    "initialize_velocity",
    "initialize_adam",
}
#: Names that say the function trains, plots, loads or reports: not a formula to check.
_NOT_FORMULAS = {
    "trains a network (a loop over the data)": (
        "model", "train", "fit", "gradient_descent", "nn_model", "l_layer_model",
        "two_layer_model", "main", "run", "training", "train_model", "sgd", "learn",
        "mini_batch_gradient_descent", "optimize", "training_loop", "epoch", "run_epoch",
    ),
    "plots or shows (nothing to compare)": (
        "plot", "show", "display", "visualize", "visualise", "draw", "imshow", "print",
        "plot_costs", "plot_cost", "plot_decision_boundary", "show_image", "plot_loss",
        "plot_accuracy", "plot_images", "test_prediction", "show_prediction", "log",
    ),
    "initialisation (random: nothing to compare)": (
        "init", "initialize", "initialise", "init_params", "initialize_parameters",
        "initialize_parameters_deep", "init_parameters", "init_weights", "initialize_weights",
        "initialise_parameters", "initialize_network",
    ),
    "predictions or accuracy (no derivative to check)": (
        "predict", "get_predictions", "accuracy", "get_accuracy", "compute_accuracy", "evaluate",
        "score", "make_predictions", "test", "classify",
    ),
    "the network's sizes (nothing to compare)": (
        "layer_sizes", "layer_dims", "get_dims", "get_layer_sizes", "sizes", "shapes",
    ),
    "loads or prepares data (nothing to compare)": (
        "one_hot", "to_one_hot", "one_hot_encode", "encode", "onehot",
        "load", "load_data", "load_dataset", "read", "read_data", "get_data", "load_mnist",
        "download", "preprocess", "normalize", "normalise", "shuffle", "split", "save",
        "save_model",
        "load_model", "flatten", "read_idx", "load_images", "load_labels", "prepare_data",
    ),
}  # fmt: skip


@dataclass
class Row:
    """One function of the learner's file and how it is checked."""

    name: str
    signature: str
    where: str
    origin: str = ""  #: the helper module it comes from, "" for the file itself
    role: str | None = None  #: the contract (or course) function it is checked as
    how: str = ""  #: the binding, in words ("with dA = dL_dA")
    reason: str = ""  #: why it is not checked (when ``role`` is None)
    course: bool = False  #: one of the course's network-level functions
    binding: Binding | None = None
    function: Callable[..., Any] | None = None  #: the contract's function, made from the row's
    fixed: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    by_behaviour: bool = False  #: the role was chosen by what it computes
    fitted: bool = False  #: it computed its role's reference on the probe
    #: read as a whole network's pass (``oracle.checks.networks``): its pair, and which pass
    network: tuple[Any, str] | None = None

    @property
    def checked(self) -> bool:
        return self.role is not None


@dataclass
class Reading:
    loaded: Loaded
    rows: list[Row] = field(default_factory=list)
    namespace: LearnerFile | None = None
    guard: Guard | None = None
    mapping: Mapped | None = None
    #: the contract's functions a whole network read in the file stands for (its dropout)
    covered: set[str] = field(default_factory=set)

    def row_for(self, role: str) -> Row | None:
        return next((r for r in self.rows if r.role == role), None)

    def namespace_for(self, row: Row) -> LearnerFile:
        """The file seen through the contract, with ``row``'s function in its role (a file may
        have two functions for one role: each is checked in it)."""
        assert self.namespace is not None and self.guard is not None
        if row.function is None or row.role is None:
            return self.namespace
        ns = dict(vars(self.namespace))
        ns[row.role] = row.function
        ns["__deepscratch_names__"] = {**ns["__deepscratch_names__"], row.role: row.name}
        return LearnerFile(**ns)

    def missing(self) -> list[str]:
        """The contract's functions the file does not provide."""
        have = {r.role for r in self.rows} | {r.name for r in self.rows} | self.covered
        out = []
        for case in CASES:
            for f in (case.forward_name, case.backward_name):
                if f and f not in have and f not in out and f in ROLES:
                    out.append(f)
        return out


# --- The file's functions -------------------------------------------------------------------------


def _own_functions(loaded: Loaded) -> Iterator[tuple[str, Any, str]]:
    """(name, object, origin) for each function or class the file defines or imports by name from
    a helper module of its folder, in the order the file defines them."""
    module = loaded.module
    helpers = {h: getattr(__import__("sys").modules.get(h), "__file__", "") for h in loaded.helpers}
    seen = set()
    for name in loaded.defined_at:
        value = module.__dict__.get(name)
        if isinstance(value, (types.FunctionType, type)) and not name.startswith("__"):
            seen.add(name)
            yield name, value, ""
    for name, value in module.__dict__.items():
        if name in seen or name.startswith("_"):
            continue
        origin = getattr(value, "__module__", None)
        if isinstance(value, (types.FunctionType, type)) and origin in helpers:
            yield name, value, f"{origin}.py"


def _signature(f: Any) -> str:
    try:
        return str(inspect.signature(f))
    except (TypeError, ValueError):
        return "(...)"


def _parameters(f: Any) -> list[tuple[str, bool]] | None:
    """(name, has a default) for each positional parameter, or ``None`` for ``*args`` and the
    like (a signature the reading cannot bind)."""
    try:
        signature = inspect.signature(f)
    except (TypeError, ValueError):
        return None
    out = []
    for p in signature.parameters.values():
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        if p.kind == p.KEYWORD_ONLY:
            if p.default is p.empty:
                return None
            continue
        out.append((p.name, p.default is not p.empty))
    return out


def global_reads(f: Any) -> set[str]:
    """The global names ``f``'s code reads (``LOAD_GLOBAL``), nested functions included."""
    code = getattr(inspect.unwrap(f), "__code__", None)
    found: set[str] = set()
    stack = [code] if code is not None else []
    while stack:
        c = stack.pop()
        for ins in dis.get_instructions(c):
            if ins.opname in ("LOAD_GLOBAL", "LOAD_NAME") and isinstance(ins.argval, str):
                found.add(ins.argval)
        stack.extend(k for k in c.co_consts if isinstance(k, types.CodeType))
    return found


def _data_globals(f: Any, loaded: Loaded) -> list[str]:
    """The globals ``f`` reads that are data (arrays, dicts, lists of them) or that the reading
    left out: the check cannot supply them."""
    module = loaded.module.__dict__
    out = []
    for name in sorted(global_reads(f)):
        if name in loaded.left_out_names and name not in module:
            out.append(name)
            continue
        if name not in module:
            if not hasattr(builtins, name):
                out.append(name)  # never set: the call would raise NameError
            continue
        if _is_data(module[name]):
            out.append(name)
    return out


def _from_missing(reads: list[str], loaded: Loaded) -> str:
    """Why a function that needs names of an import left out (its module is not here) cannot be
    checked, or "" when none of ``reads`` comes from one."""
    module = loaded.module.__dict__
    needs: dict[str, list[str]] = {}
    for name in reads:
        if name in loaded.missing:
            needs.setdefault(loaded.missing[name], []).append(name)
        elif "*" in loaded.missing and name not in module:
            needs.setdefault(loaded.missing["*"], []).append(name)
    if not needs:
        return ""
    said = "; ".join(
        f"{', '.join(f'`{n}`' for n in names)} from {where}" for where, names in needs.items()
    )
    first = next(iter(needs)).split(",")[0].lstrip(".").split(".")[0]
    return (
        f"needs {said}, which is not here: put {first}.py beside your file (or install it) to "
        "check it"
    )


def _is_data(value: Any) -> bool:
    """An array, or a container holding one (parameters, a cache, a data set): not a constant
    or a table of functions."""
    if isinstance(value, np.ndarray):
        return True
    if isinstance(value, dict):
        return any(_is_data(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(_is_data(v) for v in value)
    return False


# --- Candidates: the roles a function may play, and how -------------------------------------------


def _bindings(role: Role, params: list[tuple[str, bool]]) -> list[Binding]:
    """The ways ``params`` can stand for ``role``'s inputs, the likeliest first."""
    out = []
    full = names.bind(params, role.inputs, tuple(role.extras))
    # A backward takes the upstream gradient: without it, it is at most a local derivative.
    upstream = role.inputs[0] if role.kind == "backward" else None
    if full is not None and (upstream is None or upstream in full.values()):
        out.append(Binding(tuple((p, full[p]) for p, _ in params if p in full)))
    required = [p for p, default in params if not default]
    if role.local and len(required) == 1:
        # A local derivative g'(Z) (relu_prime(Z)), or of the forward's output (sigmoid'(A)).
        p = required[0]
        for given in names.local_inputs(p, role.local):
            out.append(Binding(((p, given),), local=True))
    return _ordered(out, params)


def _ordered(bindings: list[Binding], params: list[tuple[str, bool]]) -> list[Binding]:
    """Bindings that bind every required parameter, in the order found, without repeats."""
    required = {p for p, default in params if not default}
    seen, out = set(), []
    for b in bindings:
        key = (b.arguments, b.local)
        if key in seen or not required <= {p for p, _ in b.arguments}:
            continue
        seen.add(key)
        out.append(b)
    return out


def candidates(name: str, f: Any, context: set[str]) -> list[Candidate]:
    """The roles ``f`` (named ``name``) may play, the likeliest first."""
    params = _parameters(f)
    if params is None:
        return []
    # The contract's own name is that function; otherwise what the name says.
    said = [name] if name in ROLES else names.roles_for(name)
    roles = [ROLES[r] for r in said if r in ROLES]
    # A loss may return the cost (its mean) instead of one loss per example.
    roles = [
        x
        for r in roles
        for x in ([r, ROLES[f"{r.name}_cost"]] if f"{r.name}_cost" in ROLES else [r])
    ]
    roles = _by_context(roles, context)
    return [Candidate(r, b) for r in roles for b in _bindings(r, params)]


def _by_context(roles: list[Role], context: set[str]) -> list[Role]:
    """A generic ``loss`` is likelier the categorical cross-entropy in a file with softmax, the
    binary one in a file with sigmoid only."""
    if "softmax" in context:
        return sorted(roles, key=lambda r: not r.name.startswith(("cross_entropy", "softmax")))
    if "sigmoid" in context:
        return sorted(roles, key=lambda r: not r.name.startswith("binary"))
    return roles


# --- Choosing by what the function computes ------------------------------------------------------


def case_of(role: Role) -> Case:
    """The registry case that checks ``role`` (the relu layer's for ``layer_*``)."""
    return CASE["layer[relu]" if role.case == "layer" else role.case]


def _run_case(role: Role, f: Callable[..., Any], binding: Binding, x: dict[str, Any]) -> Any:
    ns = types.SimpleNamespace(**{role.name: adapt(role, f, binding)})
    case = case_of(role)
    call = case.forward if role.kind == "forward" else case.backward
    assert call is not None
    return call(ns, x)  # type: ignore[arg-type]


#: How well a reading fits what the function computed on the probe.
NO_FIT, SHAPES_FIT, VALUES_FIT = 0, 1, 2


def _try(candidate: Candidate, f: Callable[..., Any]) -> tuple[int, Binding]:
    """How well the candidate computes the role's reference on the probe (``VALUES_FIT``: it
    does; ``SHAPES_FIT``: its outputs have the reference's shapes, as a loss that returns the mean
    has the cost's), and its binding completed by what the call showed (a ``(A, cache)`` result,
    the order of several outputs)."""
    role, binding = candidate.role, candidate.binding
    case = case_of(role)
    x = probe(case.name)
    if binding.local:
        x = ones_upstream(role)(x)
    raw: list[Any] = []

    def recording(*args: Any) -> Any:
        out = f(*args)
        raw.append(out)
        return out

    def attempt(b: Binding) -> Any:
        raw.clear()
        try:
            with np.errstate(all="ignore"):
                return _run_case(role, recording, b, x)
        except Exception:
            return None

    got = attempt(binding)
    last = raw[-1] if raw else None
    if len(role.outputs) == 1 and isinstance(last, tuple) and not binding.first:
        binding = replace(binding, first=True)
        got = attempt(binding)
    try:
        expected = (
            case.oracle_forward(x, got or {}) if role.kind == "forward" else case.oracle_backward(x)  # type: ignore[misc]
        )
    except Exception:
        return NO_FIT, binding
    if len(role.outputs) > 1 and isinstance(last, (tuple, list)) and len(last) == len(role.outputs):
        order = _order_by_shape(last, expected)
        if order is not None and order != role.outputs and set(order) == set(role.outputs):
            binding = replace(binding, order=order)
            got = attempt(binding)
    if not isinstance(got, dict) or set(expected) - set(got):
        return NO_FIT, binding
    if any(np.shape(got[k]) != np.shape(v) for k, v in expected.items()):
        return NO_FIT, binding
    ok = all(
        compare(role.name, k, np.asarray(got[k], dtype=np.float64), np.asarray(v), 64) is None
        for k, v in expected.items()
    )
    return (VALUES_FIT if ok else SHAPES_FIT), binding


#: Seconds one reading of a function may take on the probe (a function that hangs is then
#: checked as its likeliest reading, and its checks say that it hangs).
PROBE_SECONDS = 5.0


def _safely(candidate: Candidate, f: Callable[..., Any]) -> tuple[int, Binding]:
    """``_try``, where anything the learner's function returns that the reading cannot use
    means only "not this reading"; and bounded in time."""
    try:
        with time_limit(PROBE_SECONDS, "reading"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return _try(candidate, f)
    except (Exception, TimeLimitExceeded):
        return NO_FIT, candidate.binding


def _order_by_shape(raw: Any, expected: dict[str, Any]) -> tuple[str, ...] | None:
    """The output each result is, told by its shape (the probe's shapes all differ)."""
    shapes = {np.shape(v): k for k, v in expected.items()}
    if len(shapes) != len(expected):
        return None
    order = tuple(shapes.get(getattr(r, "shape", None), "") for r in raw)
    return order if "" not in order and len(set(order)) == len(order) else None


def choose(
    name: str, f: Any, context: set[str], rows: bool = False
) -> tuple[Candidate | None, bool, bool]:
    """The candidate that computes its role's reference on the probe (the likeliest such), or
    else the likeliest whose outputs have the reference's shapes (a loss returning one number is
    read as the cost), or else the likeliest; whether behaviour decided; and whether the chosen
    one computed the reference. ``rows``: read it as row-major (``Binding.rows``)."""
    found = candidates(name, f, context)
    if rows:
        found = [Candidate(c.role, replace(c.binding, rows=True)) for c in found]
    if not found:
        return None, False, False
    tried = []
    for c in found:
        began = time.perf_counter()
        tried.append((c, *_safely(c, f)))
        if time.perf_counter() - began > PROBE_SECONDS / 2:
            break  # it hangs, or nearly: the likeliest reading it is
    right = [(c, b) for c, fit, b in tried if fit == VALUES_FIT]
    if right:
        c, b = right[0]
        first = found[0]
        decided = (c.role.name, b.arguments) != (first.role.name, first.binding.arguments)
        return Candidate(c.role, b), decided, True
    c, _, b = max(tried, key=lambda t: t[1])  # the first of the best fits
    return Candidate(c.role, b), False, False


# --- The reading ---------------------------------------------------------------------------------


def _not_formula(name: str) -> str | None:
    if names.is_network_pass(name):
        return (
            "a whole network's forward or backward pass (the functions it is made of are "
            "checked one by one)"
        )
    key = "_".join(names.words(name))
    for why, words in _NOT_FORMULAS.items():
        if key in words or any(key.startswith(w + "_") for w in words if len(w) > 3):
            return why
    return None


def _context(loaded: Loaded) -> set[str]:
    """The activations the file defines (which loss a generic ``loss`` is likely to be)."""
    found = set()
    for name in loaded.defined_at:
        for role in names.roles_for(name):
            if role in ("softmax", "sigmoid"):
                found.add(role)
    return found


def read(
    loaded: Loaded,
    mapping_text: str | None = None,
    convention: str = MEAN,
    progress: Callable[[str], None] | None = None,
) -> Reading:
    """Read ``loaded``: a row for each of its functions, and the namespace the checks call.
    ``progress`` is told the name of each function before it is read (and first called).

    A file written row-major (one row per example: ``X: (m, n)``, ``X @ W + b``) is read again
    with every function's arrays transposed, when more of its matrix-product functions compute
    their reference only so than only as they are (``_row_major``)."""
    reading = _read_all(loaded, mapping_text, convention, progress)
    if _row_major(reading):
        reading = _read_all(loaded, mapping_text, convention, progress, rows=True)
    return reading


def _row_major(reading: Reading) -> bool:
    """More of the file's matrix-product functions (linear, layer) fit their reference only
    transposed than only as they are. Only they are evidence: their shapes fit one layout alone,
    where a softmax or a loss over ``axis=1`` is as likely a column-major file's mistake (the
    wrong axis), which the diagnosis then names."""
    assert reading.guard is not None
    context = _context(reading.loaded)
    module = reading.loaded.module.__dict__
    only_rows = only_columns = 0
    for row in reading.rows:
        mapped = reading.mapping is not None and reading.mapping.get(row.name) is not None
        if row.course or row.role is None or row.binding is None or mapped:
            continue
        if row.role not in ROLES or ROLES[row.role].case not in ("linear", "layer"):
            continue
        _, _, as_rows = choose(row.name, reading.guard.wrap(module[row.name]), context, True)
        only_rows += as_rows and not row.fitted
        only_columns += row.fitted and not as_rows
    return only_rows > only_columns


def _read_all(
    loaded: Loaded,
    mapping_text: str | None,
    convention: str,
    progress: Callable[[str], None] | None,
    rows: bool = False,
) -> Reading:
    """One reading of ``loaded`` (``rows``: each function read as row-major)."""
    reading = Reading(loaded)
    reading.mapping = read_mapping(loaded, mapping_text)
    guard = reading.guard = Guard()
    guard.changes |= loaded.changes
    context = _context(loaded)
    contract: dict[str, Any] = {}
    course = course_layer_functions(loaded.module)
    for name, value, origin in _own_functions(loaded):
        row = Row(name, _signature(value), loaded.defined_at.get(name, origin), origin)
        reading.rows.append(row)
        if isinstance(value, type):
            row.reason = (
                "a class: its methods need an object (write them as functions to check them)"
            )
            continue
        if progress:
            progress(name)
        # Guarded from the first call on: the reading's own probes call it too.
        _read_one(reading, row, guard.wrap(value), context, contract, course, guard, rows)
    _read_networks(reading, context)
    ns: dict[str, Any] = dict(contract)
    for row in reading.rows:
        if row.course:
            ns[row.name] = guard.wrap(loaded.module.__dict__[row.name])
    ns["__name__"] = str(loaded.path)
    ns[ATTRIBUTE] = convention
    first: dict[str, str] = {}
    for r in reading.rows:
        if r.role and not r.course:
            first.setdefault(r.role, r.name)
    ns["__deepscratch_names__"] = first
    reading.namespace = LearnerFile(**ns)
    return reading


def _read_networks(reading: Reading, context: set[str]) -> None:
    """The rows left unread that are a whole network's forward and backward pass, read as one
    network (``oracle.checks.networks``)."""
    assert reading.guard is not None
    module = reading.loaded.module.__dict__
    only_m = "reads the global variable `m`: pass it as arguments to check it"
    unread = [
        (r.name, reading.guard.wrap(module[r.name]))
        for r in reading.rows
        if not r.checked and callable(module.get(r.name)) and not isinstance(module[r.name], type)
        and (r.reason == only_m
             or not r.reason.startswith(("reads the global", "not checked: your mapping")))
    ]  # fmt: skip
    global_m = {r.name for r in reading.rows if r.reason == only_m}
    # A forward checked as the course's (L_model_forward) may still be a backward's partner.
    partners = [
        (r.name, reading.guard.wrap(module[r.name]))
        for r in reading.rows
        if r.checked and callable(module.get(r.name)) and networks.pass_direction(r.name)
    ]
    if not unread:
        return
    try:
        with time_limit(4 * PROBE_SECONDS, "reading"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            pairs = networks.read_pairs(unread, context, global_m, partners)
    except (Exception, TimeLimitExceeded):  # a reading that fails leaves the rows unread
        return
    for row in reading.rows:
        if row.name in pairs:
            pair, which = pairs[row.name]
            row.role = networks.NETWORK_FORWARD if which == "forward" else networks.NETWORK_BACKWARD
            row.network, row.how, row.reason = (pair, which), pair.describe(which), ""
    reading.covered |= networks.covered(pairs)


def _read_one(
    reading: Reading,
    row: Row,
    f: Any,
    context: set[str],
    contract: dict[str, Any],
    course: dict[str, Any],
    guard: Guard,
    rows: bool = False,
) -> None:
    mapped = reading.mapping.get(row.name) if reading.mapping else None
    if mapped is not None and mapped.skip:
        row.reason = f"not checked: your mapping says so ({mapped.source})"
        return
    if mapped is None:
        reads = _data_globals(f, reading.loaded)
        if reads and (missing := _from_missing(reads, reading.loaded)):
            row.reason = missing
            return
        if reads:
            listed = ", ".join(f"`{n}`" for n in reads)
            row.reason = (
                f"reads the global variable{'s' if len(reads) > 1 else ''} {listed}: pass "
                f"{'them' if len(reads) > 1 else 'it'} as arguments to check it"
            )
            return
        assignment = assignments.recognise(row.name, f)
        if assignment:  # updates, gradient checking, initialisers: oracle.checks.assignments
            row.role, row.course, row.how = row.name, True, assignment
            return
        if row.name in COURSE_FUNCTIONS:
            row.role, row.course = row.name, True
            row.how = "the course's"
            return
        if row.name in course:  # linear_activation_forward / backward, as the course writes them
            for role_name, function in course[row.name].items():
                contract.setdefault(role_name, guard.wrap(function))
            row.role = "layer_forward" if "forward" in row.name else "layer_backward"
            row.how = "the course's signature"
            return
        chosen, by_behaviour, row.fitted = choose(row.name, f, context, rows)
    else:
        chosen, by_behaviour = mapped.candidate, False
    if chosen is None:
        row.reason = _why_unread(row.name, f)
        return
    role, binding = chosen.role, chosen.binding
    softmax_output = ""
    generic = mapped is None and names.is_generic_loss(row.name)
    if role.name.startswith("binary_cross_entropy") and "softmax" in context and generic:
        # The story's mistake: the binary cross-entropy of each class, for a softmax output.
        role = ROLES[role.name.removeprefix("binary_")]
        softmax_output = (
            "your file's output is softmax, so it is checked as the categorical cross-entropy"
        )
    row.function = adapt(role, f, binding)
    # The first of several functions with one role is the one the others' checks call.
    contract.setdefault(role.name, row.function)
    row.role, row.binding, row.by_behaviour = role.name, binding, by_behaviour
    row.how = "; ".join(filter(None, [binding.describe(role), softmax_output]))
    if softmax_output:
        row.by_behaviour = False
    if binding.local:
        row.fixed = ones_upstream(role)
    if "alpha" in role.inputs and "alpha" not in dict(binding.arguments).values():
        alpha = _fixed_alpha(row.function, role)
        row.fixed = _with(row.fixed, {"alpha": alpha})
        row.how = "; ".join(filter(None, [row.how, f"its slope alpha = {alpha:g} (fixed in it)"]))


def _with(
    fixed: Callable[[dict[str, Any]], dict[str, Any]] | None, values: dict[str, Any]
) -> Callable[[dict[str, Any]], dict[str, Any]]:
    def fix(x: dict[str, Any]) -> dict[str, Any]:
        return {**(fixed(x) if fixed else x), **values}

    return fix


def _fixed_alpha(contract: Callable[..., Any], role: Role) -> float:
    """The slope a leaky relu without an ``alpha`` argument has built in: from ``f(-1)``."""
    Z = np.full((1, 1), -1.0)
    try:
        with np.errstate(all="ignore"):
            if role.kind == "forward":
                value = -float(np.asarray(contract(Z, 0.0)).ravel()[0])
            else:
                value = float(np.asarray(contract(np.ones((1, 1)), Z, 0.0)).ravel()[0])
    except Exception:
        return 0.01
    return value if 0.0 < value < 1.0 else 0.01


def _why_unread(name: str, f: Any) -> str:
    why = _not_formula(name)
    if why:
        return f"not checked: {why}"
    roles = [r for r in names.roles_for(name) if r in ROLES]
    if roles:
        role = ROLES[roles[0]]
        return (
            f"not checked: its name says {role.name}, but its arguments {_signature(f)} do not "
            f"bind to {role.name}'s ({', '.join(role.inputs)}): say how in a mapping "
            "(see 'deepscratch check --help')"
        )
    return (
        "not checked: its name matches none of the functions the suite checks (map it to one "
        "if it is one: see 'deepscratch check --help')"
    )
