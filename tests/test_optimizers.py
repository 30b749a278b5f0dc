"""The optimizers and learning-rate schedules (``scratch.optimizers``) against ``torch.optim``.

Twin parameters get the same drawn sequence of gradients (1, 2 and 10 steps); the scratch
optimizer and its torch twin must end at the same parameters. Name mapping, scratch <-> torch:

* ``GradientDescent`` <-> ``SGD(lr)`` (no momentum).
* ``Adam(beta1, beta2, epsilon)`` <-> ``Adam(lr, betas=(beta1, beta2), eps=epsilon)``. Both add
  ``eps`` to ``sqrt(s_hat)`` after the bias correction: torch computes
  ``sqrt(s) / sqrt(1 - beta2**t) + eps``, which is ``sqrt(s_hat) + eps``.
* ``RMSprop(beta, epsilon)`` <-> ``RMSprop(lr, alpha=beta, eps=epsilon)``: torch's ``alpha`` is the
  course's ``beta`` (the average of the squared gradients; ``make_optimizer`` passes ``beta2``),
  and torch adds ``eps`` outside the square root, ``dp / (sqrt(s) + eps)``, as the course does.
  (torch's default ``alpha`` is 0.99, the course's 0.999: the tests always pass it.)
* ``Momentum(beta)`` is the course's ``v = beta v + (1 - beta) dp``, ``p -= lr v``. torch's
  ``SGD(momentum=mu)`` is ``buf = mu buf + dp`` (its first ``buf`` is ``dp``), ``p -= lr buf``: a
  different definition. Since both start from 0, ``v = (1 - beta) buf`` at every step, so the
  course's momentum equals ``SGD(lr * (1 - beta), momentum=beta)``; it is also checked against
  the course's formula written in torch ops (``course_momentum`` below).
"""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from oracle.checks.strategies import betas, epsilons, learning_rates, read_only
from oracle.compare import assert_close
from oracle.optimizers import OPS_PER_STEP, torch_steps
from scratch import optimizers as opt
from tests.ondisk import traced

Array = Any


# --- Strategies ----------------------------------------------------------------------------------


#: Above this many gradient elements in all, they are filled from a generator seeded by
#: hypothesis instead of drawn one by one (drawing hundreds of floats is slow, shrinks no better).
ELEMENTWISE_LIMIT = 64


@st.composite
def parameters_and_gradients(
    draw: st.DrawFn, steps: int
) -> tuple[dict[str, Array], list[dict[str, Array]]]:
    """One to three parameters of drawn shapes, and ``steps`` gradients for each, of both signs
    (zeros included: Adam and RMSprop must then give 0 / (0 + eps) = 0)."""
    shapes = draw(
        st.lists(hnp.array_shapes(min_dims=2, max_dims=2, max_side=4), min_size=1, max_size=3)
    )
    names = ["W1", "b1", "W2"][: len(shapes)]
    elements = st.floats(-10, 10, allow_nan=False, allow_subnormal=False)
    parameters = {
        n: draw(hnp.arrays(np.float64, s, elements=elements))
        for n, s in zip(names, shapes, strict=True)
    }
    if steps * sum(int(np.prod(s)) for s in shapes) <= ELEMENTWISE_LIMIT:

        def gradient(shape: tuple[int, ...]) -> Array:
            return draw(hnp.arrays(np.float64, shape, elements=elements))
    else:
        rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))

        def gradient(shape: tuple[int, ...]) -> Array:
            return np.where(rng.random(shape) < 0.1, 0.0, rng.uniform(-10, 10, shape))

    grads = [
        {f"d{n}": gradient(s) for n, s in zip(names, shapes, strict=True)} for _ in range(steps)
    ]
    return parameters, grads


# --- The oracle: torch.optim, and the course's momentum in torch ops ----------------------------


def run_torch(
    make: Callable[[list[torch.Tensor]], torch.optim.Optimizer],
    parameters: dict[str, Array],
    grads: list[dict[str, Array]],
) -> dict[str, Array]:
    """Parameters after ``torch.optim`` steps with the given gradients (not backpropagated)."""
    return torch_steps(make, parameters, grads)[0]


