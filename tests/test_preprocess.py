"""Each step that turns a drawing into an MNIST-like 28x28 image."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from engine.preprocess import (
    BOX,
    ImageReadError,
    bounding_box,
    centre_of_mass,
    ink_from_grey,
    read_image,
    scale_to_box,
    to_mnist,
)


# MNIST's integer shift leaves the centre of mass within half a pixel of 14.
HALF_PIXEL = 0.5 + 1e-4


def bar(size=280, rows=(60, 220), cols=(120, 150)) -> np.ndarray:
    """A light vertical bar on a dark page."""
    image = np.zeros((size, size), dtype=np.float32)
    image[rows[0] : rows[1], cols[0] : cols[1]] = 1.0
    return image


def test_polarity_dark_ink_inverted():
    page = 1.0 - bar()
    ink = ink_from_grey(page)
    assert ink[100, 130] == pytest.approx(1.0)
    assert ink[5, 5] == pytest.approx(0.0)


def test_polarity_light_ink_kept():
    ink = ink_from_grey(bar())
    assert ink[100, 130] == pytest.approx(1.0)
    assert ink[5, 5] == pytest.approx(0.0)


def test_bounding_box_of_bar():
    assert bounding_box(bar()) == (60, 220, 120, 150)


def test_bounding_box_ignores_faint_noise():
    image = bar()
    image[0, 0] = 0.05
    assert bounding_box(image) == (60, 220, 120, 150)


def test_scaling_keeps_aspect_ratio():
    patch = scale_to_box(np.ones((160, 40), dtype=np.float32))
    assert patch.shape == (BOX, 5)


def test_scaling_enlarges_small_drawing():
    patch = scale_to_box(np.ones((4, 8), dtype=np.float32))
    assert patch.shape == (10, BOX)


@pytest.mark.parametrize("rows, cols", [((10, 90), (10, 40)), ((190, 270), (230, 270)), ((60, 220), (120, 150))])
def test_centre_of_mass_at_centre(rows, cols):
    image = to_mnist(bar(rows=rows, cols=cols))
    row, col = centre_of_mass(image)
    assert abs(row - 14.0) <= HALF_PIXEL
    assert abs(col - 14.0) <= HALF_PIXEL


def test_longer_side_is_twenty_pixels():
    image = to_mnist(bar())
    rows = np.flatnonzero(image.max(axis=1) > 0.1)
    assert rows[-1] - rows[0] + 1 == BOX


def test_output_shape_and_range():
    image = to_mnist(bar())
    assert image.shape == (28, 28)
    assert image.dtype == np.float32
    assert image.min() >= 0.0
    assert image.max() <= 1.0


def test_empty_canvas_gives_none():
    assert to_mnist(np.zeros((280, 280), dtype=np.float32)) is None


def test_white_page_gives_none():
    assert to_mnist(np.ones((280, 280), dtype=np.float32)) is None


def test_single_dot_is_centred():
    image = np.zeros((280, 280), dtype=np.float32)
    image[30:38, 250:258] = 1.0
    result = to_mnist(image)
    assert result is not None
    row, col = centre_of_mass(result)
    assert abs(row - 14.0) <= HALF_PIXEL
    assert abs(col - 14.0) <= HALF_PIXEL


def test_position_does_not_change_result():
    centred = to_mnist(bar(rows=(60, 220), cols=(120, 150)))
    corner = to_mnist(bar(rows=(0, 160), cols=(0, 30)))
    assert np.abs(centred - corner).max() < 0.02


def test_read_image_transparent_background(tmp_path):
    rgba = np.zeros((100, 100, 4), dtype=np.uint8)
    rgba[20:80, 45:55] = (0, 0, 0, 255)
    path = tmp_path / "alpha.png"
    Image.fromarray(rgba, "RGBA").save(path)
    image = to_mnist(read_image(path))
    assert image is not None
    assert image[14, 14] > 0.5


def test_read_image_dark_on_light_jpeg(tmp_path):
    page = np.full((120, 90), 255, dtype=np.uint8)
    page[20:100, 40:50] = 0
    path = tmp_path / "ink.jpg"
    Image.fromarray(page).save(path, quality=90)
    image = to_mnist(read_image(path))
    assert image is not None
    assert image[14, 14] > 0.5
    assert image[0, 0] == 0.0


def test_read_image_unreadable(tmp_path):
    path = tmp_path / "notes.png"
    path.write_text("not an image")
    with pytest.raises(ImageReadError, match="notes.png"):
        read_image(path)


def test_read_image_missing(tmp_path):
    with pytest.raises(ImageReadError, match="not found"):
        read_image(tmp_path / "absent.png")


def test_noisy_page_crops_like_clean():
    rng = np.random.default_rng(0)
    clean = 1.0 - bar()
    noisy = np.clip(clean + rng.normal(0, 0.1, clean.shape), 0, 1).astype(np.float32)
    box = bounding_box(ink_from_grey(noisy))
    assert box is not None
    for found, expected in zip(box, (60, 220, 120, 150)):
        assert abs(found - expected) <= 3


def test_uneven_lighting_is_not_ink():
    gradient = np.linspace(0.85, 1.0, 280, dtype=np.float32)[None, :].repeat(280, axis=0)
    page = np.minimum(gradient, 1.0 - bar())
    assert bounding_box(ink_from_grey(page)) == (60, 220, 120, 150)


def test_one_transparent_pixel_ignored(tmp_path):
    page = np.full((100, 100, 4), 255, dtype=np.uint8)
    page[20:80, 45:55, :3] = 0
    page[0, 0, 3] = 0
    path = tmp_path / "page.png"
    Image.fromarray(page, "RGBA").save(path)
    image = to_mnist(read_image(path))
    assert image is not None
    assert image[14, 14] > 0.5


def test_huge_image_rejected(tmp_path):
    path = tmp_path / "huge.png"
    Image.new("1", (12000, 12000)).save(path)
    with pytest.raises(ImageReadError, match="too large"):
        read_image(path)


def test_folder_rejected(tmp_path):
    with pytest.raises(ImageReadError, match="folder"):
        read_image(tmp_path)
