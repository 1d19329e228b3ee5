"""The MAE engine: model, checkpoints, masks, images and predictor. Never imports Qt.

The names below load on first use (PEP 562), so importing a light submodule such as
`mae_studio.core.errors` (the CLI's parser, `mae-studio --help`) does not import torch.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

_LAZY = {
    "DEFAULT_WEIGHTS": "places",
    "load_checkpoint": "checkpoints",
    "save_checkpoint": "checkpoints",
    "PRESETS": "config",
    "MAEConfig": "config",
    "Cancelled": "errors",
    "CheckpointError": "errors",
    "ImageLoadError": "errors",
    "MaeStudioError": "errors",
    "SaveError": "errors",
    "ImageLoadWarning": "images",
    "load_image": "images",
    "load_image_bytes": "images",
    "MaskedAutoencoderViT": "model",
}

if TYPE_CHECKING:
    import torch

    from .checkpoints import load_checkpoint, save_checkpoint
    from .config import PRESETS, MAEConfig
    from .errors import Cancelled, CheckpointError, ImageLoadError, MaeStudioError, SaveError
    from .images import ImageLoadWarning, load_image, load_image_bytes
    from .model import MaskedAutoencoderViT
    from .places import DEFAULT_WEIGHTS


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def load_model(
    path: str | Path | None = None, device: str | torch.device = "cpu", **overrides: Any
) -> MaskedAutoencoderViT:
    """Load a checkpoint (default: the shipped model) in eval mode on `device`."""
    from .checkpoints import load_checkpoint
    from .places import DEFAULT_WEIGHTS

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
