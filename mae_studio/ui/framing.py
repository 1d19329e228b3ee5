"""How the photo meets the model, as the window shows it: for each fit (core.results.FITS) the
patch grid the model runs on (core.fits decides it) and the picture the canvas paints on, at
screen resolution.

The pictures are Pillow and numpy only (no widgets), so the photo loader frames a photo for every
fit on its own thread and switching fits is instant. The canvas stretches `display` over the
frame (`size`): the crop, the resized whole photo, or the photo itself for tiles, whose last row
and column of cells may be partial (the grid covers a little more than the frame).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image
from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication

from mae_studio.core.fits import cover, fit_image
from mae_studio.core.grid import Grid

FIT_LABELS = {  # each fit's name (core.results.FITS), English; shown through i18n.label()
    "crop": QT_TRANSLATE_NOOP("labels", "Centre crop"),
    "whole": QT_TRANSLATE_NOOP("labels", "Whole photo"),
    "tiles": QT_TRANSLATE_NOOP("labels", "Tiles (full resolution)"),
}

DISPLAY_MAX = 1024  # longest side of the picture the canvas shows (crop and whole)
TILES_DISPLAY_MAX = 2048  # tiles keep more of the photo's detail: the canvas zooms in further


@dataclass(frozen=True)
class Framing:
    fit: str
    grid: Grid  # the patch grid (h, w) the mask lives on
    patch_size: int  # frame pixels per patch side
    size: tuple[int, int]  # (H, W) of the frame: the results' images, the picture on the canvas
    display: np.ndarray  # uint8 [D_h, D_w, 3]: the frame at screen resolution


def _shrunk(picture: Image.Image, longest: int) -> np.ndarray:
    w, h = picture.size
    scale = min(1.0, longest / max(w, h))
    if scale < 1.0:
        size = (max(1, round(w * scale)), max(1, round(h * scale)))
        picture = picture.resize(size, Image.Resampling.BICUBIC, reducing_gap=3.0)
    return np.asarray(picture, dtype=np.uint8).copy()


def _screen(frame: tuple[int, int], photo: tuple[int, int]) -> tuple[int, int]:
    """A frame's size scaled up for the screen: at most DISPLAY_MAX and the photo's own size."""
    (fh, fw), (ph, pw) = frame, photo
    k = max(1.0, min(DISPLAY_MAX / max(fh, fw), ph / fh, pw / fw))
    return (round(fh * k), round(fw * k))


def tiles_grid(height: int, width: int, patch_size: int) -> Grid:
    """The tiles fit's grid: the photo's own p x p cells, the last ones partial (core.fits)."""
    return Grid(-(-height // patch_size), -(-width // patch_size))


def framings(image: np.ndarray, img_size: int, patch_size: int) -> dict[str, Framing]:
    """Every fit's framing of a photo (uint8 [H, W, 3]) for a model's input and patch size."""
    h, w = image.shape[:2]
    picture = Image.fromarray(image)
    out = {}
    for fit in ("crop", "whole"):
        view = fit_image(picture, fit, img_size, patch_size)
        size = view.image.shape[:2]
        display = cover(picture, _screen(size, (h, w)))
        out[fit] = Framing(fit, view.grid, patch_size, size, display)
    display = _shrunk(picture, TILES_DISPLAY_MAX)
    out["tiles"] = Framing("tiles", tiles_grid(h, w, patch_size), patch_size, (h, w), display)
    return out


def fit_note(fit: str, width: int, height: int, grid: Grid, img_size: int) -> str:
    """What the model sees of a width x height photo, for the status bar."""
    if fit == "crop":
        if width == height:
            return QCoreApplication.translate(
                "framing", "the model sees all of it, scaled to {size}x{size}"
            ).format(size=img_size)
        return QCoreApplication.translate(
            "framing", "the model sees its centre square ({side}x{side} scaled to {size}x{size})"
        ).format(side=min(width, height), size=img_size)
    if fit == "whole":
        return QCoreApplication.translate(
            "framing", "the model sees all of it on a {h}x{w} patch grid"
        ).format(h=grid.h, w=grid.w)
    return QCoreApplication.translate(
        "framing", "the model sees it at full resolution: {h}x{w} patches, in {size} px tiles"
    ).format(h=grid.h, w=grid.w, size=img_size)
