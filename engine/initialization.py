"""Weight initialisation schemes and the layer-by-layer statistics they produce.

For a linear unit z = w1 x1 + ... + wn xn with independent zero-mean weights,
Var(z) = n Var(w) E[x^2], which is n Var(w) Var(x) for zero-mean inputs. The
variance stays the same from layer to layer when n Var(w) = 1, which is the
Xavier initialisation Var(W) = 1/n_in (Glorot and Bengio, "Understanding the
difficulty of training deep feedforward neural networks", AISTATS 2010).
Backward, the same argument gives Var(dL/dx) = n_out Var(w) Var(dL/dz).

`measure_scheme` builds a deep fully connected network, initialises it with a
scheme, feeds it one batch and returns the measured and predicted variance of
every layer in both directions, with histograms.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import torch
from torch import nn


log = logging.getLogger(__name__)

SCHEMES = ("normal", "small", "xavier", "glorot", "glorot-uniform", "he", "orthogonal")
ACTIVATIONS = ("linear", "tanh", "relu", "sigmoid")
INPUTS = ("digits", "noise")
INPUT_SIZE = 28 * 28
CLASSES = 10
MAX_DEPTH = 50
MAX_WIDTH = 512
HISTOGRAM_BINS = 50

# The weight distribution of each scheme, for labels and tooltips.
SCHEME_FORMULAS = {
    "normal": "N(0, 1)",
    "small": "N(0, 0.01²)",
    "xavier": "N(0, 1/n_in)",
    "glorot": "N(0, 2/(n_in + n_out))",
    "glorot-uniform": "U(±√(6/(n_in + n_out))), Var(W) = 2/(n_in + n_out)",
    "he": "N(0, 2/n_in)",
    "orthogonal": "orthogonal matrix, gain 1",
}


@dataclass
class InitConfig:
    """The network and the batch that the statistics are measured on."""

    depth: int = 10
    width: int = 256
    activation: str = "linear"
    inputs: str = "digits"
    batch_size: int = 256
    seed: int = 0

    def validate(self) -> None:
        """Raise ValueError with a sentence for any out-of-range value."""
        if self.activation not in ACTIVATIONS:
            raise ValueError(
                f"Unknown activation {self.activation!r}; expected one of {', '.join(ACTIVATIONS)}."
            )
        if self.inputs not in INPUTS:
            raise ValueError(f"Unknown input {self.inputs!r}; expected one of {', '.join(INPUTS)}.")
        if not 1 <= self.depth <= MAX_DEPTH:
            raise ValueError(f"Depth must be between 1 and {MAX_DEPTH} layers, not {self.depth}.")
        if not 1 <= self.width <= MAX_WIDTH:
            raise ValueError(f"Width must be between 1 and {MAX_WIDTH} units, not {self.width}.")
        if self.batch_size < 2:
            raise ValueError(f"Batch size must be at least 2, not {self.batch_size}.")


def validate_scheme(scheme: str) -> None:
    """Raise ValueError unless `scheme` is one of SCHEMES."""
    if scheme not in SCHEMES:
        raise ValueError(f"Unknown scheme {scheme!r}; expected one of {', '.join(SCHEMES)}.")


class DeepMLP(nn.Module):
    """`depth` fully connected layers of `width` units, each followed by `activation`.

    With `classes` set, a linear readout to that many logits follows the last
    hidden layer. Input (N, 784), output (N, width) or (N, classes).
    """

    def __init__(
        self,
        depth: int,
        width: int,
        activation: str,
        classes: int | None = None,
        dtype: torch.dtype = torch.float32,
    ):
        super().__init__()
        sizes = [INPUT_SIZE] + [width] * depth
        self.layers = nn.ModuleList(
            nn.Linear(n_in, n_out, dtype=dtype) for n_in, n_out in zip(sizes, sizes[1:])
        )
        self.activation = activation
        self.readout = nn.Linear(width, classes, dtype=dtype) if classes else None

    def activate(self, z: torch.Tensor) -> torch.Tensor:
        if self.activation == "tanh":
            return torch.tanh(z)
        if self.activation == "relu":
            return torch.relu(z)
        if self.activation == "sigmoid":
            return torch.sigmoid(z)
        return z

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for layer in self.layers:
            x = self.activate(layer(x))
        if self.readout is not None:
            x = self.readout(x)
        return x

    def linear_layers(self) -> list[nn.Linear]:
        readout = [self.readout] if self.readout is not None else []
        return list(self.layers) + readout


def initialize_weight(weight: torch.Tensor, scheme: str, generator: torch.Generator) -> None:
    """Fill a (n_out, n_in) weight matrix in place with torch.nn.init's `scheme`."""
    if scheme == "normal":
        nn.init.normal_(weight, 0.0, 1.0, generator=generator)
    elif scheme == "small":
        nn.init.normal_(weight, 0.0, 0.01, generator=generator)
    elif scheme == "xavier":
        # torch's xavier_* functions are Glorot's 2/(n_in + n_out). Kaiming with
        # the linear gain 1 is std = 1/sqrt(fan_in), the 1/n_in rule.
        nn.init.kaiming_normal_(weight, mode="fan_in", nonlinearity="linear", generator=generator)
    elif scheme == "glorot":
        nn.init.xavier_normal_(weight, generator=generator)
    elif scheme == "glorot-uniform":
        nn.init.xavier_uniform_(weight, generator=generator)
    elif scheme == "he":
        nn.init.kaiming_normal_(weight, mode="fan_in", nonlinearity="relu", generator=generator)
    elif scheme == "orthogonal":
        nn.init.orthogonal_(weight, gain=1.0, generator=generator)
    else:
        validate_scheme(scheme)


def initialize_network(model: DeepMLP, scheme: str, seed: int) -> None:
    """Initialise every linear layer of `model` with `scheme` and zero biases.

    The same seed gives every normal-based scheme the same standard normal
    draws, so their curves differ only by the scale of the weights.
    """
    validate_scheme(scheme)
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for layer in model.linear_layers():
            initialize_weight(layer.weight, scheme, generator)
            nn.init.zeros_(layer.bias)


def nominal_weight_variance(scheme: str, n_in: int, n_out: int) -> float:
    """Return Var(W) that `scheme` aims for in a (n_out, n_in) layer."""
    validate_scheme(scheme)
    if scheme == "normal":
        return 1.0
    if scheme == "small":
        return 1e-4
    if scheme == "xavier":
        return 1.0 / n_in
    if scheme == "he":
        return 2.0 / n_in
    if scheme == "orthogonal":
        # Orthonormal rows (n_out <= n_in) have squared norm 1 spread over n_in
        # entries; orthonormal columns have it spread over n_out entries.
        return 1.0 / max(n_in, n_out)
    return 2.0 / (n_in + n_out)
