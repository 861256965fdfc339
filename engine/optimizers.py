"""The optimisers and learning-rate schedules the Descent panel compares.

Every update is done by torch.optim and every schedule by
torch.optim.lr_scheduler. This module only names them, stores their default
hyperparameters and builds them from plain values.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class OptimizerSpec:
    """One optimiser: its key, its label and its hyperparameters with defaults.

    ``defaults`` maps hyperparameter names to values. ``learning_rate`` is
    always present, and the rest are the torch.optim arguments in the same
    units (``beta1`` and ``beta2`` form Adam's ``betas``).
    """

    key: str
    label: str
    defaults: dict[str, float]
    # True for the optimisers whose step scales the gradient by its running
    # size, so their step is about learning_rate whatever the slope.
    adaptive: bool = False


OPTIMIZERS: dict[str, OptimizerSpec] = {
    spec.key: spec
    for spec in (
        OptimizerSpec("gd", "gradient descent", {"learning_rate": 0.01}),
        OptimizerSpec("momentum", "momentum", {"learning_rate": 0.01, "momentum": 0.9}),
        OptimizerSpec("nesterov", "Nesterov", {"learning_rate": 0.01, "momentum": 0.9}),
        OptimizerSpec("adagrad", "AdaGrad", {"learning_rate": 0.5}, adaptive=True),
        OptimizerSpec("rmsprop", "RMSprop", {"learning_rate": 0.01, "alpha": 0.99}, adaptive=True),
        OptimizerSpec("adam", "Adam", {"learning_rate": 0.05, "beta1": 0.9, "beta2": 0.999},
                      adaptive=True),
        OptimizerSpec("adamw", "AdamW",
                      {"learning_rate": 0.05, "beta1": 0.9, "beta2": 0.999, "weight_decay": 0.01},
                      adaptive=True),
    )
}

# Other spellings accepted on the command line.
ALIASES = {"sgd": "gd", "gradient-descent": "gd"}

SCHEDULES = ("constant", "step", "cosine")
# Step decay multiplies the learning rate by this factor every period.
STEP_DECAY_FACTOR = 0.5


def optimizer_spec(name: str) -> OptimizerSpec:
    """Return the spec for ``name`` or an alias; raise ValueError with the known names."""
    key = ALIASES.get(name.lower(), name.lower())
    if key not in OPTIMIZERS:
        raise ValueError(f"Unknown optimiser {name!r}; expected one of {', '.join(OPTIMIZERS)}.")
    return OPTIMIZERS[key]


def resolve_hyperparameters(name: str, overrides: dict[str, float] | None) -> dict[str, float]:
    """Return the optimiser's defaults updated by ``overrides``, checked for range.

    Raise ValueError for an unknown hyperparameter or an out-of-range value.
    """
    spec = optimizer_spec(name)
    values = dict(spec.defaults)
    for key, value in (overrides or {}).items():
        if key not in values:
            raise ValueError(f"{spec.label} has no hyperparameter {key!r}; "
                             f"expected one of {', '.join(values)}.")
        values[key] = float(value)
    if not values["learning_rate"] > 0:
        raise ValueError(f"The learning rate must be positive, got {values['learning_rate']}.")
    for key in ("momentum", "alpha", "beta1", "beta2"):
        if key in values and not 0 <= values[key] < 1:
            raise ValueError(f"{key} must be in [0, 1), got {values[key]}.")
    if spec.key == "nesterov" and values["momentum"] == 0:
        raise ValueError("Nesterov momentum needs a momentum above 0.")
    if values.get("weight_decay", 0) < 0:
        raise ValueError(f"The weight decay must not be negative, got {values['weight_decay']}.")
    return values


def build_optimizer(name: str, params: list[torch.Tensor],
                    hyperparameters: dict[str, float] | None = None) -> torch.optim.Optimizer:
    """Build the torch.optim optimiser ``name`` over ``params``."""
    spec = optimizer_spec(name)
    values = resolve_hyperparameters(spec.key, hyperparameters)
    lr = values["learning_rate"]
    # foreach=False: for one 2-element tensor, Adam's single-tensor path took about 31 us a
    # step against 46 us with foreach (torch 2.13 CPU, measured once on a shared 2-core box).
    if spec.key == "gd":
        return torch.optim.SGD(params, lr=lr, foreach=False)
    if spec.key in ("momentum", "nesterov"):
        return torch.optim.SGD(params, lr=lr, momentum=values["momentum"],
                               nesterov=spec.key == "nesterov", foreach=False)
    if spec.key == "adagrad":
        return torch.optim.Adagrad(params, lr=lr, foreach=False)
    if spec.key == "rmsprop":
        return torch.optim.RMSprop(params, lr=lr, alpha=values["alpha"], foreach=False)
    betas = (values["beta1"], values["beta2"])
    if spec.key == "adam":
        return torch.optim.Adam(params, lr=lr, betas=betas, foreach=False)
    return torch.optim.AdamW(params, lr=lr, betas=betas, weight_decay=values["weight_decay"],
                             foreach=False)


def build_schedule(kind: str, optimizer: torch.optim.Optimizer,
                   period: int) -> torch.optim.lr_scheduler.LRScheduler | None:
    """Build the learning-rate schedule ``kind``, or None for a constant rate.

    ``step`` halves the rate every ``period`` steps (StepLR). ``cosine`` follows
    CosineAnnealingLR from the set rate down to zero at step ``period``. After
    that step, torch's cosine rises again, and the curve repeats every
    2 * period steps.
    """
    if kind not in SCHEDULES:
        raise ValueError(f"Unknown schedule {kind!r}; expected one of {', '.join(SCHEDULES)}.")
    if period < 1:
        raise ValueError(f"The schedule period must be at least 1 step, got {period}.")
    if kind == "step":
        return torch.optim.lr_scheduler.StepLR(optimizer, step_size=period,
                                               gamma=STEP_DECAY_FACTOR)
    if kind == "cosine":
        return torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=period)
    return None
