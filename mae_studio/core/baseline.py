"""A straightforward eager float32 forward, written the way facebookresearch/mae's code runs
(timm 0.3 blocks: attention as explicit `softmax(q @ k^T * scale) @ v`, no fused kernels, the
whole image embedded on every call). The benchmark times it as the yardstick `exact` must not
lose to; tests check it agrees with the model.

It reads the weights of a MaskedAutoencoderViT and shares no forward code with it.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .model import MaskedAutoencoderViT


def _layer_norm(x: Tensor, norm: nn.LayerNorm) -> Tensor:
    return F.layer_norm(x, norm.normalized_shape, norm.weight, norm.bias, norm.eps)


def _block(x: Tensor, blk: nn.Module) -> Tensor:
    """One pre-norm transformer block. x [N, T, D]."""
    N, T, D = x.shape
    attn = blk.attn
    H = attn.num_heads
    y = _layer_norm(x, blk.norm1)
    qkv = F.linear(y, attn.qkv.weight, attn.qkv.bias).reshape(N, T, 3, H, D // H).permute(2, 0, 3, 1, 4)
    q, k, v = qkv[0], qkv[1], qkv[2]  # [N, H, T, D/H]
    a = (q @ k.transpose(-2, -1)) * (D // H) ** -0.5
    a = a.softmax(dim=-1)
    y = (a @ v).transpose(1, 2).reshape(N, T, D)
    x = x + F.linear(y, attn.proj.weight, attn.proj.bias)
    mlp = blk.mlp
    y = _layer_norm(x, blk.norm2)
    y = F.gelu(F.linear(y, mlp.fc1.weight, mlp.fc1.bias))
    return x + F.linear(y, mlp.fc2.weight, mlp.fc2.bias)


def reference_forward(model: MaskedAutoencoderViT, imgs: Tensor, mask: Tensor) -> Tensor:
    """imgs [N, 3, H, W] normalized, mask [N, L] (1 = removed) -> pred [N, L, p*p*3]."""
    m = model
    # encoder: embed every patch, keep the visible ones (row-major), prepend CLS
    x = F.conv2d(imgs, m.patch_embed.proj.weight, m.patch_embed.proj.bias, stride=m.config.patch_size)
    x = x.flatten(2).transpose(1, 2)  # [N, L, D]
    x = x + m.pos_embed[:, 1:, :]
    N, L, D = x.shape
    ids_shuffle = torch.argsort(mask, dim=1, stable=True)  # visible (0) first
    ids_restore = torch.argsort(ids_shuffle, dim=1)
    len_keep = L - int(mask[0].sum())
    ids_keep = ids_shuffle[:, :len_keep]
    x = torch.gather(x, 1, ids_keep.unsqueeze(-1).repeat(1, 1, D))
    cls = m.cls_token + m.pos_embed[:, :1, :]
    x = torch.cat((cls.expand(N, -1, -1), x), dim=1)
    for blk in m.blocks:
        x = _block(x, blk)
    x = _layer_norm(x, m.norm)

    # decoder: mask tokens back in place, all L + 1 tokens through the decoder blocks
    x = F.linear(x, m.decoder_embed.weight, m.decoder_embed.bias)
    Dd = x.shape[-1]
    mask_tokens = m.mask_token.repeat(N, L + 1 - x.shape[1], 1)
    x_ = torch.cat((x[:, 1:, :], mask_tokens), dim=1)
    x_ = torch.gather(x_, 1, ids_restore.unsqueeze(-1).repeat(1, 1, Dd))
    x = torch.cat((x[:, :1, :], x_), dim=1) + m.decoder_pos_embed
    for blk in m.decoder_blocks:
        x = _block(x, blk)
    x = _layer_norm(x, m.decoder_norm)
    x = F.linear(x, m.decoder_pred.weight, m.decoder_pred.bias)
    return x[:, 1:, :]
