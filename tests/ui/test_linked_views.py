"""Linked views: zoom and pan in the canvas or any result panel bring all of them to the same
region of the photo (normalised, so a tiled photo's full-size results line up with the canvas's
screen copy); Fit to Window resets all; the hovered patch is outlined everywhere."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent, QWheelEvent
from PySide6.QtWidgets import QApplication

from mae_studio.ui.main_window import MainWindow
from mae_studio.ui.view_link import FIT, Region

from .fakes import FakePredictor
from .test_fits import PHOTO_H, PHOTO_W, choose_fit, hover_canvas, make_window

Button = Qt.MouseButton


@pytest.fixture
def window(qtbot):
    w = make_window(qtbot, FakePredictor(grid=14, patch=4))
    w.resize(1600, 1000)
    qtbot.waitUntil(lambda: w.height() == 1000, timeout=2000)
    yield w
    w.close()


def panels(w: MainWindow) -> list:  # type: ignore[type-arg]
    return list(w.results.panels.values())


def same(a: Region, b: Region) -> bool:
    return a.zoom == pytest.approx(b.zoom, rel=1e-3) and (a.cx, a.cy) == pytest.approx((b.cx, b.cy), abs=0.01)


def canvas_shown(w: MainWindow) -> tuple[float, float, float, float]:
    """The part of the photo the canvas shows: left, top, right, bottom, normalised."""
    shown = w.canvas.mapToScene(w.canvas.viewport().rect()).boundingRect()
    height, width = w.canvas._frame_size()
    return shown.left() / width, shown.top() / height, shown.right() / width, shown.bottom() / height


def panel_shown(view) -> tuple[float, float, float, float]:  # type: ignore[no-untyped-def]
    frame, picture = view.target_rect(), view.picture_rect()
    return (
        (frame.left() - picture.left()) / picture.width(),
        (frame.top() - picture.top()) / picture.height(),
        (frame.right() - picture.left()) / picture.width(),
        (frame.bottom() - picture.top()) / picture.height(),
    )


def wheel(view, pos: QPointF, steps: int) -> None:  # type: ignore[no-untyped-def]
    event = QWheelEvent(
        pos,
        view.mapToGlobal(pos),
        QPoint(0, 0),
        QPoint(0, 120 * steps),
        Button.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(view, event)


def middle_drag(view, start: QPointF, end: QPointF) -> None:  # type: ignore[no-untyped-def]
    for kind, pos, button, held in (
        (QEvent.Type.MouseButtonPress, start, Button.MiddleButton, Button.MiddleButton),
        (QEvent.Type.MouseMove, end, Button.NoButton, Button.MiddleButton),
        (QEvent.Type.MouseButtonRelease, end, Button.MiddleButton, Button.NoButton),
    ):
        event = QMouseEvent(kind, pos, view.mapToGlobal(pos), button, held, Qt.KeyboardModifier.NoModifier)
        QApplication.sendEvent(view, event)


def test_zooming_the_canvas_brings_every_panel_to_the_same_region(window):
    window.set_layout("grid")  # a tall canvas beside square panels
    for _ in range(6):
        window.actions_by_name["zoom_in"].trigger()  # 1.25 ** 6 of fit
    window.canvas.pan_by(-40, 30)  # and a little off the centre
    region = window.canvas.region()
    assert region.zoom > 3 and region.cx > 0.5 and region.cy < 0.5
    left, top, right, bottom = canvas_shown(window)
    for view in panels(window):
        assert same(view.region(), region)
        p_left, p_top, p_right, p_bottom = panel_shown(view)
        # the canvas is taller than the photo: the same width, and more height around the same centre
        assert (p_left, p_right) == pytest.approx((left, right), abs=0.01)
        assert top < p_top < p_bottom < bottom
        assert (p_top + p_bottom) / 2 == pytest.approx((top + bottom) / 2, abs=0.01)


def test_wheel_and_pan_in_a_panel_move_the_canvas_and_the_other_panels(window):
    window.set_layout("row")
    view = window.results.panels["original"]
    frame = view.target_rect()
    under = QPointF(frame.left() + frame.width() * 0.75, frame.top() + frame.height() * 0.25)
    wheel(view, under, 8)
    region = view.region()
    assert region.zoom == pytest.approx(1.2**8, rel=1e-3) and region.cx > 0.5 and region.cy < 0.5
    picture = view.picture_rect()  # the photo point under the pointer stayed there
    assert (under.x() - picture.left()) / picture.width() == pytest.approx(0.75, abs=0.002)
    assert same(window.canvas.region(), region)
    for other in panels(window):
        assert same(other.region(), region)
    before = view.region()
    middle_drag(view, frame.center(), frame.center() + QPointF(60, 0))  # the picture moves right
    after = view.region()
    assert after.cx < before.cx and after.cy == pytest.approx(before.cy)
    assert same(window.canvas.region(), after)
    assert same(window.results.panels["masked"].region(), after)


def test_fit_to_window_resets_all_even_unlinked(window):
    window.canvas.zoom_by(3.0)
    window.actions_by_name["link_views"].setChecked(False)
    window.results.panels["pasted"].zoom_at(2.0)
    assert not same(window.results.panels["masked"].region(), window.results.panels["pasted"].region())
    window.actions_by_name["fit"].trigger()
    assert window.canvas.region() == FIT
    assert all(view.region() == FIT for view in panels(window))


def test_unlinked_views_zoom_alone_and_follow_the_canvas_when_linked_again(window):
    window.actions_by_name["link_views"].setChecked(False)
    window.canvas.zoom_by(2.0)
    assert all(view.region() == FIT for view in panels(window))
    window.actions_by_name["link_views"].setChecked(True)
    assert all(same(view.region(), window.canvas.region()) for view in panels(window))


def test_tiles_results_line_up_with_the_canvas(window, qtbot):
    choose_fit(window, qtbot, "tiles")  # the grid reaches past the photo; results at the photo's size
    assert window.results.result.original.shape[:2] == (PHOTO_H, PHOTO_W)
    window.canvas.set_region(Region(0.3, 0.6, 5.0))
    window.canvas.region_changed.emit(window.canvas.region())
    region = window.canvas.region()
    assert (region.cx, region.cy, region.zoom) == pytest.approx((0.3, 0.6, 5.0), abs=0.01)
    for view in panels(window):
        assert same(view.region(), region)
        picture, frame = view.picture_rect(), view.target_rect()
        u = (frame.center().x() - picture.left()) / picture.width()
        v = (frame.center().y() - picture.top()) / picture.height()
        assert (u, v) == pytest.approx((0.3, 0.6), abs=0.01)  # the same photo point in the middle


def test_the_hovered_patch_is_outlined_in_every_view(window):
    hover_canvas(window, 4 * 5 + 1, 4 * 3 + 1)  # scene pixels: patch (3, 5)
    assert window.canvas.hover_cell() == (3, 5)
    assert all(view.hover_cell() == (3, 5) for view in panels(window))
    view = window.results.panels["masked"]
    grid = view.grid_rect()
    pos = QPointF(grid.left() + grid.width() * 9.5 / 14, grid.top() + grid.height() * 1.5 / 14)
    event = QMouseEvent(
        QEvent.Type.MouseMove, pos, view.mapToGlobal(pos), Button.NoButton, Button.NoButton,
        Qt.KeyboardModifier.NoModifier,
    )  # fmt: skip
    QApplication.sendEvent(view, event)
    assert window.canvas.hover_cell() == (1, 9)
    assert all(other.hover_cell() == (1, 9) for other in panels(window))
    assert window.status.currentMessage().startswith("patch (1, 9)")
    QApplication.sendEvent(view, QEvent(QEvent.Type.Leave))
    assert window.canvas.hover_cell() == (-1, -1)
    assert all(other.hover_cell() == (-1, -1) for other in panels(window))


def test_a_drag_on_a_fitted_panel_leaves_an_unlinked_canvas_alone(window):
    window.actions_by_name["link_views"].setChecked(False)
    window.canvas.zoom_by(3.0)
    zoomed = window.canvas.region()
    view = window.results.panels["original"]
    middle_drag(view, view.target_rect().center(), view.target_rect().center() + QPointF(40, 10))
    assert view.region() == FIT and window.canvas.region() == zoomed
    window.actions_by_name["fit"].trigger()
    middle_drag(view, view.target_rect().center(), view.target_rect().center() + QPointF(40, 10))
    assert view.region() == FIT and window.canvas.region() == FIT
