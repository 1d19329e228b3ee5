"""Where a prediction's time goes on the CPU (`mae-studio bench --ops`): for exact and fast, the
time of each ONNX Runtime operator type summed over the transformer blocks, ORT's own time
between operators, and everything outside ORT (torch: patch embedding, gathers, decoder input
and output layers, norms; Python), per prediction.

How: the blocks of the model a precision runs get sessions with ORT's profiler on
(ort_blocks.profiling), then `runs` predictions are timed; only the profiler's records of those
runs count (the last `runs` of each session; warm-up and any measurement before are left out).
The profiler adds a little time of its own to each operator: the parts add up to the whole
prediction as measured while it was on, a few percent above `mae-studio bench`'s figure.
"""

from __future__ import annotations

import json
import tempfile
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from torch import nn

from . import ort_blocks
from .images import sample_photo
from .masks import random_mask
from .model import MaskedAutoencoderViT
from .predictor import Predictor

BETWEEN = "ONNX Runtime between operators"
OUTSIDE = "outside ONNX Runtime (torch, Python)"
WHOLE = "whole prediction"
# the operators that multiply matrices with the weights, as ort_blocks builds the blocks
MATMULS = frozenset({"Gemm", "MatMul", "DynamicQuantizeMatMul", "MatMulInteger", "MatMulIntegerToFloat"})


@dataclass(frozen=True)
class OpRow:
    model: str  # label
    ratio: float  # removed fraction
    path: str  # "exact", "fast (int8)"
    part: str  # an ORT operator type, BETWEEN, OUTSIDE or WHOLE
    ms: float  # per prediction, mean over the timed runs
    share: float  # of the whole prediction


@dataclass(frozen=True)
class OpProfile:
    rows: list[OpRow]
    blocks_on_ort: dict[str, int]  # path -> how many of its blocks ran on ORT


def profile_ops(
    model: MaskedAutoencoderViT,
    label: str,
    ratio: float = 0.75,
    precisions: Sequence[str] = ("exact", "fast"),
    runs: int = 10,
    warmup: int = 2,
    seed: int = 0,
) -> OpProfile:
    """Rows for each precision (a fast that chose float32 adds nothing: its rows would be exact's).
    The model's float32 blocks are left on ORT sessions where they were on before (re-attached)."""
    if not ort_blocks.available():
        raise RuntimeError("onnxruntime is not installed: every block runs on torch")
    model = model.cpu().eval()
    image = sample_photo(model.config.img_size)
    mask = random_mask(model.config.grid_size, ratio, seed=seed)
    was_attached = ort_blocks.attached(model) > 0
    rows: list[OpRow] = []
    on_ort: dict[str, int] = {}
    done: set[str] = set()
    for precision in precisions:
        predictor = Predictor(model, "cpu", precision, cuda_graphs=False)  # fast: measured or cached
        path = f"fast ({predictor.variant.name})" if precision == "fast" else precision
        if predictor.variant.name in done:
            continue
        done.add(predictor.variant.name)
        predictor.set_image(image)
        target = predictor.compute_model
        with (
            tempfile.TemporaryDirectory(prefix="mae-studio-ops-") as tmp,
            ort_blocks.profiling(Path(tmp)) as prof,
        ):
            ort_blocks.detach(target)
            on_ort[path] = _attach(target, model, predictor.variant.int8_scope)
            for _ in range(warmup):
                predictor.predict(mask)
            start = time.perf_counter()
            for _ in range(runs):
                predictor.predict(mask)
            whole = (time.perf_counter() - start) / runs * 1e3
            kernels, in_ort = _read(prof.files(), runs)
        parts = sorted(((op, t / runs) for op, t in kernels.items()), key=lambda kv: -kv[1])
        parts += [(BETWEEN, (in_ort - sum(kernels.values())) / runs), (OUTSIDE, whole - in_ort / runs)]
        parts += [(WHOLE, whole)]
        rows += [OpRow(label, ratio, path, part, ms, ms / whole) for part, ms in parts]
    if was_attached:
        ort_blocks.attach(model)
    return OpProfile(rows, on_ort)


def _attach(target: nn.Module, model: nn.Module, int8_scope: tuple[str, ...]) -> int:
    if target is model:
        return ort_blocks.attach(model)
    return ort_blocks.attach_int8(target, model, int8_scope) if int8_scope else 0  # bf16: torch only


def _read(files: Sequence[Path], runs: int) -> tuple[dict[str, float], float]:
    """({operator type: ms in the last `runs` runs of every session}, ms of those runs in all)."""
    kernels: dict[str, float] = defaultdict(float)
    in_ort = 0.0
    for f in files:
        events = json.loads(f.read_text(encoding="utf-8"))
        windows = sorted(
            (e["ts"], e["ts"] + e["dur"])
            for e in events
            if e.get("cat") == "Session" and e["name"] == "model_run"
        )[-runs:]
        in_ort += sum(b - a for a, b in windows) / 1e3
        for e in events:
            kernel = e.get("cat") == "Node" and e["name"].endswith("_kernel_time")
            if kernel and any(a <= e["ts"] <= b for a, b in windows):
                kernels[e["args"]["op_name"]] += e["dur"] / 1e3
    return kernels, in_ort


def format_op_table(profile: OpProfile) -> str:
    head = ["model", "removed", "path", "part", "ms per prediction", "share"]
    body = [
        [r.model, f"{r.ratio:.0%}", r.path, r.part, f"{r.ms:.2f}", f"{r.share:.1%}"] for r in profile.rows
    ]
    widths = [max(len(h), *(len(b[i]) for b in body)) for i, h in enumerate(head)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            c.rjust(w) if i >= 4 else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        )

    return "\n".join([line(head), *(line(b) for b in body)])


def summary(profile: OpProfile) -> list[str]:
    """Per model and path: the weight matrix products against the rest, and against exact's."""
    totals: dict[tuple[str, float, str], dict[str, float]] = defaultdict(lambda: {"matmul": 0.0, "rest": 0.0})
    for r in profile.rows:
        if r.part != WHOLE:
            totals[(r.model, r.ratio, r.path)]["matmul" if r.part in MATMULS else "rest"] += r.ms
    out = []
    for (model, ratio, path), t in totals.items():
        exact = totals.get((model, ratio, "exact"))
        line = (
            f"{model}, {ratio:.0%}, {path}: matrix products {t['matmul']:.1f} ms, the rest {t['rest']:.1f} ms"
        )
        if exact is not None and path != "exact" and t["matmul"] > 0 and t["rest"] > 0:
            faster = exact["matmul"] / t["matmul"], exact["rest"] / t["rest"]
            line += f" (exact's matrix products take {faster[0]:.2f}x these, its rest {faster[1]:.2f}x this)"
        out.append(line)
    return out