def course_momentum(
    parameters: dict[str, Array], grads: list[dict[str, Array]], lr: float, beta: float
) -> dict[str, Array]:
    """The course's momentum written with torch tensor ops: ``v = beta v + (1 - beta) g``,
    ``p = p - lr v``, ``v`` starting at 0. (No derivative is involved: the gradients are given.)"""
    p = {k: torch.tensor(v.copy()) for k, v in parameters.items()}
    v = {k: torch.zeros_like(t) for k, t in p.items()}
    for step in grads:
        for k in p:
            v[k] = torch.lerp(torch.tensor(step[f"d{k}"]), v[k], beta)  # beta v + (1 - beta) g
            p[k] = p[k] - lr * v[k]
    return {k: t.numpy().copy() for k, t in p.items()}


def run_scratch(
    optimizer: opt.Optimizer,
    parameters: dict[str, Array],
    grads: list[dict[str, Array]],
    lr: float,
    in_place: bool = False,
) -> tuple[dict[str, Array], dict[str, float]]:
    """The parameters after the steps, and each one's path: the sum of its largest steps.
    ``in_place``: written into copies of the parameters, the gradients' copies given away (as
    ``model`` steps)."""
    path = dict.fromkeys(parameters, 0.0)
    if in_place:
        parameters = {k: v.copy() for k, v in parameters.items()}
    for step in grads:
        before = {k: v.copy() for k, v in parameters.items()} if in_place else parameters
        given = {k: g.copy() for k, g in step.items()} if in_place else step
        updated = optimizer.step(parameters, given, lr, in_place=in_place)
        for k in path:
            path[k] += float(np.max(np.abs(updated[k] - before[k]), initial=0.0))
        parameters = updated
    return parameters, path


def assert_same_parameters(
    name: str,
    actual: tuple[dict[str, Array], dict[str, float]],
    expected: dict[str, Array],
    start: dict[str, Array],
    steps: int,
) -> None:
    """Each step rounds ``p`` once and computes the step to a few ulps of the step's size, so the
    error is measured against ``|p0|`` plus the path travelled (steps may cancel each other)."""
    parameters, path = actual
    for k, value in expected.items():
        scale = float(np.max(np.abs(start[k]))) + path[k]
        assert_close(
            f"{name} after {steps} steps", k, parameters[k], value, OPS_PER_STEP * steps, scale
        )


STEPS = [1, 2, 10]


# --- Twins of torch.optim ------------------------------------------------------------------------


@given(steps=st.sampled_from(STEPS), data=st.data(), lr=learning_rates)
def test_gradient_descent_matches_sgd(steps: int, data: st.DataObject, lr: float) -> None:
    parameters, grads = data.draw(parameters_and_gradients(steps))
    actual = run_scratch(opt.GradientDescent(), parameters, grads, lr)
    expected = run_torch(lambda p: torch.optim.SGD(p, lr=lr), parameters, grads)
    assert_same_parameters("GradientDescent", actual, expected, parameters, steps)


@given(
    steps=st.sampled_from(STEPS),
    data=st.data(),
    lr=learning_rates,
    beta1=betas,
    beta2=betas,
    eps=epsilons,
)
def test_adam_matches_torch(
    steps: int, data: st.DataObject, lr: float, beta1: float, beta2: float, eps: float
) -> None:
    parameters, grads = data.draw(parameters_and_gradients(steps))
    actual = run_scratch(opt.Adam(beta1, beta2, eps), parameters, grads, lr)
    expected = run_torch(
        lambda p: torch.optim.Adam(p, lr=lr, betas=(beta1, beta2), eps=eps), parameters, grads
    )
    assert_same_parameters("Adam", actual, expected, parameters, steps)


@pytest.mark.parametrize("name", opt.OPTIMIZERS)
@given(steps=st.sampled_from(STEPS), data=st.data(), lr=learning_rates, beta=betas, eps=epsilons)
def test_steps_in_place_match_torch(
    name: str, steps: int, data: st.DataObject, lr: float, beta: float, eps: float
) -> None:
    """``step(..., in_place=True)`` (``model``'s: the parameters' and the state's arrays written
    into, each moving average one BLAS ``axpby``, Adam's bias corrections folded into two numbers)
    is the same update, up to rounding: against torch.optim (the course's formula for momentum),
    with the writes really in place."""
    parameters, grads = data.draw(parameters_and_gradients(steps))
    optimizer = opt.make_optimizer(name, beta, beta, beta, eps)
    actual = run_scratch(optimizer, parameters, grads, lr, in_place=True)
    makers: dict[str, Callable[[list[torch.Tensor]], torch.optim.Optimizer]] = {
        "gd": lambda p: torch.optim.SGD(p, lr=lr),
        "rmsprop": lambda p: torch.optim.RMSprop(p, lr=lr, alpha=beta, eps=eps),
        "adam": lambda p: torch.optim.Adam(p, lr=lr, betas=(beta, beta), eps=eps),
    }
    expected = (
        course_momentum(parameters, grads, lr, beta)
        if name == "momentum"
        else run_torch(makers[name], parameters, grads)
    )
    assert_same_parameters(f"{name}, in place", actual, expected, parameters, steps)
    # In place: the next step writes into the very arrays of the last one.
    arrays = {k: id(v) for k, v in actual[0].items()}
    again = optimizer.step(actual[0], {k: g.copy() for k, g in grads[0].items()}, lr, in_place=True)
    assert {k: id(v) for k, v in again.items()} == arrays


