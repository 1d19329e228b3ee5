"""Result views: masked input, reconstruction (+ per-patch MSE heat map), reconstruction with
the visible patches pasted back, and the original; a colour bar with the heat map's scale;
arranged by one of the layouts (layouts.py).

They receive a core.results.Reconstruction (numpy arrays only, at the aspect of the fit's
frame) and convert to QImage here, on the GUI thread. Titles come from core's result-panel
registry, so a panel has one name on screen, on sheets and in saved files.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QImage, QResizeEvent
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QWidget

from mae_studio.core.heatmap import DEFAULT_STYLE, HeatLayer, HeatStyle, heat_layer
from mae_studio.core.results import RESULT_PANELS, Reconstruction, dim_visible

from .colorbar import ColorBar
from .i18n import label
from .image_view import ImageView
from .layouts import DEFAULT_LARGE, DEFAULT_LAYOUT, LAYOUTS, VIEW_PANELS, PanelChrome, results_extent
from .qimage import rgb_to_qimage, rgba_to_qimage

__all__ = ["SHOWN_MAX", "VIEW_PANELS", "ImageView", "ResultsView", "shown_image"]

SHOWN_MAX = 1600  # longer result images (tiles: the photo's resolution) are shown scaled down
THUMBS = (110, 190, 0.2)  # the large layout's thumbnail strip: least, most, share of the height


def shown_image(rgb: np.ndarray) -> QImage:
    """A result image as a QImage of at most SHOWN_MAX pixels a side (painted on every update)."""
    image = rgb_to_qimage(rgb)
    if max(image.width(), image.height()) > SHOWN_MAX:
        image = image.scaled(
            SHOWN_MAX,
            SHOWN_MAX,
            Qt.AspectRatioMode.KeepAspectRatio,
            Qt.TransformationMode.SmoothTransformation,
        )
    return image


class ResultsView(QWidget):
    """The four result panels in the chosen layout, the colour bar beside the reconstruction."""

    patch_hovered = Signal(int, int)
    panel_chosen = Signal(str)  # a thumbnail clicked or a panel double-clicked: show it large
    layout_changed = Signal()  # another layout or large result

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.panels = {key: ImageView(label(RESULT_PANELS[key].label)) for key in VIEW_PANELS}
        self.colorbar = ColorBar(beside=self.panels["reconstruction"])
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(4, 4, 12, 4)
        self._grid.setSpacing(6)
        self._strip = QWidget()  # the large layout's thumbnails
        self._strip_row = QHBoxLayout(self._strip)
        self._strip_row.setContentsMargins(0, 0, 0, 0)
        self._strip_row.setSpacing(6)
        for key, panel in self.panels.items():
            panel.patch_hovered.connect(self.patch_hovered)
            panel.clicked.connect(lambda key=key: self._on_panel_clicked(key))
            panel.double_clicked.connect(lambda key=key: self.panel_chosen.emit(key))
        self.result: Reconstruction | None = None
        self._images: dict[str, QImage] = {}
        self._overlay = True
        self._comparing = False
        self._raw_visible = False
        self._heat_style = DEFAULT_STYLE  # colour map and scale; a fixed top holds across results
        self._heat_layer: HeatLayer | None = None
        self._layout = DEFAULT_LAYOUT
        self._large = DEFAULT_LARGE
        self.colorbar.setVisible(self._overlay)
        self._arrange()

    # ---------------------------------------------------------------- layout

    def set_layout(self, key: str, large: str | None = None) -> None:
        if key not in LAYOUTS:
            raise ValueError(f"unknown layout {key!r} (choose from {', '.join(LAYOUTS)})")
        if large is not None and large not in self.panels:
            raise ValueError(f"unknown result panel {large!r} (choose from {', '.join(self.panels)})")
        self._layout, self._large = key, large or self._large
        self._arrange()
        self.layout_changed.emit()

    def layout_key(self) -> str:
        return self._layout

    def large(self) -> str:
        return self._large

    def thumbnails(self) -> list[str]:
        """The panels shown small (the large layout), in order."""
        return [key for key in VIEW_PANELS if key != self._large] if self._layout == "large" else []

    def _on_panel_clicked(self, key: str) -> None:
        if key in self.thumbnails():
            self.panel_chosen.emit(key)

    def _arrange(self) -> None:
        for layout in (self._grid, self._strip_row):
            while layout.count():
                layout.takeAt(0)
        for row in range(3):
            self._grid.setRowStretch(row, 0)
        for col in range(5):
            self._grid.setColumnStretch(col, 0)
        top, bottom, middle = (
            Qt.AlignmentFlag.AlignTop,
            Qt.AlignmentFlag.AlignBottom,
            Qt.AlignmentFlag.AlignVCenter,
        )
        p, grid = self.panels, self._grid
        if self._layout == "grid":
            # The top row sits at the bottom of its cells, the bottom row at the top: one block.
            for key, r, c, align in (
                ("masked", 0, 0, bottom),
                ("reconstruction", 0, 1, bottom),
                ("pasted", 1, 0, top),
                ("original", 1, 1, top),
            ):
                p[key].set_valign(align)
                grid.addWidget(p[key], r, c)
            grid.addWidget(self.colorbar, 0, 2)
            grid.setColumnStretch(0, 1)
            grid.setColumnStretch(1, 1)
            grid.setRowStretch(0, 1)
            grid.setRowStretch(1, 1)
            self._strip.hide()
        elif self._layout == "row":
            for c, key in enumerate(VIEW_PANELS):
                p[key].set_valign(middle)
                grid.addWidget(p[key], 0, c)
                grid.setColumnStretch(c, 1)
            grid.addWidget(self.colorbar, 0, 4)
            grid.setRowStretch(0, 1)
            self._strip.hide()
        else:
            p[self._large].set_valign(middle)
            grid.addWidget(p[self._large], 0, 0)
            grid.setColumnStretch(0, 1)
            grid.setRowStretch(0, 1)
            for key in self.thumbnails():
                p[key].set_valign(middle)
                self._strip_row.addWidget(p[key], 1)
            if self._large == "reconstruction":
                grid.addWidget(self.colorbar, 0, 1)
            else:
                self._strip_row.addWidget(self.colorbar)  # beside the reconstruction's thumbnail
            grid.addWidget(self._strip, 1, 0, 1, 2)
            self._strip.show()
            self._size_strip()
        for panel in p.values():
            panel.show()
        self.colorbar.setVisible(self._overlay)
        self.colorbar.update()

    def _size_strip(self) -> None:
        least, most, share = THUMBS
        self._strip.setFixedHeight(round(max(least, min(most, share * self.height()))))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self._layout == "large":
            self._size_strip()

    def chrome(self) -> PanelChrome:
        """The room around the pictures, for layouts.results_extent."""
        m = self._grid.contentsMargins()
        title, caption = self.panels["masked"].line_heights()
        bar = max(self.colorbar.sizeHint().width(), self.colorbar.minimumWidth()) if self._overlay else 0
        thumbs = self._strip.height() if self._layout == "large" else 0
        margins = (m.left() + m.right(), m.top() + m.bottom())
        return PanelChrome(title + caption, margins, self._grid.spacing(), bar, thumbs)

    def aspect(self) -> float:
        """The pictures' width over height."""
        return self.panels["original"].aspect()

    def ideal_extent(self, central: QSize) -> int:
        """The results' share of `central` (the splitter's size) in the current layout."""
        return results_extent(self._layout, central, self.aspect(), self.chrome())

    # ---------------------------------------------------------------- results

    def set_result(self, result: Reconstruction) -> None:
        self.result = result
        self._images = self._shown_images(result)
        self._set_heat(result)
        (h, w), (fh, fw), p = result.mask.shape, result.original.shape[:2], result.patch_size
        extent = (h * p / fh, w * p / fw)
        for panel in self.panels.values():
            panel.set_values(result.per_patch_mse, extent)
        self._refresh()

    def _set_heat(self, result: Reconstruction) -> None:
        # The layer the saved sheets blend too (core.heatmap.heat_layer): removed patches only.
        layer = heat_layer(result.per_patch_mse, result.mask, self._heat_style)
        self._heat_layer, self.vmax = layer, layer.vmax
        self._heat = rgba_to_qimage(layer.rgb, layer.alpha)
        self.colorbar.set_layer(layer)

    def set_heat_style(self, style: HeatStyle) -> None:
        """The heat map's colour map and scale (auto, or a fixed top kept for every new result)."""
        self._heat_style = style
        if self.result is not None:
            self._set_heat(self.result)
            self._refresh()

    def heat_style(self) -> HeatStyle:
        return self._heat_style

    def heat_layer(self) -> HeatLayer | None:
        """The heat map now shown (None before a result)."""
        return self._heat_layer

    def heat_top(self) -> float | None:
        return None if self._heat_layer is None else self._heat_layer.vmax

    def _shown_images(self, result: Reconstruction) -> dict[str, QImage]:
        images = {}
        for key in VIEW_PANELS:
            rgb = RESULT_PANELS[key].image(result)
            if key == "reconstruction" and not self._raw_visible:
                rgb = dim_visible(rgb, result.mask, result.patch_size)
            images[key] = shown_image(rgb)
        return images

    def clear(self, message: str) -> None:
        self.result = None
        self._images = {}
        for panel in self.panels.values():
            panel.set_image(None)
            panel.set_values(None)
            panel.set_heat(None)
            panel.set_placeholder(message)

    def set_overlay(self, on: bool) -> None:
        self._overlay = on
        self.colorbar.setVisible(on)
        self._refresh()

    def overlay(self) -> bool:
        return self._overlay

    def set_raw_visible(self, on: bool) -> None:
        """Show the reconstruction's visible patches as the decoder output them (True) or dimmed."""
        if on != self._raw_visible:
            self._raw_visible = on
            if self.result is not None:
                self._images["reconstruction"] = self._shown_images(self.result)["reconstruction"]
            self._refresh()

    def raw_visible(self) -> bool:
        return self._raw_visible

    def set_comparing(self, on: bool) -> None:
        """While a key is held: the reconstruction panels show the original instead."""
        if on != self._comparing:
            self._comparing = on
            self._refresh()

    def set_space_held(self, held: bool) -> None:
        for panel in self.panels.values():
            panel.set_space_held(held)

    def _refresh(self) -> None:
        self._caption_reconstruction()
        if not self._images:
            return
        for key, panel in self.panels.items():
            show = key
            if self._comparing and key in ("reconstruction", "pasted"):
                show = "original"
            panel.set_image(self._images[show])
            title = label(RESULT_PANELS[key].label)
            if show != key:
                title = self.tr("{panel} (showing original)").format(panel=title)
            elif key == "reconstruction" and self._overlay:
                title = self.tr("{panel} · per-patch MSE").format(panel=title)
            panel.set_title(title)
        heat = self._heat if self._overlay and not self._comparing else None
        self.panels["reconstruction"].set_heat(heat)

    def _caption_reconstruction(self) -> None:
        why = self.tr(
            "MAE's loss covers only the removed patches, so the decoder's outputs on visible patches"
            " were never trained and can glow or smear. View > Untrained Visible Patches Undimmed shows them."
        )
        if self._comparing:
            caption = ""
        elif self._raw_visible:
            caption = self.tr("Visible patches: raw, untrained outputs")
        else:
            caption = self.tr("Visible patches dimmed: never trained")
        self.panels["reconstruction"].set_caption(caption, why)
