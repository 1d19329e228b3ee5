"""The heat map's colour bar: the colour map's ramp with ticks, spanning the image it is beside,
whether its top is auto or fixed, and a cap when shown values pass that top (as on sheets)."""

from __future__ import annotations

from typing import Protocol

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPaintEvent, QPolygonF
from PySide6.QtWidgets import QMenu, QSizePolicy, QWidget

from mae_studio.core.heatmap import DEFAULT_COLORMAP, HeatLayer, Overflow, format_value, lut

from .qimage import rgb_to_qimage

BAR_WIDTH = 14


class PictureWidget(Protocol):
    """A view that says where its picture lies (the bar spans that height)."""

    def target_rect(self) -> QRectF: ...


class ColorBar(QWidget):
    """Vertical colour bar of the heat map: ticks at 0, vmax/2 and vmax; the label says whether
    the top is auto or fixed; a cap in the top colour, the largest value and how many are above
    when the overflow is set. A click (or right-click) shows the widget's actions as a menu."""

    def __init__(
        self,
        cmap: str = DEFAULT_COLORMAP,
        label: str = "MSE",
        beside: PictureWidget | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._beside = beside  # the bar spans this view's image
        self._cmap = cmap
        self._ramp = None  # built on first paint: the colour map's table imports matplotlib
        self._vmax = 1.0
        self._scaled = False  # nothing to show before the first scale (and no matplotlib import)
        self._label = label
        self._fixed: bool | None = None  # None: the bar does not say (a plain scale)
        self._over: Overflow | None = None
        self.setMinimumWidth(self._text_width() + 2)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Expanding)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)

    # ---------------------------------------------------------------- state

    def set_vmax(self, vmax: float) -> None:
        self._vmax = float(vmax)
        self._scaled = True
        self.update()

    def vmax(self) -> float:
        return self._vmax

    def set_cmap(self, cmap: str) -> None:
        if cmap != self._cmap:
            self._cmap = cmap
            self._ramp = None
            self.update()

    def cmap(self) -> str:
        return self._cmap

    def set_layer(self, layer: HeatLayer) -> None:
        """Show a heat layer's scale: its top, colour map, auto or fixed, and what passes the top."""
        width = self._text_width()
        self._vmax, self._fixed, self._over = layer.vmax, layer.fixed, layer.overflow
        self._scaled = True
        self.set_cmap(layer.cmap)
        self.setToolTip(self._tip())
        if self._text_width() != width:  # else a relayout of the results view per result, for nothing
            self.updateGeometry()
        self.update()

    def overflow(self) -> Overflow | None:
        return self._over

    def label_text(self) -> str:
        """The line above the bar: 'MSE · auto', 'MSE · fixed'."""
        if self._fixed is None:
            return self._label
        mode = self.tr("fixed") if self._fixed else self.tr("auto")
        return self.tr("{label} · {mode}").format(label=self._label, mode=mode)

    def overflow_lines(self) -> tuple[str, str] | tuple[()]:
        """Beside the cap: 'max 0.1232', '3 above' (none when nothing passes the top)."""
        if self._over is None:
            return ()
        peak = format_value(self._over.peak, 4)
        return self.tr("max {value}").format(value=peak), self.tr("{count} above").format(
            count=self._over.count
        )

    def _tip(self) -> str:
        top = format_value(self._vmax, 4)
        if self._fixed:
            tip = self.tr("Colour scale fixed at {top}: results are coloured alike, so edits compare.")
        else:
            tip = self.tr(
                "Colour scale set for this result: its top ({top}) is the 99th percentile of the "
                "removed patches' errors."
            )
        tip = tip.format(top=top)
        if self._over is not None:
            tip += "\n" + self.tr(
                "%n removed patch(es) above the top, shown in its colour (max {value}).", "", self._over.count
            ).format(value=format_value(self._over.peak, 4))
        if self.actions():
            tip += "\n" + self.tr("Click for the colour map and scale.")
        return tip

    # ---------------------------------------------------------------- drawing

    def _text_width(self) -> int:
        """Room for the label and for the longest texts beside the bar, whatever the values, so
        the bar does not change width from one result to the next."""
        fm = self.fontMetrics()
        beside = [
            "0.00e-05",
            self.tr("max {value}").format(value="0.1234"),
            self.tr("{count} above").format(count=9999),
        ]
        label = fm.horizontalAdvance(
            self.tr("{label} · {mode}").format(label=self._label, mode=self.tr("fixed"))
        )
        return max(label, BAR_WIDTH + 11 + max(fm.horizontalAdvance(t) for t in beside))

    def sizeHint(self) -> QSize:
        return QSize(self._text_width() + 2, 200)

    def minimumSizeHint(self) -> QSize:
        return QSize(self._text_width() + 2, 60)

    def paintEvent(self, event: QPaintEvent) -> None:
        if not self._scaled:
            return
        p = QPainter(self)
        fm = p.fontMetrics()
        if self._beside is not None:
            image = self._beside.target_rect()
            top, bottom = image.top(), image.bottom()
        else:
            top, bottom = fm.height() + 8, self.height() - fm.height() // 2 - 4
        text = self.palette().text().color()
        p.setPen(text)
        p.drawText(
            QRectF(0, top - fm.height() - 6, self.width(), fm.height() + 2),
            Qt.AlignmentFlag.AlignLeft,
            self.label_text(),
        )
        notes = self.overflow_lines()
        cap = 2 * fm.height() + fm.height() // 2 + 2 if notes else 0  # clear of the top tick's label
        bar = QRectF(4, top + cap, BAR_WIDTH, max(10, bottom - top - cap))
        table = lut(self._cmap)
        if self._ramp is None:
            self._ramp = rgb_to_qimage(np.ascontiguousarray(table[::-1][:, None, :]))  # bright on top
        p.drawImage(bar, self._ramp)
        p.drawRect(bar)
        if notes:
            tip_h = min(fm.height(), 1.5 * BAR_WIDTH)
            triangle = QPolygonF(
                [
                    QPointF(bar.left(), bar.top()),
                    QPointF(bar.right(), bar.top()),
                    QPointF(bar.center().x(), bar.top() - tip_h),
                ]
            )
            p.setBrush(QColor(*(int(c) for c in table[255])))
            p.drawPolygon(triangle)
            p.setBrush(Qt.BrushStyle.NoBrush)
            for i, line in enumerate(notes):
                p.drawText(QPointF(bar.right() + 7, top + fm.ascent() + i * fm.height()), line)
        for frac, value in ((0.0, self._vmax), (0.5, self._vmax / 2), (1.0, 0.0)):
            y = bar.top() + frac * bar.height()
            p.drawLine(QPointF(bar.right(), y), QPointF(bar.right() + 4, y))
            p.drawText(QPointF(bar.right() + 7, y + fm.ascent() / 2 - 1), format_value(value))

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self.actions():
            QMenu.exec(self.actions(), event.globalPosition().toPoint(), None, self)
            return
        super().mousePressEvent(event)
