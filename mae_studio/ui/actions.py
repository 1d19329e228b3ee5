"""Menus and their keyboard shortcuts (listed by Help > Keyboard Shortcuts).

The menus are given what they act on (the document, canvas, file and model actions, the mask
panel) and the few commands that are the window's own (WindowCommands); they build actions and
hand them back, and keep no reference to the window's parts."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Protocol

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu

from .canvas import MaskCanvas
from .document import Document
from .file_actions import FileActions, sample_photos
from .framing import FIT_LABELS
from .i18n import label
from .mask_panel import MaskPanel, fit_tip
from .model_actions import ModelActions
from .settings import Settings

Keys = QKeySequence.StandardKey


class WindowCommands(Protocol):
    """What the menus ask of the window itself."""

    def close(self) -> bool: ...

    def step_brush(self, direction: int) -> None: ...

    def set_eraser(self, on: bool) -> None: ...

    def set_grid_visible(self, on: bool) -> None: ...

    def set_heat_visible(self, on: bool) -> None: ...

    def choose_mask_color(self) -> None: ...

    def show_shortcuts(self) -> None: ...

    def show_about(self) -> None: ...


@dataclass(frozen=True)
class Menus:
    actions: dict[str, QAction]  # by name: "open", "undo", "grid", "fit_whole", ...
    view_menu: QMenu  # the docks' toggles are added here


def key_sequences(keys: list[object]) -> list[QKeySequence]:
    """A standard key gives the platform's main binding; duplicates and empties dropped."""
    out: list[QKeySequence] = []
    for k in keys:
        seqs = (
            QKeySequence.keyBindings(k)[:1] if isinstance(k, QKeySequence.StandardKey) else [QKeySequence(k)]
        )
        out.extend(s for s in seqs if not s.isEmpty() and s not in out)
    return out


def _action(w: QMainWindow, text: str, slot: object = None, keys: object = None, tip: str = "") -> QAction:
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


def _add(menu: QMenu, a: dict[str, QAction], keys: tuple[str | None, ...]) -> None:
    for key in keys:
        if key is None:
            menu.addSeparator()
        else:
            menu.addAction(a[key])


