"""Which model runs, and how: the default or a checkpoint, the device, precision and threads.
Loading happens on the worker thread; this keeps the window's side of it in step."""

from __future__ import annotations

import gc
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject

from .model_loader import checkpoint_loader, default_loader
from .worker import Loader

if TYPE_CHECKING:
    from .main_window import MainWindow


class ModelActions(QObject):
    def __init__(self, window: MainWindow, device: str | None) -> None:
        super().__init__(window)
        self.w = window
        self.device = device  # None: the best available
        self.info: Any = None  # ModelInfo of the model in use
        self.threads_in_use = 0
        self._source: tuple[str, Path | None] = ("default", None)
        c, panel = window.controller, window.model_panel
        c.model_loading.connect(self._on_model_loading)
        c.model_loaded.connect(self._on_model_loaded)
        c.model_failed.connect(self._on_model_failed)
        c.precision_applied.connect(self._on_precision_applied)
        c.threads_applied.connect(self._on_threads_applied)
        panel.default_requested.connect(self.load_default)
        panel.device_chosen.connect(self._on_device_chosen)
        panel.threads_chosen.connect(self._on_threads_chosen)
        panel.precision_chosen.connect(self._on_precision_chosen)

    def load_default(self) -> None:
        self._source = ("default", None)
        self.load(default_loader(self.device), "the default model")

    def load_checkpoint(self, path: Path) -> None:
        self._source = ("file", path)
        self.load(checkpoint_loader(path, self.device), path.name)

    def load(self, loader: Loader, description: str) -> None:
        self.w.controller.load_model(loader, description)

    def name(self) -> str:
        return self.info.name if self.info is not None else "no model"

    # ---------------------------------------------------------------- controller signals

    def _on_model_loading(self, what: str) -> None:
        self.w.status.set_loading(what)
        self.w.model_panel.set_loading(True)

    def _on_model_loaded(self, info: Any) -> None:
        # Hundreds of thousands of long-lived objects (torch, Qt, the model) would make every
        # full garbage collection on the GUI thread a 100-500 ms stall; frozen, they are skipped.
        gc.freeze()
        w = self.w
        self.info = info
        w.status.set_loading(None)
        w.status.set_model(info)
        w.model_panel.set_loading(False)
        w.model_panel.set_model(info)
        if info.note:
            w.status.showMessage(info.note, 15000)
        w.doc.set_geometry(info.img_size, info.patch_size)
        if w.doc.crop is None:
            w.results.clear("Open a photo: File > Open, drop a file here, or paste (Ctrl+V)")
        else:
            w.controller.set_image(w.doc.crop)
            w.controller.request(w.doc.mask)

    def _on_model_failed(self, message: str) -> None:
        w = self.w
        w.status.set_loading(None)
        w.model_panel.set_loading(False)
        if self.info is not None:
            w.status.set_model(self.info)
        w.report_error("The model was not loaded", message + "\n\nThe current model stays loaded.")
        if self.info is None and self._source[0] != "default":
            self.load_default()  # nothing loaded at all: fall back so the app still works

    def _on_precision_applied(self, text: str) -> None:
        self.w.model_panel.set_precision_detail(text)
        self.w.status.set_precision(text.split(" (")[0])

    def _on_threads_applied(self, threads: int) -> None:
        self.threads_in_use = threads
        self.w.status.set_threads(threads)

    # ---------------------------------------------------------------- panel choices

    def _on_device_chosen(self, device: str) -> None:
        self.device = None if device == "auto" else device
        kind, path = self._source
        if kind == "file" and path is not None:
            self.load_checkpoint(path)
        else:
            self.load_default()

    def _on_threads_chosen(self, threads: int) -> None:
        self.w.controller.set_threads(threads)
        self.w.settings.set_inference_threads(threads)
        self.w.controller.request(self.w.doc.mask)  # applied with the next run

    def _on_precision_chosen(self, precision: str) -> None:
        self.w.controller.set_precision(precision)
        self.w.settings.set_precision(precision)
        self.w.controller.request(self.w.doc.mask)
