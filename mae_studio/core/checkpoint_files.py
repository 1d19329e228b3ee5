"""The tensors of one weights file, read within bounds the file itself sets; no code is unpickled.

`.pth`/`.bin` files go through `torch.load(weights_only=True)` once their zip directory has been
checked: torch stores entries uncompressed, so an entry that would expand far past the file's
own size (a deflate bomb) is refused before anything is decompressed. Zip files are memory-mapped
(mmap=True, private mappings), as the safetensors library maps its files: loading copies nothing,
and a model's float32 weights are the file's pages. A file deleted or replaced (renamed over)
under a running model stays readable (Linux keeps the old inode); one truncated in place (`cp`
over it) would fault on the next read of a page not yet in memory, as any mapped file would.
The one class allowed besides tensors and plain containers is `argparse.Namespace`, which the
official training script saves as `args`. safetensors files go through the safetensors library, which checks
every offset against the file. JSON is parsed only under a size and nesting cap.
"""

from __future__ import annotations

import argparse
import json
import pickle
import re
import struct
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError, safe_open
from torch import Tensor

from .errors import CheckpointError, one_line

StateDict = dict[str, Tensor]

MAX_TENSORS = 20_000  # per file; ViT-H/14 has about 600
MAX_ZIP_ENTRIES = 2 * MAX_TENSORS + 100
MAX_PICKLE_BYTES = 8 << 20  # data.pkl: names, shapes and training state, never the weights
ZIP_SLACK_BYTES = 1 << 20
MAX_JSON_BYTES = 4 << 20  # config.json, a shard index, metadata
MAX_JSON_DEPTH = 32
# What a pickled checkpoint may hold besides tensors and containers: the training script's args.
SAFE_GLOBALS = [argparse.Namespace]
# What torch.load raises on damaged bytes: its own checks (RuntimeError, EOFError, zip errors,
# the legacy loader's asserts), and the weights-only unpickler running malformed opcodes (an
# empty stack, a missing memo entry, a short read, a call with the wrong arguments, a huge number).
DAMAGED_PICKLE = (RuntimeError, EOFError, zipfile.BadZipFile, OSError, ValueError, TypeError, IndexError,
                  KeyError, AttributeError, AssertionError, struct.error, OverflowError)  # fmt: skip


@dataclass
class WeightsFile:
    """One file's tensors (file dtypes, not yet converted) and what came with them."""

    path: Path
    kind: str  # "safetensors" or "torch"
    tensors: StateDict
    size: int  # bytes on disk
    metadata: dict[str, str] = field(default_factory=dict)  # safetensors metadata
    extras: dict[str, Any] = field(default_factory=dict)  # .pth entries beside the model: args, epoch...


def sniff(path: Path) -> str:
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


def read_weights(path: Path) -> WeightsFile:
    size = path.stat().st_size
    if sniff(path) == "safetensors":
        tensors, metadata = _load_safetensors(path)
        out = WeightsFile(path, "safetensors", tensors, size, metadata=metadata)
    else:
        out = _unwrap(path, _load_torch(path, size), size)
    claimed = tensor_bytes(out.tensors)
    if claimed > size:  # views sharing one storage, or a zero stride, make data from nothing
        raise CheckpointError(
            path, f"its tensors claim {claimed:,} bytes of data, more than the file's {size:,} bytes"
        )
    return out


def tensor_bytes(tensors: StateDict) -> int:
    return sum(t.numel() * t.element_size() for t in tensors.values())


# ----------------------------------------------------------------------------------
# PyTorch files


