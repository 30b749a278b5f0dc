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
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from scratch._types import Array
from scratch.minibatch import random_mini_batches
from scratch.network import (
    Parameters,
    accuracy,
    backward_all,
    compute_cost,
    forward_all,
    init_parameters,
    labels,
    update_batchnorm_statistics,
)
from scratch.optimizers import Schedule, make_optimizer


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


def _check_inputs(
    X: Array,
    Y: Array,
    X_dev: Array | None,
    Y_dev: Array | None,
    hidden_layers: Sequence[int],
    keep_prob: float,
    batch_size: int,
    print_every: int | None,
    iteration: int,
) -> None:
    """``ValueError`` for the obvious mistakes; a fuller validation pass is for later."""
    if X.ndim != 2 or Y.ndim != 2 or X.shape[1] != Y.shape[1] or X.shape[1] == 0:
        raise ValueError(
            f"X {X.shape} and Y {Y.shape} must be (n_0, m) and (C, m) with the same m >= 1 "
            "(one column per example)"
        )
    if Y.shape[0] > 1 and not np.allclose(Y.sum(axis=0), 1):
        raise ValueError(f"Y {Y.shape} with more than one row must be one-hot (columns sum to 1)")
    if (X_dev is None) != (Y_dev is None):
        raise ValueError("give both X_dev and Y_dev, or neither")
    if (
        X_dev is not None
        and Y_dev is not None
        and (
            X_dev.ndim != 2
            or Y_dev.ndim != 2
            or X_dev.shape[1] != Y_dev.shape[1]
            or X_dev.shape[0] != X.shape[0]
            or Y_dev.shape[0] != Y.shape[0]
        )
    ):
        raise ValueError(
            f"X_dev {X_dev.shape} and Y_dev {Y_dev.shape} must be ({X.shape[0]}, m_dev) and "
            f"({Y.shape[0]}, m_dev)"
        )
    if any(int(n) < 1 for n in hidden_layers):
        raise ValueError(f"every hidden layer needs width >= 1, got {list(hidden_layers)}")
    if not 0 < keep_prob <= 1:
        raise ValueError(f"keep_prob must be in (0, 1], got {keep_prob!r}")
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size!r}")
    if print_every is not None and print_every < 1:
        raise ValueError(f"print_every must be >= 1 (or None), got {print_every!r}")
    if iteration < 0:
        raise ValueError(f"iteration (the number of epochs) must be >= 0, got {iteration!r}")


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
    """
    X, Y = np.asarray(X, dtype=dtype), np.asarray(Y, dtype=dtype)
    if X_dev is not None:
        X_dev = np.asarray(X_dev, dtype=dtype)
    if Y_dev is not None:
        Y_dev = np.asarray(Y_dev, dtype=dtype)
    _check_inputs(X, Y, X_dev, Y_dev, hidden_layers, keep_prob, batch_size, print_every, iteration)

    output = "sigmoid" if Y.shape[0] == 1 else "softmax"
    layer_dims = [X.shape[0], *(int(n) for n in hidden_layers), Y.shape[0]]
    parameters = init_parameters(layer_dims, init, seed, batch_norm, dtype)
    opt = make_optimizer(optimizer, beta, beta1, beta2, epsilon)
    # Independent streams for shuffling and dropout, both determined by seed.
    shuffle_rng = np.random.default_rng([seed, 1])
    dropout_rng = np.random.default_rng([seed, 2])
    steps_per_epoch = math.ceil(X.shape[1] / batch_size)
    history = History()

    def evaluate(X_eval: Array, Y_eval: Array) -> tuple[float, float]:
        """Cross-entropy and accuracy in prediction mode (no dropout, no L2 penalty)."""
        AL, _ = forward_all(
            X_eval, parameters, hidden_activation, output, batch_norm=batch_norm, training=False
        )
        return float(compute_cost(AL, Y_eval, parameters)), accuracy(labels(AL), Y_eval)

    def dev_metrics() -> tuple[float | None, float | None]:
        if X_dev is None or Y_dev is None:
            return None, None
        return evaluate(X_dev, Y_dev)

    step = 0
    for epoch in range(iteration):
        lr = learning_rate if decay is None else decay(learning_rate, epoch)
        batch_seed = int(shuffle_rng.integers(2**32))
        for X_batch, Y_batch in random_mini_batches(X, Y, batch_size, batch_seed):
            AL, caches = forward_all(
                X_batch, parameters, hidden_activation, output, keep_prob, dropout_rng, batch_norm
            )
            grads = backward_all(AL, Y_batch, caches, lambd)
            step += 1
            if print_every is not None and step % print_every == 0:
                loss = float(compute_cost(AL, Y_batch, parameters, lambd))
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
                            *dev_metrics(),
                            kind="step",
                        )
                    )
            if batch_norm:
                parameters = update_batchnorm_statistics(parameters, caches)
            parameters = opt.step(parameters, grads, lr)

        train_loss, train_acc = evaluate(X, Y)
        dev_loss, dev_acc = dev_metrics()
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
    return parameters, history
