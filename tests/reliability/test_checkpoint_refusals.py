"""Checkpoints that must be refused with a precise CheckpointError, and never execute code.

tests/core/test_checkpoints.py already covers: a pickle with code (legacy pickle and zip),
encoder-only, fine-tuned classifier, another model, strict key checks, zero-byte, text,
truncated .pth, a plain-tensor pickle renamed .safetensors (loads: content decides), a
damaged header, truncated safetensors, damaged metadata, HF folders without weights or with an
empty shard index. This file adds the variants those miss, then sends every kind through
`mae-studio reconstruct --checkpoint` (one line, exit 1, no outputs).
"""

from __future__ import annotations

import io
import json
import pickle
import re
import struct
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
import torch
from safetensors.torch import save_file

from mae_studio.__main__ import main
from mae_studio.core import CheckpointError, MAEConfig, MaskedAutoencoderViT, load_model, save_checkpoint
from tests.conftest import CONFORMANCE

from .bounded import peak_growth

TINY = MAEConfig(
    img_size=32, patch_size=16, embed_dim=32, depth=1, num_heads=2,
    decoder_embed_dim=16, decoder_depth=1, decoder_num_heads=2, name="tiny",
)  # fmt: skip
HEADS = {"num_heads": 2, "decoder_num_heads": 2}  # a 32-wide model is no official preset


def _model(config: MAEConfig = TINY, seed: int = 0) -> MaskedAutoencoderViT:
    torch.manual_seed(seed)
    return MaskedAutoencoderViT(config).eval()