@given(steps=st.sampled_from(STEPS), data=st.data(), lr=learning_rates, beta=betas, eps=epsilons)
def test_rmsprop_matches_torch(
    steps: int, data: st.DataObject, lr: float, beta: float, eps: float
) -> None:
    parameters, grads = data.draw(parameters_and_gradients(steps))
    actual = run_scratch(opt.RMSprop(beta, eps), parameters, grads, lr)
    expected = run_torch(
        lambda p: torch.optim.RMSprop(p, lr=lr, alpha=beta, eps=eps), parameters, grads
    )
    assert_same_parameters("RMSprop", actual, expected, parameters, steps)


@given(steps=st.sampled_from(STEPS), data=st.data(), lr=learning_rates, beta=betas)
def test_momentum_is_the_course_formula(
    steps: int, data: st.DataObject, lr: float, beta: float
) -> None:
    parameters, grads = data.draw(parameters_and_gradients(steps))
    actual = run_scratch(opt.Momentum(beta), parameters, grads, lr)
    assert_same_parameters(
        "Momentum", actual, course_momentum(parameters, grads, lr, beta), parameters, steps
    )


@given(steps=st.sampled_from(STEPS), data=st.data(), lr=learning_rates, beta=st.floats(0.0, 0.99))
def test_momentum_is_torch_sgd_with_a_scaled_learning_rate(
    steps: int, data: st.DataObject, lr: float, beta: float
) -> None:
    """``v = (1 - beta) buf``, so the course's momentum is ``SGD(lr (1 - beta), momentum=beta)``."""
    parameters, grads = data.draw(parameters_and_gradients(steps))
    actual = run_scratch(opt.Momentum(beta), parameters, grads, lr)
    expected = run_torch(
        lambda p: torch.optim.SGD(p, lr=lr * (1 - beta), momentum=beta), parameters, grads
    )
    assert_same_parameters("Momentum", actual, expected, parameters, steps)


# --- State ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", opt.OPTIMIZERS)
@given(data=st.data())
def test_saved_state_continues_exactly(name: str, data: st.DataObject) -> None:
    """A run interrupted after k steps and continued from the saved state (plain dict of arrays)
    ends at exactly the same parameters as an uninterrupted run."""
    parameters, grads = data.draw(parameters_and_gradients(6))
    k = data.draw(st.integers(0, 6), label="k")
    whole, _ = run_scratch(opt.make_optimizer(name), parameters, grads, 0.01)
    first = opt.make_optimizer(name)
    halfway, _ = run_scratch(first, parameters, grads[:k], 0.01)
    saved = first.state_dict()
    assert all(isinstance(v, np.ndarray) for v in saved.values())
    second = opt.make_optimizer(name)
    second.load_state_dict(saved)
    resumed, _ = run_scratch(second, halfway, grads[k:], 0.01)
    assert all(np.array_equal(whole[key], resumed[key]) for key in whole)


def test_a_loaded_state_is_a_copy() -> None:
    """Writing into the saved arrays after ``load_state_dict`` does not reach the optimizer."""
    first = opt.Adam()
    first.step({"W1": np.ones((2, 2))}, {"dW1": np.ones((2, 2))}, 0.1)
    saved = first.state_dict()
    second = opt.Adam()
    second.load_state_dict(saved)
    expected = {k: v.copy() for k, v in saved.items()}
    for value in saved.values():
        value[...] = 7
    assert set(second.state) == set(expected)
    assert all(np.array_equal(second.state[k], expected[k]) for k in expected)


