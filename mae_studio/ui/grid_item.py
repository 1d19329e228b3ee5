"""The canvas's patch grid lines."""

from __future__ import annotations

from PySide6.QtCore import QLineF, QRectF
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from mae_studio.core.grid import Grid

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
