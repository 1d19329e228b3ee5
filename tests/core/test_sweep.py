"""core.sweep: nested masks per seed, chunks of one ratio, and the per-ratio summary."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from mae_studio.core.errormap import run_all
from mae_studio.core.masks import random_mask
from mae_studio.core.results import Reconstruction
from mae_studio.core.sweep import DEFAULT_RATIOS, Point, summarize, sweep, sweep_masks, sweep_runs


def _fake_many(calls: list[list[np.ndarray]]):  # type: ignore[no-untyped-def]
    """Reconstructions whose masked MSE is the removed fraction (so rows are checkable)."""

    def many(masks: list[np.ndarray]) -> list[Reconstruction]:
        calls.append(masks)
        out = []
        for m in masks:
            assert len({int(x.sum()) for x in masks}) == 1  # one chunk: one removed count
            mse = float(m.mean()) if m.any() else math.nan
            blank = np.zeros((*m.shape, 3), np.uint8)
            per_patch = np.where(m, mse, 0).astype(np.float32)
            out.append(
                Reconstruction(
                    m,
                    blank,
                    blank,
                    blank,
                    blank,
                    per_patch,
                    mse,
                    -10 * math.log10(mse) if m.any() else math.nan,
                    0.0,
                    False,
                )
            )
        return out

    return many


def test_sweep_chunks_nested_masks_and_seeds_in_order():
    calls: list[list[np.ndarray]] = []
    chunks = list(sweep((4, 5), [0.0, 0.25, 0.5], [7, 8, 9], _fake_many(calls), batch_size=2))
    assert [len(c) for c in chunks] == [2, 1] * 3  # up to batch_size masks of ONE ratio per chunk
    points = [p for c in chunks for p in c]
    assert [(p.ratio, p.seed) for p in points] == [(r, s) for r in (0.0, 0.25, 0.5) for s in (7, 8, 9)]
    assert [p.masked for p in points] == [0] * 3 + [5] * 3 + [10] * 3
    assert all(p.total == 20 for p in points)
    for seed in (7, 8, 9):
        masks = sweep_masks((4, 5), 0.25, [seed]) + sweep_masks((4, 5), 0.5, [seed])
        assert masks[1][masks[0]].all()  # nested: patches removed at 25% stay removed at 50%
        np.testing.assert_array_equal(masks[0], random_mask((4, 5), 0.25, seed))
    with pytest.raises(ValueError, match="batch_size"):
        next(sweep(4, [0.5], [0], _fake_many([]), batch_size=0))


def test_sweep_is_lazy_so_a_caller_can_stop_between_chunks():
    calls: list[list[np.ndarray]] = []
    run = sweep(4, DEFAULT_RATIOS, range(3), _fake_many(calls))
    next(run)
    next(run)
    assert len(calls) == 2  # nothing ran ahead
    run.close()


def test_summarize_mean_spread_and_empty_ratio():
    points = [
        Point(0.0, 0, 0, 16, math.nan, math.nan),
        Point(0.5, 0, 8, 16, 0.01, 20.0),
        Point(0.5, 1, 8, 16, 0.03, 15.0),
        Point(0.5, 2, 8, 16, 0.02, 17.0),
        Point(0.75, 0, 12, 16, 0.04, 14.0),
    ]
    rows = summarize(points)
    assert [r["mask_ratio"] for r in rows] == [0.0, 0.5, 0.75]
    assert math.isnan(rows[0]["psnr_mean"]) and rows[0]["seeds"] == 1
    half = rows[1]
    assert half["masked_patches"] == 8 and half["seeds"] == 3
    assert half["psnr_mean"] == pytest.approx(52 / 3)
    assert half["psnr_std"] == pytest.approx(np.std([20, 15, 17], ddof=1))
    assert (half["mse_min"], half["mse_max"]) == (0.01, 0.03)
    assert rows[2]["psnr_std"] == 0.0  # one seed: no spread, not nan
    assert DEFAULT_RATIOS[0] == 0.1 and DEFAULT_RATIOS[-1] == 0.95
    assert all(b > a for a, b in itertools.pairwise(DEFAULT_RATIOS))


def test_sweep_runs_one_mask_at_a_time_gives_the_sweeps_points():
    chunks = list(sweep((4, 5), [0.25, 0.5], [7, 8], _fake_many([]), batch_size=2))
    runs = sweep_runs((4, 5), [0.25, 0.5], [7, 8])
    asked: list[np.ndarray] = []

    def one(mask: np.ndarray) -> Reconstruction:
        asked.append(mask)
        return _fake_many([])([mask])[0]

    assert run_all(runs, one) == [p for c in chunks for p in c]
    assert len(asked) == 4
    np.testing.assert_array_equal(asked[1], random_mask((4, 5), 0.25, 8))
