"""Which model runs, and how: the default or a checkpoint, the device, precision and threads.
Loading happens on the worker thread; this keeps the window's side of it in step."""

from __future__ import annotations

import gc
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

from mae_studio.core.devices import OUT_OF_MEMORY, available_devices, device_kind
from mae_studio.core.downloads import DownloadError, Fetched, cached_path, parse_source

from .controller import InferenceController
from .model_info import ModelInfo
from .model_loader import checkpoint_loader, default_loader
from .model_panel import ModelPanel
from .models_dialog import ModelsDialog
from .settings import Settings
from .statusbar import StudioStatusBar, precision_label, precision_short
from .worker import Loader


class ModelActions(QObject):
    """`parent` is the dialogs' parent. `report_error(title, message)` tells the user;
    `remember_error(message)` only records one the open question already tells; `dialogs()`
    says whether questions may be asked (not in tests and the benchmark)."""

    loaded = Signal(object)  # ModelInfo, once the panel and status bar show the new model
    compute_changed = Signal()  # precision or threads changed: the next run applies them

    def __init__(
        self,
        parent: QWidget,
        *,
        controller: InferenceController,
        panel: ModelPanel,
        status: StudioStatusBar,
        settings: Settings,
        report_error: Callable[[str, str], None],
        remember_error: Callable[[str], None],
        dialogs: Callable[[], bool],
        device: str | None,
    ) -> None:
        super().__init__(parent)
        self._parent, self._controller, self._panel, self._status = parent, controller, panel, status
        self._settings, self._report_error, self._remember_error = settings, report_error, remember_error
        self._dialogs = dialogs
        self.device = device  # None: the best available
        self._devices_shown = False  # the panel lists this machine's devices (after the first load)
        self.info: ModelInfo | None = None  # the model in use
        self.threads_in_use = 0
        self._source: tuple[str, Path | None] = ("default", None)  # the model asked for last
        self.fault_box: QMessageBox | None = None  # the open "Switch to CPU?" question
        self.dialog: ModelsDialog | None = None  # Model > Get Models…, made when first asked for
        self._overrides: dict[Path, dict[str, Any]] = {}  # a catalogue model's heads and target
        c = controller
        c.model_loading.connect(self._on_model_loading)
        c.model_loaded.connect(self._on_model_loaded)
        c.model_failed.connect(self._on_model_failed)
        c.device_failed.connect(self._on_device_failed)
        c.precision_applied.connect(self._on_precision_applied)
        c.threads_applied.connect(self._on_threads_applied)
        panel.default_requested.connect(self.load_default)
        panel.device_chosen.connect(self._on_device_chosen)
        panel.threads_chosen.connect(self._on_threads_chosen)
        panel.precision_chosen.connect(self._on_precision_chosen)
        self.set_device(device)  # e.g. --device cpu: the panel says so from the start

    def load_default(self) -> None:
        self._source = ("default", None)
        self.load(default_loader(self.device), self.tr("the default model"))

    def load_checkpoint(
        self, path: Path, overrides: dict[str, Any] | None = None, description: str | None = None
    ) -> None:
        """A checkpoint file or folder. `overrides` (from a catalogue entry: what its file does
        not say) are remembered for reloads of the same path, e.g. on another device."""
        if overrides:
            self._overrides[path] = dict(overrides)
        self._source = ("file", path)
        loader = checkpoint_loader(path, self.device, **self._overrides.get(path, {}))
        self.load(loader, description or path.name)

    def load_fetched(self, fetched: Fetched) -> None:
        """A model on disk that came from a catalogue name, Hub repo or URL."""
        source = fetched.source
        name = source.entry.name if source.entry is not None else source.where
        self.load_checkpoint(fetched.path, source.overrides(), name)

    def open_source(self, spec: str | Path) -> None:
        """What --checkpoint names: a path loads now; a catalogue name, Hub repo id or URL loads
        from the cache, or else the default model runs while Get Models downloads it."""
        try:
            source = parse_source(spec)
        except DownloadError as e:
            self._report_error(self.tr("Cannot open the model"), str(e))
            self.load_default()
            return
        if source.kind == "path":
            assert source.path is not None
            self.load_checkpoint(source.path)
            return
        local = cached_path(source)  # no request
        if local is not None:
            self.load_fetched(Fetched(local, source))
            return
        self.load_default()
        self.show_models(str(spec)).get(source)

    def show_models(self, spec: str | None = None) -> ModelsDialog:
        """Model > Get Models…, optionally on one model (a catalogue name, repo id or URL)."""
        if self.dialog is None:
            self.dialog = ModelsDialog(self._settings, self._parent)
            self.dialog.model_ready.connect(self.load_fetched)
            if self.info is not None:
                self.dialog.set_model_in_use(self.info.name, self.info.path)
        if spec:
            self.dialog.select(spec)
        self.dialog.show()
        self.dialog.raise_()
        self.dialog.activateWindow()
        return self.dialog

    def shutdown(self, timeout_s: float = 2.0) -> bool:
        """Cancel a download; True when its thread ended within the timeout."""
        return self.dialog.shutdown(timeout_s) if self.dialog is not None else True

    def load(self, loader: Loader, description: str) -> None:
        self._controller.load_model(loader, description)

    def name(self) -> str:
        return self.info.name if self.info is not None else "no model"  # saved sheets: English

    @property
    def source(self) -> tuple[str, Path | None]:
        """("file", path) or ("default", None): the model in use, else the one asked for."""
        if self.info is None:
            return self._source
        return ("file", Path(self.info.path)) if self.info.path else ("default", None)

    def reload(self, source: tuple[str, Path | None] | None = None) -> None:
        """Load the model in use (or `source`) again, e.g. on another device."""
        kind, path = source or self.source
        if kind == "file" and path is not None:
            self.load_checkpoint(path)
        else:
            self.load_default()

    def set_device(self, device: str | None) -> None:
        """The device for the next load (None: the best available); the panel shows it."""
        self.device = device
        combo = self._panel.device
        index = combo.findData(device or "auto")
        if index >= 0:
            combo.setCurrentIndex(index)

    def restore(self, model_path: Path | None, device: str | None, precision: str, threads: int) -> None:
        """A session's compute settings, then its model (None: the default)."""
        panel = self._panel
        panel.precision.setCurrentIndex(max(0, panel.precision.findData(precision)))
        self._controller.set_precision(precision)
        self._settings.set_precision(precision)
        panel.threads.setValue(threads)  # the panel passes it on to the worker and the settings
        self.set_device(device if panel.device.findData(device or "auto") >= 0 else None)
        if model_path is not None:
            self.load_checkpoint(model_path)
        else:
            self.load_default()

    def switch_to_cpu(self, source: tuple[str, Path | None] | None = None) -> None:
        """Load the model in use (or `source`) on the CPU."""
        self.set_device("cpu")
        self.reload(source)

    # ---------------------------------------------------------------- controller signals

    def _on_model_loading(self, what: str) -> None:
        self._status.set_loading(what)
        self._panel.set_loading(True)

    def _on_model_loaded(self, info: ModelInfo) -> None:
        # Hundreds of thousands of long-lived objects (torch, Qt, the model) would make every
        # full garbage collection on the GUI thread a 100-500 ms stall; frozen, they are skipped.
        gc.freeze()
        self.info = info
        self._show_devices()
        self._status.set_loading(None)
        self._status.set_model(info)
        self._panel.set_loading(False)
        self._panel.set_model(info)
        if info.note:
            self._status.showMessage(info.note, 15000)
        if self.dialog is not None:
            self.dialog.set_model_in_use(info.name, info.path)
        self.loaded.emit(info)

    def _show_devices(self) -> None:
        """The panel's device choices, asked of torch once a load has imported it (worker thread)."""
        if not self._devices_shown:
            self._devices_shown = True
            self._panel.set_devices(available_devices())
            self.set_device(self.device)

    def _on_model_failed(self, message: str) -> None:
        self._show_devices()
        self._status.set_loading(None)
        self._panel.set_loading(False)
        if self.info is not None:
            self._status.set_model(self.info)
            if self.device not in (None, self.info.device.lower()):
                self.set_device(self.info.device.lower())  # the panel shows where the model runs
        stays = (
            self.tr("The current model stays loaded.")
            if self.info is not None
            else self.tr("No model is loaded yet.")
        )
        if self.dialog is not None:
            self.dialog.show_load_failed(message)
        if self.fault_box is None:
            self._report_error(self.tr("The model was not loaded"), f"{message}\n\n{stays}")
        else:  # the "Switch to CPU?" question already tells the story
            self._remember_error(message)
        if self.info is None and self.device not in (None, "cpu") and self.fault_box is None:
            self._status.showMessage(
                self.tr("{message}; loading on the best available device instead").format(message=message),
                15000,
            )
            self.set_device(None)  # e.g. --device cuda on a machine without a GPU
            self.reload()
        elif self.info is None and self._source[0] != "default":
            self.load_default()  # nothing loaded at all: fall back so the app still works

    def _on_device_failed(self, fault: str, message: str, loading: bool) -> None:
        """Out of memory or a failed GPU: offer the CPU, unless the model already runs there."""
        where = device_kind(self.device) if loading or self.info is None else self.info.device.lower()
        if where == "cpu" or self.fault_box is not None:
            return  # the status bar has the message; nothing better to offer
        memory = fault == OUT_OF_MEMORY
        # one sentence per case, so that each language can build it its own way
        if memory and loading:
            said = self.tr("The GPU ({gpu}) ran out of memory while loading the model")
        elif memory:
            said = self.tr("The GPU ({gpu}) ran out of memory while reconstructing")
        elif loading:
            said = self.tr("The GPU ({gpu}) stopped working while loading the model")
        else:
            said = self.tr("The GPU ({gpu}) stopped working while reconstructing")
        said = said.format(gpu=where.upper())
        self._status.showMessage(self.tr("{what}: {message}").format(what=said, message=message), 15000)
        if not self._dialogs():
            return
        why = (
            self.tr("It is slower, but uses the computer's main memory.")
            if memory
            else self.tr("The model is loaded again there; the GPU may need MAE Studio to restart.")
        )
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            self.tr("The GPU ran out of memory") if memory else self.tr("The GPU stopped working"),
            self.tr("{what}. Switch to the CPU?").format(what=said),
            QMessageBox.StandardButton.NoButton,
            self._parent,
        )
        box.setInformativeText(f"{why}\n\n{message}")
        switch = box.addButton(self.tr("Switch to CPU"), QMessageBox.ButtonRole.AcceptRole)
        box.addButton(
            self.tr("Cancel") if loading else self.tr("Stay on GPU"), QMessageBox.ButtonRole.RejectRole
        )
        box.setDefaultButton(switch)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        source = self._source if loading else self.source  # the model that failed
        box.finished.connect(lambda _: self._on_fault_answered(box.clickedButton() is switch, source))
        self.fault_box = box
        box.open()

    def _on_fault_answered(self, switch: bool, source: tuple[str, Path | None]) -> None:
        self.fault_box = None
        if switch:
            self.switch_to_cpu(source)

    def _on_precision_applied(self, text: str) -> None:
        self._panel.set_precision_detail(precision_label(text))
        self._status.set_precision(precision_short(text))

    def _on_threads_applied(self, threads: int) -> None:
        self.threads_in_use = threads
        self._status.set_threads(threads)

    # ---------------------------------------------------------------- panel choices

    def _on_device_chosen(self, device: str) -> None:
        self.device = None if device == "auto" else device
        self.reload()

    def _on_threads_chosen(self, threads: int) -> None:
        self._controller.set_threads(threads)
        self._settings.set_inference_threads(threads)
        self.compute_changed.emit()  # applied with the next run

    def _on_precision_chosen(self, precision: str) -> None:
        self._controller.set_precision(precision)
        self._settings.set_precision(precision)
        self.compute_changed.emit()
