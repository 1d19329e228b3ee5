"""The tiles fit: full resolution, the mask on the photo's own grid, overlaps blended so that a
pixel under one tile is that tile's value and seams do not jump."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from mae_studio.core.grid import Grid
from mae_studio.core.masks import random_mask
from mae_studio.core.model import MaskedAutoencoderViT
from mae_studio.core.predictor import MASK_FILL, Predictor, load_predictor
from mae_studio.core.tiles import axis_origins, tile_layout
from tests.core.test_precision import tiny_model


def _photo(height: int, width: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:height, 0:width]
    img = np.stack([xx * 255 / width, yy * 255 / height, 128 + 60 * np.sin(xx / 9.0)], axis=-1)
    return np.clip(img + rng.normal(0, 12, img.shape), 0, 255).astype(np.uint8)


def test_tile_origins_step_by_tile_minus_overlap_and_end_flush() -> None:
    assert axis_origins(28, 14, 2) == (0, 12, 14)
    assert axis_origins(14, 14, 2) == (0,)
    assert axis_origins(10, 14, 2) == (0,)  # a photo smaller than a tile: one smaller tile
    assert axis_origins(188, 14, 2)[-1] == 174 and axis_origins(188, 14, 2)[:3] == (0, 12, 24)
    assert axis_origins(27, 14, 2) == (0, 13)  # not (0, 12, 13): cell 13 would lie under three
    layout = tile_layout(Grid(10, 15), side=4, patch=16)
    assert layout.tile == Grid(4, 4) and layout.rows == (0, 2, 4, 6)
    assert layout.cols == (0, 2, 4, 6, 8, 11)  # not 10: then cell 11 would lie under three
    small = tile_layout(Grid(3, 40), side=14, patch=16)
    assert small.tile == Grid(3, 14)


@pytest.mark.parametrize(("grid", "side"), [(Grid(10, 15), 4), (Grid(28, 28), 14), (Grid(5, 9), 4)])
def test_blending_weights_sum_to_one_and_are_one_under_a_single_tile(grid: Grid, side: int) -> None:
    layout = tile_layout(grid, side, patch=16)
    th, tw = layout.tile.pixels(16)
    total = np.zeros(grid.pixels(16), np.float64)
    count = np.zeros(grid.pixels(16), int)
    for (r, c), w in zip(layout.origins, layout.weights(), strict=True):
        assert w.min() > 0
        total[r * 16 : r * 16 + th, c * 16 : c * 16 + tw] += w
        count[r * 16 : r * 16 + th, c * 16 : c * 16 + tw] += 1
    np.testing.assert_allclose(total, 1.0, atol=1e-6)
    assert (total[count == 1] == 1.0).all()


def test_tiles_reconstruct_the_photo_at_its_own_resolution() -> None:
    p = Predictor(tiny_model(1), "cpu")
    photo = _photo(150, 230)  # not a multiple of the 16 px patch: partial last cells
    seen = p.set_image(photo, fit="tiles")
    assert np.array_equal(seen, photo) and p.grid == Grid(10, 15) and p.fit == "tiles"
    mask = random_mask(p.grid, 0.75, 3)
    r = p.reconstruct(mask)
    assert r.fit == "tiles" and r.grid == Grid(10, 15) and r.patch_size == 16 and r.precision == "fp32"
    for image in (r.masked, r.reconstruction, r.pasted, r.original):
        assert image.shape == (150, 230, 3) and image.dtype == np.uint8
    cover = np.kron(mask, np.ones((16, 16), bool))[:150, :230]
    np.testing.assert_array_equal(r.pasted[~cover], photo[~cover])
    np.testing.assert_array_equal(r.pasted[cover], r.reconstruction[cover])
    assert (r.masked[cover] == MASK_FILL).all() and np.array_equal(r.masked[~cover], photo[~cover])
    # per-cell errors over the photo's own pixels (a partial cell counts only its pixels)
    diff = (r.reconstruction.astype(np.float64) - photo) / 255  # from the rounded pixels: within 1/255
    last = ((diff[144:150, 224:230]) ** 2).mean()
    assert r.per_patch_mse[9, 14] == pytest.approx(last, abs=2 / 255)
    assert r.masked_mse == pytest.approx(float(r.per_patch_mse[mask].mean()))
    assert r.masked_count == int(mask.sum()) and r.seconds > 0


def test_tiles_of_an_exact_multiple_reproduce_each_tile_away_from_overlaps() -> None:
    model = tiny_model(2)
    photo = _photo(128, 192)  # 8 x 12 cells: tiles of 4 x 4 at rows (0, 2, 4), columns (0, 2, ..., 8)
    mask = random_mask(Grid(8, 12), 0.75, 5)
    tiled = Predictor(model, "cpu")
    tiled.set_image(photo, fit="tiles")
    r = tiled.reconstruct(mask)
    single = Predictor(model, "cpu")
    layout = tiled._state.layout
    for (row, col), (y0, y1, x0, x1) in {
        (0, 0): (0, 32, 0, 32),  # the top-left tile's pixels under no other tile
        (4, 8): (96, 128, 160, 192),  # the bottom-right one's
    }.items():
        crop = photo[row * 16 : row * 16 + 64, col * 16 : col * 16 + 64]
        assert np.array_equal(single.set_image(crop), crop)
        alone = single.reconstruct(layout.window(mask, (row, col)))
        oy, ox = row * 16, col * 16
        got = r.reconstruction[y0:y1, x0:x1].astype(int)
        want = alone.reconstruction[y0 - oy : y1 - oy, x0 - ox : x1 - ox].astype(int)
        assert np.abs(got - want).max() <= 1 and (got == want).mean() > 0.99


def test_a_constant_photo_has_no_seams_with_the_default_model() -> None:
    p = load_predictor(None, "cpu")
    photo = np.full((400, 600, 3), (120, 140, 160), np.uint8)
    p.set_image(photo, fit="tiles")
    layout = p._state.layout
    assert layout.cols == (0, 12, 24) and layout.rows == (0, 11)  # seams inside the photo
    r = p.reconstruct(random_mask(p.grid, 0.75, 0))
    # Removed cells are predicted by every tile that holds them (the mask is the photo's); the
    # prediction of visible cells is untrained noise, so seams are judged where it is pasted.
    pasted = r.pasted.astype(int)
    assert np.abs(pasted - photo).max() <= 12 and r.masked_psnr > 40
    for axis, starts in ((1, layout.cols), (0, layout.rows)):
        jumps = np.abs(np.diff(pasted, axis=axis)).max(axis=(1 - axis, 2))  # [boundary]
        edges = {16 * c - 1 for c in starts} | {16 * (c + 14) - 1 for c in starts}
        edges &= set(range(len(jumps)))
        cells = set(range(15, len(jumps), 16)) - edges  # patch boundaries inside one tile
        assert max(jumps[sorted(edges)]) <= max(jumps[sorted(cells)]) <= 10


def test_norm_pix_tiles_use_each_tiles_own_visible_statistics() -> None:
    base = tiny_model(4)
    model = MaskedAutoencoderViT(dataclasses.replace(base.config, norm_pix_loss=True))
    model.load_state_dict(base.state_dict())
    photo = _photo(64, 64)  # exactly one tile: the tiles fit equals the crop fit
    mask = random_mask(4, 0.5, 1)
    crop, tiles = Predictor(model.eval(), "cpu"), Predictor(model, "cpu")
    crop.set_image(photo)
    tiles.set_image(photo, fit="tiles")
    a, b = crop.reconstruct(mask), tiles.reconstruct(mask)
    assert a.denormalized and b.denormalized
    assert np.abs(a.reconstruction.astype(int) - b.reconstruction).max() <= 1
    np.testing.assert_allclose(a.per_patch_mse, b.per_patch_mse, rtol=1e-4, atol=1e-6)
