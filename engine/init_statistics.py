"""Measure how activations and gradients spread through a freshly initialised network.

One forward pass of a batch and one backward pass of a unit-variance random
gradient g ~ N(0, 1) injected at the last layer's output, that is of the loss
L = sum(h_last * g), so that the backward pass mirrors the forward pass:
without a readout or labels, nothing but the weights scales the gradient.
Everything runs in float64, so that N(0, 1) weights in deep layers grow to
1e100 and more without overflowing float32's 3e38.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import torch

from engine.data import DigitData
from engine.initialization import (
    HISTOGRAM_BINS,
    INPUT_SIZE,
    DeepMLP,
    InitConfig,
    initialize_network,
)

log = logging.getLogger(__name__)

# Offsets from the weight seed for the input batch and the injected gradient,
# so that the three random streams are independent.
INPUT_SEED_OFFSET = 1
GRADIENT_SEED_OFFSET = 2


@dataclass
class Histogram:
    """The distribution of one layer's values: `fractions` (bins,) of `edges` (bins + 1,)."""

    fractions: np.ndarray
    edges: np.ndarray
    std: float


@dataclass
class SchemeStatistics:
    """Per-layer statistics of one scheme; every array has shape (depth,), first layer first.

    For layer l with input x, pre-activation z = W x + b and activation
    h = f(z), with b = 0 at initialisation:
    - weight_variance: E[W^2] over the layer's matrix, Var(w) of the formula;
    - preactivation_variance: Var(z) over the batch and the units;
    - predicted_variance: n_in E[W^2] E[x^2], the formula applied to the
      measured input, which is n Var(w) Var(x) for zero-mean x;
    - activation_variance: Var(h);
    - gradient_variance: Var(dL/dh);
    - predicted_gradient_variance: n_out E[W'^2] E[(dL/dz')^2] with W' and z'
      of the next layer, the backward formula; 1 for the last layer, whose
      gradient is the injected g.
    NaN marks a value that overflowed even float64.
    """

    scheme: str
    weight_variance: np.ndarray
    preactivation_variance: np.ndarray
    predicted_variance: np.ndarray
    activation_variance: np.ndarray
    gradient_variance: np.ndarray
    predicted_gradient_variance: np.ndarray
    activation_histograms: list[Histogram]
    gradient_histograms: list[Histogram]

    @property
    def growth(self) -> float:
        """Return the last layer's activation variance over the first layer's."""
        return float(self.activation_variance[-1] / self.activation_variance[0])


def digit_scale(data: DigitData) -> tuple[float, float]:
    """Return the mean and standard deviation of all training pixels."""
    return float(data.train_images.mean()), float(data.train_images.std())


def standardize_digits(images: np.ndarray, data: DigitData) -> torch.Tensor:
    """Flatten (N, 28, 28) digits to (N, 784) with zero mean and unit variance overall.

    The mean and standard deviation come from the whole training split, so the
    second moment of the pixels E[x^2] is close to 1 for any large batch.
    """
    mean, std = digit_scale(data)
    flat = torch.from_numpy(images.reshape(len(images), INPUT_SIZE))
    return (flat - mean) / std


def input_batch(config: InitConfig, data: DigitData | None) -> torch.Tensor:
    """Return the (batch_size, 784) float64 input batch that `config` specifies."""
    # The weights use `seed` itself: the same stream here would make the noise
    # a copy of the first weight matrix and z = W x far larger than predicted.
    generator = torch.Generator().manual_seed(config.seed + INPUT_SEED_OFFSET)
    if config.inputs == "noise":
        return torch.randn(config.batch_size, INPUT_SIZE, generator=generator, dtype=torch.float64)
    if data is None:
        raise ValueError("Digit input needs the digit data; pass it or choose noise input.")
    count = min(config.batch_size, len(data.train_images))
    chosen = torch.randperm(len(data.train_images), generator=generator)[:count].numpy()
    return standardize_digits(data.train_images[chosen], data).double()


