"""The training loop: mini-batches, an optimizer, a learning-rate schedule, and a history.

``model(X, Y, ...)`` trains a network of ``hidden_layers`` on ``X: (n_0, m)`` and ``Y: (C, m)``
(one-hot, softmax output) or ``Y: (1, m)`` (0/1 labels, sigmoid output), and returns
``(parameters, history)``. Progress is reported to ``callback(event)``, an ``Event``:

* every ``print_every`` optimisation steps (``kind="step"``): ``train_loss`` and ``train_acc`` are
  the cost (with its L2 penalty) and the accuracy of that step's mini-batch, as the forward of the
  step saw them (dropout included); ``dev_loss``/``dev_acc`` are the dev set's at that moment;
* after each epoch (``kind="epoch"``): the cross-entropy (without the L2 penalty, so that train and
  dev compare like with like) and the accuracy of the whole training set and of the dev set, in
  prediction mode (no dropout, batch norm with its running statistics).

``dev_loss`` and ``dev_acc`` are ``None`` without a dev set. ``print_event`` prints events.

Training never loses work:

* A bad argument is a ``ValueError`` before the first step, saying what was expected and, when it
  can tell, the likely mistake (``X`` transposed, integer labels where one-hot belongs).
* A loss, gradient or parameter that becomes NaN or infinite stops training at the step where it
  appears: ``TrainingDiverged`` says which step and epoch, suggests a smaller learning rate, and
  carries the state just before that step (the last good parameters).
* ``TrainingState`` is everything a run needs to go on: parameters, optimizer state, both random
  streams, the position in the epoch, the history. ``checkpoint(state)`` is called after every
  epoch, and ``model(..., resume=state)`` continues a run so exactly that a run stopped and
  resumed ends with the same bits as one that ran straight through.
* Ctrl-C (SIGINT) during training finishes the step in progress and raises
  ``TrainingInterrupted`` (a ``KeyboardInterrupt``) with the state to resume from; a second
  Ctrl-C stops at once.
"""

from __future__ import annotations

import contextlib
import copy
import math
import signal
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from scratch import memory, validate
from scratch._types import Array
from scratch.linear import ACTIVATIONS
from scratch.minibatch import random_mini_batches
from scratch.network import (
    Parameters,
    accuracy,
    backward_checked,
    compute_cost,
    cost_checked,
    forward_all,
    forward_checked,
    init_parameters,
    labels,
    n_layers,
    surely_finite,
    update_batchnorm_statistics,
)
from scratch.optimizers import Optimizer, Schedule, make_optimizer


@dataclass(frozen=True)
class Event:
    """What ``callback`` is told, after an epoch or every ``print_every`` steps (module docstring).

    ``epoch``: the epoch the event belongs to, counted from 1; ``step``: the optimisation steps done
    so far, over all epochs; ``n_epochs * steps_per_epoch`` steps make the whole run.
    """

    epoch: int
    step: int
    n_epochs: int
    steps_per_epoch: int
    train_loss: float
    train_acc: float
    dev_loss: float | None
    dev_acc: float | None
    kind: Literal["step", "epoch"] = "epoch"


@dataclass
class History:
    """The record of a run. Per epoch (one entry each): ``epoch`` (from 1), ``train_loss``,
    ``train_acc``, ``dev_loss``, ``dev_acc`` (empty lists without a dev set), ``learning_rate``.
    Every ``print_every`` steps: ``step`` and ``loss`` (the mini-batch's cost)."""

    epoch: list[int] = field(default_factory=list)
    train_loss: list[float] = field(default_factory=list)
    train_acc: list[float] = field(default_factory=list)
    dev_loss: list[float] = field(default_factory=list)
    dev_acc: list[float] = field(default_factory=list)
    learning_rate: list[float] = field(default_factory=list)
    step: list[int] = field(default_factory=list)
    loss: list[float] = field(default_factory=list)


def print_event(event: Event) -> None:
    """A ``callback`` that prints one line per event."""
    where = f"epoch {event.epoch}/{event.n_epochs} step {event.step}"
    line = f"{where}: {event.kind} loss {event.train_loss:.4f} acc {event.train_acc:.3f}"
    if event.dev_loss is not None:
        line += f", dev loss {event.dev_loss:.4f} acc {event.dev_acc:.3f}"
    print(line)


