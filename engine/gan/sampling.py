"""Drawing samples from a generator: batches, grids, latent walks, weight averages."""

from __future__ import annotations

import copy

import numpy as np
import torch
from torch import nn

from engine.gan.models import build_generator, to_pixel_range


def generate(generator: nn.Module, noise: torch.Tensor, batch: int = 250) -> np.ndarray:
    """Return samples (N, 28, 28) in [0, 1] for noise (N, latent), in eval mode."""
    was_training = generator.training
    generator.eval()
    parts = []
    with torch.inference_mode():
        for start in range(0, len(noise), batch):
            samples = generator(noise[start : start + batch])
            parts.append(to_pixel_range(samples)[:, 0].cpu().numpy())
    generator.train(was_training)
    if not parts:
        return np.zeros((0, 28, 28), dtype=np.float32)
    return np.concatenate(parts)


def slerp(start: torch.Tensor, end: torch.Tensor, count: int) -> torch.Tensor:
    """Return `count` points (count, latent) from `start` to `end` along a great circle.

    Spherical interpolation (White, 2016) keeps each point at the norm a
    Gaussian latent vector usually has, where a straight line would pass
    through the low-norm middle that the generator rarely saw.
    """
    weights = torch.linspace(0.0, 1.0, count, dtype=start.dtype)[:, None]
    cosine = torch.dot(start / start.norm(), end / end.norm()).clamp(-1.0, 1.0)
    angle = torch.arccos(cosine)
    if angle.abs() < 1e-4:
        return (1 - weights) * start + weights * end
    start_weights = torch.sin((1 - weights) * angle) / torch.sin(angle)
    end_weights = torch.sin(weights * angle) / torch.sin(angle)
    return start_weights * start + end_weights * end


def tile(images: np.ndarray, columns: int, gap: int = 2, fill: float = 0.5) -> np.ndarray:
    """Arrange images (N, H, W) in rows of `columns`, `gap` pixels apart, into one 2-D array.

    The gaps take the value `fill`, mid-grey by default, so cell borders show
    against the digits' black background.
    """
    count, height, width = images.shape
    rows = max(1, -(-count // columns))
    shape = (rows * (height + gap) - gap, columns * (width + gap) - gap)
    canvas = np.full(shape, fill, dtype=np.float32)
    for index, image in enumerate(images):
        row, column = divmod(index, columns)
        top, left = row * (height + gap), column * (width + gap)
        canvas[top : top + height, left : left + width] = image
    return canvas


def to_uint8(images: np.ndarray) -> np.ndarray:
    """Convert [0, 1] floats to 0..255 bytes."""
    return np.round(np.clip(images, 0.0, 1.0) * 255).astype(np.uint8)


class WeightAverage:
    """An exponential moving average of a generator's weights, used to draw samples.

    Averaged weights give smoother, steadier samples than the last step's
    weights (Yazici et al., 2019). The decay ramps up as min(decay, (1 + t) /
    (10 + t)) so early samples are not dominated by the random start.
    Batch-norm statistics are copied from the live generator, not averaged.
    """

    def __init__(self, generator: nn.Module, decay: float):
        self.decay = decay
        self.model = copy.deepcopy(generator).eval().requires_grad_(False)

    @torch.no_grad()
    def update(self, generator: nn.Module, step: int) -> None:
        decay = min(self.decay, (1 + step) / (10 + step))
        for average, live in zip(self.model.parameters(), generator.parameters()):
            average.lerp_(live, 1.0 - decay)
        for average, live in zip(self.model.buffers(), generator.buffers()):
            average.copy_(live)


class GeneratorCopy:
    """A private CPU copy of a generator, rebuilt from published weights.

    The window draws latent walks with it on its own thread while training
    goes on with the original on the engine thread.
    """

    def __init__(self, config: dict, state_dict: dict):
        generator = build_generator(config["model"], config["latent_size"], config["width"])
        generator.load_state_dict(state_dict)
        self.model = generator.eval()
        self.latent_size = int(config["latent_size"])

    def generate(self, noise: torch.Tensor) -> np.ndarray:
        return generate(self.model, noise)
