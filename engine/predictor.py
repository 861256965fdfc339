"""Read drawings with a private copy of the classifier.

The predictor owns its own model instance, so reading the canvas does not
wait for a training step. Training publishes weight snapshots, and the
predictor swaps them in between two predictions.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine.classifier import DigitCNN, load_checkpoint, predict_probabilities, shipped_checkpoint
from engine.events import Snapshot
from engine.preprocess import to_mnist


@dataclass
class Prediction:
    """The 28x28 image given to the network and its ten class probabilities."""

    image: np.ndarray
    probabilities: np.ndarray

    @property
    def digit(self) -> int:
        return int(self.probabilities.argmax())

    @property
    def confidence(self) -> float:
        return float(self.probabilities.max())


class Predictor:
    """Turns drawings into predictions with its own CPU copy of the classifier."""

    def __init__(self, model: DigitCNN):
        self._lock = threading.Lock()
        self.model = model.cpu().eval()
        # The model swapped out by the last snapshot, reused for the next one:
        # loading weights into it is far cheaper than building a new network.
        self._spare: DigitCNN | None = None

    @classmethod
    def from_checkpoint(cls, path: str | Path | None = None) -> "Predictor":
        model, _ = load_checkpoint(path or shipped_checkpoint())
        return cls(model)

    def load_snapshot(self, snapshot: Snapshot) -> None:
        """Swap in weights published by a training run."""
        model = self._spare
        if model is None or model.config != snapshot.config:
            model = DigitCNN(**snapshot.config)
        model.load_state_dict(snapshot.state_dict)
        with self._lock:
            self._spare, self.model = self.model, model.eval()

    def replace_model(self, model: DigitCNN) -> None:
        """Use `model` from now on; the caller must not train it further."""
        with self._lock:
            self.model = model.cpu().eval()
            self._spare = None

    def predict(self, grey: np.ndarray, light_ink: bool | None = None) -> Prediction | None:
        """Return the prediction for a drawing, or None when it is blank."""
        image = to_mnist(grey, light_ink)
        if image is None:
            return None
        return Prediction(image, self.predict_images(image[None])[0])

    def predict_images(self, images: np.ndarray) -> np.ndarray:
        """Return probabilities (N, 10) for MNIST-like images (N, 28, 28)."""
        with self._lock:
            return predict_probabilities(self.model, images)

