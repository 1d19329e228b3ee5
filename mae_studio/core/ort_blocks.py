"""Float32 transformer blocks on ONNX Runtime's CPU kernels, where onnxruntime is installed.

Why: ORT's own GEMM kernels (MLAS) run the short token sequences MAE has at batch 1 faster than
torch's, oneDNN included. Measured on a 2-core AMD EPYC (AVX2; torch 2.14, onnxruntime 1.32),
whole predictions at 75% removed against the reference-style path, interleaved in one run
(`mae-studio bench`): ViT-B/16 0.68x on these blocks against 0.78-0.87x on torch's; ViT-L/16
0.59-0.64x against 0.72-0.80x; the shipped 192-wide model 0.65-0.69x against 1.00x. The results
agree with torch's to summation order (ViT-B/L max |diff| ~4e-6, rel L2 ~1e-6).

How: each block becomes a small ONNX graph built here (onnx's helper; nothing is exported or
written to disk) whose weights are the block's own float32 tensors, handed to ORT without a copy
(add_external_initializers). The linear layers are Gemm with transB, so torch's [out, in]
layout is used as it is. ORT packs the weights once for its kernels when the session is built:
that packed copy is the memory this costs, about the block weights again (ViT-L +1.3 GB), and
building a session per block takes ViT-B 0.7-0.8 s, ViT-L 2.3 s in all (the predictor does it
on its warm-up thread for wide models). Attention is ORT's MultiHeadAttention (3-6% faster than
the same math in standard ops).

One session per block, so a reconstruction still stops between blocks when cancelled, and a
model's blocks move over one at a time while another thread builds their sessions.

A session runs a block only while it computes what the block's torch forward computes: float32
CPU input, no autograd, no autocast, `cpu_blocks` switched on (its `disabled()` turns this off
too), the same parameter tensors unchanged since the session was built (their version counters:
a training step or load_state_dict writes them in place), and the calling thread's torch thread
count equal to the session's (ORT's thread count is fixed per session). Anything else runs on
torch. ORT's workers sleep when idle instead of spinning: spinning took the cores the GUI thread
and torch's own steps needed (gain 1.02-1.22x instead of ~1.3x).
"""

from __future__ import annotations

import contextlib
import logging
import math
import threading
import weakref
from collections.abc import Iterator
from typing import Any

import torch
from torch import Tensor, nn

from . import cpu_blocks

log = logging.getLogger(__name__)

OPSET = 20  # LayerNormalization and Gelu as standard ops
_build_lock = threading.Lock()
_sessions: weakref.WeakKeyDictionary[nn.Module, _BlockSession] = weakref.WeakKeyDictionary()
_runtime: dict[str, Any] = {}  # "ort", "onnx" once imported; "error" when they cannot be
_state = {"enabled": True}
# Sessions are built only while their packed weights (about the block weights' size) fit in this
# share of the memory free: a big model on a small machine keeps torch's speed, not swap.
MEMORY_SHARE = 0.5


def _modules() -> tuple[Any, Any] | None:
    """(onnxruntime, onnx) imported on first use (not at start: ~0.3 s), or None where missing."""
    if "ort" not in _runtime and "error" not in _runtime:
        try:
            import onnx
            import onnxruntime
        except ImportError as e:
            _runtime["error"] = str(e)
            log.info("ONNX Runtime unavailable, blocks run on torch: %s", e)
        else:
            _runtime.update(ort=onnxruntime, onnx=onnx)
    return (_runtime["ort"], _runtime["onnx"]) if "ort" in _runtime else None


def available() -> bool:
    """onnxruntime and onnx can be imported."""
    return _modules() is not None


@contextlib.contextmanager
def disabled() -> Iterator[None]:
    """Blocks run on torch (cpu_blocks' path) inside, sessions or not: for comparisons and
    benchmarks."""
    before = _state["enabled"]
    _state["enabled"] = False
    try:
        yield
    finally:
        _state["enabled"] = before


def version() -> str | None:
    """onnxruntime's version where available."""
    modules = _modules()
    return None if modules is None else modules[0].__version__