@dataclass
class TrainingState:
    """A run between two steps: everything ``model(..., resume=state)`` needs to go on exactly.

    ``parameters``; ``optimizer``: its ``state_dict()``; ``shuffle_rng``, ``dropout_rng``: the
    ``bit_generator.state`` of the two random streams, the shuffle stream's as it was when the
    epoch under way began (before it drew that epoch's shuffle); ``history`` so far; ``epoch``: the
    epochs completed; ``batch``: the mini-batches done in the epoch under way (0 at its start);
    ``step``: all the steps done, ``epoch * steps_per_epoch + batch``.
    """

    parameters: Parameters
    optimizer: dict[str, Array]
    shuffle_rng: Mapping[str, Any]
    dropout_rng: Mapping[str, Any]
    history: History
    epoch: int = 0
    batch: int = 0
    step: int = 0


class TrainingDiverged(ArithmeticError, ValueError):
    """The loss, a gradient or a parameter became NaN or infinite at step ``step`` (of epoch
    ``epoch``, both from 1): training stopped there. ``cause``: what was found (``"the loss is
    nan"``). ``state`` is the run just before that step: its ``parameters`` are the last good
    ones, and ``model(..., resume=state)`` goes on from it (with a smaller learning rate).

    An ``ArithmeticError``, and a ``ValueError`` like every other refusal of ``model``: the
    arguments (a learning rate, or ``X`` far out of scale) made the numbers blow up."""

    def __init__(
        self, message: str, state: TrainingState, epoch: int, step: int, cause: str
    ) -> None:
        super().__init__(message)
        self.state = state
        self.parameters = state.parameters
        self.epoch = epoch
        self.step = step
        self.cause = cause


class TrainingInterrupted(KeyboardInterrupt):
    """Ctrl-C during training: it stopped after the step in progress. ``state`` continues the
    run: ``model(..., resume=state)``."""

    def __init__(self, message: str, state: TrainingState) -> None:
        super().__init__(message)
        self.state = state


@dataclass(frozen=True)
class _Snapshot:
    """A copy of the run at the start of an epoch (or where it was resumed): the parameters are
    updated in place at every step, so any earlier point of the epoch is recomputed from here by
    running its steps again (the same mini-batches, masks and arithmetic: the same bits)."""

    parameters: Parameters
    optimizer: dict[str, Array]
    dropout_rng: Mapping[str, Any]
    batch: int
    learning_rate: float
    batches: Sequence[tuple[Array, Array]]


@dataclass(frozen=True)
class _Mark:
    """Where the run was between two steps, cheaply: its position, its random streams and the
    lengths of its history (which only grows). Its parameters are those of ``snapshot`` after the
    steps of mini-batches ``snapshot.batch .. batch - 1``."""

    snapshot: _Snapshot
    shuffle_rng: Mapping[str, Any]
    dropout_rng: Mapping[str, Any]
    epoch: int
    batch: int
    step: int
    lengths: dict[str, int]

    def state(
        self, history: History, parameters: Parameters, optimizer: Mapping[str, Array]
    ) -> TrainingState:
        """The ``TrainingState`` of this point, given its ``parameters`` and ``optimizer`` state
        (copied), with the history as it was then."""
        then = History(**{k: list(v[: self.lengths[k]]) for k, v in vars(history).items()})
        return TrainingState(
            {key: value.copy() for key, value in parameters.items()},
            {key: value.copy() for key, value in optimizer.items()},
            self.shuffle_rng,
            self.dropout_rng,
            then,
            self.epoch,
            self.batch,
            self.step,
        )


