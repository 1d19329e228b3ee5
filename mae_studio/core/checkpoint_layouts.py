"""Key layouts and the hints that travel with weights, turned into the official MAE's terms.

Layouts (detected from the keys, never from the file name):
- official facebookresearch/mae: `blocks.N.attn.qkv`, `decoder_blocks.N...` (MAE Studio's own too);
- Hugging Face ViTMAEForPreTraining as the Hub holds it: `vit.encoder.layer.N...`,
  `decoder.decoder_layers.N.attention.attention.query...`;
- transformers 5 `save_pretrained`: the same, but decoder blocks as `decoder.decoder_encoder.layer.N`;
- transformers 5 in-memory names (`save_original_format=False`): `vit.layers.N.attention.q_proj`,
  `...mlp.fc1`, `decoder.decoder_layers.N.attention.q_proj`.
Hints: MAE Studio's safetensors metadata, a ViTMAE config.json, and the official training
script's `args` (an argparse.Namespace) say what shapes cannot: heads, eps and the target.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import Any

import torch
from torch import Tensor

from .config import PRESETS, check_fields, shown_value
from .errors import CheckpointError

StateDict = dict[str, Tensor]

HF_LAYOUTS = {
    "hub": "Hugging Face ViTMAE",
    "transformers5": "Hugging Face ViTMAE (transformers 5 save_pretrained layout)",
    "internal": "Hugging Face ViTMAE (transformers 5 internal names)",
}
_HF_TOP = {
    "vit.embeddings.cls_token": "cls_token",
    "vit.embeddings.position_embeddings": "pos_embed",
    "vit.embeddings.patch_embeddings.projection.weight": "patch_embed.proj.weight",
    "vit.embeddings.patch_embeddings.projection.bias": "patch_embed.proj.bias",
    "vit.layernorm.weight": "norm.weight",
    "vit.layernorm.bias": "norm.bias",
    "decoder.mask_token": "mask_token",
    "decoder.decoder_pos_embed": "decoder_pos_embed",
    "decoder.decoder_embed.weight": "decoder_embed.weight",
    "decoder.decoder_embed.bias": "decoder_embed.bias",
    "decoder.decoder_norm.weight": "decoder_norm.weight",
    "decoder.decoder_norm.bias": "decoder_norm.bias",
    "decoder.decoder_pred.weight": "decoder_pred.weight",
    "decoder.decoder_pred.bias": "decoder_pred.bias",
}
_HF_STACKS = {  # block-list prefix -> (official prefix, the layouts that write it)
    "vit.encoder.layer": ("blocks", {"hub", "transformers5"}),
    "vit.layers": ("blocks", {"internal"}),
    "decoder.decoder_layers": ("decoder_blocks", {"hub", "internal"}),
    "decoder.decoder_encoder.layer": ("decoder_blocks", {"transformers5"}),
}
_HF_SUB = {  # inside a block -> (official name, the layouts that write it)
    "attention.attention.query": ("q", {"hub", "transformers5"}),
    "attention.attention.key": ("k", {"hub", "transformers5"}),
    "attention.attention.value": ("v", {"hub", "transformers5"}),
    "attention.output.dense": ("attn.proj", {"hub", "transformers5"}),
    "intermediate.dense": ("mlp.fc1", {"hub", "transformers5"}),
    "output.dense": ("mlp.fc2", {"hub", "transformers5"}),
    "attention.q_proj": ("q", {"internal"}),
    "attention.k_proj": ("k", {"internal"}),
    "attention.v_proj": ("v", {"internal"}),
    "attention.o_proj": ("attn.proj", {"internal"}),
    "mlp.fc1": ("mlp.fc1", {"internal"}),
    "mlp.fc2": ("mlp.fc2", {"internal"}),
    "layernorm_before": ("norm1", {"hub", "transformers5", "internal"}),
    "layernorm_after": ("norm2", {"hub", "transformers5", "internal"}),
}
_HF_LAYER = re.compile(
    r"^(vit\.encoder\.layer|vit\.layers|decoder\.decoder_layers|decoder\.decoder_encoder\.layer)"
    r"\.(\d{1,6})\.(.+)\.(weight|bias)$"
)


def is_hf_layout(sd: StateDict) -> bool:
    return any(k.startswith(("vit.", "decoder.decoder_")) for k in sd)


def hf_to_official(path: Path, sd: StateDict) -> tuple[StateDict, str]:
    """Hugging Face keys -> official ones (q, k, v concatenated into qkv), and the layout's label."""
    out: StateDict = {}
    qkv: dict[tuple[str, str, str], dict[str, Tensor]] = {}
    layouts = {"hub", "transformers5", "internal"}
    for key, value in sd.items():
        if key in _HF_TOP:
            _put(path, out, _HF_TOP[key], value, key)
            continue
        m = _HF_LAYER.match(key)
        sub = _HF_SUB.get(m.group(3)) if m else None
        if m is None or sub is None:
            _put(path, out, key, value, key)  # unknown: reported by the architecture check
            continue
        stack, idx, _, kind = m.groups()
        prefix, stack_layouts = _HF_STACKS[stack]
        name, sub_layouts = sub
        layouts &= stack_layouts & sub_layouts
        if name in ("q", "k", "v"):
            part = qkv.setdefault((prefix, idx, kind), {})
            if name in part:
                raise CheckpointError(path, f"holds layer {prefix}.{idx}'s {name} {kind} twice (two layouts)")
            part[name] = value
        else:
            _put(path, out, f"{prefix}.{idx}.{name}.{kind}", value, key)
    if not layouts:
        raise CheckpointError(path, "mixes the key names of different Hugging Face layouts")
    for (prefix, idx, kind), parts in sorted(qkv.items()):
        if set(parts) != {"q", "k", "v"}:
            raise CheckpointError(path, f"layer {prefix}.{idx} lacks some of query/key/value")
        q, k, v = parts["q"], parts["k"], parts["v"]
        if not (q.dim() == k.dim() == v.dim() and q.shape[1:] == k.shape[1:] == v.shape[1:] and q.dim()):
            raise CheckpointError(path, f"layer {prefix}.{idx}: query, key and value {kind}s differ in shape")
        _put(path, out, f"{prefix}.{idx}.attn.qkv.{kind}", torch.cat([q, k, v], dim=0), f"{prefix}.{idx}")
    label = "hub" if "hub" in layouts else min(layouts)
    return out, HF_LAYOUTS[label]


