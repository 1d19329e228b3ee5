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
from .places import SAMPLES

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


SAMPLE_PHOTO = SAMPLES / "chelsea_cat.jpg"


def sample_photo(size: int) -> np.ndarray:
    """The photo benchmarks and measurements run on: a real photo (so PSNR means something) or,
    if the samples are missing, a smooth synthetic one. uint8 [size, size, 3], centre-cropped."""
    from PIL import Image

    if SAMPLE_PHOTO.exists():
        with Image.open(SAMPLE_PHOTO) as im:
            return prepare_image(im.convert("RGB"), size)
    yy, xx = np.mgrid[0:size, 0:size] / size
    rgb = np.stack((np.sin(6 * xx), np.cos(5 * yy), np.sin(4 * (xx + yy))), axis=-1)
    return ((rgb + 1) * 127.5).astype(np.uint8)
