"""Heat-map colouring and the labelled comparison sheet."""

from __future__ import annotations

import math

import numpy as np
from PIL import Image

from mae_studio.core.heatmap import HeatStyle, heat_layer
from mae_studio.core.predictor import Reconstruction
from mae_studio.core.results import dim_visible
from mae_studio.core.sheet import (
    DIMMED_NOTE,
    heat_notes,
    load_font,
    metrics_line,
    render_rows,
    render_sheet,
    result_panels,
)


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


def test_sheet_panels_use_the_style_and_dim_like_the_window():
    result = _result()
    fixed = HeatStyle("viridis", vmax=0.02)
    panels = result_panels(result, fixed)
    heat = panels[-1]
    assert (heat.vmax, heat.cmap, heat.bar_label) == (0.02, "viridis", "MSE · fixed")
    layer = heat_layer(result.per_patch_mse, result.mask, fixed)
    assert heat.over == layer.overflow and heat.over is not None  # values reach 0.05
    assert heat.over.count == int((result.per_patch_mse[result.mask] > 0.02).sum())
    assert result_panels(result)[-1].bar_label == "MSE · auto"
    dimmed = dim_visible(result.reconstruction, result.mask, result.patch_size)
    np.testing.assert_array_equal(panels[1].image, dimmed)
    assert not np.array_equal(dimmed, result.reconstruction)  # 4 visible patches changed
    np.testing.assert_array_equal(result_panels(result, raw_visible=True)[1].image, result.reconstruction)


def test_sheet_caption_says_what_passes_the_scale_and_what_is_dimmed():
    result = _result()
    notes = heat_notes(result, HeatStyle(vmax=0.02), raw_visible=False)
    count = int((result.per_patch_mse[result.mask] > 0.02).sum())
    peak = float(result.per_patch_mse[result.mask].max())
    assert notes[0] == f"heat map: {count} patches above the colour scale's top (max {peak:.4g})"
    assert notes[1] == DIMMED_NOTE
    assert heat_notes(result, HeatStyle(vmax=1.0), raw_visible=True) == []


def test_rows_share_a_fixed_scale_as_given():
    small, big = _result(32, 8), _result(64, 16)
    sheet = render_rows([("A", big), ("B", small)], scale=1, heat=HeatStyle(vmax=0.5))
    auto = render_rows([("A", big), ("B", small)], scale=1)
    assert sheet.size != auto.size or not np.array_equal(np.asarray(sheet), np.asarray(auto))
