"""Hostile checkpoints (issue 16, classes 1 and 2), built in memory from a tiny model or the
shipped weights. Each builder: tmp folder -> (path to open, regex of the refusal's reason)."""

from __future__ import annotations

import io
import json
import os
import struct
import zipfile
import zlib
from collections.abc import Callable
from functools import cache
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

from mae_studio.core import DEFAULT_WEIGHTS, MAEConfig, MaskedAutoencoderViT
from tests.conftest import CONFORMANCE

TINY = MAEConfig(
    img_size=32, patch_size=16, embed_dim=32, depth=1, num_heads=2,
    decoder_embed_dim=16, decoder_depth=1, decoder_num_heads=2, name="tiny",
)  # fmt: skip
Builder = Callable[[Path], tuple[Path, str]]


def tiny_state(seed: int = 0) -> dict[str, torch.Tensor]:
    torch.manual_seed(seed)
    model = MaskedAutoencoderViT(TINY)
    model.init_weights()
    return {k: v.contiguous() for k, v in model.state_dict().items()}


def own_meta(**config: object) -> dict[str, str]:
    fields = json.loads(TINY.to_json())
    fields.update(config)
    return {"format": "mae-studio", "config": json.dumps(fields)}


def own_file(tmp: Path, name: str, tensors: dict | None = None, meta: dict | None = None) -> Path:
    """MAE Studio's safetensors of the tiny model, with tensors or metadata replaced."""
    path = tmp / name
    save_file(tensors if tensors is not None else tiny_state(), path, metadata=meta or own_meta())
    return path


def edited(**changes: torch.Tensor | None) -> dict[str, torch.Tensor]:
    sd = tiny_state()
    for key, value in changes.items():
        key = key.replace("__", ".")
        if value is None:
            del sd[key]
        else:
            sd[key] = value
    return sd


def hf_folder(tmp: Path, edit: Callable[[dict], object] | None = None, text: str | None = None) -> Path:
    """The conformance Hugging Face folder (p16_pixel) with its config.json edited or replaced."""
    folder = tmp / "hf"
    folder.mkdir()
    (folder / "model.safetensors").write_bytes((CONFORMANCE / "p16_pixel" / "model.safetensors").read_bytes())
    cfg = json.loads((CONFORMANCE / "p16_pixel" / "config.json").read_text())
    if edit is not None:
        edit(cfg)
    (folder / "config.json").write_text(text if text is not None else json.dumps(cfg))
    return folder


# ----------------------------------------------------------------------------------
# class 1: sizes believed before the data is seen


def zero_element_claims(tmp: Path, last_block: int) -> Path:
    """A few hundred bytes: zero-element tensors whose shapes claim a 4096-wide MAE, 16384-wide
    MLPs, and a block `last_block`; heads in the metadata so nothing needs asking."""
    empty = {
        "patch_embed.proj.weight": (4096, 3, 16, 0),
        "pos_embed": (1, 197, 0),
        "decoder_embed.weight": (512, 0),
        "blocks.0.mlp.fc1.weight": (16384, 0),
        f"blocks.{last_block}.norm1.weight": (0,),
        "decoder_blocks.7.norm1.weight": (0,),
        "mask_token": (0,),
    }
    meta = {"format": "mae-studio", "config": json.dumps({"num_heads": 32, "decoder_num_heads": 16})}
    path = tmp / f"claims_4096x{last_block + 1}.safetensors"
    save_file({k: torch.zeros(s, dtype=torch.float16) for k, s in empty.items()}, path, metadata=meta)
    return path


def shipped_plus(tmp: Path, key: str) -> Path:
    tensors = load_file(DEFAULT_WEIGHTS)
    tensors[key] = torch.zeros(0, dtype=torch.float16)
    path = tmp / "shipped_plus_one.safetensors"
    from safetensors import safe_open

    with safe_open(str(DEFAULT_WEIGHTS), "pt") as f:
        meta = f.metadata()
    save_file(tensors, path, metadata=meta)
    return path


def _zip(entries: list[tuple[str, bytes, int, int, int]]) -> bytes:
    """A zip from (name, bytes as stored, method, crc, declared uncompressed size) entries."""
    out, central = bytearray(), bytearray()
    for name, data, method, crc, size in entries:
        offset, raw = len(out), name.encode()
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, method, 0, 0, crc, len(data), size, len(raw), 0)
        out += raw + data
        central += struct.pack(
            "<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, method, 0, 0, crc, len(data), size, len(raw),
            0, 0, 0, 0, 0, offset,
        ) + raw  # fmt: skip
    start = len(out)
    out += central + struct.pack(
        "<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries), len(central), start, 0
    )
    return bytes(out)


