"""Precision settings: `exact` (float32, conformance-tested) and `fast` (what this hardware
runs fastest within a small, stated error), plus the named variants the benchmark compares.

A variant never changes the caller's model: bf16 and int8 variants are copies.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import functools
import itertools
import platform
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from . import ort_blocks

PRECISIONS = ("exact", "fast")  # what the GUI and CLI offer
VARIANTS = ("fp32", "tf32", "bf16", "bf16-autocast", "int8", "int8-encoder")  # what `fast` may be


@dataclass(frozen=True)
class Variant:
    """How one model copy computes."""

    name: str  # one of VARIANTS
    dtype: torch.dtype  # dtype of weights and activations
    autocast: bool = False  # float32 weights, bf16 matmuls under torch.autocast
    int8: bool = False  # dynamic int8 nn.Linear (weights int8, activations quantized per call)
    int8_scope: tuple[str, ...] = ()  # the modules int8 replaces the linear layers under
    tf32: bool = False  # CUDA float32 matmuls on TF32 tensor cores
    reason: str = ""  # why `fast` chose it, for the bench and the status bar

    @property
    def exact(self) -> bool:
        return self.name == "fp32"


_VARIANTS = {
    "fp32": Variant("fp32", torch.float32),
    "tf32": Variant("tf32", torch.float32, tf32=True),
    "bf16": Variant("bf16", torch.bfloat16),
    "bf16-autocast": Variant("bf16-autocast", torch.float32, autocast=True),
    # The transformer blocks only: decoder_embed and decoder_pred (a few % of the time) stay
    # float32, which takes rel L2 from 2.9e-2 to 2.3e-2 on ViT-B/16 (3.1e-2 to 2.4e-2 on ViT-L/16).
    "int8": Variant("int8", torch.float32, int8=True, int8_scope=("blocks", "decoder_blocks")),
    "int8-encoder": Variant("int8-encoder", torch.float32, int8=True, int8_scope=("blocks",)),
}


def variant_named(name: str) -> Variant:
    """The variant called `name` (one of VARIANTS), without a reason."""
    try:
        return _VARIANTS[name]
    except KeyError:
        raise ValueError(f"unknown variant {name!r}: use one of {VARIANTS}") from None


@functools.lru_cache(maxsize=1)
def _cpuinfo() -> dict[str, str]:
    """The first processor's fields of /proc/cpuinfo (Linux; empty where unreadable)."""
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return {}
    fields: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip():
            break  # end of the first processor
        key, _, value = line.partition(":")
        fields.setdefault(key.strip(), value.strip())
    return fields


def cpu_flags() -> frozenset[str]:
    """Feature flags of this CPU ("flags" on x86, "Features" on ARM)."""
    info = _cpuinfo()
    return frozenset((info.get("flags") or info.get("Features") or "").split())


def cpu_has_native_bf16() -> bool:
    """True where bf16 matmuls run on hardware (AVX512-BF16, AMX, ARM BF16), not emulated.
    Without it, oneDNN converts bf16 to float32 and bf16 is slower than float32."""
    return bool(cpu_flags() & {"avx512_bf16", "amx_bf16", "bf16"})


def int8_available() -> bool:
    """Dynamic int8 linear layers need a quantized engine (x86/fbgemm, or qnnpack on ARM)."""
    engines = set(torch.backends.quantized.supported_engines)
    return bool(engines & {"x86", "fbgemm", "qnnpack", "onednn"}) and hasattr(torch, "ao")


def resolve(precision: str, device: torch.device) -> Variant:
    """'exact' -> fp32; 'fast' -> the fastest variant for `device` by the CPU's features; a
    variant name -> itself. On a CPU, Predictor measures `fast` instead (fast_choice.choose)."""
    if precision == "exact":
        return _VARIANTS["fp32"]
    if precision in _VARIANTS:
        return _VARIANTS[precision]
    if precision != "fast":
        raise ValueError(f"unknown precision {precision!r}: use one of {PRECISIONS + VARIANTS}")
    if device.type == "cuda":
        # Batch 1 on a GPU is bound by kernel launches; TF32 keeps 10 mantissa bits (bf16 keeps 7)
        # and measured faster than bf16 with CUDA graphs.
        return _with_reason("tf32", "CUDA: TF32 tensor-core matmuls")
    if device.type == "mps":
        return _with_reason("bf16", "MPS: bf16 weights")
    if device.type == "cpu":
        if cpu_has_native_bf16():
            return _with_reason("bf16", "CPU with native bf16: bf16 weights")
        if int8_available():
            return _with_reason("int8", "CPU without native bf16: dynamic int8 linear layers")
    return _with_reason("fp32", f"no faster path on {device.type}: float32")


