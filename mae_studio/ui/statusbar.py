"""The status bar: masked MSE and PSNR, last inference time, device, model, busy indicator."""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtWidgets import QLabel, QProgressBar, QStatusBar, QWidget

from mae_studio.core.results import Reconstruction

from .model_info import ModelInfo


def metrics_text(result: Reconstruction | None) -> str:
    """'Masked MSE 0.0123 · PSNR 19.10 dB' (or why there is none)."""
    if result is None:
        return "No result yet"
    if not result.mask.any():
        return "Nothing masked"
    psnr = result.masked_psnr
    psnr_text = "∞" if math.isinf(psnr) else f"{psnr:.2f}"
    return f"Masked MSE {result.masked_mse:.4f} · PSNR {psnr_text} dB"


class StudioStatusBar(QStatusBar):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.metrics = QLabel("No result yet")
        self.metrics.setObjectName("metrics")
        self.timing = QLabel("")
        self.timing.setToolTip("Model time of the last reconstruction")
        self.device = QLabel("")
        self.device.setToolTip("Where the model runs")
        self.model = QLabel("Loading model…")
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)  # indeterminate
        self.busy.setMaximumWidth(110)
        self.busy.setMaximumHeight(14)
        self.busy.setTextVisible(False)
        self.busy.setVisible(False)
        self._device, self._threads, self._precision = "", 0, "exact"
        self.computing = QLabel("")
        self.computing.setMinimumWidth(12)
        for widget in (self.metrics, self.timing, self.computing, self.device, self.model, self.busy):
            self.addPermanentWidget(widget)

    def set_result(self, result: Reconstruction | None) -> None:
        self.metrics.setText(metrics_text(result))
        if result is not None:
            self.timing.setText(f"{result.seconds * 1000:.0f} ms")

    def set_threads(self, threads: int) -> None:
        self._threads = threads
        self._show_device()

    def set_precision(self, precision: str) -> None:
        self._precision = precision
        self._show_device()

    def _show_device(self) -> None:
        parts = [self._device]
        if self._device == "CPU" and self._threads:
            parts.append(f"{self._threads} thread{'s' if self._threads > 1 else ''}")
        if self._precision:
            parts.append(self._precision)
        self.device.setText(" · ".join(p for p in parts if p))

    def set_model(self, info: ModelInfo) -> None:
        self.model.setText(f"{info.name} · patch {info.patch_size}px")
        self.model.setToolTip(info.summary + (f"\n{info.path}" if info.path else ""))
        self.model.setStyleSheet("color: #f0a030;" if info.untrained else "")
        self._device = info.device
        self._show_device()

    def show_patch(self, row: int, col: int, mask: np.ndarray, result: Reconstruction | None) -> None:
        """The hovered patch (row, col) of the mask: removed or visible, and its MSE when the
        result on screen is on the same grid; (-1, -1): the pointer left."""
        if row < 0:
            self.clearMessage()
            return
        text = f"patch ({row}, {col}) {'removed' if mask[row, col] else 'visible'}"
        if result is not None and result.per_patch_mse.shape == mask.shape:
            text += f" · MSE {result.per_patch_mse[row, col]:.5f}"
        self.showMessage(text)

    def set_loading(self, what: str | None) -> None:
        """Show the busy indicator while a model loads (None: done)."""
        self.busy.setVisible(what is not None)
        if what is not None:
            self.model.setText(f"Loading {what}…")

    def set_computing(self, on: bool) -> None:
        self.computing.setText("●" if on else "")
        self.computing.setToolTip("Reconstructing…" if on else "")
