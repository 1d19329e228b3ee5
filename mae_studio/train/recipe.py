"""What a training run does: architecture presets, the recipe, the optimizer and its schedule."""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING

from mae_studio.core.config import DEFAULT_ARCH, MAEConfig

if TYPE_CHECKING:  # torch loads with the optimizer, not with the CLI's parser
    import torch
    from torch import nn

# Encoder width x depth (heads), decoder width x depth (heads). Heads of 32-64 channels.
ARCHS: dict[str, dict[str, int]] = {
    "micro": dict(
        embed_dim=128, depth=4, num_heads=4, decoder_embed_dim=96, decoder_depth=2, decoder_num_heads=3
    ),
    "tiny": dict(DEFAULT_ARCH),  # the shipped default model's
    "small": dict(
        embed_dim=256, depth=8, num_heads=4, decoder_embed_dim=192, decoder_depth=3, decoder_num_heads=6
    ),
    "vit-s": dict(
        embed_dim=384, depth=12, num_heads=6, decoder_embed_dim=256, decoder_depth=4, decoder_num_heads=8
    ),
    "vit-b": dict(
        embed_dim=768, depth=12, num_heads=12, decoder_embed_dim=512, decoder_depth=8, decoder_num_heads=16
    ),
}


def build_config(arch: str, img_size: int = 224, patch_size: int = 16, **overrides: int | None) -> MAEConfig:
    """A preset with any of its fields overridden (None = keep the preset's)."""
    if arch not in ARCHS:
        raise ValueError(f"unknown architecture '{arch}' (choose from {', '.join(ARCHS)})")
    fields_ = dict(ARCHS[arch])
    fields_.update({k: v for k, v in overrides.items() if v is not None})
    name = f"MAE Studio {arch} {fields_['embed_dim']}x{fields_['depth']}/{patch_size}"
    return MAEConfig(img_size=img_size, patch_size=patch_size, norm_pix_loss=False, name=name, **fields_)


@dataclass
class Recipe:
    """Everything that decides the weights, besides the data: saved in every checkpoint."""

    batch_size: int = 64  # images per optimizer step (all ranks together)
    lr: float = 1.5e-3  # peak learning rate
    min_lr: float = 1e-5  # end of the cosine
    warmup_frac: float = 0.05  # share of the planned steps spent warming up linearly
    min_warmup_steps: int = 20
    weight_decay: float = 0.05  # not on norms, biases and tokens
    betas: tuple[float, float] = (0.9, 0.95)
    clip_grad: float = 0.0  # max grad norm; 0 = no clipping
    mask_ratio: float = 0.75
    crop_scale: tuple[float, float] = (0.25, 1.0)
    crop_ratio: tuple[float, float] = (3 / 4, 4 / 3)
    hflip: float = 0.5
    short_side: int = 288  # decoded image resolution (shorter side) the crops come from
    seed: int = 0
    extra: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)


def param_groups(model: nn.Module, weight_decay: float) -> list[dict]:
    """AdamW groups: decay on matrices, none on norms, biases and the cls/mask tokens."""
    decay, no_decay = [], []
    for name, p in model.named_parameters():
        if not p.requires_grad:
            continue
        if p.ndim <= 1 or name.endswith(("cls_token", "mask_token")):
            no_decay.append(p)
        else:
            decay.append(p)
    return [
        {"params": decay, "weight_decay": weight_decay},
        {"params": no_decay, "weight_decay": 0.0},
    ]


def make_optimizer(model: nn.Module, recipe: Recipe, device: torch.device) -> torch.optim.AdamW:
    fused = device.type == "cuda"
    import torch

    return torch.optim.AdamW(
        param_groups(model, recipe.weight_decay), lr=recipe.lr, betas=recipe.betas, fused=fused
    )


def warmup_steps(recipe: Recipe, total_steps: int) -> int:
    return max(recipe.min_warmup_steps, round(recipe.warmup_frac * total_steps))


def lr_at(step: int, total_steps: int, recipe: Recipe) -> float:
    """Linear warm-up to `lr`, then half a cosine down to `min_lr` at `total_steps`."""
    warm = warmup_steps(recipe, total_steps)
    if step < warm:
        return recipe.lr * (step + 1) / warm
    progress = min(1.0, (step - warm) / max(1, total_steps - warm))
    return recipe.min_lr + (recipe.lr - recipe.min_lr) * 0.5 * (1.0 + math.cos(math.pi * progress))
