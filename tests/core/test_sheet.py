"""Heat-map colouring and the labelled comparison sheet."""

from __future__ import annotations

import math

import numpy as np
import pytest
from PIL import Image

from mae_studio.core.heatmap import auto_vmax, colorbar, colorize, lut, overlay
from mae_studio.core.predictor import Reconstruction
from mae_studio.core.sheet import load_font, metrics_line, render_rows, render_sheet


def _result(size: int = 64, patch: int = 16, denormalized: bool = False) -> Reconstruction:
    g = size // patch
    rng = np.random.default_rng(0)
    img = rng.integers(0, 256, (size, size, 3), dtype=np.uint8)
    mask = np.zeros((g, g), dtype=bool)
    mask.reshape(-1)[: round(g * g * 0.75)] = True
    per_patch = rng.random((g, g)).astype(np.float32) * 0.05
    mse = float(per_patch[mask].mean())
    return Reconstruction(
        mask=mask, masked=img, reconstruction=img, pasted=img, original=img, per_patch_mse=per_patch,
        masked_mse=mse, masked_psnr=10 * math.log10(1 / mse), seconds=0.01, denormalized=denormalized,
    )  # fmt: skip


def test_lut_is_dark_to_bright_and_perceptual():
    table = lut("inferno").astype(int)
    assert table.shape == (256, 3)
    assert tuple(table[0]) == (0, 0, 4) and tuple(table[-1]) == (252, 255, 164)
    luminance = table @ np.array([0.2126, 0.7152, 0.0722])
    assert (np.diff(luminance) >= -0.5).all()  # monotonic brightness
    with pytest.raises(ValueError):
        lut("jet")


def test_colorize_maps_zero_dark_and_vmax_bright():
    values = np.array([[0.0, 0.5], [1.0, 7.0]])
    rgb = colorize(values, vmax=1.0)
    assert rgb.shape == (2, 2, 3) and rgb.dtype == np.uint8
    table = lut("inferno")
    assert (rgb[0, 0] == table[0]).all()
    assert (rgb[0, 1] == table[128]).all()
    assert (rgb[1, 0] == table[255]).all() and (rgb[1, 1] == table[255]).all()  # saturates
    assert (colorize(np.array([[np.nan]]))[0, 0] == table[0]).all()


def test_overlay_colours_only_masked_patches():
    image = np.full((32, 32, 3), 100, dtype=np.uint8)
    per_patch = np.array([[1.0, 0.0], [0.5, 1.0]])
    mask = np.array([[True, False], [False, True]])
    out = overlay(image, per_patch, 16, alpha=1.0, vmax=1.0, mask=mask)
    assert (out[:16, :16] == lut()[255]).all()  # a removed patch, fully coloured
    assert (out[:16, 16:] == 100).all() and (out[16:, :16] == 100).all()  # visible: untouched
    half = overlay(image, per_patch, 16, alpha=0.5, vmax=1.0)
    expected = np.round(100 * 0.5 + lut()[255].astype(float) * 0.5)
    assert (half[0, 0] == expected).all()
    with pytest.raises(ValueError):
        overlay(image, per_patch, 8)


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


def test_colorbar_has_the_requested_height_and_ramp():
    bar = colorbar(200, 0.05, width=12, font=load_font(12))
    assert bar.shape[0] == 200 and bar.shape[2] == 3 and bar.shape[1] > 12
    table = lut().astype(int)
    index = {tuple(c): i for i, c in enumerate(table)}
    column = [index.get(tuple(px)) for px in bar[:, 5].astype(int)]
    ramp = [i for i in column if i is not None]
    assert len(ramp) > 150  # most of the height is the ramp
    assert ramp == sorted(ramp, reverse=True)  # bright (vmax) on top, dark (0) at the bottom
    assert ramp[0] >= 250 and ramp[-1] <= 5


def test_sheet_has_every_panel_and_caption():
    result = _result()
    sheet = render_sheet(result, model_name="tiny", seed=0, ratio=0.75, image_name="x.png", scale=2)
    assert isinstance(sheet, Image.Image) and sheet.mode == "RGB"
    panel = 128
    assert sheet.width > 5 * panel and sheet.height > panel
    # the first panel is the masked input, nearest-neighbour upscaled (each pixel a 2x2 block),
    # below the margin and one title line
    font = load_font(11)  # the sheet's font size for 128 px panels
    margin, line = 11, sum(font.getmetrics()) + 2
    first = np.asarray(sheet)[margin + line : margin + line + panel, margin : margin + panel]
    np.testing.assert_array_equal(first, np.repeat(np.repeat(result.masked, 2, axis=0), 2, axis=1))
    assert (np.asarray(sheet)[:margin] == 255).all()  # white margin
    extra = render_sheet(
        result, model_name="tiny", seed=0, ratio=0.75, extra_panels={"Full error map": result.original}
    )
    assert extra.width >= sheet.width + panel


def test_metrics_line_counts_patches():
    result = _result()
    assert metrics_line(result).startswith("12/16 patches masked (75%) · masked MSE ")
    assert f"PSNR {result.masked_psnr:.2f} dB" in metrics_line(result)


def test_rows_stack_one_row_per_model_at_a_common_size():
    small, big = _result(32, 8), _result(64, 16, denormalized=True)
    one = render_rows([("A", big)], scale=1)
    two = render_rows([("A", big), ("B", small)], scale=1)
    assert two.height > one.height + 64
    assert two.width == one.width
