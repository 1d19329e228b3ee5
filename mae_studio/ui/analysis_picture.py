"""A picture for the analysis views: an image at its aspect with an optional heat layer (one
colour per cell, or per pixel), cell marks (the attention's query, the mask's removed cells),
and the cell under the pointer outlined; hovering and clicking report the cell."""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QImage, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from mae_studio.core.heatmap import HeatLayer, colorize

from .qimage import rgb_to_qimage, rgba_to_qimage


def heat_image(
    values: np.ndarray, vmax: float, cmap: str, alpha: int | np.ndarray = 255, shown: np.ndarray | None = None
) -> QImage:
    """float [h, w] -> a QImage of core.heatmap.colorize's colours at `alpha` (one opacity, or
    uint8 [h, w] per cell), transparent where `shown` is False and where values are nan (no
    measurement there)."""
    rgb = colorize(values, vmax, cmap)
    a = np.where(np.isfinite(values), alpha, 0)
    if shown is not None:
        a = np.where(shown, a, 0)
    return rgba_to_qimage(rgb, a.astype(np.uint8))


def layer_image(layer: HeatLayer) -> QImage:
    """A core.heatmap.HeatLayer as the QImage drawn over the picture: the colours and opacities
    the results view and the saved sheets use."""
    return rgba_to_qimage(layer.rgb, layer.alpha)


class AnalysisPicture(QWidget):
    cell_hovered = Signal(int, int)  # row, col; (-1, -1) when leaving the picture
    cell_clicked = Signal(int, int)

    def __init__(self, title: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMouseTracking(True)
        self.setMinimumSize(200, 200)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self._title = title
        self._image: QImage | None = None
        self._heat: QImage | None = None
        self._grid = (0, 0)  # (h, w) cells over the picture
        self._extent = (1.0, 1.0)  # the grid's size over the picture's (partial last cells: > 1)
        self._hatched: np.ndarray | None = None  # bool [h, w]: cells drawn hatched
        self._marked: tuple[int, int] | None = None  # one cell outlined boldly
        self._hover = (-1, -1)
        self._placeholder = ""

    def set_title(self, title: str) -> None:
        self._title = title
        self.update()

    def title(self) -> str:
        return self._title

    def set_picture(
        self,
        rgb: np.ndarray | None,
        grid: tuple[int, int] = (0, 0),
        frame: tuple[int, int, int] | None = None,
    ) -> None:
        """The picture uint8 [H, W, 3] and its cell grid (h, w). frame (height, width, patch
        size) of what the grid was laid on, when the picture is another size of it (a screen
        copy) or its last cells are partial; default: H / h-pixel cells exactly."""
        self._image = None if rgb is None else rgb_to_qimage(np.ascontiguousarray(rgb))
        self._grid = tuple(grid)  # type: ignore[assignment]
        self._extent = (1.0, 1.0)
        if frame is not None and grid[0]:
            fh, fw, p = frame
            self._extent = (grid[0] * p / fh, grid[1] * p / fw)
        self.update()

    def set_heat(self, heat: QImage | None) -> None:
        self._heat = heat
        self.update()

    def heat(self) -> QImage | None:
        """The heat layer drawn over the picture (None: none)."""
        return self._heat

    def set_marks(self, hatched: np.ndarray | None = None, marked: tuple[int, int] | None = None) -> None:
        self._hatched = None if hatched is None else np.asarray(hatched, dtype=bool)
        self._marked = marked
        self.update()

    def set_placeholder(self, text: str) -> None:
        self._placeholder = text
        self.update()

    def has_picture(self) -> bool:
        return self._image is not None

    def target_rect(self) -> QRectF:
        """Where the picture lies: the largest rectangle of its aspect below its title line, with
        room underneath for the lowest tick label of a colour bar beside it."""
        line = self.fontMetrics().height() + 6
        pad = line // 2
        aspect = self._image.width() / self._image.height() if self._image is not None else 1.0
        width = max(1.0, min(self.width(), (self.height() - line - pad) * aspect))
        height = max(1.0, width / aspect)
        top = line + (self.height() - line - pad - height) / 2
        return QRectF((self.width() - width) / 2, top, width, height)

    def cell_rect(self, row: int, col: int) -> QRectF:
        r = self.target_rect()
        h, w = self._grid
        cw, ch = r.width() * self._extent[1] / w, r.height() * self._extent[0] / h
        return QRectF(r.left() + col * cw, r.top() + row * ch, cw, ch).intersected(r)

    def cell_at(self, pos: QPointF) -> tuple[int, int]:
        r = self.target_rect()
        h, w = self._grid
        if self._image is None or not h or not r.contains(pos):
            return (-1, -1)
        row = int((pos.y() - r.top()) / (r.height() * self._extent[0]) * h)
        col = int((pos.x() - r.left()) / (r.width() * self._extent[1]) * w)
        return (min(h - 1, row), min(w - 1, col))

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        fm = p.fontMetrics()
        title = fm.elidedText(self._title, Qt.TextElideMode.ElideRight, self.width())
        r = self.target_rect()
        top = r.top() - fm.height() - 4 if self._image is not None else 0  # just above the picture
        p.drawText(QRectF(0, top, self.width(), fm.height() + 4), Qt.AlignmentFlag.AlignCenter, title)
        if self._image is None:
            p.drawText(
                self.rect(), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self._placeholder
            )
            return
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        p.drawImage(r, self._image)
        if self._heat is not None:
            p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)  # flat cells stay flat
            hw = QRectF(r.left(), r.top(), r.width() * self._extent[1], r.height() * self._extent[0])
            p.save()
            p.setClipRect(r)
            p.drawImage(hw, self._heat)
            p.restore()
        if self._hatched is not None and self._hatched.shape == self._grid:
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(QBrush(QColor(255, 255, 255, 110), Qt.BrushStyle.BDiagPattern))
            for row, col in np.argwhere(self._hatched):
                p.drawRect(self.cell_rect(int(row), int(col)))
        p.setBrush(Qt.BrushStyle.NoBrush)
        if self._marked is not None:
            p.setPen(QPen(QColor(0, 229, 255), 3))
            p.drawRect(self.cell_rect(*self._marked).adjusted(1, 1, -1, -1))
        if self._hover[0] >= 0:
            p.setPen(QPen(QColor(255, 255, 255), 1.5, Qt.PenStyle.DashLine))
            p.drawRect(self.cell_rect(*self._hover))

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        cell = self.cell_at(event.position())
        if cell != self._hover:
            self._hover = cell
            self.update()
            self.cell_hovered.emit(*cell)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        cell = self.cell_at(event.position())
        if event.button() == Qt.MouseButton.LeftButton and cell[0] >= 0:
            self.cell_clicked.emit(*cell)

    def leaveEvent(self, event: Any) -> None:
        if self._hover != (-1, -1):
            self._hover = (-1, -1)
            self.update()
            self.cell_hovered.emit(-1, -1)
