"""Latency of every inference path of one model, measured in one run so ratios are fair.

Paths (all batch 1, timed to the prediction being ready on the host side of the device):
- `reference-style fp32`: baseline.reference_forward, plain eager code as the official repo runs.
- `exact, all tokens`: model.forward_all_tokens, the encoder over every patch (no MAE saving).
- `exact`: Predictor.predict in float32 — the speed-up base (1.00x). On a CPU with onnxruntime
  its transformer blocks run on ONNX Runtime (ort_blocks.py), and `exact, torch blocks` is the
  same call with them on torch (cpu_blocks.py), for the gain; `fast (int8), torch blocks` the
  same for fast's int8 copy.
- `exact, reconstruct()`: the same plus turning it into images and errors (what the GUI gets).
- `fast (<variant>)`, its `reconstruct()`, and any extra variants asked for (bf16, int8...).
- On CUDA, each Predictor path eager and with CUDA graphs.
- `exact preview` and `fast preview`: Predictor.preview's decoder alone (what a brush stroke
  shows on a slow model), on the exact encoder output of the mask before a stroke that removed
  STROKE_SHARE of the patches (the removed patches nearest one point); its error is against the
  full run on the mask after the stroke.

Calls are interleaved round-robin (run i of every path, then run i + 1), so a burst of load
from other processes slows all paths alike instead of one.
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from . import ort_blocks
from .baseline import reference_forward
from .images import sample_photo
from .masks import random_mask
from .model import MaskedAutoencoderViT
from .predictor import Predictor

ALL_TOKENS = "exact, all tokens"
TORCH_BLOCKS = ", torch blocks"  # the same call with ONNX Runtime's sessions off
STROKE_SHARE = 0.05  # the patches a stroke removed, for the preview rows
PREVIEW = " preview, decoder only"


def before_stroke(mask: np.ndarray, share: float = STROKE_SHARE, seed: int = 0) -> np.ndarray:
    """`mask` (bool [h, w]) before a brush stroke removed `share` of the patches: those of its
    removed patches nearest a random point are visible again."""
    h, w = mask.shape
    removed = np.argwhere(mask)
    count = min(len(removed), max(1, round(share * h * w)))
    centre = np.random.default_rng(seed).random(2) * (h, w)
    nearest = removed[np.argsort(((removed + 0.5 - centre) ** 2).sum(axis=1), kind="stable")[:count]]
    before = mask.copy()
    before[nearest[:, 0], nearest[:, 1]] = False
    return before


@dataclass(frozen=True)
class Timing:
    median_ms: float
    min_ms: float
    max_ms: float
    runs: int


@dataclass(frozen=True)
class BenchRow:
    model: str  # architecture label
    device: str  # "cpu", "cuda"
    ratio: float  # removed fraction
    path: str  # what ran (see module docstring)
    timing: Timing
    speedup: float  # exact median / this median, same run
    rel_l2: float  # ||pred - exact pred|| / ||exact pred|| (nan: a different function)
    dpsnr: float  # masked PSNR of this path minus exact's, dB (nan: not comparable)


@dataclass
class _Path:
    name: str
    run: Callable[[], Tensor]  # -> pred [1, L, p*p*3] on the device
    returns_pred: bool = True  # False: run() returns nothing to compare (reconstruct rows)


def random_preset(key: str, seed: int = 0) -> MaskedAutoencoderViT:
    """The preset `key` (config.PRESETS) with the reference's random initialization."""
    from .config import PRESETS

    torch.manual_seed(seed)
    model = MaskedAutoencoderViT(PRESETS[key])
    model.init_weights()
    return model.eval()


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _paths(
    model: MaskedAutoencoderViT,
    device: torch.device,
    mask: np.ndarray,
    predictors: dict[str, Predictor],
    baselines: bool,
    torch_twins: dict[str, Predictor],
) -> list[_Path]:
    exact = predictors["exact"]
    imgs = exact.input_tensor
    flat = torch.from_numpy(mask.reshape(1, -1).astype(np.float32)).to(device)
    paths: list[_Path] = []
    if baselines:
        paths.append(_Path("reference-style fp32", lambda: reference_forward(model, imgs, flat)))
        paths.append(_Path(ALL_TOKENS, lambda: model.forward_all_tokens(imgs, flat)))
    for label, pred in predictors.items():
        paths.append(_Path(label, lambda p=pred: p.predict(mask)))
        twin = torch_twins.get(label)
        if twin is not None:
            paths.append(_Path(f"{label}{TORCH_BLOCKS}", lambda p=twin: _on_torch(p, mask)))
        if label in ("exact", "fast") or label.startswith(("exact +", "fast +")):
            paths.append(
                _Path(f"{label}, reconstruct()", lambda p=pred: p.reconstruct(mask), returns_pred=False)
            )
    return paths


