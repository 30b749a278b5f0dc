"""Training never loses work (``scratch.model``, ``scratch.checkpoint``).

* A run stopped (at an epoch's end, in the middle of one, by Ctrl-C) and resumed from its
  ``TrainingState``, also through a checkpoint file, ends with exactly the same parameters and
  history as the same run straight through: every optimizer, with dropout, batch norm, L2, decay.
* A loss that blows up stops training at the step where it appears, says which step and epoch,
  suggests a smaller learning rate, and keeps the last good parameters.
* The same seed gives the same bits, whatever the global random state.
"""

from __future__ import annotations

import signal
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from scratch.checkpoint import load_checkpoint, save_checkpoint
from scratch.model import (
    Event,
    History,
    TrainingDiverged,
    TrainingInterrupted,
    TrainingState,
    model,
)
from scratch.optimizers import ExponentialDecay

Array = Any
RNG = np.random.default_rng(0)
X = RNG.standard_normal((4, 45))
Y = np.eye(3)[:, RNG.integers(0, 3, 45)]
X_DEV, Y_DEV = X[:, :9], Y[:, :9]
EPOCHS = 4
#: batch_size 10 and m = 45: 5 steps an epoch, the last of 5 examples.
STEPS_PER_EPOCH = 5
VARIANTS: dict[str, dict[str, Any]] = {
    "gd": {"optimizer": "gd"},
    "momentum, dropout": {"optimizer": "momentum", "keep_prob": 0.7},
    "rmsprop, batch norm": {"optimizer": "rmsprop", "batch_norm": True},
    "adam, everything": {
        "optimizer": "adam",
        "keep_prob": 0.8,
        "lambd": 0.05,
        "batch_norm": True,
        "decay": ExponentialDecay(0.9),
    },
}


def run(variant: str, **kwargs: Any) -> tuple[dict[str, Array], History]:
    """``model`` on the fixed data: ``EPOCHS`` epochs of a [6, 5] network, events every 2 steps."""
    options = {
        "learning_rate": 0.01,
        "print_every": 2,
        "iteration": EPOCHS,
        "hidden_layers": [6, 5],
        "batch_size": 10,
        "seed": 3,
        "X_dev": X_DEV,
        "Y_dev": Y_DEV,
    }
    return model(X, Y, **(options | VARIANTS[variant] | kwargs))


def assert_same_run(
    a: tuple[dict[str, Array], History], b: tuple[dict[str, Array], History]
) -> None:
    """Bit for bit: every parameter's values and dtype, and the whole history."""
    assert sorted(a[0]) == sorted(b[0])
    for key in a[0]:
        assert a[0][key].dtype == b[0][key].dtype, key
        assert np.array_equal(a[0][key], b[0][key]), key
    assert asdict(a[1]) == asdict(b[1])


def interrupt_at(step: int) -> Any:
    """A ``callback`` that presses Ctrl-C (a real SIGINT to this process) at ``step``."""

    def callback(event: Event) -> None:
        if event.step == step and event.kind == "step":
            signal.raise_signal(signal.SIGINT)

    return callback


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_stopped_at_an_epochs_end_and_resumed_is_the_straight_run(variant: str) -> None:
    straight = run(variant)
    states: list[TrainingState] = []
    run(variant, checkpoint=states.append)
    assert [(s.epoch, s.batch, s.step) for s in states] == [
        (e, 0, e * STEPS_PER_EPOCH) for e in range(1, EPOCHS + 1)
    ]
    resumed = run(variant, resume=states[1])
    assert_same_run(resumed, straight)


@pytest.mark.parametrize("variant", list(VARIANTS))
@pytest.mark.parametrize("step", [2, 8, 14])
def test_ctrl_c_mid_epoch_then_resumed_is_the_straight_run(
    variant: str, step: int, tmp_path: Path
) -> None:
    # What this process does with Ctrl-C: Python's handler, or SIG_IGN when started in the
    # background (a shell's `tox &`, nohup), which every process started from it inherits.
    before = signal.getsignal(signal.SIGINT)
    straight = run(variant)
    with pytest.raises(TrainingInterrupted) as stopped:
        run(variant, callback=interrupt_at(step))
    state = stopped.value.state
    assert isinstance(stopped.value, KeyboardInterrupt)
    assert "resume=error.state" in str(stopped.value)
    # Stopped after the step under way, before the next: mid-epoch.
    assert (state.step, state.epoch, state.batch) == (step, *divmod(step, STEPS_PER_EPOCH))
    assert signal.getsignal(signal.SIGINT) == before  # the handler put back
    # Through a file, as the command line does it: nothing lost on the way.
    save_checkpoint(tmp_path / "checkpoint.npz", state, {"note": variant})
    loaded, meta = load_checkpoint(tmp_path / "checkpoint.npz")
    assert meta == {"note": variant}
    assert_same_run(run(variant, resume=loaded), straight)
    assert_same_run(run(variant, resume=state), straight)


