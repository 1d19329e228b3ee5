"""Analysis > Mask-Ratio Sweep: masked PSNR or MSE of this photo against the mask ratio, the mean
over seeds with its ±1 std band and min/max, and where the current mask stands.

Drawn with QPainter rather than matplotlib's Qt canvas: matplotlib is an optional extra (the
CLI's plot needs it, the window must not), importing it costs about half a second, and a chart
of one line, a band and two marks is little code; the chart follows the window's palette and
its labels go through tr like every other string. Clicking a point applies that ratio's
random mask (its first seed) to the photo, so the main panels show that reconstruction."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPainterPath, QPaintEvent, QPen, QPolygonF
from PySide6.QtWidgets import QComboBox, QLabel, QSizePolicy, QSpinBox, QWidget

from mae_studio.core.sweep import DEFAULT_RATIOS, MAE_TRAINING_RATIO

from .analysis_dialog import AnalysisDialog
from .analysis_jobs import SweepResult, sweep_job
from .controller import InferenceController
from .worker import AnalysisStart

LINE = QColor(66, 165, 245)


class SweepChart(QWidget):
    """One metric against the mask ratio (percent on x)."""

    point_hovered = Signal(int)  # index into the rows; -1 when none
    point_clicked = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMouseTracking(True)
        self.setMinimumSize(420, 260)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.rows: list[dict[str, float]] = []
        self._metric = "psnr"  # not `metric`: QPaintDevice.metric is a virtual Qt calls
        self.current_ratio: float | None = None
        self.hovered = -1
        self.y_label = ""

    def set_rows(self, rows: list[dict[str, float]], metric: str, y_label: str) -> None:
        self.rows, self._metric, self.y_label = rows, metric, y_label
        self.update()

    def set_current_ratio(self, ratio: float | None) -> None:
        self.current_ratio = ratio
        self.update()

    def _series(self, stat: str) -> np.ndarray:
        return np.array([r[f"{self._metric}_{stat}"] for r in self.rows], dtype=np.float64)

    def plot_rect(self) -> QRectF:
        fm = self.fontMetrics()
        left = fm.horizontalAdvance("00.000") + fm.height() + 12
        return QRectF(left, fm.height() + 8, self.width() - left - 16, self.height() - 3 * fm.height() - 16)

    def _y_range(self) -> tuple[float, float]:
        lo, hi = self._series("min"), self._series("max")
        values = np.concatenate([lo, hi, self._series("mean")])
        values = values[np.isfinite(values)]
        if not values.size:
            return 0.0, 1.0
        a, b = float(values.min()), float(values.max())
        pad = (b - a) * 0.08 or max(abs(a) * 0.05, 1e-6)
        return a - pad, b + pad

    def to_point(self, ratio: float, value: float) -> QPointF:
        r = self.plot_rect()
        y0, y1 = self._y_range()
        return QPointF(r.left() + ratio * r.width(), r.bottom() - (value - y0) / (y1 - y0) * r.height())

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        text = self.palette().text().color()
        faint = QColor(text)
        faint.setAlpha(60)
        r = self.plot_rect()
        fm = p.fontMetrics()
        p.setPen(text)
        if not self.rows:
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self.tr("Compute to see the sweep"))
            return
        y0, y1 = self._y_range()
        for i in range(5):  # horizontal grid and y ticks
            v = y0 + (y1 - y0) * i / 4
            y = self.to_point(0, v).y()
            p.setPen(faint)
            p.drawLine(QPointF(r.left(), y), QPointF(r.right(), y))
            p.setPen(text)
            label = f"{v:.1f}" if self._metric == "psnr" else f"{v:.4f}"
            p.drawText(
                QRectF(0, y - fm.height() / 2, r.left() - 6, fm.height()), Qt.AlignmentFlag.AlignRight, label
            )
        for pct in range(0, 101, 10):  # vertical grid and x ticks
            x = r.left() + pct / 100 * r.width()
            p.setPen(faint)
            p.drawLine(QPointF(x, r.top()), QPointF(x, r.bottom()))
            p.setPen(text)
            p.drawText(
                QRectF(x - 30, r.bottom() + 4, 60, fm.height()), Qt.AlignmentFlag.AlignHCenter, f"{pct}"
            )
        p.drawRect(r)
        p.drawText(
            QRectF(r.left(), r.bottom() + fm.height() + 6, r.width(), fm.height()),
            Qt.AlignmentFlag.AlignHCenter,
            self.tr("mask ratio (% of patches removed)"),
        )
        p.save()
        p.translate(fm.height() / 2 + 2, r.center().y())
        p.rotate(-90)
        p.drawText(
            QRectF(-r.height() / 2, -fm.height() / 2, r.height(), fm.height()),
            Qt.AlignmentFlag.AlignCenter,
            self.y_label,
        )
        p.restore()
        self._draw_marks(p, r, text)
        self._draw_series(p)
        self._draw_legend(p, r, text)

    def _draw_legend(self, p: QPainter, r: QRectF, text: QColor) -> None:
        fm = p.fontMetrics()
        seeds = int(max(row["seeds"] for row in self.rows))
        x, y = r.left() + 10, r.bottom() - 3 * (fm.height() + 2) - 6
        band = QColor(LINE)
        band.setAlpha(60)
        entries = (
            (QPen(LINE, 2), None, self.tr("mean of %n seed(s)", "", seeds)),
            (Qt.PenStyle.NoPen, band, self.tr("±1 standard deviation")),
            (QPen(LINE, 1, Qt.PenStyle.DotLine), None, self.tr("lowest and highest")),
        )
        for pen, brush, words in entries:
            mid = y + fm.height() / 2
            p.setPen(pen)
            if brush is not None:
                p.fillRect(QRectF(x, mid - 5, 24, 10), brush)
            else:
                p.drawLine(QPointF(x, mid), QPointF(x + 24, mid))
            p.setPen(text)
            p.drawText(QPointF(x + 30, y + fm.ascent()), words)
            y += fm.height() + 2

    def _draw_marks(self, p: QPainter, r: QRectF, text: QColor) -> None:
        fm = p.fontMetrics()
        for ratio, label, color, style in (
            (
                MAE_TRAINING_RATIO,
                self.tr("trained at {pct:.0f}%"),
                QColor(150, 150, 150),
                Qt.PenStyle.DashLine,
            ),
            (
                self.current_ratio,
                self.tr("your mask: {pct:.0f}%"),
                QColor(255, 112, 67),
                Qt.PenStyle.SolidLine,
            ),
        ):
            if ratio is None:
                continue
            x = r.left() + ratio * r.width()
            p.setPen(QPen(color, 1.5, style))
            p.drawLine(QPointF(x, r.top()), QPointF(x, r.bottom()))
            words = label.format(pct=ratio * 100)
            width = fm.horizontalAdvance(words) + 6
            left = x + 4 if x + width < r.right() else x - width
            top = r.top() + 2 if style == Qt.PenStyle.SolidLine else r.top() + fm.height() + 4
            p.drawText(QRectF(left, top, width, fm.height()), Qt.AlignmentFlag.AlignLeft, words)
        p.setPen(text)

    def _draw_series(self, p: QPainter) -> None:
        ratios = [row["mask_ratio"] for row in self.rows]
        mean, std = self._series("mean"), self._series("std")
        ok = [i for i in range(len(ratios)) if math.isfinite(mean[i])]
        if not ok:
            return
        band = QColor(LINE)
        band.setAlpha(60)
        upper = [self.to_point(ratios[i], mean[i] + std[i]) for i in ok]
        lower = [self.to_point(ratios[i], mean[i] - std[i]) for i in reversed(ok)]
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(band)
        p.drawPolygon(QPolygonF(upper + lower))
        p.setBrush(Qt.BrushStyle.NoBrush)
        for stat in ("min", "max"):
            values = self._series(stat)
            path = QPainterPath(self.to_point(ratios[ok[0]], values[ok[0]]))
            for i in ok[1:]:
                path.lineTo(self.to_point(ratios[i], values[i]))
            p.setPen(QPen(LINE, 1, Qt.PenStyle.DotLine))
            p.drawPath(path)
        points = [self.to_point(ratios[i], mean[i]) for i in ok]
        p.setPen(QPen(LINE, 2))
        p.drawPolyline(QPolygonF(points))
        p.setBrush(LINE)
        for i, pt in zip(ok, points, strict=True):
            radius = 6 if i == self.hovered else 3.5
            p.drawEllipse(pt, radius, radius)

    def index_at(self, pos: QPointF) -> int:
        """The ratio nearest to the pointer's x within the plot, or -1."""
        r = self.plot_rect()
        if not self.rows or not r.adjusted(-8, -8, 8, 8).contains(pos):
            return -1
        ratio = (pos.x() - r.left()) / r.width()
        return int(np.argmin([abs(row["mask_ratio"] - ratio) for row in self.rows]))

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        i = self.index_at(event.position())
        if i != self.hovered:
            self.hovered = i
            self.update()
            self.point_hovered.emit(i)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        i = self.index_at(event.position())
        if i >= 0 and event.button() == Qt.MouseButton.LeftButton:
            self.point_clicked.emit(i)


