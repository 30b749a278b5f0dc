"""Optimizers (gradient descent, momentum, RMSprop, Adam) and learning-rate schedules.

An optimizer turns the gradients ``grads = {"dW1": ..., "db1": ...}`` into new parameters
``{"W1": ..., "b1": ...}``: ``p = p - learning_rate * direction(dp)``. Its ``state`` is a plain
dict of arrays (``"v_dW1"``, ``"s_dW1"``, ``"t"``), so it can be saved with ``np.savez`` and put
back with ``load_state_dict``. A step puts new arrays into the state and never writes into the
old ones, so a shallow copy ``dict(optimizer.state)`` is a snapshot to go back to (``model`` keeps
one to undo a step that blew up). The parameters belong to the caller and are never changed in
place either: ``step`` returns new ones. The gradients are not written into either, unless the
caller gives them away with ``step(..., overwrite_grads=True)``. ``step(..., in_place=True)``
writes into the parameters and the state instead, for a caller that keeps its own copies to go
back to (``model`` does, at the start of each epoch): each moving average and each step is then
one pass of BLAS (``blas.add_scaled``), Adam's whole update 7 passes over memory instead of 13.

A step makes as few parameter-sized arrays and passes over them as the arithmetic allows: an
update is bound by memory, and Adam's of a 784-1024 layer costs about as much as one of the
layer's matrix products. Every in-place trick computes the same values, in the same order, as the
formula beside it.

Names as in the course: ``v`` is the moving average of the gradients (momentum, Adam's first
moment), ``s`` the moving average of their squares (RMSprop, Adam's second moment).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from scratch import validate
from scratch._types import Array
from scratch.blas import add_scaled

Parameters = dict[str, Array]
Gradients = Mapping[str, Array]
#: A learning-rate schedule: ``(learning_rate0, epoch) -> learning rate of that epoch``.
Schedule = Callable[[float, int], float]


class Optimizer:
    """Gradient descent: ``p = p - learning_rate * dp``. The other optimizers change the
    direction ``dp`` into something better; the step is the same."""

    def __init__(self) -> None:
        self.state: dict[str, Array] = {"t": np.array(0)}

    def step(
        self,
        parameters: Parameters,
        grads: Gradients,
        learning_rate: float,
        *,
        overwrite_grads: bool = False,
        in_place: bool = False,
    ) -> Parameters:
        """New parameters after one update with every gradient in ``grads``.

        ``grads["dW1"]`` updates ``parameters["W1"]`` (same shape); parameters without a gradient
        are carried over unchanged. ``state["t"]`` counts the steps.

        ``overwrite_grads``: the caller no longer needs ``grads``, so their arrays may be written
        over (a new parameter may end up in its gradient's array), which saves a parameter-sized
        array per step. The old parameters stay as they were either way.

        ``in_place``: the update is written into the parameters' own arrays and the state's
        (``descend_in_place``: fewer passes over memory), the gradients given away as with
        ``overwrite_grads``. For a caller that keeps its own copies to go back to (``model``);
        a parameter that cannot take it (not a writeable float array like its gradient) gets a
        new array as usual.
        """
        learning_rate = validate.number("Optimizer.step", "learning_rate", learning_rate, 0.0)
        for key, grad in grads.items():
            name = key.removeprefix("d")
            if name == key or name not in parameters:
                raise ValueError(f"gradient {key!r} has no parameter {name!r}")
            if np.shape(grad) != np.shape(parameters[name]):
                raise ValueError(
                    f"Optimizer.step: {key} is {np.shape(grad)} but {name} is "
                    f"{np.shape(parameters[name])}: a gradient has the shape of its parameter"
                )
        self.state["t"] = np.array(int(self.state["t"]) + 1)
        updated = dict(parameters)
        for key, grad in grads.items():
            name = key.removeprefix("d")
            if in_place and _in_place_fits(parameters[name], grad):
                self.descend_in_place(key, parameters[name], grad, learning_rate)
                continue
            direction = self.direction(key, grad)
            # The step may be written over a direction that nothing else holds: a temporary of
            # direction(), or the gradient itself when the caller gave it away.
            spare = self.NEW_DIRECTION or (overwrite_grads and direction is grad)
            updated[name] = _descend(parameters[name], learning_rate, direction, spare)
        return updated

    def direction(self, key: str, grad: Array) -> Array:
        """The direction of the step for gradient ``key``: here the gradient itself."""
        return grad

    def descend_in_place(self, key: str, parameter: Array, grad: Array, rate: float) -> None:
        """``step``'s update of one parameter written into its array (and the state's), ``grad``
        given away: here ``parameter -= rate * grad``, one pass (``blas.add_scaled``)."""
        add_scaled(parameter, grad, -rate)

    def _average_in_place(self, name: str, value: Array, beta: float) -> Array:
        """``state[name] = beta * state[name] + (1 - beta) * value`` (0 at first), in place."""
        average = self.state.get(name)
        if average is None:
            average = self.state[name] = np.zeros_like(value)
        add_scaled(average, value, 1 - beta, beta)
        return average

    #: The name ``make_optimizer`` knows it by.
    NAME = "gd"
    #: Whether ``direction`` returns a new array that nothing else holds (not the gradient, not
    #: a moving average of the state), which the step may then write over.
    NEW_DIRECTION = False
    #: The moving averages the state keeps: ``"v"`` (of the gradients), ``"s"`` (of their
    #: squares), each as ``"v_dW1"``, ... per gradient.
    AVERAGES: tuple[str, ...] = ()

    def _average(self, name: str, value: Array, beta: float, spare: bool = False) -> Array:
        """``state[name] = beta * state[name] + (1 - beta) * value`` (0 at first), a new array:
        the old one is left as it was, for a snapshot of the state. ``spare``: ``value`` is a
        temporary of the caller's, which may be written over."""
        previous = self.state.get(name)
        if previous is None:  # not .get(name, zeros): that would fill a new array every step
            previous = np.zeros_like(value)
        average = beta * previous
        # (1 - beta) * value in place when value is a spare temporary (of floats: the square of
        # an integer gradient is an integer array), then += into the new average: the same
        # products and sum, without a large temporary of their own.
        if spare and value.dtype.kind == "f":
            value *= 1 - beta
        else:
            value = (1 - beta) * value
        average += value
        self.state[name] = average
        return average

    def state_dict(self) -> dict[str, Array]:
        """A copy of the state: a plain dict of arrays."""
        return {key: value.copy() for key, value in self.state.items()}

    def load_state_dict(self, state: Mapping[str, Array]) -> None:
        """Continue from a saved state (copied, so the saved arrays stay as they are).

        ``ValueError`` for a state that is not this optimizer's: a moving average it does not keep
        (``"v_dW1"`` given to RMSprop), no step count ``"t"``, or a value that is not finite."""
        where = f"{type(self).__name__}.load_state_dict"
        kept = self.AVERAGES
        for key, value in state.items():
            if key != "t" and key.split("_d", 1)[0] not in kept:
                raise ValueError(
                    f"{where}: the state has {key!r}, which the {self.NAME!r} optimizer does not "
                    f"keep (it keeps the step count 't'{''.join(f', {k}_d...' for k in kept)}): "
                    "a state saved by another optimizer?"
                )
            validate.finite(where, key, validate.real_array(where, key, value))
        if "t" not in state:
            raise ValueError(f"{where}: the state has no step count 't'")
        t = np.asarray(state["t"])
        if t.ndim != 0:
            raise ValueError(f"{where}: the step count 't' must be a single number, got {t.shape}")
        validate.integer(where, "t", t.item(), minimum=0)
        self.state = {key: np.array(value, copy=True) for key, value in state.items()}


