"""`mae-studio bench` on a tiny checkpoint: every path gets a row with consistent numbers."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from mae_studio.core import load_model
from mae_studio.core.bench import ALL_TOKENS, PREVIEW, TORCH_BLOCKS, before_stroke, bench_model, format_table
from mae_studio.core.masks import random_mask
from mae_studio.core.precision import VARIANTS

from .conftest import cli


def _table_rows(out: str) -> list[list[str]]:
    """Data rows of the printed table (between its rule line and the notes), cells split on
    runs of two or more spaces."""
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("model ")) + 2
    end = next(i for i, line in enumerate(lines) if line.startswith("speed-up:"))
    return [[c.strip() for c in line.split("  ") if c.strip()] for line in lines[start:end] if line.strip()]


def test_bench_rows_and_ratios(checkpoint):
    model = load_model(checkpoint)
    rows = bench_model(model, "tiny", torch.device("cpu"), (0.5, 0.75), ("bf16",), runs=3, warmup=1)
    fast = next(r.path for r in rows if r.path.startswith("fast (")).removeprefix("fast (").split(")")[0]
    assert fast in VARIANTS  # measured on this machine (fast_choice), so not known beforehand
    per_ratio = {r: [row for row in rows if row.ratio == r] for r in (0.5, 0.75)}
    for group in per_ratio.values():
        paths = [row.path for row in group]
        # exact's blocks on ONNX Runtime, and the same call on torch's beside it
        assert paths[:5] == [
            "reference-style fp32",
            ALL_TOKENS,
            "exact",
            "exact" + TORCH_BLOCKS,
            "exact, reconstruct()",
        ]
        assert f"fast ({fast})" in paths and f"fast ({fast}), reconstruct()" in paths
        assert ("bf16" in paths) == (fast != "bf16")
        by_path = {row.path: row for row in group}
        exact = by_path["exact"]
        assert exact.speedup == 1.0 and exact.rel_l2 == 0.0 and exact.dpsnr == 0.0
        assert by_path["reference-style fp32"].rel_l2 < 1e-5  # the same function, other code
        assert by_path["exact" + TORCH_BLOCKS].rel_l2 < 1e-5
        if fast == "int8":  # its int8 copy on torch's int8 beside it
            assert 0 < by_path[f"fast ({fast})" + TORCH_BLOCKS].rel_l2 < 0.06
        else:
            assert f"fast ({fast})" + TORCH_BLOCKS not in by_path
        assert math.isnan(by_path[ALL_TOKENS].rel_l2)  # a different function: no error shown
        for row in group:
            t = row.timing
            assert t.runs == 3 and 0 < t.min_ms <= t.median_ms <= t.max_ms
            assert row.speedup == pytest.approx(exact.timing.median_ms / t.median_ms)
        if fast != "fp32":
            assert 0 < by_path[f"fast ({fast})"].rel_l2 < 0.06
        exact_preview = by_path["exact" + PREVIEW]  # an approximation of exact's full run
        assert 0 < exact_preview.rel_l2 < 1 and math.isfinite(exact_preview.dpsnr)
        assert f"fast ({fast})" + PREVIEW in paths
    table = format_table(rows)
    assert table.count("reference-style fp32") == 2 and "1.00x" in table


def test_bench_command_prints_the_table(checkpoint, capsys):
    argv = ["bench", "--arch", "", "--checkpoint", checkpoint, "--ratios", "0.75", "--device", "cpu"]
    assert cli(*argv, "--runs", "2", "--warmup", "0", "--threads", "1") == 0
    out = capsys.readouterr().out
    assert "fast on cpu:" in out and "CPU:" in out
    assert "fast, as chosen on this machine:\n  tiny.safetensors on cpu: " in out
    rows = _table_rows(out)
    fast_int8 = any(r[3] == "fast (int8)" for r in rows)  # then also on torch's int8: one row more
    # reference, all tokens, exact (on ONNX Runtime, on torch blocks, reconstruct), fast x2, 2 previews
    assert len(rows) == 9 + fast_int8
    exact = next(r for r in rows if r[3] == "exact")
    assert exact[0] == "tiny.safetensors" and exact[1] == "cpu" and exact[2] == "75%"
    assert exact[4] == "2" and exact[7] == "1.00x" and exact[8] == "0.0e+00"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--variants", "fp64"], "--variants 'fp64'"),
        (["--arch", "gigantic"], "--arch 'gigantic'"),
        (["--ratios", "0.5,x"], "--ratios"),
        (["--ratios", "1.5"], "[0, 1]"),
    ],
)
def test_bench_refuses_bad_options(args, message, capsys):
    assert cli("bench", "--device", "cpu", *args) == 1
    assert message in capsys.readouterr().err


def test_bench_numbers_out_of_range_are_usage_errors(capsys):
    with pytest.raises(SystemExit) as e:
        cli("bench", "--device", "cpu", "--runs", "0")
    assert e.value.code == 2 and "argument --runs: must be within 1..10000, got 0" in capsys.readouterr().err


def test_bench_by_default_is_quick_and_prints_group_by_group(checkpoint, capsys):
    argv = ["bench", "--arch", "", "--checkpoint", checkpoint, "--device", "cpu", "--runs", "2"]
    assert cli(*argv, "--warmup", "0", "--threads", "1") == 0
    out = capsys.readouterr().out
    rows = _table_rows(out)
    assert {r[2] for r in rows} == {"75%"}  # one ratio unless --full
    assert out.count("median ms") == 1  # one header; groups follow as they are measured
    assert "--full" in out
    assert cli(*argv, "--warmup", "0", "--threads", "1", "--full", "--arch", "") == 0
    assert {r[2] for r in _table_rows(capsys.readouterr().out)} == {"50%", "75%", "90%"}


def test_before_stroke_shows_again_the_removed_patches_nearest_one_point():
    mask = random_mask(14, 0.75, 0)
    before = before_stroke(mask, 0.05, seed=3)
    shown = mask & ~before
    assert shown.sum() == round(0.05 * 196) and not (before & ~mask).any()  # only removed ones
    rows, cols = np.nonzero(shown)
    assert rows.max() - rows.min() <= 6 and cols.max() - cols.min() <= 6  # one blob, not scattered
    assert np.array_equal(before_stroke(mask, 0.05, seed=3), before)


def test_bench_ops_prints_where_the_time_goes(checkpoint, capsys):
    argv = ["bench", "--ops", "--arch", "", "--checkpoint", checkpoint, "--runs", "2", "--warmup", "0"]
    assert cli(*argv, "--threads", "1") == 0
    out = capsys.readouterr().out
    assert "onnxruntime " in out and "75% removed" in out
    assert "tiny.safetensors: blocks on ONNX Runtime: exact " in out
    lines = [line for line in out.splitlines() if line.startswith("tiny.safetensors  ")]
    rows = [[c.strip() for c in line.split("  ") if c.strip()] for line in lines]
    parts = {(r[2], r[3]) for r in rows}
    assert ("exact", "Gemm") in parts and ("exact", "whole prediction") in parts
    assert "tiny.safetensors, 75%, exact: matrix products " in out


def test_bench_ops_refuses_a_bad_ratio(capsys):
    assert cli("bench", "--ops", "--ratios", "2") == 1
    assert "[0, 1]" in capsys.readouterr().err
