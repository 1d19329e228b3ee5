"""The heat map's colour bar: the colormap's ramp with ticks, spanning the image it is beside."""

from __future__ import annotations

from typing import Protocol

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

from mae_studio.core.heatmap import format_value, lut

from .qimage import rgb_to_qimage


class PictureWidget(Protocol):
    """A view that says where its picture lies (the bar spans that height)."""

    def target_rect(self) -> QRectF: ...


class ColorBar(QWidget):
    """Vertical colour bar of the heat map: ticks at 0, vmax/2 and vmax."""

    def __init__(
        self,
        cmap: str = "inferno",
        label: str = "MSE",
        beside: PictureWidget | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._beside = beside  # the bar spans this view's image
        ramp = lut(cmap)[::-1]  # [256, 3], bright at the top
        self._ramp = rgb_to_qimage(np.ascontiguousarray(ramp[:, None, :]))
        self._vmax = 1.0
        self._label = label
        self.setMinimumWidth(70)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Expanding)

    def set_vmax(self, vmax: float) -> None:
        self._vmax = float(vmax)
        self.update()

    def vmax(self) -> float:
        return self._vmax

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        fm = p.fontMetrics()
        if self._beside is not None:
            image = self._beside.target_rect()
            top, bottom = image.top(), image.bottom()
        else:
            top, bottom = fm.height() + 8, self.height() - fm.height() // 2 - 4
        bar = QRectF(4, top, 14, max(10, bottom - top))
        p.setPen(self.palette().text().color())
        p.drawText(
            QRectF(0, top - fm.height() - 6, self.width(), fm.height() + 2),
            Qt.AlignmentFlag.AlignLeft,
            self._label,
        )
        p.drawImage(bar, self._ramp)
        p.drawRect(bar)
        for frac, value in ((0.0, self._vmax), (0.5, self._vmax / 2), (1.0, 0.0)):
            y = bar.top() + frac * bar.height()
            p.drawLine(QPointF(bar.right(), y), QPointF(bar.right() + 4, y))
            p.drawText(QPointF(bar.right() + 7, y + fm.ascent() / 2 - 1), format_value(value))
