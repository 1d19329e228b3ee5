"""Tiny generated photos and a tiny architecture, so every training test takes seconds."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from mae_studio.train.recipe import Recipe, build_config

TINY = dict(embed_dim=32, depth=1, num_heads=2, decoder_embed_dim=32, decoder_depth=1, decoder_num_heads=2)


def smooth_photo(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    """A smooth colour gradient with a soft blob: inpainting has something to interpolate."""
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    out = np.empty((h, w, 3))
    for c in range(3):
        a, b, d = rng.uniform(-1, 1, 3)
        cy, cx = rng.uniform(0, h), rng.uniform(0, w)
        blob = np.exp(-((y - cy) ** 2 + (x - cx) ** 2) / (2 * (0.3 * min(h, w)) ** 2))
        out[..., c] = 128 + 50 * (a * y / h + b * x / w) + 60 * d * blob
    return np.clip(out, 0, 255).astype(np.uint8)


def write_photos(folder: Path, sizes: list[tuple[int, int]], seed: int = 0) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    for i, (h, w) in enumerate(sizes):
        Image.fromarray(smooth_photo(rng, h, w)).save(folder / f"photo{i}.png")
    return folder


@pytest.fixture
def photos(tmp_path: Path) -> Path:
    return write_photos(tmp_path / "photos", [(72, 96), (80, 64), (64, 64), (100, 70)])


@pytest.fixture
def tiny_config():
    return build_config("micro", img_size=64, **TINY)


@pytest.fixture
def tiny_recipe() -> Recipe:
    return Recipe(batch_size=4, short_side=64, lr=1e-3, min_warmup_steps=1, seed=3)
