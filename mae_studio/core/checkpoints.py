"""Load MAE weights from the official, Hugging Face and MAE Studio layouts; refuse the rest.

Nothing here unpickles code: `.pth`/`.bin` files go through `torch.load(weights_only=True)`
and everything else through safetensors. The architecture is read from the tensors; the
head counts, which shapes cannot tell, come from metadata, config.json, or the official table.
"""

from __future__ import annotations

import json
import os
import pickle
import re
import zipfile
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file
from torch import Tensor

from .config import DECODER_HEADS_BY_WIDTH, HEADS_BY_WIDTH, PRESETS, MAEConfig
from .errors import CheckpointError, SaveError
from .files import atomic_destination, describe_os_error, ensure_folder
from .model import MaskedAutoencoderViT

FORMAT_TAG = "mae-studio"  # safetensors metadata "format" of this project's own files
HF_WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")
StateDict = dict[str, Tensor]


# ----------------------------------------------------------------------------------
# reading raw tensors


def _sniff(path: Path) -> str:
    """'torch' (zip or legacy pickle), 'safetensors', or raise."""
    try:
        with path.open("rb") as f:
            head = f.read(16)
    except OSError as e:
        raise CheckpointError(path, f"cannot be read ({e.strerror or e})") from e
    if not head:
        raise CheckpointError(path, "the file is empty")
    # safetensors first: its 8-byte header length can begin with 0x80, pickle's PROTO opcode
    # (one valid file in 32, as lengths are padded to 8). Byte 8 of a torch.save zip or pickle
    # is not "{"; any other pickle taken for safetensors is still refused, never unpickled.
    if len(head) >= 9 and head[8:9] == b"{":
        return "safetensors"
    if head.startswith(b"PK\x03\x04") or head[:1] == b"\x80":
        return "torch"
    raise CheckpointError(path, "not a checkpoint: neither a PyTorch file (.pth/.bin) nor safetensors")


