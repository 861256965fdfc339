"""Two-dimensional test functions for the optimisers, and their value grids.

Each Surface contains a torch function of x and y, the region worth looking at,
a default start point, its known minima and learning rates that suit it.
Plain gradient descent needs a rate matched to the steepest slope, while the
adaptive optimisers (AdaGrad, RMSprop, Adam, AdamW) step about their rate in
each coordinate, so the two families get separate defaults.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch

from engine.expression import Expression, parse_expression

MOMENTUM_RATE_FACTOR = 0.5
ADAGRAD_RATE_FACTOR = 5.0

SurfaceFunction = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


@dataclass(frozen=True)
class Surface:
    """A function of (x, y) with the region, start and minima to show it with.

    ``x_range`` and ``y_range`` are (low, high). ``minimum_value`` is the
    function's global minimum when it is known, else None.
    """

    key: str
    label: str
    formula: str
    function: SurfaceFunction
    x_range: tuple[float, float]
    y_range: tuple[float, float]
    start: tuple[float, float]
    minima: list[tuple[float, float]] = field(default_factory=list)
    minimum_value: float | None = None
    gradient_learning_rate: float = 0.01
    adaptive_learning_rate: float = 0.05

    def learning_rate(self, optimizer: str) -> float:
        """Return a learning rate that suits this surface for the optimiser key ``optimizer``."""
        if optimizer in ("momentum", "nesterov"):
            # Momentum 0.9 multiplies the steady-state step by up to 1 / (1 - 0.9) = 10,
            # and Nesterov diverged on the bowl and on Beale at the full plain rate.
            return self.gradient_learning_rate * MOMENTUM_RATE_FACTOR
        if optimizer == "gd":
            return self.gradient_learning_rate
        if optimizer == "adagrad":
            # AdaGrad's step shrinks as squared gradients add up, so it starts larger.
            return self.adaptive_learning_rate * ADAGRAD_RATE_FACTOR
        return self.adaptive_learning_rate

    def grid(self, resolution: int = 200) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Return x (resolution,), y (resolution,) and values (resolution, resolution).

        ``values[i, j]`` is f(x[j], y[i]): rows follow y, as an image does.
        Points where the function is not finite hold NaN.
        """
        xs = np.linspace(*self.x_range, resolution)
        ys = np.linspace(*self.y_range, resolution)
        grid_y, grid_x = np.meshgrid(ys, xs, indexing="ij")
        with torch.no_grad():
            values = self.function(torch.from_numpy(grid_x), torch.from_numpy(grid_y))
        values = np.broadcast_to(values.numpy(), grid_x.shape).astype(np.float64)
        values[~np.isfinite(values)] = np.nan
        return xs, ys, values


def _quadratic_bowl(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    # Condition number 50: the slope along y is 50 times steeper than along x.
    return 0.1 * x**2 + 5 * y**2


def _rosenbrock(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return (1 - x) ** 2 + 100 * (y - x**2) ** 2


def _himmelblau(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return (x**2 + y - 11) ** 2 + (x + y**2 - 7) ** 2


def _saddle(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    # A saddle at the origin between two minima at (0, ±1), with value -0.25.
    return x**2 - y**2 / 2 + y**4 / 4


def _beale(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return ((1.5 - x + x * y) ** 2 + (2.25 - x + x * y**2) ** 2
            + (2.625 - x + x * y**3) ** 2)


SURFACES: dict[str, Surface] = {
    surface.key: surface
    for surface in (
        Surface("bowl", "ill-conditioned bowl", "0.1 x² + 5 y²", _quadratic_bowl,
                (-5.0, 5.0), (-2.0, 2.0), (-4.5, 1.5), [(0.0, 0.0)], 0.0,
                gradient_learning_rate=0.18, adaptive_learning_rate=0.2),
        Surface("rosenbrock", "Rosenbrock", "(1 − x)² + 100 (y − x²)²", _rosenbrock,
                (-2.0, 2.0), (-1.0, 3.0), (-1.5, 2.0), [(1.0, 1.0)], 0.0,
                gradient_learning_rate=0.0005, adaptive_learning_rate=0.05),
        Surface("himmelblau", "Himmelblau", "(x² + y − 11)² + (x + y² − 7)²", _himmelblau,
                (-5.0, 5.0), (-5.0, 5.0), (-0.5, -0.5),
                [(3.0, 2.0), (-2.805118, 3.131312), (-3.779310, -3.283186),
                 (3.584428, -1.848126)], 0.0,
                gradient_learning_rate=0.01, adaptive_learning_rate=0.1),
        Surface("saddle", "saddle", "x² − y²/2 + y⁴/4", _saddle,
                (-2.0, 2.0), (-2.0, 2.0), (-1.8, 0.01), [(0.0, 1.0), (0.0, -1.0)], -0.25,
                gradient_learning_rate=0.05, adaptive_learning_rate=0.05),
        Surface("beale", "Beale", "(1.5 − x + xy)² + (2.25 − x + xy²)² + (2.625 − x + xy³)²",
                _beale, (-4.5, 4.5), (-4.5, 4.5), (1.0, 1.4), [(3.0, 0.5)], 0.0,
                gradient_learning_rate=0.01, adaptive_learning_rate=0.1),
    )
}

TYPED_KEY = "typed"
DEFAULT_TYPED_FUNCTION = "sin(x) * cos(y) + (x**2 + y**2) / 10"


def typed_surface(text: str, x_range: tuple[float, float] = (-3.0, 3.0),
                  y_range: tuple[float, float] = (-3.0, 3.0),
                  start: tuple[float, float] | None = None) -> Surface:
    """Return a Surface for a typed function of x and y.

    Raise ExpressionError for text outside the whitelist, and ValueError for
    an empty range.
    """
    if not (x_range[0] < x_range[1] and y_range[0] < y_range[1]):
        raise ValueError(f"Each range must run from low to high, got x {x_range} and y {y_range}.")
    expression: Expression = parse_expression(text, ("x", "y"))
    if start is None:
        start = (x_range[0] + 0.8 * (x_range[1] - x_range[0]),
                 y_range[0] + 0.8 * (y_range[1] - y_range[0]))
    return Surface(TYPED_KEY, "typed function", expression.text, expression,
                   x_range, y_range, start)