def build_menus(
    w: QMainWindow,
    commands: WindowCommands,
    *,
    doc: Document,
    canvas: MaskCanvas,
    files: FileActions,
    models: ModelActions,
    mask_panel: MaskPanel,
    settings: Settings,
) -> Menus:
    a: dict[str, QAction] = {}
    bar = w.menuBar()

    m = bar.addMenu(QCoreApplication.translate("Menus", "&File"))
    a["open"] = _action(
        w, QCoreApplication.translate("Menus", "&Open Photo…"), files.open_image_dialog, [Keys.Open, "Ctrl+O"]
    )
    m.addAction(a["open"])
    recent = m.addMenu(QCoreApplication.translate("Menus", "Open &Recent"))
    recent.aboutToShow.connect(partial(_fill_recent, recent, settings, files))
    samples = m.addMenu(QCoreApplication.translate("Menus", "&Samples"))
    for path in sample_photos():
        samples.addAction(_action(w, path.stem.replace("_", " ").title(), partial(files.open_path, path)))
    a["paste"] = _action(
        w,
        QCoreApplication.translate("Menus", "&Paste Photo"),
        files.paste,
        [Keys.Paste, "Ctrl+V"],
        QCoreApplication.translate("Menus", "Open the image on the clipboard"),
    )
    m.addAction(a["paste"])
    a["next_photo"] = _action(
        w,
        QCoreApplication.translate("Menus", "&Next Photo in Folder"),
        partial(files.folder.step, +1),
        "PgDown",
        QCoreApplication.translate("Menus", "The next photo of this photo's folder, keeping the mask"),
    )
    a["previous_photo"] = _action(
        w,
        QCoreApplication.translate("Menus", "Pre&vious Photo in Folder"),
        partial(files.folder.step, -1),
        "PgUp",
        QCoreApplication.translate("Menus", "The previous photo of this photo's folder, keeping the mask"),
    )
    _add(m, a, (None, "next_photo", "previous_photo"))
    m.addSeparator()
    a["save"] = _action(
        w,
        QCoreApplication.translate("Menus", "&Save Comparison…"),
        files.save_comparison_dialog,
        [Keys.Save, "Ctrl+S"],
        QCoreApplication.translate("Menus", "All panels with labels, as PNG"),
    )
    a["save_panels"] = _action(
        w, QCoreApplication.translate("Menus", "Save &Each Panel…"), files.save_panels_dialog, "Ctrl+Shift+S"
    )
    a["save_mask"] = _action(
        w,
        QCoreApplication.translate("Menus", "Save Mas&k…"),
        files.save_mask_dialog,
        "Ctrl+Alt+S",
        QCoreApplication.translate("Menus", "The mask as JSON or PNG"),
    )
    a["load_mask"] = _action(
        w, QCoreApplication.translate("Menus", "&Load Mask…"), files.load_mask_dialog, "Ctrl+L"
    )
    a["quit"] = _action(
        w, QCoreApplication.translate("Menus", "&Quit"), commands.close, [Keys.Quit, "Ctrl+Q"]
    )
    _add(m, a, ("save", "save_panels", "save_mask", "load_mask", None, "quit"))

    m = bar.addMenu(QCoreApplication.translate("Menus", "&Edit"))
    a["undo"] = doc.undo_stack.createUndoAction(w, QCoreApplication.translate("Menus", "&Undo"))
    a["undo"].setShortcuts(key_sequences([Keys.Undo, "Ctrl+Z"]))
    a["redo"] = doc.undo_stack.createRedoAction(w, QCoreApplication.translate("Menus", "&Redo"))
    a["redo"].setShortcuts(key_sequences([Keys.Redo, "Ctrl+Shift+Z", "Ctrl+Y"]))
    a["apply"] = _action(
        w, QCoreApplication.translate("Menus", "&Apply Mask Pattern"), mask_panel.apply_pattern, "Ctrl+R"
    )
    a["reroll"] = _action(
        w, QCoreApplication.translate("Menus", "Re-roll &Seed"), mask_panel.reroll_seed, "R"
    )
    a["invert"] = _action(w, QCoreApplication.translate("Menus", "&Invert Mask"), doc.invert, "I")
    a["clear"] = _action(
        w, QCoreApplication.translate("Menus", "&Clear Mask"), doc.clear, [Keys.Delete, "Backspace"]
    )
    _add(m, a, ("undo", "redo", None, "apply", "reroll", "invert", "clear"))

    m = bar.addMenu(QCoreApplication.translate("Menus", "&Model"))
    a["model_get"] = _action(
        w,
        QCoreApplication.translate("Menus", "&Get Models…"),
        models.show_models,
        "Ctrl+Alt+M",
        QCoreApplication.translate(
            "Menus", "Download an official MAE or a Hugging Face ViTMAE, or load one already on disk"
        ),
    )
    a["model_default"] = _action(
        w, QCoreApplication.translate("Menus", "&Default Model"), models.load_default
    )
    a["model_open"] = _action(
        w,
        QCoreApplication.translate("Menus", "Open Model &File…"),
        files.open_model_dialog,
        "Ctrl+M",
        QCoreApplication.translate("Menus", "Open a checkpoint file"),
    )
    a["model_folder"] = _action(
        w,
        QCoreApplication.translate("Menus", "Open Model &Folder…"),
        files.open_model_folder_dialog,
        "Ctrl+Shift+M",
    )
    _add(m, a, ("model_get", None, "model_default", "model_open", "model_folder"))
    m.addSeparator()
    fits = m.addMenu(QCoreApplication.translate("Menus", "Photo &Fit"))
    fit_group = QActionGroup(w)
    for i, (fit, name) in enumerate(FIT_LABELS.items(), 1):
        key = f"fit_{fit}"
        a[key] = _action(w, label(name), partial(doc.set_fit, fit), f"Ctrl+{i}", fit_tip(fit))
        a[key].setCheckable(True)
        a[key].setChecked(fit == doc.fit)
        help_text = QCoreApplication.translate("Menus", "Photo fit: {fit}").format(fit=label(name))
        a[key].setProperty("help_text", help_text)
        fit_group.addAction(a[key])
        fits.addAction(a[key])
    doc.fit_changed.connect(lambda: a[f"fit_{doc.fit}"].setChecked(True))

    m = bar.addMenu(QCoreApplication.translate("Menus", "&Tools"))
    tools = QActionGroup(w)
    for key, text, keys in (
        ("brush", QCoreApplication.translate("Menus", "&Brush"), "B"),
        ("rect", QCoreApplication.translate("Menus", "&Rectangle"), "U"),
        ("toggle", QCoreApplication.translate("Menus", "&Toggle Patch"), "T"),
    ):
        a[key] = _action(w, text, partial(canvas.set_tool, key), keys)
        a[key].setCheckable(True)
        tools.addAction(a[key])
    a["brush"].setChecked(True)
    a["eraser"] = _action(
        w, QCoreApplication.translate("Menus", "&Eraser (left button restores)"), commands.set_eraser, "E"
    )
    a["eraser"].setCheckable(True)
    a["smaller"] = _action(
        w, QCoreApplication.translate("Menus", "Smaller Brush"), partial(commands.step_brush, -1), "["
    )
    a["larger"] = _action(
        w, QCoreApplication.translate("Menus", "Larger Brush"), partial(commands.step_brush, +1), "]"
    )
    _add(m, a, ("brush", "rect", "toggle", "eraser", None, "smaller", "larger"))

    m = bar.addMenu(QCoreApplication.translate("Menus", "&View"))
    a["zoom_in"] = _action(
        w,
        QCoreApplication.translate("Menus", "Zoom &In"),
        partial(canvas.zoom_by, 1.25),
        [Keys.ZoomIn, "Ctrl+="],
    )
    a["zoom_out"] = _action(
        w, QCoreApplication.translate("Menus", "Zoom &Out"), partial(canvas.zoom_by, 0.8), Keys.ZoomOut
    )
    a["fit"] = _action(
        w, QCoreApplication.translate("Menus", "&Fit to Window"), canvas.fit_to_window, ["Ctrl+0", "F"]
    )
    a["grid"] = _action(w, QCoreApplication.translate("Menus", "Patch &Grid"), None, "G")
    a["grid"].setCheckable(True)
    a["grid"].toggled.connect(commands.set_grid_visible)
    a["heat"] = _action(w, QCoreApplication.translate("Menus", "&Heat Map on Reconstruction"), None, "H")
    a["heat"].setCheckable(True)
    a["heat"].toggled.connect(commands.set_heat_visible)
    a["color"] = _action(w, QCoreApplication.translate("Menus", "Mask &Colour…"), commands.choose_mask_color)
    _add(m, a, ("zoom_in", "zoom_out", "fit", None, "grid", "heat", "color"))
    view_menu = m

    m = bar.addMenu(QCoreApplication.translate("Menus", "&Help"))
    a["shortcuts"] = _action(
        w,
        QCoreApplication.translate("Menus", "&Keyboard Shortcuts"),
        commands.show_shortcuts,
        [Keys.HelpContents, "F1"],
    )
    a["about"] = _action(w, QCoreApplication.translate("Menus", "&About MAE Studio"), commands.show_about)
    _add(m, a, ("shortcuts", "about"))
    return Menus(a, view_menu)


def _fill_recent(menu: QMenu, settings: Settings, files: FileActions) -> None:
    menu.clear()
    paths = settings.recent_files()
    for path in paths:
        menu.addAction(Path(path).name, partial(files.open_path, Path(path))).setToolTip(path)
    if not paths:
        menu.addAction(QCoreApplication.translate("Menus", "(none)")).setEnabled(False)
    else:
        menu.addSeparator()
        menu.addAction(QCoreApplication.translate("Menus", "Clear Recent"), settings.clear_recent_files)
