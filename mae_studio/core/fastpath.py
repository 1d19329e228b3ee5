"""The model's forward pass split at the image/mask boundary, for many masks on one image.

`MaskedAutoencoderViT.forward(imgs, mask)` embeds all patches, keeps the visible ones,
encodes, and decodes. The first step depends only on the image, so `Engine.embed` runs it
once per image and `Engine.forward` runs the rest per mask. For the float32 variant every op
after the split is the model's own op on the same values, so results equal `model.forward`
(tests/core/test_predictor.py checks this on the conformance weights).
"""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor

from .errors import Cancelled
from .model import CancelCheck, MaskedAutoencoderViT
from .precision import Variant, build_model, compute_mode


def check_cancel(should_cancel: CancelCheck) -> None:
    if should_cancel is not None and should_cancel():
        raise Cancelled("reconstruction cancelled")


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
        """imgs [1, 3, S, S] normalized float32 -> tokens [1, L, D] (position added), cls [1, 1, D]."""
        m = self.model
        with torch.inference_mode(), compute_mode(self.variant, self.device):
            tokens = m.patch_embed(imgs.to(self.dtype)) + m.pos_embed[:, 1:, :]
            cls = m.cls_token + m.pos_embed[:, :1, :]
        return tokens, cls

    def forward(
        self,
        tokens: Tensor,
        cls: Tensor,
        ids_keep: Tensor,
        ids_restore: Tensor,
        should_cancel: CancelCheck = None,
    ) -> Tensor:
        """tokens [1, L, D], cls [1, 1, D], ids_keep [1, kept], ids_restore [1, L] (int64, on the
        device) -> pred [1, L, p*p*3] in the variant's dtype. Raises Cancelled between blocks."""
        with torch.inference_mode(), compute_mode(self.variant, self.device):
            latent = self._encode(tokens, cls, ids_keep, should_cancel)
            return self._decode(latent, ids_restore, should_cancel)

    def forward_images(self, imgs: Tensor, mask: Tensor) -> Tensor:
        """The whole forward pass for a batch: imgs [N, 3, S, S] normalized float32, mask [N, L]
        (1 = removed) -> pred [N, L, p*p*3] in the variant's dtype."""
        with torch.inference_mode(), compute_mode(self.variant, self.device):
            return self.model(imgs.to(self.dtype), mask)

    def _encode(self, tokens: Tensor, cls: Tensor, ids_keep: Tensor, should_cancel: CancelCheck) -> Tensor:
        # The ops of MaskedAutoencoderViT.forward_encoder after its patch embedding.
        m = self.model
        D = tokens.shape[-1]
        x = torch.gather(tokens, 1, ids_keep.unsqueeze(-1).expand(-1, -1, D))  # [1, kept, D]
        x = torch.cat((cls.expand(x.shape[0], -1, -1), x), dim=1)
        for blk in m.blocks:
            check_cancel(should_cancel)
            x = blk(x)
        return m.norm(x)

    def _decode(self, latent: Tensor, ids_restore: Tensor, should_cancel: CancelCheck) -> Tensor:
        return self.model.forward_decoder(latent, ids_restore, should_cancel)
