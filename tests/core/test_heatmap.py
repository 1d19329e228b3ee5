"""The heat layer the window and the sheets draw: colour maps from matplotlib's registry, the
scale (auto or fixed), values above its top, and the sheets' colour bar."""

from __future__ import annotations

import matplotlib
import numpy as np
import pytest

from mae_studio.core.heatmap import (
    COLORMAPS,
    HeatStyle,
    Overflow,
    UnknownColormap,
    auto_vmax,
    blend,
    check_colormap,
    colorbar,
    colorize,
    heat_layer,
    lut,
    overflow,
)
from mae_studio.core.sheet import load_font


@pytest.mark.parametrize("name", [*COLORMAPS, "twilight", "inferno_r"])
def test_tables_are_matplotlibs_own(name):
    cmap = matplotlib.colormaps[name]
    table = lut(name)
    assert table.shape == (256, 3) and table.dtype == np.uint8
    for i, x in ((0, 0.0), (255, 1.0), (128, 128 / 255)):
        expected = np.round(np.asarray(cmap(x)[:3]) * 255)
        np.testing.assert_array_equal(table[i], expected)


def test_inferno_ends_as_published_and_brightens():
    table = lut("inferno").astype(int)
    assert tuple(table[0]) == (0, 0, 4) and tuple(table[-1]) == (252, 255, 164)
    luminance = table @ np.array([0.2126, 0.7152, 0.0722])
    assert (np.diff(luminance) >= -0.5).all()


def test_an_unknown_name_lists_the_choices():
    with pytest.raises(UnknownColormap) as caught:
        check_colormap("infernoo")
    message = str(caught.value)
    assert "'infernoo'" in message and "did you mean inferno" in message
    assert all(name in message for name in COLORMAPS) and "jet" in message and "_r" in message
    with pytest.raises(ValueError):
        lut("bogus")


def test_colorize_maps_zero_dark_and_vmax_bright():
    values = np.array([[0.0, 0.5], [1.0, 7.0]])
    rgb = colorize(values, vmax=1.0)
    table = lut("inferno")
    assert (rgb[0, 0] == table[0]).all() and (rgb[0, 1] == table[128]).all()
    assert (rgb[1, 0] == table[255]).all() and (rgb[1, 1] == table[255]).all()  # saturates
    assert (colorize(np.array([[np.nan]]))[0, 0] == table[0]).all()


def test_auto_vmax_is_a_robust_scale_of_the_removed_patches():
    per_patch = np.full((10, 10), 0.01)
    per_patch[0, 0] = 5.0  # one outlier
    mask = np.ones((10, 10), dtype=bool)
    assert auto_vmax(per_patch, mask) == pytest.approx(np.percentile(per_patch, 99))
    assert auto_vmax(per_patch, mask) < 0.1
    visible_only = np.zeros((10, 10), dtype=bool)
    visible_only[5, 5] = True
    assert auto_vmax(per_patch, visible_only) == pytest.approx(0.01)
    assert auto_vmax(np.zeros((3, 3))) == pytest.approx(1e-6)


def test_layer_shows_removed_patches_only_and_reports_overflow():
    per_patch = np.array([[0.1232, 0.5], [0.04, 0.0853]])
    mask = np.array([[True, False], [True, True]])  # the visible 0.5 is not shown
    layer = heat_layer(per_patch, mask, HeatStyle("magma", vmax=0.0853, opacity=0.75))
    assert layer.alpha.tolist() == [[191, 0], [191, 191]]
    assert layer.vmax == 0.0853 and layer.fixed and layer.cmap == "magma"
    assert layer.overflow == Overflow(1, 0.1232)
    assert layer.overflow.lines() == ("max 0.1232", "1 above")
    np.testing.assert_array_equal(layer.rgb, colorize(per_patch, 0.0853, "magma"))
    auto = heat_layer(per_patch, mask)
    assert not auto.fixed and auto.vmax == pytest.approx(np.percentile([0.1232, 0.04, 0.0853], 99))
    assert auto.overflow is not None and auto.overflow.count == 1  # the 99th percentile is below the max
    assert heat_layer(per_patch, mask, HeatStyle(vmax=0.2)).overflow is None
    none_removed = heat_layer(per_patch, np.zeros((2, 2), dtype=bool))
    assert (none_removed.alpha == 191).all()  # nothing removed: every patch is shown


