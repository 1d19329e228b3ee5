from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from mae_studio.cli.app import run as cli_run
from mae_studio.core.checkpoints import load_checkpoint, save_checkpoint
from mae_studio.core.images import prepare_image
from mae_studio.core.masks import random_mask
from mae_studio.core.model import MaskedAutoencoderViT
from mae_studio.core.predictor import Predictor
from mae_studio.train import baselines
from mae_studio.train.evaluate import EvalError, EvalOptions, evaluate

from .conftest import write_photos


@pytest.fixture
def checkpoint(tmp_path: Path, tiny_config) -> Path:
    torch.manual_seed(0)
    model = MaskedAutoencoderViT(tiny_config)
    model.init_weights()
    return save_checkpoint(model, tmp_path / "tiny.safetensors")


@pytest.fixture
def eval_photos(tmp_path: Path) -> Path:
    return write_photos(tmp_path / "eval", [(80, 100), (64, 64), (90, 70)], seed=7)


def _mean_fill_mse(rgb: np.ndarray, mask: np.ndarray, p: int) -> float:
    """Independent of the code under test: loops over removed patches."""
    visible = np.ones(rgb.shape[:2], dtype=bool)
    for r, c in zip(*np.nonzero(mask), strict=True):
        visible[r * p : (r + 1) * p, c * p : (c + 1) * p] = False
    fill = np.round(rgb[visible].astype(np.float64).mean(axis=0))
    err = (rgb[~visible].astype(np.float64) - fill) / 255.0
    return float((err**2).mean())


def test_evaluate_cli_writes_json_whose_numbers_check_out(eval_photos, checkpoint, tmp_path, capsys):
    out = tmp_path / "report"
    args = ["evaluate", str(eval_photos), "--checkpoint", str(checkpoint), "--out", str(out)]
    assert cli_run([*args, "--seeds", "0", "1", "--no-progress", "--examples", "2"]) == 0
    printed = capsys.readouterr().out
    assert "OpenCV Telea" in printed and "mean colour" in printed
    report = json.loads((out / "eval.json").read_text())
    assert report["photos"] == 3 and report["seeds"] == [0, 1]
    assert report["photo_dir"] == "eval"  # the folder's name, not a path of this machine
    assert report["removed_patches"] == 12  # round(16 * 0.75) on the 4x4 grid
    predictor = Predictor(load_checkpoint(checkpoint), "cpu")
    for entry in report["images"]:
        rgb = prepare_image(Image.open(eval_photos / entry["file"]).convert("RGB"), 64)
        predictor.set_image(rgb)
        for k, seed in enumerate((0, 1)):
            mask = random_mask(4, 0.75, seed)
            assert entry["mse"]["mean"][k] == pytest.approx(_mean_fill_mse(rgb, mask, 16), rel=1e-9)
            assert entry["mse"]["model"][k] == pytest.approx(predictor.reconstruct(mask).masked_mse, rel=1e-5)
        expected_psnr = np.mean([10 * math.log10(1 / m) for m in entry["mse"]["telea"]])
        assert entry["psnr"]["telea"] == pytest.approx(expected_psnr)
        # Smooth gradients: inpainting from the borders beats one flat colour.
        assert entry["psnr"]["telea"] > entry["psnr"]["mean"]
    s = report["summary"]
    assert s["telea"]["better_than_mean"] == 1.0
    assert s["mean"]["mean_psnr"] == pytest.approx(np.mean([e["psnr"]["mean"] for e in report["images"]]))
    assert s["model"]["median_psnr"] == pytest.approx(
        np.median([e["psnr"]["model"] for e in report["images"]])
    )
    grid = Image.open(out / "eval_examples.png")
    assert grid.width > 4 * 224 and grid.height > 2 * 224  # 2 rows of 4 panels


def test_baselines_leave_visible_pixels_alone(eval_photos):
    rgb = prepare_image(Image.open(next(eval_photos.iterdir())).convert("RGB"), 64)
    mask = random_mask(4, 0.5, 3)
    pix = baselines.pixel_mask(mask, 64)
    for fill in baselines.BASELINES.values():
        out = fill(rgb, mask)
        assert out.shape == rgb.shape and out.dtype == np.uint8
        assert np.array_equal(out[~pix], rgb[~pix])
    # Whatever sat under the mask must not reach the fill.
    scrambled = rgb.copy()
    scrambled[pix] = 255 - scrambled[pix]
    assert np.array_equal(baselines.telea(scrambled, mask), baselines.telea(rgb, mask))


def test_missing_opencv_is_a_clear_error(monkeypatch, eval_photos):
    monkeypatch.setitem(sys.modules, "cv2", None)
    rgb = np.zeros((64, 64, 3), dtype=np.uint8)
    with pytest.raises(baselines.MissingOpenCV, match="opencv-python-headless"):
        baselines.telea(rgb, random_mask(4, 0.5, 0))


def test_evaluate_refuses_unknown_methods_and_empty_folders(tmp_path, checkpoint, eval_photos):
    predictor = Predictor(load_checkpoint(checkpoint), "cpu")
    with pytest.raises(EvalError, match="unknown methods"):
        evaluate(predictor, EvalOptions(eval_photos, methods=("model", "lama"), progress=False))
    (tmp_path / "none").mkdir()
    with pytest.raises(EvalError, match="no photos"):
        evaluate(predictor, EvalOptions(tmp_path / "none", progress=False))


@pytest.mark.parametrize(
    ("fit", "grids"), [("whole", [[4, 5], [4, 4], [5, 4]]), ("tiles", [[5, 7], [4, 4], [6, 5]])]
)
def test_evaluate_each_fit_on_each_photos_grid(eval_photos, checkpoint, tmp_path, fit, grids, capsys):
    args = ["evaluate", str(eval_photos), "--checkpoint", str(checkpoint), "--no-progress", "--out"]
    assert (
        cli_run([*args, str(tmp_path), "--fit", fit, "--mask-ratio", "0.5", "--methods", "model,mean"]) == 0
    )
    report = json.loads((tmp_path / "eval.json").read_text())
    assert report["fit"] == fit and report["ratio"] == 0.5
    assert [im["grid"] for im in report["images"]] == grids
    predictor = Predictor(load_checkpoint(checkpoint), "cpu")
    first = report["images"][0]
    predictor.set_image(Image.open(eval_photos / first["file"]).convert("RGB"), fit=fit)
    rec = predictor.reconstruct(random_mask(predictor.grid, 0.5, 0))
    assert first["mse"]["model"][0] == pytest.approx(rec.masked_mse, rel=1e-5)
    assert f"(--fit {fit})" in capsys.readouterr().out


def test_evaluate_keeps_ratio_as_a_hidden_alias_of_mask_ratio(eval_photos, checkpoint, tmp_path, capsys):
    args = [
        "evaluate",
        str(eval_photos),
        "--checkpoint",
        str(checkpoint),
        "--no-progress",
        "--methods",
        "mean",
    ]
    assert cli_run([*args, "--ratio", "0.5", "--out", str(tmp_path)]) == 0
    assert json.loads((tmp_path / "eval.json").read_text())["ratio"] == 0.5
    with pytest.raises(SystemExit):
        cli_run(["evaluate", "--help"])
    shown = capsys.readouterr().out
    assert "--mask-ratio" in shown and "--ratio" not in shown.replace("--mask-ratio", "")
