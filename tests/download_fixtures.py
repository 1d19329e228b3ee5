"""Fixtures for download tests: caches in tmp_path, a model server on 127.0.0.1, tiny
checkpoints in the official and MAE Studio layouts, and a catalogue entry served locally."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import torch

from mae_studio.core import MAEConfig, MaskedAutoencoderViT, save_checkpoint
from mae_studio.core import catalogue as catalogue_mod
from mae_studio.core import config as config_mod
from mae_studio.core.catalogue import CATALOGUE, CatalogueModel
from tests.model_server import ModelServer

TINY = MAEConfig(
    img_size=32,
    patch_size=16,
    embed_dim=32,
    depth=1,
    num_heads=2,
    decoder_embed_dim=16,
    decoder_depth=1,
    decoder_num_heads=2,
    name="tiny official",
)


@pytest.fixture
def model_caches(tmp_path, monkeypatch) -> Path:
    """Every cache in tmp_path; no offline flag, no endpoint from the environment."""
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    monkeypatch.delenv("HF_HUB_CACHE", raising=False)
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.delenv("HF_ENDPOINT", raising=False)
    return tmp_path


@pytest.fixture
def server():
    s = ModelServer().start()
    yield s
    s.stop()


def official_bytes(config: MAEConfig = TINY, seed: int = 0) -> bytes:
    """A checkpoint in the official release's layout: {"model": state_dict}, torch.save'd."""
    torch.manual_seed(seed)
    model = MaskedAutoencoderViT(config)
    model.init_weights()
    buf = io.BytesIO()
    torch.save({"model": model.state_dict()}, buf)
    return buf.getvalue()


def studio_bytes(tmp_path: Path) -> bytes:
    """A checkpoint that carries its architecture (MAE Studio safetensors)."""
    torch.manual_seed(1)
    model = MaskedAutoencoderViT(TINY.with_name("served"))
    model.init_weights()
    return save_checkpoint(model, tmp_path / "served.safetensors").read_bytes()


@pytest.fixture
def tiny_entry(server, model_caches, monkeypatch) -> CatalogueModel:
    """A catalogue entry served locally, of a tiny architecture registered as a preset."""
    monkeypatch.setitem(config_mod.PRESETS, "tiny_test", TINY)
    data = official_bytes()
    entry = CatalogueModel(
        name="tiny-test",
        summary="a tiny official-layout model",
        arch="tiny_test",
        norm_pix_loss=False,
        size_bytes=len(data),
        licence="CC-BY-NC 4.0",
        licence_url="https://creativecommons.org/licenses/by-nc/4.0/",
        url=server.add("/mae/visualize/mae_visualize_tiny.pth", data),
    )
    monkeypatch.setattr(catalogue_mod, "CATALOGUE", (*CATALOGUE, entry))
    return entry
