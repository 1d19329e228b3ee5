"""The status bar: masked MSE and PSNR, last inference time, device, model, busy indicator."""

from __future__ import annotations

import math
import re

import numpy as np
from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QLabel, QProgressBar, QStatusBar, QWidget

from mae_studio.core.results import Reconstruction

from .model_info import ModelInfo


def metrics_text(result: Reconstruction | None) -> str:
    """'Masked MSE 0.0123 · PSNR 19.10 dB' (or why there is none)."""
    if result is None:
        return QCoreApplication.translate("statusbar", "No result yet")
    if not result.mask.any():
        return QCoreApplication.translate("statusbar", "Nothing masked")
    psnr = result.masked_psnr
    psnr_text = "∞" if math.isinf(psnr) else f"{psnr:.2f}"
    return QCoreApplication.translate("statusbar", "Masked MSE {mse} · PSNR {psnr} dB").format(
        mse=f"{result.masked_mse:.4f}", psnr=psnr_text
    )


PRECISION_NAME = re.compile(r"\b(exact|fast)\b(?=:|\)|\uff09|$)")  # "fast: bf16 (why)", "preview (exact)"


def precision_label(text: str) -> str:
    """The controller's "fast: bf16 (why)", "exact" or "preview (...)" with the precision's
    name translated (the why comes from core, in English)."""
    names = {
        "exact": QCoreApplication.translate("statusbar", "exact"),
        "fast": QCoreApplication.translate("statusbar", "fast"),
    }
    return PRECISION_NAME.sub(lambda m: names[m.group(1)], text)


def precision_short(text: str) -> str:
    """What the status bar has room for: the text before its first bracket (either script's)."""
    return re.split(r" \(|\uff08", text, maxsplit=1)[0]


class StudioStatusBar(QStatusBar):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._patch = (-1, -1)  # the hovered patch, and the read-out shown for it
        self._patch_text = ""
        self.metrics = QLabel(metrics_text(None))
        self.metrics.setObjectName("metrics")
        self.timing = QLabel("")
        self.timing.setToolTip(self.tr("Model time of the last reconstruction"))
        self.device = QLabel("")
        self.device.setToolTip(self.tr("Where the model runs"))
        self.model = QLabel(self.tr("Loading model…"))
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
            self.timing.setText(self.tr("{ms} ms").format(ms=f"{result.seconds * 1000:.0f}"))

    def set_threads(self, threads: int) -> None:
        self._threads = threads
        self._show_device()

    def set_precision(self, precision: str) -> None:
        self._precision = precision
        self._show_device()

    def _show_device(self) -> None:
        parts = [self._device]
        if self._device == "CPU" and self._threads:
            parts.append(self.tr("%n thread(s)", "", self._threads))
        if self._precision:
            parts.append(precision_label(self._precision))
        self.device.setText(" · ".join(p for p in parts if p))

    def set_model(self, info: ModelInfo) -> None:
        self.model.setText(
            self.tr("{name} · patch {patch}px").format(name=info.display_name, patch=info.patch_size)
        )
        self.model.setToolTip(info.summary + (f"\n{info.path}" if info.path else ""))
        self.model.setStyleSheet("color: #f0a030;" if info.untrained else "")
        self._device = info.device
        self._show_device()

    def show_patch(self, row: int, col: int, mask: np.ndarray, result: Reconstruction | None) -> None:
        """The hovered patch (row, col) of the mask: removed or visible, and its MSE when the
        result on screen is on the same grid; (-1, -1): the pointer left."""
        self._patch = (row, col)
        if row < 0:
            self.clearMessage()
            return
        if mask[row, col]:
            text = self.tr("patch ({row}, {col}) removed").format(row=row, col=col)
        else:
            text = self.tr("patch ({row}, {col}) visible").format(row=row, col=col)
        if result is not None and result.per_patch_mse.shape == mask.shape:
            text += self.tr(" · MSE {mse}").format(mse=f"{result.per_patch_mse[row, col]:.5f}")
        self._patch_text = text
        self.showMessage(text)

    def refresh_patch(self, mask: np.ndarray, result: Reconstruction | None) -> None:
        """A new result (or mask) while the pointer rests on a patch: its read-out follows,
        unless another message has replaced it meanwhile."""
        row, col = self._patch
        shown = bool(self._patch_text) and self.currentMessage() == self._patch_text
        if shown and 0 <= row < mask.shape[0] and 0 <= col < mask.shape[1]:
            self.show_patch(row, col, mask, result)

    def set_loading(self, what: str | None) -> None:
        """Show the busy indicator while a model loads (None: done)."""
        self.busy.setVisible(what is not None)
        if what is not None:
            self.model.setText(self.tr("Loading {what}…").format(what=what))

    def set_computing(self, on: bool) -> None:
        self.computing.setText("●" if on else "")
        self.computing.setToolTip(self.tr("Reconstructing…") if on else "")
