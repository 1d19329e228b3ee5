"""The tiles fit: a photo at full resolution, reconstructed by overlapping model-size tiles.

The mask lives on the photo's own grid of p x p cells (ceil(H / p) x ceil(W / p); the last row
and column may be partial cells, padded by repeating the edge pixels). Tiles are t x t cells
(the model's grid side, or the photo's where it is smaller) placed on that grid every t - overlap
cells, the last one flush with the far edge, so every tile's patches are photo cells and its
mask is a window of the photo's mask. Tiles removing equally many patches run as one batch.

Overlaps are blended with linear ramps: across an overlap of O px one tile's weight falls as the
next one's rises, the two summing to 1, and a pixel that only one tile covers is that tile's
value exactly. Errors, the masked view and the pasted view are computed on the photo's own
pixels (partial cells count only their pixels inside the photo).

Shapes: T tiles, L = t*t patches per tile, gh x gw photo grid, Hp x Wp = gh*p x gw*p padded.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from .config import IMAGENET_MEAN, IMAGENET_STD
from .fastpath import Engine, ids_from_mask
from .grid import Grid
from .model import CancelCheck, check_cancel
from .pixels import denormalize_patch_stats
from .results import MASK_FILL, Reconstruction, psnr

OVERLAP_CELLS = 2  # cells two neighbouring tiles share (32 px of a 16 px-patch model)
TILE_BATCH = 16  # tiles per forward pass
_MEAN = torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1)
_STD = torch.tensor(IMAGENET_STD).view(1, 3, 1, 1)


@dataclass(frozen=True)
class TileLayout:
    """Where the tiles sit on a photo's grid (all in cells)."""

    grid: Grid  # the photo's cells
    tile: Grid  # cells of one tile
    rows: tuple[int, ...]  # top cell of each tile row
    cols: tuple[int, ...]  # left cell of each tile column
    patch: int  # p: pixels per cell side

    @property
    def origins(self) -> list[tuple[int, int]]:
        """(row, col) of every tile's top-left cell, row-major."""
        return [(r, c) for r in self.rows for c in self.cols]

    def window(self, mask: np.ndarray, origin: tuple[int, int]) -> np.ndarray:
        """The tile's mask: bool [t.h, t.w] cut from the photo's mask [gh, gw]."""
        r, c = origin
        return mask[r : r + self.tile.h, c : c + self.tile.w]

    def weights(self) -> list[np.ndarray]:
        """Per tile, its blending weight float32 [t.h*p, t.w*p]: 1 inside, linear ramps across the
        overlaps with its neighbours."""
        p = self.patch
        ys = _ramps(self.rows, self.tile.h, p)
        xs = _ramps(self.cols, self.tile.w, p)
        return [np.outer(y, x) for y in ys for x in xs]


