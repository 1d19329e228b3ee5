"""Analysis > Error Map: every patch's error (each predicted once, in K runs) and the spread of
the reconstructions over random masks, as `mae-studio errormap` computes them.

Both maps are core.heatmap heat layers in the window's colour map, as the results view and the
saved sheets draw them; the error map also takes the window's fixed scale (both are MSEs), the
uncertainty (a spread of pixel values) keeps an auto scale of its own."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np
from PySide6.QtWidgets import QGridLayout, QLabel, QSpinBox, QWidget

from mae_studio.core.heatmap import HeatLayer, HeatStyle, format_value, heat_layer

from .analysis_dialog import AnalysisDialog
from .analysis_jobs import ErrorMapResult, errormap_job
from .analysis_picture import AnalysisPicture, layer_image
from .colorbar import ColorBar
from .controller import InferenceController
from .worker import AnalysisStart


def patch_means(values: np.ndarray, grid: tuple[int, int], patch_size: int) -> np.ndarray:
    """float [H, W] per pixel -> float32 [h, w]: the mean over each cell's finite pixels (nan when
    it has none); the last row and column of cells may be partial."""
    h, w = grid
    H, W = values.shape
    padded = np.full((h * patch_size, w * patch_size), np.nan, dtype=np.float64)
    padded[:H, :W] = values
    cells = padded.reshape(h, patch_size, w, patch_size).transpose(0, 2, 1, 3).reshape(h, w, -1)
    finite = np.isfinite(cells)
    total = np.where(finite, cells, 0.0).sum(axis=2)
    count = finite.sum(axis=2)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / np.maximum(count, 1), np.nan).astype(np.float32)


class ErrorMapDialog(AnalysisDialog):
    def __init__(
        self, controller: InferenceController, mask: Callable[[], np.ndarray], parent: QWidget | None = None
    ) -> None:
        super().__init__(
            controller,
            mask,
            self.tr("Error Map and Uncertainty"),
            self.tr(
                "One reconstruction only predicts the removed patches. The error map splits the photo "
                "into K parts and removes each in turn (with other patches up to 75%), so every patch "
                "is predicted exactly once. The uncertainty is how much the prediction of each pixel "
                "changes over random 75% masks. Neither depends on the mask you painted."
            ),
            parent,
        )
        self.k = QSpinBox()
        self.k.setRange(2, 16)
        self.k.setValue(4)
        self.k.setToolTip(self.tr("Runs of the error map: each removes one part of the photo"))
        self.masks = QSpinBox()
        self.masks.setRange(2, 64)
        self.masks.setValue(8)
        self.masks.setToolTip(self.tr("Random masks the uncertainty is measured over"))
        for i, (text, box) in enumerate(
            ((self.tr("Parts (K):"), self.k), (self.tr("Random masks:"), self.masks))
        ):
            label = QLabel(text)
            label.setBuddy(box)
            self.controls.insertWidget(2 * i, label)
            self.controls.insertWidget(2 * i + 1, box)
        self.error = AnalysisPicture(self.tr("Error of every patch (MSE)"))
        self.spread = AnalysisPicture(self.tr("Uncertainty (std of [0, 1] pixels)"))
        self.error_bar = ColorBar(self.heat_style.cmap, "MSE", beside=self.error)
        self.spread_bar = ColorBar(self.heat_style.cmap, self.tr("std"), beside=self.spread)
        self.error_layer: HeatLayer | None = None
        self.spread_layer: HeatLayer | None = None
        for view in (self.error, self.spread):
            view.set_placeholder(self.tr("Compute to see the map"))
            view.cell_hovered.connect(self._on_cell_hovered)
        grid = QGridLayout()
        grid.addWidget(self.error, 0, 0)
        grid.addWidget(self.error_bar, 0, 1)
        grid.addWidget(self.spread, 0, 2)
        grid.addWidget(self.spread_bar, 0, 3)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(2, 1)
        self.content.addLayout(grid, 1)
        self.readout = QLabel(" ")
        self.content.addWidget(self.readout)
        self._cell_spread: np.ndarray | None = None

    def make_job(self) -> AnalysisStart | None:
        return errormap_job(k=self.k.value(), masks=self.masks.value())

    def show_result(self, result: object) -> None:
        assert isinstance(result, ErrorMapResult)
        r = result
        grid, p = r.per_patch.shape, r.patch_size
        self.error.set_picture(r.reconstruction, grid, (*r.original.shape[:2], p))
        self.spread.set_picture(r.original, grid, (*r.original.shape[:2], p))
        self._cell_spread = patch_means(r.uncertainty, grid, p)
        self.show_heat()

    def show_heat(self) -> None:
        r = self.last_result
        if not isinstance(r, ErrorMapResult):
            return
        style = self.heat_style
        # Every patch was predicted in its run: all are shown (a nan one, never predicted, is not).
        self.error_layer = heat_layer(r.per_patch, np.isfinite(r.per_patch), style)
        self.error.set_heat(layer_image(self.error_layer))
        self.error_bar.set_layer(self.error_layer)
        # One colour per pixel; the window's fixed top is an MSE, not a spread: auto here.
        spread = heat_layer(
            r.uncertainty, np.isfinite(r.uncertainty), HeatStyle(style.cmap, None, style.opacity)
        )
        if spread.overflow is not None:
            spread = replace(spread, overflow=replace(spread.overflow, unit="pixel"))
        self.spread_layer = spread
        self.spread.set_heat(layer_image(spread))
        self.spread_bar.set_layer(spread)
        self.spread_bar.setToolTip(self._spread_tip(spread))

    def _spread_tip(self, layer: HeatLayer) -> str:
        tip = self.tr(
            "Colour scale set for this map: its top ({top}) is the 99th percentile of the pixels' spread."
        ).format(top=format_value(layer.vmax, 4))
        if layer.overflow is not None:
            tip += "\n" + self.tr(
                "%n pixel(s) above the top, shown in its colour (max {value}).", "", layer.overflow.count
            ).format(value=format_value(layer.overflow.peak, 4))
        return tip

    def clear_view(self) -> None:
        for view in (self.error, self.spread):
            view.set_picture(None)
            view.set_heat(None)
        self._cell_spread = None
        self.error_layer = self.spread_layer = None

    def done_text(self, result: object) -> str:
        assert isinstance(result, ErrorMapResult)
        r = result
        text = self.tr("{k} runs for the error map and {n} masks for the uncertainty in {s:.1f} s.").format(
            k=r.k, n=r.masks, s=r.seconds
        )
        over = self.error_layer.overflow if self.error_layer is not None else None
        if over is not None:
            text += " " + self.tr(
                "%n patch(es) above the colour bar's top (worst {worst}).", "", over.count
            ).format(worst=format_value(over.peak))
        return text

    def _on_cell_hovered(self, row: int, col: int) -> None:
        r = self.last_result
        if row < 0 or not isinstance(r, ErrorMapResult) or self._cell_spread is None:
            self.readout.setText(" ")
            return
        self.readout.setText(
            self.tr("Patch ({row}, {col}): MSE {mse} · uncertainty {std}").format(
                row=row,
                col=col,
                mse=f"{r.per_patch[row, col]:.5f}",
                std=f"{self._cell_spread[row, col]:.4f}",
            )
        )
