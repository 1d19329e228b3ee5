"""Patch masks as bool grids [h, w] (True = removed), and the ways a user makes them.

Random masks are reproducible across runs and machines (PCG64 from the seed) and nested:
for one seed, the patches removed at a lower ratio stay removed at every higher ratio.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .grid import Grid, GridLike

Cell = tuple[int, int]  # (row, col) of one patch


def _grid(grid: GridLike) -> tuple[int, int]:
    return Grid.of(grid).shape


def exact_count(num_patches: int, ratio: float) -> int:
    """Patches a ratio removes: round(L * ratio), clamped to [0, L]."""
    if not 0.0 <= ratio <= 1.0:
        raise ValueError(f"mask ratio must be within 0..1, got {ratio}")
    return min(num_patches, max(0, round(num_patches * ratio)))


def mask_noise(grid: GridLike, seed: int) -> np.ndarray:
    """The per-patch noise [L] of a seed; lower noise = removed later (kept longer)."""
    h, w = _grid(grid)
    return np.random.Generator(np.random.PCG64(seed)).random(h * w)


def random_mask(grid: GridLike, ratio: float, seed: int) -> np.ndarray:
    """Exactly round(L * ratio) removed patches, chosen by the seed; nested in the ratio."""
    h, w = _grid(grid)
    count = exact_count(h * w, ratio)
    order = np.argsort(-mask_noise((h, w), seed), kind="stable")  # highest noise removed first
    flat = np.zeros(h * w, dtype=bool)
    flat[order[:count]] = True
    return flat.reshape(h, w)


def block_mask(grid: GridLike, ratio: float, seed: int) -> np.ndarray:
    """Block-wise masking (BEiT): random rectangles until round(L * ratio) patches are removed."""
    h, w = _grid(grid)
    target = exact_count(h * w, ratio)
    rng = np.random.Generator(np.random.PCG64(seed))
    mask = np.zeros((h, w), dtype=bool)
    min_block = 4
    for _ in range(10_000):
        done = int(mask.sum())
        if done >= target:
            break
        area = rng.uniform(min_block, max(min_block, target - done))
        aspect = math.exp(rng.uniform(math.log(0.3), math.log(1 / 0.3)))
        bh = min(h, max(1, round(math.sqrt(area * aspect))))
        bw = min(w, max(1, round(math.sqrt(area / aspect))))
        top = int(rng.integers(0, h - bh + 1))
        left = int(rng.integers(0, w - bw + 1))
        block = mask[top : top + bh, left : left + bw]
        if done + int((~block).sum()) <= target:
            block[:] = True
    rest = np.flatnonzero(~mask.reshape(-1))  # top up one patch at a time for an exact count
    missing = target - int(mask.sum())
    if missing > 0:
        mask.reshape(-1)[rng.choice(rest, size=missing, replace=False)] = True
    return mask


def grid_mask(grid: GridLike, ratio: float = 0.75) -> np.ndarray:
    """Keep one patch per s x s cell on a regular lattice, s chosen so the removed fraction on this
    grid is nearest ratio (ties: the smaller s)."""
    h, w = _grid(grid)
    # Counted on the actual grid: e.g. ratio 0.5 gets s=2 (75%), nearer than s=1 (nothing removed).
    s = min(
        range(1, max(h, w) + 1),
        key=lambda s: abs(h * w - math.ceil(h / s) * math.ceil(w / s) - ratio * h * w),
    )
    mask = np.ones((h, w), dtype=bool)
    mask[::s, ::s] = False
    return mask


def checkerboard_mask(grid: GridLike) -> np.ndarray:
    h, w = _grid(grid)
    rows, cols = np.indices((h, w))
    return (rows + cols) % 2 == 1


def centre_mask(grid: GridLike, ratio: float = 0.25) -> np.ndarray:
    """A centred box of about ratio * L patches removed."""
    h, w = _grid(grid)
    bh = min(h, max(0, round(h * math.sqrt(ratio))))
    bw = min(w, max(0, round(w * math.sqrt(ratio))))
    mask = np.zeros((h, w), dtype=bool)
    top, left = (h - bh) // 2, (w - bw) // 2
    mask[top : top + bh, left : left + bw] = True
    return mask


def border_mask(grid: GridLike, ratio: float = 0.5) -> np.ndarray:
    """A border ring of about ratio * L patches removed (the centre stays visible)."""
    return ~centre_mask(grid, 1.0 - ratio)


@dataclass(frozen=True)
class Pattern:
    """One way of generating a mask; adding a pattern is one entry in PATTERN_REGISTRY."""

    key: str  # its one name: --pattern, session and mask files, the window's combo box data
    label: str  # shown in the window and in undo texts
    make: Callable[[GridLike, float, int], np.ndarray]  # (grid, ratio, seed) -> bool [h, w]
    uses_ratio: bool  # the ratio changes it (checkerboard is always 50%)
    uses_seed: bool  # the seed changes it
    help: str = ""


PATTERN_REGISTRY: dict[str, Pattern] = {
    p.key: p
    for p in (
        Pattern("random", "Random", random_mask, True, True, "exactly round(L * ratio) patches, by the seed"),
        Pattern("block", "Block-wise", block_mask, True, True, "random rectangles (BEiT), exact count"),
        Pattern("grid", "Grid", lambda g, r, s: grid_mask(g, r), True, False, "one kept per s x s cell"),
        Pattern("checkerboard", "Checkerboard", lambda g, r, s: checkerboard_mask(g), False, False,
                "every other patch (always 50%)"),
        Pattern("centre", "Centre box", lambda g, r, s: centre_mask(g, r), True, False,
                "a centred box of about ratio * L patches"),
        Pattern("border", "Border", lambda g, r, s: border_mask(g, r), True, False,
                "a border ring of about ratio * L patches"),
    )
}  # fmt: skip
PATTERNS = tuple(PATTERN_REGISTRY)  # the keys, in the order the window and --help list them
_ALIASES = {"center": "centre"}


def pattern(key: str) -> Pattern:
    """The registry entry of a pattern key (ValueError naming the choices for an unknown one)."""
    entry = PATTERN_REGISTRY.get(_ALIASES.get(key, key))
    if entry is None:
        raise ValueError(f"unknown mask pattern '{key}' (choose from {', '.join(PATTERNS)})")
    return entry


def pattern_mask(key: str, grid: GridLike, ratio: float, seed: int = 0) -> np.ndarray:
    """One of PATTERNS on `grid`. Random and block remove exactly round(L * ratio); the others
    follow their geometry as closely as the grid allows (checkerboard is always 50%)."""
    return pattern(key).make(grid, ratio, seed)


def invert(mask: np.ndarray) -> np.ndarray:
    return ~mask.astype(bool)


def clear(grid: GridLike) -> np.ndarray:
    return np.zeros(_grid(grid), dtype=bool)


# ----------------------------------------------------------------------------------
# pixel space <-> patch grid


def cells_in_disc(x: float, y: float, radius: float, patch_size: int, grid: GridLike) -> set[Cell]:
    """Patch cells (row, col) that a round brush of `radius` px at (x, y) touches.

    A cell is touched when the disc reaches into it (touching its edge at one point does
    not count); radius 0 touches the cell under the point. Coordinates are in model-input
    pixels.
    """
    h, w = _grid(grid)
    p = patch_size
    r = max(0.0, radius)
    if r == 0:
        row, col = int(y // p), int(x // p)
        return {(row, col)} if 0 <= row < h and 0 <= col < w else set()
    cells = set()
    for row in range(max(0, int((y - r) // p)), min(h - 1, int((y + r) // p)) + 1):
        for col in range(max(0, int((x - r) // p)), min(w - 1, int((x + r) // p)) + 1):
            nx = min(max(x, col * p), (col + 1) * p)  # nearest point of the cell to (x, y)
            ny = min(max(y, row * p), (row + 1) * p)
            if (nx - x) ** 2 + (ny - y) ** 2 < r * r:
                cells.add((row, col))
    return cells


def cells_along_stroke(
    points: Iterable[tuple[float, float]], radius: float, patch_size: int, grid: GridLike
) -> set[Cell]:
    """Cells touched by a brush dragged through `points`, sampled densely between them."""
    cells: set[Cell] = set()
    prev = None
    step = max(1.0, min(radius, patch_size / 2))
    for x, y in points:
        if prev is None:
            cells |= cells_in_disc(x, y, radius, patch_size, grid)
        else:
            dist = math.hypot(x - prev[0], y - prev[1])
            n = max(1, math.ceil(dist / step))
            for i in range(1, n + 1):
                t = i / n
                cx, cy = prev[0] + (x - prev[0]) * t, prev[1] + (y - prev[1]) * t
                cells |= cells_in_disc(cx, cy, radius, patch_size, grid)
        prev = (x, y)
    return cells


def cells_in_rect(x0: float, y0: float, x1: float, y1: float, patch_size: int, grid: GridLike) -> set[Cell]:
    """Cells overlapping the pixel rectangle with corners (x0, y0) and (x1, y1)."""
    h, w = _grid(grid)
    p = patch_size
    left, right = sorted((x0, x1))
    top, bottom = sorted((y0, y1))
    rows = range(max(0, int(top // p)), min(h - 1, int(bottom // p)) + 1)
    cols = range(max(0, int(left // p)), min(w - 1, int(right // p)) + 1)
    return {(r, c) for r in rows for c in cols}


def rasterize(mask: np.ndarray, grid: GridLike) -> np.ndarray:
    """Carry a mask to another patch grid over the same image: a new cell is removed when
    at least half of its area was removed.

    Exact and separable: along each axis, an [new, old] matrix holds how much of each new
    cell each old cell covers, in integer units (1 / (old * new) of the side), so the removed
    area of every new cell is a product of two small matrices with the mask; memory grows with
    the grids' sides, not with their least common multiple (a 1021 x 1019 mask to 14 x 14
    stays a few megabytes)."""
    h, w = _grid(grid)
    oh, ow = mask.shape
    if (oh, ow) == (h, w):
        return mask.astype(bool).copy()
    if min(oh, ow, h, w) < 1 or h * oh + w * ow > MAX_RASTER_CELLS:
        raise ValueError(f"cannot carry a {oh}x{ow} mask to a {h}x{w} grid (too large or empty)")
    rows, cols = _overlap(oh, h), _overlap(ow, w)  # [h, oh], [w, ow]
    # Removed area per (old row, new column), a band of old rows at a time: [oh, w].
    step = max(1, (1 << 21) // ow)
    per_row = np.concatenate(
        [mask[i : i + step].astype(np.float64) @ cols.T for i in range(0, oh, step)], axis=0
    )
    removed = rows @ per_row  # [h, w]; integers up to oh * ow, exact in float64
    return 2 * removed >= oh * ow  # each new cell's area is oh * ow units


MAX_RASTER_CELLS = 1 << 24  # h * oh + w * ow: the two overlap matrices, 128 MiB of float64 at most


def _overlap(old: int, new: int) -> np.ndarray:
    """float64 [new, old]: the length of old cell a inside new cell i, with the side measured
    as old * new units (old cells are `new` units long, new cells `old` units)."""
    i = np.arange(new)[:, None]
    a = np.arange(old)[None, :]
    length = np.minimum((i + 1) * old, (a + 1) * new) - np.maximum(i * old, a * new)
    return np.maximum(length, 0).astype(np.float64)


# ----------------------------------------------------------------------------------
# model tensors and files


def to_flat(mask: np.ndarray) -> np.ndarray:
    """bool [h, w] -> float32 [L] in the model's row-major patch order (1 = removed)."""
    return mask.astype(np.float32).reshape(-1)


