"""The model's forward pass split at the image/mask boundary, for many masks on one image.

`MaskedAutoencoderViT.forward(imgs, mask)` embeds all patches, keeps the visible ones,
encodes, and decodes. The first step depends only on the image, so `Engine.embed` runs it
once per image and `Engine.forward` runs the rest per mask; both call the model's own
`embed`, `encode` and `decode` (one forward pass, in the variant's precision), so for the
float32 variant results equal `model.forward` (tests/core/test_predictor.py checks this on the
conformance weights).
"""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor

from .grid import GridLike
from .model import CancelCheck, MaskedAutoencoderViT, check_cancel

__all__ = ["Engine", "check_cancel", "ids_from_mask"]
from .precision import Variant, build_model, compute_mode


def ids_from_mask(removed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """removed bool [L] (True = removed) -> ids_keep int64 [kept], ids_restore int64 [L].

    The same ids as `model.mask_to_ids`: visible patches in row-major order, then removed
    ones; ids_restore is the inverse permutation. Computed in numpy: no device round trip."""
    removed = np.asarray(removed, dtype=bool).reshape(-1)
    keep = np.flatnonzero(~removed)
    shuffle = np.concatenate((keep, np.flatnonzero(removed)))
    restore = np.empty_like(shuffle)
    restore[shuffle] = np.arange(shuffle.size)
    return keep.astype(np.int64), restore.astype(np.int64)


class Engine:
    """One precision variant of a model, run on per-image tokens.

    `model` is the caller's float32 model; variants that need other weights hold a copy."""

    def __init__(self, model: MaskedAutoencoderViT, variant: Variant, device: torch.device) -> None:
        self.variant = variant
        self.device = device
        self.model: MaskedAutoencoderViT = build_model(model, variant)  # type: ignore[assignment]
        self.config = model.config

    @property
    def dtype(self) -> torch.dtype:
        return self.variant.dtype

    def embed(self, imgs: Tensor) -> tuple[Tensor, Tensor]:
        """imgs [N, 3, H, W] normalized float32 -> tokens [N, L, D] (position added), cls [1, 1, D]."""
        with torch.inference_mode(), compute_mode(self.variant, self.device):
            return self.model.embed(imgs.to(self.dtype))

    def forward(
        self,
        tokens: Tensor,
        cls: Tensor,
        ids_keep: Tensor,
        ids_restore: Tensor,
        should_cancel: CancelCheck = None,
        grid: GridLike | None = None,
    ) -> Tensor:
        """tokens [N, L, D], cls [1, 1, D], ids_keep [N, kept], ids_restore [N, L] (int64, on the
        device), grid (h, w) of the L patches (default: the model's own) -> pred [N, L, p*p*3] in
        the variant's dtype. Raises Cancelled between blocks."""
        latent = self.encode(tokens, cls, ids_keep, should_cancel)
        return self.decode(latent, ids_restore, grid, should_cancel)

    def encode(
        self, tokens: Tensor, cls: Tensor, ids_keep: Tensor, should_cancel: CancelCheck = None
    ) -> Tensor:
        """The encoder on the visible tokens: latent [N, 1 + kept, D] (CLS first), in the variant's
        dtype. Raises Cancelled between blocks."""
        with torch.inference_mode(), compute_mode(self.variant, self.device):
            return self.model.encode(tokens, cls, ids_keep, should_cancel)

    def decode(
        self,
        latent: Tensor,
        ids_restore: Tensor,
        grid: GridLike | None = None,
        should_cancel: CancelCheck = None,
    ) -> Tensor:
        """The decoder: latent [N, 1 + kept, D] (any engine's; cast to this variant's dtype),
        ids_restore [N, L] -> pred [N, L, p*p*3]. Raises Cancelled between blocks."""
        with torch.inference_mode(), compute_mode(self.variant, self.device):
            return self.model.decode(latent.to(self.dtype), ids_restore, grid, should_cancel)

    def forward_images(self, imgs: Tensor, mask: Tensor) -> Tensor:
        """The whole forward pass for a batch: imgs [N, 3, H, W] normalized float32, mask [N, L]
        (1 = removed) -> pred [N, L, p*p*3] in the variant's dtype."""
        with torch.inference_mode(), compute_mode(self.variant, self.device):
            return self.model(imgs.to(self.dtype), mask)
