"""Initialisers: the shapes, the zero biases and the scale of the weights.

``initialize_parameters(layer_dims)``, ``initialize_parameters_deep(layer_dims)``, the course's
two-layer ``initialize_parameters(n_x, n_h, n_y)``, and the initialisation assignment's
``initialize_parameters_zeros``, ``initialize_parameters_random``, ``initialize_parameters_he``
(and ``..._xavier``, ``init_weights``...), returning ``{"W1": (n_1, n_0), "b1": (n_1, 1), ...}``;
a fixed network's ``init_params()`` with no arguments (its sizes read from what it returns: a
dict, or ``W1, b1, W2, b2`` named by its return statement), and logistic regression's
``initialize_with_zeros(dim) -> w, b`` (``w`` zeros of ``(dim, 1)``, ``b`` the number 0).

- **Shapes and biases** (drawn ``layer_dims``, 1 to 4 layers of widths 1 to 8): ``W[l]`` is
  ``(n_l, n_{l-1})`` (column-major: ``Z = W A_prev + b``), ``b[l]`` is ``(n_l, 1)`` and zeros, and
  the weights are not all equal (equal weights are never told apart by gradient descent), unless
  the function is the zeros initialiser, whose weights must be zeros.
- **The scale** (once, on wide layers ``[64, 100, 60, 40]``, so each ``W[l]`` has at least 2,400
  elements): ``q = mean(W[l]**2)``, the second moment of weights meant to be ``N(0, s**2)``, is
  compared with ``s**2``. For Gaussian weights ``N q / s**2`` is chi-squared with ``N`` degrees of
  freedom, and by Laurent and Massart's bound (2000)
  ``P(chi2 >= N + 2 sqrt(N x) + 2 x) <= exp(-x)`` and ``P(chi2 <= N - 2 sqrt(N x)) <= exp(-x)``;
  with ``x = 40`` a right initialiser is outside ``[1 - 2 sqrt(x/N), 1 + 2 sqrt(x/N) + 2 x/N]``
  with probability under ``2 exp(-40) < 1e-17`` per layer, whatever the seed. The mean is held to
  ``|mean| <= s sqrt(2 x / N)`` (Hoeffding-Gaussian tail, the same probability). The global NumPy
  generator is seeded (``SEED``) before the call and put back after, so a run is also repeatable;
  a learner's own ``np.random.seed`` inside is fine.

What is a mistake and what is a convention: random biases are a mistake in the course's own
initialisers (its assignments ask for zeros) and a convention in a learner's own (``init_params``):
the random weights already break the symmetry. He's ``s = sqrt(2 / n_{l-1})`` is required of a
function named He (Kaiming); Xavier's ``sqrt(1 / n_{l-1})`` of one named Xavier (Glorot's
``sqrt(2 / (n_{l-1} + n_l))`` is told as the other Xavier, a convention). A function whose name
names no scheme (``initialize_parameters_deep``) may use the course's ``0.01``, Xavier's or He's:
each is a convention, told beside the verdict; ``randn`` without a scale (``s = 1``) or ``* 10``
is a mistake there (activations grow by ``sqrt(n)`` a layer). ``initialize_parameters_random``
is the course's demonstration of a too-large scale (``* 10``): any scale passes, told.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
from hypothesis import strategies as st

from oracle.checks.names import normal, words
from oracle.checks.networks import layer_name, returned_names
from oracle.checks.outcomes import Close, NotChecked, implemented

Array = Any

#: The global generator's seed before each call (put back after).
SEED = 20_24
#: The tail parameter of the bounds: a right initialiser fails with probability < 2 exp(-X).
X = 40.0
#: The wide layers the scale is measured on.
WIDE = (64, 100, 60, 40)

INIT_WORDS = frozenset(("init", "initialize", "initialise", "initialization", "initialisation"))
SCHEME_WORDS = {
    "he": "he", "kaiming": "he", "xavier": "xavier", "glorot": "xavier", "zeros": "zeros",
    "zero": "zeros", "random": "random", "randn": "random",
}  # fmt: skip
#: The course's initialisers, whose biases must be zeros (its assignments say so); a learner's
#: own (``init_params``) may draw them, a convention.
COURSE_INITIALISERS = frozenset(
    "initialize_parameters initialize_parameters_deep initialize_parameters_zeros "  # noqa: SIM905
    "initialize_parameters_random initialize_parameters_he".split()
)
OTHER_WORDS = frozenset(
    "parameters params param weights weight network net deep layers model with nn".split()  # noqa: SIM905
)


def scheme_of(name: str) -> str | None:
    """``he``, ``xavier``, ``zeros``, ``random``, ``any`` (a name with no scheme), or ``None``
    when ``name`` is not an initialiser's."""
    parts = words(name)
    if not parts or not set(parts) & INIT_WORDS:
        return None
    if not set(parts) <= INIT_WORDS | OTHER_WORDS | set(SCHEME_WORDS):
        return None
    schemes = {SCHEME_WORDS[w] for w in parts if w in SCHEME_WORDS}
    if len(schemes) > 1:
        return None
    return schemes.pop() if schemes else "any"