def _put(path: Path, out: StateDict, key: str, value: Tensor, source: str) -> None:
    if key in out:
        raise CheckpointError(path, f"two entries name the same weight ({key[:80]}, from {source[:80]})")
    out[key] = value


# ----------------------------------------------------------------------------------
# hints: what the shapes cannot tell

# config.json field -> the architecture value (from the shapes) it must agree with
HF_SIZES = {
    "hidden_size": "embed_dim",
    "num_hidden_layers": "depth",
    "decoder_hidden_size": "decoder_embed_dim",
    "decoder_num_hidden_layers": "decoder_depth",
    "patch_size": "patch_size",
    "image_size": "img_size",
    "num_channels": "in_chans",
    "intermediate_size": "mlp_hidden",
    "decoder_intermediate_size": "decoder_mlp_hidden",
}
# MAE Studio metadata fields that the shapes also give, and must agree with
OWN_SIZES = ("img_size", "patch_size", "in_chans", "embed_dim", "depth", "decoder_embed_dim", "decoder_depth")


def hints_from_hf_config(path: Path, cfg: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """config.json -> (hints, sizes the shapes must agree with)."""
    if not isinstance(cfg, dict):
        raise CheckpointError(path, "config.json does not hold a JSON object")
    if cfg.get("model_type") not in (None, "vit_mae"):
        kind = str(cfg.get("model_type"))[:40]
        raise CheckpointError(path, f"config.json describes a '{kind}' model, not vit_mae")
    if cfg.get("hidden_act", "gelu") != "gelu" or cfg.get("qkv_bias", True) is not True:
        raise CheckpointError(path, "config.json asks for a non-GELU or bias-free variant")
    hints: dict[str, Any] = {}
    for ours, theirs in (
        ("num_heads", "num_attention_heads"),
        ("decoder_num_heads", "decoder_num_attention_heads"),
        ("layer_norm_eps", "layer_norm_eps"),
        ("norm_pix_loss", "norm_pix_loss"),
    ):
        if theirs in cfg:
            hints[ours] = cfg[theirs]
    sizes: dict[str, Any] = {}
    for theirs, ours in HF_SIZES.items():
        value = cfg.get(theirs)
        if isinstance(value, list) and len(value) == 2 and value[0] == value[1]:
            value = value[0]  # transformers 5 allows [h, w] image and patch sizes
        if value is not None:
            sizes[ours] = value
    _check(path, hints, "config.json")
    return hints, sizes


def hints_from_metadata(path: Path, cfg: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """MAE Studio's metadata "config" -> (hints, sizes the shapes must agree with)."""
    if not isinstance(cfg, dict):
        raise CheckpointError(path, "damaged architecture metadata (not a JSON object)")
    keys = ("num_heads", "decoder_num_heads", "layer_norm_eps", "norm_pix_loss", "name")
    hints = {k: cfg[k] for k in keys if k in cfg}
    _check(path, hints, "its metadata")
    return hints, {k: cfg[k] for k in OWN_SIZES if k in cfg}


# The official training script's --model choices (models_mae.py) -> our presets.
OFFICIAL_MODELS = {
    "mae_vit_base_patch16": "vit_base_patch16",
    "mae_vit_base_patch16_dec512d8b": "vit_base_patch16",
    "mae_vit_large_patch16": "vit_large_patch16",
    "mae_vit_large_patch16_dec512d8b": "vit_large_patch16",
    "mae_vit_huge_patch14": "vit_huge_patch14",
    "mae_vit_huge_patch14_dec512d8b": "vit_huge_patch14",
}


def training_args(path: Path, extras: dict[str, Any]) -> dict[str, Any] | None:
    """The `args` of an official training checkpoint (a Namespace, or a dict in some forks)."""
    args = extras.get("args")
    if args is None:
        return None
    if isinstance(args, argparse.Namespace):
        args = vars(args)
    if not isinstance(args, dict):
        raise CheckpointError(path, f"its training args are a {type(args).__name__}, not a Namespace")
    return {str(k): v for k, v in args.items()}


def hints_from_args(path: Path, args: dict[str, Any], arch: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """Training args -> (hints, label of the heads' source). The --model name gives the heads
    when it is an official one and the shapes agree with it."""
    hints: dict[str, Any] = {}
    if "norm_pix_loss" in args:
        hints["norm_pix_loss"] = args["norm_pix_loss"]
    _check(path, hints, "its training args")
    if "input_size" in args:
        check_sizes(path, {"img_size": args["input_size"]}, arch, "its training args")
    model = args.get("model")
    if not isinstance(model, str) or model not in OFFICIAL_MODELS:
        return hints, ""
    preset = PRESETS[OFFICIAL_MODELS[model]]
    for key in ("embed_dim", "depth", "patch_size", "decoder_embed_dim", "decoder_depth"):
        if arch[key] != getattr(preset, key):
            raise CheckpointError(
                path,
                f"its training args name {model}, whose {key} is {getattr(preset, key)}, "
                f"but its weights have {key} {arch[key]}",
            )
    hints.update(num_heads=preset.num_heads, decoder_num_heads=preset.decoder_num_heads)
    return hints, f"training args ({model})"


def check_sizes(path: Path, sizes: dict[str, Any], arch: dict[str, Any], where: str) -> None:
    """A size a config states must be the one the weights have."""
    for key, value in sizes.items():
        if key in arch and (isinstance(value, bool) or value != arch[key]):
            raise CheckpointError(
                path, f"{where} gives {key} {shown_value(value)} but the weights have {arch[key]}"
            )


def _check(path: Path, hints: dict[str, Any], where: str) -> None:
    try:
        check_fields(hints)
    except ValueError as e:
        raise CheckpointError(path, f"{where}: {e}") from e