def test_ctrl_c_at_an_epochs_end_stops_there() -> None:
    straight = run("adam, everything")

    def callback(event: Event) -> None:
        if event.kind == "epoch" and event.epoch == 2:
            signal.raise_signal(signal.SIGINT)

    with pytest.raises(TrainingInterrupted) as stopped:
        run("adam, everything", callback=callback)
    state = stopped.value.state
    assert (state.epoch, state.batch, len(state.history.epoch)) == (2, 0, 2)
    assert_same_run(run("adam, everything", resume=state), straight)


def test_a_second_ctrl_c_stops_at_once() -> None:
    before = signal.getsignal(signal.SIGINT)

    def callback(event: Event) -> None:
        signal.raise_signal(signal.SIGINT)
        signal.raise_signal(signal.SIGINT)

    with pytest.raises(KeyboardInterrupt) as stopped:
        run("gd", callback=callback)
    assert type(stopped.value) is KeyboardInterrupt  # not a TrainingInterrupted with a state
    assert signal.getsignal(signal.SIGINT) == before


def test_a_resumed_run_may_go_on_for_more_epochs() -> None:
    states: list[TrainingState] = []
    short = run("adam, everything", iteration=2, checkpoint=states.append)
    longer = run("adam, everything", iteration=EPOCHS, resume=states[-1])
    assert_same_run(longer, run("adam, everything"))
    assert np.array_equal(states[-1].parameters["W1"], short[0]["W1"])


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"hidden_layers": [6, 4]}, "another network: layers [4, 6, 5, 3]"),
        ({"optimizer": "gd"}, "which the 'gd' optimizer does not keep"),
        ({"batch_size": 8}, "do not fit 6 mini-batches an epoch"),
        ({"batch_norm": False}, "no 'b1'"),
        ({"dtype": np.float64}, "not float64"),
        ({"iteration": 1}, "done 2 epochs already"),
    ],
)
def test_a_state_of_another_run_is_refused(change: dict[str, Any], message: str) -> None:
    states: list[TrainingState] = []
    run("adam, everything", iteration=2, checkpoint=states.append)
    with pytest.raises(ValueError, match="model: resume") as error:
        run("adam, everything", resume=states[-1], **change)
    assert message in str(error.value)


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda s: dict(vars(s)), "must be a TrainingState, got dict"),
        (lambda s: replace(s, history=[]), "state.history must be a History"),
        (lambda s: replace(s, dropout_rng={"bit_generator": "PCG64"}), "dropout_rng is not"),
        (lambda s: replace(s, optimizer=s.optimizer | {"v_dW1": np.ones((2, 2))}), "v_dW1"),
        (lambda s: replace(s, batch=7), "mini-batch 7"),
    ],
)
def test_a_damaged_state_is_refused(damage: Any, message: str) -> None:
    states: list[TrainingState] = []
    run("adam, everything", iteration=2, checkpoint=states.append)
    with pytest.raises(ValueError, match="model: resume") as error:
        run("adam, everything", resume=damage(states[-1]))
    assert message in str(error.value)


@pytest.mark.parametrize("handler", [signal.SIG_IGN, signal.SIG_DFL])
def test_ctrl_c_stops_training_however_the_process_was_started(handler: Any) -> None:
    """Started in the background, a process inherits SIGINT ignored (SIG_IGN); started without
    Python's handler, the default action (SIG_DFL). Training takes Ctrl-C either way, and puts
    the handler back as it was."""
    before = signal.signal(signal.SIGINT, handler)
    try:
        with pytest.raises(TrainingInterrupted) as stopped:
            run("gd", callback=interrupt_at(8))
        assert stopped.value.state.step == 8
        assert signal.getsignal(signal.SIGINT) == handler
    finally:
        signal.signal(signal.SIGINT, before)


# --- A loss that blows up --------------------------------------------------------------------


#: A linear network (identity hidden layers) and gradient descent with a learning rate of 100:
#: nothing saturates, each step multiplies the weights, and float32 overflows in the fifth step.
BLOWS_UP: dict[str, Any] = {"hidden_activation": "identity", "seed": 3}