def _descend(parameter: Array, learning_rate: float, direction: Array, spare: bool) -> Array:
    """``parameter - learning_rate * direction``, a new array (``parameter`` is not changed).
    ``spare``: ``direction`` may be written over, and then holds the result."""
    if spare and _holds(direction, parameter):
        # The product in place, over the spare direction: the same rounding, no new array.
        step = np.multiply(direction, learning_rate, out=direction)
    else:
        step = learning_rate * direction
        if not isinstance(step, np.ndarray) or step.dtype != np.result_type(parameter, step):
            return parameter - step  # a 0-d product is a NumPy scalar; a wider parameter upcasts
    # The difference is written over the product, which nothing else holds: the same rounding,
    # one large temporary fewer per parameter and step.
    return np.subtract(parameter, step, out=step)


def _in_place_fits(parameter: Array, grad: Array) -> bool:
    """Whether ``parameter``'s update can be written into it, and ``grad`` over: writeable float
    arrays of one dtype, shape and memory order."""
    return (
        isinstance(parameter, np.ndarray)
        and isinstance(grad, np.ndarray)
        and parameter.flags.writeable
        and grad.flags.writeable
        and parameter.dtype.kind == "f"
        and grad.dtype == parameter.dtype
        and grad.shape == parameter.shape
        and grad.strides == parameter.strides
        and (parameter.flags.c_contiguous or parameter.flags.f_contiguous)
    )