def test_step_does_not_change_the_given_parameters() -> None:
    parameters = {"W1": np.ones((2, 2))}
    parameters["W1"].flags.writeable = False  # writing to it would raise
    optimizer = opt.Adam()
    updated = optimizer.step(parameters, {"dW1": np.ones((2, 2))}, 0.1)
    assert np.all(updated["W1"] < 1) and np.all(parameters["W1"] == 1)
    assert int(optimizer.state["t"]) == 1 and set(optimizer.state) == {"t", "v_dW1", "s_dW1"}


def drawn_as(g: Array, dtype: type) -> Array:
    """``g`` as ``dtype`` (a gradient or a parameter): for an integer dtype, scaled by 10 and
    rounded to whole numbers first."""
    return (10 * g).round().astype(dtype) if np.issubdtype(dtype, np.integer) else g.astype(dtype)


@pytest.mark.parametrize("name", opt.OPTIMIZERS)
@given(
    data=st.data(),
    dtype=st.sampled_from([np.float32, np.float64, np.int64]),
    grad_dtype=st.sampled_from([None, np.float32, np.float64, np.int64]),
    writeable=st.booleans(),
)
def test_overwrite_grads_gives_the_same_step(
    name: str, data: st.DataObject, dtype: type, grad_dtype: type | None, writeable: bool
) -> None:
    """``overwrite_grads=True`` (``model``'s) only saves memory: the same bits as the default, and
    the old parameters as they were; by default the gradients are not written into. Also for
    gradients the step cannot be written into: read-only, integer, or narrower than the
    parameter (a float32 gradient of a float64 parameter: the step is float64), and for integer
    parameters (whose step is float)."""
    parameters, grads = data.draw(parameters_and_gradients(3))
    parameters = {k: read_only(drawn_as(v, dtype)) for k, v in parameters.items()}
    kept, given_away = opt.make_optimizer(name), opt.make_optimizer(name)
    p_kept, p_given = parameters, parameters
    for step in grads:
        step = {k: drawn_as(v, grad_dtype or dtype) for k, v in step.items()}
        p_kept = kept.step(p_kept, {k: read_only(v.copy()) for k, v in step.items()}, 0.01)
        given = {k: v if writeable else read_only(v) for k, v in step.items()}
        p_given = given_away.step(p_given, given, 0.01, overwrite_grads=True)
        for key in p_kept:
            assert p_kept[key].dtype == p_given[key].dtype
            assert p_kept[key].tobytes() == p_given[key].tobytes(), key
        assert {k: v.tobytes() for k, v in kept.state.items()} == {
            k: v.tobytes() for k, v in given_away.state.items()
        }
    assert all(not v.flags.writeable for v in parameters.values())  # never written into


# New memory, in parameter-sized arrays (found by mutation testing: a step that computes the same
# values in new arrays instead of over its temporaries is told apart by nothing else).
#: (optimizer, how the step is called) -> (arrays kept after the step, most alive during it).
#: Kept: the new parameter (unless written over the gradient given away, or in place) and each
#: new moving average of the state (none in place). Alive: those and the temporaries, each
#: written over where nothing else holds it.
ARRAYS_PER_STEP = {
    # p - lr * dp: one array for the product, the difference written over it; given away, the
    # product is written over the gradient.
    ("gd", "default"): (1, 1),
    ("gd", "overwrite_grads"): (0, 0),
    ("gd", "in_place"): (0, 0),
    # v, then p - lr * v: v is the state's, not the step's to write over.
    ("momentum", "default"): (2, 2),
    ("momentum", "overwrite_grads"): (2, 2),
    ("momentum", "in_place"): (0, 0),
    # dp**2 (a temporary, scaled in place and added into s), sqrt(s) (+ eps, the quotient and
    # the step over it).
    ("rmsprop", "default"): (2, 2),
    ("rmsprop", "overwrite_grads"): (2, 2),
    # dp**2 (added into s in place, then let go), then sqrt(s) with the rest over it.
    ("rmsprop", "in_place"): (0, 1),
    # v, s, dp**2 (a temporary), s_hat (sqrt, + eps, the quotient and the step over it).
    ("adam", "default"): (3, 4),
    ("adam", "overwrite_grads"): (3, 4),
    # dp**2 and sqrt(s) over the gradient given away, the quotient over that.
    ("adam", "in_place"): (0, 0),
}


