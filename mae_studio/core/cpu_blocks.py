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

Two findings on that CPU, each timed interleaved over whole forwards: weights reordered once into
oneDNN's blocked layout (`_packed_weight`, kept beside the model's own) skip the reorder oneDNN
otherwise does on every call (ViT-B/16 and ViT-L/16 at 75% masked ~0.93x); and GELU as its own
in-place op after fc1 beats oneDNN's fused erf-GELU post-op, which runs slower than the matmul
it follows would suggest (~0.95-0.985x). The packed copies cost as much memory as the blocks'
float32 weights (ViT-B ~0.45 GB, ViT-L ~1.2 GB), up to PACK_BUDGET_BYTES for all live models
together (past it, layers use their own weights: ViT-H/14 gets 27 of its 32 encoder blocks
packed), and follow the weights: a replaced or updated weight (load_state_dict, an optimizer
step) is packed again on its next use.

Int8 copies (precision's dynamic int8 variants: torch.ao's dynamic quantized Linear, fbgemm
kernels) run the same block shape here too: the quantized matmuls called directly, the adds and
GELU in place, and none of timm's identity modules (layer scale, drop path, q/k norms) called.
That is the same arithmetic as timm's forward, bit for bit, minus the per-module overhead and
intermediate tensors: one ViT-B/16 int8 block 0.90-0.93x timm's time (encoder and decoder,
interleaved). oneDNN's own int8 matmul (onednn::qlinear_pointwise, with GELU and the add as
post-ops) was measured as the alternative and lost on AVX2 without VNNI: 1.2-1.6x fbgemm's time
per matmul, and 8-bit weights saturate there (rel L2 ~1e-1; 7-bit weights ~1.3e-2).

The block path runs only where it computes exactly what the timm block does: float32 CPU
tensors, no autograd (training keeps nn.Linear), no autocast (the bf16-autocast variant keeps
its bf16 matmuls), and a block with no layer scale, drop path or extra norms (MAEBlock builds it
so) whose four linear layers are all plain nn.Linear (on oneDNN, from MIN_WIDTH wide) or all
dynamic int8.
"""

from __future__ import annotations

import contextlib
import weakref
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
_REORDER = getattr(_MKLDNN, "_reorder_linear_weight", None)
# Narrower blocks stay on BLAS: oneDNN's per-call overhead outweighs its faster kernels there
# (the shipped 192/128-wide model: 28.4 ms against 26.9 ms per reconstruction on the same CPU;
# with packed weights 0.97-0.99x BLAS's time, interleaved: too small a gain to switch).
MIN_WIDTH = 384
PACK_BUDGET_BYTES = 2 << 30  # packed copies of all live models together; ViT-L needs ~1.2 GiB
_state = {"enabled": True}
# layer -> (a view of the weight it was packed from, that weight's version counter, the weight in
# oneDNN's blocked layout, or the view itself where the budget was spent). The view keeps the
# packed-from storage alive, so a weight whose data moved (`.data =`, a dtype round trip) can
# never show the same address and pass as unchanged.
_packed: weakref.WeakKeyDictionary[nn.Linear, tuple[Tensor, int, Tensor]] = weakref.WeakKeyDictionary()


def available() -> bool:
    """oneDNN's fused linear is in this torch and oneDNN is switched on."""
    return _LINEAR is not None and torch.backends.mkldnn.is_available() and torch.backends.mkldnn.enabled


@contextlib.contextmanager
def disabled() -> Iterator[None]:
    """Blocks use timm's own forward (nn.Linear on BLAS, int8 through its modules) inside: for
    comparisons and benchmarks."""
    before = _state["enabled"]
    _state["enabled"] = False
    try:
        yield
    finally:
        _state["enabled"] = before


def usable(x: Tensor, block: nn.Module) -> bool:
    """The block path may run `block` on `x` (see the module docstring)."""
    if not (
        _state["enabled"]
        and x.device.type == "cpu"
        and x.dtype == torch.float32
        and not torch.is_grad_enabled()
        and not torch.is_autocast_enabled("cpu")
    ):
        return False
    layers = (block.attn.qkv, block.attn.proj, block.mlp.fc1, block.mlp.fc2)
    if all(_plain_linear(m) for m in layers):
        return x.shape[-1] >= MIN_WIDTH and available()
    return all(_int8_linear(m) for m in layers)


def _plain_linear(m: nn.Module) -> bool:
    return type(m) is nn.Linear and m.weight.dtype == torch.float32 and m.weight.device.type == "cpu"


def _int8_linear(m: nn.Module) -> bool:
    return Int8Linear is not None and type(m) is Int8Linear and m._packed_params.dtype == torch.qint8


def _packed_weight(layer: nn.Linear) -> Tensor:
    """layer.weight in oneDNN's layout, packed at first use and again whenever the weight changed
    (in place: its version counter moved; or replaced: other data)."""
    w = layer.weight
    if _REORDER is None:
        return w
    entry = _packed.get(layer)
    if entry is None or entry[1] != w._version or not _same_data(entry[0], w):
        _packed.pop(layer, None)
        view = w.detach()
        within = packed_bytes() + w.numel() * w.element_size() <= PACK_BUDGET_BYTES
        entry = _packed[layer] = (view, w._version, _REORDER(view) if within else view)
    return entry[2]


def packed_bytes() -> int:
    """Memory held by packed weight copies now (layers of models still alive)."""
    return sum(p.numel() * p.element_size() for view, _, p in list(_packed.values()) if p is not view)


def _same_data(a: Tensor, b: Tensor) -> bool:
    return (
        a.data_ptr() == b.data_ptr()
        and a.dtype == b.dtype
        and a.shape == b.shape
        and a.stride() == b.stride()
    )


def _linear(x: Tensor, layer: nn.Linear) -> Tensor:
    return _LINEAR(x, _packed_weight(layer), layer.bias, "none", [], "")


def _linear_add(x: Tensor, layer: nn.Linear, residual: Tensor) -> Tensor:
    """residual + layer(x), the add fused into the matmul."""
    return _LINEAR.binary(x, residual.contiguous(), _packed_weight(layer), layer.bias, "add")


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
