"""Result views: masked input, reconstruction (+ per-patch MSE heat map), reconstruction with
the visible patches pasted back, and the original; a colour bar with the heat map's scale.

They receive a core.results.Reconstruction (numpy arrays only, at the aspect of the fit's
frame) and convert to QImage here, on the GUI thread. Titles come from core's result-panel
registry, so a panel has one name on screen, on sheets and in saved files.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import QPointF, QRect, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QImage, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QGridLayout, QSizePolicy, QWidget

from mae_studio.core.heatmap import auto_vmax, colorize
from mae_studio.core.results import RESULT_PANELS, Reconstruction

from .colorbar import ColorBar
from .qimage import rgb_to_qimage, rgba_to_qimage

HEAT_OPACITY = 0.6
SHOWN_MAX = 1600  # longer result images (tiles: the photo's resolution) are shown scaled down
VIEW_PANELS = ("masked", "reconstruction", "pasted", "original")  # the heat map is an overlay


def shown_image(rgb: np.ndarray) -> QImage:
    """A result image as a QImage of at most SHOWN_MAX pixels a side (painted on every update)."""
    image = rgb_to_qimage(rgb)
    if max(image.width(), image.height()) > SHOWN_MAX:
        image = image.scaled(
            SHOWN_MAX,
            SHOWN_MAX,
            Qt.AspectRatioMode.KeepAspectRatio,
            Qt.TransformationMode.SmoothTransformation,
        )
    return image


class ImageView(QWidget):
    """One image at its own aspect with its title above, scaled to fit, with an optional
    per-patch heat map and a hover read-out."""

    patch_hovered = Signal(int, int)  # row, col; (-1, -1) when leaving

    def __init__(
        self,
        title: str = "",
        valign: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignVCenter,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._valign = valign  # where the picture sits when the view is taller than wide
        self.setMouseTracking(True)
        self.setMinimumSize(140, 140)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self._title = title
        self._image: QImage | None = None
        self._heat: QImage | None = None
        self._values: np.ndarray | None = None  # float32 [h, w] per-patch MSE for the read-out
        self._extent = (1.0, 1.0)  # how far the grid reaches over the picture (tiles: a bit beyond)
        self._hover = (-1, -1)
        self._placeholder = "No result yet"

    def set_title(self, title: str) -> None:
        self._title = title
        self.update()

    def title(self) -> str:
        return self._title

    def set_image(self, image: QImage | None) -> None:
        self._image = image
        self.update()

    def image(self) -> QImage | None:
        return self._image

    def set_values(self, values: np.ndarray | None, extent: tuple[float, float] = (1.0, 1.0)) -> None:
        """Per-patch values [h, w] that hovering reads out. `extent`: the grid's height and width
        over the picture's (tiles: the last row and column of cells are partial, so > 1)."""
        self._values = None if values is None else np.asarray(values, dtype=np.float32)
        self._extent = extent
        self.update()

    def set_heat(self, heat: QImage | None) -> None:
        """A [h, w] colour image drawn over the picture, one flat colour per patch."""
        self._heat = heat
        self.update()

    def set_placeholder(self, text: str) -> None:
        self._placeholder = text
        self.update()

    def aspect(self) -> float:
        """Width over height of what is shown: the image, else the patch grid, else square."""
        if self._image is not None and not self._image.isNull():
            return self._image.width() / self._image.height()
        if self._values is not None:
            h, w = self._values.shape
            return w / h
        return 1.0

    def target_rect(self) -> QRectF:
        """Where the image goes: the largest rectangle of its aspect under the title line."""
        line = self.fontMetrics().height() + 6
        pad = line // 2  # below the picture: room for the colour bar's lowest tick label
        aspect = self.aspect()
        width = max(1.0, min(self.width(), (self.height() - line - pad) * aspect))
        height = max(1.0, width / aspect)
        spare = self.height() - height - line - pad
        if self._valign == Qt.AlignmentFlag.AlignTop:
            spare = 0
        elif self._valign != Qt.AlignmentFlag.AlignBottom:
            spare /= 2
        top = spare + line
        return QRectF((self.width() - width) / 2, top, width, height)

    def grid_rect(self) -> QRectF:
        """Where the patch grid lies: the picture's rectangle, stretched by the extent."""
        r = self.target_rect()
        return QRectF(r.left(), r.top(), r.width() * self._extent[1], r.height() * self._extent[0])

    def cell_at(self, pos: QPointF) -> tuple[int, int]:
        if self._values is None or not self.target_rect().contains(pos):
            return (-1, -1)
        h, w = self._values.shape
        g = self.grid_rect()
        row = min(h - 1, int((pos.y() - g.top()) / g.height() * h))
        col = min(w - 1, int((pos.x() - g.left()) / g.width() * w))
        return (row, col)

    def hovered_text(self) -> str:
        row, col = self._hover
        if self._values is None or row < 0:
            return ""
        return f"patch ({row}, {col}) · MSE {self._values[row, col]:.5f}"

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        target = self.target_rect()
        line = self.fontMetrics().height() + 6
        title_box = QRectF(target.left(), target.top() - line, target.width(), line - 2)
        p.setPen(self.palette().text().color())
        p.drawText(title_box, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom, self._title)
        if self._image is None:
            p.fillRect(target, QColor(255, 255, 255, 12))
            p.setPen(QColor(150, 150, 150))
            p.drawText(target, Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self._placeholder)
            return
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
        p.drawImage(target, self._image)
        p.setClipRect(target.adjusted(-1, -1, 1, 1))  # partial cells (tiles) end with the picture
        grid = self.grid_rect()
        if self._heat is not None:
            p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)  # crisp patches
            p.setOpacity(HEAT_OPACITY)
            p.drawImage(grid, self._heat)
            p.setOpacity(1.0)
        row, col = self._hover
        if self._values is not None and row >= 0:
            h, w = self._values.shape
            cw, ch = grid.width() / w, grid.height() / h
            pen = QPen(QColor(255, 255, 255), 1.5)
            p.setPen(pen)
            p.drawRect(QRectF(grid.left() + col * cw, grid.top() + row * ch, cw, ch))
            p.setClipping(False)
            text = self.hovered_text()
            font = QFont(self.font())
            p.setFont(font)
            metrics = p.fontMetrics()
            box = QRect(0, 0, metrics.horizontalAdvance(text) + 12, metrics.height() + 6)
            box.moveBottomLeft(target.bottomLeft().toPoint() + QPointF(4, -4).toPoint())
            p.fillRect(box, QColor(0, 0, 0, 180))
            p.setPen(QColor(255, 255, 255))
            p.drawText(box, Qt.AlignmentFlag.AlignCenter, text)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        cell = self.cell_at(event.position())
        if cell != self._hover:
            self._hover = cell
            self.patch_hovered.emit(*cell)
            self.update()

    def leaveEvent(self, event: Any) -> None:
        if self._hover != (-1, -1):
            self._hover = (-1, -1)
            self.patch_hovered.emit(-1, -1)
            self.update()
        super().leaveEvent(event)