def _data(
    X: object, Y: object, dtype: np.dtype[Any], names: tuple[str, str], like: Array | None = None
) -> tuple[Array, Array]:
    """``X: (n_0, m)`` and ``Y: (C, m)`` checked and converted to ``dtype``. ``like``: the
    training set's ``X``, whose ``n_0`` a dev set must have."""
    x, y = names
    X, Y = validate.real_array("model", x, X), validate.real_array("model", y, Y)
    said = (
        f"model: {x} {X.shape} and {y} {Y.shape} must be (n_0, m) and (C, m) with the same "
        "m >= 1 (one column per example)"
    )
    if Y.ndim == 1:
        if Y.size and validate.is_integral(Y) and Y.min() >= 0 and Y.max() > 1:
            guess = f"integer labels? did you mean one_hot({y}, {int(Y.max()) + 1})?"
        else:
            guess = f"0/1 labels? did you mean {y}.reshape(1, -1)?"
        raise ValueError(f"{said}: {y} is 1-D {Y.shape}; {guess}")
    if X.ndim != 2:
        hint = {1: f"one feature? {x}.reshape(1, -1)", 0: "a scalar"}.get(
            X.ndim, "images (m, h, w)? flatten them to (h * w, m) with preprocessing.flatten"
        )
        raise ValueError(f"{said}: {x} is {X.ndim}-D; {hint}")
    if Y.ndim != 2:
        raise ValueError(f"{said}: {y} is {Y.ndim}-D")
    if X.shape[1] != Y.shape[1]:
        if X.shape[0] == Y.shape[1]:
            guess = f"{x} is (m, n_features); did you mean {x}.T?"
        elif Y.shape[0] == X.shape[1]:
            guess = f"{y} is (m, C); did you mean {y}.T?"
        else:
            guess = f"{x} has m = {X.shape[1]} examples and {y} {Y.shape[1]}"
        raise ValueError(f"{said}: {guess}")
    if X.size == 0 or Y.size == 0:
        raise ValueError(f"{said}: {x if X.size == 0 else y} is empty")
    if like is not None and X.shape[0] != like.shape[0]:
        guess = f"; did you mean {x}.T?" if X.shape[1] == like.shape[0] else ""
        raise ValueError(
            f"model: {x} {X.shape} must be ({like.shape[0]}, m_dev), as many features as X{guess}"
        )
    validate.finite("model", x, X)
    Y = validate.labels("model", Y, Y.shape[0], Y.shape[1], y)
    with np.errstate(over="ignore"):
        # Fortran order: each example's column is contiguous, so the shuffle of every epoch
        # copies whole columns and each mini-batch is one contiguous block (minibatch._columns).
        X_in_dtype = X.astype(dtype, order="F")
    validate.finite(
        "model",
        x,
        X_in_dtype,
        f" after conversion to {dtype}: its largest value {np.max(np.abs(X)):g} is too large "
        f"for {dtype}; scale {x} (e.g. pixels to [0, 1]) or pass dtype=np.float64",
    )
    return X_in_dtype, Y.astype(dtype, order="F")


def _check_options(
    hidden_layers: object,
    hidden_activation: str,
    print_every: object,
    callback: object,
    decay: object,
) -> list[int]:
    """The options that ``model`` checks itself (others are checked where they are used)."""
    if isinstance(hidden_layers, (str, bytes)) or not isinstance(hidden_layers, Sequence):
        raise ValueError(
            f"model: hidden_layers must be a list of widths such as [100] or (256, 128), got "
            f"{hidden_layers!r}"
        )
    widths = list(hidden_layers)
    for n in widths:
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
            raise ValueError(
                f"model: every hidden layer needs width >= 1 (a whole number of units), got "
                f"{widths}"
            )
    if hidden_activation not in ACTIVATIONS:
        raise ValueError(
            f"model: unknown hidden_activation {hidden_activation!r}; expected one of "
            f"{sorted(ACTIVATIONS)}"
        )
    if print_every is not None and (
        isinstance(print_every, bool) or not isinstance(print_every, int) or print_every < 1
    ):
        raise ValueError(f"model: print_every must be >= 1 (or None), got {print_every!r}")
    for name, value in (("callback", callback), ("decay", decay)):
        if value is not None and not callable(value):
            raise ValueError(f"model: {name} must be a function (or None), got {value!r}")
    return [int(n) for n in widths]


def _generator(state: Mapping[str, Any], name: str) -> np.random.Generator:
    """A generator continuing from a saved ``bit_generator.state``."""
    rng = np.random.Generator(np.random.PCG64())
    try:
        rng.bit_generator.state = state
    except (TypeError, ValueError, KeyError) as error:
        raise ValueError(f"model: resume: {name} is not a saved PCG64 state ({error})") from None
    return rng


