"""Full-batch, stochastic and mini-batch gradient descent on a two-parameter fit.

The model is a line, y_hat = w * x + b, fitted by mean squared error to a
small seeded noisy data set. With two parameters the loss is a surface over
(w, b), so the three ways of estimating its gradient can be drawn on one
contour map. The full batch follows the true slope. SGD (one sample per step)
wanders because each sample's slope points elsewhere. A mini-batch of B
samples averages that noise down by about sqrt(B).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import torch

from engine.descent import Descent, DescentConfig
from engine.surfaces import Surface

FULL_BATCH = "full batch"
SGD = "SGD"
MINI_BATCH = "mini-batch"


@dataclass(frozen=True)
class NoisyLine:
    """Samples y = true_slope * x + true_intercept + Gaussian noise; x and y are (N,) float64."""

    x: torch.Tensor
    y: torch.Tensor
    true_slope: float
    true_intercept: float

    def __len__(self) -> int:
        return len(self.x)

    def loss(self, slope: torch.Tensor, intercept: torch.Tensor,
             indices: torch.Tensor | None = None) -> torch.Tensor:
        """Return the mean squared error of y_hat = slope * x + intercept.

        ``slope`` and ``intercept`` may have any shape, e.g. a (R, R) grid, and
        the result has that shape. ``indices`` picks a batch; None uses all samples.
        """
        x, y = (self.x, self.y) if indices is None else (self.x[indices], self.y[indices])
        residuals = slope[..., None] * x + intercept[..., None] - y
        return (residuals**2).mean(dim=-1)

    def least_squares(self) -> tuple[float, float]:
        """Return the (slope, intercept) that minimise the loss, by a direct solve."""
        design = torch.stack([self.x, torch.ones_like(self.x)], dim=1)
        solution = torch.linalg.lstsq(design, self.y[:, None]).solution
        return float(solution[0, 0]), float(solution[1, 0])


def make_noisy_line(count: int = 60, noise: float = 0.5, seed: int = 0) -> NoisyLine:
    """Return ``count`` seeded samples of y = 1.5 x - 0.5 + noise, with x uniform in [-1, 3].

    x is not centred on 0, so slope and intercept are correlated and the loss
    contours are tilted ellipses rather than circles.
    """
    if count < 2:
        raise ValueError(f"The data set needs at least 2 samples, got {count}.")
    generator = torch.Generator().manual_seed(seed)
    x = torch.rand(count, generator=generator, dtype=torch.float64) * 4 - 1
    y = 1.5 * x - 0.5 + noise * torch.randn(count, generator=generator, dtype=torch.float64)
    return NoisyLine(x, y, 1.5, -0.5)


class BatchSampler:
    """Yield batches of sample indices, reshuffled every epoch by a seeded generator.

    A batch never spans two epochs, so the last batch of an epoch can be
    smaller when ``batch_size`` does not divide the sample count.
    """

    def __init__(self, count: int, batch_size: int, seed: int):
        if not 1 <= batch_size <= count:
            raise ValueError(f"The batch size must be between 1 and {count}, got {batch_size}.")
        self.count = count
        self.batch_size = batch_size
        self._generator = torch.Generator().manual_seed(seed)
        self._order = torch.empty(0, dtype=torch.long)

    def next_batch(self) -> torch.Tensor:
        if len(self._order) == 0:
            self._order = torch.randperm(self.count, generator=self._generator)
        batch, self._order = self._order[:self.batch_size], self._order[self.batch_size:]
        return batch


def loss_surface(data: NoisyLine, margin: float = 3.0) -> Surface:
    """Return the full-data loss over (slope, intercept) as a Surface around its minimum.

    The Surface's x is the slope w and its y the intercept b.
    """
    slope, intercept = data.least_squares()
    minimum = float(data.loss(torch.tensor(slope, dtype=torch.float64),
                              torch.tensor(intercept, dtype=torch.float64)))
    return Surface("line-fit", "line fit", "mean of (w x + b − y)²", data.loss,
                   (slope - margin, slope + margin), (intercept - margin, intercept + margin),
                   (slope - 0.8 * margin, intercept + 0.8 * margin), [(slope, intercept)],
                   minimum, gradient_learning_rate=0.05)


def stochastic_runs(data: NoisyLine, start, config: DescentConfig, batch_size: int,
                    seed: int = 0) -> dict[str, Descent]:
    """Return three Descents from ``start``: full batch, SGD and mini-batches of ``batch_size``.

    All three use ``config`` (usually plain gradient descent) and record the
    full-data loss at every point. Only the batch that each step's gradient
    comes from differs.
    """
    config = replace(config, precision=None)

    def objective(params: torch.Tensor) -> torch.Tensor:
        return data.loss(params[0], params[1])

    runs = {FULL_BATCH: Descent(objective, start, config)}
    for name, size in ((SGD, 1), (MINI_BATCH, batch_size)):
        sampler = BatchSampler(len(data), size, seed)
        runs[name] = Descent(objective, start, config, step_loss=_batch_loss(data, sampler))
    return runs


def _batch_loss(data: NoisyLine, sampler: BatchSampler):
    def loss(params: torch.Tensor) -> torch.Tensor:
        return data.loss(params[0], params[1], sampler.next_batch())

    return loss


def distance_from(reference: Descent, run: Descent) -> float:
    """Return the mean distance between two traces, point by point over their common steps."""
    steps = min(reference.steps, run.steps) + 1
    first = np.array(reference.points[:steps])
    second = np.array(run.points[:steps])
    return float(np.linalg.norm(first - second, axis=1).mean())
