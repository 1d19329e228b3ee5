"""The patch grid type and the whole-photo grid at a photo's aspect."""

from __future__ import annotations

import numpy as np
import pytest

from mae_studio.core.grid import WHOLE_BUDGET, Grid, grid_for_photo


def test_grid_is_h_by_w() -> None:
    g = Grid(14, 21)
    assert (g.h, g.w, g.n, g.shape) == (14, 21, 294, (14, 21))
    h, w = g
    assert (h, w) == (14, 21) and len(g) == 2 and g[0] == 14 and g[1] == 21
    assert np.zeros(g.shape, bool).shape == (14, 21)
    assert g.pixels(16) == (224, 336)
    assert str(g) == "14x21" and not g.is_square and g.aspect == 1.5
    assert Grid.of(14) == Grid(14, 14) == Grid.square(14) and Grid.of((3, 5)) == Grid(3, 5)
    assert Grid.of(g) is g
    assert hash(Grid(2, 3)) == hash(Grid(2, 3)) and Grid(2, 3) != Grid(3, 2)


@pytest.mark.parametrize("bad", [(0, 4), (4, -1), (2.0, 3), (True, 3)])
def test_grid_refuses_sides_that_are_not_positive_whole_numbers(bad: tuple) -> None:
    with pytest.raises(ValueError, match="whole, positive"):
        Grid(*bad)


@pytest.mark.parametrize(
    ("size", "expected"),
    [
        ((3000, 2000), Grid(14, 21)),  # 3:2 landscape: short side at the model's 14
        ((2000, 3000), Grid(21, 14)),  # portrait
        ((500, 500), Grid(14, 14)),  # square: the model's own grid
        ((4000, 3000), Grid(14, 19)),  # 4:3 (18.67 rounds to 19)
        ((1920, 1080), Grid(12, 21)),  # 16:9 at 14x25 = 350 is over the 294 budget: shrunk
        ((3000, 300), Grid(5, 50)),  # a panorama
    ],
)
def test_whole_photo_grid_keeps_the_aspect_within_the_budget(size: tuple[int, int], expected: Grid) -> None:
    g = grid_for_photo(*size, side=14)
    assert g == expected
    assert g.n <= WHOLE_BUDGET * 196
    assert abs(g.aspect / (size[0] / size[1]) - 1) < 0.06


def test_whole_photo_grid_with_a_token_budget() -> None:
    assert grid_for_photo(3000, 2000, 14, max_patches=196) == Grid(11, 16)  # 176 patches, 1.45
    assert grid_for_photo(3000, 2000, 14, max_patches=600) == Grid(20, 30)
    assert grid_for_photo(1000, 1000, 14, max_patches=196) == Grid(14, 14)
    assert grid_for_photo(1000, 1000, 14, max_patches=1) == Grid(1, 1)
    with pytest.raises(ValueError, match="at least 1"):
        grid_for_photo(10, 10, 14, max_patches=0)