def _torch_twins(
    model: MaskedAutoencoderViT, device: torch.device, predictors: dict[str, Predictor]
) -> dict[str, Predictor]:
    """For exact and fast, where their blocks run on ONNX Runtime: the same precision on torch's
    blocks (exact: the same predictor, its sessions switched off; an int8 fast: a copy quantized
    by torch, as without onnxruntime)."""
    twins: dict[str, Predictor] = {}
    for label in ("exact", "fast"):
        pred = predictors[label]
        if pred.runtime == "torch" or (label == "fast" and pred.variant.name == "fp32"):
            continue  # fast on fp32 is exact's engine: its row would repeat exact's
        if pred.variant.int8:
            with ort_blocks.disabled():
                twins[label] = Predictor(model, device, pred.variant.name, cuda_graphs=False)
        else:
            twins[label] = pred
    return twins


def _on_torch(predictor: Predictor, mask: np.ndarray) -> Tensor:
    with ort_blocks.disabled():
        return predictor.predict(mask)


def time_paths(
    paths: Sequence[_Path], device: torch.device, runs: int, warmup: int
) -> dict[str, tuple[Timing, Tensor | None]]:
    """Round-robin timing; returns each path's Timing and its last prediction."""
    outputs: dict[str, Tensor | None] = {}
    times: dict[str, list[float]] = {p.name: [] for p in paths}
    with torch.inference_mode():
        for i in range(warmup + runs):
            for p in paths:
                _sync(device)
                start = time.perf_counter()
                out = p.run()
                _sync(device)
                elapsed = time.perf_counter() - start
                if i >= warmup:
                    times[p.name].append(elapsed * 1000)
                if p.returns_pred and i == warmup + runs - 1:
                    outputs[p.name] = out.float().clone()
    result: dict[str, tuple[Timing, Tensor | None]] = {}
    for p in paths:
        t = times[p.name]
        result[p.name] = (Timing(statistics.median(t), min(t), max(t), len(t)), outputs.get(p.name))
    return result


