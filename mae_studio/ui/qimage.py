"""numpy <-> QImage, on the GUI thread (QImage/QPixmap belong to it)."""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QColor, QImage


def rgb_to_qimage(rgb: np.ndarray) -> QImage:
    """uint8 [H, W, 3] -> QImage (a deep copy: the array may go away)."""
    a = np.ascontiguousarray(rgb, dtype=np.uint8)
    if a.ndim != 3 or a.shape[2] != 3:
        raise ValueError(f"expected uint8 [H, W, 3], got {a.shape}")
    h, w, _ = a.shape
    return QImage(a.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()


def mask_to_qimage(mask: np.ndarray, color: QColor) -> QImage:
    """bool [h, w] -> ARGB QImage [h, w], `color` where True, transparent elsewhere."""
    m = np.asarray(mask, dtype=bool)
    h, w = m.shape
    argb = np.zeros((h, w, 4), dtype=np.uint8)  # little-endian ARGB32 = B, G, R, A bytes
    argb[m] = (color.blue(), color.green(), color.red(), 255)
    return QImage(argb.data, w, h, 4 * w, QImage.Format.Format_ARGB32).copy()


def qimage_to_rgb(image: QImage) -> np.ndarray:
    """Any QImage -> uint8 [H, W, 3] (alpha dropped)."""
    img = image.convertToFormat(QImage.Format.Format_RGB888)
    w, h = img.width(), img.height()
    buf = np.frombuffer(img.constBits(), dtype=np.uint8, count=img.bytesPerLine() * h)
    return buf.reshape(h, img.bytesPerLine())[:, : 3 * w].reshape(h, w, 3).copy()


def rgba_to_qimage(rgb: np.ndarray, alpha: np.ndarray) -> QImage:
    """uint8 [H, W, 3] colours + uint8 [H, W] alpha -> ARGB QImage (deep copy)."""
    h, w, _ = rgb.shape
    argb = np.empty((h, w, 4), dtype=np.uint8)  # little-endian ARGB32 = B, G, R, A bytes
    argb[:, :, 0], argb[:, :, 1], argb[:, :, 2] = rgb[:, :, 2], rgb[:, :, 1], rgb[:, :, 0]
    argb[:, :, 3] = alpha
    return QImage(argb.data, w, h, 4 * w, QImage.Format.Format_ARGB32).copy()
