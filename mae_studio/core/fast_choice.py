"""`fast` on a CPU: the variant this machine runs fastest within a stated error of `exact`,
chosen by measurement the first time a model architecture meets this CPU and torch, and
remembered in the data folder (fast_choice.json) so later starts take it at once.

The measurement (a second or two, plus building the int8 copy and its ONNX Runtime sessions:
~1.1 s for ViT-B, ~3.4 s for ViT-L on 2 cores) runs `exact` and each candidate on the model at
hand, at batch 1 on a sample photo (`measure` says how), and keeps the fastest candidate whose
prediction stays within FAST_REL_L2_BOUND of exact's (relative L2) at every ratio of
MEASURE_RATIOS. The error grows as fewer patches are removed (more tokens through the quantized
layers): checked at 75% alone, the bound was broken at 10-50% (the shipped model's int8: 4.7e-2 at
75%, 5.5e-2 at 10% on the sample photo; ViT-B/L's 2.2-2.6e-2 at either).

Candidates: dynamic int8 linear layers (on ONNX Runtime's int8 kernels where installed,
ort_blocks.attach_int8; else torch's fbgemm), and on CPUs with native bf16 also bf16 weights and
bf16 autocast. Emulated bf16 (AVX2 and older) is slower than float32 and is not tried; int8 in
the encoder only (the `int8-encoder` variant, rel L2 ~8e-3) measured 1.05-1.6x exact on a 2-core
AVX2 EPYC against int8's 1.7-2.0x and is not tried either (`mae-studio bench --variants
int8-encoder` times it; on the shipped model, whose int8 breaks the bound, it is slower than
exact: its float32 decoder stays on torch). Float32 itself (exact) is the choice when nothing
beats it.

Keyed by CPU model name, torch version, what the blocks run on (the onnxruntime version where it
is installed: measure moves exact's blocks there first, as they will run; else torch), threads and
the architecture (not the weights: speed depends on shapes only; the error bound is checked on the
weights measured first). A cache file that cannot be read or parsed is logged and measured again.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import os
import statistics
import time
from dataclasses import dataclass
from pathlib import Path

import torch

from . import ort_blocks
from .fastpath import Engine, ids_from_mask
from .images import normalize, sample_photo
from .masks import random_mask
from .model import MaskedAutoencoderViT
from .places import data_folder
from .precision import Variant, compute_mode, cpu_has_native_bf16, cpu_name, int8_available, variant_named

log = logging.getLogger(__name__)

CACHE_FILE = "fast_choice.json"
# 2: int8 blocks skip timm's modules and exact runs GELU apart (cpu_blocks); 3: the blocks on
# ONNX Runtime (ort_blocks), whose version is part of the key, and int8 in the blocks only; 4: the
# error bound checked at every ratio of MEASURE_RATIOS. Choices measured before are measured again.
CACHE_VERSION = 4
FAST_REL_L2_BOUND = 5e-2  # ||pred - exact pred|| / ||exact pred||; int8 measures 2-3e-2, bf16 ~7e-3
# the error at a few removed and at the usual 75% (the slider's default); the first ratio is timed
MEASURE_RATIOS = (0.75, 0.1)
MIN_ROUNDS, MAX_ROUNDS = 5, 40  # timed rounds of one encoder and one decoder block each
BUDGET_S = 1.0  # stop adding rounds past this (once MIN_ROUNDS are done)


@dataclass(frozen=True)
class Choice:
    """What the measurement found; `variant` is the name `fast` resolves to."""

    variant: str
    speedup: float  # exact's median / the chosen one's
    rel_l2: float  # the chosen one's error against exact, the worst of MEASURE_RATIOS
    measured: dict[str, tuple[float, float]]  # candidate -> (median ms, worst rel L2)
    seconds: float  # how long the measurement took
    cached: bool = False

    @property
    def reason(self) -> str:
        where = "cached measurement" if self.cached else "measured now"
        if self.variant == "fp32":
            return f"{where}: nothing beat float32 within rel L2 {FAST_REL_L2_BOUND:g}"
        speed = f"transformer blocks {self.speedup:.2f}x exact's"
        return f"{where}: {speed}, rel L2 {self.rel_l2:.1e} (bound {FAST_REL_L2_BOUND:g})"


def candidates() -> list[str]:
    """The variants worth measuring on this CPU (exact's fp32 is always measured too)."""
    names = ["int8"] if int8_available() else []
    if cpu_has_native_bf16():
        names += ["bf16", "bf16-autocast"]
    return names


def cache_path() -> Path:
    return data_folder() / CACHE_FILE


def cache_key(model: MaskedAutoencoderViT) -> str:
    c = model.config
    arch = (
        f"p{c.patch_size} {c.img_size}px enc {c.depth}x{c.embed_dim}/{c.num_heads} "
        f"dec {c.decoder_depth}x{c.decoder_embed_dim}/{c.decoder_num_heads} mlp {c.mlp_ratio:g}"
    )
    version = ort_blocks.version()
    runtime = f"onnxruntime {version}" if version else "torch blocks"
    threads = torch.get_num_threads()
    return f"{cpu_name()} | torch {torch.__version__} | {runtime} | {threads} threads | {arch}"


def choose(model: MaskedAutoencoderViT) -> tuple[Variant, dict[str, Engine]]:
    """The variant `fast` is on this CPU for `model`, with its reason, and the engines built
    while measuring (empty on a cache hit), for the caller to keep."""
    key = cache_key(model)
    entries = _read_cache()
    entry = entries.get(key)
    choice = _from_entry(entry) if entry is not None else None
    engines: dict[str, Engine] = {}
    if choice is None:
        choice, engines = measure(model)
        entries[key] = dataclasses.asdict(choice) | {"cached": True}
        _write_cache(entries)
    return dataclasses.replace(variant_named(choice.variant), reason=choice.reason), engines


def cached_variant(model: MaskedAutoencoderViT) -> Variant | None:
    """The cached choice for `model` on this CPU, or None (no entry, or a damaged cache)."""
    entry = _read_cache().get(cache_key(model))
    choice = _from_entry(entry) if entry is not None else None
    return (
        None if choice is None else dataclasses.replace(variant_named(choice.variant), reason=choice.reason)
    )


def measure(model: MaskedAutoencoderViT) -> tuple[Choice, dict[str, Engine]]:
    """Exact and every candidate on `model` (see the module docstring): one whole forward each
    for its error (and warm-up), then one encoder and one decoder block each, interleaved, for
    the time: blocks are all alike, so a forward takes depth x encoder block + decoder_depth x
    decoder block plus small steps every variant shares, and single blocks give many rounds in
    the time of a few forwards."""
    ort_blocks.attach(model)  # exact's blocks as they will run (a no-op where they already do)
    start = time.perf_counter()
    device = torch.device("cpu")
    engines = {"fp32": Engine(model, variant_named("fp32"), device)}
    for name in candidates():
        try:
            engines[name] = Engine(model, variant_named(name), device)
        except RuntimeError as e:  # this torch cannot build it: not a candidate here
            log.info("fast choice: %s not measured (%s)", name, e)

    c = model.config
    imgs = normalize(sample_photo(c.img_size))[None]  # a sample photo: errors as on real pictures
    errors: dict[str, float] = dict.fromkeys(engines, 0.0)  # the worst over the ratios
    for ratio in MEASURE_RATIOS:
        keep, restore = ids_from_mask(random_mask(c.grid_size, ratio, 0).reshape(-1))
        ids_keep, ids_restore = torch.from_numpy(keep)[None], torch.from_numpy(restore)[None]
        preds = {n: e.forward(*e.embed(imgs), ids_keep, ids_restore).float() for n, e in engines.items()}
        for n, pred in preds.items():
            errors[n] = max(errors[n], float((pred - preds["fp32"]).norm() / preds["fp32"].norm()))
    keep = ids_from_mask(random_mask(c.grid_size, MEASURE_RATIOS[0], 0).reshape(-1))[0]
    g = torch.Generator().manual_seed(0)
    enc_in = torch.randn(1, 1 + keep.size, c.embed_dim, generator=g)  # [1, 1 + kept, D]
    dec_in = torch.randn(1, 1 + c.num_patches, c.decoder_embed_dim, generator=g)  # [1, 1 + L, Dd]
    times: dict[str, tuple[list[float], list[float]]] = {n: ([], []) for n in engines}
    for round_ in range(MAX_ROUNDS):
        for name, engine in engines.items():
            enc, dec = engine.model.blocks[0], engine.model.decoder_blocks[0]
            with torch.inference_mode(), compute_mode(engine.variant, device):
                for block, x, out in ((enc, enc_in, times[name][0]), (dec, dec_in, times[name][1])):
                    x = x.to(engine.dtype)
                    t0 = time.perf_counter()
                    block(x)
                    out.append(time.perf_counter() - t0)
        if round_ + 1 >= MIN_ROUNDS and time.perf_counter() - start > BUDGET_S:
            break
    measured = {
        name: (
            1000 * (c.depth * statistics.median(t_enc) + c.decoder_depth * statistics.median(t_dec)),
            errors[name],
        )
        for name, (t_enc, t_dec) in times.items()
    }
    within = [n for n, (_, err) in measured.items() if err <= FAST_REL_L2_BOUND]
    best = min(within, key=lambda n: measured[n][0])  # fp32 (error 0) is always within
    choice = Choice(
        variant=best,
        speedup=measured["fp32"][0] / measured[best][0],
        rel_l2=measured[best][1],
        measured=measured,
        seconds=time.perf_counter() - start,
    )
    log.info("fast choice for %s: %s (%s; %s)", cache_key(model), best, choice.reason, measured)
    return choice, {best: engines[best]}


def _read_cache() -> dict[str, dict]:
    path = cache_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except OSError as e:
        log.warning("fast choice cache %s unreadable (%s): measuring again", path, e)
        return {}
    try:
        data = json.loads(text)
        if isinstance(data, dict) and data.get("version") in range(1, CACHE_VERSION):
            log.info("fast choice cache %s is from older code paths: measuring again", path)
            return {}
        if not isinstance(data, dict) or data.get("version") != CACHE_VERSION:
            raise ValueError(f"not a version {CACHE_VERSION} cache")
        entries = data["entries"]
        if not isinstance(entries, dict):
            raise ValueError("entries is not a table")
    except (ValueError, KeyError) as e:
        log.warning("fast choice cache %s damaged (%s): measuring again", path, e)
        return {}
    return entries


def _from_entry(entry: object) -> Choice | None:
    """A cached Choice, or None (logged) when the entry is damaged or names an unknown variant."""
    try:
        if not isinstance(entry, dict):
            raise TypeError(f"an entry is a {type(entry).__name__}")
        choice = Choice(
            variant=str(entry["variant"]),
            speedup=float(entry["speedup"]),
            rel_l2=float(entry["rel_l2"]),
            measured={str(k): (float(v[0]), float(v[1])) for k, v in dict(entry["measured"]).items()},
            seconds=float(entry["seconds"]),
            cached=True,
        )
        variant_named(choice.variant)
    except (KeyError, TypeError, ValueError, IndexError) as e:
        log.warning("fast choice cache %s: a damaged entry (%r): measuring again", cache_path(), e)
        return None
    return choice


def _write_cache(entries: dict[str, dict]) -> None:
    """Written whole through a temporary file, so a crash never leaves half a file."""
    path = cache_path()
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(json.dumps({"version": CACHE_VERSION, "entries": entries}, indent=1), encoding="utf-8")
        os.replace(tmp, path)
    except OSError as e:
        log.warning("fast choice cache %s not written (%s); measuring again next time", path, e)
        with contextlib.suppress(OSError):  # e.g. the folder is a file: there is no tmp either
            tmp.unlink(missing_ok=True)