class SweepDialog(AnalysisDialog):
    def __init__(
        self,
        controller: InferenceController,
        mask: Callable[[], np.ndarray],
        apply_ratio: Callable[[float, int], None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(
            controller,
            mask,
            self.tr("Mask-Ratio Sweep"),
            self.tr(
                "How much worse the reconstruction of this photo gets as more patches are removed: "
                "random masks from 10% to 95%, several seeds each (a seed's masks are nested). "
                "Click a point to apply that mask to the photo."
            ),
            parent,
        )
        self._apply_ratio = apply_ratio
        self.seeds = QSpinBox()
        self.seeds.setRange(1, 20)
        self.seeds.setValue(3)
        self.seeds.setToolTip(self.tr("Random masks per ratio; the band is their spread"))
        self.metric_box = QComboBox()
        self.metric_box.addItem(self.tr("masked PSNR (dB, higher is better)"), "psnr")
        self.metric_box.addItem(self.tr("masked MSE (lower is better)"), "mse")
        self.metric_box.currentIndexChanged.connect(self._on_metric_changed)
        seeds_label = QLabel(self.tr("Seeds:"))
        seeds_label.setBuddy(self.seeds)
        for i, w in enumerate((seeds_label, self.seeds, self.metric_box)):
            self.controls.insertWidget(i, w)
        self.chart = SweepChart()
        self.chart.point_hovered.connect(self._on_point_hovered)
        self.chart.point_clicked.connect(self._on_point_clicked)
        self.content.addWidget(self.chart, 1)
        self.readout = QLabel(" ")
        self.content.addWidget(self.readout)
        self.mask_changed()

    def make_job(self) -> AnalysisStart | None:
        return sweep_job(DEFAULT_RATIOS, list(range(self.seeds.value())))

    def show_result(self, result: object) -> None:
        assert isinstance(result, SweepResult)
        self._on_metric_changed()

    def clear_view(self) -> None:
        self.chart.set_rows([], self.metric_box.currentData(), self.metric_box.currentText())

    def done_text(self, result: object) -> str:
        assert isinstance(result, SweepResult)
        return self.tr("{n} reconstructions ({ratios} ratios x {seeds} seeds) in {s:.1f} s.").format(
            n=len(result.points), ratios=len(result.rows), seeds=result.seeds, s=result.seconds
        )

    def mask_changed(self) -> None:
        mask = self._mask()
        self.chart.set_current_ratio(float(mask.mean()) if mask.size else None)
        super().mask_changed()

    def _on_metric_changed(self) -> None:
        r, box = self.last_result, self.metric_box
        if isinstance(r, SweepResult):
            self.chart.set_rows(r.rows, box.currentData(), box.currentText())

    def _on_point_hovered(self, i: int) -> None:
        if i < 0 or not isinstance(self.last_result, SweepResult):
            self.readout.setText(" ")
            return
        row = self.last_result.rows[i]
        self.readout.setText(
            self.tr(
                "{pct:.0f}% removed ({masked} of {total} patches): PSNR {psnr:.2f} ± {psnr_std:.2f} dB, "
                "MSE {mse:.5f}; click to apply this mask"
            ).format(
                pct=row["mask_ratio"] * 100,
                masked=int(row["masked_patches"]),
                total=int(row["num_patches"]),
                psnr=row["psnr_mean"],
                psnr_std=row["psnr_std"],
                mse=row["mse_mean"],
            )
        )

    def _on_point_clicked(self, i: int) -> None:
        if isinstance(self.last_result, SweepResult):
            self._apply_ratio(self.last_result.rows[i]["mask_ratio"], 0)
