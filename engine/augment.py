"""Training-time augmentation so that hand-drawn digits read like MNIST ones.

A mouse drawing differs from a scanned MNIST digit mostly by slant, size,
position after centring and stroke width, so each batch gets a random affine
transform (rotation, scale, shear, shift) and a random stroke thickening or
thinning. Everything runs batched on the tensor's device.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

MAX_ROTATION_DEGREES = 12.0
MAX_SCALE_CHANGE = 0.12
MAX_SHEAR = 0.15
MAX_SHIFT_PIXELS = 2.0
THICKEN_PROBABILITY = 0.3
THIN_PROBABILITY = 0.15


def random_affine(images: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
    """Rotate, scale, shear and shift each image of (N, 1, 28, 28) at random."""
    count = images.shape[0]

    def uniform(limit: float) -> torch.Tensor:
        return (torch.rand(count, generator=generator) * 2 - 1) * limit

    angle = uniform(math.radians(MAX_ROTATION_DEGREES))
    scale = 1 + uniform(MAX_SCALE_CHANGE)
    shear = uniform(MAX_SHEAR)
    # affine_grid works in normalised coordinates where the image spans [-1, 1].
    shift = uniform(2 * MAX_SHIFT_PIXELS / images.shape[-1])
    shift_y = uniform(2 * MAX_SHIFT_PIXELS / images.shape[-2])

    cos, sin = torch.cos(angle) / scale, torch.sin(angle) / scale
    theta = torch.stack(
        [
            torch.stack([cos, -sin + shear * cos, shift], dim=1),
            torch.stack([sin, cos + shear * sin, shift_y], dim=1),
        ],
        dim=1,
    ).to(images)
    grid = F.affine_grid(theta, list(images.shape), align_corners=False)
    return F.grid_sample(images, grid, padding_mode="zeros", align_corners=False)


def random_stroke_width(images: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
    """Thicken some strokes (grey dilation) and thin others (grey erosion)."""
    draw = torch.rand(images.shape[0], generator=generator).to(images.device)
    thicker = F.max_pool2d(images, 3, stride=1, padding=1)
    thinner = -F.max_pool2d(-images, 3, stride=1, padding=1)
    # A half-strength mix gives a one-pixel change that is not always full.
    strength = (0.5 + 0.5 * torch.rand(images.shape[0], generator=generator)).to(images)
    strength = strength.view(-1, 1, 1, 1)
    thick = (draw < THICKEN_PROBABILITY).view(-1, 1, 1, 1)
    thin = ((draw >= THICKEN_PROBABILITY) & (draw < THICKEN_PROBABILITY + THIN_PROBABILITY)).view(
        -1, 1, 1, 1
    )
    out = torch.where(thick, images + strength * (thicker - images), images)
    return torch.where(thin, images + strength * (thinner - images), out)


def augment(images: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
    """Apply the stroke-width change, then the affine transform, to (N, 1, 28, 28)."""
    return random_affine(random_stroke_width(images, generator), generator).clamp_(0.0, 1.0)
