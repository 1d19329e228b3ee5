"""Masked error against the mask ratio for one photo, over several seeds (`mae-studio sweep` and
the window's Analysis > Mask-Ratio Sweep).

Masks are nested per seed (masks.random_mask: one noise draw per seed, the patches removed at a
lower ratio stay removed at every higher one), so a curve shows what removing more patches
costs, not the luck of a new draw at every ratio. Torch-free: the caller hands in how a list of
masks (all removing the same count) becomes reconstructions, one at a time or batched.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from .grid import GridLike
from .masks import random_mask
from .results import Reconstruction

MAE_TRAINING_RATIO = 0.75  # the ratio the published MAE models were trained at
DEFAULT_RATIOS = tuple(round(0.1 + 0.05 * i, 6) for i in range(18))  # 0.1..0.95

# masks (bool [h, w], equal removed counts) -> one Reconstruction each, in order
ReconstructMany = Callable[[list[np.ndarray]], list[Reconstruction]]


@dataclass(frozen=True)
class Point:
    """One reconstruction of the sweep."""

    ratio: float
    seed: int
    masked: int  # patches removed
    total: int  # patches on the grid
    mse: float  # masked MSE of [0, 1] pixels (nan when nothing is removed)
    psnr: float  # masked PSNR in dB

    @classmethod
    def of(cls, ratio: float, seed: int, r: Reconstruction) -> Point:
        return cls(ratio, seed, r.masked_count, int(r.mask.size), r.masked_mse, r.masked_psnr)


def sweep_masks(grid: GridLike, ratio: float, seeds: Sequence[int]) -> list[np.ndarray]:
    """The nested random masks of one ratio, one per seed (each removes round(L * ratio))."""
    return [random_mask(grid, ratio, s) for s in seeds]


def sweep(
    grid: GridLike,
    ratios: Sequence[float],
    seeds: Sequence[int],
    reconstruct_many: ReconstructMany,
    batch_size: int = 1,
) -> Iterator[list[Point]]:
    """Run the sweep chunk by chunk: yields the Points of up to `batch_size` masks of one ratio
    at a time (ratios in the given order, seeds in order), so a caller can report progress,
    stop between chunks, or let other work run."""
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    seeds = list(seeds)
    for ratio in ratios:
        for start in range(0, len(seeds), batch_size):
            chunk = seeds[start : start + batch_size]
            results = reconstruct_many(sweep_masks(grid, ratio, chunk))
            yield [Point.of(ratio, s, r) for s, r in zip(chunk, results, strict=True)]


def sweep_runs(
    grid: GridLike, ratios: Sequence[float], seeds: Sequence[int]
) -> Generator[np.ndarray, Reconstruction, list[Point]]:
    """The sweep one mask at a time, in sweep's order: yields each mask, is sent its
    Reconstruction, returns every Point (core.errormap.run_all drives it to the end)."""
    points = []
    for ratio in ratios:
        for seed in seeds:
            result = yield sweep_masks(grid, ratio, [seed])[0]
            points.append(Point.of(ratio, seed, result))
    return points


def summarize(points: Sequence[Point]) -> list[dict[str, float]]:
    """Per ratio: patches removed, and mean / sample std / min / max of MSE and PSNR over seeds."""
    rows = []
    for ratio in sorted({p.ratio for p in points}):
        group = [p for p in points if p.ratio == ratio]
        mse = np.array([p.mse for p in group], dtype=np.float64)
        db = np.array([p.psnr for p in group], dtype=np.float64)
        ok = np.isfinite(mse) & np.isfinite(db)  # ratio 0 (nothing removed) has no masked error
        mse, db = mse[ok], db[ok]
        rows.append(
            {
                "mask_ratio": ratio,
                "masked_patches": group[0].masked,
                "num_patches": group[0].total,
                "seeds": len(group),
                **{f"mse_{f}": _stat(mse, f) for f in ("mean", "std", "min", "max")},
                **{f"psnr_{f}": _stat(db, f) for f in ("mean", "std", "min", "max")},
            }
        )
    return rows


def _stat(a: np.ndarray, f: str) -> float:
    """mean, std (sample; 0 for one value), min or max of a; nan when a is empty."""
    if not a.size:
        return math.nan
    if f == "std":
        return float(a.std(ddof=1)) if a.size > 1 else 0.0
    return float(getattr(a, f)())
