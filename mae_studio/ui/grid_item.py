"""The canvas's patch grid lines and its mask overlay."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QLineF, QRectF
from PySide6.QtGui import QColor, QImage, QPainter, QPen
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from mae_studio.core.grid import Grid

from .qimage import mask_to_qimage

GRID_ALPHA = 70  # the grid lines' opacity where patches are large on screen
GRID_FADE_PX = (5.0, 15.0)  # patches this many screen pixels wide: lines fade in from nothing


class GridItem(QGraphicsItem):
    """Patch grid lines, one screen pixel wide at any zoom; they fade out where patches are only
    a few screen pixels wide (a photo's own cells, zoomed out), so the photo stays visible."""

    def __init__(self) -> None:
        super().__init__()
        self._rect = QRectF()
        self._patch = 16
        self._lines: list[QLineF] = []
        self._pen = QPen(QColor(255, 255, 255, GRID_ALPHA))
        self._pen.setCosmetic(True)
        self.setZValue(3)
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)  # redrawn on zoom only

    def set_geometry(self, grid: Grid, patch: int) -> None:
        self.prepareGeometryChange()
        height, width = grid.pixels(patch)
        self._rect = QRectF(0, 0, width, height)
        self._patch = patch
        columns = [QLineF(x, 0, x, height) for x in range(0, width + 1, patch)]
        self._lines = columns + [QLineF(0, y, width, y) for y in range(0, height + 1, patch)]

    def boundingRect(self) -> QRectF:
        return QRectF(self._rect)

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        on_screen = self._patch * painter.worldTransform().m11()
        low, high = GRID_FADE_PX
        alpha = round(GRID_ALPHA * min(1.0, max(0.0, (on_screen - low) / (high - low))))
        if alpha:
            self._pen.setColor(QColor(255, 255, 255, alpha))
            painter.setPen(self._pen)
            painter.drawLines(self._lines)


class MaskItem(QGraphicsItem):
    """The removed patches in one colour, one item pixel per patch (the canvas scales it by the
    patch size). A new mask repaints only the cells that changed: a brush stroke changes a few
    cells per mouse move, and a whole repaint redraws the photo and grid under the canvas."""

    def __init__(self) -> None:
        super().__init__()
        self._mask = np.zeros((0, 0), dtype=bool)
        self._color = QColor()
        self._image = QImage()

    def set_mask(self, mask: np.ndarray, color: QColor) -> None:
        """mask: bool [h, w], True = removed (kept as a copy)."""
        mask = np.array(mask, dtype=bool)
        if mask.shape != self._mask.shape:
            self.prepareGeometryChange()
            dirty = None
        elif color != self._color:
            dirty = None
        else:
            changed = mask != self._mask
            rows, cols = np.flatnonzero(changed.any(axis=1)), np.flatnonzero(changed.any(axis=0))
            if rows.size == 0:
                return
            dirty = QRectF(cols[0], rows[0], cols[-1] + 1 - cols[0], rows[-1] + 1 - rows[0])
        self._mask, self._color = mask, QColor(color)
        self._image = mask_to_qimage(mask, color)  # [h, w]: a few hundred pixels, cheap to rebuild
        self.update(self.boundingRect() if dirty is None else dirty)

    def mask(self) -> np.ndarray:
        return self._mask.copy()

    def image(self) -> QImage:
        return self._image

    def boundingRect(self) -> QRectF:
        h, w = self._mask.shape
        return QRectF(0, 0, w, h)

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        if not self._image.isNull():
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)  # crisp patches
            painter.drawImage(self.boundingRect(), self._image)