class _RunsCode:
    """Unpickling this would create the marker file: proof that code ran."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, ...]:
        return (exec, (f"open({str(self.marker)!r}, 'w').write('code ran')",))


# ----------------------------------------------------------------------------------
# builders: (tmp folder, marker) -> (path to give, regex of the reason)


def _safetensors_parts(tmp: Path) -> tuple[bytes, dict, bytes]:
    data = save_checkpoint(_model(), tmp / "good.safetensors").read_bytes()
    (n,) = struct.unpack("<Q", data[:8])
    return data, json.loads(data[8 : 8 + n]), data[8 + n :]


def _with_header(tmp: Path, name: str, edit: Callable[[dict], object]) -> Path:
    _, header, body = _safetensors_parts(tmp)
    edit(header)
    raw = json.dumps(header).encode()
    raw += b" " * (-len(raw) % 8)
    path = tmp / name
    path.write_bytes(struct.pack("<Q", len(raw)) + raw + body)
    return path


def _first_tensor(header: dict) -> dict:
    return header[next(k for k in sorted(header) if k != "__metadata__")]


def _raw_header(tmp: Path, name: str, length: int, raw: bytes | None = None) -> Path:
    data = _safetensors_parts(tmp)[0]
    path = tmp / name
    path.write_bytes(struct.pack("<Q", length) + (raw if raw is not None else data[8:]))
    return path


def _pickle(tmp: Path, name: str, obj: object, **kw: object) -> Path:
    path = tmp / name
    if kw.get("legacy"):
        torch.save(obj, path, _use_new_zipfile_serialization=False)
    elif kw.get("protocol") is not None:
        path.write_bytes(pickle.dumps(obj, protocol=kw["protocol"]))
    else:
        torch.save(obj, path)
    return path


def _hf_folder(tmp: Path, weights: dict[str, bytes], config: str | None = None) -> Path:
    folder = tmp / "hf_model"
    folder.mkdir()
    (folder / "config.json").write_text(
        config
        or json.dumps({"model_type": "vit_mae", "num_attention_heads": 2, "decoder_num_attention_heads": 2})
    )
    for name, data in weights.items():
        (folder / name).write_bytes(data)
    return folder


def _mixed_decoder(tmp: Path) -> Path:
    """Encoder of one model, decoder of a wider one: shapes disagree. Heads in the metadata, so
    the shapes are what is refused."""
    other = _model(replace(TINY, decoder_embed_dim=24), seed=1)
    sd = dict(_model().state_dict())
    sd.update({k: v for k, v in other.state_dict().items() if k.startswith("decoder_")})
    path = tmp / "mixed.safetensors"
    save_file({k: v.contiguous() for k, v in sd.items()}, path, metadata=_meta(**HEADS))
    return path


def _meta(**config: object) -> dict[str, str]:
    return {"format": "mae-studio", "config": json.dumps(config)}


def _gap_in_blocks(tmp: Path) -> Path:
    sd = _model(replace(TINY, depth=3)).state_dict()
    return _pickle(tmp, "gap.pth", {"model": {k: v for k, v in sd.items() if not k.startswith("blocks.1.")}})


def _indivisible_heads(tmp: Path) -> Path:
    tensors = {k: v.contiguous() for k, v in _model().state_dict().items()}
    save_file(tensors, tmp / "heads5.safetensors", metadata=_meta(num_heads=5, decoder_num_heads=2))
    return tmp / "heads5.safetensors"


HF_SAFETENSORS = CONFORMANCE / "p16_pixel" / "model.safetensors"  # Hugging Face key names
EVIL = "pickled code"
DAMAGED = "damaged or truncated safetensors"
BUILDERS: dict[str, Callable[[Path, Path], tuple[Path, str]]] = {
    # code in pickles: refused before anything runs
    "code_in_legacy_torch_file": lambda t, m: (
        _pickle(t, "evil_legacy.pth", {"model": {"w": torch.zeros(1)}, "x": _RunsCode(m)}, legacy=True),
        EVIL,
    ),
    "code_pickle_renamed_safetensors": lambda t, m: (
        _pickle(t, "evil.safetensors", {"model": _RunsCode(m)}, protocol=2),
        EVIL,
    ),
    "code_protocol_0_pickle": lambda t, m: (
        _pickle(t, "evil0.pth", _RunsCode(m), protocol=0),
        "not a checkpoint",
    ),
    "code_in_hf_pytorch_model_bin": lambda t, m: (
        _hf_folder(t, {"pytorch_model.bin": _pickle(t, "x.bin", {"w": _RunsCode(m)}).read_bytes()}),
        EVIL,
    ),
    # damaged safetensors headers: bounded memory, precise reasons
    "header_length_2_to_63": lambda t, m: (_raw_header(t, "huge_len.safetensors", 2**63), "header too large"),
    "header_length_past_the_end": lambda t, m: (
        _raw_header(t, "past_end.safetensors", 1 << 20, b"{" + b" " * 100),
        DAMAGED,
    ),
    "header_length_zero": lambda t, m: (_raw_header(t, "zero_len.safetensors", 0, b"{}"), DAMAGED),
    "header_not_utf8": lambda t, m: (_raw_header(t, "utf8.safetensors", 8, b'{"\xff\xfe": 1}'), "UTF-8"),
    "header_offsets_past_the_data": lambda t, m: (
        _with_header(t, "offsets.safetensors", lambda h: _first_tensor(h).update(data_offsets=[0, 10**12])),
        DAMAGED,
    ),
    "header_unknown_dtype": lambda t, m: (
        _with_header(t, "dtype.safetensors", lambda h: _first_tensor(h).update(dtype="Q99")),
        DAMAGED,
    ),
    "header_shape_disagrees_with_offsets": lambda t, m: (
        _with_header(t, "shape.safetensors", lambda h: _first_tensor(h).update(shape=[10**6, 10**6])),
        DAMAGED,
    ),
    # wrong architecture
    "decoder_of_another_width": lambda t, m: (_mixed_decoder(t), "misshaped keys: mask_token"),
    "encoder_block_missing": lambda t, m: (_gap_in_blocks(t), "missing keys: blocks.1"),
    "heads_do_not_divide_width": lambda t, m: (_indivisible_heads(t), "inconsistent architecture"),
    # not state dicts
    "a_list": lambda t, m: (_pickle(t, "list.pth", [torch.zeros(1)]), "holds a list"),
    "an_empty_dict": lambda t, m: (_pickle(t, "empty_dict.pth", {}), "holds no tensors"),
    "non_tensor_entries": lambda t, m: (
        _pickle(t, "numbers.pth", {"model": {"w": 3}}),
        "non-tensor entries: w",
    ),
    # Hugging Face folders
    "hf_shard_index_without_weight_map": lambda t, m: (
        _hf_folder(t, {"model-00001-of-00002.safetensors": b"", "model.safetensors.index.json": b"{}"}),
        "the shard index lists no weights",
    ),
    "hf_config_not_json": lambda t, m: (
        _hf_folder(
            t, {"model.safetensors": (CONFORMANCE / "p16_pixel" / "model.safetensors").read_bytes()}, "{no"
        ),
        "unreadable config.json",
    ),
}


@pytest.mark.parametrize("kind", sorted(BUILDERS))
def test_refused_precisely_in_bounded_memory(kind: str, tmp_path: Path) -> None:
    marker = tmp_path / "code_ran"
    path, reason = BUILDERS[kind](tmp_path, marker)
    overrides = {} if path.suffix == ".safetensors" else HEADS  # ours carry their heads
    with peak_growth() as grown, pytest.raises(CheckpointError, match=reason) as info:
        load_model(path, **overrides)
    assert info.value.path is not None and info.value.path.name in (path.name, *HF_WEIGHTS)
    assert grown[0] < 64 << 20, f"{grown[0] >> 20} MiB"
    assert not marker.exists()


HF_WEIGHTS = ("model.safetensors", "pytorch_model.bin", "config.json", "model.safetensors.index.json")


def test_safetensors_whose_header_length_begins_with_0x80_loads(tmp_path: Path) -> None:
    """0x80 is also pickle's first opcode: one valid file in 32 was refused as pickled code."""
    model = _model()
    for pad in range(256):
        path = save_checkpoint(model, tmp_path / "m.safetensors", metadata={"pad": "x" * pad})
        if path.read_bytes()[0] == 0x80:
            break
    else:
        pytest.fail("no header length beginning with 0x80 in 256 paddings")
    loaded = load_model(path)
    assert all(torch.equal(loaded.state_dict()[k], v) for k, v in model.state_dict().items())


