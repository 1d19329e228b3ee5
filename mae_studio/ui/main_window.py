"""The studio window: owns the document, the canvas, the result views, the panels, the toolbar
and the inference controller, and wires them together. The flow: canvas -> document (mask,
undo) -> controller (one pending request) -> worker thread -> controller (stale results
dropped) -> result views. The menus, file and model actions and autosave are given the parts
they work on; none of them knows this class."""

from __future__ import annotations

import gc
import logging
import os
from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QResizeEvent, QShowEvent
from PySide6.QtWidgets import QDockWidget, QFrame, QMainWindow, QMessageBox, QScrollArea, QSplitter, QWidget

from mae_studio import __version__
from mae_studio.core.recipes import MaskRecipe
from mae_studio.core.results import Reconstruction

from .actions import build_menus
from .analysis_menu import AnalysisTools
from .autosave import Autosave
from .canvas import MaskCanvas
from .controller import InferenceController
from .document import Document
from .file_actions import FileActions
from .framing import fit_note
from .heat_controls import HeatControls
from .help_dialog import ShortcutsDialog
from .i18n import running_language
from .keys import HeldKeys
from .language_menu import LanguageMenu
from .layouts import LAYOUTS, build_layout_menu
from .mask_panel import MaskPanel
from .model_actions import ModelActions
from .model_info import ModelInfo
from .model_panel import ModelPanel
from .panels import ResultsView
from .photo_loader import PhotoLoader
from .session import Session, now_text
from .settings import Settings
from .statusbar import StudioStatusBar
from .toolbar import PaintToolbar, next_brush_step
from .view_link import ViewLink
from .window_layout import WindowLayout
from .worker import Loader

log = logging.getLogger(__name__)


