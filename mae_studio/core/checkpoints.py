"""Load MAE weights from every layout a user may have; refuse the rest, with the reason.

Files: the official releases (`mae_visualize_*.pth`, `mae_pretrain_*_full.pth`), the official
training script's `checkpoint-N.pth`, Hugging Face ViTMAE folders and files (one file or
shards), and MAE Studio's own safetensors. Nothing here unpickles code (checkpoint_files).
Sizes come from the tensors' shapes (checkpoint_checks), checked against the data before
anything is built; heads, eps and the training target, which shapes cannot tell, come from
the caller, the training args, config.json, the file's metadata, the file name or the
official table, in that order. Where each came from is the model's card (config.ModelCard).
"""

from __future__ import annotations

import os
import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import save_file
from torch import Tensor

from .checkpoint_checks import (
    architecture_from_shapes,
    build_checked,
    check_against_file,
    check_inference,
    check_values,
)
from .checkpoint_files import WeightsFile, first_line, parse_json, read_json_file, read_shards, read_weights
from .checkpoint_layouts import (
    check_sizes,
    hf_to_official,
    hints_from_args,
    hints_from_hf_config,
    hints_from_metadata,
    is_hf_layout,
    training_args,
)
from .config import DECODER_HEADS_BY_WIDTH, HEADS_BY_WIDTH, PRESETS, MAEConfig, ModelCard, check_fields
from .errors import CheckpointError, SaveError
from .files import atomic_destination, describe_os_error, ensure_folder
from .model import MaskedAutoencoderViT

FORMAT_TAG = "mae-studio"  # safetensors metadata "format" of this project's own files
HF_WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")
StateDict = dict[str, Tensor]
HINT_KEYS = ("num_heads", "decoder_num_heads", "layer_norm_eps", "norm_pix_loss", "name")
ARCH_KEYS = ("img_size", "patch_size", "in_chans", "embed_dim", "depth", "decoder_embed_dim",
             "decoder_depth", "mlp_ratio")  # fmt: skip
# Who may say what shapes cannot, strongest first: the training args are what the model was
# trained with; a config.json beside a file is a user's statement about it.
SOURCES = ("given", "training args", "config.json", "file metadata", "training state", "file name (_full)")


# ----------------------------------------------------------------------------------
# where the weights are


def _locate(path: Path) -> tuple[Path, Path | None, Path | None]:
    """(weights file or shard index, config.json or None, shard index or None)."""
    if path.is_dir():
        config = path / "config.json"
        if not config.is_file():
            raise CheckpointError(path, "a folder without config.json: not a Hugging Face model")
        for name in HF_WEIGHT_FILES:
            if (path / name).is_file():
                return path / name, config, None
            if (path / f"{name}.index.json").is_file():
                return path / f"{name}.index.json", config, path / f"{name}.index.json"
        names = " or ".join(HF_WEIGHT_FILES)
        raise CheckpointError(path, f"the folder has config.json but no weights ({names}, or their shards)")
    if not path.exists():
        raise CheckpointError(path, "no such file or folder")
    config = path.parent / "config.json"
    index = path if path.name.endswith(".index.json") else None
    return path, (config if config.is_file() else None), index


# ----------------------------------------------------------------------------------
# reading


