"""Train the same deep network from several initialisations side by side.

`InitTraining.step()` does one SGD update of every scheme's network on the
same mini-batch of digits and returns the losses as one Metrics event, with
keys "loss/<scheme>". Plain SGD with momentum shows the initialisation's
effect on learning speed: adaptive optimisers such as Adam rescale each
weight's update and hide part of it.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from engine.data import DigitData
from engine.events import Finished, Metrics, Progress
from engine.init_statistics import standardize_digits
from engine.initialization import CLASSES, DeepMLP, InitConfig, initialize_network, validate_scheme

log = logging.getLogger(__name__)

MOMENTUM = 0.9


@dataclass
class InitTrainingConfig:
    """The network, the schemes to compare and the SGD settings of a short run."""

    schemes: tuple[str, ...] = ("small", "xavier", "he")
    depth: int = 10
    width: int = 256
    activation: str = "tanh"
    steps: int = 200
    batch_size: int = 64
    learning_rate: float = 0.01
    seed: int = 0

    def validate(self) -> None:
        """Raise ValueError with a sentence for any out-of-range value."""
        InitConfig(self.depth, self.width, self.activation).validate()
        if not self.schemes:
            raise ValueError("Choose at least one initialisation scheme to train.")
        for scheme in self.schemes:
            validate_scheme(scheme)
        if self.steps < 1 or self.batch_size < 1:
            raise ValueError("Steps and batch size must be at least 1.")
        if not (math.isfinite(self.learning_rate) and self.learning_rate > 0):
            raise ValueError(f"Learning rate must be a positive number, not {self.learning_rate}.")


class InitTraining:
    """A short training run of one DeepMLP per scheme, advanced by `step()`.

    Every network starts from its scheme with the same seed, and all of them
    see the same mini-batches in the same order. A network whose loss becomes
    NaN or infinite stops training, and the rest carry on.
    """

    def __init__(
        self, data: DigitData, config: InitTrainingConfig, device: str | torch.device = "cpu"
    ):
        config.validate()
        self.config = config
        self.device = torch.device(device)
        self.images = standardize_digits(data.train_images, data).float().to(self.device)
        self.labels = torch.from_numpy(data.train_labels).to(self.device)
        self.test_images = standardize_digits(data.test_images, data).float().to(self.device)
        self.test_labels = torch.from_numpy(data.test_labels).to(self.device)

        self.models: dict[str, DeepMLP] = {}
        self.optimizers: dict[str, torch.optim.Optimizer] = {}
        for scheme in config.schemes:
            model = DeepMLP(config.depth, config.width, config.activation, classes=CLASSES)
            initialize_network(model, scheme, config.seed)
            self.models[scheme] = model.to(self.device)
            self.optimizers[scheme] = torch.optim.SGD(
                model.parameters(), lr=config.learning_rate, momentum=MOMENTUM
            )
        self.last_loss: dict[str, float] = {}
        # The step at which each diverged scheme's loss became NaN or infinite.
        self.diverged: dict[str, int] = {}

        self.step_count = 0
        self.generator = torch.Generator().manual_seed(config.seed)
        self._order = torch.empty(0, dtype=torch.long)
        self._position = 0
        self._started = time.perf_counter()

    @property
    def total_steps(self) -> int:
        return self.config.steps

    @property
    def finished(self) -> bool:
        return self.step_count >= self.config.steps

    def set_hyperparameter(self, name: str, value) -> None:
        """Change learning_rate or batch_size between steps, for every scheme."""
        if name == "learning_rate":
            rate = float(value)
            if not (math.isfinite(rate) and rate > 0):
                raise ValueError(f"Learning rate must be a positive number, not {value}.")
            self.config.learning_rate = rate
            for optimizer in self.optimizers.values():
                for group in optimizer.param_groups:
                    group["lr"] = rate
        elif name == "batch_size":
            self.config.batch_size = max(1, int(value))
        else:
            raise ValueError(f"{name!r} cannot be changed during training.")

    def step(self) -> list:
        """Update every live scheme's network on one mini-batch and return the events."""
        batch = self._next_batch()
        images, labels = self.images[batch], self.labels[batch]
        losses = {}
        for scheme in self.models:
            if scheme not in self.diverged:
                losses[f"loss/{scheme}"] = self._update(scheme, images, labels)

        self.step_count += 1
        events = [Metrics(self.step_count, losses), self._progress()]
        if self.finished:
            events.extend(self._final_events())
        return events

    def _update(self, scheme: str, images: torch.Tensor, labels: torch.Tensor) -> float:
        model = self.models[scheme]
        model.train()
        loss = F.cross_entropy(model(images), labels)
        value = loss.item()
        if not math.isfinite(value):
            log.info("%s loss became %s at step %d, so its network stops training", scheme,
                     value, self.step_count + 1)
            self.diverged[scheme] = self.step_count + 1
            return value
        optimizer = self.optimizers[scheme]
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        self.last_loss[scheme] = value
        return value

    def test_accuracy(self, scheme: str) -> float:
        """Return the fraction of test digits that `scheme`'s network classifies right."""
        model = self.models[scheme]
        model.eval()
        with torch.no_grad():
            predictions = model(self.test_images).argmax(1)
        return float((predictions == self.test_labels).float().mean())

    def _final_events(self) -> list:
        accuracies = {
            f"test_accuracy/{scheme}": self.test_accuracy(scheme) for scheme in self.models
        }
        summary = dict(accuracies)
        summary.update({f"loss/{scheme}": loss for scheme, loss in self.last_loss.items()})
        summary.update({f"diverged/{scheme}": step for scheme, step in self.diverged.items()})
        summary["steps"] = self.step_count
        return [Metrics(self.step_count, accuracies), Finished(stopped=False, summary=summary)]

    def _next_batch(self) -> torch.Tensor:
        if self._position >= len(self._order):
            self._order = torch.randperm(len(self.labels), generator=self.generator)
            self._position = 0
        batch = self._order[self._position : self._position + self.config.batch_size]
        self._position += len(batch)
        return batch.to(self.device)

    def _progress(self) -> Progress:
        elapsed = time.perf_counter() - self._started
        seen = self.step_count * self.config.batch_size
        rate = seen / elapsed if elapsed > 0 else 0.0
        steps_left = self.total_steps - self.step_count
        eta = steps_left * self.config.batch_size / rate if rate > 0 else float("nan")
        epoch = seen // max(1, len(self.labels))
        total_samples = self.total_steps * self.config.batch_size
        total_epochs = math.ceil(total_samples / max(1, len(self.labels)))
        return Progress(self.step_count, self.total_steps, epoch, total_epochs, rate, eta)
