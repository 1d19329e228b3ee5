"""Patch masks: exact counts, nesting, reproducibility, patterns, brush geometry, files."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from mae_studio.core import masks as M

GRIDS = [14, 16, (7, 9), (1, 1), (3, 20)]
RATIOS = [0.0, 0.05, 0.1, 0.25, 0.4, 0.5, 0.6, 0.75, 0.9, 0.95, 1.0]


@pytest.mark.parametrize("grid", GRIDS)
@pytest.mark.parametrize("ratio", RATIOS)
def test_random_and_block_remove_exactly_round_L_ratio(grid: int | tuple[int, int], ratio: float) -> None:
    h, w = (grid, grid) if isinstance(grid, int) else grid
    for seed in (0, 1, 99):
        for pattern in ("random", "block"):
            mask = M.pattern_mask(pattern, grid, ratio, seed)
            assert mask.dtype == bool and mask.shape == (h, w)
            assert int(mask.sum()) == round(h * w * ratio), (pattern, seed)


def test_exact_count_values() -> None:
    assert M.exact_count(196, 0.75) == 147
    assert M.exact_count(196, 0.9) == 176  # round(176.4), where the reference keeps int(L*(1-r)) = 19
    assert M.exact_count(256, 0.75) == 192
    assert M.exact_count(49, 0.5) == 24  # round half to even: 24.5 -> 24
    assert M.exact_count(196, 0.0) == 0 and M.exact_count(196, 1.0) == 196
    with pytest.raises(ValueError, match=r"within 0\.\.1"):
        M.exact_count(196, 1.5)
    with pytest.raises(ValueError, match=r"within 0\.\.1"):
        M.random_mask(14, -0.1, 0)


@pytest.mark.parametrize("seed", [0, 7, 2024])
def test_random_masks_are_nested_in_the_ratio(seed: int) -> None:
    previous = np.zeros((14, 14), bool)
    for ratio in np.linspace(0, 1, 41):
        mask = M.random_mask(14, float(ratio), seed)
        assert not (previous & ~mask).any()  # everything removed before stays removed
        previous = mask


def test_random_mask_pinned_values() -> None:
    """PCG64 from the seed: the same cells on every run and machine."""
    assert M.mask_noise(14, 0)[:2].tolist() == [0.6369616873214543, 0.2697867137638703]
    assert np.flatnonzero(~M.random_mask(14, 0.75, 0))[:8].tolist() == [1, 2, 3, 11, 13, 15, 20, 21]
    assert np.flatnonzero(~M.random_mask(14, 0.75, 1))[:8].tolist() == [2, 9, 16, 18, 19, 27, 28, 31]
    assert np.flatnonzero(M.random_mask(14, 0.75, 12345))[:6].tolist() == [1, 2, 3, 4, 5, 6]
    assert np.flatnonzero(M.block_mask(14, 0.5, 0))[:6].tolist() == [7, 21, 28, 29, 30, 31]


def test_random_mask_removes_the_highest_noise_first() -> None:
    noise = M.mask_noise(16, 5)
    mask = M.random_mask(16, 0.25, 5).reshape(-1)
    assert noise[mask].min() > noise[~mask].max()


def test_seeds_differ() -> None:
    assert not np.array_equal(M.random_mask(14, 0.5, 0), M.random_mask(14, 0.5, 1))
    assert not np.array_equal(M.block_mask(14, 0.5, 0), M.block_mask(14, 0.5, 1))


def test_block_mask_is_blocky() -> None:
    """Removed patches come in rectangles: far more removed neighbours than a random mask has."""

    def neighbours(mask: np.ndarray) -> int:
        return int((mask[1:] & mask[:-1]).sum() + (mask[:, 1:] & mask[:, :-1]).sum())

    assert neighbours(M.block_mask(14, 0.4, 3)) > 1.5 * neighbours(M.random_mask(14, 0.4, 3))


@pytest.mark.parametrize(
    ("ratio", "grid", "removed"),
    [
        (0.0, 14, 0),
        (0.3, 14, 0),  # nearer 0% than 75%
        (0.5, 14, 147),  # nearer 75% than 0%
        (0.75, 14, 147),  # one kept in each 2x2
        (0.75, 16, 192),
        (0.9, 14, 180),  # one in each 4x4: 180/196 is nearer 0.9 than 3x3's 171/196
        (0.75, (7, 9), 43),
        (1.0, 16, 255),  # the lattice always keeps its corner
    ],
)
def test_grid_pattern(ratio: float, grid: int | tuple[int, int], removed: int) -> None:
    mask = M.pattern_mask("grid", grid, ratio)
    assert int(mask.sum()) == removed
    assert not mask[0, 0]


def test_grid_pattern_lattice() -> None:
    mask = M.grid_mask(14, 0.75)
    kept = np.argwhere(~mask)
    assert (kept % 2 == 0).all() and len(kept) == 49


@pytest.mark.parametrize(("grid", "removed"), [(14, 98), (16, 128), ((7, 9), 31)])
def test_checkerboard(grid: int | tuple[int, int], removed: int) -> None:
    mask = M.pattern_mask("checkerboard", grid, 0.3)  # the ratio does not apply
    assert int(mask.sum()) == removed
    assert not mask[0, 0] and mask[0, 1] and mask[1, 0] and not mask[1, 1]
    assert not M.checkerboard_mask((1, 1)).any()


def test_centre_and_border() -> None:
    centre = M.pattern_mask("centre", 14, 0.25)
    rows, cols = np.nonzero(centre)
    assert centre.sum() == 49 and (rows.min(), rows.max(), cols.min(), cols.max()) == (3, 9, 3, 9)
    assert np.array_equal(M.pattern_mask("center", 14, 0.25), centre)
    border = M.pattern_mask("border", 14, 0.5)
    assert border.sum() == 96 and border[0].all() and border[:, -1].all() and not border[7, 7]
    assert np.array_equal(border, ~M.centre_mask(14, 0.5))
    assert M.pattern_mask("centre", 16, 0.0).sum() == 0 and M.pattern_mask("centre", 16, 1.0).all()


def test_unknown_pattern() -> None:
    with pytest.raises(ValueError, match="unknown mask pattern 'stripes'"):
        M.pattern_mask("stripes", 14, 0.5)


def test_invert_and_clear() -> None:
    mask = M.random_mask(14, 0.75, 0)
    assert np.array_equal(M.invert(mask), ~mask) and M.invert(mask).sum() == 49
    assert M.clear((7, 9)).shape == (7, 9) and not M.clear(14).any()


# ----------------------------------------------------------------------------------
# brush geometry (model-input pixels, 16-px patches unless stated)


def test_disc_radius_zero_is_the_cell_under_the_point() -> None:
    assert M.cells_in_disc(24, 24, 0, 16, 14) == {(1, 1)}
    assert M.cells_in_disc(16.5, 0.5, 0, 16, 14) == {(0, 1)}
    assert M.cells_in_disc(223.9, 223.9, 0, 16, 14) == {(13, 13)}
    assert M.cells_in_disc(20, 20, 0, 14, 16) == {(1, 1)}  # 14-px patches


def test_disc_reaches_neighbours_by_distance() -> None:
    # centre of cell (1, 1) is (24, 24); radius 10 reaches the 4 edge neighbours (8 px away)
    # but not the diagonal ones (corner at 8*sqrt(2) = 11.3 px)
    assert M.cells_in_disc(24, 24, 10, 16, 14) == {(1, 1), (0, 1), (2, 1), (1, 0), (1, 2)}
    assert len(M.cells_in_disc(24, 24, 12, 16, 14)) == 9
    assert M.cells_in_disc(24, 24, 7, 16, 14) == {(1, 1)}
    # a brush exactly as wide as the patch does not spill into neighbours it only touches
    assert M.cells_in_disc(24, 24, 8, 16, 14) == {(1, 1)}
    assert M.cells_in_disc(16, 8, 0, 16, 14) == {(0, 1)}  # a point on an edge: one cell


def test_disc_is_clipped_to_the_grid() -> None:
    assert M.cells_in_disc(2, 2, 10, 16, 14) == {(0, 0)}
    assert M.cells_in_disc(-100, -100, 5, 16, 14) == set()
    assert M.cells_in_disc(300, 300, 5, 16, 14) == set()
    assert len(M.cells_in_disc(112, 112, 1000, 16, 14)) == 196


def test_stroke_covers_the_path_without_gaps() -> None:
    cells = M.cells_along_stroke([(8, 8), (216, 8)], 2, 16, 14)
    assert cells == {(0, c) for c in range(14)}
    diagonal = M.cells_along_stroke([(8, 8), (216, 216)], 0, 16, 14)
    assert {(i, i) for i in range(14)} <= diagonal
    assert M.cells_along_stroke([(40, 40)], 0, 16, 14) == {(2, 2)}
    assert M.cells_along_stroke([], 5, 16, 14) == set()


def test_stroke_equals_union_of_discs_at_its_points() -> None:
    points = [(10.0, 30.0), (60.0, 35.0), (61.0, 100.0)]
    stroke = M.cells_along_stroke(points, 6, 16, 14)
    for x, y in points:
        assert M.cells_in_disc(x, y, 6, 16, 14) <= stroke


def test_rect() -> None:
    assert M.cells_in_rect(20, 40, 5, 17, 16, 14) == {(1, 0), (1, 1), (2, 0), (2, 1)}  # any corner order
    assert M.cells_in_rect(1, 1, 2, 2, 16, 14) == {(0, 0)}
    assert len(M.cells_in_rect(-50, -50, 500, 500, 16, 14)) == 196
    assert M.cells_in_rect(0, 0, 27, 27, 14, (3, 2)) == {(0, 0), (0, 1), (1, 0), (1, 1)}  # 14-px patches
    assert len(M.cells_in_rect(0, 0, 30, 30, 14, (3, 2))) == 6  # 30 px reaches row 2; cols stop at 1


# ----------------------------------------------------------------------------------
# carrying a mask between the 16-px grid (14x14) and the 14-px grid (16x16) of a 224 image


def test_rasterize_same_grid_is_a_copy() -> None:
    mask = M.random_mask(14, 0.5, 0)
    out = M.rasterize(mask, 14)
    assert np.array_equal(out, mask) and out is not mask


@pytest.mark.parametrize(("src", "dst"), [(14, 16), (16, 14), (8, 16), (16, 8)])
def test_rasterize_full_empty_and_halves(src: int, dst: int) -> None:
    assert M.rasterize(np.ones((src, src), bool), dst).all()
    assert not M.rasterize(np.zeros((src, src), bool), dst).any()
    left = np.zeros((src, src), bool)
    left[:, : src // 2] = True
    out = M.rasterize(left, dst)
    assert out[:, : dst // 2].all() and not out[:, dst // 2 :].any()


def test_rasterize_quadrant_14_to_16_and_back() -> None:
    quad = np.zeros((16, 16), bool)
    quad[:8, :8] = True  # top-left 112 x 112 px
    to14 = M.rasterize(quad, 14)
    assert to14.sum() == 49 and to14[:7, :7].all()
    assert np.array_equal(M.rasterize(to14, 16), quad)


def test_rasterize_half_covered_cells() -> None:
    """A 14-grid cell covers 16 px; the 16-grid cells are 14 px: cell 0 covers 14/14 of new
    cell 0 and 2/14 of new cell 1, so only new cell 0 is removed."""
    mask = np.zeros((14, 14), bool)
    mask[:, 0] = True
    out = M.rasterize(mask, 16)
    assert out[:, 0].all() and not out[:, 1:].any()


# ----------------------------------------------------------------------------------
# model tensors and files


def test_flat_round_trip_row_major() -> None:
    mask = M.random_mask((7, 9), 0.5, 2)
    flat = M.to_flat(mask)
    assert flat.dtype == np.float32 and flat.shape == (63,)
    assert flat[9 * 3 + 4] == float(mask[3, 4])
    assert np.array_equal(M.from_flat(flat, (7, 9)), mask)


def test_json_round_trip_with_info() -> None:
    mask = M.random_mask(14, 0.75, 3)
    text = M.mask_to_json(mask, seed=3, pattern="random", model="vit-b/16")
    doc = json.loads(text)
    assert doc["grid"] == [14, 14] and doc["removed_count"] == 147 and len(doc["removed"]) == 147
    back, info = M.mask_from_json(text)
    assert np.array_equal(back, mask)
    assert info == {"seed": 3, "pattern": "random", "model": "vit-b/16"}


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("not json", "Expecting value"),
        ("[1, 2]", "JSON object"),
        ('{"removed": [1]}', "needs 'grid'"),
        ('{"grid": [14, 14]}', "needs 'grid'"),
        ('{"grid": [14], "removed": []}', "needs 'grid'"),
        ('{"grid": "77", "removed": []}', "needs 'grid'"),  # a string is not a grid
        ('{"grid": [14, 14], "removed": "123"}', "needs 'grid'"),  # nor a string a list of indices
        ('{"grid": [14, 14], "removed": [1.5]}', "all integers"),
        ('{"grid": [14, 14], "removed": [true]}', "all integers"),
        ('{"grid": [0, 14], "removed": []}', "implausible grid 0x14"),
        ('{"grid": [5000, 14], "removed": []}', "implausible grid"),
        ('{"grid": [14, 14], "removed": [196]}', "within 0..195"),
        ('{"grid": [14, 14], "removed": [-1]}', "within 0..195"),
    ],
)
def test_malformed_json(text: str, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        M.mask_from_json(text)


def test_image_round_trip() -> None:
    mask = M.random_mask((7, 9), 0.5, 4)
    pixels = M.mask_to_image(mask)
    assert pixels.dtype == np.uint8 and pixels.shape == (7, 9) and set(np.unique(pixels)) == {0, 255}
    assert np.array_equal(M.mask_from_image(pixels, (7, 9)), mask)
    big = np.kron(pixels, np.ones((16, 16), np.uint8))  # the mask drawn at 16 px per patch
    assert np.array_equal(M.mask_from_image(big, (7, 9)), mask)
    rgb = np.repeat(big[..., None], 3, axis=2)
    assert np.array_equal(M.mask_from_image(rgb, (7, 9)), mask)


def test_image_alpha_channel_is_ignored() -> None:
    grey = np.full((14, 14), 100, np.uint8)  # dark grey: kept
    grey[2, 3] = 200
    rgba = np.dstack([grey, grey, grey, np.full_like(grey, 255)])
    expected = grey >= 128
    assert np.array_equal(M.mask_from_image(rgba, 14), expected)
    assert np.array_equal(M.mask_from_image(np.dstack([grey, np.full_like(grey, 255)]), 14), expected)


def test_image_that_does_not_fit_the_grid() -> None:
    with pytest.raises(ValueError, match="a 15x14 mask image does not fit the 14x14 patch grid"):
        M.mask_from_image(np.zeros((14, 15), np.uint8), 14)


def test_patterns_listed() -> None:
    assert M.PATTERNS == ("random", "block", "grid", "checkerboard", "centre", "border")
    for pattern in M.PATTERNS:
        assert M.pattern_mask(pattern, 14, 0.75, 0).shape == (14, 14)
    assert math.isclose(M.pattern_mask("random", 14, 0.75, 0).mean(), 0.75)
