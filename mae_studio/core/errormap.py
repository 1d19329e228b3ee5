"""Error maps with no patch left unseen, and the spread of reconstructions over masks.

One reconstruction only predicts the removed patches, so its error map has holes where the
patches were visible. `full_errormap` splits the grid into K random parts (every patch in
exactly one) and runs the model K times; in run i, part i is removed (plus random context
patches up to the mask ratio, so every patch is predicted under the usual amount of
masking), and part i's predictions are kept. Together: a full-image reconstruction and a
per-patch error for every patch, each predicted exactly once.

Each has a run-wise form (`full_errormap_runs`, `uncertainty_runs`): a generator that yields
each mask it needs reconstructed, is sent that mask's Reconstruction and returns the result. The
caller runs the model: the window one reconstruction per step, re-running one that gave way to
the brush, and reports progress in between.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import TypeVar

import numpy as np

from .grid import Grid, GridLike
from .masks import exact_count, mask_noise, random_mask
from .model import CancelCheck
from .predictor import Predictor
from .results import Reconstruction


def _grid(grid: GridLike) -> tuple[int, int]:
    return Grid.of(grid).shape


def _cover(cells: np.ndarray, p: int, shape: tuple[int, ...]) -> np.ndarray:
    """bool [h, w] cells -> bool [H, W] pixels (a tiled photo's last cells may be partial)."""
    return np.repeat(np.repeat(cells, p, axis=0), p, axis=1)[: shape[0], : shape[1]]


def complementary_masks(grid: GridLike, k: int, seed: int = 0) -> list[np.ndarray]:
    """K bool masks [h, w] whose removed patches partition the grid: disjoint, together
    every patch, sizes differing by at most one, drawn at random by the seed."""
    h, w = _grid(grid)
    if not 1 <= k <= h * w:
        raise ValueError(f"k must be within 1..{h * w} for a {h}x{w} grid, got {k}")
    order = np.argsort(mask_noise((h, w), seed), kind="stable")  # a random permutation of patches
    part = np.empty(h * w, dtype=np.intp)
    part[order] = np.arange(h * w) % k
    return [(part == i).reshape(h, w) for i in range(k)]


def with_context(target: np.ndarray, ratio: float | None, seed: int) -> np.ndarray:
    """`target` plus random other patches until round(L * ratio) are removed (never fewer
    than the target itself): the mask that predicts the target under the usual masking."""
    count = exact_count(target.size, ratio) if ratio is not None else 0
    missing = count - int(target.sum())
    if missing <= 0:
        return target.copy()
    rest = np.flatnonzero(~target.reshape(-1))
    rng = np.random.Generator(np.random.PCG64(seed))
    mask = target.copy().reshape(-1)
    mask[rng.choice(rest, size=missing, replace=False)] = True
    return mask.reshape(target.shape)


def errormap_masks(
    grid: GridLike, k: int = 4, seed: int = 0, ratio: float | None = 0.75
) -> list[tuple[np.ndarray, np.ndarray]]:
    """(target, mask) per run: the part whose predictions are kept, and the mask the model
    sees (the target plus context). ratio None: the mask is the target alone (1/k removed)."""
    targets = complementary_masks(grid, k, seed)
    return [(t, with_context(t, ratio, seed * 1_000_003 + i + 1)) for i, t in enumerate(targets)]


T = TypeVar("T")
# Yields each mask (bool [h, w]) to reconstruct, is sent its Reconstruction; returns the result.
Runs = Generator[np.ndarray, Reconstruction, T]


def run_all(runs: Runs[T], reconstruct: Callable[[np.ndarray], Reconstruction]) -> T:
    """Reconstruct every mask a run-wise computation asks for, in order; return its result."""
    try:
        mask = next(runs)
        while True:
            mask = runs.send(reconstruct(mask))
    except StopIteration as end:
        return end.value


def full_errormap(
    predictor: Predictor,
    k: int = 4,
    seed: int = 0,
    ratio: float | None = 0.75,
    should_cancel: CancelCheck = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Every patch of the predictor's current image reconstructed exactly once, in K runs.

    Returns (reconstruction uint8 [H, W, 3], per-patch MSE float32 [h, w] of [0, 1] pixels) on
    the current image's grid (any fit). Raises Cancelled when should_cancel() turns true."""
    runs = full_errormap_runs(predictor, k, seed, ratio)
    return run_all(runs, lambda mask: predictor.reconstruct(mask, should_cancel))


def full_errormap_runs(
    predictor: Predictor, k: int = 4, seed: int = 0, ratio: float | None = 0.75
) -> Runs[tuple[np.ndarray, np.ndarray]]:
    """full_errormap, one mask at a time (the predictor gives the grid and the photo; the
    caller reconstructs)."""
    p = predictor.patch_size
    grid = predictor.grid
    recon = np.zeros_like(predictor.original)
    per_patch = np.full(grid.shape, np.nan, dtype=np.float32)
    for target, mask in errormap_masks(grid, k, seed, ratio):
        result = yield mask
        per_patch[target] = result.per_patch_mse[target]
        cover = _cover(target, p, recon.shape)  # [H, W]
        recon[cover] = result.reconstruction[cover]
    return recon, per_patch


def uncertainty(
    predictor: Predictor,
    n: int = 8,
    ratio: float = 0.75,
    seed: int = 0,
    should_cancel: CancelCheck = None,
) -> np.ndarray:
    """Per-pixel spread of the reconstructions over n random masks (see uncertainty_runs)."""
    runs = uncertainty_runs(predictor, n, ratio, seed)
    return run_all(runs, lambda mask: predictor.reconstruct(mask, should_cancel))


def uncertainty_runs(
    predictor: Predictor, n: int = 8, ratio: float = 0.75, seed: int = 0
) -> Runs[np.ndarray]:
    """Per-pixel spread of the reconstructions over n random masks (seeds seed..seed+n-1):
    for each pixel, the standard deviation of its predicted [0, 1] value over the runs in
    which its patch was removed, averaged over RGB. float32 [H, W]; nan where a patch was
    removed in fewer than two runs (no spread to measure)."""
    if n < 2:
        raise ValueError(f"the spread needs at least 2 masks, got {n}")
    p = predictor.patch_size
    grid = predictor.grid
    H, W = predictor.original.shape[:2]
    total = np.zeros((H, W, 3), dtype=np.float64)
    total_sq = np.zeros((H, W, 3), dtype=np.float64)
    count = np.zeros((H, W, 1), dtype=np.float64)
    for i in range(n):
        mask = random_mask(grid, ratio, seed + i)
        result = yield mask
        cover = _cover(mask, p, (H, W))[:, :, None]  # [H, W, 1]
        values = result.reconstruction.astype(np.float64) / 255.0
        total += values * cover
        total_sq += values**2 * cover
        count += cover
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = total / count
        var = np.maximum(total_sq / count - mean**2, 0.0) * count / (count - 1)  # unbiased
    std = np.sqrt(var).mean(axis=2)
    std[count[:, :, 0] < 2] = np.nan
    return std.astype(np.float32)
