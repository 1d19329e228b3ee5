"""The window's room: the splitter between the canvas and the results, balanced for the layout
and the pictures' aspect (layouts.results_extent) until the user moves it; in a short window
the two side docks share the height as tabs."""

from __future__ import annotations

from typing import Protocol

from PySide6.QtCore import QObject, QSize, Qt
from PySide6.QtWidgets import QDockWidget, QMainWindow, QSplitter

DOCKS_TAB_BELOW = 860  # window height (px) under which the side docks become tabs
MIN_CANVAS = 120  # px the canvas keeps along the splitter whatever the results want


class Results(Protocol):
    def ideal_extent(self, central: QSize) -> int: ...

    def aspect(self) -> float: ...


class WindowLayout(QObject):
    def __init__(
        self,
        window: QMainWindow,
        splitter: QSplitter,
        results: Results,
        docks: tuple[QDockWidget, QDockWidget],
    ) -> None:
        super().__init__(window)
        self._window, self._splitter, self._results, self._docks = window, splitter, results, docks
        self._shown = False  # balanced once the window has its size
        self._moved_by_user = False  # then only a new layout re-balances it
        self._aspect = 0.0  # the pictures' aspect it was balanced for
        self._docks_tabbed = False  # this class put the docks in tabs (a short window)
        splitter.splitterMoved.connect(self._on_splitter_moved)

    def shown(self) -> None:
        """The window's first show: it has its size now."""
        if not self._shown:
            self._shown = True
            self.balance()

    def layout_changed(self, orientation: Qt.Orientation) -> None:
        self._splitter.setOrientation(orientation)
        self._moved_by_user = False
        if self._shown:
            self.balance()

    def resized(self) -> None:
        self._fit_docks()
        self.rebalance()

    def aspect_seen(self) -> None:
        """A result arrived: a new fit or photo shape needs another balance."""
        if self._shown and abs(self._results.aspect() - self._aspect) > 0.01:
            self.balance()

    def rebalance(self) -> None:
        """Balance again (the colour bar came or went, the window resized) unless the user placed it."""
        if self._shown and not self._moved_by_user:
            self.balance()

    def balance(self) -> None:
        size = self._splitter.size()
        horizontal = self._splitter.orientation() == Qt.Orientation.Horizontal
        along = (size.width() if horizontal else size.height()) - self._splitter.handleWidth()
        results = min(along - MIN_CANVAS, self._results.ideal_extent(size))
        self._splitter.setSizes([along - results, results])
        self._aspect = self._results.aspect()

    def _on_splitter_moved(self, pos: int, index: int) -> None:
        self._moved_by_user = True

    def _fit_docks(self) -> None:
        """Below DOCKS_TAB_BELOW the docks become tabs (each stays whole); taller again, they go
        back one above the other if this class tabbed them."""
        w, (first, second) = self._window, self._docks
        left = Qt.DockWidgetArea.LeftDockWidgetArea
        both_left = w.dockWidgetArea(first) == left and w.dockWidgetArea(second) == left
        tabbed = second in w.tabifiedDockWidgets(first)
        short = w.height() < DOCKS_TAB_BELOW
        if short and not self._docks_tabbed and both_left and not tabbed:
            w.tabifyDockWidget(first, second)
            first.raise_()
            self._docks_tabbed = True
        elif not short and self._docks_tabbed:
            self._docks_tabbed = False
            if tabbed:
                w.removeDockWidget(second)
                w.addDockWidget(left, second)
                second.show()