class _BlockSession:
    """One block's ORT session and the tensors it was built on."""

    def __init__(self, block: nn.Module, threads: int) -> None:
        ort, onnx = _modules()  # type: ignore[misc]
        self.threads = threads
        self.tensors = _parameters(block)
        self.versions = [t._version for t in self.tensors]
        graph, shared = _block_graph(onnx, block)
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.log_severity_level = 3  # errors only
        # kept here: the session reads them for as long as it lives
        self._values = [ort.OrtValue.ortvalue_from_numpy(t.numpy()) for t in shared.values()]
        options.add_external_initializers(list(shared), self._values)
        self.session = ort.InferenceSession(
            graph.SerializeToString(), options, providers=["CPUExecutionProvider"]
        )

    def current(self, block: nn.Module) -> bool:
        """The block still has the tensors this session was built on, unchanged."""
        now = _parameters(block)
        pairs = zip(now, self.tensors, self.versions, strict=True)
        return all(a is b and a._version == v for a, b, v in pairs)

    def __call__(self, x: Tensor) -> Tensor:
        return torch.from_numpy(self.session.run(None, {"x": x.contiguous().numpy()})[0])


def _parameters(block: nn.Module) -> list[Tensor]:
    a, m = block.attn, block.mlp
    modules = (block.norm1, a.qkv, a.proj, block.norm2, m.fc1, m.fc2)
    return [t for mod in modules for t in (mod.weight, mod.bias)]