def measure_scheme(
    config: InitConfig, scheme: str, data: DigitData | None = None
) -> SchemeStatistics:
    """Initialise the network of `config` with `scheme` and measure every layer."""
    config.validate()
    model = DeepMLP(config.depth, config.width, config.activation, dtype=torch.float64)
    initialize_network(model, scheme, config.seed)
    inputs = input_batch(config, data)

    # Forward, keeping each layer's input, pre-activation and activation.
    layer_inputs, preactivations, activations = [], [], []
    x = inputs
    for layer in model.layers:
        layer_inputs.append(x)
        z = layer(x)
        h = model.activate(z)
        z.retain_grad()
        h.retain_grad()
        preactivations.append(z)
        activations.append(h)
        x = h

    # Backward from L = sum(h_last * g) with g ~ N(0, 1), so dL/dh_last = g.
    generator = torch.Generator().manual_seed(config.seed + GRADIENT_SEED_OFFSET)
    injected = torch.randn(x.shape, generator=generator, dtype=torch.float64)
    (x * injected).sum().backward()

    with torch.no_grad():
        return _collect(scheme, model, layer_inputs, preactivations, activations)


def measure_schemes(
    config: InitConfig, schemes, data: DigitData | None = None
) -> dict[str, SchemeStatistics]:
    """Return `measure_scheme` for each scheme, keyed by name, in the given order."""
    return {scheme: measure_scheme(config, scheme, data) for scheme in schemes}


def _collect(scheme, model, layer_inputs, preactivations, activations) -> SchemeStatistics:
    layers = list(model.layers)
    weight_variance = [_mean_square(layer.weight) for layer in layers]
    predicted = [
        layer.in_features * w2 * _mean_square(x)
        for layer, w2, x in zip(layers, weight_variance, layer_inputs)
    ]
    # Backward, layer l receives dL/dh_l = W_{l+1}^T dL/dz_{l+1}.
    predicted_gradient = [
        layer.out_features * w2 * _mean_square(z.grad)
        for layer, w2, z in zip(layers[1:], weight_variance[1:], preactivations[1:])
    ]
    predicted_gradient.append(1.0)
    return SchemeStatistics(
        scheme=scheme,
        weight_variance=_finite_array(weight_variance),
        preactivation_variance=_finite_array([_variance(z) for z in preactivations]),
        predicted_variance=_finite_array(predicted),
        activation_variance=_finite_array([_variance(h) for h in activations]),
        gradient_variance=_finite_array([_variance(h.grad) for h in activations]),
        predicted_gradient_variance=_finite_array(predicted_gradient),
        activation_histograms=[histogram(h) for h in activations],
        gradient_histograms=[histogram(h.grad) for h in activations],
    )


# The reductions run in numpy, on one thread: torch's intra-op threads cost
# more than they save on arrays of about 65,000 entries, above all when
# the engine thread is training at the same time.


def _mean_square(values: torch.Tensor) -> float:
    array = values.detach().cpu().numpy()
    return float(np.mean(array * array))


def _variance(values: torch.Tensor) -> float:
    """Return the population variance over all entries (batch and units together)."""
    return float(np.var(values.detach().cpu().numpy()))


def _finite_array(values: list[float]) -> np.ndarray:
    array = np.asarray(values, dtype=np.float64)
    array[~np.isfinite(array)] = np.nan
    return array


def histogram(values: torch.Tensor, bins: int = HISTOGRAM_BINS) -> Histogram:
    """Return the histogram of the finite entries of `values` over their full range."""
    flat = values.detach().reshape(-1).cpu().numpy()
    flat = flat[np.isfinite(flat)]
    if flat.size == 0:
        return Histogram(np.zeros(bins), np.linspace(-1.0, 1.0, bins + 1), float("nan"))
    counts, edges = np.histogram(flat, bins=bins)
    return Histogram(counts / flat.size, edges, float(flat.std()))
