"""The MAE engine: model, checkpoints, masks, images and predictor. Never imports Qt."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from .checkpoints import load_checkpoint, save_checkpoint
from .config import PRESETS, MAEConfig
from .errors import Cancelled, CheckpointError, ImageLoadError, MaeStudioError, SaveError
from .images import ImageLoadWarning, load_image, load_image_bytes
from .model import MaskedAutoencoderViT

DEFAULT_WEIGHTS = Path(__file__).resolve().parents[2] / "weights" / "mae_studio_default.safetensors"


def load_model(
    path: str | Path | None = None, device: str | torch.device = "cpu", **overrides: Any
) -> MaskedAutoencoderViT:
    """Load a checkpoint (default: the shipped model) in eval mode on `device`."""
    return load_checkpoint(DEFAULT_WEIGHTS if path is None else path, device, **overrides)


__all__ = [
    "DEFAULT_WEIGHTS",
    "PRESETS",
    "Cancelled",
    "CheckpointError",
    "ImageLoadError",
    "ImageLoadWarning",
    "MAEConfig",
    "MaeStudioError",
    "MaskedAutoencoderViT",
    "SaveError",
    "load_checkpoint",
    "load_image",
    "load_image_bytes",
    "load_model",
    "save_checkpoint",
]
