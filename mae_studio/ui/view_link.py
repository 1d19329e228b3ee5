"""Linked views: the canvas and every result panel show the same region of the photo, and the
hovered patch is outlined in all of them.

A region is in normalised coordinates of the picture (the fit's frame: 0..1 across its width
and height), so pictures of different pixel sizes (the canvas's screen copy, a tiled photo's
full-resolution result, a shrunk panel image) line up. Zoom is relative to each view's own
"fit to window" scale: 2 shows half the picture's width and height, whatever the view's size.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Protocol

from PySide6.QtCore import QObject, Signal, SignalInstance

ZOOM_LIMITS = (0.2, 100.0)  # relative to fit: from a fifth of the fitted size to 100 times it


@dataclass(frozen=True)
class Region:
    """What a view shows: the picture point at its centre and its zoom relative to fit."""

    cx: float = 0.5  # 0 = the picture's left edge, 1 = its right edge
    cy: float = 0.5  # 0 = top, 1 = bottom
    zoom: float = 1.0  # 1 = the whole picture fits the view

    @property
    def is_fit(self) -> bool:
        return self.zoom == 1.0 and self.cx == 0.5 and self.cy == 0.5


FIT = Region()


def clamp_zoom(zoom: float) -> float:
    low, high = ZOOM_LIMITS
    return max(low, min(high, zoom))


def clamp_centre(centre: float, shown: float) -> float:
    """A centre coordinate that keeps the view on the picture: `shown` is the fraction of the
    picture's side the view spans (>= 1: all of it, centred)."""
    if shown >= 1.0:
        return 0.5
    return max(shown / 2, min(1.0 - shown / 2, centre))


class LinkedView(Protocol):
    """A view that takes part: it reports the user's zoom and pan, and follows the others'."""

    region_changed: SignalInstance  # Region, emitted for the user's zoom and pan only

    def region(self) -> Region: ...

    def set_region(self, region: Region) -> None: ...  # emits nothing

    def show_hover(self, row: int, col: int) -> None: ...  # (-1, -1): none


class ViewLink(QObject):
    """Keeps its views on one region (while linked) and one hovered patch (always); fit_all
    (View > Fit to Window) resets every view, linked or not."""

    cell_hovered = Signal(int, int)  # the patch under the pointer in any view; (-1, -1): none

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._views: list[LinkedView] = []
        self._linked = True

    def add(self, view: LinkedView, hovered: SignalInstance) -> None:
        """Join a view; `hovered(row, col)` is its signal for the patch under the pointer."""
        self._views.append(view)
        view.region_changed.connect(partial(self._on_region_changed, view))
        hovered.connect(self._on_cell_hovered)

    def views(self) -> list[LinkedView]:
        return list(self._views)

    def is_linked(self) -> bool:
        return self._linked

    def set_linked(self, on: bool) -> None:
        """Linking again brings every view to the first one's (the canvas's) region."""
        self._linked = on
        if on and self._views:
            self._follow(self._views[0], self._views[0].region())

    def fit_all(self) -> None:
        for view in self._views:
            view.set_region(FIT)

    def _on_region_changed(self, source: LinkedView, region: Region) -> None:
        if self._linked:
            self._follow(source, region)

    def _follow(self, source: LinkedView, region: Region) -> None:
        for view in self._views:
            if view is not source:
                view.set_region(region)

    def _on_cell_hovered(self, row: int, col: int) -> None:
        for view in self._views:
            view.show_hover(row, col)
        self.cell_hovered.emit(row, col)