class ResultsView(QWidget):
    """The four result panels in a 2 x 2 grid, the colour bar beside the reconstruction."""

    patch_hovered = Signal(int, int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        # Top row sits at the bottom of its cells, bottom row at the top: one compact block.
        bottom, top = Qt.AlignmentFlag.AlignBottom, Qt.AlignmentFlag.AlignTop
        align = {"masked": bottom, "reconstruction": bottom, "pasted": top, "original": top}
        self.panels = {key: ImageView(RESULT_PANELS[key].label, align[key]) for key in VIEW_PANELS}
        self.colorbar = ColorBar(beside=self.panels["reconstruction"])
        grid = QGridLayout(self)
        grid.setContentsMargins(4, 4, 12, 4)
        grid.setSpacing(6)
        grid.addWidget(self.panels["masked"], 0, 0)
        grid.addWidget(self.panels["reconstruction"], 0, 1)
        grid.addWidget(self.colorbar, 0, 2)
        grid.addWidget(self.panels["pasted"], 1, 0)
        grid.addWidget(self.panels["original"], 1, 1)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)
        for panel in self.panels.values():
            panel.patch_hovered.connect(self.patch_hovered)
        self.result: Reconstruction | None = None
        self._images: dict[str, QImage] = {}
        self._overlay = True
        self._comparing = False
        self.colorbar.setVisible(self._overlay)

    def set_result(self, result: Reconstruction) -> None:
        self.result = result
        self._images = {key: shown_image(RESULT_PANELS[key].image(result)) for key in VIEW_PANELS}
        mask = result.mask if result.mask.any() else None
        self.vmax = auto_vmax(result.per_patch_mse, mask)
        # Removed patches only, as in the saved sheet: visible ones keep showing the picture.
        shown = result.mask if result.mask.any() else np.ones_like(result.mask)
        alpha = np.where(shown, 255, 0).astype(np.uint8)
        self._heat = rgba_to_qimage(colorize(result.per_patch_mse, self.vmax), alpha)
        self.colorbar.set_vmax(self.vmax)
        (h, w), (fh, fw), p = result.mask.shape, result.original.shape[:2], result.patch_size
        extent = (h * p / fh, w * p / fw)
        for panel in self.panels.values():
            panel.set_values(result.per_patch_mse, extent)
        self._refresh()

    def clear(self, message: str) -> None:
        self.result = None
        self._images = {}
        for panel in self.panels.values():
            panel.set_image(None)
            panel.set_values(None)
            panel.set_heat(None)
            panel.set_placeholder(message)

    def set_overlay(self, on: bool) -> None:
        self._overlay = on
        self.colorbar.setVisible(on)
        self._refresh()

    def overlay(self) -> bool:
        return self._overlay

    def set_comparing(self, on: bool) -> None:
        """While a key is held: the reconstruction panels show the original instead."""
        if on != self._comparing:
            self._comparing = on
            self._refresh()

    def _refresh(self) -> None:
        if not self._images:
            return
        for key, panel in self.panels.items():
            show = key
            if self._comparing and key in ("reconstruction", "pasted"):
                show = "original"
            panel.set_image(self._images[show])
            title = RESULT_PANELS[key].label + (" (showing original)" if show != key else "")
            if key == "reconstruction" and self._overlay and not self._comparing:
                title += " · per-patch MSE"
            panel.set_title(title)
        heat = self._heat if self._overlay and not self._comparing else None
        self.panels["reconstruction"].set_heat(heat)