def _holds(direction: Array, parameter: Array) -> bool:
    """Whether ``parameter - learning_rate * direction`` can be computed in ``direction``'s own
    array: a writable float array of the result's dtype (not an integer gradient, nor a float32
    one for a float64 parameter, whose step is float64)."""
    return (
        isinstance(direction, np.ndarray)
        and direction.flags.writeable
        and direction.dtype.kind == "f"
        and direction.dtype == np.result_type(parameter, direction)
    )


GradientDescent = Optimizer


class Momentum(Optimizer):
    """Momentum, the course's moving-average form:

    ``v = beta * v + (1 - beta) * dp``,  ``p = p - learning_rate * v``.

    (torch's ``SGD(momentum=mu)`` keeps ``v = mu * v + dp`` instead, without ``1 - beta``: the same
    direction, ``1 / (1 - beta)`` times longer once the average has settled.)
    """

    NAME = "momentum"
    AVERAGES = ("v",)

    def __init__(self, beta: float = 0.9) -> None:
        super().__init__()
        self.beta = validate.number("Momentum", "beta", beta, 0.0, 1.0, high_open=True)

    def direction(self, key: str, grad: Array) -> Array:
        return self._average(f"v_{key}", grad, self.beta)

    def descend_in_place(self, key: str, parameter: Array, grad: Array, rate: float) -> None:
        add_scaled(parameter, self._average_in_place(f"v_{key}", grad, self.beta), -rate)


