"""What a brush stroke repaints: only the canvas cells that changed, only the outlines of the
hovered patch in the result views, and the mask panel's count once per interval while a drag
goes on (exact when it ends)."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QRect, QRectF
from PySide6.QtGui import QColor, QImage, QPainter

from mae_studio.core import masks
from mae_studio.core.recipes import MaskRecipe
from mae_studio.ui.document import Document
from mae_studio.ui.grid_item import MaskItem
from mae_studio.ui.image_view import ImageView
from mae_studio.ui.mask_panel import MaskPanel
from mae_studio.ui.qimage import rgb_to_qimage

from .fakes import photo

BLUE = QColor("#1e90ff")


class RecordingMaskItem(MaskItem):
    def __init__(self) -> None:
        super().__init__()
        self.updates: list[QRectF] = []

    def update(self, rect: QRectF) -> None:  # type: ignore[override]
        self.updates.append(QRectF(rect))
        super().update(rect)


def test_the_mask_overlay_repaints_only_the_cells_that_changed():
    item = RecordingMaskItem()
    mask = masks.clear((14, 14))
    item.set_mask(mask, BLUE)
    assert item.updates == [QRectF(0, 0, 14, 14)] and item.boundingRect() == QRectF(0, 0, 14, 14)
    mask[3, 5] = mask[4, 7] = True
    item.set_mask(mask, BLUE)
    assert item.updates[-1] == QRectF(5, 3, 3, 2)  # columns 5-7, rows 3-4
    item.set_mask(mask, BLUE)  # nothing changed: nothing repainted
    assert len(item.updates) == 2
    item.set_mask(mask, QColor("red"))  # a new colour: all of it
    assert item.updates[-1] == QRectF(0, 0, 14, 14)
    item.set_mask(masks.clear((7, 9)), BLUE)  # another grid
    assert item.updates[-1] == QRectF(0, 0, 9, 7) and item.boundingRect() == QRectF(0, 0, 9, 7)


def test_the_mask_overlay_draws_removed_cells_in_its_colour_and_keeps_a_copy():
    item = MaskItem()
    mask = masks.clear((4, 4))
    mask[1, 2] = True
    item.set_mask(mask, BLUE)
    mask[0, 0] = True  # the caller's array is not the item's
    assert item.mask()[1, 2] and not item.mask()[0, 0]
    canvas = QImage(40, 40, QImage.Format.Format_ARGB32)
    canvas.fill(QColor(0, 0, 0))
    painter = QPainter(canvas)
    painter.scale(10, 10)  # 10 screen pixels a cell, as the canvas scales it by the patch size
    item.paint(painter, None)  # type: ignore[arg-type]
    painter.end()
    assert canvas.pixelColor(25, 15) == BLUE  # inside cell (1, 2), crisp to its edges
    assert canvas.pixelColor(20, 10) == BLUE and canvas.pixelColor(29, 19) == BLUE
    assert canvas.pixelColor(19, 15) == QColor(0, 0, 0) and canvas.pixelColor(5, 5) == QColor(0, 0, 0)


class RecordingView(ImageView):
    def __init__(self) -> None:
        super().__init__("Reconstruction")
        self.updates: list[QRect | None] = []

    def update(self, rect: QRect | None = None) -> None:  # type: ignore[override]
        self.updates.append(rect)
        if rect is None:
            super().update()
        else:
            super().update(rect)


@pytest.fixture
def view(qtbot):
    v = RecordingView()
    qtbot.addWidget(v)
    v.resize(300, 300)
    v.set_image(rgb_to_qimage(photo(224, 224)))
    v.set_values(np.zeros((14, 14), dtype=np.float32))
    v.show()
    qtbot.waitExposed(v)
    v.updates.clear()
    return v


def cell_rect(view: ImageView, row: int, col: int) -> QRect:
    g = view.grid_rect()
    cw, ch = g.width() / 14, g.height() / 14
    return QRectF(g.left() + col * cw, g.top() + row * ch, cw, ch).toAlignedRect()


def test_a_hover_from_another_view_repaints_only_the_two_outlines(view):
    view.show_hover(2, 3)
    assert view.updates and None not in view.updates  # not the whole picture again
    assert view.updates[-1].contains(cell_rect(view, 2, 3))
    view.updates.clear()
    view.show_hover(9, 11)
    assert len(view.updates) == 2
    old, new = view.updates
    assert old.contains(cell_rect(view, 2, 3)) and new.contains(cell_rect(view, 9, 11))
    assert not old.intersects(cell_rect(view, 9, 11))
    view.updates.clear()
    view.show_hover(9, 11)  # the same patch: nothing to repaint
    view.show_hover(-1, -1)  # leaving: the old outline only
    assert len(view.updates) == 1 and view.updates[0].contains(cell_rect(view, 9, 11))
    assert view.hover_cell() == (-1, -1)


def test_every_pixel_a_hover_changes_lies_in_the_rectangles_repainted(view):
    view.show_hover(2, 3)
    before = view.grab().toImage()
    view.updates.clear()
    view.show_hover(9, 11)
    after = view.grab().toImage()
    changed = [
        (x, y)
        for y in range(after.height())
        for x in range(after.width())
        if after.pixel(x, y) != before.pixel(x, y)
    ]
    assert changed  # the outline moved
    assert all(any(r.contains(x, y) for r in view.updates) for x, y in changed)


def test_the_mask_panel_counts_a_drag_as_it_goes_and_exactly_at_its_end(qtbot):
    doc = Document(img_size=224, patch_size=16)
    panel = MaskPanel(doc)
    qtbot.addWidget(panel)
    doc.generate(MaskRecipe("random", 0.0, 0))
    assert panel.count_label.text() == "0/196 patches removed, 0%"
    doc.begin_live("Paint")
    for col in range(14):
        doc.paint_cells([(0, col)], True)
    qtbot.waitUntil(lambda: panel.count_label.text() == "14/196 patches removed, 7%")
    doc.paint_cells([(1, 0)], True)
    doc.end_live()  # no wait: the final count is shown at once
    assert panel.count_label.text() == "15/196 patches removed, 8%"
