"""The digit classifier: a small LeNet-style CNN, prediction and checkpoints."""

from __future__ import annotations

import logging
import os
from importlib import resources
from pathlib import Path

import numpy as np
import torch
from torch import nn

from engine.checkpoint_files import CheckpointError, read_checkpoint, write_checkpoint

log = logging.getLogger(__name__)

CHECKPOINT_KIND = "digit-playground/cnn"
CHECKPOINT_VERSION = 1
# MNIST's pixel mean and standard deviation on [0, 1] images.
PIXEL_MEAN = 0.1307
PIXEL_STD = 0.3081


class DigitCNN(nn.Module):
    """Two conv blocks, each conv-BN-ReLU twice and a 2x2 max-pool, then a dense head.

    Input (N, 1, 28, 28) in [0, 1]; output (N, 10) logits. Batch norm lets
    the net train fast on 4,000 digits and dropout keeps it from memorising.
    """

    def __init__(self, width: int = 32, hidden: int = 128, dropout: float = 0.4):
        super().__init__()

        def block(inputs: int, outputs: int) -> nn.Sequential:
            return nn.Sequential(
                nn.Conv2d(inputs, outputs, 3, padding=1, bias=False),
                nn.BatchNorm2d(outputs),
                nn.ReLU(inplace=True),
                nn.Conv2d(outputs, outputs, 3, padding=1, bias=False),
                nn.BatchNorm2d(outputs),
                nn.ReLU(inplace=True),
                nn.MaxPool2d(2),
            )

        self.config = {"width": width, "hidden": hidden, "dropout": dropout}
        self.features = nn.Sequential(block(1, width), block(width, 2 * width))
        self.head = nn.Sequential(
            nn.Flatten(),
            nn.Dropout(dropout),
            nn.Linear(2 * width * 7 * 7, hidden),
            nn.ReLU(inplace=True),
            nn.Dropout(dropout),
            nn.Linear(hidden, 10),
        )

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.head(self.features((images - PIXEL_MEAN) / PIXEL_STD))


def predict_probabilities(model: nn.Module, images: np.ndarray) -> np.ndarray:
    """Return class probabilities, shape (N, 10), for images of shape (N, 28, 28)."""
    model.eval()
    device = next(model.parameters()).device
    batch = torch.from_numpy(np.ascontiguousarray(images, dtype=np.float32))
    with torch.inference_mode():
        logits = model(batch.to(device).unsqueeze(1))
        return torch.softmax(logits, dim=1).cpu().numpy()


def shipped_checkpoint() -> Path:
    """Return the path of the classifier checkpoint shipped with the app."""
    return Path(str(resources.files("resources") / "cnn.pt"))


def save_checkpoint(model: DigitCNN, path: str | os.PathLike, metadata: dict | None = None) -> None:
    """Write the model's weights and layout to `path` atomically."""
    state = {k: v.detach().cpu() for k, v in model.state_dict().items()}
    payload = {
        "kind": CHECKPOINT_KIND,
        "version": CHECKPOINT_VERSION,
        "config": dict(model.config),
        "state_dict": state,
        "metadata": dict(metadata or {}),
    }
    write_checkpoint(payload, path)


def load_checkpoint(path: str | os.PathLike) -> tuple[DigitCNN, dict]:
    """Load a classifier checkpoint on the CPU, returning the model and its metadata.

    Raises CheckpointError with a sentence for a file that is unreadable, not
    a classifier checkpoint, or of another network layout.
    """
    payload = read_checkpoint(path, CHECKPOINT_KIND, "classifier checkpoint", CHECKPOINT_VERSION)
    try:
        model = DigitCNN(**payload["config"])
        model.load_state_dict(payload["state_dict"])
    except (KeyError, TypeError, RuntimeError) as error:
        log.debug("layout mismatch in %s: %s", path, error)
        raise CheckpointError(
            f"{path} does not match the classifier's layout: its layers have other names or sizes."
        ) from error
    if not all(torch.isfinite(value).all() for value in model.state_dict().values()):
        raise CheckpointError(f"{path} contains NaN or infinite weights, e.g. from a run that diverged.")
    model.eval()
    return model, dict(payload.get("metadata", {}))