def new_arrays(
    optimizer: opt.Optimizer, parameters: dict[str, Array], grads: dict[str, Array], **options: Any
) -> tuple[float, float]:
    """One step under ``tracemalloc`` (NumPy reports its arrays to it): the new memory kept after
    it and the most in use during it, counted in arrays of ``W1``'s size."""
    size = parameters["W1"].nbytes
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        updated = optimizer.step(parameters, grads, 0.01, **options)
        kept, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert updated["W1"].shape == parameters["W1"].shape
    return (kept - before) / size, (peak - before) / size


@pytest.mark.parametrize(("name", "how"), sorted(ARRAYS_PER_STEP))
def test_a_step_makes_no_array_more_than_its_arithmetic_needs(name: str, how: str) -> None:
    """The second step of a (100, 1000) float64 parameter (the state already there): the new
    arrays kept and the most alive at once are those of ``ARRAYS_PER_STEP``, each count to
    within half an array (the dicts and 0-d arrays are a few hundred bytes)."""
    rng = np.random.default_rng(0)
    optimizer = opt.make_optimizer(name)
    options = {"overwrite_grads": how == "overwrite_grads", "in_place": how == "in_place"}
    parameters = {"W1": rng.standard_normal((100, 1000))}
    parameters = optimizer.step(
        parameters, {"dW1": rng.standard_normal((100, 1000))}, 0.01, **options
    )
    kept, peak = new_arrays(
        optimizer, parameters, {"dW1": rng.standard_normal((100, 1000))}, **options
    )
    assert (round(kept, 1), round(peak, 1)) == ARRAYS_PER_STEP[name, how]


def test_adam_past_its_bias_correction_computes_no_quotient() -> None:
    """Step 200 of float32 Adam, where ``1 - 0.9**t`` rounds to 1: ``v / (1 - beta1**t)`` is
    ``v`` (skipped, ``_unbias``), so the most alive at once is one array fewer than at step 2,
    3 (v, s and the temporary ``dp**2``, or v, s and ``s_hat``, in turn): a quotient
    computed anyway, or any temporary more (``sqrt(s_hat)`` or the quotient in a new array,
    ``dp**2`` not scaled in place), makes it 4."""
    rng = np.random.default_rng(0)
    W = rng.standard_normal((100, 1000)).astype(np.float32)
    adam = opt.Adam()
    adam.load_state_dict(
        {"t": np.array(199), "v_dW1": 0.1 * W, "s_dW1": np.abs(W).astype(np.float32)}
    )
    kept, peak = new_arrays(
        adam, {"W1": W}, {"dW1": rng.standard_normal(W.shape).astype(np.float32)}
    )
    assert (round(kept, 1), round(peak, 1)) == (3, 3)


def test_adam_skips_a_bias_correction_of_one_exactly() -> None:
    """In float32, ``1 - 0.9**t`` rounds to 1 after 165 steps and Adam skips that division: the
    parameters stay bit for bit those of the formula written out, over 300 steps."""
    rng = np.random.default_rng(0)
    W = rng.standard_normal((3, 4)).astype(np.float32)
    adam, p = opt.Adam(), {"W1": W}
    v, s = np.zeros_like(W), np.zeros_like(W)
    for t in range(1, 301):
        g = rng.standard_normal(W.shape).astype(np.float32)
        p = adam.step(p, {"dW1": g.copy()}, 1e-3, overwrite_grads=True)
        v = 0.9 * v + (1 - 0.9) * g
        s = 0.999 * s + (1 - 0.999) * (g * g)
        v_hat, s_hat = v / (1 - 0.9**t), s / (1 - 0.999**t)
        W = W - 1e-3 * (v_hat / (np.sqrt(s_hat) + 1e-8))
        assert p["W1"].dtype == np.float32 and p["W1"].tobytes() == W.tobytes(), f"step {t}"


