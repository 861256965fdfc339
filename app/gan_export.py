"""Write GAN samples to image files with Pillow: a grid PNG, a GIF or a PNG sequence."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from PIL import Image

from engine.gan.sampling import tile, to_uint8

GRID_COLUMNS = 8
# Pixels per sample pixel in written files: 28x28 digits are hard to see at 1x.
DEFAULT_SCALE = 2


def grid_picture(
    images: np.ndarray, columns: int = GRID_COLUMNS, scale: int = DEFAULT_SCALE
) -> Image.Image:
    """Return samples (N, 28, 28) in [0, 1] tiled in rows of `columns` as a greyscale image."""
    picture = Image.fromarray(to_uint8(tile(images, columns)))
    if scale > 1:
        picture = picture.resize((picture.width * scale, picture.height * scale), Image.NEAREST)
    return picture


def save_grid_png(path: str | os.PathLike, images: np.ndarray, scale: int = DEFAULT_SCALE) -> Path:
    """Write the sample grid to `path` as PNG; raise OSError if it cannot be written."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    grid_picture(images, scale=scale).save(path, format="PNG")
    return path


def save_gif(
    path: str | os.PathLike,
    grids: list[np.ndarray],
    frame_ms: int = 120,
    scale: int = DEFAULT_SCALE,
) -> Path:
    """Write grid snapshots (each (N, 28, 28)) as a looping animated GIF."""
    if not grids:
        raise ValueError("There are no grid snapshots to animate yet; train for a few steps first.")
    frames = [grid_picture(grid, scale=scale) for grid in grids]
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # The last frame stays up three times as long, so the result is visible.
    durations = [frame_ms] * (len(frames) - 1) + [frame_ms * 3]
    frames[0].save(path, format="GIF", save_all=True, append_images=frames[1:],
                   duration=durations, loop=0)
    return path


def save_png_sequence(
    folder: str | os.PathLike, grids: list[np.ndarray], steps: list[int], scale: int = DEFAULT_SCALE
) -> list[Path]:
    """Write one PNG per snapshot, named grid-<step>.png, into `folder`; return the paths."""
    if not grids:
        raise ValueError("There are no grid snapshots to write yet; train for a few steps first.")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    width = len(str(max(steps)))
    return [save_grid_png(folder / f"grid-{step:0{width}d}.png", grid, scale)
            for grid, step in zip(grids, steps)]