def _load_torch(path: Path, size: int) -> Any:
    with path.open("rb") as f:
        is_zip = f.read(4) == b"PK\x03\x04"  # torch.load's own test; else a legacy pickle
    mappable = _check_zip(path, size) if is_zip else False
    try:
        with torch.serialization.safe_globals(SAFE_GLOBALS):
            # Mapped, not read: the tensors are the file's pages, private (copy-on-write). Only a
            # zip of stored entries can be mapped (a mapped entry is never decompressed), and only
            # by path; torch.load takes a path ending in .safetensors for safetensors, which this
            # content is not: such a name is read through a file object, as anything else is.
            if mappable and not str(path).endswith(".safetensors"):
                return torch.load(str(path), map_location="cpu", weights_only=True, mmap=True)
            with path.open("rb") as f:
                return torch.load(f, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as e:
        found = re.search(r"GLOBAL ([\w.]+)", str(e))
        what = f" ({found.group(1)})" if found else ""
        raise CheckpointError(
            path,
            f"refused: the file carries pickled code or objects other than tensors{what}, which "
            "MAE Studio never runs",
        ) from e
    except DAMAGED_PICKLE as e:
        raise CheckpointError(path, f"damaged or truncated PyTorch file ({first_line(e)})") from e


def _check_zip(path: Path, size: int) -> bool:
    """Refuse a zip whose entries would expand past what this file could hold, before torch
    decompresses anything: torch.save writes stored (uncompressed) entries. True when every
    entry is stored, as torch.save writes them (the file can be mapped)."""
    entries = _zip_entry_count(path)
    if entries > MAX_ZIP_ENTRIES:
        raise CheckpointError(path, f"a zip of {entries:,} entries: more than any checkpoint holds")
    try:
        with zipfile.ZipFile(path) as z:
            infos = z.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as e:
        raise CheckpointError(path, f"damaged or truncated PyTorch file ({first_line(e)})") from e
    total = sum(i.file_size for i in infos)
    if total > 4 * size + ZIP_SLACK_BYTES:
        raise CheckpointError(
            path,
            f"refused: its zip entries would expand to {total:,} bytes from a {size:,}-byte file "
            "(a compression bomb)",
        )
    for info in infos:
        if info.filename.endswith("data.pkl") and info.file_size > MAX_PICKLE_BYTES:
            raise CheckpointError(
                path, f"its {info.filename} is {info.file_size:,} bytes: too large for a checkpoint index"
            )
    return all(i.compress_type == zipfile.ZIP_STORED for i in infos)


def _zip_entry_count(path: Path) -> int:
    """Entries the zip's end record declares, read before Python builds one object per entry."""
    with path.open("rb") as f:
        f.seek(0, 2)
        end = f.tell()
        f.seek(max(0, end - (1 << 16) - 22))
        tail = f.read()
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) < at + 22:
        return 0  # no end record: zipfile reports the damage
    (count,) = struct.unpack("<H", tail[at + 10 : at + 12])
    locator = tail.rfind(b"PK\x06\x06", 0, at)  # zip64 end record, when counts overflow 16 bits
    if count == 0xFFFF and locator >= 0 and len(tail) >= locator + 40:
        (count,) = struct.unpack("<Q", tail[locator + 32 : locator + 40])
    return count


def _unwrap(path: Path, obj: Any, size: int) -> WeightsFile:
    """`{"model": state_dict, ...}` (the official releases and training checkpoints) or a bare
    state dict -> WeightsFile; the entries beside `model` are kept as extras."""
    if not isinstance(obj, dict):
        raise CheckpointError(path, f"holds a {type(obj).__name__}, not a state dict")
    if isinstance(obj.get("model"), dict):
        sd, extras = obj["model"], {str(k): v for k, v in obj.items() if k != "model"}
    else:
        sd, extras = obj, {}
    if not sd:
        raise CheckpointError(path, "holds no tensors")
    if len(sd) > MAX_TENSORS:
        raise CheckpointError(path, f"holds {len(sd):,} entries: more than any MAE checkpoint")
    bad = [k for k, v in sd.items() if not isinstance(v, Tensor)]
    if bad:
        keys = ", ".join(sorted(str(k)[:80] for k in bad)[:5])
        raise CheckpointError(path, f"not a state dict of tensors (non-tensor entries: {keys})")
    # A mapped tensor sits where the file put it: files from torch < 2.1 do not align storages,
    # and such a tensor is copied rather than computed on misaligned.
    tensors = {str(k): v if v.data_ptr() % v.element_size() == 0 else v.clone() for k, v in sd.items()}
    return WeightsFile(path, "torch", tensors, size, extras=extras)


# ----------------------------------------------------------------------------------
# safetensors


def _load_safetensors(path: Path) -> tuple[StateDict, dict[str, str]]:
    try:
        with safe_open(str(path), framework="pt") as f:
            metadata = dict(f.metadata() or {})
            names = list(f.keys())
            if len(names) > MAX_TENSORS:
                raise CheckpointError(path, f"holds {len(names):,} tensors: more than any MAE checkpoint")
            tensors = {name: f.get_tensor(name) for name in names}
    except (SafetensorError, OSError, ValueError, RuntimeError, TypeError) as e:
        raise CheckpointError(path, f"damaged or truncated safetensors file ({first_line(e)})") from e
    return tensors, metadata


