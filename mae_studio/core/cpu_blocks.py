"""Transformer blocks for CPU inference: float32 on oneDNN's matmul, and int8 copies on their
quantized matmuls without timm's per-module overhead.

nn.Linear on a CPU calls BLAS addmm (MKL in the official wheels). oneDNN's inner product
(brgemm kernels) is faster on the short token sequences MAE runs at batch 1, and it fuses the
residual add after proj and fc2 into the matmul, so those activations are written once.
Measured on a 2-core AMD EPYC (AVX2, torch 2.14: MKL 2024.2, oneDNN 3.12), per matmul: encoder
[50 x 768] @ [768 x 3072] 3.9 ms -> 2.6 ms, decoder [197 x 512] @ [512 x 2048] 4.3 -> 3.6 ms;
ViT-B/16 at 75% masked ~0.85x the BLAS time end to end. The numbers are float32 throughout;
they differ from addmm's by summation order only (~4e-6 at the output of ViT-B, the
conformance tolerance is 1e-4).

GELU runs as its own in-place op after fc1: oneDNN's fused erf-GELU post-op ran slower than the
matmul it follows would suggest (whole forwards, interleaved: ~0.95-0.985x with GELU apart).
Tried and not kept: weights reordered once into oneDNN's blocked layout, kept beside the model's
own, to skip the reorder oneDNN does on each call. Whole forwards with and without, interleaved:
0.93-0.96x in one session, 0.95-1.02x in another; it costs a second copy of every block weight
(ViT-L +1.2 GB) and, since a load's check reconstruction packs them, tripled a ViT-L load's time
(0.53 -> 1.74 s) and doubled its peak memory (1.03x -> 2.03x the file).

Int8 copies (precision's dynamic int8 variants: torch.ao's dynamic quantized Linear, fbgemm
kernels) run on ONNX Runtime's int8 kernels where it is installed (ort_blocks.attach_int8). Else,
or inside ort_blocks.disabled(), they run the same block shape here too: the quantized matmuls
called directly, the adds and GELU in place, and none of timm's identity modules (layer scale,
drop path, q/k norms) called. That is the same arithmetic as timm's forward, bit for bit, minus
the per-module overhead and intermediate tensors: one ViT-B/16 int8 block 0.90-0.93x timm's
time (encoder and decoder, interleaved). oneDNN's own int8 matmul (onednn::qlinear_pointwise, with
GELU and the add as post-ops) was measured as the alternative and lost on AVX2 without VNNI:
1.2-1.6x fbgemm's time per matmul, and 8-bit weights saturate there (rel L2 ~1e-1; 7-bit weights ~1.3e-2).

The block path runs only where it computes exactly what the timm block does: float32 CPU
tensors, no autograd (training keeps nn.Linear), no autocast (the bf16-autocast variant keeps
its bf16 matmuls), and a block with no layer scale, drop path or extra norms (MAEBlock builds it
so) whose four linear layers are all plain nn.Linear (on oneDNN, from MIN_WIDTH wide) or all
dynamic int8.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import torch
import torch.nn.functional as F
from torch import Tensor, nn

try:  # torch.ao's eager quantization is deprecated; a torch without it has no int8 copies either
    from torch.ao.nn.quantized.dynamic import Linear as Int8Linear
except ImportError:
    Int8Linear = None

_MKLDNN = getattr(torch.ops, "mkldnn", None)
_LINEAR = getattr(_MKLDNN, "_linear_pointwise", None)
# Narrower blocks stay on BLAS: oneDNN's per-call overhead outweighs its faster kernels there
# (the shipped 192/128-wide model: 28.4 ms against 26.9 ms per reconstruction on the same CPU;
# with weights packed once, tried and not kept, 0.97-0.99x BLAS's time: too small a gain).
MIN_WIDTH = 384
_state = {"enabled": True}


def available() -> bool:
    """oneDNN's fused linear is in this torch and oneDNN is switched on."""
    return _LINEAR is not None and torch.backends.mkldnn.is_available() and torch.backends.mkldnn.enabled


def plain_inference(x: Tensor) -> bool:
    """`x` is a float32 CPU input outside autograd and autocast, and the block paths are switched
    on (not inside `disabled()`): where a block path, this module's or ort_blocks', may compute
    what timm's forward computes."""
    return (
        _state["enabled"]
        and x.device.type == "cpu"
        and x.dtype == torch.float32
        and not torch.is_grad_enabled()
        and not torch.is_autocast_enabled("cpu")
    )


@contextlib.contextmanager
def disabled() -> Iterator[None]:
    """Blocks use timm's own forward (nn.Linear on BLAS, int8 through its modules, no ONNX
    Runtime sessions) inside: for comparisons and benchmarks."""
    before = _state["enabled"]
    _state["enabled"] = False
    try:
        yield
    finally:
        _state["enabled"] = before


def usable(x: Tensor, block: nn.Module) -> bool:
    """The block path may run `block` on `x` (see the module docstring)."""
    if not plain_inference(x):
        return False
    layers = (block.attn.qkv, block.attn.proj, block.mlp.fc1, block.mlp.fc2)
    if all(_plain_linear(m) for m in layers):
        return x.shape[-1] >= MIN_WIDTH and available()
    return all(int8_linear(m) for m in layers)


def _plain_linear(m: nn.Module) -> bool:
    return type(m) is nn.Linear and m.weight.dtype == torch.float32 and m.weight.device.type == "cpu"


def int8_linear(m: nn.Module) -> bool:
    """A torch.ao dynamic int8 Linear with qint8 weights."""
    return Int8Linear is not None and type(m) is Int8Linear and m._packed_params.dtype == torch.qint8


def _linear(x: Tensor, layer: nn.Linear) -> Tensor:
    return _LINEAR(x, layer.weight, layer.bias, "none", [], "")


def _linear_add(x: Tensor, layer: nn.Linear, residual: Tensor) -> Tensor:
    """residual + layer(x), the add fused into the matmul."""
    return _LINEAR.binary(x, residual.contiguous(), layer.weight, layer.bias, "add")


def _int8(x: Tensor, layer: nn.Module) -> Tensor:
    # what the module's forward calls (reduce_range: 7-bit activations, from its version 4)
    reduce_range = layer.version is not None and layer.version >= 4
    return torch.ops.quantized.linear_dynamic(x, layer._packed_params._packed_params, reduce_range)


def _int8_add(x: Tensor, layer: nn.Module, residual: Tensor) -> Tensor:
    return _int8(x, layer).add_(residual)


def block_forward(block: nn.Module, x: Tensor) -> Tensor:
    """timm's pre-norm Block on x [N, T, D] (the caller checked `usable`)."""
    N, T, D = x.shape
    attn, mlp = block.attn, block.mlp
    linear, linear_add = (_linear, _linear_add) if type(attn.qkv) is nn.Linear else (_int8, _int8_add)
    H = attn.num_heads
    qkv = linear(block.norm1(x), attn.qkv).view(N, T, 3, H, D // H).permute(2, 0, 3, 1, 4)
    y = F.scaled_dot_product_attention(qkv[0], qkv[1], qkv[2])  # [N, H, T, D/H]
    x = linear_add(y.transpose(1, 2).reshape(N, T, D), attn.proj, x)
    y = torch.ops.aten.gelu_(linear(block.norm2(x), mlp.fc1))  # [N, T, hidden], erf GELU as nn.GELU
    return linear_add(y, mlp.fc2, x)
