"""Analysis > Error Map: every patch's error (each predicted once, in K runs) and the spread of
the reconstructions over random masks, as `mae-studio errormap` computes them."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PySide6.QtWidgets import QGridLayout, QLabel, QSpinBox, QWidget

from mae_studio.core.heatmap import DEFAULT_COLORMAP, auto_vmax, format_value

from .analysis_dialog import AnalysisDialog
from .analysis_jobs import ErrorMapResult, errormap_job
from .analysis_picture import AnalysisPicture, heat_image
from .colorbar import ColorBar
from .controller import InferenceController
from .worker import AnalysisStart

HEAT_ALPHA = 170  # of 255: the picture still shows through


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
        self.error_bar = ColorBar(DEFAULT_COLORMAP, "MSE", beside=self.error)
        self.spread_bar = ColorBar(DEFAULT_COLORMAP, self.tr("std"), beside=self.spread)
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
        vmax = auto_vmax(r.per_patch)
        self.error.set_picture(r.reconstruction, grid, (*r.original.shape[:2], p))
        self.error.set_heat(heat_image(r.per_patch, vmax, DEFAULT_COLORMAP, HEAT_ALPHA))
        self.error_bar.set_vmax(vmax)
        self._cell_spread = patch_means(r.uncertainty, grid, p)
        finite = r.uncertainty[np.isfinite(r.uncertainty)]
        top = float(np.percentile(finite, 99)) if finite.size else 1.0
        self.spread.set_picture(r.original, grid, (*r.original.shape[:2], p))
        self.spread.set_heat(heat_image(r.uncertainty, max(top, 1e-6), DEFAULT_COLORMAP, HEAT_ALPHA))
        self.spread_bar.set_vmax(max(top, 1e-6))

    def clear_view(self) -> None:
        for view in (self.error, self.spread):
            view.set_picture(None)
            view.set_heat(None)
        self._cell_spread = None

    def done_text(self, result: object) -> str:
        assert isinstance(result, ErrorMapResult)
        r = result
        over = int((r.per_patch > auto_vmax(r.per_patch)).sum())
        text = self.tr("{k} runs for the error map and {n} masks for the uncertainty in {s:.1f} s.").format(
            k=r.k, n=r.masks, s=r.seconds
        )
        if over:
            worst = format_value(float(np.nanmax(r.per_patch)))
            text += " " + self.tr(
                "%n patch(es) above the colour bar's top (worst {worst}).", "", over
            ).format(worst=worst)
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
