"""Menus, the paint toolbar and their keyboard shortcuts (listed by Help > Keyboard Shortcuts)."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QLabel, QMenu, QSlider, QToolBar, QToolButton

from .file_actions import sample_photos

if TYPE_CHECKING:
    from .main_window import MainWindow

Keys = QKeySequence.StandardKey


def key_sequences(keys: list[object]) -> list[QKeySequence]:
    """A standard key gives the platform's main binding; duplicates and empties dropped."""
    out: list[QKeySequence] = []
    for k in keys:
        seqs = (
            QKeySequence.keyBindings(k)[:1] if isinstance(k, QKeySequence.StandardKey) else [QKeySequence(k)]
        )
        out.extend(s for s in seqs if not s.isEmpty() and s not in out)
    return out


def _action(w: MainWindow, text: str, slot: object = None, keys: object = None, tip: str = "") -> QAction:
    a = QAction(text, w)
    if keys is not None:
        a.setShortcuts(key_sequences(keys if isinstance(keys, list) else [keys]))
    if tip:
        a.setToolTip(tip)
        a.setStatusTip(tip)
    if slot is not None:
        a.triggered.connect(slot)
    w.addAction(a)  # shortcuts work while the menus are closed
    return a


def build_menus(w: MainWindow) -> dict[str, QAction]:
    f, doc, canvas = w.files, w.doc, w.canvas
    a: dict[str, QAction] = {}
    bar = w.menuBar()

    m = bar.addMenu("&File")
    a["open"] = _action(w, "&Open Photo…", f.open_image_dialog, [Keys.Open, "Ctrl+O"])
    m.addAction(a["open"])
    w.recent_menu = m.addMenu("Open &Recent")
    w.recent_menu.aboutToShow.connect(partial(_fill_recent, w))
    samples = m.addMenu("&Samples")
    for path in sample_photos():
        samples.addAction(_action(w, path.stem.replace("_", " ").title(), partial(f.open_path, path)))
    a["paste"] = _action(
        w, "&Paste Photo", f.paste, [Keys.Paste, "Ctrl+V"], "Open the image on the clipboard"
    )
    m.addAction(a["paste"])
    m.addSeparator()
    a["save"] = _action(
        w,
        "&Save Comparison…",
        f.save_comparison_dialog,
        [Keys.Save, "Ctrl+S"],
        "All panels with labels, as PNG",
    )
    a["save_panels"] = _action(w, "Save &Each Panel…", f.save_panels_dialog, "Ctrl+Shift+S")
    a["save_mask"] = _action(w, "Save Mas&k…", f.save_mask_dialog, "Ctrl+Alt+S", "The mask as JSON or PNG")
    a["load_mask"] = _action(w, "&Load Mask…", f.load_mask_dialog, "Ctrl+L")
    for key in ("save", "save_panels", "save_mask", "load_mask"):
        m.addAction(a[key])
    m.addSeparator()
    a["quit"] = _action(w, "&Quit", w.close, [Keys.Quit, "Ctrl+Q"])
    m.addAction(a["quit"])

    m = bar.addMenu("&Edit")
    a["undo"] = doc.undo_stack.createUndoAction(w, "&Undo")
    a["undo"].setShortcuts(key_sequences([Keys.Undo, "Ctrl+Z"]))
    a["redo"] = doc.undo_stack.createRedoAction(w, "&Redo")
    a["redo"].setShortcuts(key_sequences([Keys.Redo, "Ctrl+Shift+Z", "Ctrl+Y"]))
    m.addAction(a["undo"])
    m.addAction(a["redo"])
    m.addSeparator()
    a["apply"] = _action(w, "&Apply Mask Pattern", w.mask_panel.apply_pattern, "Ctrl+R")
    a["reroll"] = _action(w, "Re-roll &Seed", w.mask_panel.reroll_seed, "R")
    a["invert"] = _action(w, "&Invert Mask", doc.invert, "I")
    a["clear"] = _action(w, "&Clear Mask", doc.clear, [Keys.Delete, "Backspace"])
    for key in ("apply", "reroll", "invert", "clear"):
        m.addAction(a[key])

    m = bar.addMenu("&Model")
    a["model_get"] = _action(
        w,
        "&Get Models…",
        w.models.show_models,
        "Ctrl+Alt+M",
        "Download an official MAE or a Hugging Face ViTMAE, or load one already on disk",
    )
    a["model_default"] = _action(w, "&Default Model", w.load_default_model)
    a["model_open"] = _action(w, "Open Model &File…", f.open_model_dialog, "Ctrl+M", "Open a checkpoint file")
    a["model_folder"] = _action(w, "Open Model &Folder…", f.open_model_folder_dialog, "Ctrl+Shift+M")
    for key in ("model_get", None, "model_default", "model_open", "model_folder"):
        if key is None:
            m.addSeparator()
        else:
            m.addAction(a[key])

    m = bar.addMenu("&Tools")
    tools = QActionGroup(w)
    for key, text, keys in (
        ("brush", "&Brush", "B"),
        ("rect", "&Rectangle", "U"),
        ("toggle", "&Toggle Patch", "T"),
    ):
        a[key] = _action(w, text, partial(canvas.set_tool, key), keys)
        a[key].setCheckable(True)
        tools.addAction(a[key])
        m.addAction(a[key])
    a["brush"].setChecked(True)
    a["eraser"] = _action(w, "&Eraser (left button restores)", canvas_eraser(w), "E")
    a["eraser"].setCheckable(True)
    m.addAction(a["eraser"])
    m.addSeparator()
    a["smaller"] = _action(w, "Smaller Brush", partial(w.step_brush, -1), "[")
    a["larger"] = _action(w, "Larger Brush", partial(w.step_brush, +1), "]")
    m.addAction(a["smaller"])
    m.addAction(a["larger"])

    m = bar.addMenu("&View")
    a["zoom_in"] = _action(w, "Zoom &In", partial(canvas.zoom_by, 1.25), [Keys.ZoomIn, "Ctrl+="])
    a["zoom_out"] = _action(w, "Zoom &Out", partial(canvas.zoom_by, 0.8), Keys.ZoomOut)
    a["fit"] = _action(w, "&Fit to Window", canvas.fit_to_window, ["Ctrl+0", "F"])
    a["grid"] = _action(w, "Patch &Grid", None, "G")
    a["grid"].setCheckable(True)
    a["grid"].toggled.connect(w.set_grid_visible)
    a["heat"] = _action(w, "&Heat Map on Reconstruction", None, "H")
    a["heat"].setCheckable(True)
    a["heat"].toggled.connect(w.set_heat_visible)
    a["color"] = _action(w, "Mask &Colour…", w.choose_mask_color)
    for key in ("zoom_in", "zoom_out", "fit", None, "grid", "heat", "color"):
        if key is None:
            m.addSeparator()
        else:
            m.addAction(a[key])
    w.view_menu = m

    m = bar.addMenu("&Help")
    a["shortcuts"] = _action(w, "&Keyboard Shortcuts", w.show_shortcuts, [Keys.HelpContents, "F1"])
    a["about"] = _action(w, "&About MAE Studio", w.show_about)
    m.addAction(a["shortcuts"])
    m.addAction(a["about"])
    return a