def diverging() -> TrainingDiverged:
    with pytest.raises(TrainingDiverged) as error:
        model(X, Y, 100, None, EPOCHS, [6, 5], 10, **BLOWS_UP)
    return error.value


def test_a_loss_that_blows_up_stops_training_and_says_where() -> None:
    error = diverging()
    message = str(error)
    assert f"at step {error.step} (epoch {error.epoch} of {EPOCHS})" in message
    assert "NaN" in error.cause or "infinite" in error.cause
    assert "Try a smaller learning rate than 100, e.g. 10" in message
    assert isinstance(error, ArithmeticError)


def test_the_state_of_a_diverged_run_has_the_last_good_parameters() -> None:
    """Its parameters are finite, and they are the very parameters of the same run stopped (by
    Ctrl-C) at that point: nothing was half-updated."""
    state = diverging().state
    assert all(np.all(np.isfinite(p)) for p in state.parameters.values())
    assert state.step == state.epoch * STEPS_PER_EPOCH + state.batch
    if state.step == 0:
        pytest.fail("the run diverged on its first step: choose a gentler learning rate here")
    with pytest.raises(TrainingInterrupted) as stopped:
        model(X, Y, 100, 1, EPOCHS, [6, 5], 10, callback=interrupt_at(state.step), **BLOWS_UP)
    if state.batch == 0:  # stopped at an epoch's end: Ctrl-C stops after the evaluation
        pytest.fail("pick a run that diverges mid-epoch for this comparison")
    same = stopped.value.state
    assert (same.epoch, same.batch, same.step) == (state.epoch, state.batch, state.step)
    for key, value in state.parameters.items():
        assert np.array_equal(value, same.parameters[key]), key
    assert all(np.array_equal(v, same.optimizer[k]) for k, v in state.optimizer.items())


def test_a_diverged_run_goes_on_with_a_smaller_learning_rate() -> None:
    """A learning rate of 0.01 for the first epoch, then of 1e30: the first step at 1e30 gives
    finite parameters (below float32's 3.4e38) that overflow in the next forward pass. The run goes
    back to before that first bad step; going on from there at 0.01 is the run that kept 0.01 all
    along, bit for bit: no good work lost, no bad step kept."""

    def jump(learning_rate: float, epoch: int) -> float:
        return learning_rate if epoch < 1 else 1e30

    with pytest.raises(TrainingDiverged) as error:
        run("adam, everything", optimizer="gd", decay=jump)
    state = error.value.state
    assert (error.value.step, state.step) == (STEPS_PER_EPOCH + 2, STEPS_PER_EPOCH)
    resumed = run("adam, everything", optimizer="gd", decay=None, resume=state)
    assert_same_run(resumed, run("adam, everything", optimizer="gd", decay=None))


def test_an_update_that_overflows_goes_back_to_the_start_of_its_step() -> None:
    """A learning rate of 1e300 from the second epoch on: the step's gradients are finite, the
    update overflows float32 (and float64). The run goes back to before that update, whose new
    parameters (written over the gradients' arrays) never reach the state."""

    def jump(learning_rate: float, epoch: int) -> float:
        return learning_rate if epoch < 1 else 1e300

    with pytest.raises(TrainingDiverged) as error:
        run("gd", decay=jump)
    assert "in the update" in error.value.cause
    state = error.value.state
    assert (error.value.step, state.step) == (STEPS_PER_EPOCH + 1, STEPS_PER_EPOCH)
    assert all(np.all(np.isfinite(p)) for p in state.parameters.values())
    resumed = run("gd", decay=None, resume=state)
    assert_same_run(resumed, run("gd", decay=None))


def test_no_runtime_warnings_while_diverging(recwarn: pytest.WarningsRecorder) -> None:
    """Each phase checks for NaN and inf itself: NumPy's overflow warnings would only be noise."""
    diverging()
    assert [str(w.message) for w in recwarn if issubclass(w.category, RuntimeWarning)] == []


# --- The same seed, the same bits ------------------------------------------------------------


def test_the_same_seed_gives_the_same_bits_whatever_the_global_random_state() -> None:
    first = run("adam, everything")
    np.random.seed(12345)  # noqa: NPY002 -- the legacy global state must play no part
    np.random.random(7)  # noqa: NPY002
    assert_same_run(run("adam, everything"), first)
    other = run("adam, everything", seed=4)
    assert not np.array_equal(other[0]["W1"], first[0]["W1"])
