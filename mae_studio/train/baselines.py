"""Classical fills of removed patches, to measure the MAE against: OpenCV inpainting and mean colour.

Every function takes the model's view of a photo (uint8 [S, S, 3]) and a patch mask (bool [h, w],
True = removed) and returns uint8 [S, S, 3] with the visible pixels unchanged.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from mae_studio.core.errors import MaeStudioError

INPAINT_RADIUS = 3  # pixels around a removed pixel that OpenCV's inpainting looks at

Fill = Callable[[np.ndarray, np.ndarray], np.ndarray]


class MissingOpenCV(MaeStudioError):
    """OpenCV (opencv-python-headless) is not installed."""


def pixel_mask(mask: np.ndarray, image_side: int) -> np.ndarray:
    """bool [h, w] patch mask -> bool [S, S] pixel mask."""
    h, w = mask.shape
    p = image_side // h
    if p * h != image_side or p * w != image_side:
        raise ValueError(f"a {h}x{w} mask does not tile a {image_side}px image")
    return np.kron(mask, np.ones((p, p), dtype=bool)).astype(bool)


def _cv2():
    try:
        import cv2
    except ImportError as e:
        raise MissingOpenCV(
            "the Telea and Navier-Stokes baselines need OpenCV: pip install 'mae-studio[eval]' "
            "(opencv-python-headless), or pass --methods mean to skip them"
        ) from e
    return cv2


def _inpaint(rgb: np.ndarray, mask: np.ndarray, flag_name: str) -> np.ndarray:
    cv2 = _cv2()
    pix = pixel_mask(mask, rgb.shape[0])
    src = rgb.copy()
    src[pix] = 0  # the removed pixels must not leak into the fill
    out = cv2.inpaint(src, pix.astype(np.uint8) * 255, INPAINT_RADIUS, getattr(cv2, flag_name))
    out[~pix] = rgb[~pix]
    return out


def telea(rgb: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """OpenCV's fast-marching inpainting (Telea 2004)."""
    return _inpaint(rgb, mask, "INPAINT_TELEA")


def navier_stokes(rgb: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """OpenCV's Navier-Stokes inpainting (Bertalmio et al. 2001)."""
    return _inpaint(rgb, mask, "INPAINT_NS")


def mean_fill(rgb: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Every removed pixel gets the mean colour of the visible pixels."""
    pix = pixel_mask(mask, rgb.shape[0])
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


def masked_mse(filled: np.ndarray, original: np.ndarray, mask: np.ndarray) -> float:
    """MSE of [0, 1] pixel values over the removed patches (all channels)."""
    pix = pixel_mask(mask, original.shape[0])
    diff = filled[pix].astype(np.float64) / 255.0 - original[pix].astype(np.float64) / 255.0
    return float((diff**2).mean())
