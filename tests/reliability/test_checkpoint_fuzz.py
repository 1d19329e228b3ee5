"""Property: whatever a checkpoint holds, `load_model` gives a working model or a CheckpointError
naming the file, in one printable line; nothing else escapes, nothing hangs, memory stays bounded.

Seeds are small valid checkpoints in every layout (MAE Studio safetensors, official .pth,
the training script's checkpoint-N.pth, a legacy pickle, a Hugging Face folder, shards).
Hypothesis edits what a file holds (tensor values, dtypes, shapes, keys; config.json, metadata,
training-args and shard-index values) and then its bytes (bit flips, interesting integers,
truncations, insertions, deletions, duplicated slices). Each load runs in the forked worker of
bounded.py under its hang guard. The default run is 300 derandomized cases; MAE_FUZZ_EXAMPLES
=5000 runs a long random one (see conftest.py); the summary prints the count and longest case.
"""

from __future__ import annotations

import io
import json
import math
import tempfile
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from safetensors.torch import save as save_safetensors

from tests.core.checkpoint_samples import training_checkpoint

from .bounded import LoadWorker, Outcome, measured
from .byte_edits import edit_bytes
from .hostile_checkpoints import TINY, own_meta, tiny_state

BUDGET = 192 << 20  # peak RSS growth per load: the seeds are ~100 KB, the model 0.1 M parameters
LAYOUTS = ["own", "pth", "training", "legacy", "hf", "shards"]
HF_CONFIG = {"model_type": "vit_mae", "num_attention_heads": 2, "decoder_num_attention_heads": 2,
             "hidden_size": 32, "image_size": 32, "patch_size": 16, "layer_norm_eps": 1e-6}  # fmt: skip
HOSTILE_VALUES: list[Any] = [0, -1, 1, 2, 3, 4.0, 1e-12, 1e300, math.nan, math.inf, 10**30, "1e-6",
                             "", "x" * 300, "a\x1b[31m\nb", None, True, False, [], {}, [2, 2],
                             [[[[1]]]]]  # fmt: skip
OWN_FIELDS = ["num_heads", "decoder_num_heads", "layer_norm_eps", "norm_pix_loss", "name", "img_size",
              "patch_size", "embed_dim", "depth", "mlp_ratio", "decoder_depth"]  # fmt: skip
HF_FIELDS = ["num_attention_heads", "decoder_num_attention_heads", "layer_norm_eps", "norm_pix_loss",
             "hidden_size", "image_size", "patch_size", "model_type", "hidden_act", "qkv_bias",
             "intermediate_size", "decoder_hidden_size", "num_hidden_layers"]  # fmt: skip
ARGS_FIELDS = ["norm_pix_loss", "model", "input_size"]
SEED_ARGS = {"input_size": 32, "model": "mae_vit_tiny_patch16", "norm_pix_loss": True}
ADDED_KEYS = ["blocks.1.norm1.weight", "blocks.127.norm1.weight", "blocks.128.norm1.weight",
              "decoder_blocks.999999.mlp.fc1.weight", f"blocks.{'7' * 60}.norm1.weight", "head.weight",
              "extra", "decoder_blocks.0.attn.qkv.weight",
              "vit.encoder.layer.0.layernorm_before.weight"]  # fmt: skip
DTYPES = [torch.int32, torch.bool, torch.float16, torch.bfloat16, torch.float64, torch.int8, torch.uint8]
BYTE_OPS = ["flip", "flip", "byte", "field", "truncate", "insert", "delete", "duplicate"]


# ----------------------------------------------------------------------------------
# building a case: a folder of files from a layout, edits of content, edits of bytes


