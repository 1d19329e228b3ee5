"""Where the decoder looks: one query token's attention row in every decoder block and head.

The model computes attention with torch's fused scaled_dot_product_attention, which never
materializes the weights. This module runs the model's own embed / encode / decode once, with
a forward pre-hook on each decoder block that catches the block's input [N, 1 + L, Dd] and,
through the block's own norm1 and its attention's qkv projection (and q/k norms), computes just
the query's row softmax(q·K^T / sqrt(d)): [heads, 1 + L] per block. Hooking the block, not its
attention module, holds whichever forward the block runs (timm's, or the CPU's fused blocks).
Nothing on the normal path changes (the hooks live only inside `decoder_attention`, the fused
kernel still runs), and no [L, L] matrix is ever made.

Token order in the decoder: CLS first, then the h*w patches in row-major order (ids_restore
puts mask tokens back in place), so key j >= 1 is patch j - 1.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import torch
from torch import Tensor, nn

from .errors import MaeStudioError
from .grid import Grid, GridLike
from .model import CancelCheck, MaskedAutoencoderViT

if TYPE_CHECKING:
    from .predictor import Predictor


class AttentionUnavailable(MaeStudioError):
    """The attention view cannot be computed for this input (e.g. a tiled photo)."""


@dataclass(frozen=True)
class DecoderAttention:
    """The attention of one query patch in the decoder."""

    weights: np.ndarray  # float32 [blocks, heads, h, w]: to each patch (rows of 1 with `cls`)
    cls: np.ndarray  # float32 [blocks, heads]: to the CLS token
    query: tuple[int, int]  # (row, col) of the query patch
    mask: np.ndarray  # bool [h, w], True = removed: those keys are mask tokens, not encoded patches

    def averaged(self, block: int | None = None, head: int | None = None) -> np.ndarray:
        """float32 [h, w]: one block and head, or the mean over blocks and/or heads (None)."""
        w = self.weights
        w = w.mean(axis=0) if block is None else w[block]
        return (w.mean(axis=0) if head is None else w[head]).astype(np.float32)


def attention_row(attn: nn.Module, x: Tensor, query: int) -> Tensor:
    """The softmax attention row of token `query` in a timm Attention module, from its normed
    input x [1, T, C], with the module's own projections: float32 [heads, T]."""
    heads, head_dim = attn.num_heads, attn.head_dim
    qkv = attn.qkv(x)  # [1, T, 3 * heads * head_dim]
    q, k = qkv.reshape(x.shape[0], x.shape[1], 3, heads, head_dim).permute(2, 0, 3, 1, 4)[:2]  # [1, H, T, d]
    q, k = attn.q_norm(q), attn.k_norm(k)
    scores = (q[0, :, query : query + 1, :].float() @ k[0].float().transpose(-2, -1)) * attn.scale
    return scores[:, 0, :].softmax(dim=-1)  # [heads, T]


def decoder_attention(
    model: MaskedAutoencoderViT,
    imgs: Tensor,
    mask: np.ndarray,
    query: tuple[int, int],
    grid: GridLike | None = None,
    should_cancel: CancelCheck = None,
) -> DecoderAttention:
    """imgs [1, 3, H, W] normalized, mask bool [h, w] (True = removed), query (row, col) ->
    the query token's attention in every decoder block. Raises Cancelled between blocks."""
    g = model.grid_of(imgs) if grid is None else Grid.of(grid)
    mask = np.asarray(mask, dtype=bool)
    if mask.shape != g.shape:
        raise ValueError(f"mask must be {g} for this image, got {mask.shape}")
    row, col = query
    if not (0 <= row < g.h and 0 <= col < g.w):
        raise ValueError(f"patch ({row}, {col}) lies outside the {g} grid")
    token = 1 + row * g.w + col  # CLS first
    rows: list[Tensor] = []

    def catch(block: nn.Module, args: tuple[Tensor, ...]) -> None:
        rows.append(attention_row(block.attn, block.norm1(args[0]), token))

    hooks = [blk.register_forward_pre_hook(catch) for blk in model.decoder_blocks]
    try:
        with torch.inference_mode():
            flat = torch.from_numpy(mask.reshape(1, -1)).to(imgs.device)
            ids_keep, ids_restore = model.mask_to_ids(flat)
            latent = model.encode(*model.embed(imgs), ids_keep, should_cancel)
            model.decode(latent, ids_restore, g, should_cancel)
    finally:
        for hook in hooks:
            hook.remove()
    stacked = torch.stack(rows).cpu().numpy()  # [blocks, heads, 1 + L]
    weights = stacked[:, :, 1:].reshape(stacked.shape[0], stacked.shape[1], g.h, g.w)
    return DecoderAttention(weights.astype(np.float32), stacked[:, :, 0].astype(np.float32), (row, col), mask)


def predictor_attention(
    predictor: Predictor, mask: np.ndarray, query: tuple[int, int], should_cancel: CancelCheck = None
) -> DecoderAttention:
    """decoder_attention for a Predictor's current image (crop or whole fit), in float32 with
    the predictor's own model whatever its precision."""
    if predictor.fit == "tiles":
        raise AttentionUnavailable(
            "the attention view needs one model input: choose the crop or whole photo fit (tiles run many)"
        )
    return decoder_attention(
        predictor.model, predictor.input_tensor, mask, query, predictor.grid, should_cancel
    )