def test_make_optimizer_passes_the_course_names() -> None:
    momentum = opt.make_optimizer("momentum", beta=0.8)
    rmsprop = opt.make_optimizer("rmsprop", beta2=0.95, epsilon=1e-6)
    adam = opt.make_optimizer("adam", beta1=0.7, beta2=0.9, epsilon=1e-4)
    assert isinstance(momentum, opt.Momentum) and momentum.beta == 0.8
    assert isinstance(rmsprop, opt.RMSprop) and (rmsprop.beta, rmsprop.epsilon) == (0.95, 1e-6)
    assert isinstance(adam, opt.Adam) and (adam.beta1, adam.beta2, adam.epsilon) == (0.7, 0.9, 1e-4)
    assert type(opt.make_optimizer("gd")) is opt.GradientDescent


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: opt.make_optimizer("lbfgs"), "unknown optimizer"),
        (
            lambda: opt.Optimizer().step({"W1": np.ones(1)}, {"dW2": np.ones(1)}, 0.1),
            "no parameter",
        ),
        (lambda: opt.Optimizer().step({"W1": np.ones(1)}, {"W1": np.ones(1)}, 0.1), "no parameter"),
        (lambda: opt.StepDecay(1.0, 0), "time_interval"),
    ],
)
def test_bad_input_raises_value_error(call: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()


# --- Learning-rate schedules ----------------------------------------------------------------------

epochs = st.integers(0, 200)
rates = st.floats(0.0, 2.0)


@given(lr0=learning_rates, rate=rates, epoch=epochs)
def test_inverse_time_decay_formula(lr0: float, rate: float, epoch: int) -> None:
    assert opt.InverseTimeDecay(rate)(lr0, epoch) == lr0 / (1 + rate * epoch)


def test_inverse_time_decay_course_example() -> None:
    # The course's update_lr(learning_rate=0.5, epoch_num=2, decay_rate=1) is 0.5 / 3.
    assert opt.InverseTimeDecay(1.0)(0.5, 2) == pytest.approx(0.16666666666666666)


@given(lr0=learning_rates, rate=st.floats(0.5, 1.0), n_epochs=st.integers(1, 60))
def test_exponential_decay_matches_torch(lr0: float, rate: float, n_epochs: int) -> None:
    """torch's ``ExponentialLR`` multiplies by ``gamma`` once per epoch (``n`` roundings); ours
    takes one power: the same number to ``n`` ulps."""
    optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=lr0)
    scheduler = torch.optim.lr_scheduler.ExponentialLR(optimizer, gamma=rate)
    for epoch in range(n_epochs):
        assert_close(
            "ExponentialDecay",
            f"lr at epoch {epoch}",
            np.array(opt.ExponentialDecay(rate)(lr0, epoch)),
            np.array(scheduler.get_last_lr()[0]),
            epoch + 1,
        )
        optimizer.step()
        scheduler.step()