class RMSprop(Optimizer):
    """RMSprop: ``s = beta * s + (1 - beta) * dp**2``,
    ``p = p - learning_rate * dp / (sqrt(s) + epsilon)``.

    ``epsilon`` is added outside the square root, as in the course and in torch's RMSprop.
    """

    NAME = "rmsprop"
    AVERAGES = ("s",)
    NEW_DIRECTION = True

    def __init__(self, beta: float = 0.999, epsilon: float = 1e-8) -> None:
        super().__init__()
        self.beta = validate.number("RMSprop", "beta", beta, 0.0, 1.0, high_open=True)
        self.epsilon = validate.number("RMSprop", "epsilon", epsilon, 0.0, low_open=True)

    def direction(self, key: str, grad: Array) -> Array:
        s = self._average(f"s_{key}", grad * grad, self.beta, spare=True)
        # sqrt(s) + epsilon, then the quotient, each written over the new square root (unless
        # the quotient is of a wider dtype: a float64 gradient over a float32 state).
        denominator = np.asarray(np.sqrt(s))  # asarray: the square root of a 0-d s is a scalar
        denominator += self.epsilon
        same = denominator.dtype == np.result_type(grad, denominator)
        return np.divide(grad, denominator, out=denominator if same else None)

    def descend_in_place(self, key: str, parameter: Array, grad: Array, rate: float) -> None:
        s = self._average_in_place(f"s_{key}", grad * grad, self.beta)
        denominator = np.sqrt(s)
        denominator += self.epsilon
        add_scaled(parameter, np.divide(grad, denominator, out=denominator), -rate)


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015), with bias correction. With ``t`` the number of steps so far:

    ``v = beta1 * v + (1 - beta1) * dp``            (moving average of the gradients)
    ``s = beta2 * s + (1 - beta2) * dp**2``         (moving average of their squares)
    ``v_hat = v / (1 - beta1**t)``, ``s_hat = s / (1 - beta2**t)``   (bias correction)
    ``p = p - learning_rate * v_hat / (sqrt(s_hat) + eps)``.
    """

    NAME = "adam"
    AVERAGES = ("v", "s")
    NEW_DIRECTION = True

    def __init__(self, beta1: float = 0.9, beta2: float = 0.999, epsilon: float = 1e-8) -> None:
        super().__init__()
        self.beta1 = validate.number("Adam", "beta1", beta1, 0.0, 1.0, high_open=True)
        self.beta2 = validate.number("Adam", "beta2", beta2, 0.0, 1.0, high_open=True)
        self.epsilon = validate.number("Adam", "epsilon", epsilon, 0.0, low_open=True)

    def direction(self, key: str, grad: Array) -> Array:
        t = int(self.state["t"])
        v = self._average(f"v_{key}", grad, self.beta1)
        s = self._average(f"s_{key}", grad * grad, self.beta2, spare=True)
        # Bias correction: v and s start at 0, so after t steps they are (1 - beta**t) times the
        # average they estimate (for a constant gradient); dividing undoes that shrinkage.
        s_hat = np.asarray(s / (1 - self.beta2**t))  # asarray: a 0-d quotient is a scalar
        # v_hat / (sqrt(s_hat) + epsilon), each step written over s_hat, a new array (the same
        # arithmetic; one large array for the whole direction).
        denominator = np.sqrt(s_hat, out=s_hat)
        denominator += self.epsilon
        return np.divide(_unbias(v, self.beta1, t), denominator, out=denominator)

    def descend_in_place(self, key: str, parameter: Array, grad: Array, rate: float) -> None:
        """The same step in 7 passes over memory, 3 of them one BLAS call each, with the bias
        corrections folded into two numbers (Kingma & Ba's "more efficient" order, section 2):
        multiplying ``v_hat / (sqrt(s_hat) + eps)``'s top and bottom by ``c = sqrt(1 - beta2**t)``,

        ``p = p - (rate * c / (1 - beta1**t)) * v / (sqrt(s) + eps * c)``

        which is the update above, rounded differently."""
        t = int(self.state["t"])
        v = self._average_in_place(f"v_{key}", grad, self.beta1)
        np.multiply(grad, grad, out=grad)  # the gradient is given away: its square over it
        s = self._average_in_place(f"s_{key}", grad, self.beta2)
        c = math.sqrt(1 - self.beta2**t)
        denominator = np.sqrt(s, out=grad)
        denominator += self.epsilon * c
        add_scaled(
            parameter, np.divide(v, denominator, out=denominator), -rate * c / (1 - self.beta1**t)
        )


def _unbias(average: Array, beta: float, t: int) -> Array:
    """``average / (1 - beta**t)``, Adam's bias correction. Once ``1 - beta**t`` rounds to 1 in
    ``average``'s dtype (in float32, after 165 steps for ``beta = 0.9``), the division, which
    NumPy does in that dtype, returns ``average`` unchanged: it is skipped (one pass fewer)."""
    correction = 1 - beta**t
    if isinstance(average, np.ndarray) and average.dtype.type(correction) == 1:
        return average
    return average / correction


OPTIMIZERS = ("gd", "momentum", "rmsprop", "adam")


def make_optimizer(
    name: str,
    beta: float = 0.9,
    beta1: float = 0.9,
    beta2: float = 0.999,
    epsilon: float = 1e-8,
) -> Optimizer:
    """The optimizer called ``name``, in the course's notation: ``beta`` is momentum's average,
    ``beta1`` Adam's first moment, ``beta2`` the average of the squares (RMSprop's and Adam's)."""
    if name == "gd":
        return GradientDescent()
    if name == "momentum":
        return Momentum(beta)
    if name == "rmsprop":
        return RMSprop(beta2, epsilon)
    if name == "adam":
        return Adam(beta1, beta2, epsilon)
    raise ValueError(f"unknown optimizer {name!r}; expected one of {OPTIMIZERS}")


# --- Learning-rate schedules: (learning_rate0, epoch) -> learning rate, epochs counted from 0 ---


@dataclass(frozen=True)
class InverseTimeDecay:
    """``learning_rate = learning_rate0 / (1 + decay_rate * epoch)``."""

    decay_rate: float = 1.0

    def __call__(self, learning_rate0: float, epoch: int) -> float:
        return learning_rate0 / (1 + self.decay_rate * epoch)


@dataclass(frozen=True)
class ExponentialDecay:
    """``learning_rate = learning_rate0 * decay_rate**epoch`` (torch's ``ExponentialLR``)."""

    decay_rate: float = 0.95

    def __call__(self, learning_rate0: float, epoch: int) -> float:
        return learning_rate0 * self.decay_rate**epoch


@dataclass(frozen=True)
class StepDecay:
    """The course's ``schedule_lr_decay``: inverse-time decay that changes only every
    ``time_interval`` epochs,
    ``learning_rate = learning_rate0 / (1 + decay_rate * floor(epoch / time_interval))``.

    (torch's ``StepLR`` multiplies by ``gamma`` every ``step_size`` epochs instead.)
    """

    decay_rate: float = 1.0
    time_interval: int = 1000

    def __post_init__(self) -> None:
        if self.time_interval < 1:
            raise ValueError(f"time_interval must be >= 1, got {self.time_interval!r}")

    def __call__(self, learning_rate0: float, epoch: int) -> float:
        return learning_rate0 / (1 + self.decay_rate * (epoch // self.time_interval))