def _read(path: str | Path, overrides: dict[str, Any]) -> tuple[MAEConfig, StateDict, ModelCard]:
    path = Path(path)
    where, hf_config, index = _locate(path)
    files = read_shards(index) if index is not None else [read_weights(where)]
    sd: StateDict = {}
    for f in files:
        sd.update(f.tensors)  # read_shards refused any key in two shards
    first = files[0]
    offers: dict[str, dict[str, Any]] = {}  # source -> hints
    sizes: list[tuple[str, dict[str, Any]]] = []  # (who says so, sizes the shapes must have)

    fmt = _format(first)
    if first.metadata.get("format") == FORMAT_TAG and "config" in first.metadata:
        own = parse_json(where, first.metadata["config"], "damaged architecture metadata")
        offers["file metadata"], stated = hints_from_metadata(where, own)
        sizes.append(("its metadata", stated))
    if isinstance(first.extras.get("config"), str):  # `mae-studio train`'s training state
        own = parse_json(where, first.extras["config"], "damaged training state config")
        offers["training state"], stated = hints_from_metadata(where, own)
        sizes.append(("its training state", stated))
    hf_layout = is_hf_layout(sd)
    if hf_layout:
        sd, fmt = hf_to_official(where, sd)
    if index is not None:
        fmt += f", {len(files)} shards"
    if hf_config is not None:
        cfg = read_json_file(hf_config, "unreadable config.json")
        # Beside an official-layout file, only a ViTMAE config speaks for it.
        if hf_layout or (isinstance(cfg, dict) and cfg.get("model_type") == "vit_mae"):
            offers["config.json"], stated = hints_from_hf_config(hf_config, cfg)
            sizes.append(("config.json", stated))

    _refuse_non_mae(where, sd)
    arch = architecture_from_shapes(where, sd)
    for who, stated in sizes:
        check_sizes(where, stated, arch, who)
    heads_label = ""
    args = training_args(where, first.extras)
    if args is not None:
        offers["training args"], heads_label = hints_from_args(where, args, arch)
    if "_full" in where.stem:
        offers["file name (_full)"] = {"norm_pix_loss": True}  # the official mae_pretrain_*_full releases
    offers["given"] = _given(where, overrides)

    # the default name's label: a folder's name, or the file's stem
    label = path.name if path.is_dir() else where.parent.name if index is not None else where.stem
    config, chosen = _choose(where, arch, offers, label)
    card = _card(fmt, config, chosen, heads_label)
    check_against_file(where, config, sd)  # before a single value is converted or computed on
    check_values(where, sd)
    sd = {k: v.to(torch.float32).contiguous() for k, v in sd.items()}
    return config, sd, card


def _format(first: WeightsFile) -> str:
    if first.metadata.get("format") == FORMAT_TAG:
        return "MAE Studio safetensors"
    if "args" in first.extras:
        epoch = first.extras.get("epoch")
        shown = f" (epoch {epoch})" if isinstance(epoch, int) and not isinstance(epoch, bool) else ""
        return f"official training checkpoint{shown}"
    if isinstance(first.extras.get("config"), str):
        return "MAE Studio training state"
    if first.kind == "safetensors":
        return "safetensors with the official key names"
    return f"official MAE {first.path.suffix or 'PyTorch file'}"


def _given(path: Path, overrides: dict[str, Any]) -> dict[str, Any]:
    given = {k: v for k, v in overrides.items() if v is not None}
    unknown = sorted(set(given) - set(HINT_KEYS))
    if unknown:
        raise TypeError(f"unknown checkpoint overrides: {', '.join(unknown)}")
    try:
        check_fields(given)
    except ValueError as e:
        raise CheckpointError(path, f"given {e}") from e
    return given


def _choose(
    path: Path, arch: dict[str, Any], offers: dict[str, dict[str, Any]], label: str
) -> tuple[MAEConfig, dict[str, str]]:
    """The config from the shapes and the strongest source of each hint -> (config, key -> source)."""
    values = {k: arch[k] for k in ARCH_KEYS}
    chosen: dict[str, str] = {}
    for source in SOURCES:
        for key, value in offers.get(source, {}).items():
            if key in HINT_KEYS and key not in chosen:
                values[key], chosen[key] = value, source
    if values["in_chans"] != 3:
        raise CheckpointError(path, f"takes {values['in_chans']} input channels; MAE Studio needs RGB (3)")
    for key, width, table in (
        ("num_heads", arch["embed_dim"], HEADS_BY_WIDTH),
        ("decoder_num_heads", arch["decoder_embed_dim"], DECODER_HEADS_BY_WIDTH),
    ):
        if key not in chosen and width in table:
            values[key], chosen[key] = table[width], "official table"
        if key not in chosen:
            raise CheckpointError(
                path,
                f"cannot tell the {key.replace('_', ' ')} of a {width}-wide model from its "
                "weights; put a Hugging Face config.json beside it with num_attention_heads "
                "and decoder_num_attention_heads",
            )
    values.setdefault("name", _default_name(label, arch))
    try:
        return MAEConfig(**values), chosen
    except (TypeError, ValueError) as e:
        raise CheckpointError(path, f"inconsistent architecture ({e})") from e