def canvas_eraser(w: MainWindow) -> object:
    def toggled(on: bool) -> None:
        w.canvas.eraser = on
        w.statusBar().showMessage(
            "Eraser: left button restores patches" if on else "Brush: left button removes", 3000
        )

    return toggled


def _fill_recent(w: MainWindow) -> None:
    menu: QMenu = w.recent_menu
    menu.clear()
    files = w.settings.recent_files()
    for path in files:
        menu.addAction(Path(path).name, partial(w.files.open_path, Path(path))).setToolTip(path)
    if not files:
        menu.addAction("(none)").setEnabled(False)
    else:
        menu.addSeparator()
        menu.addAction("Clear Recent", w.settings.clear_recent_files)


def build_toolbar(w: MainWindow, a: dict[str, QAction]) -> QToolBar:
    tb = QToolBar("Paint")
    tb.setObjectName("paintToolbar")
    tb.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
    for key, short in (
        ("rect", "Rectangle"),
        ("toggle", "Toggle"),
        ("eraser", "Eraser"),
        ("grid", "Grid"),
        ("heat", "Heat map"),
        ("fit", "Fit"),
    ):
        a[key].setIconText(short)
    for key, fixed in (("undo", "Undo"), ("redo", "Redo")):  # the menu entry says what it undoes
        a[key].setIconText(fixed)
        a[key].setProperty("help_text", fixed)
    for key in ("brush", "rect", "toggle", "eraser"):
        tb.addAction(a[key])
    tb.addSeparator()
    tb.addWidget(QLabel(" Brush "))
    w.brush_slider = QSlider(Qt.Orientation.Horizontal)
    w.brush_slider.setRange(0, 64)
    w.brush_slider.setFixedWidth(110)
    w.brush_slider.setToolTip("Brush radius in model pixels ([ and ])")
    w.brush_label = QLabel()
    w.brush_label.setMinimumWidth(44)
    tb.addWidget(w.brush_slider)
    tb.addWidget(w.brush_label)
    tb.addSeparator()
    tb.addAction(a["undo"])
    tb.addAction(a["redo"])
    tb.addSeparator()
    for key in ("grid", "heat", "fit"):
        tb.addAction(a[key])
    tb.addSeparator()
    tb.addWidget(QLabel(" Mask "))
    w.color_button = QToolButton()
    w.color_button.setToolTip("Mask colour")
    w.color_button.setText("  ")
    w.color_button.clicked.connect(w.choose_mask_color)
    tb.addWidget(w.color_button)
    w.opacity_slider = QSlider(Qt.Orientation.Horizontal)
    w.opacity_slider.setRange(0, 100)
    w.opacity_slider.setFixedWidth(90)
    w.opacity_slider.setToolTip("Mask opacity on the photo")
    tb.addWidget(w.opacity_slider)
    return tb
