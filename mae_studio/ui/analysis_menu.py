"""The Analysis menu: the error map and uncertainty, the mask-ratio sweep, a comparison with a
second model and the decoder's attention, each in its own window, all computed on the model's
worker thread (controller.start_analysis) while the studio stays usable.

Given the parts it works on (the controller, the document, the model's name and device); it
keeps its windows and opens them on demand."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu

from mae_studio.core.heatmap import DEFAULT_STYLE, HeatStyle
from mae_studio.core.recipes import MaskRecipe

from .analysis_attention import AttentionDialog
from .analysis_compare import CompareDialog
from .analysis_dialog import AnalysisDialog
from .analysis_errormap import ErrorMapDialog
from .analysis_sweep import SweepDialog
from .controller import InferenceController
from .document import Document


class AnalysisTools(QObject):
    def __init__(
        self,
        window: QMainWindow,
        *,
        controller: InferenceController,
        doc: Document,
        model_name: Callable[[], str],
        device: Callable[[], str | None],
    ) -> None:
        super().__init__(window)
        self._window, self._controller, self._doc = window, controller, doc
        self._model_name, self._device = model_name, device
        self.dialogs: dict[str, AnalysisDialog] = {}
        self._heat_style = DEFAULT_STYLE
        self.actions: dict[str, QAction] = {}
        doc.mask_changed.connect(self._on_mask_changed)
        doc.image_changed.connect(self._on_image_changed)
        doc.grid_changed.connect(self._on_image_changed)
        self._build_menu()

    def _build_menu(self) -> None:
        w = self._window
        bar = w.menuBar()
        menu = self.tr("&Analysis")
        items = (
            ("errormap", self.tr("&Error Map and Uncertainty…"), "Ctrl+Alt+E",
             self.tr("Every patch's error, each predicted once, and how unsure the model is")),
            ("sweep", self.tr("Mask-Ratio &Sweep…"), "Ctrl+Alt+W",
             self.tr("Masked PSNR and MSE of this photo from 10% to 95% removed")),
            ("compare", self.tr("&Compare Models…"), "Ctrl+Alt+C",
             self.tr("This model and a second one side by side on the same mask")),
            ("attention", self.tr("Decoder &Attention…"), "Ctrl+Alt+A",
             self.tr("Where the decoder looks when it predicts a removed patch")),
        )  # fmt: skip
        m = QMenu(menu, bar)
        if bar.actions():
            bar.insertMenu(bar.actions()[-1], m)  # Help stays last
        else:
            bar.addMenu(m)
        for key, text, keys, tip in items:
            a = QAction(text, w)
            a.setShortcut(QKeySequence(keys))
            a.setToolTip(tip)
            a.setStatusTip(tip)
            a.triggered.connect(lambda _=False, key=key: self.open(key))
            w.addAction(a)
            m.addAction(a)
            self.actions[f"analysis_{key}"] = a
        self.menu = m

    def dialog(self, key: str) -> AnalysisDialog:
        """The window of one analysis ("errormap", "sweep", "compare", "attention"), made once."""
        d = self.dialogs.get(key)
        if d is None:
            c, w, doc = self._controller, self._window, self._doc

            def mask() -> np.ndarray:
                return doc.mask

            if key == "errormap":
                d = ErrorMapDialog(c, mask, w)
            elif key == "sweep":
                d = SweepDialog(c, mask, self._apply_ratio, w)
            elif key == "compare":
                d = CompareDialog(c, mask, lambda: (doc.image, doc.fit), self._model_name, self._device, w)
            elif key == "attention":
                d = AttentionDialog(c, mask, lambda: doc.framing, w)
            else:
                raise KeyError(key)
            d.set_heat_style(self._heat_style)
            d.resize(1100, 760)
            self.dialogs[key] = d
        return d

    def open(self, key: str) -> AnalysisDialog:
        """Show an analysis window; the error map and the sweep start computing if they have
        nothing to show yet (the others wait for a choice: a model, a patch)."""
        d = self.dialog(key)
        d.show()
        d.raise_()
        d.activateWindow()
        if key in ("errormap", "sweep") and d.last_result is None and not d.running:
            d.compute()
        return d

    def set_heat_style(self, style: HeatStyle) -> None:
        """The window's heat-map colours and scale, for every analysis window's heat."""
        self._heat_style = style
        for d in self.dialogs.values():
            d.set_heat_style(style)

    def _apply_ratio(self, ratio: float, seed: int) -> None:
        self._doc.generate(MaskRecipe("random", ratio, seed), self.tr("Mask from the sweep"))

    def _on_mask_changed(self) -> None:
        for d in self.dialogs.values():
            d.mask_changed()

    def _on_image_changed(self) -> None:
        """Another photo or fit: a result of the old one is cleared (the controller cancelled
        any analysis in progress), the attention window shows the new picture."""
        for d in self.dialogs.values():
            d.forget()
        attention = self.dialogs.get("attention")
        if isinstance(attention, AttentionDialog):
            attention.show_photo()
