"""How a photo meets the model: its view (the pixels the model sees) and patch grid for each fit.
Pillow and numpy only: safe on any thread, and the window can use it without torch.

- crop: the shorter side resized to the model input, the centre square cropped (the official
  demo's view; the model's own grid, e.g. 14 x 14).
- whole: the whole photo resized to a patch grid at its aspect (grid.grid_for_photo: e.g. 14 x 21
  for 3:2), covering it and cropping less than one patch of the longer side's rounding.
- tiles: the photo itself at full resolution; its grid is ceil(H / p) x ceil(W / p) cells (the
  last row and column may be partial), reconstructed by overlapping model-size tiles (tiles.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

from .grid import Grid, grid_for_photo
from .results import FITS

MAX_TILED_PIXELS = 64 << 20  # the photo loader's bound (image_loading.MAX_PIXELS): a 64 MP photo


@dataclass(frozen=True)
class View:
    """A photo as the model meets it."""

    image: np.ndarray  # uint8 [H, W, 3]: the crop, the resized photo, or the photo (tiles)
    grid: Grid  # its patch grid; H = h*p and W = w*p except for tiles (partial last cells)
    fit: str  # one of results.FITS


def check_fit(fit: str) -> str:
    if fit not in FITS:
        raise ValueError(f"unknown fit {fit!r} (choose from {', '.join(FITS)})")
    return fit


def as_rgb_image(image: Image.Image | np.ndarray) -> Image.Image:
    if isinstance(image, np.ndarray):
        if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
            raise ValueError("arrays must be uint8 [H, W, 3]")
        return Image.fromarray(image)
    return image.convert("RGB")


def fit_image(
    image: Image.Image | np.ndarray,
    fit: str,
    img_size: int,
    patch_size: int,
    tokens: int | None = None,
) -> View:
    """The view of `image` for `fit` on a model of img_size / patch_size; `tokens` bounds a whole
    photo's grid (default: grid.grid_for_photo's, the model's side on the shorter side)."""
    check_fit(fit)
    if fit == "crop":
        return View(prepare_image(image, img_size), Grid.square(img_size // patch_size), fit)
    if fit == "whole":
        picture = as_rgb_image(image)
        grid = grid_for_photo(*picture.size, side=img_size // patch_size, max_patches=tokens)
        return View(cover(picture, grid.pixels(patch_size)), grid, fit)
    rgb = np.ascontiguousarray(np.asarray(as_rgb_image(image), dtype=np.uint8))
    H, W = rgb.shape[:2]
    if H * W > MAX_TILED_PIXELS:
        raise ValueError(f"a {W}x{H} photo is over the {MAX_TILED_PIXELS >> 20} MP that tiles take")
    return View(rgb, Grid(-(-H // patch_size), -(-W // patch_size)), fit)


def prepare_image(image: Image.Image | np.ndarray, size: int) -> np.ndarray:
    """The crop fit: shorter side resized to `size` (bicubic, antialiased), then the centre square
    cropped. Returns uint8 [size, size, 3]."""
    return cover(as_rgb_image(image), (size, size))


def cover(picture: Image.Image, size: tuple[int, int]) -> np.ndarray:
    """The picture resized (bicubic, antialiased) to cover (H, W) at its own aspect, then the
    centre (H, W) cropped: uint8 [H, W, 3]."""
    H, W = size
    w, h = picture.size
    scale = max(W / w, H / h)
    nw, nh = max(W, round(w * scale)), max(H, round(h * scale))
    if (nw, nh) != (w, h):
        picture = picture.resize((nw, nh), Image.Resampling.BICUBIC, reducing_gap=3.0)
    left, top = (nw - W) // 2, (nh - H) // 2
    return np.asarray(picture.crop((left, top, left + W, top + H)), dtype=np.uint8).copy()