def axis_origins(cells: int, tile: int, overlap: int) -> tuple[int, ...]:
    """Tile starts along one axis of `cells` cells: every tile - overlap cells (overlap at most
    half a tile), the last tile flush with the end. A regular tile that the flush one would make
    the third over some cells is left out, so no cell lies under more than two tiles."""
    if tile >= cells:
        return (0,)
    stride = max(1, tile - min(overlap, tile // 2))
    starts = list(range(0, cells - tile + 1, stride))
    last = cells - tile
    if starts[-1] != last:
        if len(starts) > 1 and starts[-2] + tile > last:
            starts.pop()
        starts.append(last)
    return tuple(starts)


def tile_layout(grid: Grid, side: int, patch: int, overlap: int = OVERLAP_CELLS) -> TileLayout:
    """Tiles of side x side cells (fewer where the photo is smaller) over `grid`, overlapping by
    `overlap` cells (the flush last tile by at least one)."""
    tile = Grid(min(side, grid.h), min(side, grid.w))
    rows, cols = axis_origins(grid.h, tile.h, overlap), axis_origins(grid.w, tile.w, overlap)
    return TileLayout(grid, tile, rows, cols, patch)


def _ramps(starts: tuple[int, ...], tile: int, p: int) -> list[np.ndarray]:
    """Per tile along one axis, float32 [tile*p]: ramps where it shares pixels with a neighbour."""
    out = []
    for i, start in enumerate(starts):
        w = np.ones(tile * p, dtype=np.float32)
        if i > 0:  # rises across the overlap with the previous tile
            before = (starts[i - 1] + tile - start) * p
            w[:before] = (np.arange(before, dtype=np.float32) + 0.5) / before
        if i + 1 < len(starts):  # falls across the overlap with the next tile
            after = (start + tile - starts[i + 1]) * p
            w[tile * p - after :] = (np.arange(after, dtype=np.float32)[::-1] + 0.5) / after
        out.append(w)
    return out


class TiledImage:
    """The per-image work of the tiles fit (set_image): the photo on the device, edge-padded to
    whole cells, the blending weights, and per precision the tiles' tokens. Blending and errors
    run on the device too (a 12 MP photo is 36 M values)."""

    def __init__(self, rgb: np.ndarray, grid: Grid, side: int, patch: int, device: torch.device) -> None:
        self.original = rgb  # uint8 [H, W, 3]
        self.grid = grid
        self.device = device
        p = patch
        H, W = rgb.shape[:2]
        self.layout = layout = tile_layout(grid, side, p)
        Hp, Wp = grid.pixels(p)
        padded = np.pad(rgb, ((0, Hp - H), (0, Wp - W), (0, 0)), mode="edge")
        self.padded = torch.from_numpy(padded).to(device)  # uint8 [Hp, Wp, 3]
        self.weights = [torch.from_numpy(w).to(device)[:, :, None] for w in layout.weights()]  # [th, tw, 1]
        th, tw = layout.tile.pixels(p)
        total = torch.zeros(Hp, Wp, 1, device=device)
        for (r, c), w in zip(layout.origins, self.weights, strict=True):
            total[r * p : r * p + th, c * p : c * p + tw] += w
        self.total_weight = total[:H, :W]  # [H, W, 1], > 0 everywhere
        inside = torch.zeros(Hp, Wp, device=device)
        inside[:H, :W] = 1
        self.cell_pixels = inside.view(grid.h, p, grid.w, p).sum(dim=(1, 3))  # [gh, gw]
        self.tokens: dict[str, tuple[Tensor, Tensor]] = {}
        self.patch_mean: np.ndarray | None = None  # float32 [T, L] (norm_pix models)
        self.patch_std: np.ndarray | None = None

    def images(self, tiles: Sequence[int]) -> Tensor:
        """Normalized float32 [n, 3, th, tw] of the given tiles, on the device."""
        p = self.layout.patch
        th, tw = self.layout.tile.pixels(p)
        origins = self.layout.origins
        crops = [self.padded[r * p : r * p + th, c * p : c * p + tw] for r, c in (origins[i] for i in tiles)]
        x = torch.stack(crops).permute(0, 3, 1, 2).float() / 255  # [n, 3, th, tw]
        return (x - _MEAN.to(x.device)) / _STD.to(x.device)

    def batches(self) -> list[list[int]]:
        count = len(self.layout.origins)
        return [list(range(i, min(count, i + TILE_BATCH))) for i in range(0, count, TILE_BATCH)]

    def tokens_for(self, engine: Engine) -> tuple[Tensor, Tensor]:
        """tokens [T, L, D], cls [1, 1, D] for the engine's precision, embedded in batches once."""
        name = engine.variant.name
        if name not in self.tokens:
            with torch.inference_mode():
                parts = [engine.embed(self.images(batch)) for batch in self.batches()]
            self.tokens[name] = (torch.cat([t for t, _ in parts]), parts[0][1])
        return self.tokens[name]

    def statistics(self, patchify: Callable[[Tensor], Tensor]) -> tuple[np.ndarray, np.ndarray]:
        """Per tile and patch, the mean and std of the normalized pixels: float32 [T, L] each."""
        if self.patch_mean is None or self.patch_std is None:
            means, stds = [], []
            with torch.inference_mode():
                for batch in self.batches():
                    normed = patchify(self.images(batch))  # [n, L, p*p*3]
                    means.append(normed.mean(dim=-1))
                    stds.append((normed.var(dim=-1) + 1e-6).sqrt())
            self.patch_mean = torch.cat(means).cpu().numpy()
            self.patch_std = torch.cat(stds).cpu().numpy()
        return self.patch_mean, self.patch_std


def reconstruct_tiles(
    state: TiledImage,
    engine: Engine,
    mask: np.ndarray,
    to_pixels: Callable[[Tensor, np.ndarray, list[int]], Tensor],
    should_cancel: CancelCheck = None,
) -> Reconstruction:
    """mask bool [gh, gw] on the photo's grid -> the photo's Reconstruction at full resolution.
    `to_pixels(pred [n, L, p*p*3], removed bool [n, L], tile indices)` turns a batch's prediction
    into [0, 1] pixel patches (the predictor's de-normalization)."""
    layout, p = state.layout, state.layout.patch
    origins = layout.origins
    th, tw = layout.tile.pixels(p)
    tokens, cls = state.tokens_for(engine)
    windows = [layout.window(mask, o).reshape(-1) for o in origins]
    groups: dict[int, list[int]] = defaultdict(list)  # removed count -> tiles: one batch shape each
    for i, removed in enumerate(windows):
        groups[int(removed.sum())].append(i)
    with torch.inference_mode():
        total = torch.zeros(*layout.grid.pixels(p), 3, device=state.device)  # [Hp, Wp, 3]
        for members in groups.values():
            for start in range(0, len(members), TILE_BATCH):
                check_cancel(should_cancel)
                batch = members[start : start + TILE_BATCH]
                removed = np.stack([windows[i] for i in batch])  # [n, L]
                ids = [ids_from_mask(r) for r in removed]
                keep = torch.from_numpy(np.stack([k for k, _ in ids])).to(engine.device)
                restore = torch.from_numpy(np.stack([r for _, r in ids])).to(engine.device)
                index = torch.tensor(batch, device=tokens.device)
                pred = engine.forward(tokens[index], cls, keep, restore, should_cancel, layout.tile)
                pixels = to_pixels(pred, removed, batch)  # [n, L, p*p*3] in [0, 1]
                h, w = layout.tile
                images = pixels.view(-1, h, w, p, p, 3).transpose(2, 3).reshape(-1, th, tw, 3)
                for i, image in zip(batch, images, strict=True):
                    r, c = origins[i]
                    total[r * p : r * p + th, c * p : c * p + tw] += image * state.weights[i]
        return _result(state, mask, total, p)


def _result(state: TiledImage, mask: np.ndarray, total: Tensor, p: int) -> Reconstruction:
    """The blended sums [Hp, Wp, 3] -> the Reconstruction, computed on the device."""
    H, W = state.original.shape[:2]
    pixels = total[:H, :W] / state.total_weight  # [H, W, 3] in [0, 1]
    original = state.padded[:H, :W]
    recon = (pixels * 255 + 0.5).to(torch.uint8)  # pixels are in [0, 1]: rounds
    squared = torch.zeros(*state.grid.pixels(p), device=state.device)
    squared[:H, :W] = ((pixels - original.float() / 255) ** 2).mean(dim=2)
    per_cell = squared.view(state.grid.h, p, state.grid.w, p).sum(dim=(1, 3)) / state.cell_pixels
    removed = torch.from_numpy(mask).to(state.device)
    cover = removed.repeat_interleave(p, 0).repeat_interleave(p, 1)[:H, :W, None]  # [H, W, 1]
    fill = torch.from_numpy(MASK_FILL).to(state.device)
    per_cell_np = per_cell.cpu().numpy().astype(np.float32)
    masked_mse = float(per_cell_np[mask].mean()) if mask.any() else math.nan
    return Reconstruction(
        mask=mask,
        masked=torch.where(cover, fill, original).cpu().numpy(),
        reconstruction=recon.cpu().numpy(),
        pasted=torch.where(cover, recon, original).cpu().numpy(),
        original=state.original,
        per_patch_mse=per_cell_np,
        masked_mse=masked_mse,
        masked_psnr=psnr(masked_mse),
        seconds=0.0,
        denormalized=False,  # set by the predictor
        fit="tiles",
        patch_size=p,
    )


def denormalize_tiles(
    pred: Tensor, removed: np.ndarray, means: np.ndarray, stds: np.ndarray, tile: Grid
) -> Tensor:
    """norm_pix_loss predictions of a batch of tiles [n, L, p*p*3] back to normalized pixels, each
    tile with the statistics of its own visible patches (pixels.denormalize_patch_stats)."""
    stats = [denormalize_patch_stats(m, s, r, tile) for m, s, r in zip(means, stds, removed, strict=True)]
    mean = torch.from_numpy(np.stack([m for m, _ in stats])).to(pred.device)[..., None]  # [n, L, 1]
    std = torch.from_numpy(np.stack([s for _, s in stats])).to(pred.device)[..., None]
    return pred * std + mean