def from_flat(flat: np.ndarray, grid: GridLike) -> np.ndarray:
    return np.asarray(flat).reshape(_grid(grid)) > 0.5


def mask_to_json(mask: np.ndarray, **info: Any) -> str:
    """The mask as JSON: grid, removed patch indices (row-major) and whatever `info` adds."""
    h, w = mask.shape
    doc = {"grid": [h, w], "removed": np.flatnonzero(mask.reshape(-1)).tolist(), **info}
    doc["removed_count"] = len(doc["removed"])
    return json.dumps(doc, indent=1)


MAX_GRID_SIDE = 1024  # patches per side a mask file may have (a 14 px ViT-H at 224 px has 16)


def mask_from_json(text: str) -> tuple[np.ndarray, dict[str, Any]]:
    """Parse mask_to_json output; raises ValueError with the reason when malformed (deep nesting
    included: the parser's RecursionError is a reason, not a crash)."""
    try:
        doc = json.loads(text)
    except RecursionError as e:
        raise ValueError("nested too deeply to be a mask") from e
    if not isinstance(doc, dict):
        raise ValueError("a mask file holds a JSON object")
    grid, removed = doc.get("grid"), doc.get("removed")
    # Strict types: int("7") or iterating the string "123" would silently read another mask.
    if not (isinstance(grid, list) and len(grid) == 2 and isinstance(removed, list)) or not all(
        isinstance(v, int) and not isinstance(v, bool) for v in itertools.chain(grid, removed)
    ):
        raise ValueError("a mask file needs 'grid' [h, w] and 'removed' [patch indices], all integers")
    h, w = grid
    if not (0 < h <= MAX_GRID_SIDE and 0 < w <= MAX_GRID_SIDE):
        raise ValueError(f"implausible grid {h}x{w}")
    if any(i < 0 or i >= h * w for i in removed):
        raise ValueError(f"patch indices must lie within 0..{h * w - 1}")
    flat = np.zeros(h * w, dtype=bool)
    flat[removed] = True
    info = {k: v for k, v in doc.items() if k not in ("grid", "removed", "removed_count")}
    return flat.reshape(h, w), info


def mask_to_image(mask: np.ndarray) -> np.ndarray:
    """uint8 [h, w] image of the patch grid, one pixel per patch: 255 = removed."""
    return np.where(mask, 255, 0).astype(np.uint8)


def mask_from_image(pixels: np.ndarray, grid: GridLike) -> np.ndarray:
    """A grey image (one pixel per patch, or any multiple of the grid) -> bool mask."""
    h, w = _grid(grid)
    if pixels.ndim == 3:  # drop an alpha channel (LA, RGBA) before averaging the colour
        pixels = pixels[..., : 1 if pixels.shape[2] == 2 else 3].mean(axis=2)
    ih, iw = pixels.shape
    if ih % h or iw % w:
        raise ValueError(f"a {iw}x{ih} mask image does not fit the {w}x{h} patch grid")
    cells = pixels.reshape(h, ih // h, w, iw // w).astype(np.float32).mean(axis=(1, 3))
    return cells >= 128
