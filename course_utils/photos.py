"""Image files for lesson 04b: validation images dressed up as photos, and one that is no hand.

The model of lesson 04a has never trained on the validation images, so files made from them
are honest new images with a known letter. ``save_photo_like`` makes one look like a photo
file: larger, in colour, not square, with some noise, as PNG or JPEG.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from PIL import Image

SKIN_TINT = (1.0, 0.84, 0.7)  # red, green and blue factors: a warm, skin-like colour


def save_photo_like(
    pixels: np.ndarray,
    path: str | os.PathLike[str],
    side: int = 360,
    seed: int = 0,
) -> Path:
    """Save a 28x28 greyscale image (values 0-255, flat or not) as a photo-like colour file.

    The image is enlarged to ``side`` x ``side`` pixels (bicubic), tinted, widened to a 4:3
    landscape frame by repeating its left and right edges, and given a little Gaussian noise
    (seeded). The format follows the file's extension (.png, .jpg). Returns the path.
    """
    grey = Image.fromarray(np.asarray(pixels, dtype=np.uint8).reshape(28, 28))
    large = np.asarray(grey.resize((side, side), Image.Resampling.BICUBIC), dtype=np.float64)
    margin = (side * 4 // 3 - side) // 2
    wide = np.pad(large, ((0, 0), (margin, margin)), mode="edge")
    colour = wide[:, :, None] * np.array(SKIN_TINT)
    colour += np.random.default_rng(seed).normal(0, 6, colour.shape)
    return _save(colour, path)


def save_not_a_hand(path: str | os.PathLike[str], size: tuple[int, int] = (480, 360)) -> Path:
    """Save a drawing with no hand in it: a sky, a yellow sun and green hills.

    ``size`` is (width, height). Returns the path.
    """
    width, height = size
    y, x = np.mgrid[0:height, 0:width] / height
    picture = np.empty((height, width, 3))
    picture[:] = np.stack([120 + 80 * y, 170 + 50 * y, 255 - 20 * y], axis=-1)
    sun = (x - 0.95) ** 2 + (y - 0.3) ** 2 < 0.15**2
    picture[sun] = (250, 215, 60)
    hills = y > 0.7 + 0.08 * np.sin(6 * x)
    picture[hills] = (60, 150, 70)
    return _save(picture, path)


def _save(picture: np.ndarray, path: str | os.PathLike[str]) -> Path:
    path = Path(path)
    image = Image.fromarray(np.clip(picture, 0, 255).round().astype(np.uint8))
    if path.suffix.lower() in (".jpg", ".jpeg"):
        image.save(path, quality=90)
    else:
        image.save(path)
    return path
