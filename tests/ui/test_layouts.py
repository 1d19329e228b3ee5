"""Result layouts: each one shows the four results large at 1600 x 1000 and still usable at
1100 x 700; titles elide instead of clipping; the choice is remembered; the raw reconstruction's
visible patches are dimmed unless the user asks for them raw."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPointF, QSize, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication, QDockWidget

from mae_studio.core.results import DIM_TARGET
from mae_studio.ui.layouts import LAYOUTS, VIEW_PANELS, PanelChrome, results_extent
from mae_studio.ui.main_window import MainWindow
from mae_studio.ui.qimage import qimage_to_rgb
from mae_studio.ui.session import SessionFileError, read_session
from mae_studio.ui.settings import Settings

from .fakes import FakePredictor
from .test_fits import make_window

# The smallest picture side (px) of the panels, measured on this square crop: before the layouts the
# 2 x 2 grid beside an equal canvas gave 307 px at 1600 x 1000 and 182 px at 1100 x 765 (the docks
# kept the window from getting shorter); the floors are a little under today's sizes (grid 408/243,
# row 309/184, large 678/438 with 147/87 px thumbnails), so a regression shows.
FLOORS = {
    (1600, 1000): {"grid": (380, 380), "row": (290, 290), "large": (640, 130)},
    (1100, 700): {"grid": (220, 220), "row": (170, 170), "large": (400, 80)},
}


@pytest.fixture
def window(qtbot):
    w = make_window(qtbot, FakePredictor(grid=14, patch=4))
    yield w
    w.close()


def sides(w: MainWindow) -> dict[str, float]:
    return {
        key: min(p.target_rect().width(), p.target_rect().height()) for key, p in w.results.panels.items()
    }


def click(view, pos: QPointF, double: bool = False) -> None:  # type: ignore[no-untyped-def]
    left, none, plain = Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier
    kinds = [QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonRelease]
    if double:
        kinds.append(QEvent.Type.MouseButtonDblClick)
    for kind in kinds:
        held = none if kind == QEvent.Type.MouseButtonRelease else left
        QApplication.sendEvent(view, QMouseEvent(kind, pos, view.mapToGlobal(pos), left, held, plain))


@pytest.mark.parametrize("size", list(FLOORS))
@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_each_layout_shows_four_results_above_the_measured_floor(window, qtbot, layout, size):
    window.resize(*size)
    window.actions_by_name[f"layout_{layout}"].trigger()
    qtbot.waitUntil(lambda: (window.width(), window.height()) == size, timeout=2000)
    assert window.results.layout_key() == layout
    large_floor, small_floor = FLOORS[size][layout]
    got = sides(window)
    for key, panel in window.results.panels.items():
        assert panel.isVisible() and panel.image() is not None
        floor = small_floor if key in window.results.thumbnails() else large_floor
        assert got[key] >= floor, f"{layout} at {size}: {key} is {got[key]:.0f} px"
        corner = panel.mapTo(window, panel.target_rect().bottomRight().toPoint())
        assert 0 <= corner.x() <= window.width() and 0 <= corner.y() <= window.height()  # not clipped
    vertical = window.splitter.orientation() == Qt.Orientation.Vertical
    assert vertical == (layout == "row")


def test_the_grid_fills_the_height_without_empty_bands(window, qtbot):
    window.resize(1600, 1000)
    window.set_layout("grid")
    qtbot.waitUntil(lambda: window.height() == 1000, timeout=2000)
    top, bottom = window.results.panels["masked"], window.results.panels["original"]
    first = top.mapTo(window.results, top.target_rect().topLeft().toPoint()).y()
    last = bottom.mapTo(window.results, bottom.target_rect().bottomLeft().toPoint()).y()
    title, caption = top.line_heights()
    assert first - title <= 12 and window.results.height() - (last + caption) <= 12


def test_the_window_works_at_1100_x_700_with_the_docks_in_tabs(window, qtbot):
    window.resize(1100, 700)
    qtbot.waitUntil(lambda: window.height() == 700, timeout=2000)
    mask, model = (window.findChild(QDockWidget, name) for name in ("maskDock", "modelDock"))
    assert model in window.tabifiedDockWidgets(mask)
    window.resize(1600, 1000)
    qtbot.waitUntil(lambda: window.height() == 1000, timeout=2000)
    assert model not in window.tabifiedDockWidgets(mask) and model.isVisible() and mask.isVisible()


def test_titles_elide_instead_of_clipping_also_while_holding_o(window, qtbot):
    window.resize(1100, 700)
    window.set_layout("large", "original")
    qtbot.waitUntil(lambda: window.height() == 700, timeout=2000)
    window.set_heat_visible(True)
    window.set_comparing(True)
    for panel in window.results.panels.values():
        metrics = panel.fontMetrics()
        assert metrics.horizontalAdvance(panel.shown_title()) <= panel.width() - 4
        assert panel.title() in panel.toolTip()  # the full text
    pasted = window.results.panels["pasted"]  # a thumbnail
    assert pasted.title() == "Reconstruction + visible (showing original)"
    assert pasted.shown_title() != pasted.title() and pasted.shown_title().endswith("…")
    window.set_comparing(False)
    assert window.results.panels["reconstruction"].title() == "Reconstruction · per-patch MSE"


def test_a_thumbnail_click_or_a_double_click_shows_that_result_large(window, qtbot):
    window.set_layout("large", "pasted")
    assert window.results.thumbnails() == ["masked", "reconstruction", "original"]
    original = window.results.panels["original"]
    click(original, original.target_rect().center())
    assert window.results.large() == "original" and window.actions_by_name["large_original"].isChecked()
    window.actions_by_name["layout_grid"].trigger()
    masked = window.results.panels["masked"]
    click(masked, masked.target_rect().center(), double=True)
    assert window.results.layout_key() == "large" and window.results.large() == "masked"
    assert window.actions_by_name["layout_large"].isChecked()


def test_settings_restore_the_layout(window, qtbot):
    window.actions_by_name["large_reconstruction"].trigger()
    window.actions_by_name["link_views"].setChecked(False)
    window.close()
    again = MainWindow()
    qtbot.addWidget(again)
    assert again.results.layout_key() == "large" and again.results.large() == "reconstruction"
    assert again.actions_by_name["layout_large"].isChecked()
    assert again.actions_by_name["large_reconstruction"].isChecked()
    assert not again.actions_by_name["link_views"].isChecked() and not again.views.is_linked()
    again.close()


def test_a_damaged_layout_setting_falls_back_to_the_default():
    settings = Settings()
    settings.store.setValue("view/layout", "spiral")
    settings.store.setValue("view/large_panel", "heatmap")  # not a picture panel
    assert (settings.layout(), settings.large_panel()) == ("grid", "pasted")


def test_an_unknown_layout_is_refused_with_the_choices(window):
    with pytest.raises(ValueError, match=r"unknown layout 'spiral' .*grid, row, large"):
        window.results.set_layout("spiral")
    with pytest.raises(ValueError, match="unknown result panel 'heatmap'"):
        window.results.set_layout("large", "heatmap")


def test_dimming_changes_the_visible_patches_of_the_reconstruction_only(window, qtbot):
    result = window.results.result
    p, mask = result.patch_size, result.mask
    assert mask.any() and not mask.all()
    view = window.results.panels["reconstruction"]
    dimmed = qimage_to_rgb(view.image())
    assert "dimmed" in view.caption() and "never trained" in view.toolTip()
    window.actions_by_name["raw_visible"].trigger()  # View > Untrained Visible Patches Undimmed
    raw = qimage_to_rgb(view.image())
    assert np.array_equal(raw, result.reconstruction)  # the decoder's output as it is
    assert "raw" in view.caption()
    removed = np.repeat(np.repeat(mask, p, axis=0), p, axis=1)
    changed = (dimmed != raw).any(axis=2)
    assert not changed[removed].any()  # removed patches: the same pixels
    assert changed[~removed].mean() > 0.9  # visible ones: (nearly) every pixel darker, toward the grey
    toward = np.abs(dimmed[~removed].astype(int) - DIM_TARGET) <= np.abs(
        raw[~removed].astype(int) - DIM_TARGET
    )
    assert toward.all()
    for key in VIEW_PANELS:  # the other panels do not change
        if key != "reconstruction":
            assert window.results._images[key] is window.results.panels[key].image()
    window.close()
    assert Settings().flag("raw_visible", False)  # remembered


def test_results_extent_fills_the_height_within_the_shares():
    chrome = PanelChrome(lines=40, margins=(16, 8), spacing=6, bar=0, thumbs=150)
    central = QSize(1300, 920)
    # 2 x 2 of square pictures: two rows of (920 - 14) / 2 - 40 = 413 px need 2 * 413 + 22 px of width
    assert results_extent("grid", central, 1.0, chrome) == 848
    # a wide photo would need more than the canvas can give: capped at 0.7, the canvas keeps 0.8 of a panel
    capped = results_extent("grid", central, 2.0, chrome)
    assert capped == 910 and 1300 - capped >= 0.8 * (capped - 22) / 2
    assert results_extent("grid", QSize(1300, 300), 1.0, chrome) == round(0.45 * 1300)  # and gets 0.45
    # one row under the canvas: four pictures across the width, the height they need (at least 0.3)
    assert results_extent("row", central, 1.0, chrome) == round((1300 - 16 - 18) / 4 + 40 + 8)
    assert results_extent("row", central, 1.5, chrome) == round(0.3 * 920)
    # one large square picture over the thumbnails: as wide as it is tall
    assert results_extent("large", central, 1.0, chrome) == (920 - 8 - 6 - 150 - 40 + 16)


def test_a_splitter_the_user_moved_stays_until_the_layout_changes(window, qtbot):
    window.resize(1600, 1000)
    qtbot.waitUntil(lambda: window.height() == 1000, timeout=2000)
    handle = window.splitter.handle(1)
    left, none, plain = Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier
    start = QPointF(handle.width() / 2, handle.height() / 2)
    for kind, pos, button, held in (
        (QEvent.Type.MouseButtonPress, start, left, left),
        (QEvent.Type.MouseMove, start + QPointF(150, 0), none, left),
        (QEvent.Type.MouseButtonRelease, start + QPointF(150, 0), left, none),
    ):
        QApplication.sendEvent(handle, QMouseEvent(kind, pos, handle.mapToGlobal(pos), button, held, plain))
    moved = window.splitter.sizes()
    balanced = window.results.ideal_extent(window.splitter.size())
    assert moved[1] < balanced - 100  # the user gave the canvas more room
    window.set_heat_visible(True)
    window.resize(1500, 1000)
    qtbot.waitUntil(lambda: window.width() == 1500, timeout=2000)
    assert window.splitter.sizes()[1] < window.results.ideal_extent(window.splitter.size()) - 100  # kept
    window.set_layout("grid")  # choosing a layout balances again
    assert window.splitter.sizes()[1] == pytest.approx(
        window.results.ideal_extent(window.splitter.size()), abs=2
    )


def test_the_autosaved_session_keeps_the_layout(window, tmp_path):
    window.set_layout("row")
    window.set_large_panel("masked")  # the large layout, masked input large
    path = tmp_path / "session.json"
    path.write_text(window.session_now().to_json(), encoding="utf-8")
    saved = read_session(path)
    assert (saved.layout, saved.large_panel) == ("large", "masked")
    window.set_layout("grid")
    window.restore_session(saved)
    assert window.results.layout_key() == "large" and window.results.large() == "masked"

    doc = json.loads(path.read_text(encoding="utf-8"))
    del doc["view"]["layout"], doc["view"]["large_panel"]  # a session from before the layouts
    path.write_text(json.dumps(doc), encoding="utf-8")
    assert (read_session(path).layout, read_session(path).large_panel) == ("grid", "pasted")
    doc["view"]["layout"] = "spiral"
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(SessionFileError, match="unknown layout 'spiral'"):
        read_session(path)