def test_overflow_counts_finite_values_above_the_top():
    values = np.array([0.1, 0.3, np.nan, 0.25, np.inf])
    assert overflow(values, 0.2, "pixel") == Overflow(2, 0.3, "pixel")
    assert overflow(values, 0.3) is None
    assert Overflow(2, 0.3, "pixel").sentence() == "2 pixels above the colour scale's top (max 0.3)"
    assert Overflow(1, 0.3).sentence() == "1 patch above the colour scale's top (max 0.3)"


def test_a_fixed_scale_must_be_a_positive_number():
    for bad in (0.0, -1.0, float("nan"), float("inf")):
        with pytest.raises(ValueError):
            HeatStyle(vmax=bad)


def test_blend_is_the_painters_alpha_composition():
    image = np.full((32, 40, 3), 100, dtype=np.uint8)  # 2 x 3 patches of 16, the last column partial
    per_patch = np.array([[1.0, 0.0, 0.5], [0.5, 1.0, 0.0]])
    mask = np.array([[True, False, True], [False, True, False]])
    layer = heat_layer(per_patch, mask, HeatStyle(vmax=1.0, opacity=1.0))
    out = blend(image, layer, 16)
    assert (out[:16, :16] == lut()[255]).all()  # a removed patch, fully coloured
    assert (out[:16, 16:32] == 100).all() and (out[16:, :16] == 100).all()  # visible: untouched
    half = blend(image, heat_layer(per_patch, mask, HeatStyle(vmax=1.0, opacity=0.5)), 16)
    expected = np.round(100 * (1 - 128 / 255) + lut()[255].astype(float) * 128 / 255)
    assert (half[0, 0] == expected).all()
    with pytest.raises(ValueError):
        blend(image, layer, 8)


def _ramp_rows(bar: np.ndarray, column: int) -> list[int | None]:
    index = {tuple(c): i for i, c in enumerate(lut().astype(int))}
    return [index.get(tuple(px)) for px in bar[:, column].astype(int)]


def test_colorbar_has_the_requested_height_and_ramp():
    bar = colorbar(200, 0.05, width=12, font=load_font(12))
    assert bar.shape[0] == 200 and bar.shape[2] == 3 and bar.shape[1] > 12
    ramp = [i for i in _ramp_rows(bar, 5) if i is not None]
    assert len(ramp) > 150  # most of the height is the ramp
    assert ramp == sorted(ramp, reverse=True)  # bright (vmax) on top, dark (0) at the bottom
    assert ramp[0] >= 250 and ramp[-1] <= 5


def test_colorbar_caps_values_above_its_top():
    font = load_font(12)
    plain = colorbar(300, 0.0853, width=12, font=font)
    capped = colorbar(300, 0.0853, width=12, font=font, over=Overflow(3, 0.1232))
    assert capped.shape[0] == 300 and capped.shape[1] >= plain.shape[1]
    top = lut()[255].astype(int)

    def top_coloured(bar: np.ndarray) -> int:  # pixels of the top colour in the bar's middle column
        return int((bar[:, 6].astype(int) == top).all(axis=1).sum())

    assert top_coloured(capped) >= top_coloured(plain) + 6  # the cap, in the top colour
    # its two lines of text right of the bar, above the ramp (where the plain bar has none)
    ramp_top = int(np.flatnonzero((capped[:, 6].astype(int) == top).all(axis=1)).max())
    label_line = sum(font.getmetrics())
    dark_rows = np.flatnonzero((capped[label_line:ramp_top, 16:] < 100).any(axis=(1, 2)))
    assert dark_rows.size >= label_line  # the cap's text rows