class MainWindow(QMainWindow):
    result_shown = Signal(int)  # generation, after the views show it
    close_wait_ms = 10_000  # how long closing waits for a model load, after a first second

    def __init__(
        self, settings: Settings | None = None, device: str | None = None, autosave_folder: Path | None = None
    ) -> None:
        super().__init__()
        self.setWindowTitle(self.tr("MAE Studio"))
        self.setAcceptDrops(True)
        self.settings = settings or Settings()
        self.last_error = ""
        self._comparing = False

        self.doc = Document(fit=self.settings.fit(), parent=self)
        self.controller = InferenceController(
            self.settings.inference_threads(), self.settings.precision(), parent=self
        )
        self.canvas = MaskCanvas()
        self.results = ResultsView()
        self.results.clear(self.tr("Loading the model…"))
        self.views = ViewLink(self)  # canvas and panels: one region, one hovered patch
        self.views.add(self.canvas, self.canvas.cell_hovered)
        for panel in self.results.panels.values():
            self.views.add(panel, panel.patch_hovered)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.canvas)
        splitter.addWidget(self.results)
        splitter.setStretchFactor(0, 5)
        splitter.setStretchFactor(1, 6)
        splitter.setChildrenCollapsible(False)
        self.splitter = splitter
        self.setCentralWidget(splitter)
        self.status = StudioStatusBar()
        self.setStatusBar(self.status)

        self.mask_panel = MaskPanel(self.doc)
        # Asking torch which devices exist would import it before the window shows: the panel
        # offers the CPU (and --device's choice) until the first load (ModelActions) fills it in.
        self.model_panel = ModelPanel(
            ["cpu", *([device] if device not in (None, "auto", "cpu") else [])],
            self.settings.inference_threads(),
            os.cpu_count() or 1,
            self.settings.precision(),
        )
        docks = (
            self._add_dock(self.tr("Mask"), self.mask_panel, "maskDock"),
            self._add_dock(self.tr("Model"), self.model_panel, "modelDock"),
        )
        self.room = WindowLayout(self, splitter, self.results, docks)

        self.photos = PhotoLoader(self)
        self.files = FileActions(
            self,
            doc=self.doc,
            settings=self.settings,
            photos=self.photos,
            controller=self.controller,
            results=self.results,
            status=self.status,
            report_error=self.report_error,
            model_name=self.model_name,
            load_checkpoint=self.load_checkpoint,
            result_shown=self.result_shown,
        )
        self.models = ModelActions(
            self,
            controller=self.controller,
            panel=self.model_panel,
            status=self.status,
            settings=self.settings,
            report_error=self.report_error,
            remember_error=self._remember_error,
            dialogs=lambda: self.files.dialogs,
            device=device,
        )
        menus = build_menus(
            self,
            self,
            doc=self.doc,
            canvas=self.canvas,
            files=self.files,
            models=self.models,
            mask_panel=self.mask_panel,
            settings=self.settings,
        )
        self.actions_by_name, self.view_menu = menus.actions, menus.view_menu
        self.toolbar = PaintToolbar(self.actions_by_name)
        self.addToolBar(self.toolbar)
        models, c = self.models, self.controller
        self.analysis = AnalysisTools(
            self, controller=c, doc=self.doc, model_name=models.name, device=lambda: models.device
        )
        self.actions_by_name.update(self.analysis.actions)
        s = self.settings
        self.actions_by_name.update(
            build_layout_menu(self, self.view_menu, self, s.layout(), s.large_panel())
        )
        self.heat = HeatControls(s, self.results.heat_top, self)
        self.results.set_heat_style(self.heat.style())
        self.heat.style_changed.connect(self.results.set_heat_style)
        self.analysis.set_heat_style(self.heat.style())  # the analysis windows draw heat alike
        self.heat.style_changed.connect(self.analysis.set_heat_style)
        # below the heat map's toggle
        self.view_menu.insertMenu(self.actions_by_name["color"], self.heat.menu(self))
        self.results.colorbar.addActions(self.heat.bar_actions())
        self.addActions(list(self.heat.actions.values()))  # Shift+H while the menus are closed
        self.view_menu.addSeparator()
        for dock in self.findChildren(QDockWidget):
            self.view_menu.addAction(dock.toggleViewAction())
        self.view_menu.addSeparator()
        self.view_menu.addMenu(LanguageMenu(self.settings, running_language(), self))
        self.keys = HeldKeys(
            self, lambda: self.canvas.underMouse() or self.canvas.hasFocus() or self.results.underMouse()
        )
        self._connect()
        self._restore_settings()
        a, c, panel = self.actions_by_name, self.controller, self.model_panel
        view = (self.canvas.brush_changed, a["grid"].toggled, a["heat"].toggled, self.results.layout_changed)
        compute = (c.model_loaded, panel.device_chosen, panel.precision_chosen, panel.threads_chosen)
        self.autosave = Autosave(  # off without a folder (tests, benchmark)
            self,
            autosave_folder,
            doc=self.doc,
            snapshot=self.session_now,
            restore=self.restore_session,
            changes=(*view, *compute),
            status=self.status,
            report_error=self.report_error,
        )
        self.keys.install()

    def _add_dock(self, title: str, widget: QWidget, name: str) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(name)
        # Scrolled, so that a short window (700 px) can shrink the docks instead of clipping them.
        scroll = QScrollArea()
        scroll.setWidget(widget)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setMinimumWidth(
            widget.minimumSizeHint().width() + scroll.verticalScrollBar().sizeHint().width()
        )
        dock.setWidget(scroll)
        dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetMovable | QDockWidget.DockWidgetFeature.DockWidgetClosable
        )
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, dock)
        return dock

    def _connect(self) -> None:
        c, doc, canvas = self.controller, self.doc, self.canvas
        canvas.cells_painted.connect(doc.paint_cells)
        canvas.stroke_started.connect(doc.begin_live)
        canvas.stroke_finished.connect(doc.end_live)
        canvas.cell_toggled.connect(doc.toggle_cell)
        self.views.cell_hovered.connect(self._on_cell_hovered)
        canvas.brush_changed.connect(self._on_brush_changed)
        self.results.panel_chosen.connect(self._on_panel_chosen)
        self.actions_by_name["fit"].triggered.connect(self.views.fit_all)  # every view, linked or not
        doc.mask_changed.connect(self._on_mask_changed)
        doc.image_changed.connect(self._on_image_changed)
        doc.grid_changed.connect(self._on_grid_changed)
        doc.fit_changed.connect(self._on_fit_changed)
        doc.live_ended.connect(c.settle)
        c.result_ready.connect(self._on_result_ready)
        c.failed.connect(self._on_failed)
        c.busy_changed.connect(self.status.set_computing)
        self.files.photo_opened.connect(self._on_photo_opened)
        self.models.loaded.connect(self._on_model_loaded)
        self.models.compute_changed.connect(lambda: c.request(doc.mask))
        self.model_panel.open_file_requested.connect(self.files.open_model_dialog)
        self.model_panel.open_folder_requested.connect(self.files.open_model_folder_dialog)
        self.toolbar.brush_chosen.connect(canvas.set_brush_radius)
        self.toolbar.mask_style_changed.connect(canvas.set_mask_style)
        self.keys.compare_held.connect(self.set_comparing)
        self.keys.space_held.connect(canvas.set_space_held)
        self.keys.space_held.connect(self.results.set_space_held)

    def _restore_settings(self) -> None:
        s = self.settings
        if (geometry := s.geometry()) is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(1480, 900)
        if (state := s.window_state()) is not None:
            self.restoreState(state)
        self.canvas.set_brush_radius(s.brush_radius())
        self.toolbar.set_mask_style(s.mask_color(), s.mask_opacity())
        self.actions_by_name["grid"].setChecked(s.flag("grid", True))
        self.set_grid_visible(s.flag("grid", True))
        self.actions_by_name["heat"].setChecked(s.flag("heatmap", False))
        self.set_heat_visible(s.flag("heatmap", False))
        self.actions_by_name["link_views"].setChecked(s.flag("link_views", True))
        self.set_views_linked(s.flag("link_views", True))
        self.actions_by_name["raw_visible"].setChecked(s.flag("raw_visible", False))
        self.set_layout(s.layout(), s.large_panel())

    # ---------------------------------------------------------------- start

    def start(
        self, image: Path | None = None, model: str | Path | None = None, recipe: MaskRecipe | None = None
    ) -> None:
        """Load the model (default unless given; --checkpoint as typed) and a photo (a sample
        unless given)."""
        if model is not None:
            self.models.open_source(model)  # a path, catalogue name, Hub repo id or URL
        else:
            self.models.load_default()
        self.doc.generate(recipe or MaskRecipe("random", 0.75, 0), self.tr("Random mask"))
        self.doc.undo_stack.clear()
        self.files.open_start_photo(image)

    # ---------------------------------------------------------------- model

    @property
    def model_info(self) -> ModelInfo | None:
        return self.models.info

    @property
    def threads_in_use(self) -> int:
        return self.models.threads_in_use

    def load_checkpoint(self, path: Path) -> None:
        self.models.load_checkpoint(path)

    def load_model(self, loader: Loader, description: str) -> None:
        self.models.load(loader, description)

    def model_name(self) -> str:
        return self.models.name()

    def _on_model_loaded(self, info: ModelInfo) -> None:
        doc = self.doc
        doc.set_geometry(info.img_size, info.patch_size)
        if doc.image is None:
            self.results.clear(self.tr("Open a photo: File > Open, drop a file here, or paste (Ctrl+V)"))
        else:
            self.controller.set_image(doc.image, doc.fit)
            self.controller.request(doc.mask)

    # ---------------------------------------------------------------- photo and mask

    def set_photo(self, rgb: np.ndarray, name: str, path: Path | None) -> None:
        """Show a photo now (framed on this thread: for small images and tests)."""
        self.doc.set_image(rgb, name, path)
        self.setWindowTitle(self.tr("{name} — MAE Studio").format(name=name))

    def _on_photo_opened(self, name: str) -> None:
        self.setWindowTitle(self.tr("{name} — MAE Studio").format(name=name))
        self._on_fit_changed()

    def _on_fit_changed(self) -> None:
        """The status bar says what the model sees of the photo (also when a photo opens)."""
        doc = self.doc
        if doc.image is not None:
            h, w = doc.image.shape[:2]
            note = fit_note(doc.fit, w, h, doc.grid, doc.img_size)
            text = self.tr("{name}: {width}x{height}, {note}")
            self.status.showMessage(text.format(name=doc.image_name, width=w, height=h, note=note), 8000)

    def _on_image_changed(self) -> None:
        doc = self.doc
        assert doc.image is not None
        self._on_grid_changed()
        self.controller.set_image(doc.image, doc.fit)
        self.controller.request(doc.mask)

    def _on_grid_changed(self) -> None:
        """The canvas shows the photo as the model sees it with this fit, on its grid (also
        when the photo or its fit changes)."""
        framing = self.doc.framing
        if framing is None:
            self.canvas.set_geometry(self.doc.grid, self.doc.patch_size)
        else:
            self.canvas.set_image(framing.display, framing.grid, framing.patch_size, framing.size)

    def _on_mask_changed(self) -> None:
        mask = self.doc.mask
        self.canvas.set_mask(mask)
        self.controller.request(mask, live=self.doc.live)

    def _on_result_ready(self, generation: int, result: Reconstruction) -> None:
        self.results.set_result(result)
        self.room.aspect_seen()
        self.status.set_result(result)
        self.status.refresh_patch(self.doc.mask, result)
        self.result_shown.emit(generation)

    def _on_failed(self, generation: int, message: str) -> None:
        self.last_error = message
        self.status.showMessage(self.tr("Reconstruction failed: {message}").format(message=message), 15000)

    # ---------------------------------------------------------------- view

    def step_brush(self, direction: int) -> None:
        self.canvas.set_brush_radius(next_brush_step(self.canvas.brush_radius, direction))

    def _on_brush_changed(self, radius: float) -> None:
        self.toolbar.show_brush(radius)

    def set_eraser(self, on: bool) -> None:
        self.canvas.eraser = on
        what = (
            self.tr("Eraser: left button restores patches") if on else self.tr("Brush: left button removes")
        )
        self.status.showMessage(what, 3000)

    def set_grid_visible(self, on: bool) -> None:
        self.canvas.set_grid_visible(on)

    def set_heat_visible(self, on: bool) -> None:
        self.results.set_overlay(on)
        self.room.rebalance()  # the colour bar takes or gives back room

    def set_raw_visible(self, on: bool) -> None:
        self.results.set_raw_visible(on)

    def set_views_linked(self, on: bool) -> None:
        self.views.set_linked(on)

    def set_layout(self, key: str, large: str | None = None) -> None:
        """Arrange the results (layouts.LAYOUTS); remembered at once (a crash keeps it too)."""
        self.results.set_layout(key, large)
        self.actions_by_name[f"layout_{key}"].setChecked(True)
        self.actions_by_name[f"large_{self.results.large()}"].setChecked(True)
        self.settings.set_layout(key)
        self.settings.set_large_panel(self.results.large())
        self.room.layout_changed(LAYOUTS[key].orientation)

    def set_large_panel(self, key: str) -> None:
        """Show one result large (switching to that layout)."""
        self.set_layout("large", key)

    def _on_panel_chosen(self, key: str) -> None:
        self.set_large_panel(key)

    def choose_mask_color(self) -> None:
        self.toolbar.choose_color()

    def _on_cell_hovered(self, row: int, col: int) -> None:
        self.status.show_patch(row, col, self.doc.mask, self.results.result)

    def set_comparing(self, on: bool) -> None:
        self._comparing = on
        self.results.set_comparing(on)

    # ---------------------------------------------------------------- session

    def session_now(self) -> Session:
        """The studio as autosave keeps it (image_file: the photo's own file, if it has one)."""
        doc, a = self.doc, self.actions_by_name
        kind, model_path = self.models.source
        return Session(
            image_name=doc.image_name if doc.image is not None else "",
            image_file=doc.image_path.absolute() if doc.image_path is not None else None,
            pasted=False,
            model_path=model_path.absolute() if kind == "file" and model_path is not None else None,
            device=self.models.device,
            img_size=doc.img_size,
            patch_size=doc.patch_size,
            mask=doc.mask,
            recipe=doc.recipe,
            brush_radius=float(self.canvas.brush_radius),
            grid_visible=a["grid"].isChecked(),
            heatmap=a["heat"].isChecked(),
            precision=self.settings.precision(),
            threads=self.settings.inference_threads(),
            saved_at=now_text(),
            fit=doc.fit,
            layout=self.results.layout_key(),
            large_panel=self.results.large(),
        )

    def restore_session(self, s: Session) -> None:
        """Put a session back: view and compute settings, model, fit and mask, then the photo."""
        self.canvas.set_brush_radius(s.brush_radius)
        self.actions_by_name["grid"].setChecked(s.grid_visible)
        self.actions_by_name["heat"].setChecked(s.heatmap)
        self.set_layout(s.layout, s.large_panel)
        self.models.restore(s.model_path, s.device, s.precision, s.threads)
        self.doc.restore((s.img_size, s.patch_size), s.fit, s.recipe, s.mask)
        self.files.reopen(s.image_file, s.image_name, s.pasted)
        text = self.tr("Restored the session autosaved at {time}").format(time=s.saved_at_text)
        self.status.showMessage(text, 10000)

    # ---------------------------------------------------------------- dialogs

    def _remember_error(self, message: str) -> None:
        self.last_error = message

    def report_error(self, title: str, message: str) -> None:
        """Tell the user without blocking: status bar, and a window-modal box."""
        self.last_error = message
        log.info("%s: %s", title, message)  # the user sees it; the log keeps it for a report
        said = self.tr("{title}: {message}").format(title=title, message=message.splitlines()[0])
        self.status.showMessage(said, 15000)
        if self.files.dialogs:
            box = QMessageBox(QMessageBox.Icon.Warning, title, message, QMessageBox.StandardButton.Ok, self)
            box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            box.open()

    def shortcut_actions(self) -> list[QAction]:
        """Every action Help > Keyboard Shortcuts lists (those with a shortcut are shown)."""
        return [*self.actions_by_name.values(), *self.heat.actions.values()]

    def show_shortcuts(self) -> None:
        ShortcutsDialog(self.shortcut_actions(), self).exec()

    def show_about(self) -> None:
        text = self.tr(
            "<b>MAE Studio {version}</b><p>See what a Masked Autoencoder does "
            "(He et al. 2021, <i>Masked Autoencoders Are Scalable Vision Learners</i>).</p>"
            "<p>Model: {model}</p>"
        )
        QMessageBox.about(
            self, self.tr("About MAE Studio"), text.format(version=__version__, model=self.model_name())
        )

    # ---------------------------------------------------------------- events

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.room.shown()  # the first time: share the room between canvas and results

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.room.resized()

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
        s.set_mask_color(self.toolbar.mask_color())
        s.set_mask_opacity(self.toolbar.mask_opacity())
        s.set_flag("grid", self.actions_by_name["grid"].isChecked())
        s.set_flag("heatmap", self.actions_by_name["heat"].isChecked())
        s.set_flag("link_views", self.actions_by_name["link_views"].isChecked())
        s.set_flag("raw_visible", self.actions_by_name["raw_visible"].isChecked())
        s.set_fit(self.doc.fit)
        s.sync()
        self.keys.remove()
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
