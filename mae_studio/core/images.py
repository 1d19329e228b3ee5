"""Images in and out of the model. (Loader: see load_image.)"""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor

from .config import IMAGENET_MEAN, IMAGENET_STD

_MEAN = np.asarray(IMAGENET_MEAN, dtype=np.float32)
_STD = np.asarray(IMAGENET_STD, dtype=np.float32)


def normalize(rgb: np.ndarray) -> Tensor:
    """uint8 [H, W, 3] -> ImageNet-normalized float32 [3, H, W]."""
    x = (rgb.astype(np.float32) / 255.0 - _MEAN) / _STD
    return torch.from_numpy(np.ascontiguousarray(x.transpose(2, 0, 1)))
