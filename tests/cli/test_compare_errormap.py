"""`mae-studio compare` (one pixel-space mask, several models) and `mae-studio errormap`."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from mae_studio.core.errormap import errormap_masks
from mae_studio.core.masks import random_mask, rasterize

from .conftest import cli, core_predictor, write_photo


def test_compare_rasterizes_one_mask_for_every_model(tmp_path, checkpoint, checkpoint_p8, capsys):
    image = write_photo(tmp_path / "img.png", 6)
    out = tmp_path / "out"
    rc = cli(
        "compare",
        image,
        "--checkpoint",
        checkpoint,
        "--checkpoint",
        checkpoint_p8,
        "--label",
        "p16",
        "--out",
        out,
        "--seed",
        "2",
    )
    assert rc == 0
    doc = json.loads((out / "img_compare.json").read_text())
    a, b = doc["models"]
    assert a["label"] == "p16" and b["label"] == "tiny-p8"  # default label: the model's name
    reference = random_mask(4, 0.75, 2)  # drawn on the first model's grid
    fine = rasterize(reference, 8)
    assert a["grid"] == [4, 4] and b["grid"] == [8, 8]
    assert b["masked_patches"] == int(fine.sum()) == 4 * a["masked_patches"]  # same removed area
    for path, entry, mask in ((checkpoint, a, reference), (checkpoint_p8, b, fine)):
        predictor = core_predictor(path)
        predictor.set_image(Image.open(image).convert("RGB"))
        assert entry["masked_mse"] == pytest.approx(predictor.reconstruct(mask).masked_mse, rel=1e-5)
    sheet = Image.open(out / "img_compare.png")
    assert sheet.height > 2 * 128  # a row per model
    assert "tiny-p8" in capsys.readouterr().out


def test_errormap_reconstructs_every_patch_exactly_once(tmp_path, checkpoint, capsys):
    image = write_photo(tmp_path / "img.png", 7)
    out = tmp_path / "out"
    assert (
        cli(
            "errormap",
            image,
            "--checkpoint",
            checkpoint,
            "--out",
            out,
            "-k",
            "4",
            "--seed",
            "1",
            "--uncertainty",
            "4",
        )
        == 0
    )
    doc = json.loads((out / "img_errormap.json").read_text())
    per_patch = np.array(doc["per_patch_mse"], dtype=float)
    assert per_patch.shape == (4, 4) and np.isfinite(per_patch).all()
    predictor = core_predictor(checkpoint)
    predictor.set_image(Image.open(image).convert("RGB"))
    seen = np.zeros((4, 4), dtype=int)
    for target, mask in errormap_masks(4, 4, seed=1, ratio=0.75):
        seen += target
        np.testing.assert_allclose(
            per_patch[target], predictor.reconstruct(mask).per_patch_mse[target], rtol=1e-5
        )
    assert (seen == 1).all()
    assert doc["mean_mse"] == pytest.approx(per_patch.mean(), rel=1e-6)
    assert doc["uncertainty"]["masks"] == 4 and doc["uncertainty"]["mean_std"] > 0
    assert Image.open(out / "img_errormap.png").width > 4 * 128
    assert "every patch reconstructed once in 4 runs" in capsys.readouterr().out


def test_errormap_rejects_a_single_uncertainty_mask(tmp_path, checkpoint, capsys):
    image = write_photo(tmp_path / "img.png", 7)
    assert cli("errormap", image, "--checkpoint", checkpoint, "--out", tmp_path, "--uncertainty", "1") == 1
    assert "at least 2" in capsys.readouterr().err