def _load_torch(path: Path) -> dict[str, Any]:
    try:
        # A file object, not the path: torch.load would pick its loader by file extension.
        with path.open("rb") as f:
            obj = torch.load(f, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise CheckpointError(
            path,
            "refused: the file carries pickled code or objects other than tensors, which "
            f"MAE Studio never runs ({first[:200]})",
        ) from e
    except (RuntimeError, EOFError, zipfile.BadZipFile, OSError, ValueError) as e:
        raise CheckpointError(path, f"damaged or truncated PyTorch file ({_first_line(e)})") from e
    if not isinstance(obj, dict):
        raise CheckpointError(path, f"holds a {type(obj).__name__}, not a state dict")
    return obj


def _load_safetensors(path: Path) -> tuple[StateDict, dict[str, str]]:
    from safetensors import safe_open

    try:
        with safe_open(str(path), framework="pt") as f:
            metadata = dict(f.metadata() or {})
        tensors = load_file(str(path))
    except (SafetensorError, OSError, ValueError, RuntimeError) as e:
        raise CheckpointError(path, f"damaged or truncated safetensors file ({_first_line(e)})") from e
    return tensors, metadata


def _first_line(e: BaseException) -> str:
    text = str(e).strip()
    return (text.splitlines()[0] if text else type(e).__name__)[:200]


def _unwrap(path: Path, obj: dict[str, Any]) -> StateDict:
    """`{"model": state_dict}` or a bare state dict -> state dict of tensors."""
    sd = obj.get("model", obj) if isinstance(obj.get("model"), dict) else obj
    if not sd:
        raise CheckpointError(path, "holds no tensors")
    bad = [k for k, v in sd.items() if not isinstance(v, Tensor)]
    if bad:
        keys = ", ".join(sorted(map(str, bad))[:5])
        raise CheckpointError(path, f"not a state dict of tensors (non-tensor entries: {keys})")
    return {str(k): v for k, v in sd.items()}


# ----------------------------------------------------------------------------------
# Hugging Face ViTMAEForPreTraining -> official key names

_HF_BLOCK = {
    "attention.output.dense": "attn.proj",
    "layernorm_before": "norm1",
    "layernorm_after": "norm2",
    "intermediate.dense": "mlp.fc1",
    "output.dense": "mlp.fc2",
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
}
_HF_LAYER = re.compile(r"^(vit\.encoder\.layer|decoder\.decoder_layers)\.(\d+)\.(.+)\.(weight|bias)$")


def is_hf_layout(sd: StateDict) -> bool:
    return any(k.startswith(("vit.", "decoder.decoder_")) for k in sd)


def hf_to_official(path: Path, sd: StateDict) -> StateDict:
    out: StateDict = {}
    qkv: dict[tuple[str, str, str], dict[str, Tensor]] = {}
    for key, value in sd.items():
        if key in _HF_TOP:
            out[_HF_TOP[key]] = value
            continue
        if key.startswith("decoder.") and not key.startswith("decoder.decoder_layers."):
            out[key[len("decoder.") :]] = value  # decoder_embed, decoder_norm, decoder_pred
            continue
        m = _HF_LAYER.match(key)
        if m is None:
            out[key] = value  # unknown: reported by the strict check
            continue
        stack, idx, sub, kind = m.groups()
        prefix = "blocks" if stack.startswith("vit") else "decoder_blocks"
        if sub.startswith("attention.attention."):
            part = sub.rsplit(".", 1)[1]  # query / key / value
            qkv.setdefault((prefix, idx, kind), {})[part] = value
        elif sub in _HF_BLOCK:
            out[f"{prefix}.{idx}.{_HF_BLOCK[sub]}.{kind}"] = value
        else:
            out[key] = value
    for (prefix, idx, kind), parts in qkv.items():
        if set(parts) != {"query", "key", "value"}:
            raise CheckpointError(path, f"layer {prefix}.{idx} lacks some of query/key/value")
        out[f"{prefix}.{idx}.attn.qkv.{kind}"] = torch.cat(
            [parts["query"], parts["key"], parts["value"]], dim=0
        )
    return out


def _config_from_hf(path: Path, cfg: dict[str, Any]) -> dict[str, Any]:
    if cfg.get("model_type") not in (None, "vit_mae"):
        raise CheckpointError(path, f"config.json describes a '{cfg.get('model_type')}' model, not vit_mae")
    if cfg.get("hidden_act", "gelu") != "gelu" or not cfg.get("qkv_bias", True):
        raise CheckpointError(path, "config.json asks for a non-GELU or bias-free variant")
    out: dict[str, Any] = {}
    for ours, theirs in (
        ("num_heads", "num_attention_heads"),
        ("decoder_num_heads", "decoder_num_attention_heads"),
        ("layer_norm_eps", "layer_norm_eps"),
        ("norm_pix_loss", "norm_pix_loss"),
    ):
        if theirs in cfg:
            out[ours] = cfg[theirs]
    return out


# ----------------------------------------------------------------------------------
# architecture from shapes


def _count_blocks(sd: StateDict, prefix: str) -> int:
    ids = {int(m.group(1)) for k in sd if (m := re.match(rf"^{prefix}\.(\d+)\.", k))}
    return max(ids) + 1 if ids else 0


def _refuse_non_mae(path: Path, sd: StateDict) -> None:
    if "patch_embed.proj.weight" not in sd:
        sample = ", ".join(sorted(sd)[:4])
        raise CheckpointError(path, f"not an MAE checkpoint: no patch embedding (its keys begin: {sample})")
    if any(k.startswith(("head.", "fc_norm.")) for k in sd):
        raise CheckpointError(
            path,
            "a fine-tuned classifier (it has a classification head and no decoder); "
            "reconstruction needs the pre-training checkpoint with its decoder",
        )
    if not any(k.startswith(("decoder_", "mask_token")) for k in sd):
        raise CheckpointError(
            path,
            "an encoder-only checkpoint (no decoder): it cannot reconstruct pixels. Use a "
            "checkpoint with its decoder, e.g. mae_visualize_vit_*.pth or mae_pretrain_*_full.pth",
        )


def infer_config(path: Path, sd: StateDict, hints: dict[str, Any]) -> MAEConfig:
    """Read the architecture off the tensors; `hints` supply what shapes cannot tell."""
    _refuse_non_mae(path, sd)
    try:
        D, C, p, _ = sd["patch_embed.proj.weight"].shape
        L = sd["pos_embed"].shape[1] - 1
        Dd = sd["decoder_embed.weight"].shape[0]
        hidden = sd["blocks.0.mlp.fc1.weight"].shape[0]
    except (KeyError, ValueError) as e:
        raise CheckpointError(path, f"incomplete MAE checkpoint (missing or odd {e})") from e
    grid = round(L**0.5)
    if grid * grid != L:
        raise CheckpointError(path, f"pos_embed holds {L} patches, not a square grid")
    arch: dict[str, Any] = dict(
        img_size=grid * p,
        patch_size=p,
        in_chans=C,
        embed_dim=D,
        depth=_count_blocks(sd, "blocks"),
        decoder_embed_dim=Dd,
        decoder_depth=_count_blocks(sd, "decoder_blocks"),
        mlp_ratio=hidden / D,
    )
    for key in ("num_heads", "decoder_num_heads", "layer_norm_eps", "norm_pix_loss", "name"):
        if hints.get(key) is not None:
            arch[key] = hints[key]
    arch.setdefault("num_heads", HEADS_BY_WIDTH.get(D))
    arch.setdefault("decoder_num_heads", DECODER_HEADS_BY_WIDTH.get(Dd))
    for key, width in (("num_heads", D), ("decoder_num_heads", Dd)):
        if arch[key] is None:
            raise CheckpointError(
                path,
                f"cannot tell the {key.replace('_', ' ')} of a {width}-wide model from its "
                "weights; put a Hugging Face config.json beside it with num_attention_heads "
                "and decoder_num_attention_heads",
            )
    if C != 3:
        raise CheckpointError(path, f"takes {C} input channels; MAE Studio needs RGB (3)")
    arch.setdefault("name", _default_name(path, arch))
    try:
        return MAEConfig(**arch)
    except (TypeError, ValueError) as e:
        raise CheckpointError(path, f"inconsistent architecture ({e})") from e


def _default_name(path: Path, arch: dict[str, Any]) -> str:
    for preset in PRESETS.values():
        same = all(getattr(preset, k) == arch[k] for k in ("embed_dim", "depth", "patch_size"))
        if same and preset.decoder_embed_dim == arch["decoder_embed_dim"]:
            return f"{preset.name} ({path.stem})"
    return f"MAE {arch['embed_dim']}x{arch['depth']}/{arch['patch_size']} ({path.stem})"


# ----------------------------------------------------------------------------------
# public API


def read_checkpoint(path: str | Path, **overrides: Any) -> tuple[MAEConfig, StateDict]:
    """Any supported checkpoint -> (config, state dict with the official key names)."""
    path = Path(path)
    hints: dict[str, Any] = {}
    hf_config: Path | None = None
    if path.is_dir():
        hf_config = path / "config.json"
        if not hf_config.is_file():
            raise CheckpointError(path, "a folder without config.json: not a Hugging Face model")
        if any((path / n).exists() for n in (f"{w}.index.json" for w in HF_WEIGHT_FILES)):
            raise CheckpointError(path, "sharded weights are not supported; merge them into one file")
        weights = next((path / n for n in HF_WEIGHT_FILES if (path / n).is_file()), None)
        if weights is None:
            names = " or ".join(HF_WEIGHT_FILES)
            raise CheckpointError(path, f"the folder has config.json but no weights ({names})")
        path = weights
    elif not path.exists():
        raise CheckpointError(path, "no such file or folder")
    elif (path.parent / "config.json").is_file():
        hf_config = path.parent / "config.json"

    kind = _sniff(path)
    if kind == "torch":
        sd = _unwrap(path, _load_torch(path))
        metadata: dict[str, str] = {}
    else:
        sd, metadata = _load_safetensors(path)

    if metadata.get("format") == FORMAT_TAG and "config" in metadata:
        try:
            hints.update(json.loads(metadata["config"]))
        except json.JSONDecodeError as e:
            raise CheckpointError(path, f"damaged architecture metadata ({e})") from e
    hf_layout = is_hf_layout(sd)
    if hf_layout:
        sd = hf_to_official(path, sd)
    if hf_config is not None:
        try:
            cfg = json.loads(hf_config.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
            raise CheckpointError(hf_config, f"unreadable config.json ({e})") from e
        # Beside an official-layout file, only a ViTMAE config speaks for it.
        if hf_layout or (isinstance(cfg, dict) and cfg.get("model_type") == "vit_mae"):
            if not isinstance(cfg, dict):
                raise CheckpointError(hf_config, "config.json does not hold a JSON object")
            hints.update(_config_from_hf(hf_config, cfg))
    if "_full" in path.stem and "norm_pix_loss" not in hints:
        hints["norm_pix_loss"] = True  # the official mae_pretrain_*_full releases
    hints.update({k: v for k, v in overrides.items() if v is not None})
    sd = {k: v.float() if v.is_floating_point() else v for k, v in sd.items()}
    return infer_config(path, sd, hints), sd


def build_model(path: Path, config: MAEConfig, sd: StateDict) -> MaskedAutoencoderViT:
    model = MaskedAutoencoderViT(config)
    expected = model.state_dict()
    missing = sorted(set(expected) - set(sd))
    extra = sorted(set(sd) - set(expected))
    misshaped = sorted(k for k in set(sd) & set(expected) if sd[k].shape != expected[k].shape)
    problems = []
    for label, keys in (("missing", missing), ("unexpected", extra), ("misshaped", misshaped)):
        if keys:
            more = f" and {len(keys) - 4} more" if len(keys) > 4 else ""
            problems.append(f"{label} keys: {', '.join(keys[:4])}{more}")
    if problems:
        raise CheckpointError(path, "does not match the MAE architecture (" + "; ".join(problems) + ")")
    model.load_state_dict(sd, strict=True)
    return model.eval()


def load_checkpoint(
    path: str | Path, device: str | torch.device = "cpu", **overrides: Any
) -> MaskedAutoencoderViT:
    """Load any supported checkpoint into a model in eval mode on `device`."""
    config, sd = read_checkpoint(path, **overrides)
    return build_model(Path(path), config, sd).to(device)


def save_checkpoint(
    model: MaskedAutoencoderViT,
    path: str | Path,
    metadata: dict[str, str] | None = None,
    dtype: torch.dtype = torch.float32,
) -> Path:
    """Write this project's own safetensors (architecture in the metadata), atomically.
    SaveError (naming the file) when it cannot be written; an old file there is left intact."""
    path = Path(path)
    meta = {
        "format": FORMAT_TAG,
        "config": json.dumps(asdict(model.config), sort_keys=True),
        "saved": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    meta.update(metadata or {})
    tensors = {k: v.detach().to("cpu", dtype).contiguous() for k, v in model.state_dict().items()}
    ensure_folder(path.parent)
    try:
        with atomic_destination(path) as tmp:  # an old checkpoint survives any failure
            save_file(tensors, str(tmp), metadata=meta)
    except SafetensorError as e:  # its I/O errors, e.g. "No space left on device (os error 28)"
        found = re.search(r"os error (\d+)", str(e))
        if found is None:
            raise SaveError(path, f"could not be written ({_first_line(e)})") from e
        code = int(found.group(1))
        raise SaveError(path, describe_os_error(OSError(code, os.strerror(code)), path)) from e
    return path
