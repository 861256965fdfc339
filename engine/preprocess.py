"""Turn a drawing of any size into an MNIST-like 28x28 image.

MNIST's digits were made by cropping each scan to its ink and scaling it,
anti-aliased and keeping the aspect ratio, so the longer side is 20 pixels.
The result was pasted into a 28x28 field with its centre of mass at the
field's centre.
In the shipped MNIST data that centre of mass is at index (14, 14) to within
half a pixel, which is what an integer shift onto (14, 14) gives.
"""

from __future__ import annotations

import os
import warnings

import numpy as np
from PIL import Image, ImageFilter, UnidentifiedImageError

FIELD = 28
BOX = 20
CENTRE = 14.0
# Ink below this fraction of the brightest stroke counts as background when
# finding the bounding box, so faint anti-aliasing or JPEG noise is ignored.
INK_THRESHOLD = 0.1
# A drawing whose strongest ink is below this (on a 0..1 scale) is blank.
BLANK_CONTRAST = 0.15
# Border ink fainter than this is noise on the page, not strokes; ink up to
# the strongest such noise is removed everywhere.
NOISE_CEILING = 0.5
# Longer sides of image files are reduced to this before anything else.
MAX_SIDE = 1024


class ImageReadError(Exception):
    """An image file that could not be opened or decoded."""


def read_image(path: str | os.PathLike) -> np.ndarray:
    """Read an image file as grey values in [0, 1], of either polarity.

    A transparent page counts as background whatever its colour, so a
    drawing exported with alpha reads the same as one on an opaque page.
    Images with a side over MAX_SIDE are reduced first: the digit ends up
    20 pixels high anyway.
    """
    try:
        with warnings.catch_warnings():
            # Pillow only warns about images of 89 to 179 million pixels.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                image.draft("RGB", (MAX_SIDE, MAX_SIDE))
                image.thumbnail((MAX_SIDE, MAX_SIDE))
                rgba = np.asarray(image.convert("RGBA"), dtype=np.float32) / 255.0
    except FileNotFoundError as error:
        raise ImageReadError(f"{path}: file not found.") from error
    except IsADirectoryError as error:
        raise ImageReadError(f"{path}: is a folder, not an image file.") from error
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise ImageReadError(f"{path}: image too large to read safely ({error}).") from error
    except (UnidentifiedImageError, OSError, ValueError) as error:
        raise ImageReadError(f"{path}: not a readable image file ({error}).") from error
    return flatten_alpha(rgba)


def flatten_alpha(rgba: np.ndarray) -> np.ndarray:
    """Return grey values for an RGBA image, using alpha as ink on a transparent page."""
    alpha = rgba[..., 3]
    if np.median(border_pixels(alpha)) < 0.5:
        # A transparent page: ink is whatever is opaque, whatever its colour.
        return alpha
    # An opaque page: a few transparent pixels take the page's grey.
    grey = rgba[..., :3].mean(axis=2)
    page = float(np.median(border_pixels(grey)))
    return grey * alpha + page * (1.0 - alpha)


def border_pixels(image: np.ndarray) -> np.ndarray:
    return np.concatenate([image[0], image[-1], image[:, 0], image[:, -1]])


def ink_from_grey(grey: np.ndarray) -> np.ndarray:
    """Return ink as light-on-dark in [0, 1], whatever the drawing's polarity.

    The background is the median of the border pixels: a light border means
    dark ink on a light page, so the image is inverted. A 3x3 median filter
    and a noise floor measured on the border then remove sensor noise, JPEG
    artefacts and uneven lighting, which would otherwise count as ink.
    """
    grey = np.asarray(grey, dtype=np.float32)
    background = float(np.median(border_pixels(grey)))
    ink = background - grey if background > 0.5 else grey - background
    ink = np.asarray(Image.fromarray(np.clip(ink, 0.0, None), mode="F").filter(ImageFilter.MedianFilter(3)))
    # Strokes may touch the border: only faint border pixels measure the noise.
    border = border_pixels(ink)
    faint = border[border < NOISE_CEILING]
    floor = float(faint.max()) if faint.size else 0.0
    return np.clip(ink - floor, 0.0, None)


def bounding_box(ink: np.ndarray) -> tuple[int, int, int, int] | None:
    """Return (top, bottom, left, right), exclusive ends, of the visible ink."""
    peak = float(ink.max())
    if peak < BLANK_CONTRAST:
        return None
    mask = ink >= INK_THRESHOLD * peak
    rows = np.flatnonzero(mask.any(axis=1))
    cols = np.flatnonzero(mask.any(axis=0))
    return rows[0], rows[-1] + 1, cols[0], cols[-1] + 1


def scale_to_box(crop: np.ndarray, box: int = BOX) -> np.ndarray:
    """Resize so the longer side is `box` pixels, keeping the aspect ratio."""
    height, width = crop.shape
    factor = box / max(height, width)
    size = (max(1, round(width * factor)), max(1, round(height * factor)))
    image = Image.fromarray(crop.astype(np.float32), mode="F")
    # LANCZOS anti-aliases when shrinking a large drawing and stays sharp when
    # enlarging a tiny one; it may overshoot slightly, hence the clip.
    return np.clip(np.asarray(image.resize(size, Image.Resampling.LANCZOS)), 0.0, None)


def centre_of_mass(image: np.ndarray) -> tuple[float, float]:
    """Return the (row, column) centre of mass of a non-empty image."""
    total = image.sum()
    rows = np.arange(image.shape[0])
    cols = np.arange(image.shape[1])
    return (
        float(image.sum(axis=1) @ rows / total),
        float(image.sum(axis=0) @ cols / total),
    )


def paste_centred(patch: np.ndarray, field: int = FIELD) -> np.ndarray:
    """Paste `patch` into a field x field image with its centre of mass at CENTRE."""
    com_row, com_col = centre_of_mass(patch)
    top = int(round(CENTRE - com_row))
    left = int(round(CENTRE - com_col))
    out = np.zeros((field, field), dtype=np.float32)

    # Clip the patch where the shift pushes part of it outside the field.
    src_top, src_left = max(0, -top), max(0, -left)
    dst_top, dst_left = max(0, top), max(0, left)
    height = min(patch.shape[0] - src_top, field - dst_top)
    width = min(patch.shape[1] - src_left, field - dst_left)
    out[dst_top : dst_top + height, dst_left : dst_left + width] = patch[
        src_top : src_top + height, src_left : src_left + width
    ]
    return out


def to_mnist(grey: np.ndarray, light_ink: bool | None = None) -> np.ndarray | None:
    """Turn a grey drawing of any size into a 28x28 float32 MNIST-like image.

    `grey` contains values in [0, 1]. `light_ink` gives the polarity when known
    (the canvas passes True); None detects it from the border. Returns None for
    a blank drawing, so that callers show no prediction rather than a guess.
    """
    grey = np.asarray(grey, dtype=np.float32)
    if light_ink is None:
        ink = ink_from_grey(grey)
    else:
        ink = grey if light_ink else 1.0 - grey

    box = bounding_box(ink)
    if box is None:
        return None
    top, bottom, left, right = box
    crop = ink[top:bottom, left:right] / ink.max()

    patch = scale_to_box(crop)
    if patch.sum() <= 0:
        return None
    return np.clip(paste_centred(patch), 0.0, 1.0)

