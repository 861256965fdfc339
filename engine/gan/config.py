"""Hyperparameters of a GAN training run and the checks on them."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

from engine.gan.losses import LOSSES
from engine.gan.models import INITIALIZATIONS, MODELS

# Decay of G's weight average when sampling from one is switched on.
AVERAGE_DECAY = 0.999
# Settings that `GanTraining.set_hyperparameter` applies between two steps.
LIVE_SETTINGS = (
    "lr_d", "lr_g", "betas", "label_smoothing", "loss", "d_steps", "batch_size", "steps",
)


@dataclass
class GanConfig:
    """Hyperparameters of a GAN run; the defaults are a DCGAN with minibatch std in D.

    Defaults: Adam at 2e-4 with betas (0.5, 0.999) for both networks, batch 64,
    non-saturating BCE and one-sided label smoothing 0.1, so real images have
    the target 0.9 (Salimans et al., 2016). Minibatch standard deviation in D
    (Karras et al., 2018) is the one addition to plain DCGAN. Spectral norm,
    a faster D and sampling from a weight average scored lower within 3,000
    steps on the default digits (docs/gan.md has the comparison), so they are
    options that are off by default.
    """

    model: str = "dcgan"
    init: str = "normal"
    latent_size: int = 64
    width: int = 64
    batch_size: int = 64
    lr_d: float = 2e-4
    lr_g: float = 2e-4
    betas: tuple[float, float] = (0.5, 0.999)
    d_steps: int = 1
    loss: str = "non-saturating"
    label_smoothing: float = 0.1
    spectral_norm: bool = False
    minibatch_std: bool = True
    ema_decay: float = 0.0
    steps: int = 3000
    seed: int = 0
    grid_every: int = 20
    judge_every: int = 200
    judge_samples: int = 500

    def as_dict(self) -> dict:
        """Return the settings as plain types that weights_only loading accepts."""
        values = asdict(self)
        values["betas"] = list(self.betas)
        return values

    def validate(self) -> None:
        """Raise ValueError with a sentence for any out-of-range value."""
        check_choice("model", self.model, MODELS)
        check_choice("initialisation", self.init, INITIALIZATIONS)
        check_choice("loss", self.loss, LOSSES)
        for name in ("latent_size", "width", "batch_size", "d_steps", "grid_every", "judge_every"):
            check_count(name, getattr(self, name))
        check_count("steps", self.steps, minimum=0)
        check_count("judge_samples", self.judge_samples, minimum=0)
        check_rate("lr_d", self.lr_d)
        check_rate("lr_g", self.lr_g)
        self.betas = check_betas(self.betas)
        check_fraction("label_smoothing", self.label_smoothing, upper=0.5)
        check_fraction("ema_decay", self.ema_decay, upper=1.0, closed=False)


def check_choice(name: str, value: str, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise ValueError(f"Unknown {name} {value!r}; expected one of {', '.join(choices)}.")


def check_count(name: str, value: int, minimum: int = 1) -> int:
    if isinstance(value, bool) or int(value) != value or value < minimum:
        raise ValueError(f"{name} must be a whole number of at least {minimum}, not {value!r}.")
    return int(value)


def check_rate(name: str, value: float) -> float:
    value = float(value)
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a positive learning rate, not {value}.")
    return value


def check_fraction(name: str, value: float, upper: float, closed: bool = True) -> float:
    value = float(value)
    inside = 0.0 <= value <= upper if closed else 0.0 <= value < upper
    if not inside:
        bracket = "]" if closed else ")"
        raise ValueError(f"{name} must lie in [0, {upper}{bracket}, not {value}.")
    return value


def check_betas(value) -> tuple[float, float]:
    """Return Adam's (beta1, beta2) as floats, each in [0, 1)."""
    try:
        beta1, beta2 = (float(v) for v in value)
    except (TypeError, ValueError) as error:
        raise ValueError(f"betas must be two numbers, not {value!r}.") from error
    check_fraction("beta1", beta1, upper=1.0, closed=False)
    check_fraction("beta2", beta2, upper=1.0, closed=False)
    return beta1, beta2
