"""`mae-studio sweep`: nested masks per seed, CSV, summary and plot."""

from __future__ import annotations

import csv
import itertools
import sys

import numpy as np
import pytest
from PIL import Image

from mae_studio.cli.cmd_sweep import parse_ratios
from mae_studio.core.masks import random_mask

from .conftest import cli, core_predictor, write_photo


def _rows(path):
    with path.open(newline="") as f:
        return list(csv.DictReader(f))


def test_parse_ratios():
    assert parse_ratios("0.1:0.95:0.05") == pytest.approx([0.1 + 0.05 * i for i in range(18)])
    assert parse_ratios("0:1:0.25") == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert parse_ratios("0.75,0.5,0.5") == [0.5, 0.75]
    for bad in ("0.2:0.1:-1", "a,b", "0.5,1.5"):
        with pytest.raises(Exception, match="ratio"):
            parse_ratios(bad)


def test_sweep_csv_is_nested_and_matches_the_core(tmp_path, checkpoint, capsys):
    image = write_photo(tmp_path / "img.png", 4)
    out = tmp_path / "out"
    rc = cli(
        "sweep",
        image,
        "--checkpoint",
        checkpoint,
        "--out",
        out,
        "--ratios",
        "0.1:0.9:0.2",
        "--seeds",
        "3",
        "--batch-size",
        "2",
    )
    assert rc == 0
    rows = _rows(out / "img_sweep.csv")
    ratios = [0.1, 0.3, 0.5, 0.7, 0.9]
    assert len(rows) == len(ratios) * 3
    predictor = core_predictor(checkpoint)
    predictor.set_image(Image.open(image).convert("RGB"))
    for seed in (0, 1, 2):
        mine = [r for r in rows if int(r["seed"]) == seed]
        assert [float(r["mask_ratio"]) for r in mine] == ratios
        counts = [int(r["masked_patches"]) for r in mine]
        assert counts == [round(16 * x) for x in ratios] and counts == sorted(counts)
        masks = [random_mask(4, x, seed) for x in ratios]
        for smaller, larger in itertools.pairwise(masks):
            assert (larger[smaller]).all()  # nested: removed patches stay removed
        for row, mask in zip(mine, masks, strict=True):
            assert float(row["masked_mse"]) == pytest.approx(predictor.reconstruct(mask).masked_mse, rel=1e-5)
    summary = _rows(out / "img_sweep_summary.csv")
    assert [float(r["mask_ratio"]) for r in summary] == ratios
    for s in summary:
        group = [float(r["masked_psnr_db"]) for r in rows if r["mask_ratio"] == s["mask_ratio"]]
        assert float(s["psnr_mean"]) == pytest.approx(np.mean(group))
        assert float(s["psnr_std"]) == pytest.approx(np.std(group, ddof=1))
        assert int(s["seeds"]) == 3
    plot = Image.open(out / "img_sweep.png")
    assert plot.width > 800 and plot.height > 300
    assert "0.50" in capsys.readouterr().out


def test_sweep_without_matplotlib_writes_csv_and_says_why(tmp_path, checkpoint, capsys, monkeypatch):
    for name in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib -> ImportError
    image = write_photo(tmp_path / "img.png", 4)
    out = tmp_path / "out"
    rc = cli("sweep", image, "--checkpoint", checkpoint, "--out", out, "--ratios", "0.5,0.75", "--seeds", "1")
    assert rc == 1
    err = capsys.readouterr().err
    assert "matplotlib" in err and "mae-studio[plot]" in err and "Traceback" not in err
    assert (out / "img_sweep.csv").is_file() and not (out / "img_sweep.png").exists()
    assert (
        cli(
            "sweep",
            image,
            "--checkpoint",
            checkpoint,
            "--out",
            out,
            "--ratios",
            "0.5",
            "--seeds",
            "1",
            "--no-plot",
            "--overwrite",
        )
        == 0
    )


def test_sweep_refuses_to_overwrite(tmp_path, checkpoint, capsys):
    image = write_photo(tmp_path / "img.png", 4)
    out = tmp_path / "out"
    args = (
        "sweep",
        image,
        "--checkpoint",
        checkpoint,
        "--out",
        out,
        "--ratios",
        "0.5",
        "--seeds",
        "1",
        "--no-plot",
    )
    assert cli(*args) == 0
    before = (out / "img_sweep.csv").read_bytes()
    capsys.readouterr()
    assert cli(*args) == 1
    assert "--overwrite" in capsys.readouterr().err
    assert (out / "img_sweep.csv").read_bytes() == before