def _hf_keys(sd: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Official keys -> Hugging Face Hub keys (the inverse of checkpoint_layouts' mapping)."""
    top = {"cls_token": "vit.embeddings.cls_token", "pos_embed": "vit.embeddings.position_embeddings",
           "patch_embed.proj.weight": "vit.embeddings.patch_embeddings.projection.weight",
           "patch_embed.proj.bias": "vit.embeddings.patch_embeddings.projection.bias",
           "norm.weight": "vit.layernorm.weight", "norm.bias": "vit.layernorm.bias"}  # fmt: skip
    sub = {"norm1": "layernorm_before", "norm2": "layernorm_after", "attn.proj": "attention.output.dense",
           "mlp.fc1": "intermediate.dense", "mlp.fc2": "output.dense"}  # fmt: skip
    out = {}
    for key, value in sd.items():
        parts = key.split(".")
        if key in top:
            out[top[key]] = value
        elif parts[0] in ("blocks", "decoder_blocks") and len(parts) > 3:
            stack = "vit.encoder.layer" if parts[0] == "blocks" else "decoder.decoder_layers"
            name, kind = ".".join(parts[2:-1]), parts[-1]
            if name == "attn.qkv" and value.dim() >= 1 and value.shape[0] % 3 == 0:
                for part, chunk in zip(("query", "key", "value"), value.chunk(3), strict=True):
                    out[f"{stack}.{parts[1]}.attention.attention.{part}.{kind}"] = chunk.contiguous()
            else:
                out[f"{stack}.{parts[1]}.{sub.get(name, name)}.{kind}"] = value
        else:
            out[key if key.startswith(("vit.", "decoder.")) else f"decoder.{key}"] = value
    return out


def _torch_bytes(obj: object, legacy: bool = False) -> bytes:
    buf = io.BytesIO()
    torch.save(obj, buf, _use_new_zipfile_serialization=not legacy)
    return buf.getvalue()


def build_case(layout: str, sd: dict, own: dict, hf: dict, args: dict) -> tuple[dict[str, bytes], str]:
    """({file name: bytes}, the name to open: a file, or "." for the folder)."""
    hf_json = json.dumps(hf).encode()
    if layout == "own":
        meta = {"format": "mae-studio", "config": json.dumps(own)}
        return {"tiny.safetensors": save_safetensors(sd, metadata=meta)}, "tiny.safetensors"
    if layout == "pth":
        return {"official.pth": _torch_bytes({"model": sd}), "config.json": hf_json}, "official.pth"
    if layout == "legacy":
        return {"legacy.pth": _torch_bytes({"model": sd}, legacy=True), "config.json": hf_json}, "legacy.pth"
    if layout == "training":
        ckpt = training_checkpoint(tiny_state(), TINY, epoch=9, **args)
        ckpt["model"] = sd
        return {"checkpoint-9.pth": _torch_bytes(ckpt), "config.json": hf_json}, "checkpoint-9.pth"
    hub = _hf_keys(sd)
    if layout == "hf":
        return {"model.safetensors": save_safetensors(hub), "config.json": hf_json}, "."
    halves = {"a.safetensors": {k: v for k, v in hub.items() if k.startswith("vit.")}}
    halves["b.safetensors"] = {k: v for k, v in hub.items() if k not in halves["a.safetensors"]}
    index = {"weight_map": {k: name for name, part in halves.items() for k in part}}
    files = {name: save_safetensors(part) for name, part in halves.items()}
    return {**files, "model.safetensors.index.json": json.dumps(index).encode(), "config.json": hf_json}, "."


@st.composite
def tensor_edits(draw: st.DrawFn, sd: dict[str, torch.Tensor]) -> list[str]:
    steps = []
    for _ in range(draw(st.sampled_from([0, 0, 1, 2]))):  # often none: the other edits alone
        op = draw(st.sampled_from(["nan", "inf", "dtype", "shape", "drop", "add", "scale"]))
        key = draw(st.sampled_from(sorted(sd)))
        t = sd[key]
        if op in ("nan", "inf", "scale") and t.numel() and t.is_floating_point():
            t = t.clone()
            if op == "scale":
                t *= 1e30
            else:
                t.view(-1)[draw(st.integers(0, t.numel() - 1))] = math.nan if op == "nan" else math.inf
            sd[key] = t
        elif op == "dtype":
            sd[key] = t.to(draw(st.sampled_from(DTYPES)))
        elif op == "shape":
            dims = draw(st.lists(st.sampled_from([0, 1, 2, 3, 16, 32, 96, 4096]), max_size=4))
            if math.prod(dims) <= 1 << 16:
                sd[key] = torch.zeros(dims)
        elif op == "drop" and len(sd) > 1:
            del sd[key]
        elif op == "add":
            key = draw(st.sampled_from(ADDED_KEYS))
            sd[key] = torch.zeros(draw(st.sampled_from([[0], [1], [32], [16, 16]])))
        steps.append(f"{op}:{key[:40]}")
    return steps


@st.composite
def value_edits(draw: st.DrawFn, doc: dict[str, Any], fields: list[str], label: str) -> list[str]:
    steps = []
    for _ in range(draw(st.sampled_from([0, 0, 1, 2]))):
        field = draw(st.sampled_from(fields))
        doc[field] = draw(st.sampled_from(HOSTILE_VALUES))
        steps.append(f"{label}.{field}={doc[field]!r:.20}")
    return steps


def mutate_bytes(draw: st.DrawFn, data: bytearray) -> list[str]:
    """Up to three byte edits (byte_edits.edit_bytes), as the image fuzzer makes."""
    steps = []
    for _ in range(draw(st.sampled_from([0, 0, 1, 2, 3]))):
        op = draw(st.sampled_from(BYTE_OPS))
        steps.append(edit_bytes(draw, data, op, widths=(2, 4, 8), orders=("little",)))
    return steps


@st.composite
def mutated_checkpoints(draw: st.DrawFn) -> tuple[str, dict[str, bytes], str]:
    """(description, {file name: bytes}, name to open)."""
    layout = draw(st.sampled_from(LAYOUTS))
    sd, own, hf, args = tiny_state(), json.loads(own_meta()["config"]), dict(HF_CONFIG), dict(SEED_ARGS)
    steps = draw(tensor_edits(sd))
    if layout == "own":
        steps += draw(value_edits(own, OWN_FIELDS, "meta"))
    elif layout == "training":
        steps += draw(value_edits(args, ARGS_FIELDS, "args"))
    if layout != "own":
        steps += draw(value_edits(hf, HF_FIELDS, "config"))
    files, name = build_case(layout, sd, own, hf, args)
    target = draw(st.sampled_from(sorted(files)))
    data = bytearray(files[target])
    byte_steps = mutate_bytes(draw, data)
    files[target] = bytes(data)
    steps += [f"{target}:{s}" for s in byte_steps]
    return f"{layout}: {' '.join(steps) or 'unchanged'}", files, name


# ----------------------------------------------------------------------------------
# the worker and the property


def _load_checkpoint(source: str, name: str) -> Outcome:
    """Runs in the forked worker: load_model of source (a folder or file), as an Outcome."""

    def run() -> Outcome:
        from mae_studio.core import CheckpointError, load_model

        # A forked child must not enter the parent's OpenMP thread pool (it would wait forever
        # for threads that were not forked); torch's DataLoader workers do the same.
        torch.set_num_threads(1)
        out = Outcome("loaded", name)
        try:
            model = load_model(Path(source), "cpu")
        except CheckpointError as e:
            out.kind, out.message = "refused", str(e)
            out.error_path = None if e.path is None else str(e.path)
        except BaseException as e:  # noqa: BLE001 (reported to the parent, which fails the test)
            out.kind = "escaped"
            out.message = f"{type(e).__name__}: {e}\n{traceback.format_exc()}"
        else:
            out.message = model.card.summary() if model.card else ""
        return out

    return measured(run)


@pytest.fixture(scope="module")
def checkpoint_worker() -> Iterator[LoadWorker]:
    worker = LoadWorker(loader=_load_checkpoint)
    yield worker
    worker.close()


def _assert_sane(o: Outcome, folder: str) -> None:
    assert o.kind in ("loaded", "refused"), o.describe()
    assert o.rss_growth <= BUDGET, o.describe()
    if o.kind == "refused":
        assert o.message.isprintable() and o.error_path and o.error_path.startswith(folder), o.describe()


@pytest.mark.parametrize("layout", LAYOUTS)
def test_seeds_load(layout: str, checkpoint_worker: LoadWorker) -> None:
    sd = tiny_state()
    files, name = build_case(layout, sd, json.loads(own_meta()["config"]), dict(HF_CONFIG), dict(SEED_ARGS))
    with tempfile.TemporaryDirectory() as folder:
        for file, data in files.items():
            (Path(folder) / file).write_bytes(data)
        outcome = checkpoint_worker.load(str(Path(folder) / name), name)
    assert outcome.kind == "loaded", outcome.describe()


@settings(settings.get_profile("mae-fuzz"))
@given(case=mutated_checkpoints())
def test_mutated_checkpoints_load_or_are_refused(
    case: tuple[str, dict[str, bytes], str], checkpoint_worker: LoadWorker, checkpoint_fuzz_log: list
) -> None:
    description, files, name = case
    with tempfile.TemporaryDirectory() as folder:
        for file, data in files.items():
            (Path(folder) / file).write_bytes(data)
        outcome = checkpoint_worker.load(str(Path(folder) / name), name)
        checkpoint_fuzz_log.append((description, outcome))
        _assert_sane(outcome, folder)
