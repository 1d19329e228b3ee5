"""Classical fills of removed patches, to measure the MAE against: OpenCV inpainting and mean colour.

Every function takes the model's view of a photo (uint8 [H, W, 3]: a crop, a whole photo, or a
tiled photo whose last cells may be partial) and a patch mask (bool [h, w], True = removed) and
returns uint8 [H, W, 3] with the visible pixels unchanged.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from mae_studio.core.errors import MaeStudioError

INPAINT_RADIUS = 3  # pixels around a removed pixel that OpenCV's inpainting looks at

Fill = Callable[..., np.ndarray]  # (rgb, mask, patch=None) -> filled rgb


class MissingOpenCV(MaeStudioError):
    """OpenCV (opencv-python-headless) is not installed."""


def pixel_mask(mask: np.ndarray, image: int | tuple[int, ...], patch: int | None = None) -> np.ndarray:
    """bool [h, w] patch mask -> bool [H, W] pixel mask for an image of side `image` (square) or
    shape (H, W, ...), of `patch` px cells (default: H / h, whole cells); with `patch` the last row
    and column may be partial (a tiled photo's)."""
    h, w = mask.shape
    H, W = (image, image) if isinstance(image, int) else image[:2]
    p = patch if patch is not None else H // h
    fits = p >= 1 and -(-H // p) == h and -(-W // p) == w
    if patch is None:
        fits = fits and p * h == H and p * w == W
    if not fits:
        raise ValueError(f"a {h}x{w} mask does not tile a {W}x{H} px image")
    return np.kron(mask, np.ones((p, p), dtype=bool)).astype(bool)[:H, :W]


def _cv2():
    try:
        import cv2
    except ImportError as e:
        raise MissingOpenCV(
            "the Telea and Navier-Stokes baselines need OpenCV: pip install 'mae-studio[eval]' "
            "(opencv-python-headless), or pass --methods mean to skip them"
        ) from e
    return cv2


def _inpaint(rgb: np.ndarray, mask: np.ndarray, flag_name: str, patch: int | None) -> np.ndarray:
    cv2 = _cv2()
    pix = pixel_mask(mask, rgb.shape, patch)
    src = rgb.copy()
    src[pix] = 0  # the removed pixels must not leak into the fill
    out = cv2.inpaint(src, pix.astype(np.uint8) * 255, INPAINT_RADIUS, getattr(cv2, flag_name))
    out[~pix] = rgb[~pix]
    return out


def telea(rgb: np.ndarray, mask: np.ndarray, patch: int | None = None) -> np.ndarray:
    """OpenCV's fast-marching inpainting (Telea 2004)."""
    return _inpaint(rgb, mask, "INPAINT_TELEA", patch)


def navier_stokes(rgb: np.ndarray, mask: np.ndarray, patch: int | None = None) -> np.ndarray:
    """OpenCV's Navier-Stokes inpainting (Bertalmio et al. 2001)."""
    return _inpaint(rgb, mask, "INPAINT_NS", patch)


def mean_fill(rgb: np.ndarray, mask: np.ndarray, patch: int | None = None) -> np.ndarray:
    """Every removed pixel gets the mean colour of the visible pixels."""
    pix = pixel_mask(mask, rgb.shape, patch)
    out = rgb.copy()
    if pix.all():
        return out
    mean = rgb[~pix].astype(np.float64).mean(axis=0)  # [3]
    out[pix] = np.round(mean).astype(np.uint8)
    return out


BASELINES: dict[str, Fill] = {"telea": telea, "ns": navier_stokes, "mean": mean_fill}
LABELS = {
    "model": "MAE (this model)",
    "telea": "OpenCV Telea",
    "ns": "OpenCV Navier-Stokes",
    "mean": "mean colour",
}


def masked_mse(filled: np.ndarray, original: np.ndarray, mask: np.ndarray, patch: int | None = None) -> float:
    """MSE of [0, 1] pixel values over the removed patches (all channels)."""
    pix = pixel_mask(mask, original.shape, patch)
    diff = filled[pix].astype(np.float64) / 255.0 - original[pix].astype(np.float64) / 255.0
    return float((diff**2).mean())
