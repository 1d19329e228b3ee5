"""--fit crop|whole|tiles on reconstruct, sweep, compare and errormap: grids at the photo's aspect,
full-resolution tiles, and the JSON saying which fit and grid ran."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest
from PIL import Image

from mae_studio.core.masks import mask_to_json, random_mask

from .conftest import cli, core_predictor, write_photo


@pytest.fixture
def landscape(tmp_path):
    return write_photo(tmp_path / "landscape_3x2.png", 4, (150, 100))


def test_reconstruct_whole_keeps_the_photos_aspect(landscape, checkpoint, tmp_path):
    out = tmp_path / "out"
    argv = ["reconstruct", landscape, "--checkpoint", checkpoint, "--device", "cpu", "--out", out]
    assert cli(*argv, "--fit", "whole", "--panels") == 0
    doc = json.loads((out / "landscape_3x2.json").read_text())
    assert doc["fit"] == "whole" and doc["grid"] == [4, 6] and doc["image_size"] == [64, 96]
    assert doc["num_patches"] == 24 and doc["masked_patches"] == 18
    assert len(doc["per_patch_mse"]) == 4 and all(len(row) == 6 for row in doc["per_patch_mse"])
    assert sorted(doc["panels"]) == ["heatmap", "masked", "original", "pasted", "reconstruction"]
    for key in doc["panels"]:
        assert Image.open(out / f"landscape_3x2_{key}.png").size == (96, 64)
    width, height = Image.open(out / "landscape_3x2_comparison.png").size
    assert width > 5 * 1.5 * 128 > height  # five 128 x 192 panels side by side
    # the same numbers as the core predictor on the same view and mask
    predictor = core_predictor(checkpoint)
    predictor.set_image(Image.open(landscape), fit="whole")
    expected = predictor.reconstruct(random_mask(predictor.grid, 0.75, 0))
    assert doc["removed"] == np.flatnonzero(expected.mask).tolist()
    assert doc["masked_mse"] == pytest.approx(expected.masked_mse, rel=1e-5)


def test_reconstruct_defaults_to_crop(landscape, checkpoint, tmp_path):
    out = tmp_path / "out"
    assert cli("reconstruct", landscape, "--checkpoint", checkpoint, "--device", "cpu", "--out", out) == 0
    doc = json.loads((out / "landscape_3x2.json").read_text())
    assert doc["fit"] == "crop" and doc["grid"] == [4, 4] and doc["image_size"] == [64, 64]
    assert "panels" not in doc and not (out / "landscape_3x2_pasted.png").exists()


def test_reconstruct_tiles_writes_full_resolution_panels(checkpoint, tmp_path):
    photo = write_photo(tmp_path / "big.jpg", 6, (300, 200))  # not a multiple of 16: partial cells
    out = tmp_path / "out"
    argv = ["reconstruct", photo, "--checkpoint", checkpoint, "--device", "cpu", "--out", out]
    assert cli(*argv, "--fit", "tiles", "--mask-ratio", "0.5") == 0
    doc = json.loads((out / "big.json").read_text())
    assert doc["fit"] == "tiles" and doc["grid"] == [13, 19] and doc["image_size"] == [200, 300]
    assert doc["masked_patches"] == round(13 * 19 * 0.5)
    for key in ("masked", "reconstruction", "pasted", "original", "heatmap"):
        assert Image.open(out / f"big_{key}.png").size == (300, 200), key
    original = np.asarray(Image.open(out / "big_original.png"))
    np.testing.assert_array_equal(original, np.asarray(Image.open(photo).convert("RGB")))


def test_a_mask_file_at_the_photos_aspect(landscape, checkpoint, tmp_path, capsys):
    mask = np.zeros((4, 6), bool)
    mask[:, :3] = True
    path = tmp_path / "left.json"
    path.write_text(mask_to_json(mask))
    out = tmp_path / "out"
    argv = ["reconstruct", landscape, "--checkpoint", checkpoint, "--device", "cpu", "--mask", path]
    assert cli(*argv, "--fit", "whole", "--out", out) == 0
    assert json.loads((out / "landscape_3x2.json").read_text())["removed"] == np.flatnonzero(mask).tolist()
    assert cli(*argv, "--out", tmp_path / "crop") == 1  # the crop is square: refused by name
    assert "a 4x6 grid cannot be carried to the model's square grid" in capsys.readouterr().err


def test_sweep_whole(landscape, checkpoint, tmp_path, capsys):
    out = tmp_path / "out"
    argv = ["sweep", landscape, "--checkpoint", checkpoint, "--device", "cpu", "--out", out, "--no-plot"]
    assert cli(*argv, "--fit", "whole", "--ratios", "0.5,0.75", "--seeds", "2") == 0
    rows = list(csv.DictReader((out / "landscape_3x2_sweep.csv").open()))
    assert {r["num_patches"] for r in rows} == {"24"} and {r["masked_patches"] for r in rows} == {"12", "18"}
    assert "fit whole (4x6 patches)" in capsys.readouterr().out


def test_sweep_tiles(checkpoint, tmp_path):
    photo = write_photo(tmp_path / "wide.png", 7, (160, 96))
    out = tmp_path / "out"
    argv = ["sweep", photo, "--checkpoint", checkpoint, "--device", "cpu", "--out", out, "--no-plot"]
    assert cli(*argv, "--fit", "tiles", "--ratios", "0.75", "--seeds", "2") == 0
    rows = list(csv.DictReader((out / "wide_sweep.csv").open()))
    assert [r["num_patches"] for r in rows] == ["60", "60"] and rows[0]["masked_patches"] == "45"


def test_compare_whole_across_patch_sizes(landscape, checkpoint, checkpoint_p8, tmp_path):
    out = tmp_path / "out"
    argv = ["compare", landscape, "--checkpoint", checkpoint, "--checkpoint", checkpoint_p8]
    assert cli(*argv, "--device", "cpu", "--out", out, "--fit", "whole") == 0
    doc = json.loads((out / "landscape_3x2_compare.json").read_text())
    assert doc["fit"] == "whole" and [m["grid"] for m in doc["models"]] == [[4, 6], [8, 12]]


@pytest.mark.parametrize(("fit", "grid"), [("whole", [4, 6]), ("tiles", [7, 10])])
def test_errormap_on_the_fits_grid(landscape, checkpoint, tmp_path, fit, grid):
    out = tmp_path / "out"
    argv = ["errormap", landscape, "--checkpoint", checkpoint, "--device", "cpu", "--out", out]
    assert cli(*argv, "--fit", fit, "--uncertainty", "2") == 0
    doc = json.loads((out / "landscape_3x2_errormap.json").read_text())
    assert doc["fit"] == fit and doc["grid"] == grid
    assert all(v is not None for row in doc["per_patch_mse"] for v in row)  # every patch once
    assert len(doc["uncertainty"]["per_patch_std"][0]) == grid[1]


def test_bench_fits_times_each_fit(landscape, checkpoint, capsys):
    argv = ["bench", "--fits", landscape, "--checkpoint", checkpoint, "--device", "cpu", "--runs", "1"]
    assert cli(*argv, "--warmup", "0", "--threads", "1") == 0
    out = capsys.readouterr().out
    rows = [line.split() for line in out.splitlines() if line[:5] in ("crop ", "whole", "tiles")]
    assert [(r[0], r[2], r[3], r[4]) for r in rows if r[1] == "fp32"] == [
        ("crop", "64x64", "4x4", "1"),
        ("whole", "96x64", "4x6", "1"),
        ("tiles", "150x100", "7x10", "8"),  # tiles of 4 x 4 cells at rows (0, 3), columns (0, 2, 4, 6)
    ]
    fast = [r for r in rows if r[1] != "fp32"]
    if fast:  # fast chose a variant of its own: its rows follow, one per fit
        assert [r[0] for r in fast] == ["crop", "whole", "tiles"] and len(rows) == 6
    else:  # fast measured float32 as its best within bounds: said once, not timed twice
        assert len(rows) == 3 and "fast on cpu for " in out and ": fp32 (" in out