def _fits(block: nn.Module) -> bool:
    """The block the graph describes: float32 nn.Linear (with bias) and LayerNorm on the CPU,
    attention scaled by 1/sqrt(head dim) as MultiHeadAttention is. Like cpu_blocks, this runs
    only for MAEBlock, which has none of timm's extras (layer scale, drop path, q/k norms)."""
    a, m = block.attn, block.mlp
    if not math.isclose(a.scale, (a.qkv.in_features // a.num_heads) ** -0.5, rel_tol=1e-6):
        return False
    linears = (a.qkv, a.proj, m.fc1, m.fc2)
    norms = (block.norm1, block.norm2)
    return (
        all(type(x) is nn.Linear and x.bias is not None for x in linears)
        and all(type(n) is nn.LayerNorm and n.elementwise_affine and n.bias is not None for n in norms)
        and all(t.dtype == torch.float32 and t.device.type == "cpu" for t in _parameters(block))
    )


def attach(model: nn.Module, threads: int | None = None) -> int:
    """Build sessions for the model's encoder and decoder blocks that have none (or a stale one),
    for `threads` intra-op threads (default: this thread's torch count). Returns how many blocks
    run on ORT now; 0 where onnxruntime is missing or the packed weights would not fit in
    MEMORY_SHARE of the free memory (logged). Safe to call from another thread while the
    model runs: each block switches when its session is ready."""
    if _modules() is None:
        return 0
    threads = threads or torch.get_num_threads()
    blocks = [b for b in (*model.blocks, *model.decoder_blocks) if _fits(b)]
    packed = sum(t.numel() * t.element_size() for b in blocks if b not in _sessions for t in _parameters(b))
    free = available_memory()
    if free is not None and packed > free * MEMORY_SHARE:
        log.warning(
            "blocks stay on torch: ONNX Runtime's packed weights would take %d MB of the %d MB free",
            packed >> 20,
            free >> 20,
        )
        return 0
    with _build_lock:
        for block in blocks:
            s = _sessions.get(block)
            if s is None or s.threads != threads or not s.current(block):
                _sessions[block] = _BlockSession(block, threads)
    return len(blocks)


def available_memory() -> int | None:
    """Bytes of memory the system can still give (Linux MemAvailable), or None where unknown."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError) as e:
        log.debug("no MemAvailable: %s", e)
    return None


def detach(model: nn.Module) -> None:
    """The model's blocks run on torch again (their sessions are dropped)."""
    with _build_lock:
        for block in (*model.blocks, *model.decoder_blocks):
            _sessions.pop(block, None)


def attached(model: nn.Module) -> int:
    """How many of the model's blocks have a session."""
    return sum(block in _sessions for block in (*model.blocks, *model.decoder_blocks))


def session_for(block: nn.Module, x: Tensor) -> _BlockSession | None:
    """The session to run `block` on `x` with, or None for torch (see the module docstring)."""
    s = _sessions.get(block)
    if (
        s is None
        or not _state["enabled"]
        or not cpu_blocks.enabled()
        or x.device.type != "cpu"
        or x.dtype != torch.float32
        or torch.is_grad_enabled()
        or torch.is_autocast_enabled("cpu")
        or s.threads != torch.get_num_threads()
    ):
        return None
    return s if s.current(block) else None


def _block_graph(onnx: Any, block: nn.Module) -> tuple[Any, dict[str, Tensor]]:
    """(ModelProto of timm's pre-norm block on x [N, T, D] -> y [N, T, D], {initializer name:
    the block's tensor it stands for})."""
    helper, FLOAT = onnx.helper, onnx.TensorProto.FLOAT
    attn, mlp = block.attn, block.mlp
    D, H = attn.qkv.in_features, attn.num_heads
    nodes: list[Any] = []
    inits: list[Any] = []
    shared: dict[str, Tensor] = {}

    def node(op: str, inputs: list[str], output: str, **attrs: Any) -> str:
        nodes.append(helper.make_node(op, inputs, [output], **attrs))
        return output

    def const(name: str, values: list[int]) -> str:
        inits.append(helper.make_tensor(name, onnx.TensorProto.INT64, [len(values)], values))
        return name

    def share(name: str, t: Tensor) -> str:
        # declared as external data: ORT takes the tensor from add_external_initializers
        proto = onnx.TensorProto(name=name, data_type=FLOAT, dims=list(t.shape))
        proto.data_location = onnx.TensorProto.EXTERNAL
        entry = proto.external_data.add()
        entry.key, entry.value = "location", "given-at-session-build"
        inits.append(proto)
        shared[name] = t.detach()
        return name

    def norm(name: str, layer: nn.LayerNorm, x: str) -> str:
        scale, bias = share(name + ".weight", layer.weight), share(name + ".bias", layer.bias)
        return node("LayerNormalization", [x, scale, bias], name, axis=-1, epsilon=layer.eps)

    def linear(name: str, layer: nn.Linear, x: str, residual: str | None = None) -> str:
        w, b = share(name + ".weight", layer.weight), share(name + ".bias", layer.bias)
        if residual is None:
            return node("Gemm", [x, w, b], name, transB=1)
        return node("Add", [node("Gemm", [x, w, b], name + ".out", transB=1), residual], name)

    flat = const("flat", [-1, D])
    shape = node("Shape", ["x"], "shape")  # [N, T, D]
    x = node("Reshape", ["x", flat], "x2d")  # Gemm takes [N*T, D]
    qkv = linear("qkv", attn.qkv, norm("norm1", block.norm1, x))
    nt = node("Slice", [shape, const("start", [0]), const("stop", [2])], "nt")
    qkv = node("Reshape", [qkv, node("Concat", [nt, const("3d", [3 * D])], "qkv.shape", axis=0)], "qkv3d")
    nodes.append(helper.make_node("Split", [qkv], ["q", "k", "v"], axis=-1, num_outputs=3))
    y = node("MultiHeadAttention", ["q", "k", "v"], "attn", domain="com.microsoft", num_heads=H)
    x = linear("proj", attn.proj, node("Reshape", [y, flat], "attn2d"), residual=x)
    y = node("Gelu", [linear("fc1", mlp.fc1, norm("norm2", block.norm2, x))], "gelu")  # erf GELU
    y = node("Reshape", [linear("fc2", mlp.fc2, y, residual=x), shape], "y")
    graph = helper.make_graph(
        nodes,
        "mae_block",
        [helper.make_tensor_value_info("x", FLOAT, ["N", "T", D])],
        [helper.make_tensor_value_info("y", FLOAT, ["N", "T", D])],
        inits,
    )
    opsets = [helper.make_opsetid("", OPSET), helper.make_opsetid("com.microsoft", 1)]
    return helper.make_model(graph, opset_imports=opsets), shared
