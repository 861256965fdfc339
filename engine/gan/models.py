"""Generators and discriminators for 28x28 digits.

Two families: a DCGAN-style convolutional pair (Radford et al., 2015) and the
fully connected pair of the original GAN (Goodfellow et al., 2014). Every
generator ends in tanh, so samples lie in [-1, 1] like the real images after
`to_model_range`. Every discriminator returns one logit per image, shape
(N,), so losses can use the numerically stable BCE-with-logits.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

MODELS = ("dcgan", "mlp")
INITIALIZATIONS = ("default", "xavier", "normal")
IMAGE_SIZE = 28


class DcganGenerator(nn.Module):
    """z (N, latent) -> dense to (2w, 7, 7) -> up to (w, 14, 14) -> up to (1, 28, 28)."""

    def __init__(self, latent_size: int, width: int):
        super().__init__()
        self.latent_size = latent_size
        self.project = nn.Sequential(
            nn.Linear(latent_size, 2 * width * 7 * 7, bias=False),
            nn.Unflatten(1, (2 * width, 7, 7)),
            nn.BatchNorm2d(2 * width),
            nn.ReLU(inplace=True),
        )
        self.upsample = nn.Sequential(
            nn.ConvTranspose2d(2 * width, width, 4, stride=2, padding=1, bias=False),
            nn.BatchNorm2d(width),
            nn.ReLU(inplace=True),
            nn.ConvTranspose2d(width, 1, 4, stride=2, padding=1),
            nn.Tanh(),
        )

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.upsample(self.project(z))


class MinibatchStd(nn.Module):
    """Append the batch's mean feature standard deviation as one constant channel.

    From Karras et al., 2018 (progressive GANs): a batch of near-identical
    fakes has a small standard deviation, so the discriminator can see a
    collapsing generator and push it apart. (N, C, H, W) -> (N, C + 1, H, W).
    """

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        if len(features) > 1:
            spread = features.std(dim=0, unbiased=False).mean()
        else:
            spread = features.new_zeros(())
        channel = spread.expand(features.shape[0], 1, *features.shape[2:])
        return torch.cat([features, channel], dim=1)


class DcganDiscriminator(nn.Module):
    """(N, 1, 28, 28) -> conv to (w, 14, 14) -> conv to (2w, 7, 7) -> one logit.

    With `batch_norm` the second conv is followed by batch norm as in DCGAN;
    spectral normalisation replaces it (batch norm would mix real and fake
    statistics into one Lipschitz-bounded critic).
    """

    def __init__(self, width: int, batch_norm: bool, minibatch_std: bool):
        super().__init__()
        layers: list[nn.Module] = [
            nn.Conv2d(1, width, 4, stride=2, padding=1),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(width, 2 * width, 4, stride=2, padding=1, bias=not batch_norm),
        ]
        if batch_norm:
            layers.append(nn.BatchNorm2d(2 * width))
        layers.append(nn.LeakyReLU(0.2, inplace=True))
        if minibatch_std:
            layers.append(MinibatchStd())
        channels = 2 * width + int(minibatch_std)
        layers += [nn.Flatten(), nn.Linear(channels * 7 * 7, 1)]
        self.net = nn.Sequential(*layers)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.net(images).squeeze(1)


class MlpGenerator(nn.Module):
    """z (N, latent) -> two hidden layers -> 784 pixels -> (N, 1, 28, 28)."""

    def __init__(self, latent_size: int, hidden: int):
        super().__init__()
        self.latent_size = latent_size
        self.net = nn.Sequential(
            nn.Linear(latent_size, hidden),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Linear(hidden, 2 * hidden),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Linear(2 * hidden, IMAGE_SIZE * IMAGE_SIZE),
            nn.Tanh(),
        )

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z).view(-1, 1, IMAGE_SIZE, IMAGE_SIZE)


class MlpDiscriminator(nn.Module):
    """(N, 1, 28, 28) -> 784 pixels -> two hidden layers -> one logit."""

    def __init__(self, hidden: int, minibatch_std: bool):
        super().__init__()
        self.minibatch_std = MinibatchStd() if minibatch_std else None
        self.net = nn.Sequential(
            nn.Flatten(),
            nn.Linear(IMAGE_SIZE * IMAGE_SIZE + int(minibatch_std), 2 * hidden),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Linear(2 * hidden, hidden),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Linear(hidden, 1),
        )

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        pixels = images.flatten(1)
        if self.minibatch_std is not None:
            # (N, 784) -> (N, 785): treat the flat image as 784 channels of 1x1.
            pixels = self.minibatch_std(pixels[:, :, None, None]).flatten(1)
        return self.net(pixels).squeeze(1)


def initialize(model: nn.Module, scheme: str) -> None:
    """Re-initialise conv and linear weights in place with torch.nn.init.

    "default" keeps PyTorch's own (Kaiming-uniform) initialisation, "xavier"
    is Glorot & Bengio's uniform scheme and "normal" is DCGAN's N(0, 0.02).
    Biases start at zero with either of the last two.
    """
    if scheme not in INITIALIZATIONS:
        raise ValueError(f"Unknown initialisation {scheme!r}; expected one of {INITIALIZATIONS}.")
    if scheme == "default":
        return
    for module in model.modules():
        if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
            if scheme == "xavier":
                nn.init.xavier_uniform_(module.weight)
            else:
                nn.init.normal_(module.weight, 0.0, 0.02)
            if module.bias is not None:
                nn.init.zeros_(module.bias)


def apply_spectral_norm(model: nn.Module) -> None:
    """Bound every conv and linear layer's largest singular value by 1 (Miyato et al., 2018)."""
    for module in list(model.modules()):
        if isinstance(module, (nn.Conv2d, nn.Linear)):
            spectral_norm(module)