def bench_model(
    model: MaskedAutoencoderViT,
    label: str,
    device: torch.device,
    ratios: Sequence[float] = (0.5, 0.75, 0.9),
    variants: Sequence[str] = (),
    runs: int = 20,
    warmup: int = 3,
    baselines: bool = True,
    seed: int = 0,
    progress: Callable[[str], None] | None = None,
) -> list[BenchRow]:
    """Rows for one model on one device: every path at every ratio, speed-ups against
    `exact` and errors against exact's prediction, all from the same run."""
    model = model.to(device).eval()
    image = sample_photo(model.config.img_size)
    graphs = device.type == "cuda"
    predictors: dict[str, Predictor] = {"exact": Predictor(model, device, "exact", cuda_graphs=False)}
    predictors["exact"].prepare_runtime()  # all predictors here share the model, and so its blocks
    if progress is not None and device.type == "cpu":
        progress(f"{label} on cpu: exact's transformer blocks run on {predictors['exact'].runtime}")
    if graphs:
        predictors["exact + CUDA graphs"] = Predictor(model, device, "exact", cuda_graphs=True)
    fast = Predictor(model, device, "fast", cuda_graphs=False)  # on a CPU: measured or cached
    fast_label = f"fast ({fast.variant.name})"
    if progress is not None:
        progress(f"{label} on {device.type}: fast is {fast.variant.name} ({fast.variant.reason})")
    predictors["fast"] = fast
    if graphs:
        predictors["fast + CUDA graphs"] = Predictor(model, device, "fast", cuda_graphs=True)
    for v in variants:
        if v != fast.variant.name and v != "fp32":
            predictors[v] = Predictor(model, device, v, cuda_graphs=False)
            if graphs:
                predictors[f"{v} + CUDA graphs"] = Predictor(model, device, v, cuda_graphs=True)
    previews = {name: Predictor(model, device, "exact", cuda_graphs=False) for name in ("exact", "fast")}
    twins = _torch_twins(model, device, predictors)
    for p in (*predictors.values(), *previews.values(), *twins.values()):
        p.set_image(image)

    rows: list[BenchRow] = []
    g = model.config.grid_size
    for ratio in ratios:
        if progress is not None:
            progress(f"{label} on {device.type}, {ratio:.0%} masked")
        mask = random_mask(g, ratio, seed)
        paths = _paths(model, device, mask, predictors, baselines, twins)
        for name, p in previews.items():  # the base: the exact run before the stroke
            p.set_precision("exact")
            p.reconstruct(before_stroke(mask, seed=seed))
            p.set_precision(name)
            if p.predict_preview(mask) is not None:  # None: a stroke this big previews in full
                paths.append(_Path(name + PREVIEW, lambda p=p, m=mask: p.predict_preview(m)))
        measured = time_paths(paths, device, runs, warmup)
        base_ms = measured["exact"][0].median_ms
        ref_pred = measured["exact"][1]
        assert ref_pred is not None
        ref_psnr = predictors["exact"].reconstruction_from_pred(ref_pred, mask).masked_psnr
        for name, (timing, pred) in measured.items():
            rel = dpsnr = math.nan
            if pred is not None and name != ALL_TOKENS:  # all tokens: a different function
                rel = float((pred - ref_pred).norm() / ref_pred.norm())
                dpsnr = predictors["exact"].reconstruction_from_pred(pred, mask).masked_psnr - ref_psnr
            shown = name.replace("fast", fast_label, 1) if name.startswith("fast") else name
            rows.append(
                BenchRow(label, device.type, ratio, shown, timing, base_ms / timing.median_ms, rel, dpsnr)
            )
    return rows


# Column widths a table printed in pieces keeps (wider cells still widen their column).
STREAM_WIDTHS = (24, 6, 6, 24, 4, 9, 15, 8, 7, 8)


def format_table(rows: Sequence[BenchRow], header: bool = True, min_widths: Sequence[int] = ()) -> str:
    """A plain-text table, one row per path, blank line between (model, device, ratio) groups.
    `header=False` and `min_widths` (STREAM_WIDTHS) print a table group by group as it is measured."""
    head = (
        "model",
        "device",
        "masked",
        "path",
        "runs",
        "median ms",
        "min-max ms",
        "speed-up",
        "rel L2",
        "dPSNR dB",
    )
    body: list[tuple[str, ...] | None] = []
    last = None
    for r in rows:
        key = (r.model, r.device, r.ratio)
        if last is not None and key != last:
            body.append(None)
        last = key
        t = r.timing
        body.append(
            (
                r.model,
                r.device,
                f"{r.ratio:.0%}",
                r.path,
                str(t.runs),
                f"{t.median_ms:.1f}",
                f"{t.min_ms:.1f}-{t.max_ms:.1f}",
                f"{r.speedup:.2f}x",
                "-" if math.isnan(r.rel_l2) else f"{r.rel_l2:.1e}",
                "-" if math.isnan(r.dpsnr) else f"{r.dpsnr:+.2f}",
            )
        )
    floor = list(min_widths) or [0] * len(head)
    widths = [max(len(h), floor[i], *(len(b[i]) for b in body if b is not None)) for i, h in enumerate(head)]
    right = {4, 5, 6, 7, 8, 9}

    def line(cells: Sequence[str]) -> str:
        pairs = enumerate(zip(cells, widths, strict=True))
        return "  ".join(c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in pairs)

    out = [line(head), line(["-" * w for w in widths])] if header else []
    out += ["" if b is None else line(b) for b in body]
    return "\n".join(s.rstrip() for s in out)
