"""Painting on the canvas emits the patch cells under the brush, rectangle or click."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication

from mae_studio.core import masks
from mae_studio.ui.canvas import MaskCanvas
from mae_studio.ui.document import Document

from .fakes import photo

Button = Qt.MouseButton


def send(
    canvas: MaskCanvas, kind: QEvent.Type, scene_xy: tuple[float, float], button: Button, held: Button
) -> None:
    view_pos = QPointF(canvas.mapFromScene(QPointF(*scene_xy)))
    event = QMouseEvent(
        kind, view_pos, canvas.viewport().mapToGlobal(view_pos), button, held, Qt.KeyboardModifier.NoModifier
    )
    QApplication.sendEvent(canvas.viewport(), event)


def drag(canvas: MaskCanvas, points: list[tuple[float, float]], button: Button = Button.LeftButton) -> None:
    send(canvas, QEvent.Type.MouseButtonPress, points[0], button, button)
    for p in points[1:]:
        send(canvas, QEvent.Type.MouseMove, p, Button.NoButton, button)
    send(canvas, QEvent.Type.MouseButtonRelease, points[-1], button, Button.NoButton)


@pytest.fixture
def canvas(qtbot):
    c = MaskCanvas()
    qtbot.addWidget(c)
    c.resize(640, 640)
    c.show()
    c.set_image(photo(224, 224), 14, 16)
    c.fit_to_window()
    qtbot.waitExposed(c)
    return c


def collect(canvas: MaskCanvas) -> list[tuple[list[tuple[int, int]], bool]]:
    got: list[tuple[list[tuple[int, int]], bool]] = []
    canvas.cells_painted.connect(lambda cells, value: got.append((cells, value)))
    return got


def test_brush_stroke_emits_the_cells_it_crosses(canvas):
    canvas.set_brush_radius(4)
    got = collect(canvas)
    strokes = []
    canvas.stroke_started.connect(strokes.append)
    canvas.stroke_finished.connect(lambda: strokes.append("end"))
    points = [(20.0, 40.0), (60.0, 40.0), (100.0, 44.0), (100.0, 90.0)]
    drag(canvas, points)
    painted = set().union(*(set(cells) for cells, _ in got))
    # The view maps scene points to whole screen pixels: compare with the mapped points.
    mapped = [canvas.mapToScene(canvas.mapFromScene(QPointF(*p))) for p in points]
    expected = masks.cells_along_stroke([(p.x(), p.y()) for p in mapped], 4, 16, 14)
    assert painted == expected
    assert (2, 1) in painted and (5, 6) in painted and (0, 0) not in painted
    assert all(value is True for _, value in got)
    assert strokes == ["Brush stroke", "end"]


def test_right_button_and_eraser_restore(canvas):
    got = collect(canvas)
    drag(canvas, [(8.0, 8.0)], Button.RightButton)
    canvas.eraser = True
    drag(canvas, [(200.0, 200.0)], Button.LeftButton)
    assert [value for _, value in got] == [False, False]


def test_radius_zero_paints_the_cell_under_the_pointer(canvas):
    canvas.set_brush_radius(0)
    got = collect(canvas)
    drag(canvas, [(40.0, 72.0)])
    assert got == [([(4, 2)], True)]


def test_rectangle_tool_paints_the_covered_cells_once(canvas):
    canvas.set_tool("rect")
    got = collect(canvas)
    drag(canvas, [(20.0, 20.0), (50.0, 30.0), (70.0, 40.0)])
    assert len(got) == 1
    cells, value = got[0]
    assert value is True
    assert set(cells) == {(r, c) for r in range(1, 3) for c in range(1, 5)}


def test_toggle_tool_emits_one_cell(canvas):
    canvas.set_tool("toggle")
    toggled = []
    canvas.cell_toggled.connect(lambda r, c: toggled.append((r, c)))
    drag(canvas, [(100.0, 30.0)])
    assert toggled == [(1, 6)]


def test_canvas_strokes_drive_the_document(canvas, qtbot):
    doc = Document(224, 16)
    canvas.cells_painted.connect(doc.paint_cells)
    canvas.stroke_started.connect(doc.begin_live)
    canvas.stroke_finished.connect(doc.end_live)
    canvas.set_brush_radius(0)
    drag(canvas, [(8.0, 8.0), (120.0, 8.0), (200.0, 8.0)])
    assert doc.undo_stack.count() == 1
    assert np.array_equal(np.flatnonzero(doc.mask[0]), np.arange(13))
    assert doc.mask[1:].sum() == 0


def test_zoom_and_fit(canvas):
    fit = canvas.zoom()
    canvas.zoom_by(2.0)
    assert canvas.zoom() == pytest.approx(2 * fit)
    canvas.fit_to_window()
    assert canvas.zoom() == pytest.approx(fit)


def test_middle_drag_pans_without_painting(canvas):
    canvas.zoom_by(4.0)
    got = collect(canvas)
    h0, v0 = canvas.horizontalScrollBar().value(), canvas.verticalScrollBar().value()
    middle = Button.MiddleButton
    start = QPointF(300, 300)
    for kind, pos, button, held in (
        (QEvent.Type.MouseButtonPress, start, middle, middle),
        (QEvent.Type.MouseMove, QPointF(200, 250), Button.NoButton, middle),
        (QEvent.Type.MouseButtonRelease, QPointF(200, 250), middle, Button.NoButton),
    ):
        event = QMouseEvent(
            kind, pos, canvas.viewport().mapToGlobal(pos), button, held, Qt.KeyboardModifier.NoModifier
        )
        QApplication.sendEvent(canvas.viewport(), event)
    assert canvas.horizontalScrollBar().value() == h0 + 100
    assert canvas.verticalScrollBar().value() == v0 + 50
    assert got == []


def test_scroll_bars_zoom_and_pan_report_the_region_shown(canvas):
    got = []
    canvas.region_changed.connect(got.append)
    canvas.zoom_by(4.0)
    assert got[-1] == canvas.region() and got[-1].zoom == pytest.approx(canvas.zoom() / canvas.fit_scale())
    before = got[-1].cx
    bar = canvas.horizontalScrollBar()
    bar.triggerAction(bar.SliderAction.SliderPageStepAdd)
    QApplication.processEvents()  # reported once the bar has moved (the next turn of the event loop)
    assert got[-1].cx > before + 0.05
    assert got[-1] == canvas.region()
    canvas.fit_to_window()
    assert got[-1].is_fit and canvas.region().is_fit


def test_the_hovered_patch_is_outlined_on_a_grid_it_exists_on(canvas):
    canvas.show_hover(2, 3)
    assert canvas.hover_cell() == (2, 3)
    canvas.show_hover(-1, -1)
    assert canvas.hover_cell() == (-1, -1)
    canvas.show_hover(20, 3)  # not on a 14 x 14 grid
    assert canvas.hover_cell() == (-1, -1)
    canvas.show_hover(2, 3)
    canvas.set_geometry(7, 32)  # a new grid forgets it
    assert canvas.hover_cell() == (-1, -1)