def _card(fmt: str, config: MAEConfig, chosen: dict[str, str], heads_label: str) -> ModelCard:
    def shown(source: str) -> str:
        return heads_label if source == "training args" and heads_label else source

    return ModelCard(
        format=fmt,
        heads_from=" and ".join(sorted({shown(chosen[k]) for k in ("num_heads", "decoder_num_heads")})),
        target="normalized pixels" if config.norm_pix_loss else "pixels",
        target_from=chosen.get("norm_pix_loss", "default"),
    )


def _refuse_non_mae(path: Path, sd: StateDict) -> None:
    if "patch_embed.proj.weight" not in sd:
        sample = ", ".join(k[:60] for k in sorted(sd)[:4])
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


def _default_name(label: str, arch: dict[str, Any]) -> str:
    stem = "".join(ch if ch.isprintable() else "?" for ch in label)[:80]
    for preset in PRESETS.values():
        same = all(getattr(preset, k) == arch[k] for k in ("embed_dim", "depth", "patch_size"))
        if same and preset.decoder_embed_dim == arch["decoder_embed_dim"]:
            return f"{preset.name} ({stem})"
    return f"MAE {arch['embed_dim']}x{arch['depth']}/{arch['patch_size']} ({stem})"


# ----------------------------------------------------------------------------------
# public API


def infer_config(path: Path, sd: StateDict, hints: dict[str, Any]) -> MAEConfig:
    """The architecture from the tensors' shapes (meta tensors will do); `hints` supply what
    shapes cannot tell."""
    _refuse_non_mae(path, sd)
    arch = architecture_from_shapes(path, sd)
    return _choose(path, arch, {"given": _given(path, hints)}, path.stem)[0]


def read_checkpoint(path: str | Path, **overrides: Any) -> tuple[MAEConfig, StateDict]:
    """Any supported checkpoint -> (config, float32 state dict with the official key names)."""
    config, sd, _ = _read(path, overrides)
    return config, sd


def read_checkpoint_card(path: str | Path, **overrides: Any) -> tuple[MAEConfig, StateDict, ModelCard]:
    """read_checkpoint, and where the architecture and the training target came from."""
    return _read(path, overrides)


def model_from_weights(path: Path, config: MAEConfig, sd: StateDict) -> MaskedAutoencoderViT:
    """A model that works: the state dict checked against `config`, then one finite check
    reconstruction. The model holds `sd`'s tensors (float32), not copies."""
    model = build_checked(path, config, {k: v.to(torch.float32) for k, v in sd.items()})
    check_inference(path, model)
    return model


def load_checkpoint(
    path: str | Path, device: str | torch.device = "cpu", **overrides: Any
) -> MaskedAutoencoderViT:
    """Load any supported checkpoint into a model in eval mode on `device`; `model.card` says
    where its architecture and training target came from."""
    config, sd, card = _read(path, overrides)
    model = model_from_weights(Path(path), config, sd)
    model.card = card
    return model.to(device)


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
        "config": model.config.to_json(),
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
            raise SaveError(path, f"could not be written ({first_line(e)})") from e
        code = int(found.group(1))
        raise SaveError(path, describe_os_error(OSError(code, os.strerror(code)), path)) from e
    return path
