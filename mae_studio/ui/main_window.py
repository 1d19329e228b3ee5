"""The studio window: wires the document, the canvas, the result views and the inference
controller together. The flow: canvas -> document (mask, undo) -> controller (one pending
request) -> worker thread -> controller (stale results dropped) -> result views."""

from __future__ import annotations

import gc
import logging
import os
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QCloseEvent, QColor, QDragEnterEvent, QDropEvent, QKeyEvent, QShowEvent
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QColorDialog,
    QComboBox,
    QDockWidget,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QSplitter,
)

from mae_studio import __version__

from .actions import build_menus, build_toolbar
from .autosave import Autosave
from .canvas import MaskCanvas
from .controller import InferenceController
from .document import Document, MaskRecipe
from .file_actions import SAMPLES, FileActions, sample_photos
from .help_dialog import ShortcutsDialog
from .mask_panel import MaskPanel
from .model_actions import ModelActions
from .model_loader import available_devices
from .model_panel import ModelPanel
from .panels import ResultsView
from .photo_loader import LoadedPhoto, PhotoLoader
from .settings import Settings
from .statusbar import StudioStatusBar
from .worker import Loader

log = logging.getLogger(__name__)

BRUSH_STEPS = (0, 2, 4, 6, 8, 12, 16, 20, 24, 32, 40, 48, 64)
COMPARE_KEY = Qt.Key.Key_O