# ----------------------------------------------------------------------------------
# Hugging Face shards

MAX_SHARDS = 1000
MAX_INDEX_BYTES = 16 << 20


def read_shards(index_path: Path) -> list[WeightsFile]:
    """Every shard an index's weight_map names, each through read_weights. Each listed key must
    be in the shard the index names, each shard's keys must be listed for it, and every shard
    must be a file inside the index's folder."""
    index = read_json_file(index_path, "unreadable shard index", MAX_INDEX_BYTES)
    weight_map = index.get("weight_map") if isinstance(index, dict) else None
    if not isinstance(weight_map, dict) or not weight_map:
        raise CheckpointError(index_path, "the shard index lists no weights (no weight_map)")
    if len(weight_map) > MAX_TENSORS:
        raise CheckpointError(index_path, f"the shard index lists {len(weight_map):,} weights: too many")
    if not all(isinstance(v, str) for v in weight_map.values()):
        raise CheckpointError(index_path, "the shard index maps a weight to something other than a file name")
    names = sorted(set(weight_map.values()))
    if len(names) > MAX_SHARDS:
        raise CheckpointError(index_path, f"the shard index names {len(names):,} shards: too many")
    folder = index_path.parent
    root = folder.resolve()
    for name in names:
        shard = folder / name
        inside = not Path(name).is_absolute() and ".." not in Path(name).parts
        if not inside or not shard.resolve().is_relative_to(root):
            raise CheckpointError(index_path, f"the shard index points outside its folder ({name[:80]})")
        if not shard.is_file():
            raise CheckpointError(index_path, f"the shard index names {name[:80]}, not a file in its folder")
    shards = [read_weights(folder / name) for name in names]
    listed = {name: {k for k, v in weight_map.items() if v == name} for name in names}
    for name, shard in zip(names, shards, strict=True):
        lacking = sorted(listed[name] - set(shard.tensors))
        if lacking:
            raise CheckpointError(index_path, f"the index places {lacking[0][:80]} in {name}, which lacks it")
    for name, shard in zip(names, shards, strict=True):
        unlisted = sorted(set(shard.tensors) - listed[name])
        if unlisted:
            raise CheckpointError(
                index_path, f"{name} holds {unlisted[0][:80]}, which the index does not place there"
            )
    return shards


# ----------------------------------------------------------------------------------
# JSON and messages


def read_json_file(path: Path, what: str, max_bytes: int = MAX_JSON_BYTES) -> Any:
    """parse_json of a file, whose size is checked before it is read."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise CheckpointError(path, f"{what}: {size:,} bytes, over the {max_bytes:,}-byte limit")
        data = path.read_bytes()
    except OSError as e:
        raise CheckpointError(path, f"{what}: cannot be read ({e.strerror or e})") from e
    return parse_json(path, data, what, max_bytes)


def parse_json(path: Path, text: str | bytes, what: str, max_bytes: int = MAX_JSON_BYTES) -> Any:
    """JSON from an untrusted source, refused (CheckpointError, the reason after `what`) when it
    is over `max_bytes`, nested deeper than MAX_JSON_DEPTH, or not JSON."""
    if len(text) > max_bytes:
        raise CheckpointError(path, f"{what}: {len(text):,} bytes, over the {max_bytes:,}-byte limit")
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as e:
            raise CheckpointError(path, f"{what}: not UTF-8 text") from e
    depth = _nesting(text)
    if depth > MAX_JSON_DEPTH:
        raise CheckpointError(path, f"{what}: nested {depth} levels deep (the limit is {MAX_JSON_DEPTH})")
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as e:  # ValueError: JSONDecodeError, or an over-long number
        raise CheckpointError(path, f"{what}: not valid JSON ({first_line(e)})") from e


_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)


def _nesting(text: str) -> int:
    """Deepest bracket nesting outside strings, counted without parsing."""
    depth = deepest = 0
    for ch in re.findall(r"[\[\]{}]", _JSON_STRING.sub("", text)):
        depth = depth + 1 if ch in "[{" else depth - 1
        deepest = max(deepest, depth)
    return deepest


def first_line(e: BaseException) -> str:
    """A library exception as one short printable line."""
    text = str(e).strip()
    return one_line(text.splitlines()[0] if text else type(e).__name__, 200)
