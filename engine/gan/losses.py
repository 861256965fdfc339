"""GAN losses on discriminator logits, written to stay finite.

With D(x) = sigmoid(l), log D(x) = -softplus(-l) and log(1 - D(x)) =
-softplus(l). Both are computed from the logit l, so a confident
discriminator gives a large but finite loss, where log(sigmoid(l)) would
round to log(0) = -inf.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

LOSSES = ("non-saturating", "minimax", "hinge")


def discriminator_loss(
    real_logits: torch.Tensor, fake_logits: torch.Tensor, loss: str, real_target: float
) -> torch.Tensor:
    """Return D's loss for one batch of real and one of generated images.

    BCE variants: -E[t log D(x) + (1 - t) log(1 - D(x))] - E[log(1 - D(G(z)))],
    where the target t of real images is 1, or below 1 for one-sided label
    smoothing (Salimans et al., 2016). Hinge (Lim & Ye, 2017; Miyato et al.,
    2018): E[max(0, 1 - l_real)] + E[max(0, 1 + l_fake)], which ignores t.
    """
    if loss == "hinge":
        return F.relu(1.0 - real_logits).mean() + F.relu(1.0 + fake_logits).mean()
    targets = torch.full_like(real_logits, real_target)
    real = F.binary_cross_entropy_with_logits(real_logits, targets)
    fake = F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits))
    return real + fake


def generator_loss(fake_logits: torch.Tensor, loss: str) -> torch.Tensor:
    """Return G's loss for the discriminator's logits on a batch of generated images.

    "minimax" is the original game's E[log(1 - D(G(z)))] = -E[softplus(l)],
    whose gradient vanishes while D rejects the fakes. "non-saturating"
    minimises -E[log D(G(z))] = E[softplus(-l)] instead, which has the same
    fixed point but strong gradients early on. "hinge" minimises -E[l].
    """
    if loss == "minimax":
        return -F.softplus(fake_logits).mean()
    if loss == "non-saturating":
        return F.softplus(-fake_logits).mean()
    if loss == "hinge":
        return -fake_logits.mean()
    raise ValueError(f"Unknown loss {loss!r}; expected one of {LOSSES}.")
