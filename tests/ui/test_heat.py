"""The window's heat map: colour map and scale (auto, fixed, typed), the colour bar's overflow
mark, settings, and the same overlay in the window as on the sheets it saves."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from mae_studio.core.heatmap import HeatStyle, Overflow, blend, heat_layer, lut
from mae_studio.core.sheet import reconstruction_image
from mae_studio.ui.colorbar import ColorBar
from mae_studio.ui.heat_controls import HeatControls
from mae_studio.ui.main_window import MainWindow
from mae_studio.ui.qimage import qimage_to_rgb
from mae_studio.ui.settings import Settings

from .fakes import started_window
from .test_window import TIMEOUT_MS, shows_current_mask


@pytest.fixture
def window(qtbot, tiny_checkpoint, photo_file):
    w = started_window(qtbot, tiny_checkpoint, photo_file, TIMEOUT_MS)
    yield w
    w.close()


def argb_pixels(image) -> tuple[np.ndarray, np.ndarray]:
    """An ARGB32 QImage -> (uint8 [h, w, 3] colours, uint8 [h, w] alpha)."""
    w, h = image.width(), image.height()
    buf = np.frombuffer(image.constBits(), dtype=np.uint8, count=image.bytesPerLine() * h)
    bgra = buf.reshape(h, image.bytesPerLine())[:, : 4 * w].reshape(h, w, 4)
    return bgra[:, :, 2::-1].copy(), bgra[:, :, 3].copy()


def test_colour_bar_says_auto_or_fixed_and_caps_values_above_its_top(qtbot):
    bar = ColorBar()
    qtbot.addWidget(bar)
    bar.resize(bar.sizeHint().width(), 300)
    per_patch = np.array([[0.1232, 0.02], [0.0853, 0.05]])
    bar.set_layer(heat_layer(per_patch, None, HeatStyle("viridis", vmax=0.0853)))
    assert bar.label_text() == "MSE · fixed" and bar.cmap() == "viridis"
    assert bar.overflow() == Overflow(1, 0.1232)
    assert bar.overflow_lines() == ("max 0.1232", "1 above")
    assert "1 removed patch" in bar.toolTip() and "(max 0.1232)" in bar.toolTip()
    image = qimage_to_rgb(bar.grab().toImage())
    top = lut("viridis")[255]
    column = image[:, 4 + 7]  # the bar's middle
    rows = np.flatnonzero((column == top).all(axis=1))
    assert rows.size >= 6  # the cap (and the ramp's brightest rows)
    bar.set_layer(heat_layer(per_patch, None, HeatStyle("viridis")))
    assert bar.label_text() == "MSE · auto" and bar.overflow() is not None  # the 99th percentile < max
    bar.set_layer(heat_layer(per_patch, None, HeatStyle("viridis", vmax=0.2)))
    assert bar.overflow() is None and bar.overflow_lines() == ()
    assert bar.minimumWidth() >= bar.fontMetrics().horizontalAdvance("max 0.1234")


def test_controls_fix_type_and_remember_the_scale(qtbot):
    from PySide6.QtWidgets import QWidget

    parent = QWidget()
    qtbot.addWidget(parent)
    top = {"now": None}
    controls = HeatControls(Settings(), lambda: top["now"], parent)
    assert controls.style() == HeatStyle()  # inferno, auto
    assert not controls.fix_scale(True)  # no result yet: nothing to fix at
    assert not controls.actions["fix"].isChecked()
    top["now"] = 0.0421
    with qtbot.waitSignal(controls.style_changed) as changed:
        controls.actions["fix"].trigger()
    assert changed.args[0] == HeatStyle(vmax=0.0421)
    assert controls.actions["fix"].isChecked() and "0.0421" in controls.actions["fix"].text()
    controls.actions["cmap_cividis"].trigger()
    controls.set_scale(0.09)
    again = HeatControls(Settings(), lambda: None, parent)  # the next start reads the settings
    assert again.style() == HeatStyle("cividis", 0.09)
    assert again.actions["fix"].isChecked() and again.actions["cmap_cividis"].isChecked()
    controls.actions["fix"].trigger()  # unchecked: auto again
    assert controls.style() == HeatStyle("cividis") and Settings().heat_vmax() is None


def test_a_fixed_scale_survives_a_new_result(window, qtbot):
    window.set_heat_visible(True)
    auto = window.results.heat_layer()
    assert auto is not None and not auto.fixed
    assert window.heat.fix_scale(True)
    fixed = window.results.heat_layer()
    assert fixed.fixed and fixed.vmax == auto.vmax
    assert window.results.colorbar.label_text() == "MSE · fixed"
    before = window.results.result
    window.doc.invert()
    qtbot.waitUntil(
        lambda: window.results.result is not before and shows_current_mask(window), timeout=TIMEOUT_MS
    )
    after = window.results.heat_layer()
    assert after.vmax == auto.vmax and after.fixed
    assert after.vmax != pytest.approx(heat_layer(window.results.result.per_patch_mse, window.doc.mask).vmax)
    window.heat.fix_scale(False)
    assert not window.results.heat_layer().fixed
    assert window.results.colorbar.label_text() == "MSE · auto"


def test_window_overlay_and_saved_sheet_agree(window, qtbot, tmp_path):
    window.set_heat_visible(True)
    window.heat.set_colormap("viridis")
    window.heat.set_scale(0.004)  # below an untrained model's errors: values pass the top
    result = window.results.result
    layer = window.results.heat_layer()
    sheet_layer = heat_layer(result.per_patch_mse, result.mask, HeatStyle("viridis", 0.004))
    np.testing.assert_array_equal(layer.rgb, sheet_layer.rgb)
    np.testing.assert_array_equal(layer.alpha, sheet_layer.alpha)
    assert layer.overflow == sheet_layer.overflow and layer.overflow is not None
    assert window.results.colorbar.overflow() == layer.overflow
    # the window's overlay image is exactly that layer: colours and opacity per patch
    colours, alpha = argb_pixels(window.results.panels["reconstruction"]._heat)
    np.testing.assert_array_equal(colours[alpha > 0], sheet_layer.rgb[sheet_layer.alpha > 0])
    np.testing.assert_array_equal(alpha, sheet_layer.alpha)
    # what the painter composes on screen is what the sheet's blend writes (patch centres)
    view = window.results.panels["reconstruction"]
    shown = qimage_to_rgb(view.grab().toImage())
    grid = view.grid_rect()
    h, w = result.mask.shape
    base = reconstruction_image(result, window.results.raw_visible())
    expected = blend(base, sheet_layer, result.patch_size)
    p = result.patch_size
    for r, c in zip(*np.nonzero(result.mask), strict=True):
        x = int(grid.left() + (c + 0.5) * grid.width() / w)
        y = int(grid.top() + (r + 0.5) * grid.height() / h)
        centre = expected[r * p + p // 2 - 2 : r * p + p // 2 + 2, c * p + p // 2 - 2 : c * p + p // 2 + 2]
        assert np.abs(shown[y, x].astype(int) - centre.reshape(-1, 3).mean(axis=0)).max() <= 12
    # the saved panels and sheet use the window's colour map and scale
    assert window.files.save_panels(tmp_path)
    stem = window.files._stem()
    saved = np.asarray(Image.open(tmp_path / f"{stem}_heatmap.png").convert("RGB"))
    np.testing.assert_array_equal(saved, blend(result.original, sheet_layer, p))
    saved_recon = np.asarray(Image.open(tmp_path / f"{stem}_reconstruction.png").convert("RGB"))
    np.testing.assert_array_equal(saved_recon, base)
    sheet_path = tmp_path / "sheet.png"
    assert window.files.save_comparison(sheet_path)
    pixels = np.asarray(Image.open(sheet_path).convert("RGB")).reshape(-1, 3)
    assert (pixels == lut("viridis")[255]).all(axis=1).any()  # the bar in the window's colour map
    assert not (pixels == lut("inferno")[255]).all(axis=1).any()


def test_the_heat_menu_is_in_the_view_menu(window):
    titles = [a.text() for a in window.view_menu.actions()]
    assert any("Heat Map" in t and "Colour" in t for t in titles)
    assert window.heat.actions["fix"] in window.results.colorbar.actions()
    assert isinstance(window, MainWindow)
