"""Tiny random-weight checkpoints and small images for fast CLI tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from mae_studio.cli.app import run
from mae_studio.core import MAEConfig, MaskedAutoencoderViT, load_model, save_checkpoint
from mae_studio.core.predictor import Predictor


def tiny_config(img_size: int = 64, patch_size: int = 16, name: str = "tiny") -> MAEConfig:
    return MAEConfig(
        img_size=img_size,
        patch_size=patch_size,
        embed_dim=64,
        depth=2,
        num_heads=4,
        decoder_embed_dim=48,
        decoder_depth=1,
        decoder_num_heads=4,
        name=name,
    )


@pytest.fixture(scope="session")
def checkpoint(tmp_path_factory) -> Path:
    torch.manual_seed(0)
    model = MaskedAutoencoderViT(tiny_config())
    model.init_weights()
    return save_checkpoint(model, tmp_path_factory.mktemp("ckpt") / "tiny.safetensors")


@pytest.fixture(scope="session")
def checkpoint_p8(tmp_path_factory) -> Path:
    """Same image size, another patch size (8x8 grid): for compare."""
    torch.manual_seed(1)
    model = MaskedAutoencoderViT(tiny_config(64, 8, "tiny-p8"))
    model.init_weights()
    return save_checkpoint(model, tmp_path_factory.mktemp("ckpt8") / "tiny_p8.safetensors")


def write_photo(path: Path, seed: int, size: tuple[int, int] = (96, 80)) -> Path:
    """A smooth colour gradient with noise, as PNG or JPEG by suffix."""
    w, h = size
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w]
    img = np.stack([xx * 255 / w, yy * 255 / h, np.full((h, w), 40.0 * seed % 255)], axis=2)
    img = np.clip(img + rng.normal(0, 12, img.shape), 0, 255).astype(np.uint8)
    Image.fromarray(img).save(path)
    return path


@pytest.fixture
def photos(tmp_path) -> Path:
    folder = tmp_path / "photos"
    folder.mkdir()
    write_photo(folder / "a.png", 1)
    write_photo(folder / "b.jpg", 2, (120, 72))
    write_photo(folder / "c.png", 3, (64, 64))
    return folder


def core_predictor(checkpoint: Path) -> Predictor:
    return Predictor(load_model(checkpoint), "cpu")


def cli(*argv: str | Path) -> int:
    return run([str(a) for a in argv])
