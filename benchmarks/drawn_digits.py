"""Accuracy on canvas-like drawings made from the held-out default digits.

Each of the 1,000 test digits is redrawn on a 280x280 canvas in several ways
(centred, in a corner, shrunk, enlarged, thickened, thinned, inverted) and
read through the same preprocessing as the Draw panel. Prints one line per
variant: accuracy and the number of digits.

    python benchmarks/drawn_digits.py [--checkpoint FILE] [--limit N]
"""

from __future__ import annotations

import argparse

import numpy as np
from PIL import Image, ImageFilter

from engine.data import load_default_digits
from engine.predictor import Predictor

CANVAS = 280


def crop_to_ink(digit: np.ndarray) -> np.ndarray:
    rows = np.flatnonzero(digit.max(axis=1) > 0)
    cols = np.flatnonzero(digit.max(axis=0) > 0)
    return digit[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]


def draw(digit: np.ndarray, height: int, down: float, across: float, stroke: int = 0) -> np.ndarray:
    """Scale the digit's ink to `height` pixels and paste it whole on the canvas.

    `down` and `across` place it: 0 at the top or left edge, 1 at the bottom
    or right edge, 0.5 in the middle.
    """
    ink = crop_to_ink(digit)
    width = max(1, round(ink.shape[1] * height / ink.shape[0]))
    picture = Image.fromarray((ink * 255).astype(np.uint8)).resize((width, height), Image.Resampling.BICUBIC)
    if stroke > 0:
        picture = picture.filter(ImageFilter.MaxFilter(stroke))
    elif stroke < 0:
        picture = picture.filter(ImageFilter.MinFilter(-stroke))
    patch = np.asarray(picture, dtype=np.float32)[:CANVAS, :CANVAS] / 255.0
    top = round(down * (CANVAS - patch.shape[0]))
    left = round(across * (CANVAS - patch.shape[1]))
    canvas = np.zeros((CANVAS, CANVAS), dtype=np.float32)
    canvas[top : top + patch.shape[0], left : left + patch.shape[1]] = patch
    return canvas


VARIANTS = {
    "centred (200 px)": lambda d: draw(d, 200, 0.5, 0.5),
    "top-left corner (70 px)": lambda d: draw(d, 70, 0.0, 0.0),
    "bottom-right corner (110 px)": lambda d: draw(d, 110, 1.0, 1.0),
    "off-centre right (150 px)": lambda d: draw(d, 150, 0.3, 0.9),
    "shrunk (40 px)": lambda d: draw(d, 40, 0.5, 0.5),
    "enlarged (280 px)": lambda d: draw(d, 280, 0.5, 0.5),
    "thick strokes": lambda d: draw(d, 200, 0.5, 0.5, stroke=9),
    "thin strokes": lambda d: draw(d, 200, 0.5, 0.5, stroke=-5),
    "inverted (dark on light)": lambda d: 1.0 - draw(d, 200, 0.5, 0.5),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoint", help="classifier checkpoint (default: shipped)")
    parser.add_argument("--limit", type=int, default=1000, help="test digits to use")
    args = parser.parse_args()

    data = load_default_digits()
    predictor = Predictor.from_checkpoint(args.checkpoint)
    digits, labels = data.test_images[: args.limit], data.test_labels[: args.limit]
    plain = predictor.predict_images(digits).argmax(axis=1)
    print(f"{'MNIST 28x28 as given':30s} accuracy={np.mean(plain == labels):.4f} n={len(labels)}")
    for name, make in VARIANTS.items():
        correct = 0
        for digit, label in zip(digits, labels):
            prediction = predictor.predict(make(digit))
            correct += prediction is not None and prediction.digit == label
        print(f"{name:30s} accuracy={correct / len(labels):.4f} n={len(labels)}")


if __name__ == "__main__":
    main()