def build_generator(kind: str, latent_size: int, width: int) -> nn.Module:
    """Return a generator of family `kind` with PyTorch's default initialisation.

    `width` is the first conv's channel count for "dcgan"; the fully
    connected pair uses hidden layers of 4 * width and 8 * width units.
    """
    if kind == "dcgan":
        return DcganGenerator(latent_size, width)
    if kind == "mlp":
        return MlpGenerator(latent_size, 4 * width)
    raise ValueError(f"Unknown model {kind!r}; expected one of {MODELS}.")


def build_discriminator(kind: str, width: int, spectral: bool, minibatch_std: bool) -> nn.Module:
    """Return a discriminator of family `kind`; `width` as for `build_generator`."""
    if kind == "dcgan":
        return DcganDiscriminator(width, batch_norm=not spectral, minibatch_std=minibatch_std)
    if kind == "mlp":
        return MlpDiscriminator(4 * width, minibatch_std=minibatch_std)
    raise ValueError(f"Unknown model {kind!r}; expected one of {MODELS}.")


def build_models(
    kind: str,
    latent_size: int,
    width: int,
    init: str = "default",
    spectral: bool = True,
    minibatch_std: bool = True,
) -> tuple[nn.Module, nn.Module]:
    """Return a fresh, initialised (generator, discriminator) pair of family `kind`.

    Spectral norm goes on after initialisation so its power iteration starts
    from the initialised weights.
    """
    generator = build_generator(kind, latent_size, width)
    discriminator = build_discriminator(kind, width, spectral, minibatch_std)
    initialize(generator, init)
    initialize(discriminator, init)
    if spectral:
        apply_spectral_norm(discriminator)
    return generator, discriminator


def to_model_range(images: torch.Tensor) -> torch.Tensor:
    """Map pixels from [0, 1] to the generator's tanh range [-1, 1]."""
    return images * 2.0 - 1.0


def to_pixel_range(samples: torch.Tensor) -> torch.Tensor:
    """Map generator output from [-1, 1] back to [0, 1] pixels."""
    return ((samples + 1.0) / 2.0).clamp(0.0, 1.0)
