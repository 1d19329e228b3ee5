"""Checkpoints as users have them, built from tests/data weights: the official training script's
`checkpoint-N.pth` (facebookresearch/mae main_pretrain.py + util/misc.py save_model) and the
Hugging Face layouts."""

from __future__ import annotations

import argparse
import json
import re
import shutil
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

from mae_studio.core import MAEConfig, MaskedAutoencoderViT
from tests.conftest import DATA

HF_ORACLE = DATA / "hf_vitmae"


def training_args(**changes: object) -> argparse.Namespace:
    """main_pretrain.py's arguments as a run leaves them: its parser's defaults, the lr that
    main() computes, and what init_distributed_mode adds."""
    args = argparse.Namespace(
        batch_size=64, epochs=800, accum_iter=1, model="mae_vit_large_patch16", input_size=224,
        mask_ratio=0.75, norm_pix_loss=False, weight_decay=0.05, lr=0.0024, blr=1.5e-4, min_lr=0.0,
        warmup_epochs=40, data_path="/datasets01/imagenet_full_size/061417/", output_dir="./output_dir",
        log_dir="./output_dir", device="cuda", seed=0, resume="", start_epoch=0, num_workers=10,
        pin_mem=True, world_size=64, local_rank=-1, dist_on_itp=False, dist_url="env://", rank=0, gpu=0,
        distributed=True, dist_backend="nccl",
    )  # fmt: skip
    vars(args).update(changes)
    return args


def training_checkpoint(
    sd: dict[str, torch.Tensor], config: MAEConfig, epoch: int = 799, **args: object
) -> dict:
    """What misc.save_model writes: model, AdamW state (timm's two weight-decay groups, one
    step taken), epoch, the GradScaler's state and the args Namespace."""
    model = MaskedAutoencoderViT(config)
    model.load_state_dict(sd)
    decay = [p for n, p in model.named_parameters() if p.ndim > 1 and not n.endswith(".bias")]
    no_decay = [p for n, p in model.named_parameters() if p.ndim <= 1 or n.endswith(".bias")]
    groups = [{"params": no_decay, "weight_decay": 0.0}, {"params": decay, "weight_decay": 0.05}]
    optimizer = torch.optim.AdamW(groups, lr=2.4e-3, betas=(0.9, 0.95))
    torch.manual_seed(0)
    for p in model.parameters():
        p.grad = torch.randn_like(p) * 1e-3
    optimizer.step()
    scaler = {"scale": 65536.0, "growth_factor": 2.0, "backoff_factor": 0.5, "growth_interval": 2000,
              "_growth_tracker": 1417}  # fmt: skip
    return {
        "model": sd,
        "optimizer": optimizer.state_dict(),
        "epoch": epoch,
        "scaler": scaler,
        "args": training_args(**args),
    }


def copy_hf_case(case: str, folder: Path) -> Path:
    """A stored transformers-made case (config.json + weights) copied to `folder`."""
    shutil.copytree(HF_ORACLE / case, folder, ignore=shutil.ignore_patterns("expected.npz"))
    return folder


def to_hub_layout(folder: Path) -> None:
    """transformers 5's `decoder.decoder_encoder.layer.N` keys renamed to the Hub's
    `decoder.decoder_layers.N`, in place (single-file folders)."""
    path = folder / "model.safetensors"
    tensors = load_file(path)
    renamed = {re.sub(r"^decoder\.decoder_encoder\.layer\.", "decoder.decoder_layers.", k): v
               for k, v in tensors.items()}  # fmt: skip
    assert renamed.keys() != tensors.keys()
    save_file(renamed, path, metadata={"format": "pt"})


def shards_to_bin(folder: Path) -> None:
    """A sharded safetensors folder rewritten as pytorch_model-*.bin shards with their index."""
    index = json.loads((folder / "model.safetensors.index.json").read_text())
    names = {}
    for shard in sorted(set(index["weight_map"].values())):
        name = shard.replace("model-", "pytorch_model-").replace(".safetensors", ".bin")
        torch.save(load_file(folder / shard), folder / name)
        (folder / shard).unlink()
        names[shard] = name
    index["weight_map"] = {k: names[v] for k, v in index["weight_map"].items()}
    (folder / "pytorch_model.bin.index.json").write_text(json.dumps(index))
    (folder / "model.safetensors.index.json").unlink()