@pytest.mark.parametrize("fmt", ["pth", "safetensors"])
def test_cut_anywhere_is_refused(fmt: str, tmp_path: Path) -> None:
    model = _model()
    if fmt == "pth":
        buf = io.BytesIO()
        torch.save({"model": model.state_dict()}, buf)
        data = buf.getvalue()
    else:
        data = save_checkpoint(model, tmp_path / "full.safetensors").read_bytes()
    path = tmp_path / f"cut.{fmt}"
    for cut in range(1, len(data), max(1, len(data) // 40)):
        path.write_bytes(data[:cut])
        with pytest.raises(CheckpointError, match=rf"cut\.{fmt}: (damaged or truncated|not a checkpoint)"):
            load_model(path, **HEADS)


# ----------------------------------------------------------------------------------
# through the command line

CLI_KINDS = {
    **{k: BUILDERS[k] for k in ("code_in_legacy_torch_file", "code_pickle_renamed_safetensors",
                                "header_length_2_to_63", "decoder_of_another_width",
                                "hf_shard_index_without_weight_map")},
    "zero_byte": lambda t, m: (_write(t / "empty.pth", b""), "the file is empty"),
    "text": lambda t, m: (_write(t / "notes.safetensors", b"not a checkpoint\n"), "not a checkpoint"),
    "truncated_safetensors": lambda t, m: (
        _write(t / "short.safetensors", _safetensors_parts(t)[0][:-99]), DAMAGED
    ),
    "encoder_only": lambda t, m: (
        _pickle(t, "enc.pth", {"model": {k: v for k, v in _model().state_dict().items() if "decoder" not in k
                                         and k != "mask_token"}}),
        "encoder-only",
    ),
    "fine_tuned": lambda t, m: (
        _pickle(t, "ft.pth", {"model": {**_model().state_dict(), "head.weight": torch.zeros(10, 32)}}),
        "fine-tuned classifier",
    ),
    "hf_without_weights": lambda t, m: (_hf_folder(t, {}), "no weights"),
}  # fmt: skip


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("kind", sorted(CLI_KINDS))
def test_cli_checkpoint_refusal_is_one_line(
    kind: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    marker = tmp_path / "code_ran"
    path, reason = CLI_KINDS[kind](tmp_path, marker)
    image = tmp_path / "photo.png"
    image.write_bytes(_png())
    out = tmp_path / "out"
    rc = main(["reconstruct", str(image), "--checkpoint", str(path), "--out", str(out), "--device", "cpu"])
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert rc == 1 and len(lines) == 1, err
    assert lines[0].startswith("mae-studio reconstruct: ") and str(path) in lines[0], err
    assert re.search(reason, lines[0]), err
    assert list(out.iterdir()) == [] and not marker.exists()


def _png() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (40, 40), (90, 120, 150)).save(buf, "PNG")
    return buf.getvalue()