def _with_reason(name: str, reason: str) -> Variant:
    return dataclasses.replace(_VARIANTS[name], reason=reason)


def build_model(model: nn.Module, variant: Variant) -> nn.Module:
    """The model as `variant` computes it: the model itself for float32 variants, else a copy.

    The int8 copy has its own modules on the model's own tensors (no second float32 copy of the
    weights): its transformer blocks under `variant.int8_scope` run on ONNX Runtime's int8 kernels
    where installed (ort_blocks.attach_int8, which quantizes the weights for its sessions), and
    only the blocks left without a session are quantized with torch (fbgemm's dynamic int8 linear
    layers). Where a block's session cannot run a call (another thread count, autograd, the
    model's weights changed since), that block computes in float32, as exact does. Against
    quantizing every block with torch first, this took ViT-L's int8 copy from 6.8-8.0 s to 3.3-3.4 s
    on 2 cores and from +2.4 GB to +0.76 GB resident (ViT-B: 2.3-2.5 s to 1.1 s, +0.83 to +0.33 GB):
    no float32 copy to quantize from, no torch int8 weights beside ORT's. Sharing means moving the
    model to another device in place moves the copy's float32 layers too: build the copy after
    (Predictor and the window make a model per device, and the bench one device at a time).

    Raises RuntimeError when this torch cannot build the variant (callers fall back to fp32)."""
    if variant.dtype == torch.float32 and not variant.int8:
        return model
    if variant.int8:
        if not int8_available():
            raise RuntimeError("this torch has no quantized engine for int8")
        device = next(model.parameters()).device
        if device.type != "cpu":
            raise RuntimeError("dynamic int8 linear layers run on the CPU only")
        shared = {id(t): t for t in itertools.chain(model.parameters(), model.buffers())}
        int8 = copy.deepcopy(model, shared).eval()  # new modules, the same tensors
        ort_blocks.attach_int8(int8, model, variant.int8_scope)
        rest = [
            f"{scope}.{i}"
            for scope in variant.int8_scope
            for i, block in enumerate(getattr(int8, scope))
            if not ort_blocks.has_session(block)
        ]
        if rest:
            with warnings.catch_warnings():
                # torch.ao's eager quantization is deprecated in favour of torchao, which is not a
                # dependency; it still works and is the only int8 path in plain torch.
                warnings.simplefilter("ignore", DeprecationWarning)
                warnings.simplefilter("ignore", UserWarning)
                from torch.ao.quantization import default_dynamic_qconfig, quantize_dynamic

                spec = dict.fromkeys(rest, default_dynamic_qconfig)
                quantize_dynamic(int8, spec, dtype=torch.qint8, inplace=True)  # new modules replace ours
        return int8
    return copy.deepcopy(model).to(variant.dtype).eval()


@contextlib.contextmanager
def compute_mode(variant: Variant, device: torch.device) -> Iterator[None]:
    """Global switches the variant needs while it runs, restored after: autocast, and on CUDA
    the TF32 flags set to the variant's choice (cuDNN allows TF32 by default, which would make
    the patch-embedding convolution of `exact` inexact).

    The TF32 flags are process-wide: only the one inference thread may run models, so
    switching them around each call cannot leak into another call."""
    with contextlib.ExitStack() as stack:
        if variant.autocast:
            stack.enter_context(torch.autocast(device.type, dtype=torch.bfloat16))
        if device.type == "cuda":
            stack.enter_context(_tf32(variant.tf32))
        yield


@contextlib.contextmanager
def _tf32(allow: bool) -> Iterator[None]:
    matmul = torch.backends.cuda.matmul.allow_tf32
    cudnn = torch.backends.cudnn.allow_tf32
    torch.backends.cuda.matmul.allow_tf32 = allow
    torch.backends.cudnn.allow_tf32 = allow
    try:
        yield
    finally:
        torch.backends.cuda.matmul.allow_tf32 = matmul
        torch.backends.cudnn.allow_tf32 = cudnn


def cpu_name() -> str:
    """The CPU's model name (/proc/cpuinfo; the platform's word elsewhere)."""
    return _cpuinfo().get("model name") or platform.processor() or platform.machine()


def describe_cpu() -> str:
    """One line for reports: ISA torch uses and the bf16 situation."""
    cap = torch.backends.cpu.get_cpu_capability()
    bf16 = "native bf16" if cpu_has_native_bf16() else "no native bf16"
    threads = torch.get_num_threads()
    return f"{cpu_name()}, torch ISA {cap}, {bf16}, {threads} threads"
