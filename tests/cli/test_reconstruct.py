"""`mae-studio reconstruct`: outputs, numbers, errors, --overwrite, batching."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from PIL import Image

from mae_studio.core import load_model
from mae_studio.core.masks import mask_to_json, random_mask
from mae_studio.core.predictor import Predictor

from .conftest import cli, core_predictor, write_photo

FIELDS = {
    "image": str,
    "checkpoint": str,
    "model": str,
    "mask_ratio": float,
    "mask_source": str,
    "seed": int,
    "grid": list,
    "patch_size": int,
    "masked_patches": int,
    "num_patches": int,
    "removed": list,
    "masked_mse": float,
    "masked_psnr": float,
    "per_patch_mse": list,
    "denormalized": bool,
    "device": str,
    "precision": str,
    "seconds": float,
    "mae_studio": str,
    "comparison": str,
}


def test_outputs_match_the_core_predictor(photos, checkpoint, tmp_path, capsys):
    out = tmp_path / "out"
    rc = cli(
        "reconstruct", photos, "--checkpoint", checkpoint, "--out", out, "--device", "cpu", "--seed", "3"
    )
    assert rc == 0
    predictor = core_predictor(checkpoint)
    mask = random_mask(4, 0.75, 3)
    for name in ("a.png", "b.jpg", "c.png"):
        stem = name.split(".")[0]
        doc = json.loads((out / f"{stem}.json").read_text())
        sheet = Image.open(out / f"{stem}_comparison.png")
        assert sheet.width > 5 * 64 and sheet.height > 64
        predictor.set_image(Image.open(photos / name).convert("RGB"))
        expected = predictor.reconstruct(mask)
        assert doc["masked_patches"] == 12 == expected.masked_count
        assert doc["removed"] == np.flatnonzero(mask).tolist()
        assert doc["masked_mse"] == pytest.approx(expected.masked_mse, rel=1e-5)
        assert doc["masked_psnr"] == pytest.approx(expected.masked_psnr, rel=1e-5)
        np.testing.assert_allclose(
            np.array(doc["per_patch_mse"]), expected.per_patch_mse, rtol=1e-5, atol=1e-7
        )
    table = capsys.readouterr().out
    assert "3/3 images reconstructed" in table and table.count(" ok") == 3


def test_json_schema(photos, checkpoint, tmp_path):
    out = tmp_path / "out"
    assert (
        cli("reconstruct", photos / "a.png", "--checkpoint", checkpoint, "--out", out, "--device", "cpu") == 0
    )
    doc = json.loads((out / "a.json").read_text())
    for key, kind in FIELDS.items():
        assert isinstance(doc[key], kind), key
    assert doc["image"].endswith("a.png") and doc["checkpoint"] == str(checkpoint)
    assert doc["mask_ratio"] == 0.75 and doc["seed"] == 0 and doc["mask_source"] == "random"
    assert doc["grid"] == [4, 4] and doc["num_patches"] == 16 and doc["device"] == "cpu"
    assert doc["precision"] == "fp32"
    assert len(doc["per_patch_mse"]) == 4 and all(len(row) == 4 for row in doc["per_patch_mse"])
    assert doc["masked_psnr"] == pytest.approx(10 * math.log10(1 / doc["masked_mse"]))
    assert doc["comparison"] == "a_comparison.png"


def test_bad_inputs_one_line_each_rest_completes(photos, checkpoint, tmp_path, capsys):
    (photos / "empty.png").write_bytes(b"")
    (photos / "notes.png").write_text("this is text, not a picture\n")
    write_photo(photos / "tiny.png", 5, (8, 8))  # smaller than one patch
    missing = tmp_path / "missing.jpg"
    out = tmp_path / "out"
    rc = cli("reconstruct", photos, missing, "--checkpoint", checkpoint, "--out", out, "--batch-size", "2")
    assert rc == 1
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert "Traceback" not in err
    assert len(lines) == 4, err
    for bad in ("empty.png", "notes.png", "tiny.png", "missing.jpg"):
        assert sum(bad in line for line in lines) == 1, bad
    assert all(line.startswith("mae-studio reconstruct: ") for line in lines)
    for stem in ("a", "b", "c"):
        assert (out / f"{stem}.json").is_file() and (out / f"{stem}_comparison.png").is_file()
    assert not (out / "empty.json").exists() and not (out / "notes_comparison.png").exists()


def test_existing_outputs_kept_unless_overwrite(photos, checkpoint, tmp_path, capsys):
    out = tmp_path / "out"
    image = photos / "a.png"
    assert cli("reconstruct", image, "--checkpoint", checkpoint, "--out", out) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    capsys.readouterr()
    assert cli("reconstruct", image, "--checkpoint", checkpoint, "--out", out, "--seed", "9") == 1
    err = capsys.readouterr().err
    assert "exists (pass --overwrite" in err and "Traceback" not in err
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert (
        cli("reconstruct", image, "--checkpoint", checkpoint, "--out", out, "--seed", "9", "--overwrite") == 0
    )
    after = json.loads((out / "a.json").read_text())
    assert after["seed"] == 9 and after["removed"] == np.flatnonzero(random_mask(4, 0.75, 9)).tolist()
    assert sorted(p.name for p in out.iterdir()) == sorted(before)  # no temp files left behind


def test_batch_size_does_not_change_numbers(photos, checkpoint, tmp_path):
    one, three = tmp_path / "one", tmp_path / "three"
    assert cli("reconstruct", photos, "--checkpoint", checkpoint, "--out", one, "--batch-size", "1") == 0
    assert cli("reconstruct", photos, "--checkpoint", checkpoint, "--out", three, "--batch-size", "3") == 0
    for stem in ("a", "b", "c"):
        x, y = (json.loads((d / f"{stem}.json").read_text()) for d in (one, three))
        assert x["masked_mse"] == pytest.approx(y["masked_mse"], rel=1e-5)
        np.testing.assert_allclose(x["per_patch_mse"], y["per_patch_mse"], rtol=1e-4, atol=1e-7)


def test_fast_precision_runs_the_fast_variant_within_its_error(photos, checkpoint, tmp_path):
    exact, fast = tmp_path / "exact", tmp_path / "fast"
    assert cli("reconstruct", photos, "--checkpoint", checkpoint, "--out", exact, "--device", "cpu") == 0
    args = ("--checkpoint", checkpoint, "--out", fast, "--device", "cpu", "--batch-size", "2")
    assert cli("reconstruct", photos, *args, "--precision", "fast") == 0
    variant = Predictor(load_model(checkpoint), "cpu", "fast").variant
    for stem in ("a", "b", "c"):
        x, y = (json.loads((d / f"{stem}.json").read_text()) for d in (exact, fast))
        assert y["precision"] == variant.name
        if variant.exact:  # no faster path on this CPU: fast is float32
            assert y["masked_mse"] == pytest.approx(x["masked_mse"], rel=1e-5)
        else:
            assert y["masked_mse"] != x["masked_mse"]
            assert y["masked_psnr"] == pytest.approx(x["masked_psnr"], abs=0.5)


def test_mask_file_and_pattern(photos, checkpoint, tmp_path):
    mask = np.zeros((8, 8), dtype=bool)
    mask[:4, :] = True  # top half, on a finer grid than the model's 4x4
    (tmp_path / "m.json").write_text(mask_to_json(mask))
    out = tmp_path / "out"
    rc = cli(
        "reconstruct",
        photos / "a.png",
        "--checkpoint",
        checkpoint,
        "--out",
        out,
        "--mask",
        tmp_path / "m.json",
    )
    assert rc == 0
    doc = json.loads((out / "a.json").read_text())
    assert doc["removed"] == list(range(8)) and doc["seed"] is None and doc["mask_ratio"] == 0.5
    Image.fromarray(np.where(mask, 255, 0).astype(np.uint8)).resize((64, 64), Image.NEAREST).save(
        tmp_path / "m.png"
    )
    rc = cli(
        "reconstruct",
        photos / "a.png",
        "--checkpoint",
        checkpoint,
        "--out",
        out,
        "--overwrite",
        "--mask",
        tmp_path / "m.png",
    )
    assert rc == 0 and json.loads((out / "a.json").read_text())["removed"] == list(range(8))
    rc = cli(
        "reconstruct",
        photos / "a.png",
        "--checkpoint",
        checkpoint,
        "--out",
        out,
        "--overwrite",
        "--pattern",
        "checkerboard",
    )
    assert rc == 0 and json.loads((out / "a.json").read_text())["masked_patches"] == 8


def test_user_errors_are_one_line(photos, checkpoint, tmp_path, capsys):
    rc = cli("reconstruct", photos, "--checkpoint", tmp_path / "nope.safetensors", "--out", tmp_path / "o")
    err = capsys.readouterr().err.strip()
    assert rc == 1 and "\n" not in err and "nope.safetensors" in err
    (tmp_path / "bad.json").write_text("{")
    rc = cli(
        "reconstruct",
        photos,
        "--checkpoint",
        checkpoint,
        "--mask",
        tmp_path / "bad.json",
        "--out",
        tmp_path / "o",
    )
    err = capsys.readouterr().err.strip()
    assert rc == 1 and "\n" not in err and "bad.json" in err and "Traceback" not in err
    with pytest.raises(SystemExit):
        cli("reconstruct", photos, "--mask-ratio", "1.5")
