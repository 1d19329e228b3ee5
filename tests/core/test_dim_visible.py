"""dim_visible: the raw reconstruction's visible (untrained) patches dimmed, removed ones untouched."""

import numpy as np
import pytest

from mae_studio.core.results import DIM_STRENGTH, DIM_TARGET, dim_visible


def test_visible_patches_are_dimmed_and_removed_ones_kept():
    image = np.full((4, 6, 3), 228, np.uint8)  # 2x3 patches of 2 px
    image[0, 0] = (255, 0, 100)
    mask = np.array([[False, True, True], [True, True, False]])
    out = dim_visible(image, mask, 2, strength=0.5)
    # visible: patches (0, 0) and (1, 2); 228 -> (228 + 28) / 2 = 128; 255 -> 141.5 -> 142
    assert out[0, 1].tolist() == [128, 128, 128]
    assert out[0, 0].tolist() == [round(255 * 0.5 + DIM_TARGET * 0.5), 14, 64]
    assert (out[2:, 4:] == 128).all()
    assert (out[:2, 2:] == 228).all() and (out[2:, :4] == 228).all()
    assert image[0, 1, 0] == 228  # a new array; the input is unchanged


def test_default_strength_makes_bright_visible_patches_dark():
    image = np.full((16, 16, 3), 255, np.uint8)
    mask = np.zeros((2, 2), bool)
    out = dim_visible(image, mask, 8)
    expected = round(255 * (1 - DIM_STRENGTH) + DIM_TARGET * DIM_STRENGTH)
    assert (out == expected).all() and expected < 100


def test_partial_last_cells_of_a_tiled_photo():
    image = np.full((5, 7, 3), 200, np.uint8)  # 2x3 cells of 3 px, the last row and column partial
    mask = np.array([[True, True, True], [True, True, False]])
    out = dim_visible(image, mask, 3, strength=1.0)
    assert (out[3:, 6:] == DIM_TARGET).all()
    assert (out[:3] == 200).all() and (out[3:, :6] == 200).all()


def test_strength_zero_is_identity_and_all_removed_changes_nothing():
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, (8, 8, 3), dtype=np.uint8)
    assert np.array_equal(dim_visible(image, np.zeros((2, 2), bool), 4, strength=0.0), image)
    assert np.array_equal(dim_visible(image, np.ones((2, 2), bool), 4), image)


@pytest.mark.parametrize(
    ("shape", "mask_shape", "p", "strength", "message"),
    [
        ((8, 8), (2, 2), 4, 1.5, "strength"),
        ((8, 8), (3, 2), 4, 0.5, "does not cover"),
        ((8, 8), (2, 2), 0, 0.5, "does not cover"),
    ],
)
def test_bad_input_is_refused_clearly(shape, mask_shape, p, strength, message):
    with pytest.raises(ValueError, match=message):
        dim_visible(np.zeros((*shape, 3), np.uint8), np.zeros(mask_shape, bool), p, strength)


def test_a_non_bool_mask_or_float_picture_is_refused():
    with pytest.raises(ValueError, match="bool"):
        dim_visible(np.zeros((8, 8, 3), np.uint8), np.zeros((2, 2), np.uint8), 4)
    with pytest.raises(ValueError, match="uint8"):
        dim_visible(np.zeros((8, 8, 3), np.float32), np.zeros((2, 2), bool), 4)
