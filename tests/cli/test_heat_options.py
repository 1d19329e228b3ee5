"""--cmap, --vmax and --raw-visible: the heat map and the reconstruction panel as asked."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from mae_studio.core.heatmap import HeatStyle, blend, heat_layer, lut
from mae_studio.core.results import dim_visible

from .conftest import cli, write_photo


@pytest.mark.parametrize("command", ["errormap", "reconstruct", "compare"])
def test_an_unknown_colour_map_is_refused_with_the_choices(tmp_path, checkpoint, capsys, command):
    image = write_photo(tmp_path / "img.png", 7)
    with pytest.raises(SystemExit) as done:
        cli(command, image, "--checkpoint", checkpoint, "--out", tmp_path, "--cmap", "bogus")
    assert done.value.code == 2
    err = capsys.readouterr().err
    assert "argument --cmap: unknown colour map 'bogus'" in err
    assert "inferno" in err and "viridis" in err and "cividis" in err
    assert not (tmp_path / "img_errormap.png").exists()


@pytest.mark.parametrize("bad", ["0", "-0.1", "nan", "inf", "x"])
def test_vmax_must_be_a_positive_number(tmp_path, checkpoint, capsys, bad):
    image = write_photo(tmp_path / "img.png", 7)
    with pytest.raises(SystemExit):
        cli("errormap", image, "--checkpoint", checkpoint, "--out", tmp_path, "--vmax", bad)
    assert "argument --vmax" in capsys.readouterr().err


def test_reconstruct_draws_the_heat_map_in_the_asked_colours_and_scale(tmp_path, checkpoint):
    image = write_photo(tmp_path / "img.png", 5)
    out = tmp_path / "out"
    argv = ["reconstruct", image, "--checkpoint", checkpoint, "--out", out, "--panels", "--seed", "3"]
    assert cli(*argv, "--cmap", "viridis", "--vmax", "0.002") == 0
    doc = json.loads((out / "img.json").read_text())
    assert doc["heat_map"] == {"cmap": "viridis", "vmax": 0.002, "raw_visible": False}
    per_patch = np.array(doc["per_patch_mse"], dtype=np.float32)
    mask = np.zeros(per_patch.size, dtype=bool)
    mask[doc["removed"]] = True
    mask = mask.reshape(per_patch.shape)
    original = np.asarray(Image.open(out / "img_original.png").convert("RGB"))
    layer = heat_layer(per_patch, mask, HeatStyle("viridis", vmax=0.002))
    heat = np.asarray(Image.open(out / "img_heatmap.png").convert("RGB"))
    np.testing.assert_array_equal(heat, blend(original, layer, 16))
    assert layer.overflow is not None  # an untrained model's errors pass 0.002: the bar marks them
    # the sheet's colour bar is viridis: its top colour appears, inferno's does not
    sheet = np.asarray(Image.open(out / "img_comparison.png").convert("RGB")).reshape(-1, 3)
    assert (sheet == lut("viridis")[255]).all(axis=1).any()
    assert not (sheet == lut("inferno")[255]).all(axis=1).any()
    recon = np.asarray(Image.open(out / "img_reconstruction.png").convert("RGB"))
    assert cli(*argv, "--raw-visible", "--overwrite") == 0
    raw = np.asarray(Image.open(out / "img_reconstruction.png").convert("RGB"))
    np.testing.assert_array_equal(recon, dim_visible(raw, mask, 16))
    assert not np.array_equal(recon, raw)


def test_errormap_marks_values_above_a_fixed_top(tmp_path, checkpoint, capsys):
    image = write_photo(tmp_path / "img.png", 7)
    out = tmp_path / "out"
    argv = ["errormap", image, "--checkpoint", checkpoint, "--out", out, "--seed", "1"]
    assert cli(*argv, "--cmap", "magma") == 0
    doc = json.loads((out / "img_errormap.json").read_text())
    assert doc["heat_map"] == {"cmap": "magma", "vmax": "auto"}
    per_patch = np.array(doc["per_patch_mse"], dtype=float)
    top = float(np.median(per_patch))
    assert cli(*argv, "--vmax", str(top), "--overwrite") == 0
    fixed = Image.open(out / "img_errormap.png")
    assert cli(*argv, "--vmax", str(per_patch.max() * 2), "--overwrite") == 0
    roomy = Image.open(out / "img_errormap.png")
    assert fixed.height > roomy.height  # a caption line names the patches above the top

    def top_coloured(sheet: Image.Image) -> int:  # the bar's ramp and, when values pass it, its cap
        pixels = np.asarray(sheet.convert("RGB")).reshape(-1, 3)
        return int((pixels == lut("inferno")[255]).all(axis=1).sum())

    assert top_coloured(fixed) > top_coloured(roomy) + 20


def test_compare_shares_a_fixed_scale_and_records_it(tmp_path, checkpoint, checkpoint_p8):
    image = write_photo(tmp_path / "img.png", 6)
    out = tmp_path / "out"
    argv = ["compare", image, "--checkpoint", checkpoint, "--checkpoint", checkpoint_p8, "--out", out]
    assert cli(*argv, "--vmax", "0.5", "--cmap", "cividis", "--raw-visible") == 0
    doc = json.loads((out / "img_compare.json").read_text())
    assert doc["heat_map"] == {"cmap": "cividis", "vmax": 0.5, "raw_visible": True}
    pixels = {tuple(p) for p in np.asarray(Image.open(out / "img_compare.png").convert("RGB")).reshape(-1, 3)}

    def ramp_colours(cmap: str) -> int:  # of the colour map's table, how many colours the sheet holds
        return sum(tuple(c) in pixels for c in lut(cmap))

    assert ramp_colours("cividis") > 40 and ramp_colours("inferno") < 5  # the bars' ramps are cividis
