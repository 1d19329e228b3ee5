"""Small numpy pieces of turning predictions into pictures (shapes: L patches, h x w grid,
p patch side, H = h*p, W = w*p image sides)."""

from __future__ import annotations

import numpy as np

from .grid import Grid, GridLike

# How many visible neighbours lend their statistics to a removed patch (norm_pix models).
NEIGHBOURS = 4


def patches_to_image(patches: np.ndarray, grid: GridLike, patch: int) -> np.ndarray:
    """[..., L, p*p*3] patches laid out (p, p, 3), row-major over the grid -> [..., H, W, 3]."""
    h, w = Grid.of(grid)
    lead = patches.shape[:-2]
    x = patches.reshape(*lead, h, w, patch, patch, 3)  # [..., h, w, p, p, 3]
    x = np.moveaxis(x, -4, -3)  # [..., h, p, w, p, 3]
    return np.ascontiguousarray(x).reshape(*lead, h * patch, w * patch, 3)


def image_to_patches(image: np.ndarray, patch: int) -> np.ndarray:
    """[H, W, C] image -> [L, p*p*C] patches laid out (p, p, C) (the model's patchify)."""
    H, W, C = image.shape
    h, w = H // patch, W // patch
    x = image.reshape(h, patch, w, patch, C).transpose(0, 2, 1, 3, 4)  # [h, w, p, p, C]
    return x.reshape(h * w, patch * patch * C)


def denormalize_patch_stats(
    mean: np.ndarray, std: np.ndarray, removed: np.ndarray, grid: GridLike
) -> tuple[np.ndarray, np.ndarray]:
    """Statistics that turn a norm_pix_loss prediction back into the normalized image.

    mean, std float [L]: each patch's own statistics; removed bool [L]. Visible patches keep
    their own; a removed patch gets an inverse-distance blend of its NEIGHBOURS nearest visible
    patches' statistics (its own would leak the answer). No visible patch: mean 0, std 1.
    Returns float32 (mean [L], std [L])."""
    removed = np.asarray(removed, dtype=bool).reshape(-1)
    mean = np.asarray(mean, dtype=np.float32).copy()
    std = np.asarray(std, dtype=np.float32).copy()
    visible = ~removed
    if not visible.any():
        return np.zeros_like(mean), np.ones_like(std)
    if visible.all():
        return mean, std
    h, w = Grid.of(grid)
    rows, cols = np.divmod(np.arange(h * w), w)
    pos = np.stack((rows, cols), axis=1).astype(np.float64)  # [L, 2]
    dist = np.linalg.norm(pos[removed][:, None, :] - pos[visible][None, :, :], axis=-1)  # [R, V]
    k = min(NEIGHBOURS, int(visible.sum()))
    nearest = np.argsort(dist, axis=1, kind="stable")[:, :k]  # [R, k]
    weight = 1.0 / np.take_along_axis(dist, nearest, axis=1)
    weight /= weight.sum(axis=1, keepdims=True)
    mean[removed] = (mean[visible][nearest] * weight).sum(axis=1)
    std[removed] = (std[visible][nearest] * weight).sum(axis=1)
    return mean, std
