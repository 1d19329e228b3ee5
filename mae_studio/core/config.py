"""Architecture of a Masked Autoencoder, as a dataclass that travels with its weights."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

# ImageNet statistics, as used by every official MAE checkpoint.
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


@dataclass(frozen=True)
class MAEConfig:
    img_size: int = 224  # input side in pixels (square)
    patch_size: int = 16  # p: side of one patch in pixels
    in_chans: int = 3  # RGB
    embed_dim: int = 1024  # D: encoder width
    depth: int = 24  # encoder blocks
    num_heads: int = 16  # encoder attention heads
    decoder_embed_dim: int = 512  # decoder width
    decoder_depth: int = 8  # decoder blocks
    decoder_num_heads: int = 16  # decoder attention heads
    mlp_ratio: float = 4.0  # MLP hidden width / block width
    layer_norm_eps: float = 1e-6  # eps of every LayerNorm
    norm_pix_loss: bool = False  # trained on per-patch normalized pixel targets ("_full" checkpoints)
    name: str = "mae"  # human-readable label shown in the UI and reports

    def __post_init__(self) -> None:
        if self.img_size % self.patch_size:
            raise ValueError(f"img_size {self.img_size} is not a multiple of patch_size {self.patch_size}")
        for width, heads, what in (
            (self.embed_dim, self.num_heads, "encoder"),
            (self.decoder_embed_dim, self.decoder_num_heads, "decoder"),
        ):
            if heads <= 0 or width % heads:
                raise ValueError(f"{what} width {width} is not divisible by {heads} heads")
        if self.embed_dim % 4 or self.decoder_embed_dim % 4:
            raise ValueError("2-D sin-cos position embeddings need widths divisible by 4")

    @property
    def grid_size(self) -> int:
        """Patches per side (h = w)."""
        return self.img_size // self.patch_size

    @property
    def num_patches(self) -> int:
        """L: patches per image."""
        return self.grid_size**2

    @property
    def patch_dim(self) -> int:
        """p*p*3: values predicted per patch."""
        return self.patch_size**2 * self.in_chans

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MAEConfig:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown config fields: {', '.join(unknown)}")
        return cls(**data)

    @classmethod
    def from_json(cls, text: str) -> MAEConfig:
        return cls.from_dict(json.loads(text))

    def with_name(self, name: str) -> MAEConfig:
        return replace(self, name=name)


# The official releases (facebookresearch/mae): decoder 512 wide, 8 blocks, 16 heads.
PRESETS: dict[str, MAEConfig] = {
    "vit_base_patch16": MAEConfig(patch_size=16, embed_dim=768, depth=12, num_heads=12, name="MAE ViT-B/16"),
    "vit_large_patch16": MAEConfig(
        patch_size=16, embed_dim=1024, depth=24, num_heads=16, name="MAE ViT-L/16"
    ),
    "vit_huge_patch14": MAEConfig(patch_size=14, embed_dim=1280, depth=32, num_heads=16, name="MAE ViT-H/14"),
}

# The architecture of the shipped default model (weights/mae_studio_default.safetensors), the
# `tiny` preset of `mae-studio train`: encoder 192x6 (3 heads), decoder 128x3 (4 heads), 3.5M.
DEFAULT_ARCH: dict[str, int] = dict(
    embed_dim=192, depth=6, num_heads=3, decoder_embed_dim=128, decoder_depth=3, decoder_num_heads=4
)

# Heads cannot be read from weight shapes; these are the official widths' head counts.
HEADS_BY_WIDTH: dict[int, int] = {768: 12, 1024: 16, 1280: 16}
DECODER_HEADS_BY_WIDTH: dict[int, int] = {512: 16}
