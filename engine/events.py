"""Events that jobs return to the code that runs them: plain data, no Qt."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class Progress:
    """Job progress: steps done of the total, speed and time left."""

    step: int
    total_steps: int
    epoch: int
    total_epochs: int
    samples_per_second: float
    eta_seconds: float


@dataclass
class Metrics:
    """Named values measured at one step, e.g. {"loss": 0.12}."""

    step: int
    values: dict[str, float]
    epoch: int | None = None


@dataclass
class Images:
    """An image batch (N, H, W) in [0, 1] with a name for the view that shows it."""

    name: str
    images: np.ndarray
    labels: dict = field(default_factory=dict)


@dataclass
class Snapshot:
    """A copy of a model's weights (CPU tensors) published for other threads."""

    name: str
    state_dict: dict
    config: dict


@dataclass
class Paused:
    """The job stopped itself and waits; `reason` is a sentence for the user."""

    reason: str


@dataclass
class Finished:
    """The job ran to its end or was stopped; `summary` contains final figures."""

    stopped: bool
    summary: dict = field(default_factory=dict)


@dataclass
class Failed:
    """The job raised; `reason` is a sentence for the user."""

    reason: str


@dataclass
class TestResults:
    """The classifier's verdict on the whole test set after an epoch.

    `images` (N, 28, 28) and `labels` (N,) are the test set itself, shared
    and not copied; `predicted` (N,) contains the predicted digits.
    """

    __test__ = False  # not a pytest test class despite the name

    epoch: int
    images: np.ndarray
    labels: np.ndarray
    predicted: np.ndarray
