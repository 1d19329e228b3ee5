"""Architecture of a Masked Autoencoder, as a dataclass that travels with its weights."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

# ImageNet statistics, as used by every official MAE checkpoint.
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)

# Every value of a config, from any source (a file's metadata, config.json, training args, the
# command line), is checked by `check_fields` before a model is built from it. The bounds are
# far above every published MAE (ViT-H/14: 1280 wide, 32 blocks, 256 patches), far below what
# would exhaust a workstation's memory before a single weight is read.
INT_RANGES: dict[str, tuple[int, int]] = {
    "img_size": (1, 4096),
    "patch_size": (1, 256),
    "in_chans": (1, 16),
    "embed_dim": (4, 8192),
    "depth": (1, 128),
    "num_heads": (1, 1024),
    "decoder_embed_dim": (4, 8192),
    "decoder_depth": (1, 128),
    "decoder_num_heads": (1, 1024),
}
FLOAT_RANGES: dict[str, tuple[float, float]] = {"mlp_ratio": (0.0, 16.0), "layer_norm_eps": (0.0, 1.0)}
MAX_PATCHES = 16384  # L: a 128 x 128 grid
MAX_POSITION_TABLE = 1 << 25  # (1 + L) x width values of a position embedding
MAX_NAME_CHARS = 200


def check_fields(values: Mapping[str, Any]) -> None:
    """ValueError naming the first field (of those present) whose type or range is wrong."""
    for key, value in values.items():
        if key in INT_RANGES:
            low, high = INT_RANGES[key]
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError(f"{key} must be a whole number, not {shown_value(value)}")
            if not low <= value <= high:
                raise ValueError(f"{key} {shown_value(value)} is outside {low}..{high}")
        elif key in FLOAT_RANGES:
            low_f, high_f = FLOAT_RANGES[key]
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ValueError(f"{key} must be a number, not {shown_value(value)}")
            if not (math.isfinite(value) and low_f < value <= high_f):
                raise ValueError(f"{key} {value!r} is outside ({low_f:g}, {high_f:g}]")
        elif key == "norm_pix_loss":
            if not isinstance(value, bool):
                raise ValueError(f"norm_pix_loss must be true or false, not {shown_value(value)}")
        elif key == "name":
            if not isinstance(value, str):
                raise ValueError(f"name must be text, not {shown_value(value)}")
            if len(value) > MAX_NAME_CHARS or not value.isprintable():
                raise ValueError(f"name must be one printable line of at most {MAX_NAME_CHARS} characters")


def shown_value(value: Any) -> str:
    """A value for a message about untrusted input: itself when it is a short scalar, else its type."""
    kind = type(value).__name__
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 64:
        return f"a {value.bit_length()}-bit {kind}"  # str() of a huge int is slow, or refused
    if isinstance(value, (bool, int, float, str)) or value is None:
        text = repr(value)
        if len(text) <= 24 and text.isprintable():
            return text if isinstance(value, (int, float)) else f"{kind} {text}"
    return f"a {kind}"


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
        check_fields(asdict(self))
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
        if self.num_patches > MAX_PATCHES:
            raise ValueError(f"{self.num_patches} patches per image is over the limit of {MAX_PATCHES}")
        table = (self.num_patches + 1) * max(self.embed_dim, self.decoder_embed_dim)
        if table > MAX_POSITION_TABLE:
            raise ValueError(f"position tables of {table} values are over the limit of {MAX_POSITION_TABLE}")
        for width, what in ((self.embed_dim, "encoder"), (self.decoder_embed_dim, "decoder")):
            if int(width * self.mlp_ratio) < 1:
                raise ValueError(f"mlp_ratio {self.mlp_ratio} leaves the {what} MLP without units")

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


@dataclass(frozen=True)
class ModelCard:
    """Where a loaded checkpoint's architecture and training target came from. Sizes always
    come from the tensors' shapes; heads and the target come from one of the sources below."""

    format: str  # what the file is, e.g. "official training checkpoint (epoch 799)"
    heads_from: str  # "file metadata", "config.json", "training args (...)", "official table", "given"
    target: str  # "pixels" or "normalized pixels" (norm_pix_loss)
    target_from: str  # "file metadata", "config.json", "training args", "file name (_full)", "default"

    def lines(self) -> list[str]:
        return [
            self.format,
            f"heads from {self.heads_from}",
            f"target {self.target} (from {self.target_from})",
        ]

    def summary(self) -> str:
        return "; ".join(self.lines())

    def as_dict(self) -> dict[str, str]:
        return asdict(self)
