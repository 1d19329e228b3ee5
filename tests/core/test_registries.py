"""One registry per extensible thing: mask patterns (with their labels), result panels, and the
recipe that draws a pattern; one device choice and device-fault reading."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import torch

from mae_studio.core import masks
from mae_studio.core.devices import (
    DEVICE_FAILED,
    OUT_OF_MEMORY,
    DeviceUnavailable,
    choose_device,
    device_fault,
    device_kind,
)
from mae_studio.core.grid import Grid
from mae_studio.core.recipes import MaskRecipe
from mae_studio.core.results import HEATMAP, RESULT_PANELS, Reconstruction, result_panel


def test_pattern_registry_holds_keys_labels_and_what_each_uses() -> None:
    assert tuple(masks.PATTERN_REGISTRY) == masks.PATTERNS
    labels = {k: p.label for k, p in masks.PATTERN_REGISTRY.items()}
    assert labels == {
        "random": "Random",
        "block": "Block-wise",
        "grid": "Grid",
        "checkerboard": "Checkerboard",
        "centre": "Centre box",
        "border": "Border",
    }
    uses = {k: (p.uses_ratio, p.uses_seed) for k, p in masks.PATTERN_REGISTRY.items()}
    assert uses["random"] == uses["block"] == (True, True)
    assert uses["checkerboard"] == (False, False) and uses["grid"] == (True, False)
    for key, entry in masks.PATTERN_REGISTRY.items():
        grid = Grid(6, 9)
        a, b = entry.make(grid, 0.5, 1), entry.make(grid, 0.5, 2)
        assert a.shape == (6, 9) and a.dtype == bool
        assert np.array_equal(a, masks.pattern_mask(key, grid, 0.5, 1))
        assert entry.uses_seed or np.array_equal(a, b), key
        assert entry.uses_ratio or np.array_equal(a, entry.make(grid, 0.9, 1)), key
    assert masks.pattern("center") is masks.PATTERN_REGISTRY["centre"]
    with pytest.raises(ValueError, match="unknown mask pattern 'stripes'"):
        masks.pattern("stripes")


def test_mask_recipe_draws_its_pattern_on_any_grid() -> None:
    recipe = MaskRecipe("block", 0.5, 3)
    assert np.array_equal(recipe.make(Grid(7, 9)), masks.block_mask((7, 9), 0.5, 3))
    assert recipe.make(7).shape == (7, 7) and recipe.label == "Block-wise"


def _result(h: int = 2, w: int = 3, p: int = 4) -> Reconstruction:
    imgs = [np.full((h * p, w * p, 3), v, np.uint8) for v in (1, 2, 3, 4)]
    mask = np.zeros((h, w), bool)
    mask[0, 1] = True
    mse = np.arange(h * w, dtype=np.float32).reshape(h, w)
    return Reconstruction(mask, *imgs, mse, 1.0, 0.0, 0.0, False)


def test_result_panel_registry_names_each_panel_once() -> None:
    assert list(RESULT_PANELS) == ["masked", "reconstruction", "pasted", "original", HEATMAP]
    assert result_panel("pasted").label == "Reconstruction + visible"
    r = _result()
    for key, value in (("masked", 1), ("reconstruction", 2), ("pasted", 3), ("original", 4)):
        assert int(result_panel(key).image(r)[0, 0, 0]) == value
    assert RESULT_PANELS[HEATMAP].field == "per_patch_mse"
    with pytest.raises(ValueError, match="unknown result panel"):
        result_panel("reconstruction_visible")


def test_reconstruction_knows_its_grid_and_patch_size() -> None:
    r = _result(2, 3, 4)
    assert r.grid == Grid(2, 3) and r.patch_size == 4 and r.fit == "crop" and r.masked_count == 1


def test_results_and_devices_import_without_torch() -> None:
    code = (
        "import sys, mae_studio.core.results, mae_studio.core.grid, mae_studio.core.recipes, "
        "mae_studio.core.devices; print('torch' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_device_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    assert choose_device("cpu") == torch.device("cpu") and device_kind("cpu") == "cpu"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(DeviceUnavailable, match="cuda:1: no CUDA GPU is available here") as caught:
        choose_device("cuda:1")
    assert caught.value.kind == "cuda" and caught.value.name == "cuda:1"
    with pytest.raises(DeviceUnavailable, match="gpu: not a device"):
        choose_device("gpu")
    if not torch.backends.mps.is_available():
        assert choose_device("auto") == torch.device("cpu") and device_kind(None) == "cpu"


def test_device_faults_are_read_once() -> None:
    assert device_fault(torch.OutOfMemoryError("CUDA out of memory. Tried")) == OUT_OF_MEMORY
    assert device_fault(RuntimeError("DefaultCPUAllocator: can't allocate memory")) == OUT_OF_MEMORY
    assert device_fault(RuntimeError("CUDA error: an illegal memory access")) == DEVICE_FAILED
    assert device_fault(RuntimeError("mat1 and mat2 shapes cannot be multiplied")) is None
    assert device_fault(ValueError("out of memory")) is None
