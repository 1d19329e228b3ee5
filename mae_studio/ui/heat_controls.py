"""The heat map's settings in the window: its colour map and its scale (auto, or fixed so that
edits can be compared), as actions for the View menu and the colour bar, remembered in settings.

The style is a core.heatmap.HeatStyle; whoever draws the heat map listens to `style_changed`.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from PySide6.QtCore import QCoreApplication, QObject, Signal
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QInputDialog, QMenu, QWidget

from mae_studio.core.heatmap import COLORMAPS, HeatStyle, format_value

from .settings import Settings

MAX_VMAX = 1.0  # an MSE of [0, 1] pixels never exceeds 1
DECIMALS = 6


def colormap_label(name: str) -> str:
    """A colour map's name in the menu: matplotlib's names, capitalised; 'gray' reads 'Grey'."""
    names = {
        "inferno": QCoreApplication.translate("HeatControls", "Inferno"),
        "magma": QCoreApplication.translate("HeatControls", "Magma"),
        "viridis": QCoreApplication.translate("HeatControls", "Viridis"),
        "plasma": QCoreApplication.translate("HeatControls", "Plasma"),
        "cividis": QCoreApplication.translate("HeatControls", "Cividis (colour-blind safe)"),
        "turbo": QCoreApplication.translate("HeatControls", "Turbo (rainbow)"),
        "gray": QCoreApplication.translate("HeatControls", "Grey"),
    }
    return names.get(name, name)


class HeatControls(QObject):
    """Colour map choice, Fix Scale (lock the top at the current result's) and Set Scale…

    `current_top` says the top of the heat map now on screen (None before a result)."""

    style_changed = Signal(object)  # the new HeatStyle

    def __init__(self, settings: Settings, current_top: Callable[[], float | None], parent: QWidget) -> None:
        super().__init__(parent)
        self._settings = settings
        self._current_top = current_top
        self._parent = parent
        self._style = HeatStyle(settings.heat_colormap(), settings.heat_vmax())
        self.actions: dict[str, QAction] = {}
        group = QActionGroup(self)
        for name in COLORMAPS:
            a = QAction(colormap_label(name), self)
            a.setCheckable(True)
            a.setChecked(name == self._style.cmap)
            a.triggered.connect(partial(self.set_colormap, name))
            group.addAction(a)
            self.actions[f"cmap_{name}"] = a
        fix = QAction(self.tr("&Fix Scale"), self)
        fix.setCheckable(True)
        fix.setShortcut("Shift+H")
        fix.setToolTip(self.tr("Keep the colour scale's top where it is now, so that edits compare"))
        fix.toggled.connect(self._on_fix_toggled)
        self.actions["fix"] = fix
        ask = QAction(self.tr("&Set Scale…"), self)
        ask.setToolTip(self.tr("Type the top of the colour scale (an MSE)"))
        ask.triggered.connect(self.ask_scale)
        self.actions["set"] = ask
        self._sync_fix_action()

    # ---------------------------------------------------------------- state

    def style(self) -> HeatStyle:
        return self._style

    def set_style(self, style: HeatStyle) -> None:
        """Apply a style: the actions follow, settings remember it, listeners hear of it."""
        if style == self._style:
            return
        self._style = style
        self._settings.set_heat_colormap(style.cmap)
        self._settings.set_heat_vmax(style.vmax)
        self.actions[f"cmap_{style.cmap}"].setChecked(True)
        self._sync_fix_action()
        self.style_changed.emit(style)

    def set_colormap(self, name: str) -> None:
        self.set_style(HeatStyle(name, self._style.vmax, self._style.opacity))

    def set_scale(self, vmax: float | None) -> None:
        """Fix the top at vmax (None: back to the auto scale)."""
        self.set_style(HeatStyle(self._style.cmap, vmax, self._style.opacity))

    def fix_scale(self, on: bool) -> bool:
        """Lock the top at the current result's (True) or go back to auto; False when there is no
        result to take the top from."""
        if not on:
            self.set_scale(None)
            return True
        if self._style.fixed:
            return True
        top = self._current_top()
        if top is None:
            self._sync_fix_action()
            return False
        self.set_scale(top)
        return True

    def ask_scale(self) -> None:
        start = self._style.vmax or self._current_top() or 0.05
        value, ok = QInputDialog.getDouble(
            self._parent,
            self.tr("Set Colour Scale"),
            self.tr("Top of the heat map's colour scale (MSE of 0–1 pixel values):"),
            start,
            10.0**-DECIMALS,
            MAX_VMAX,
            DECIMALS,
        )
        if ok:
            self.set_scale(value)

    def _on_fix_toggled(self, on: bool) -> None:
        if on != self._style.fixed:
            self.fix_scale(on)

    def _sync_fix_action(self) -> None:
        fix = self.actions["fix"]
        fix.blockSignals(True)  # showing the state is not a request to change it
        fix.setChecked(self._style.fixed)
        fix.blockSignals(False)
        if self._style.vmax is not None:
            fix.setText(self.tr("&Fix Scale (at {top})").format(top=format_value(self._style.vmax, 4)))
        else:
            fix.setText(self.tr("&Fix Scale"))

    # ---------------------------------------------------------------- menus

    def menu(self, parent: QWidget) -> QMenu:
        """View > Heat Map Colours and Scale: the scale actions, then the colour maps."""
        menu = QMenu(self.tr("Heat Map &Colours and Scale"), parent)
        menu.addAction(self.actions["fix"])
        menu.addAction(self.actions["set"])
        menu.addSeparator()
        for name in COLORMAPS:
            menu.addAction(self.actions[f"cmap_{name}"])
        return menu

    def bar_actions(self) -> list[QAction]:
        """What the colour bar's click menu offers: the same actions."""
        separator = QAction(self)
        separator.setSeparator(True)
        return [
            self.actions["fix"],
            self.actions["set"],
            separator,
            *(self.actions[f"cmap_{n}"] for n in COLORMAPS),
        ]
