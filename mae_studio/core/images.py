"""Images in and out of the model. Loading files is image_loading.py; its API is re-exported here."""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor

from .config import IMAGENET_MEAN, IMAGENET_STD
from .fits import prepare_image
from .image_loading import (
    ALLOWED_FORMATS,
    ALPHA_BACKGROUND,
    MAX_ASPECT,
    MAX_FILE_BYTES,
    MAX_PIXELS,
    MIN_SIDE,
    OPEN_FILTER,
    SUPPORTED_EXTENSIONS,
    ImageLoadWarning,
    load_image,
    load_image_bytes,
)

__all__ = [
    "ALLOWED_FORMATS",
    "ALPHA_BACKGROUND",
    "MAX_ASPECT",
    "MAX_FILE_BYTES",
    "MAX_PIXELS",
    "MIN_SIDE",
    "OPEN_FILTER",
    "SUPPORTED_EXTENSIONS",
    "ImageLoadWarning",
    "denormalize",
    "load_image",
    "load_image_bytes",
    "normalize",
    "prepare_image",
]

_MEAN = np.asarray(IMAGENET_MEAN, dtype=np.float32)
_STD = np.asarray(IMAGENET_STD, dtype=np.float32)


def normalize(rgb: np.ndarray) -> Tensor:
    """uint8 [H, W, 3] -> ImageNet-normalized float32 [3, H, W]."""
    x = (rgb.astype(np.float32) / 255.0 - _MEAN) / _STD
    return torch.from_numpy(np.ascontiguousarray(x.transpose(2, 0, 1)))


def denormalize(x: Tensor) -> Tensor:
    """ImageNet-normalized [..., 3, H, W] -> [0, 1] pixel values (unclipped)."""
    mean = torch.tensor(IMAGENET_MEAN, device=x.device, dtype=x.dtype).view(3, 1, 1)
    std = torch.tensor(IMAGENET_STD, device=x.device, dtype=x.dtype).view(3, 1, 1)
    return x * std + mean