def _check_resume(
    state: object,
    layer_dims: list[int],
    batch_norm: bool,
    dtype: np.dtype[Any],
    optimizer: Optimizer,
    steps_per_epoch: int,
    iteration: int,
) -> TrainingState:
    """A copy of ``state``, checked to continue this run: the same architecture, an optimizer
    state of this optimizer, and a position that fits ``steps_per_epoch``."""
    where = "model: resume"
    if not isinstance(state, TrainingState):
        raise ValueError(f"{where} must be a TrainingState, got {type(state).__name__}")
    if not isinstance(state.history, History):
        raise ValueError(f"{where}: state.history must be a History")
    parameters = validate.parameters(where, state.parameters, batch_norm)
    L = n_layers(parameters)
    saved_dims = [parameters["W1"].shape[1]] + [
        parameters[f"W{k}"].shape[0] for k in range(1, L + 1)
    ]
    if saved_dims != layer_dims:
        raise ValueError(
            f"{where}: the saved parameters are of another network: layers {saved_dims}, but X, "
            f"hidden_layers and Y make {layer_dims}"
        )
    if {p.dtype for p in parameters.values()} != {dtype}:
        raise ValueError(f"{where}: the saved parameters are not {dtype} (dtype={dtype} here)")
    try:
        optimizer.load_state_dict(state.optimizer)  # checks that it is this optimizer's state
    except ValueError as error:
        raise ValueError(f"{where}: {error}") from None
    for key, value in state.optimizer.items():
        name = key.split("_d", 1)[-1]
        if key != "t" and (name not in parameters or np.shape(value) != parameters[name].shape):
            raise ValueError(f"{where}: the optimizer's {key} does not fit {name}")
    position = (state.epoch, state.batch, state.step)
    if (
        not all(isinstance(k, int) and k >= 0 for k in position)
        or state.batch >= steps_per_epoch
        or state.step != state.epoch * steps_per_epoch + state.batch
        or len(state.history.epoch) != state.epoch
    ):
        raise ValueError(
            f"{where}: epoch {state.epoch}, mini-batch {state.batch}, step {state.step} and "
            f"{len(state.history.epoch)} epochs of history do not fit {steps_per_epoch} "
            "mini-batches an epoch: was the run's batch_size or training set different?"
        )
    if state.epoch > iteration:
        raise ValueError(
            f"{where}: the run has done {state.epoch} epochs already, more than iteration="
            f"{iteration}"
        )
    return TrainingState(
        parameters,
        {key: np.array(value, copy=True) for key, value in state.optimizer.items()},
        copy.deepcopy(state.shuffle_rng),
        copy.deepcopy(state.dropout_rng),
        copy.deepcopy(state.history),
        state.epoch,
        state.batch,
        state.step,
    )


def _finite(parameters: Parameters) -> bool:
    """Whether every parameter is finite (a scan of them all: only once training went wrong)."""
    return all(surely_finite(p) or bool(np.isfinite(p).all()) for p in parameters.values())


@contextlib.contextmanager
def _interrupts_between_steps() -> Iterator[Callable[[], bool]]:
    """Within the block, Ctrl-C (SIGINT) only raises a flag, which the loop reads between two
    steps, where the run's state is whole; a second Ctrl-C raises ``KeyboardInterrupt`` at once.
    Where a signal handler cannot be set (a thread other than the main one), nothing changes."""
    pressed: list[bool] = []

    def handler(signum: int, frame: object) -> None:
        if pressed:
            raise KeyboardInterrupt
        pressed.append(True)

    if threading.current_thread() is not threading.main_thread():
        yield lambda: False
        return
    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield lambda: bool(pressed)
    finally:
        signal.signal(signal.SIGINT, previous)


