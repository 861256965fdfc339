"""Train a GAN on digits one D+G update at a time.

`GanTraining.step()` does `d_steps` discriminator updates and one generator
update and returns the events they produced, so the engine worker (or the
CLI's loop) can pause, single-step or stop between updates.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from dataclasses import replace

import numpy as np
import torch

from engine.events import Finished, Images, Metrics, Paused, Progress, Snapshot
from engine.gan.config import (
    LIVE_SETTINGS,
    GanConfig,
    check_betas,
    check_choice,
    check_count,
    check_fraction,
    check_rate,
)
from engine.gan.judge import Judge, Judgement
from engine.gan.losses import LOSSES, discriminator_loss, generator_loss
from engine.gan.models import build_models, to_model_range
from engine.gan.sampling import WeightAverage, generate

log = logging.getLogger(__name__)

GRID_SIDE = 8


def training_images(data) -> np.ndarray:
    """Return every image of a DigitData, train and test split, (N, 28, 28) in [0, 1].

    A GAN has no use for a held-out split, so it learns from all digits.
    """
    return np.concatenate([data.train_images, data.test_images])


class GanTraining:
    """A GAN training run on images (N, 28, 28) in [0, 1], advanced by `step()`.

    `step()` takes a lock, so `save_checkpoint` may be called from another
    thread: it waits for at most the step in progress.
    """

    def __init__(
        self,
        images: np.ndarray,
        config: GanConfig | None = None,
        judge: Judge | None = None,
        device: str | torch.device = "cpu",
    ):
        self.config = replace(config) if config is not None else GanConfig()
        self.config.validate()
        self.judge = judge
        self.device = torch.device(device)
        self._lock = threading.Lock()
        config = self.config

        # Weight initialisation draws from torch's global generator: seed it
        # in a forked state so other users of that generator are unaffected.
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(config.seed)
            self.generator, self.discriminator = build_models(
                config.model, config.latent_size, config.width, config.init,
                config.spectral_norm, config.minibatch_std,
            )
        self.generator.to(self.device)
        self.discriminator.to(self.device)
        self.average = None
        if config.ema_decay > 0:
            self.average = WeightAverage(self.generator, config.ema_decay)
        self.optimizer_g = torch.optim.Adam(self.generator.parameters(), config.lr_g, config.betas)
        self.optimizer_d = torch.optim.Adam(
            self.discriminator.parameters(), config.lr_d, config.betas
        )

        # Noise and batches come from this generator only, so a seed fixes the run.
        self.random = torch.Generator().manual_seed(config.seed)
        self.fixed_noise = self.noise(GRID_SIDE * GRID_SIDE)
        self.judge_noise = self.noise(config.judge_samples)
        self.images = to_model_range(torch.from_numpy(images).float().unsqueeze(1)).to(self.device)
        self.step_count = 0
        self.images_seen = 0
        self._order = torch.empty(0, dtype=torch.long)
        self._position = 0
        # Moving average of one update's duration in seconds, pauses excluded.
        self._step_seconds: float | None = None
        self.last_judgement: Judgement | None = None

    @property
    def finished(self) -> bool:
        return self.step_count >= self.config.steps

    @property
    def sampler(self) -> torch.nn.Module:
        """The generator that draws shown samples: G's weight average if kept, else G."""
        return self.average.model if self.average is not None else self.generator

    def noise(self, count: int) -> torch.Tensor:
        """Return standard normal latent vectors (count, latent) from the run's generator."""
        z = torch.randn(count, self.config.latent_size, generator=self.random)
        return z.to(self.device)

    def set_hyperparameter(self, name: str, value) -> None:
        """Change one of LIVE_SETTINGS between steps; raise ValueError for anything else."""
        if name not in LIVE_SETTINGS:
            raise ValueError(f"{name!r} cannot change during training; it applies on reset.")
        with self._lock:
            self._apply(name, value)
        log.debug("set %s to %r at step %d", name, value, self.step_count)

    def _apply(self, name: str, value) -> None:
        if name in ("lr_d", "lr_g"):
            value = check_rate(name, value)
            optimizer = self.optimizer_d if name == "lr_d" else self.optimizer_g
            optimizer.param_groups[0]["lr"] = value
        elif name == "betas":
            value = check_betas(value)
            for optimizer in (self.optimizer_d, self.optimizer_g):
                optimizer.param_groups[0]["betas"] = value
        elif name == "loss":
            check_choice("loss", value, LOSSES)
        elif name == "label_smoothing":
            value = check_fraction(name, value, upper=0.5)
        else:
            value = check_count(name, value, minimum=0 if name == "steps" else 1)
        setattr(self.config, name, value)

    def step(self) -> list:
        """Run `d_steps` D updates and one G update; return the events produced."""
        with self._lock:
            return self._step()

    def _step(self) -> list:
        config = self.config
        started = time.perf_counter()
        self.generator.train()
        self.discriminator.train()

        # D: raise log D(x) + log(1 - D(G(z))). The last D step's fakes keep
        # their graph so G's update reuses them instead of generating again.
        for index in range(config.d_steps):
            last = index == config.d_steps - 1
            with torch.set_grad_enabled(last):
                fake = self.generator(self.noise(config.batch_size))
            real = self._next_batch()
            real_logits = self.discriminator(real)
            fake_logits = self.discriminator(fake.detach())
            real_target = 1 - config.label_smoothing
            d_loss = discriminator_loss(real_logits, fake_logits, config.loss, real_target)
            if not torch.isfinite(d_loss):
                return [self._non_finite_pause("D", d_loss.item())]
            self.optimizer_d.zero_grad(set_to_none=True)
            d_loss.backward()
            self.optimizer_d.step()

        # G: D's weights stay fixed, so skip their gradients.
        self.discriminator.requires_grad_(False)
        g_loss = generator_loss(self.discriminator(fake), config.loss)
        self.discriminator.requires_grad_(True)
        if not torch.isfinite(g_loss):
            return [self._non_finite_pause("G", g_loss.item())]
        self.optimizer_g.zero_grad(set_to_none=True)
        g_loss.backward()
        self.optimizer_g.step()
        if self.average is not None:
            self.average.update(self.generator, self.step_count)

        self.step_count += 1
        values = {
            "d_loss": d_loss.item(),
            "g_loss": g_loss.item(),
            "d_real": torch.sigmoid(real_logits.detach()).mean().item(),
            "d_fake": torch.sigmoid(fake_logits.detach()).mean().item(),
        }
        self._time_step(time.perf_counter() - started)
        return [Metrics(self.step_count, values), self._progress(), *self._periodic_events()]

    def _periodic_events(self) -> list:
        events = []
        last = self.finished
        if last or self.step_count % self.config.grid_every == 0:
            events += [self.grid_event(), self.snapshot()]
        if self.judge is not None and (last or self.step_count % self.config.judge_every == 0):
            events.append(self.judge_samples())
        if last:
            summary = {"steps": self.step_count}
            if self.last_judgement is not None:
                judgement = self.last_judgement
                summary.update(classes=judgement.classes, confidence=judgement.confidence,
                               entropy=judgement.entropy)
            events.append(Finished(stopped=False, summary=summary))
        return events

    def grid(self) -> np.ndarray:
        """Return the fixed-noise samples (64, 28, 28) in [0, 1]."""
        return generate(self.sampler, self.fixed_noise)

    def grid_event(self) -> Images:
        return Images("grid", self.grid(), {"step": self.step_count})

    def judge_samples(self, count: int | None = None) -> Judgement:
        """Judge `count` samples (default: the run's fixed judge batch); needs a judge."""
        noise = self.judge_noise if count is None else self.noise(count)
        judgement = self.judge.judge(generate(self.sampler, noise), self.step_count)
        self.last_judgement = judgement
        return judgement

    def snapshot(self) -> Snapshot:
        """Return a CPU copy of the sampling generator for a copy on another thread."""
        state = {k: v.detach().to("cpu", copy=True) for k, v in self.sampler.state_dict().items()}
        config = {"model": self.config.model, "latent_size": self.config.latent_size,
                  "width": self.config.width, "step": self.step_count}
        return Snapshot("generator", state, config)

    def state_dict(self) -> dict:
        """Return CPU copies of everything a checkpoint needs to continue the run."""
        with self._lock:
            state = {
                "config": self.config.as_dict(),
                "generator": self.generator.state_dict(),
                "discriminator": self.discriminator.state_dict(),
                "generator_average": self.average.model.state_dict() if self.average else None,
                "optimizer_g": self.optimizer_g.state_dict(),
                "optimizer_d": self.optimizer_d.state_dict(),
                "step": self.step_count,
                "images_seen": self.images_seen,
                "random_state": self.random.get_state(),
                "batch_order": self._order,
                "batch_position": self._position,
                "fixed_noise": self.fixed_noise,
                "judge_noise": self.judge_noise,
            }
            return _to_cpu(state)

    def load_state_dict(self, state: dict) -> None:
        """Continue from `state_dict()` output; raises KeyError or RuntimeError on a mismatch."""
        with self._lock:
            self.generator.load_state_dict(state["generator"])
            self.discriminator.load_state_dict(state["discriminator"])
            if self.average is not None:
                self.average.model.load_state_dict(state["generator_average"])
            self.optimizer_g.load_state_dict(state["optimizer_g"])
            self.optimizer_d.load_state_dict(state["optimizer_d"])
            self.random.set_state(state["random_state"])
            self.fixed_noise = state["fixed_noise"].to(self.device)
            self.judge_noise = state["judge_noise"].to(self.device)
            self.step_count = int(state["step"])
            self.images_seen = int(state["images_seen"])
            self._order = state["batch_order"]
            self._position = int(state["batch_position"])

    def _next_batch(self) -> torch.Tensor:
        if self._position >= len(self._order):
            self._order = torch.randperm(len(self.images), generator=self.random)
            self._position = 0
        batch = self._order[self._position : self._position + self.config.batch_size]
        self._position += len(batch)
        self.images_seen += len(batch)
        return self.images[batch.to(self.device)]

    def _time_step(self, seconds: float) -> None:
        previous = self._step_seconds
        self._step_seconds = seconds if previous is None else previous + 0.1 * (seconds - previous)

    def _progress(self) -> Progress:
        """Return progress; the rate counts the updates alone, not grids, judging or pauses."""
        rate = 1.0 / self._step_seconds if self._step_seconds else 0.0
        eta = (self.config.steps - self.step_count) / rate if rate > 0 else float("nan")
        per_epoch = max(1, len(self.images))
        real_images = self.config.steps * self.config.batch_size * self.config.d_steps
        total_epochs = math.ceil(real_images / per_epoch)
        return Progress(self.step_count, self.config.steps, self.images_seen // per_epoch,
                        total_epochs, rate * self.config.batch_size, eta)

    def _non_finite_pause(self, network: str, value: float) -> Paused:
        step = self.step_count + 1
        log.warning("non-finite %s loss %s at step %d; pausing", network, value, step)
        return Paused(
            f"{network}'s loss became {value} at step {step}, so training paused before that "
            f"update. Lower the learning rates (D {self.lr('d'):g}, G {self.lr('g'):g}) or "
            "reset the networks."
        )

    def lr(self, network: str) -> float:
        optimizer = self.optimizer_d if network == "d" else self.optimizer_g
        return float(optimizer.param_groups[0]["lr"])


def _to_cpu(value):
    """Return `value` with every tensor in nested dicts and lists copied to the CPU."""
    if isinstance(value, torch.Tensor):
        return value.detach().to("cpu", copy=True)
    if isinstance(value, dict):
        return {key: _to_cpu(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_to_cpu(item) for item in value)
    return value