@cache
def _zero_stream(gib: int) -> tuple[bytes, int]:
    """(raw deflate stream, crc32) of `gib` GiB of zeros: one 16 MiB block, compressed once
    and repeated (a full flush makes each copy independent), about 1 KB per MiB."""
    chunk = bytes(16 << 20)
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = c.compress(chunk) + c.flush(zlib.Z_FULL_FLUSH)
    copies = gib * 64
    crc = 0
    for _ in range(copies):
        crc = zlib.crc32(chunk, crc)
    return block * copies + c.flush(zlib.Z_FINISH), crc


def deflate_bomb(tmp: Path, declared: int | None = None) -> Path:
    """The tiny model's torch.save zip with its largest storage replaced by a deflated stream
    that expands to 2 GiB (declared as such, or as `declared` bytes)."""
    buf = io.BytesIO()
    torch.save({"model": tiny_state()}, buf)
    with zipfile.ZipFile(buf) as z:
        infos = z.infolist()
        target = max((i for i in infos if "/data/" in i.filename), key=lambda i: i.file_size)
        entries = [(i.filename, z.read(i), 0, i.CRC, i.file_size) for i in infos if i is not target]
    stream, crc = _zero_stream(2)
    entries.append((target.filename, stream, zipfile.ZIP_DEFLATED, crc, declared or 2 << 30))
    path = tmp / ("bomb.pth" if declared is None else "bomb_lying.pth")
    path.write_bytes(_zip(entries))
    return path


def legacy_huge_storage(tmp: Path) -> Path:
    """A pre-1.6 (non-zip) torch file whose one storage claims 3e9 floats."""
    buf = io.BytesIO()
    torch.save({"w": torch.zeros(3)}, buf, _use_new_zipfile_serialization=False)
    data = buf.getvalue()
    at = data.index(b"cpuq\x06K\x03") + 5  # BININT1 3, the storage's element count
    data = data[:at] + b"\x8a\x05" + (3 * 10**9).to_bytes(5, "little") + data[at + 2 :]
    path = tmp / "legacy_huge.pth"
    path.write_bytes(data)
    return path


def expanded_view(tmp: Path) -> Path:
    """One fp16 value viewed (stride 0) as a 1 x 100000 x 100000 pos_embed: 2 bytes on disk,
    20 GB as fp16, 40 GB once converted to float32."""
    sd = tiny_state()
    sd["pos_embed"] = torch.zeros(1, dtype=torch.float16).expand(1, 100_000, 100_000)
    path = tmp / "view.pth"
    torch.save({"model": sd}, path)
    return path


def shards(tmp: Path, weight_map: dict[str, str], files: dict[str, dict] | None = None) -> Path:
    folder = tmp / "sharded"
    folder.mkdir()
    cfg = {"model_type": "vit_mae", "num_attention_heads": 2, "decoder_num_attention_heads": 2}
    (folder / "config.json").write_text(json.dumps(cfg))
    for name, tensors in (files or {}).items():
        save_file(tensors, folder / name)
    (folder / "model.safetensors.index.json").write_text(json.dumps({"weight_map": weight_map}))
    return folder


def split_tiny(tmp: Path, misplace: str | None = None, unlisted: bool = False) -> Path:
    sd = tiny_state()
    a = {k: v for k, v in sd.items() if not k.startswith("decoder")}
    b = {k: v for k, v in sd.items() if k.startswith("decoder")}
    weight_map = {k: "a.safetensors" for k in a} | {k: "b.safetensors" for k in b}
    if misplace:
        weight_map[misplace] = "b.safetensors"
    if unlisted:
        del weight_map["norm.weight"]
    return shards(tmp, weight_map, {"a.safetensors": a, "b.safetensors": b})


def outside_symlink(tmp: Path) -> Path:
    (tmp / "elsewhere.safetensors").write_bytes(b"")
    folder = shards(tmp, {"norm.weight": "link.safetensors"})
    os.symlink(tmp / "elsewhere.safetensors", folder / "link.safetensors")
    return folder


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def torch_file(tmp: Path, obj: object, name: str = "file.pth") -> Path:
    path = tmp / name
    torch.save(obj, path)
    return path