def model(
    X: Array,
    Y: Array,
    learning_rate: float = 0.01,
    print_every: int | None = 100,
    iteration: int = 500,
    hidden_layers: Sequence[int] = (100,),
    batch_size: int = 128,
    *,
    optimizer: str = "gd",
    lambd: float = 0.0,
    keep_prob: float = 1.0,
    X_dev: Array | None = None,
    Y_dev: Array | None = None,
    seed: int = 0,
    callback: Callable[[Event], None] | None = None,
    hidden_activation: str = "relu",
    init: str = "he",
    batch_norm: bool = False,
    beta: float = 0.9,
    beta1: float = 0.9,
    beta2: float = 0.999,
    epsilon: float = 1e-8,
    decay: Schedule | None = None,
    dtype: type = np.float32,
    resume: TrainingState | None = None,
    checkpoint: Callable[[TrainingState], None] | None = None,
) -> tuple[Parameters, History]:
    """Train an ``L``-layer network and return ``(parameters, history)``.

    ``iteration``: the number of epochs (full passes over the shuffled training set), each of
    ``ceil(m / batch_size)`` optimisation steps. ``optimizer``: ``"gd"``, ``"momentum"`` (``beta``),
    ``"rmsprop"`` (``beta2``, ``epsilon``) or ``"adam"`` (``beta1``, ``beta2``, ``epsilon``), see
    ``scratch.optimizers``. ``decay(learning_rate, epoch)`` gives epoch ``epoch``'s learning rate
    (epochs from 0, so epoch 0 uses ``learning_rate``), e.g. ``optimizers.StepDecay(1.0, 100)``.
    ``lambd``: L2; ``keep_prob``: inverted dropout on the hidden layers; ``batch_norm``: on the
    hidden layers; ``init``: ``"zeros"``, ``"small"``, ``"xavier"`` or ``"he"``.

    Everything random (initialisation, shuffling, dropout) follows from ``seed``: the same
    arguments give bit-identical parameters and history. Computation is in ``dtype``.

    ``resume``: a ``TrainingState`` to go on from (from ``checkpoint``, ``TrainingInterrupted`` or
    ``TrainingDiverged``) instead of a fresh network; the other arguments must describe the same
    run (a different ``learning_rate`` or ``iteration`` is allowed). ``checkpoint(state)``: called
    after every epoch. Raises ``TrainingDiverged`` and ``TrainingInterrupted`` (module docstring).
    """
    dtype_ = validate.float_dtype("model", dtype)
    if (X_dev is None) != (Y_dev is None):
        raise ValueError("model: give both X_dev and Y_dev, or neither")
    X, Y = _data(X, Y, dtype_, ("X", "Y"))
    if X_dev is not None and Y_dev is not None:
        X_dev, Y_dev = _data(X_dev, Y_dev, dtype_, ("X_dev", "Y_dev"), like=X)
        if Y_dev.shape[0] != Y.shape[0]:
            raise ValueError(
                f"model: Y_dev {Y_dev.shape} must be ({Y.shape[0]}, m_dev), as many classes as Y"
            )
    widths = _check_options(hidden_layers, hidden_activation, print_every, callback, decay)
    learning_rate = validate.number("model", "learning_rate", learning_rate, 0.0, low_open=True)
    lambd = validate.number("model", "lambd", lambd, 0.0)
    keep_prob = validate.keep_prob("model", keep_prob)
    batch_size = validate.integer("model", "batch_size", batch_size, minimum=1)
    iteration = validate.integer("model", "iteration (the number of epochs)", iteration, 0)
    seed = validate.integer("model", "seed", seed, minimum=0)

    output = "sigmoid" if Y.shape[0] == 1 else "softmax"
    layer_dims = [X.shape[0], *widths, Y.shape[0]]
    memory.check(
        "model",
        f"training layers {layer_dims} on {X.shape[1]} examples ({dtype_.name})",
        memory.training_bytes(layer_dims, X.shape[1], dtype_.itemsize),
        ": fewer or narrower hidden_layers?",
    )
    opt = make_optimizer(optimizer, beta, beta1, beta2, epsilon)
    steps_per_epoch = math.ceil(X.shape[1] / batch_size)
    if resume is None:
        # Independent streams for shuffling and dropout, both determined by seed.
        state = TrainingState(
            init_parameters(layer_dims, init, seed, batch_norm, dtype_.type),
            opt.state_dict(),
            np.random.default_rng([seed, 1]).bit_generator.state,
            np.random.default_rng([seed, 2]).bit_generator.state,
            History(),
        )
    else:
        state = _check_resume(
            resume, layer_dims, batch_norm, dtype_, opt, steps_per_epoch, iteration
        )
    # The run's own copies: model() updates them in place (resume's arrays are the caller's).
    parameters = {key: np.array(value, order="C") for key, value in state.parameters.items()}
    opt.load_state_dict(state.optimizer)
    shuffle_rng = _generator(state.shuffle_rng, "shuffle_rng")
    dropout_rng = _generator(state.dropout_rng, "dropout_rng")
    history = state.history
    step = state.step
    # Plain gradient descent adds each weight's step into it in the product that computes dW
    # (backward_checked(descend=...)); the other optimizers need dW itself.
    fused = opt.NAME == "gd"

    def evaluate(params: Parameters, X_eval: Array, Y_eval: Array) -> tuple[float, float]:
        """Cross-entropy and accuracy in prediction mode (no dropout, no L2 penalty)."""
        AL, _ = forward_all(
            X_eval, params, hidden_activation, output, batch_norm=batch_norm, training=False
        )
        return float(compute_cost(AL, Y_eval, params)), accuracy(labels(AL), Y_eval)

    def dev_metrics(params: Parameters) -> tuple[float | None, float | None]:
        if X_dev is None or Y_dev is None:
            return None, None
        return evaluate(params, X_dev, Y_dev)

    def forward(params: Parameters, X_batch: Array, rng: np.random.Generator) -> Any:
        # forward_checked: X was checked once, and NaN or inf in the parameters show in it.
        return forward_checked(
            X_batch, params, hidden_activation, output, keep_prob, rng, batch_norm
        )

    def backward(
        params: Parameters, AL: Array, Y_batch: Array, caches: Any, rate: float
    ) -> dict[str, Array]:
        """The gradients; with ``fused``, each ``W{l}`` already stepped, in place."""
        return backward_checked(AL, Y_batch, caches, lambd, descend=rate if fused else None)

    def update(
        params: Parameters, grads: dict[str, Array], caches: Any, rate: float, o: Optimizer
    ) -> Parameters:
        if batch_norm:
            params = update_batchnorm_statistics(params, caches)
        # Nothing reads the gradients after the update, and the run's parameters are its own
        # (with copies at the epoch's start to go back to): the step writes into both.
        return o.step(params, grads, rate, overwrite_grads=True, in_place=True)

    def replay(snapshot: _Snapshot, batch: int) -> tuple[Parameters, dict[str, Array]]:
        """The parameters and optimizer state before mini-batch ``batch`` of the snapshot's
        epoch: its steps from the snapshot run again, exactly as they ran."""
        params = {key: value.copy() for key, value in snapshot.parameters.items()}
        o = make_optimizer(optimizer, beta, beta1, beta2, epsilon)
        o.load_state_dict(snapshot.optimizer)
        rng = _generator(snapshot.dropout_rng, "dropout_rng")
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            for k in range(snapshot.batch, batch):
                X_batch, Y_batch = snapshot.batches[k]
                AL, caches = forward(params, X_batch, rng)
                grads = backward(params, AL, Y_batch, caches, snapshot.learning_rate)
                params = update(params, grads, caches, snapshot.learning_rate, o)
        return params, o.state

    def here(epoch: int, batch: int, shuffle_state: Mapping[str, Any]) -> _Mark:
        """Where the run is now, between two steps."""
        return _Mark(
            snapshot,
            shuffle_state,
            dropout_rng.bit_generator.state,
            epoch,
            batch,
            step,
            {name: len(values) for name, values in vars(history).items()},
        )

    def now(mark: _Mark) -> TrainingState:
        """The state of the run at ``mark``, which is where it is now."""
        return mark.state(history, parameters, opt.state)

    def back(mark: _Mark) -> TrainingState:
        """The state of the run at ``mark``, an earlier point, recomputed."""
        return mark.state(history, *replay(mark.snapshot, mark.batch))

    def diverged(
        error: validate.NonFiniteError, where: str, back_to: _Mark, at: int | None = None
    ) -> TrainingDiverged:
        """Training stops: ``error`` appeared ``where`` in step ``at`` (``step + 1`` unless
        given); the run goes back to ``back_to``, the start of the step whose update led there."""
        at = step + 1 if at is None else at
        cause = f"{error.summary} {where}"
        if back_to.step == 0:  # the very first step: the data's scale, not only the rate
            cause += f" (the largest |X| is {np.max(np.abs(X)):g}: is X normalised?)"
        return TrainingDiverged(
            f"model: training diverged at step {at} (epoch {epoch + 1} of {iteration}): "
            f"{cause}. Try a smaller learning rate than {lr:g}, e.g. {lr / 10:g}: error.state is "
            f"the run before step {back_to.step + 1} (its parameters are the last good ones), "
            "and model(..., resume=error.state, learning_rate=...) goes on from there.",
            back(back_to),
            epoch + 1,
            at,
            cause,
        )

    # Where the step under way and the one before began: a step that blows up goes back to one of
    # them. NaN and inf are checked for at every phase, so NumPy need not warn on the way.
    mark: _Mark | None = None
    with _interrupts_between_steps() as interrupted:
        for epoch in range(state.epoch, iteration):
            lr = learning_rate if decay is None else decay(learning_rate, epoch)
            first = state.batch if epoch == state.epoch else 0
            epoch_start = shuffle_rng.bit_generator.state  # a resumed epoch draws its shuffle again
            batches = random_mini_batches(X, Y, batch_size, int(shuffle_rng.integers(2**32)))
            snapshot = _Snapshot(
                {key: value.copy() for key, value in parameters.items()},
                opt.state_dict(),
                dropout_rng.bit_generator.state,
                first,
                lr,
                batches,
            )
            for k in range(first, steps_per_epoch):
                X_batch, Y_batch = batches[k]
                previous, mark = mark, here(epoch, k, epoch_start)
                event = print_every is not None and (step + 1) % print_every == 0
                try:
                    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                        AL, caches = forward(parameters, X_batch, dropout_rng)
                        loss = float(cost_checked(AL, Y_batch, parameters, lambd))
                        dev = (
                            dev_metrics(parameters)
                            if event and callback is not None
                            else (None, None)
                        )
                except validate.NonFiniteError as error:
                    # The parameters are no good: the update that made them is to blame. The
                    # update is not checked itself (that would scan every parameter at every
                    # step): a NaN or an infinity it wrote is found here, in the next forward.
                    if previous is not None and not _finite(parameters):
                        raise diverged(error, "in the update", previous, step) from None
                    raise diverged(error, "in the forward pass", previous or mark) from None
                try:
                    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                        grads = backward(parameters, AL, Y_batch, caches, lr)
                except validate.NonFiniteError as error:
                    raise diverged(error, "in the backward pass", previous or mark) from None
                try:
                    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                        parameters = update(parameters, grads, caches, lr, opt)
                except validate.NonFiniteError as error:
                    raise diverged(error, "in the update", mark) from None
                step += 1
                if event:
                    history.step.append(step)
                    history.loss.append(loss)
                    if callback is not None:
                        batch_acc = accuracy(labels(AL), Y_batch)
                        callback(
                            Event(
                                epoch + 1,
                                step,
                                iteration,
                                steps_per_epoch,
                                loss,
                                batch_acc,
                                *dev,
                                kind="step",
                            )
                        )
                if interrupted() and k + 1 < steps_per_epoch:
                    raise TrainingInterrupted(
                        f"model: training interrupted after step {step} (epoch {epoch + 1} of "
                        f"{iteration}); model(..., resume=error.state) goes on from there",
                        now(here(epoch, k + 1, epoch_start)),
                    )

            try:
                with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                    train_loss, train_acc = evaluate(parameters, X, Y)
                    dev_loss, dev_acc = dev_metrics(parameters)
            except validate.NonFiniteError as error:
                step -= 1  # report the step whose update gave these parameters
                raise diverged(
                    error, "in the evaluation after the epoch", mark or here(epoch, 0, epoch_start)
                ) from None
            history.epoch.append(epoch + 1)
            history.train_loss.append(train_loss)
            history.train_acc.append(train_acc)
            history.learning_rate.append(float(lr))
            if dev_loss is not None and dev_acc is not None:
                history.dev_loss.append(dev_loss)
                history.dev_acc.append(dev_acc)
            if callback is not None:
                callback(
                    Event(
                        epoch + 1,
                        step,
                        iteration,
                        steps_per_epoch,
                        train_loss,
                        train_acc,
                        dev_loss,
                        dev_acc,
                        kind="epoch",
                    )
                )
            end = here(epoch + 1, 0, shuffle_rng.bit_generator.state)
            if checkpoint is not None:
                checkpoint(now(end))
            if interrupted() and epoch + 1 < iteration:
                raise TrainingInterrupted(
                    f"model: training interrupted after epoch {epoch + 1} of {iteration} "
                    f"(step {step}); model(..., resume=error.state) goes on from there",
                    now(end),
                )
    return parameters, history
