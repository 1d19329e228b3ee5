"""Images in and out of the model. Loading files is image_loading.py; its API is re-exported here."""

from __future__ import annotations

import numpy as np
import torch
from PIL import Image
from torch import Tensor

from .config import IMAGENET_MEAN, IMAGENET_STD
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


def prepare_image(image: Image.Image | np.ndarray, size: int) -> np.ndarray:
    """The model's view of a photo: shorter side resized to `size` (bicubic, antialiased),
    then the centre square cropped. Returns uint8 [size, size, 3]."""
    if isinstance(image, np.ndarray):
        if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
            raise ValueError("arrays must be uint8 [H, W, 3]")
        image = Image.fromarray(image)
    image = image.convert("RGB")
    w, h = image.size
    scale = size / min(w, h)
    nw, nh = max(size, round(w * scale)), max(size, round(h * scale))
    if (nw, nh) != (w, h):
        image = image.resize((nw, nh), Image.Resampling.BICUBIC, reducing_gap=3.0)
    left, top = (nw - size) // 2, (nh - size) // 2
    return np.asarray(image.crop((left, top, left + size, top + size)), dtype=np.uint8).copy()


def denormalize(x: Tensor) -> Tensor:
    """ImageNet-normalized [..., 3, H, W] -> [0, 1] pixel values (unclipped)."""
    mean = torch.tensor(IMAGENET_MEAN, device=x.device, dtype=x.dtype).view(3, 1, 1)
    std = torch.tensor(IMAGENET_STD, device=x.device, dtype=x.dtype).view(3, 1, 1)
    return x * std + mean