@given(lr0=learning_rates, rate=rates, interval=st.integers(1, 50), epoch=epochs)
def test_step_decay_is_inverse_time_decay_held_for_each_interval(
    lr0: float, rate: float, interval: int, epoch: int
) -> None:
    """The course's schedule_lr_decay: ``lr0 / (1 + rate * floor(epoch / interval))``; constant
    within each interval of ``interval`` epochs."""
    schedule = opt.StepDecay(rate, interval)
    assert schedule(lr0, epoch) == lr0 / (1 + rate * np.floor(epoch / interval))
    assert schedule(lr0, epoch) == schedule(lr0, epoch - epoch % interval)
    assert schedule(lr0, epoch) == opt.InverseTimeDecay(rate)(lr0, epoch // interval)


def test_step_decay_course_example() -> None:
    # The course's schedule_lr_decay(learning_rate=0.5, epoch_num=100, decay_rate=1,
    # time_interval=100) is 0.25.
    assert opt.StepDecay(1.0, 100)(0.5, 100) == 0.25
    assert opt.StepDecay(1.0, 100)(0.5, 99) == 0.5


# --- Found by mutation testing of the step (docs/mutation.md) ------------------------------------


@pytest.mark.parametrize(
    ("parameter_dtype", "grad_dtype", "how", "arrays"),
    [
        # the product, then the difference over it: the float32 product is the result's dtype
        (np.float32, np.float32, "default", 1),
        # a float64 gradient given away holds the float32 parameter's float64 step: none new
        (np.float32, np.float64, "overwrite_grads", 0),
        # kept, the float64 product is new, and the float64 difference goes over it
        (np.float32, np.float64, "default", 1),
    ],
)
def test_gradient_descent_writes_its_step_over_what_it_may(
    parameter_dtype: type, grad_dtype: type, how: str, arrays: int
) -> None:
    """``ARRAYS_PER_STEP``'s counts for the dtypes float64 does not cover, at the first step:
    an array more means the fast path was missed."""
    rng = np.random.default_rng(0)
    W = rng.standard_normal((100, 1000)).astype(parameter_dtype)
    dW = rng.standard_normal((100, 1000)).astype(grad_dtype)
    expected = W - np.multiply(dW, 0.01)
    size = np.result_type(W, dW).itemsize * W.size
    updated, peak = traced(
        lambda: opt.Optimizer().step(
            {"W1": W}, {"dW1": dW}, 0.01, overwrite_grads=how == "overwrite_grads"
        )
    )
    # (to within half an array: NumPy's casting buffers are a few kilobytes)
    assert abs(peak / size - arrays) < 0.5, peak / size
    np.testing.assert_array_equal(updated["W1"], expected)


def test_a_float64_gradient_of_a_float64_parameter_in_float32_steps_is_float64() -> None:
    """A float64 parameter with a float32 gradient: the step is float64 (NumPy's promotion), in
    value (to float32's rounding of the gradient's products) and dtype, for every optimizer and
    however the step is taken."""
    rng = np.random.default_rng(1)
    W = rng.standard_normal((3, 4))
    dW = rng.standard_normal((3, 4)).astype(np.float32)
    for name in ("gd", "momentum", "rmsprop", "adam"):
        for how in ("default", "overwrite_grads"):
            updated = opt.make_optimizer(name).step(
                {"W1": W.copy()}, {"dW1": dW.copy()}, 0.1, overwrite_grads=how != "default"
            )
            reference = opt.make_optimizer(name).step(
                {"W1": W.copy()}, {"dW1": dW.astype(np.float64)}, 0.1
            )
            assert updated["W1"].dtype == np.float64, (name, how)
            np.testing.assert_allclose(updated["W1"], reference["W1"], rtol=1e-6, atol=0)
    # The product is NumPy's (a Python float times float32 is float32), the difference float64.
    plain = opt.Optimizer().step({"W1": W}, {"dW1": dW}, 0.1)["W1"]
    np.testing.assert_array_equal(plain, W - 0.1 * dW)


def _misfits() -> dict[str, tuple[Any, Any]]:
    """Parameters and gradients that cannot take an in-place step, each for one reason."""
    rng = np.random.default_rng(2)
    W, dW = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    return {
        "parameter-a-float": (2.5, np.array(0.5)),
        "gradient-a-float": (np.array(2.5), 0.5),
        "parameter-read-only": (read_only(W.copy()), dW),
        "gradient-read-only": (W, read_only(dW.copy())),
        "integer-arrays": (np.arange(12).reshape(3, 4), np.ones((3, 4), dtype=np.int64)),
        "float32-gradient": (W, dW.astype(np.float32)),
        "other-memory-order": (W, np.asfortranarray(dW)),
        "a-strided-view": (
            rng.standard_normal((3, 8))[:, ::2],
            rng.standard_normal((3, 8))[:, ::2],
        ),
    }


@pytest.mark.parametrize(
    ("name", "misfit"),
    # (Adam's direction reads the gradient's dtype: it takes arrays only, not a Python float.)
    [(n, k) for n in ("gd", "momentum", "adam") for k in sorted(_misfits())
     if (n, k) != ("adam", "gradient-a-float")],
)  # fmt: skip
def test_a_parameter_that_cannot_take_an_in_place_step_gets_a_new_array(
    name: str, misfit: str
) -> None:
    """``step(in_place=True)`` writes into a parameter only when it and its gradient are
    writeable float arrays of one dtype and memory layout: any one reason missing, the step is
    the usual one (the same values as without ``in_place``), and the parameter is not touched."""
    W, dW = _misfits()[misfit]
    W_before = np.array(W, dtype=np.float64, copy=True)
    dW_before = np.array(dW, dtype=np.float64, copy=True)
    usual = opt.make_optimizer(name).step({"W1": W_before}, {"dW1": dW_before.copy()}, 0.1)
    updated = opt.make_optimizer(name).step({"W1": W}, {"dW1": dW}, 0.1, in_place=True)
    np.testing.assert_allclose(updated["W1"], usual["W1"], rtol=1e-6, atol=0)
    np.testing.assert_array_equal(np.asarray(W, dtype=np.float64), W_before)
    assert updated["W1"] is not W


@pytest.mark.parametrize(
    ("state", "message"),
    [
        ({"t": np.array(1), "v_dW1": np.ones(2)},
         "RMSprop.load_state_dict: the state has 'v_dW1', which the 'rmsprop' optimizer does not "
         "keep (it keeps the step count 't', s_d...): a state saved by another optimizer?"),
        ({"t": np.array(1), "s_dW1": np.array([np.nan])},
         "RMSprop.load_state_dict: s_dW1 has 1 NaN value (the first: s_dW1[0] = nan)"),
        ({"t": np.array(1), "s_dW1": "abc"},
         "RMSprop.load_state_dict: s_dW1 must hold real numbers, got dtype <U3 (strings)"),
        ({"t": np.array(-1)}, "RMSprop.load_state_dict: t must be an integer >= 0, got -1"),
        ({"t": np.array(1.5)}, "RMSprop.load_state_dict: t must be an integer >= 0, got 1.5"),
        ({"s_dW1": np.ones(2)}, "RMSprop.load_state_dict: the state has no step count 't'"),
    ],
    ids=["another-optimizers", "nan", "strings", "negative-t", "fractional-t", "no-t"],
)  # fmt: skip
def test_a_state_that_is_not_the_optimizers_is_refused_in_its_words(
    state: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError) as caught:
        opt.RMSprop().load_state_dict(state)
    assert str(caught.value) == message


def test_a_saved_state_of_a_parameter_whose_name_has_d_in_it_loads() -> None:
    """``v_dW_d1`` is the average ``v`` of ``dW_d1``: the average's name is what comes before the
    first ``_d``."""
    momentum = opt.Momentum()
    momentum.step({"W_d1": np.ones((2, 2))}, {"dW_d1": np.ones((2, 2))}, 0.1)
    again = opt.Momentum()
    again.load_state_dict(momentum.state_dict())
    np.testing.assert_array_equal(again.state["v_dW_d1"], momentum.state["v_dW_d1"])


def test_the_optimizers_defaults_are_the_courses() -> None:
    """``make_optimizer``'s and the classes' defaults: epsilon 1e-8, beta 0.9 (momentum, Adam's
    beta1), beta2 0.999."""
    for made in (
        opt.make_optimizer("rmsprop"),
        opt.make_optimizer("adam"),
        opt.RMSprop(),
        opt.Adam(),
    ):
        assert made.epsilon == 1e-8, made
    assert opt.RMSprop().beta == 0.999
    assert (opt.Adam().beta1, opt.Adam().beta2, opt.Momentum().beta) == (0.9, 0.999, 0.9)


def test_rmsprop_divides_over_its_square_root_and_keeps_a_wider_gradients_dtype() -> None:
    """RMSprop's quotient is written over the new ``sqrt(s) + epsilon`` when it has the
    quotient's dtype (float32 throughout: the direction is the only new array beside ``s``'s),
    and not when the gradient is wider (a float64 gradient over a float32 state: the direction
    is float64, its values the plain quotient's)."""
    rng = np.random.default_rng(4)
    g32 = rng.standard_normal((100, 1000)).astype(np.float32)
    rmsprop = opt.RMSprop()
    rmsprop.load_state_dict({"t": np.array(1), "s_dW1": np.abs(g32)})
    direction, peak = traced(lambda: rmsprop.direction("dW1", g32))
    # s's new average beside the square (scaled in place, added, let go), then beside sqrt(s)
    # with the quotient over it: two at most; a quotient in an array of its own makes three
    assert abs(peak / g32.nbytes - 2) < 0.5, peak / g32.nbytes
    assert direction.dtype == np.float32
    wide = opt.RMSprop()
    wide.load_state_dict({"t": np.array(1), "s_dW1": np.abs(g32)})
    g64 = g32.astype(np.float64)
    direction = wide.direction("dW1", g64)
    assert direction.dtype == np.float64
    s = 0.999 * np.abs(g32) + (1 - 0.999) * g64 * g64
    np.testing.assert_allclose(direction, g64 / (np.sqrt(s) + 1e-8), rtol=1e-6)
    # A float32 gradient over a float64 state: the quotient is float64, the square root's dtype,
    # and goes over it (two float64 arrays at most, as above).
    narrow = opt.RMSprop()
    narrow.load_state_dict({"t": np.array(1), "s_dW1": np.abs(g64)})
    direction, peak = traced(lambda: narrow.direction("dW1", g32))
    assert direction.dtype == np.float64
    assert abs(peak / g64.nbytes - 2) < 0.5, peak / g64.nbytes


def test_the_averages_an_optimizer_keeps_are_listed_when_a_state_is_not_its() -> None:
    with pytest.raises(ValueError) as caught:
        opt.Adam().load_state_dict({"t": np.array(1), "m_dW1": np.ones(2)})
    assert str(caught.value) == (
        "Adam.load_state_dict: the state has 'm_dW1', which the 'adam' optimizer does not keep "
        "(it keeps the step count 't', v_d..., s_d...): a state saved by another optimizer?"
    )
