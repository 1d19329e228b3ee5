"""Small numpy pieces of turning predictions into pictures (shapes: L patches, g grid side,
p patch side, S = g*p image side)."""

from __future__ import annotations

import numpy as np

# How many visible neighbours lend their statistics to a removed patch (norm_pix models).
NEIGHBOURS = 4


def patches_to_image(patches: np.ndarray, grid: int, patch: int) -> np.ndarray:
    """[L, p*p*3] patches laid out (p, p, 3), row-major over the grid -> [S, S, 3] image."""
    x = patches.reshape(grid, grid, patch, patch, 3)  # [h, w, p, p, 3]
    return np.ascontiguousarray(x.transpose(0, 2, 1, 3, 4)).reshape(grid * patch, grid * patch, 3)


def image_to_patches(image: np.ndarray, patch: int) -> np.ndarray:
    """[S, S, C] image -> [L, p*p*C] patches laid out (p, p, C) (the model's patchify)."""
    S, _, C = image.shape
    g = S // patch
    x = image.reshape(g, patch, g, patch, C).transpose(0, 2, 1, 3, 4)  # [h, w, p, p, C]
    return x.reshape(g * g, patch * patch * C)


def denormalize_patch_stats(
    mean: np.ndarray, std: np.ndarray, removed: np.ndarray, grid: int
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
    rows, cols = np.divmod(np.arange(grid * grid), grid)
    pos = np.stack((rows, cols), axis=1).astype(np.float64)  # [L, 2]
    dist = np.linalg.norm(pos[removed][:, None, :] - pos[visible][None, :, :], axis=-1)  # [R, V]
    k = min(NEIGHBOURS, int(visible.sum()))
    nearest = np.argsort(dist, axis=1, kind="stable")[:, :k]  # [R, k]
    weight = 1.0 / np.take_along_axis(dist, nearest, axis=1)
    weight /= weight.sum(axis=1, keepdims=True)
    mean[removed] = (mean[visible][nearest] * weight).sum(axis=1)
    std[removed] = (std[visible][nearest] * weight).sum(axis=1)
    return mean, std
