"""Judge generated digits with the digit classifier and name what went wrong.

A GAN's losses tell little about sample quality, so the Draw panel's
classifier reads a batch of samples. How sure it is measures quality, and how
evenly its predicted labels spread over the ten digits measures diversity. A histogram that
narrows to a few digits is mode collapse.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np
from torch import nn

from engine.classifier import load_checkpoint, predict_probabilities, shipped_checkpoint

DIGITS = 10
# A digit counts as present when at least this share of samples is read as it.
PRESENT_SHARE = 0.02
# Below this mean top probability the samples do not read as digits at all.
UNREADABLE_CONFIDENCE = 0.5
# D(G(z)) below this for WINNING_STEPS steps in a row means D wins outright.
WINNING_D_FAKE = 0.05
WINNING_STEPS = 200

Classify = Callable[[np.ndarray], np.ndarray]


@dataclass
class Judgement:
    """The classifier's reading of a sample batch at training step `step`.

    `histogram` (10,) is the share of samples predicted as each digit and
    `confidence` the mean top probability. `classes` counts the digits with a
    share of at least 2%. `entropy` is the histogram's entropy over log 10,
    which is 1 when all ten digits are equally common and 0 for one digit.
    """

    step: int
    histogram: np.ndarray
    confidence: float
    classes: int
    entropy: float
    verdict: str

    def summary_line(self) -> str:
        """Return the `classes=… confidence=… entropy=…` line the CLI prints."""
        return f"classes={self.classes} confidence={self.confidence:.4f} entropy={self.entropy:.4f}"


class Judge:
    """Reads samples with a classifier given as a function (N, 28, 28) -> (N, 10) probabilities."""

    def __init__(self, classify: Classify, batch: int = 250):
        self.classify = classify
        self.batch = batch

    @classmethod
    def from_model(cls, model: nn.Module) -> "Judge":
        """Build a judge that reads samples with `model`, a DigitCNN."""
        return cls(lambda images: predict_probabilities(model, images))

    @classmethod
    def from_checkpoint(cls, path=None) -> "Judge":
        """Build a judge from a classifier checkpoint, by default the shipped one."""
        model, _ = load_checkpoint(path or shipped_checkpoint())
        return cls.from_model(model)

    def judge(self, images: np.ndarray, step: int = 0) -> Judgement:
        """Return the judgement of images (N, 28, 28) in [0, 1]."""
        starts = range(0, len(images), self.batch)
        parts = [self.classify(images[start : start + self.batch]) for start in starts]
        probabilities = np.concatenate(parts) if parts else np.zeros((0, DIGITS))
        return judge_probabilities(probabilities, step)


def judge_probabilities(probabilities: np.ndarray, step: int = 0) -> Judgement:
    """Summarise class probabilities (N, 10) as a Judgement."""
    if len(probabilities) == 0:
        return Judgement(step, np.zeros(DIGITS), 0.0, 0, 0.0, "No samples to judge.")
    labels = probabilities.argmax(axis=1)
    histogram = np.bincount(labels, minlength=DIGITS) / len(labels)
    confidence = float(probabilities.max(axis=1).mean())
    classes = int((histogram >= PRESENT_SHARE).sum())
    entropy = normalized_entropy(histogram)
    verdict = describe(histogram, confidence, classes, entropy)
    return Judgement(step, histogram, confidence, classes, entropy, verdict)


def normalized_entropy(histogram: np.ndarray) -> float:
    """Return -sum(p log p) / log 10 for shares p (10,), ignoring empty digits."""
    shares = histogram[histogram > 0]
    return max(0.0, float(-(shares * np.log(shares)).sum() / math.log(DIGITS)))


def describe(histogram: np.ndarray, confidence: float, classes: int, entropy: float) -> str:
    """Return a sentence on sample quality and mode collapse for the user."""
    if confidence < UNREADABLE_CONFIDENCE:
        return (
            f"The classifier cannot read the samples yet (mean confidence {confidence:.0%}): "
            "they do not look like digits."
        )
    common = [str(d) for d in np.argsort(-histogram) if histogram[d] >= PRESENT_SHARE]
    missing = [str(d) for d in range(DIGITS) if histogram[d] < PRESENT_SHARE]
    if classes <= 2:
        return (
            f"Mode collapse: nearly every sample is read as {' or '.join(common)}. G has found "
            "a few outputs that fool D; reset, or lower G's learning rate."
        )
    if classes < 8 or entropy < 0.8:
        return (
            f"Partial mode collapse: {classes} of 10 digits appear (entropy {entropy:.2f}); "
            f"rare or missing: {', '.join(missing) or 'none, but the mix is uneven'}."
        )
    return (
        f"{classes} of 10 digits appear (entropy {entropy:.2f}) and the classifier "
        f"is {confidence:.0%} sure on average."
    )


class DiscriminatorWatch:
    """Notices D winning outright: mean D(G(z)) below 0.05 for 200 steps in a row.

    G then gets almost no useful gradient from D (with the minimax loss none
    at all), so the game stalls instead of converging.
    """

    def __init__(self, threshold: float = WINNING_D_FAKE, steps: int = WINNING_STEPS):
        self.threshold = threshold
        self.steps = steps
        self.streak = 0

    def update(self, d_fake: float) -> str | None:
        """Record one step's mean D(G(z)); return a warning sentence while D wins."""
        self.streak = self.streak + 1 if d_fake < self.threshold else 0
        if self.streak < self.steps:
            return None
        return (
            f"D is winning outright: D(G(z)) has stayed below {self.threshold} for "
            f"{self.streak} steps, so G learns almost nothing. Lower D's learning rate, "
            "use fewer D steps or the non-saturating loss."
        )