def _arity(f: Callable[..., Any]) -> int | None:
    try:
        params = inspect.signature(f).parameters.values()
    except (TypeError, ValueError):
        return None
    return sum(
        1 for p in params
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.default is p.empty
    )  # fmt: skip


def _seeded(f: Callable[..., Any], *args: Any) -> Any:
    """``f(*args)`` with the global generator seeded and put back."""
    state = np.random.get_state()  # noqa: NPY002 (the learner's generator)
    np.random.seed(SEED)  # noqa: NPY002
    try:
        return f(*args)
    finally:
        np.random.set_state(state)  # noqa: NPY002


def _as_parameters(f: Callable[..., Any], out: Any) -> dict[str, Array]:
    """An initialiser's result as ``{"W1": ..., "b1": ...}``: its dict, or the tuple a fixed
    network's ``init_params()`` returns (``W1, b1, W2, b2``), named by its return statement
    (``w1``, ``B1`` and the like) or else in that order."""
    if isinstance(out, Mapping):
        return dict(out)
    assert isinstance(out, (tuple, list)) and len(out) % 2 == 0 and len(out) > 0, (
        f"returned {type(out).__name__}"
        + (f" of {len(out)}" if isinstance(out, (tuple, list)) else "")
        + ": an initialiser returns the dictionary {'W1': ..., 'b1': ..., ...} (or, for a "
        "fixed network, W1, b1, W2, b2, ...)"
    )
    said = returned_names(f)
    keys = [layer_name(n) for n in said] if said and len(said) == len(out) else []
    if not keys or None in keys or len(set(keys)) != len(keys):
        keys = [f"{p}{k}" for k in range(1, len(out) // 2 + 1) for p in ("W", "b")]
    return dict(zip(keys, out, strict=True))  # type: ignore[arg-type]


def call(f: Callable[..., Any], dims: list[int]) -> dict[str, Array]:
    """``f`` on ``dims`` (as ``layer_dims``, or as ``n_x, n_h, n_y``; an initialiser with no
    arguments, ``init_params()``, has its sizes fixed inside), the global generator seeded."""
    arity = _arity(f)
    args = () if arity == 0 else tuple(dims) if arity == 3 else (list(dims),)
    return _as_parameters(f, _seeded(f, *args))


def fixed_dims(parameters: Mapping[str, Array]) -> list[int]:
    """The ``layer_dims`` of an initialiser with no arguments, read from its ``W1, W2, ...``
    (each ``W{l}`` is then checked against the one before)."""
    W1 = np.asarray(parameters.get("W1"))
    assert W1.ndim == 2, (
        f"W1 has shape {W1.shape}: an initialiser's W1 is (n_1, n_0), a matrix"
        if "W1" in parameters else f"no W1 (it has {sorted(parameters)}): one W and one b per "
        "layer, numbered from 1"
    )  # fmt: skip
    dims = [W1.shape[1]]
    k = 1
    while f"W{k}" in parameters:
        dims.append(int(np.shape(parameters[f"W{k}"])[0]))
        k += 1
    return dims


def check_shapes(impl: Any, dims: list[int], name: str, scheme: str) -> None:
    """Every ``W{l}`` is ``(n_l, n_{l-1})``, every ``b{l}`` zeros of ``(n_l, 1)``; the weights
    are zeros for ``zeros``, not all equal otherwise."""
    with implemented(impl, name):
        parameters = call(getattr(impl, name), dims)
    given = f"{name}({dims})"
    if _arity(getattr(impl, name)) == 0:
        dims, given = fixed_dims(parameters), f"{name}()"
    random_b: list[str] = []
    for k in range(1, len(dims)):
        W, b = parameters.get(f"W{k}"), parameters.get(f"b{k}")
        assert W is not None and b is not None, (
            f"{given} has no W{k} or b{k} (it has {sorted(parameters)}): one W and one b per "
            f"layer, numbered from 1, for the {len(dims) - 1} layer(s) of layer_dims"
        )
        W, b = np.asarray(W), np.asarray(b)
        want = (dims[k], dims[k - 1])
        assert W.shape == want, f"{given}: W{k} has shape {W.shape}, the right one {want}" + (
            f"\n  diagnosis: W{k} is transposed: W[l] is (n_l, n_prev), so that "
            "Z = W[l] @ A_prev + b[l] for A_prev of shape (n_prev, m)"
            if W.shape == want[::-1]
            else ""
        )
        assert b.shape == (dims[k], 1), (
            f"{given}: b{k} has shape {b.shape}, the right one ({dims[k]}, 1)"
            + (": a column, np.zeros((n_l, 1)), so that it broadcasts over the m examples"
               if b.shape == (dims[k],) else "")
        )  # fmt: skip
        if np.any(b) and name not in COURSE_INITIALISERS:
            random_b.append(f"b{k}")
        else:
            assert not np.any(b), (
                f"{given}: b{k} is not zeros (largest {float(np.max(np.abs(b))):.3g})\n  "
                "diagnosis: random biases: the course's start at zero, np.zeros((n_l, 1)) (the "
                "random weights already break the symmetry)"
            )
        if scheme == "zeros":
            assert not np.any(W), (
                f"{given}: W{k} is not zeros: {name} initialises every parameter to zero"
            )
        elif W.size > 1:
            assert not np.all(W.flat[0] == W), (
                f"{given}: every element of W{k} is {W.flat[0]:.3g}\n  diagnosis: equal "
                "weights: units with equal weights get equal gradients and stay equal (the "
                "symmetry is never broken); draw them, np.random.randn(n_l, n_prev) * scale"
            )
    if random_b:
        raise Close(
            f"random biases ({', '.join(random_b)}): harmless, the random weights already break "
            "the symmetry; the course starts them at zero, np.zeros((n_l, 1))"
        )


def _scales(n_prev: int, n: int) -> dict[str, float]:
    return {
        "he": math.sqrt(2 / n_prev),
        "xavier": math.sqrt(1 / n_prev),
        "glorot": math.sqrt(2 / (n_prev + n)),
        "course": 0.01,
        "none": 1.0,
        "ten": 10.0,
        "uniform": math.sqrt(1 / 12),
    }


SAID = {
    "he": "He's sqrt(2 / n_prev)",
    "xavier": "Xavier's sqrt(1 / n_prev)",
    "glorot": "Glorot's sqrt(2 / (n_prev + n_l))",
    "course": "the course's 0.01",
    "none": "1: randn without a scale",
    "ten": "10 (too large: the course's demonstration)",
    "uniform": "that of np.random.rand(...) - 0.5 (uniform on [-0.5, 0.5): 0.289 whatever n_prev)",
}


def _fits(q: float, s: float, N: int) -> bool:
    """``q = mean(W**2)`` of ``N`` weights is within the bound for the scale ``s``."""
    r = q / (s * s)
    return 1 - 2 * math.sqrt(X / N) <= r <= 1 + 2 * math.sqrt(X / N) + 2 * X / N


def measured(impl: Any, name: str) -> tuple[list[int], list[str | None], list[float]]:
    """For each layer of the wide network: which known scale the weights fit (``None``: none),
    and their standard deviation."""
    f = getattr(impl, name)
    dims = [WIDE[0], WIDE[1], WIDE[3]] if _arity(f) == 3 else list(WIDE)
    parameters = call(f, dims)
    if _arity(f) == 0:
        dims = fixed_dims(parameters)
    fits: list[str | None] = []
    stds = []
    for k in range(1, len(dims)):
        W = np.asarray(parameters[f"W{k}"], dtype=np.float64)
        N, q = W.size, float(np.mean(W * W))
        stds.append(math.sqrt(q))
        mean = float(np.mean(W))
        assert abs(mean) <= math.sqrt(q) * math.sqrt(2 * X / N), (
            f"{name}({'' if _arity(f) == 0 else dims}): the weights of W{k} have mean "
            f"{mean:.3g} and standard deviation {float(np.std(W)):.3g}: they are not centred on 0"
            + (" (all positive: np.random.rand draws from [0, 1); np.random.randn is the normal "
               "distribution)" if np.all(W >= 0) else "")
        )  # fmt: skip
        scales = _scales(dims[k - 1], dims[k])
        fits.append(next((key for key, s in scales.items() if _fits(q, s, N)), None))
    return dims, fits, stds


def check_scale(impl: Any, name: str, scheme: str) -> None:
    """The weights' scale, against the scheme the name says (see the module's docstring)."""
    if scheme == "zeros":
        return
    with implemented(impl, name):
        dims, fits, stds = measured(impl, name)
    for k, (fit, std) in enumerate(zip(fits, stds, strict=True), start=1):
        n_prev = dims[k - 1]
        found = (
            f"the weights of W{k} (n_prev = {n_prev}) have standard deviation {std:.3g}, "
            f"{'which is ' + SAID[fit] if fit else 'which is none of the usual scales'}"
        )
        if scheme == "random":
            continue
        want = {"he": ("he",), "xavier": ("xavier",), "any": ("he", "xavier", "glorot", "course")}
        if fit in want[scheme]:
            continue
        if scheme == "xavier" and fit == "glorot":
            raise Close(
                f"{found}: the original Xavier (Glorot); the course's Xavier is sqrt(1 / n_prev)"
            )
        hint = {
            ("he", "xavier"): "Xavier's scale used for ReLU layers: ReLU zeroes half of Z, so "
            "keeping the variance of the activations needs twice the variance, He's "
            "sqrt(2 / n_prev)",
            ("he", "course"): "the course's 0.01 is its first, small-network initialiser; He's "
            "initialisation is np.random.randn(n_l, n_prev) * np.sqrt(2 / n_prev)",
            ("xavier", "he"): "He's scale where Xavier's is asked: Xavier's is "
            "np.random.randn(n_l, n_prev) * np.sqrt(1 / n_prev)",
        }.get((scheme, fit or ""))
        if fit == "none":
            hint = (
                "the scale is forgotten: randn alone makes each layer's Z about sqrt(n_prev) "
                "times larger than its input; multiply by "
                + ("np.sqrt(2 / n_prev)" if scheme == "he" else "np.sqrt(1 / n_prev)"
                   if scheme == "xavier" else "0.01 (the course), or He's sqrt(2 / n_prev)")
            )  # fmt: skip
        if fit == "ten":
            hint = "a scale of 10 saturates the sigmoid output (the course shows it fail)"
        if fit == "uniform":
            hint = (
                f"the same spread for every layer: each Z sums n_prev = {n_prev} such terms, so "
                f"it is about sqrt({n_prev}) = {math.sqrt(n_prev):.3g} times wider than one; "
                "scale by the inputs, (np.random.rand(n_l, n_prev) - 0.5) * np.sqrt(24 / n_prev) "
                "or He's np.random.randn(n_l, n_prev) * np.sqrt(2 / n_prev)"
            )
        expected = {"he": SAID["he"], "xavier": SAID["xavier"]}.get(
            scheme, "the course's 0.01, Xavier's sqrt(1 / n_prev) or He's sqrt(2 / n_prev)"
        )
        raise AssertionError(
            f"{name}: {found}, expected {expected}." + (f"\n  diagnosis: {hint}" if hint else "")
        )


def check_scale_told(impl: Any, name: str, scheme: str) -> None:
    """The scale found, told beside the verdict (``NotChecked`` carries it) for a name that
    leaves it open."""
    if scheme not in ("any", "random"):
        return
    with implemented(impl, name):
        _, fits, stds = measured(impl, name)
    said = ", ".join(
        f"W{k} {SAID[fit] if fit else f'std {std:.3g}'}"
        for k, (fit, std) in enumerate(zip(fits, stds, strict=True), start=1)
    )
    raise NotChecked(f"scale: {said}")


@st.composite
def layer_dims(draw: st.DrawFn, three: bool = False) -> list[int]:
    """1 to 4 layers of widths 1 to 8 (``three``: exactly ``n_x, n_h, n_y``)."""
    count = 3 if three else draw(st.integers(2, 5))
    return [draw(st.integers(1, 8)) for _ in range(count)]


def recognise(name: str, f: Callable[..., Any]) -> str | None:
    scheme = scheme_of(name)
    arity = _arity(f)
    if scheme is None or arity not in (0, 1, 3):
        return None
    if logistic(name, f):
        return "logistic regression's w, b (dim): w zeros of (dim, 1), b the number 0"
    said = {"he": "He", "xavier": "Xavier", "zeros": "zeros", "random": "random",
            "any": "an initialiser"}[scheme]  # fmt: skip
    args = {0: "no arguments: its sizes are its own", 3: "n_x, n_h, n_y"}.get(arity, "layer_dims")
    return f"{said} ({args}): shapes, zero biases and the scale, measured"


#: The argument of logistic regression's initialiser: the number of features.
DIM_NAMES = frozenset("dim dims dimension dimensions n nx nfeatures features size".split())  # noqa: SIM905


def logistic(name: str, f: Callable[..., Any]) -> bool:
    """The first assignment's ``initialize_with_zeros(dim) -> w, b``: one argument named as a
    size, not ``layer_dims``."""
    if _arity(f) != 1 or scheme_of(name) not in ("zeros", "any"):
        return False
    try:
        first = next(iter(inspect.signature(f).parameters))
    except (TypeError, ValueError, StopIteration):
        return False
    return normal(first) in DIM_NAMES


def check_logistic(impl: Any, name: str, dim: int) -> None:
    """``w, b = f(dim)``: ``w`` zeros of ``(dim, 1)`` (a column, as ``X`` is ``(dim, m)``), ``b``
    zero; a ``(1, 1)`` array for ``b`` broadcasts as the number does (told, not failed)."""
    with implemented(impl, name):
        out = _seeded(getattr(impl, name), dim)
    given = f"{name}({dim})"
    assert isinstance(out, (tuple, list)) and len(out) == 2, (
        f"{given} returned {type(out).__name__}: it returns w, b (w zeros of (dim, 1), b = 0.0)"
    )
    w, b = np.asarray(out[0]), np.asarray(out[1])
    assert w.shape == (dim, 1), f"{given}: w has shape {w.shape}, the right one ({dim}, 1)" + (
        "\n  diagnosis: w is a column, np.zeros((dim, 1)), so that w.T @ X is (1, m)"
        if w.shape in ((dim,), (1, dim)) else ""
    )  # fmt: skip
    assert not np.any(w), f"{given}: w is not zeros (largest {float(np.max(np.abs(w))):.3g})"
    assert b.size == 1 and not np.any(b), (
        f"{given}: b is {out[1]!r}: the bias starts at 0 (b = 0.0)"
    )
    if b.shape != ():
        raise Close(f"b is an array of shape {b.shape}; the course's b is the number 0.0 (it "
                    "broadcasts the same)")  # fmt: skip


def checks(
    name: str, f: Callable[..., Any]
) -> list[tuple[str, Callable[..., None], dict[str, st.SearchStrategy[Any]] | None]]:
    scheme = scheme_of(name)
    if scheme is None:
        return []
    if logistic(name, f):
        return [(f"{name}: w and b", check_logistic,
                 {"name": st.just(name), "dim": st.integers(1, 12)})]  # fmt: skip
    fixed = {"name": st.just(name), "scheme": st.just(scheme)}
    plans: list[tuple[str, Callable[..., None], dict[str, st.SearchStrategy[Any]] | None]] = [
        (f"{name}: shapes and biases", check_shapes,
         {"dims": st.just([]) if _arity(f) == 0 else layer_dims(_arity(f) == 3), **fixed}),
        (f"{name}: scale", _once(check_scale, name, scheme), None),
    ]  # fmt: skip
    if scheme in ("any", "random"):
        plans.append((f"{name}: the scale found", _once(check_scale_told, name, scheme), None))
    return plans


def _once(check: Callable[..., None], name: str, scheme: str) -> Callable[..., None]:
    def run(impl: Any) -> None:
        check(impl, name, scheme)

    return run
