"""How the window shares its room between the canvas and the result panels: a 2 x 2 grid beside
the canvas, one row under it, or one large result beside it (the others as thumbnails). One
registry; View > Layout lists it, the settings remember the choice.

`results_extent` says how much of the splitter the results should get, so that the panels are
as large as the pictures' aspect allows without empty bands above and below them."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Protocol

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QSize, Qt
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu

from mae_studio.core.results import RESULT_PANELS

from .i18n import label

CONTEXT = "Layouts"
VIEW_PANELS = ("masked", "reconstruction", "pasted", "original")  # the heat map is an overlay
# The results' share of the splitter: least, most. At most 0.7 beside the canvas keeps the canvas
# about 0.8 of a 2 x 2 panel's width or more (with the colour bar shown, about as wide as one).
SHARE = {"grid": (0.45, 0.7), "row": (0.3, 0.55), "large": (0.45, 0.7)}


@dataclass(frozen=True)
class Layout:
    key: str
    label: str  # menu text (translated through CONTEXT)
    shortcut: str
    orientation: Qt.Orientation  # Horizontal: results beside the canvas; Vertical: under it


LAYOUTS: dict[str, Layout] = {
    lay.key: lay
    for lay in (
        Layout("grid", QT_TRANSLATE_NOOP("Layouts", "&2 x 2 Beside the Canvas"), "Alt+1",
               Qt.Orientation.Horizontal),
        Layout("row", QT_TRANSLATE_NOOP("Layouts", "One &Row Under the Canvas"), "Alt+2",
               Qt.Orientation.Vertical),
        Layout("large", QT_TRANSLATE_NOOP("Layouts", "One &Large Result"), "Alt+3",
               Qt.Orientation.Horizontal),
    )
}  # fmt: skip
DEFAULT_LAYOUT = "grid"
DEFAULT_LARGE = "pasted"  # the large panel's default: the reconstruction as users judge it


@dataclass(frozen=True)
class PanelChrome:
    """What a results view adds around its pictures, in pixels."""

    lines: int  # title and caption lines of one panel
    margins: tuple[int, int]  # the view's margins: horizontal, vertical (both sides together)
    spacing: int
    bar: int  # the colour bar's width (0 when hidden)
    thumbs: int  # the thumbnail strip's height (the large layout)


def results_extent(layout: str, central: QSize, aspect: float, chrome: PanelChrome) -> int:
    """Pixels along the splitter for the results (the width beside the canvas, or the height
    under it) that make the panels as large as their height (width) allows; `aspect` is the
    pictures' width over height."""
    lines, (mx, my), gap, bar = chrome.lines, chrome.margins, chrome.spacing, chrome.bar
    width, height = central.width(), central.height()
    if layout == "grid":  # two rows of pictures fill the height: the width they need
        picture_h = (height - my - gap) / 2 - lines
        want = 2 * picture_h * aspect + mx + gap + bar + (gap if bar else 0)
        total = width
    elif layout == "row":  # four pictures across the width: the height they need
        picture_w = (width - mx - 3 * gap - bar - (gap if bar else 0)) / 4
        want = picture_w / aspect + lines + my
        total = height
    else:  # one picture over the thumbnail strip: the width it needs
        picture_h = height - my - gap - chrome.thumbs - lines
        want = picture_h * aspect + mx + bar + (gap if bar else 0)
        total = width
    low, high = SHARE.get(layout, SHARE["grid"])
    return round(max(low * total, min(high * total, want)))


class LayoutCommands(Protocol):
    def set_layout(self, key: str) -> None: ...

    def set_large_panel(self, key: str) -> None: ...

    def set_views_linked(self, on: bool) -> None: ...

    def set_raw_visible(self, on: bool) -> None: ...


def build_layout_menu(
    w: QMainWindow, menu: QMenu, commands: LayoutCommands, layout: str, large: str
) -> dict[str, QAction]:
    """View > Layout (the layouts, the large result), linked views and the raw reconstruction's
    toggle; the actions by name ("layout_grid", "large_pasted", "link_views", "raw_visible")."""
    a: dict[str, QAction] = {}
    menu.addSeparator()
    sub = menu.addMenu(QCoreApplication.translate("Layouts", "&Layout"))
    group = QActionGroup(w)
    for lay in LAYOUTS.values():
        action = _action(
            w,
            QCoreApplication.translate(CONTEXT, lay.label),
            partial(commands.set_layout, lay.key),
            lay.shortcut,
        )
        action.setCheckable(True)
        action.setChecked(lay.key == layout)
        group.addAction(action)
        sub.addAction(action)
        a[f"layout_{lay.key}"] = action
    large_menu = sub.addMenu(QCoreApplication.translate("Layouts", "Large &Result"))
    large_group = QActionGroup(w)
    for key in VIEW_PANELS:
        action = _action(w, label(RESULT_PANELS[key].label), partial(commands.set_large_panel, key))
        action.setCheckable(True)
        action.setChecked(key == large)
        name = label(RESULT_PANELS[key].label)
        action.setProperty(
            "help_text", QCoreApplication.translate("Layouts", "Large result: {panel}").format(panel=name)
        )
        large_group.addAction(action)
        large_menu.addAction(action)
        a[f"large_{key}"] = action
    a["link_views"] = _action(
        w,
        QCoreApplication.translate("Layouts", "&Link Zoom and Pan"),
        None,
        "L",
        QCoreApplication.translate(
            "Layouts", "Zooming or panning the canvas or any result moves all of them to the same region"
        ),
    )
    a["raw_visible"] = _action(
        w,
        QCoreApplication.translate("Layouts", "&Untrained Visible Patches Undimmed"),
        None,
        "D",
        QCoreApplication.translate(
            "Layouts",
            "Show the raw reconstruction's visible patches at full brightness. MAE's loss covers only"
            " removed patches, so its outputs there were never trained; they are dimmed by default.",
        ),
    )
    for key, slot in (("link_views", commands.set_views_linked), ("raw_visible", commands.set_raw_visible)):
        a[key].setCheckable(True)
        a[key].toggled.connect(slot)
        menu.addAction(a[key])
    return a


def _action(
    w: QMainWindow, text: str, slot: object = None, keys: str | None = None, tip: str = ""
) -> QAction:
    action = QAction(text, w)
    if keys:
        action.setShortcut(QKeySequence(keys))
    if tip:
        action.setToolTip(tip)
        action.setStatusTip(tip)
    if slot is not None:
        action.triggered.connect(slot)
    w.addAction(action)  # shortcuts work while the menus are closed
    return action