class MainWindow(QMainWindow):
    result_shown = Signal(int)  # generation, after the views show it
    close_wait_ms = 10_000  # how long closing waits for a model load, after a first second

    def __init__(
        self, settings: Settings | None = None, device: str | None = None, autosave_folder: Path | None = None
    ) -> None:
        super().__init__()
        self.setWindowTitle("MAE Studio")
        self.setAcceptDrops(True)
        self.settings = settings or Settings()
        self.last_error = ""
        self._comparing = False

        self.doc = Document(parent=self)
        self.controller = InferenceController(
            self.settings.inference_threads(), self.settings.precision(), parent=self
        )
        self.canvas = MaskCanvas()
        self.results = ResultsView()
        self.results.clear("Loading the model…")
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.canvas)
        splitter.addWidget(self.results)
        splitter.setStretchFactor(0, 5)
        splitter.setStretchFactor(1, 6)
        splitter.setChildrenCollapsible(False)
        self.splitter = splitter
        self._sized = False
        self.setCentralWidget(splitter)
        self.status = StudioStatusBar()
        self.setStatusBar(self.status)

        self.mask_panel = MaskPanel(self.doc)
        self.model_panel = ModelPanel(
            available_devices(),
            self.settings.inference_threads(),
            os.cpu_count() or 1,
            self.settings.precision(),
        )
        self._add_dock("Mask", self.mask_panel, "maskDock")
        self._add_dock("Model", self.model_panel, "modelDock")

        self.files = FileActions(self)
        self.models = ModelActions(self, device)
        self.photos = PhotoLoader(self)
        self.actions_by_name = build_menus(self)
        self.addToolBar(build_toolbar(self, self.actions_by_name))
        for dock in self.findChildren(QDockWidget):
            self.view_menu.addAction(dock.toggleViewAction())
        self._connect()
        self._restore_settings()
        self.autosave = Autosave(self, autosave_folder)  # off without a folder (tests, benchmark)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)

    def _add_dock(self, title: str, widget: Any, name: str) -> None:
        dock = QDockWidget(title, self)
        dock.setObjectName(name)
        dock.setWidget(widget)
        dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetMovable | QDockWidget.DockWidgetFeature.DockWidgetClosable
        )
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, dock)

    def _connect(self) -> None:
        c, doc, canvas = self.controller, self.doc, self.canvas
        canvas.cells_painted.connect(doc.paint_cells)
        canvas.stroke_started.connect(doc.begin_live)
        canvas.stroke_finished.connect(doc.end_live)
        canvas.cell_toggled.connect(doc.toggle_cell)
        canvas.cell_hovered.connect(self._on_cell_hovered)
        canvas.brush_changed.connect(self._on_brush_changed)
        self.results.patch_hovered.connect(self._on_cell_hovered)
        doc.mask_changed.connect(self._on_mask_changed)
        doc.image_changed.connect(self._on_image_changed)
        doc.grid_changed.connect(lambda: canvas.set_geometry(doc.img_size, doc.patch_size))
        doc.live_ended.connect(c.settle)
        c.result_ready.connect(self._on_result_ready)
        c.failed.connect(self._on_failed)
        c.busy_changed.connect(self.status.set_computing)
        self.photos.loaded.connect(self._on_photo_loaded)
        self.photos.failed.connect(self._on_photo_failed)
        self.photos.busy_changed.connect(self._on_photo_busy)
        self.model_panel.open_file_requested.connect(self.files.open_model_dialog)
        self.model_panel.open_folder_requested.connect(self.files.open_model_folder_dialog)
        self.brush_slider.valueChanged.connect(lambda v: canvas.set_brush_radius(float(v)))
        self.opacity_slider.valueChanged.connect(lambda v: self._apply_mask_style(opacity=v / 100))

    def _restore_settings(self) -> None:
        s = self.settings
        if (geometry := s.geometry()) is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(1480, 900)
        if (state := s.window_state()) is not None:
            self.restoreState(state)
        self.canvas.set_brush_radius(s.brush_radius())
        self._mask_color = s.mask_color()
        self.opacity_slider.setValue(round(s.mask_opacity() * 100))
        self._apply_mask_style()
        self.actions_by_name["grid"].setChecked(s.flag("grid", True))
        self.set_grid_visible(s.flag("grid", True))
        self.actions_by_name["heat"].setChecked(s.flag("heatmap", False))
        self.set_heat_visible(s.flag("heatmap", False))

    # ---------------------------------------------------------------- start

    def start(
        self, image: Path | None = None, model: str | Path | None = None, recipe: MaskRecipe | None = None
    ) -> None:
        """Load the model (default unless given; --checkpoint as typed) and a photo (a sample
        unless given)."""
        if model is not None:
            self.models.open_source(model)  # a path, catalogue name, Hub repo id or URL
        else:
            self.load_default_model()
        self.doc.generate(recipe or MaskRecipe("random", 0.75, 0), "Random mask")
        self.doc.undo_stack.clear()
        samples = sample_photos()
        if image is not None:
            self.files.open_path(image)
        elif samples:
            preferred = [p for p in samples if p.stem == "honey_bee"]
            self.files.open_path((preferred or samples)[0])

    # ---------------------------------------------------------------- model

    @property
    def model_info(self) -> Any:
        return self.models.info

    @property
    def threads_in_use(self) -> int:
        return self.models.threads_in_use

    def load_default_model(self) -> None:
        self.models.load_default()

    def load_checkpoint(self, path: Path) -> None:
        self.models.load_checkpoint(path)

    def load_model(self, loader: Loader, description: str) -> None:
        self.models.load(loader, description)

    def model_name(self) -> str:
        return self.models.name()

    # ---------------------------------------------------------------- photo and mask

    def set_photo(self, rgb: np.ndarray, name: str, path: Path | None) -> None:
        """Show a photo now (crops made on this thread: for small images and tests)."""
        self.doc.set_image(rgb, name, path)
        self.setWindowTitle(f"{name} — MAE Studio")

    def _on_photo_loaded(self, photo: LoadedPhoto) -> None:
        self.doc.set_image(photo.rgb, photo.name, photo.path, (photo.img_size, photo.crop, photo.display))
        self.setWindowTitle(f"{photo.name} — MAE Studio")
        h, w = photo.rgb.shape[:2]
        note = f"{photo.name}: {w}x{h}"
        if w != h:
            note += (
                f", the model sees its centre square ({min(w, h)}x{min(w, h)} scaled to {self.doc.img_size})"
            )
        self.status.showMessage(note, 8000)
        if photo.path is not None and photo.path.parent.resolve() != SAMPLES.resolve():
            self.settings.set_last_folder(photo.path)
            self.settings.add_recent_file(photo.path)

    def _on_photo_failed(self, message: str) -> None:
        self.report_error("Cannot open the photo", message)
        samples = sample_photos()
        if self.doc.image is None and samples:  # nothing on screen yet: show a sample instead
            self.files.open_path(samples[0])

    def _on_photo_busy(self, busy: bool) -> None:
        if busy:
            self.status.showMessage("Opening the photo…")

    def _on_image_changed(self) -> None:
        doc = self.doc
        assert doc.display is not None and doc.crop is not None
        self.canvas.set_image(doc.display, doc.img_size, doc.patch_size)
        self.controller.set_image(doc.crop)
        self.controller.request(doc.mask)

    def _on_mask_changed(self) -> None:
        mask = self.doc.mask
        self.canvas.set_mask(mask)
        self.controller.request(mask, live=self.doc.live)

    def _on_result_ready(self, generation: int, result: Any) -> None:
        self.results.set_result(result)
        self.status.set_result(result)
        self.result_shown.emit(generation)

    def _on_failed(self, generation: int, message: str) -> None:
        self.last_error = message
        self.status.showMessage(f"Reconstruction failed: {message}", 15000)

    # ---------------------------------------------------------------- view

    def step_brush(self, direction: int) -> None:
        r = self.canvas.brush_radius
        bigger = [s for s in BRUSH_STEPS if s > r]
        smaller = [s for s in BRUSH_STEPS if s < r]
        if direction > 0 and bigger:
            self.canvas.set_brush_radius(bigger[0])
        elif direction < 0 and smaller:
            self.canvas.set_brush_radius(smaller[-1])

    def _on_brush_changed(self, radius: float) -> None:
        blocked = self.brush_slider.blockSignals(True)
        self.brush_slider.setValue(round(radius))
        self.brush_slider.blockSignals(blocked)
        self.brush_label.setText(f"{radius:.0f} px")

    def set_grid_visible(self, on: bool) -> None:
        self.canvas.set_grid_visible(on)

    def set_heat_visible(self, on: bool) -> None:
        self.results.set_overlay(on)

    def choose_mask_color(self) -> None:
        color = QColorDialog.getColor(self._mask_color, self, "Mask Colour")
        if color.isValid():
            self._apply_mask_style(color=color)

    def _apply_mask_style(self, color: QColor | None = None, opacity: float | None = None) -> None:
        if color is not None:
            self._mask_color = QColor(color)
        self.canvas.set_mask_style(
            self._mask_color, self.opacity_slider.value() / 100 if opacity is None else opacity
        )
        self.color_button.setStyleSheet(
            f"background-color: {self._mask_color.name()}; min-width: 18px; border: 1px solid #9aa;"
        )

    def _on_cell_hovered(self, row: int, col: int) -> None:
        if row < 0:
            self.status.clearMessage()
            return
        state = "removed" if self.doc.mask[row, col] else "visible"
        text = f"patch ({row}, {col}) {state}"
        result = self.results.result
        if result is not None and result.per_patch_mse.shape == self.doc.mask.shape:
            text += f" · MSE {result.per_patch_mse[row, col]:.5f}"
        self.status.showMessage(text)

    def set_comparing(self, on: bool) -> None:
        self._comparing = on
        self.results.set_comparing(on)

    # ---------------------------------------------------------------- dialogs

    def report_error(self, title: str, message: str) -> None:
        """Tell the user without blocking: status bar, and a window-modal box."""
        self.last_error = message
        log.info("%s: %s", title, message)  # the user sees it; the log keeps it for a report
        self.status.showMessage(f"{title}: {message.splitlines()[0]}", 15000)
        if self.files.dialogs:
            box = QMessageBox(QMessageBox.Icon.Warning, title, message, QMessageBox.StandardButton.Ok, self)
            box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            box.open()

    def show_shortcuts(self) -> None:
        ShortcutsDialog(self.actions_by_name.values(), self).exec()

    def show_about(self) -> None:
        QMessageBox.about(
            self,
            "About MAE Studio",
            f"<b>MAE Studio {__version__}</b><p>See what a Masked Autoencoder does "
            "(He et al. 2021, <i>Masked Autoencoders Are Scalable Vision Learners</i>).</p>"
            f"<p>Model: {self.model_name()}</p>",
        )

    # ---------------------------------------------------------------- events

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease) and self.isActiveWindow():
            key_event: QKeyEvent = event  # type: ignore[assignment]
            typing = isinstance(QApplication.focusWidget(), (QLineEdit, QAbstractSpinBox, QComboBox))
            if (
                not key_event.isAutoRepeat()
                and not typing
                and key_event.modifiers()
                in (
                    Qt.KeyboardModifier.NoModifier,
                    Qt.KeyboardModifier.KeypadModifier,
                )
            ):
                pressed = kind == QEvent.Type.KeyPress
                if key_event.key() == COMPARE_KEY:
                    self.set_comparing(pressed)
                    return True
                over_canvas = self.canvas.underMouse() or self.canvas.hasFocus()
                if key_event.key() == Qt.Key.Key_Space and (over_canvas or not pressed):
                    self.canvas.set_space_held(pressed)
                    return True
        elif kind == QEvent.Type.WindowDeactivate and obj is self:
            self.set_comparing(False)
            self.canvas.set_space_held(False)
        return super().eventFilter(obj, event)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._sized:  # first show: share the width between canvas and results
            self._sized = True
            total = sum(self.splitter.sizes())
            self.splitter.setSizes([total // 2, total - total // 2])

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        mime = event.mimeData()
        if mime.hasUrls() or mime.hasImage():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        if self.files.open_from_mime(event.mimeData()):
            event.acceptProposedAction()

    def closeEvent(self, event: QCloseEvent) -> None:
        s = self.settings
        s.save_window(self.saveGeometry(), self.saveState())
        s.set_brush_radius(self.canvas.brush_radius)
        s.set_mask_color(self._mask_color)
        s.set_mask_opacity(self.opacity_slider.value() / 100)
        s.set_flag("grid", self.actions_by_name["grid"].isChecked())
        s.set_flag("heatmap", self.actions_by_name["heat"].isChecked())
        s.sync()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
        self.canvas.cancel_drag()
        self.hide()
        self.photos.wait(2000)
        self.models.shutdown()  # a model download is cancelled; its part is kept for next time
        if not self.controller.shutdown(1000) and not self.controller.wait_for_thread(self.close_wait_ms):
            # A model load cannot be interrupted, and one may never end (a hung network disk):
            # the window closes anyway; run_gui then ends the process without waiting for it.
            log.warning("the model worker did not stop within %d ms", 1000 + self.close_wait_ms)
        self.autosave.finish()  # a clean exit: nothing to recover next time
        gc.unfreeze()  # see ModelActions._on_model_loaded; the process may live on (tests, embedding)
        event.accept()
