"""The status bar: masked MSE and PSNR, last inference time, device, model, busy indicator."""

from __future__ import annotations

import math
from typing import Any

from PySide6.QtWidgets import QLabel, QProgressBar, QStatusBar, QWidget


def metrics_text(result: Any) -> str:
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

    def set_result(self, result: Any) -> None:
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

    def set_model(self, info: Any) -> None:
        self.model.setText(f"{info.name} · patch {info.patch_size}px")
        self.model.setToolTip(info.summary + (f"\n{info.path}" if info.path else ""))
        self.model.setStyleSheet("color: #f0a030;" if info.untrained else "")
        self._device = info.device
        self._show_device()

    def set_loading(self, what: str | None) -> None:
        """Show the busy indicator while a model loads (None: done)."""
        self.busy.setVisible(what is not None)
        if what is not None:
            self.model.setText(f"Loading {what}…")

    def set_computing(self, on: bool) -> None:
        self.computing.setText("●" if on else "")
        self.computing.setToolTip("Reconstructing…" if on else "")
