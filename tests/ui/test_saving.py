"""Mask files as the studio saves them (core.mask_files reads them back for the studio and the
command line alike): what they hold, grids that differ, and refusals."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from mae_studio.core import masks
from mae_studio.core.errors import MaskFileError
from mae_studio.core.mask_files import read_mask_file
from mae_studio.ui.document import MaskRecipe
from mae_studio.ui.file_actions import recipe_from_info
from mae_studio.ui.saving import save_mask


def load_mask(path, grid):  # type: ignore[no-untyped-def]
    """(mask on `grid`, info, note), as the studio's Load Mask uses a file."""
    file = read_mask_file(path)
    return file.for_grid(grid), file.info, file.note(grid)


def test_json_holds_indices_seed_ratio_pattern_and_model(tmp_path):
    mask = masks.random_mask(14, 0.75, 4)
    path = save_mask(
        tmp_path / "m.json", mask, seed=4, ratio=0.75, pattern="random", model="M", patch_size=16
    )
    doc = json.loads(path.read_text())
    assert doc["grid"] == [14, 14] and doc["removed_count"] == 147
    assert doc["removed"] == np.flatnonzero(mask).tolist()
    assert (doc["seed"], doc["ratio"], doc["pattern"], doc["model"]) == (4, 0.75, "random", "M")
    loaded, info, note = load_mask(path, 14)
    assert np.array_equal(loaded, mask) and note == ""
    assert recipe_from_info(info, MaskRecipe()) == MaskRecipe("random", 0.75, 4)


def test_png_is_the_patch_grid_at_the_model_resolution(tmp_path):
    mask = masks.checkerboard_mask(14)
    path = save_mask(tmp_path / "m.png", mask, seed=None, ratio=None, pattern=None, model="M", patch_size=16)
    pixels = np.asarray(Image.open(path))
    assert pixels.shape == (224, 224) and pixels[0, 16] == 255 and pixels[0, 0] == 0
    assert np.array_equal(load_mask(path, 14)[0], mask)


def test_a_mask_from_another_grid_is_carried_over(tmp_path):
    mask = np.zeros((14, 14), dtype=bool)
    mask[:, :7] = True
    path = save_mask(tmp_path / "m.json", mask, seed=0, ratio=0.5, pattern="random", model="M", patch_size=16)
    loaded, _, note = load_mask(path, 16)
    assert loaded.shape == (16, 16) and loaded[:, :8].all() and not loaded[:, 8:].any()
    assert "14x14" in note and "16x16" in note
    one_pixel_per_patch = tmp_path / "small.png"
    Image.fromarray(masks.mask_to_image(mask)).save(one_pixel_per_patch)
    assert np.array_equal(load_mask(one_pixel_per_patch, 14)[0], mask)


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("bad.json", b"{not json", "not a readable mask"),
        ("odd.json", b'{"grid": [4, 4], "removed": [16]}', "0..15"),
        ("text.png", b"hello", "not a readable mask"),
    ],
)
def test_unreadable_masks_are_refused_with_the_reason(tmp_path, name, content, reason):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(MaskFileError) as e:
        load_mask(path, 4)
    assert name in str(e.value) and reason in str(e.value)


def test_a_non_square_mask_image_is_refused(tmp_path):
    path = tmp_path / "wide.png"
    Image.fromarray(np.zeros((16, 32), dtype=np.uint8)).save(path)
    with pytest.raises(MaskFileError, match="square"):
        load_mask(path, 4)


def test_recipe_from_a_file_ignores_invalid_values():
    current = MaskRecipe("block", 0.5, 9)
    assert recipe_from_info({"pattern": "spiral", "ratio": 7, "seed": -1}, current) == current
