"""Gradient-based descent on small functions, one torch.optim step at a time.

A Descent minimises a function of a few parameters (one for a curve, two for
a surface or a two-parameter model) from a start point. Each ``step()`` takes
the gradient by autograd and lets a torch.optim optimiser move the point, so
the traces show what the library optimisers really do.

A run ends in one of three ways:

- converged: a step moved the point by less than ``precision`` (Euclidean
  distance), e.g. the classic x <- x - lr * f'(x) on f(x) = x^4 - 3x^3 + 2
  from x = 6 with lr 0.01 and precision 1e-5 stops near x = 9/4;
- diverged: the point or the function value became NaN or infinite, or the
  point left the box ``|coordinate| <= bound``;
- step limit: ``max_steps`` steps passed without meeting the precision.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch

from engine.expression import Expression
from engine.optimizers import build_optimizer, build_schedule, optimizer_spec

log = logging.getLogger(__name__)

RUNNING = "running"
CONVERGED = "converged"
DIVERGED = "diverged"
STEP_LIMIT = "step limit"

# A function of a parameter tensor of shape (d,) that returns a scalar tensor.
Objective = Callable[[torch.Tensor], torch.Tensor]


@dataclass
class DescentConfig:
    """Settings of one descent run.

    ``precision`` is the distance below which a step counts as converged; None
    runs to ``max_steps``. ``bound`` is the largest absolute coordinate before
    the run counts as diverged. ``schedule`` is one of constant, step and
    cosine, with ``schedule_period`` in steps.
    """

    optimizer: str = "gd"
    hyperparameters: dict[str, float] = field(default_factory=dict)
    schedule: str = "constant"
    schedule_period: int = 100
    precision: float | None = 1e-5
    max_steps: int = 10_000
    bound: float = 1e6

    def validate(self) -> None:
        """Raise ValueError with a sentence for an out-of-range setting."""
        optimizer_spec(self.optimizer)
        if self.precision is not None and not self.precision > 0:
            raise ValueError(f"The precision must be positive, got {self.precision}.")
        if self.max_steps < 1:
            raise ValueError(f"The step limit must be at least 1, got {self.max_steps}.")
        if not self.bound > 0:
            raise ValueError(f"The divergence bound must be positive, got {self.bound}.")


class Descent:
    """One optimiser minimising ``objective`` from ``start``, one step per call.

    ``points`` has one (d,) array per step plus the start, and ``values`` the
    objective at each. ``gradients[k]`` and ``learning_rates[k]`` are those
    that step k + 1 used, so they are one shorter than ``points``. When
    ``step_loss`` is given (e.g. the loss on a random mini-batch), the
    gradient comes from it, while ``values`` still records ``objective``.
    """

    def __init__(self, objective: Objective, start, config: DescentConfig | None = None,
                 step_loss: Objective | None = None):
        self.config = config or DescentConfig()
        self.config.validate()
        self.objective = objective
        self.step_loss = step_loss or objective
        start_point = np.atleast_1d(np.asarray(start, dtype=np.float64)).copy()
        self.params = torch.tensor(start_point, dtype=torch.float64, requires_grad=True)
        self.optimizer = build_optimizer(self.config.optimizer, [self.params],
                                         self.config.hyperparameters)
        self.schedule = build_schedule(self.config.schedule, self.optimizer,
                                       self.config.schedule_period)
        self.points: list[np.ndarray] = [start_point]
        self.values: list[float] = [self._value_at(self.params)]
        self.gradients: list[np.ndarray] = []
        self.learning_rates: list[float] = []
        self.status = RUNNING
        self.message = ""
        self._check_start(start_point)

    @property
    def steps(self) -> int:
        return len(self.points) - 1

    @property
    def finished(self) -> bool:
        return self.status != RUNNING

    @property
    def diverged_at(self) -> int | None:
        """The step at which the run diverged, or None."""
        return self.steps if self.status == DIVERGED else None

    def step(self) -> None:
        """Take one optimiser step and update the status; do nothing once finished."""
        if self.finished:
            return
        # Same as optimizer.zero_grad() (set_to_none), without its profiler hooks, which
        # took a fifth of a step on two parameters.
        self.params.grad = None
        loss = self.step_loss(self.params)
        loss.backward()
        self.gradients.append(self.params.grad.detach().numpy().copy())
        self.learning_rates.append(float(self.optimizer.param_groups[0]["lr"]))
        self.optimizer.step()
        if self.schedule is not None:
            self.schedule.step()

        point = self.params.detach().numpy().copy()
        self.points.append(point)
        self.values.append(self._value_at(self.params))
        self._update_status()

    def run(self, max_steps: int | None = None) -> str:
        """Step until the run finishes, or at most ``max_steps`` more steps; return the status."""
        remaining = math.inf if max_steps is None else max_steps
        while not self.finished and remaining > 0:
            self.step()
            remaining -= 1
        return self.status

    def gradient_at(self, point) -> np.ndarray:
        """Return the objective's gradient at ``point`` by autograd, as a (d,) array."""
        params = torch.tensor(np.atleast_1d(point), dtype=torch.float64, requires_grad=True)
        value = self.objective(params)
        (gradient,) = torch.autograd.grad(value, params)
        return gradient.numpy()

    def summary(self) -> str:
        """Return one sentence on the run's state, e.g. 'minimum at x = 2.25 after 70 steps'."""
        if self.status == CONVERGED:
            return f"minimum at {_format_point(self.points[-1])} after {self.steps} steps"
        if self.status in (DIVERGED, STEP_LIMIT):
            return self.message
        return f"running: step {self.steps} at {_format_point(self.points[-1])}"

    def _value_at(self, params: torch.Tensor) -> float:
        with torch.no_grad():
            return float(self.objective(params))

    def _check_start(self, start: np.ndarray) -> None:
        if not np.all(np.isfinite(start)) or np.max(np.abs(start)) > self.config.bound:
            raise ValueError(f"The start point {_format_point(start)} must be finite and within "
                             f"±{self.config.bound:g}.")
        if not math.isfinite(self.values[0]):
            raise ValueError(f"The function is not defined at the start point "
                             f"{_format_point(start)}; its value is {self.values[0]}.")

    def _update_status(self) -> None:
        point, value = self.points[-1], self.values[-1]
        reason = self._divergence_reason(point, value)
        if reason:
            self.status = DIVERGED
            self.message = f"diverged at step {self.steps}: {reason}"
        elif self._moved_less_than_precision():
            self.status = CONVERGED
        elif self.steps >= self.config.max_steps:
            self.status = STEP_LIMIT
            self.message = self._step_limit_message(point)
        if self.finished:
            log.debug("descent %s: %s", self.config.optimizer, self.summary())

    def _step_limit_message(self, point: np.ndarray) -> str:
        where = f"at {_format_point(point)}"
        if self.config.precision is None:
            return f"stopped at the step limit of {self.steps} steps {where}"
        return (f"no minimum found: stopped at the step limit of {self.steps} steps {where} "
                f"before a step moved less than the precision {self.config.precision:g}")

    def _divergence_reason(self, point: np.ndarray, value: float) -> str:
        # Python floats: numpy's per-call overhead dominates on one or two coordinates.
        coordinates = point.tolist()
        if not all(math.isfinite(c) for c in coordinates):
            return "the point became NaN or infinite"
        if max(abs(c) for c in coordinates) > self.config.bound:
            return f"the point {_format_point(point)} left the box ±{self.config.bound:g}"
        if not math.isfinite(value):
            return f"the function value became {value}"
        return ""

    def _moved_less_than_precision(self) -> bool:
        if self.config.precision is None:
            return False
        distance = math.dist(self.points[-1].tolist(), self.points[-2].tolist())
        return distance < self.config.precision


def _format_point(point: np.ndarray) -> str:
    coordinates = [f"{float(c):.10g}" for c in np.atleast_1d(point)]
    if len(coordinates) == 1:
        return f"x = {coordinates[0]}"
    if len(coordinates) == 2:
        return f"(x, y) = ({coordinates[0]}, {coordinates[1]})"
    return f"({', '.join(coordinates)})"


def line_descent(function: Expression, start: float,
                 config: DescentConfig | None = None) -> Descent:
    """Return a Descent on a function of x, e.g. ``parse_expression('x**4 - 3*x**3 + 2')``."""
    return Descent(lambda params: function(params[0]), [start], config)


def surface_descent(function: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
                    start, config: DescentConfig | None = None) -> Descent:
    """Return a Descent on a function of x and y from the (x, y) point ``start``."""
    return Descent(lambda params: function(params[0], params[1]), start, config)
