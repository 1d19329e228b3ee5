"""Transformer blocks on ONNX Runtime's CPU kernels, where onnxruntime is installed: exact's
float32 blocks, and the blocks of `fast`'s int8 copies.

Why: ORT's own GEMM kernels (MLAS) run the short token sequences MAE has at batch 1 faster than
torch's, oneDNN included. Measured on a 2-core AMD EPYC (AVX2; torch 2.14, onnxruntime 1.32),
whole predictions at 75% removed against the reference-style path, interleaved in one run
(`mae-studio bench`, three runs): ViT-B/16 0.62-0.68x on these blocks against 0.82-0.87x on
torch's; ViT-L/16 0.59-0.71x against 0.83-0.89x; the shipped 192-wide model 0.67-0.69x against
1.02-1.06x. The results agree with torch's to summation order (max |diff| ~4e-6, rel L2 ~1e-6).

How: each block becomes a small ONNX graph built here (onnx_proto.py; nothing is exported or
written to disk) whose weights are the block's own float32 tensors, handed to ORT without a copy
(add_external_initializers). The linear layers are Gemm with transB, so torch's [out, in]
layout is used as it is. ORT packs the weights once for its kernels when the session is built:
that packed copy is the memory this costs, about the block weights again (ViT-L +1.4 GB), and
building a session per block takes ViT-B 0.7-0.8 s, ViT-L 2.3 s in all (the predictor does it
on its warm-up thread for wide models). Attention is ORT's MultiHeadAttention (3-6% faster than
the same math in standard ops).

Int8 copies (precision.build_model) get sessions too (attach_int8): the same graph with
DynamicQuantizeMatMul for the linear layers, weights quantized here from the float32 model to 7
bits per output channel, activations to uint8 per call. Against exact on ORT, interleaved on the
same machine: ViT-B/16 1.64x (torch's fbgemm int8 1.47x), ViT-L/16 1.75x (1.66x) in one run;
1.51x and 1.67x in `mae-studio bench`. Rel L2 against exact: 2.3e-2 (torch's int8 2.4e-2), 2.4e-2
(2.6e-2), the shipped model 4.7e-2 (8.4e-2). The int8 copy is the model's modules copied onto
the model's own tensors; only blocks that get no session are quantized by torch (build_model).

One session per block, so a reconstruction still stops between blocks when cancelled, and a
model's blocks move over one at a time while another thread builds their sessions.

A session runs a block only while it computes what the block's torch forward computes: float32
CPU input, no autograd, no autocast, `cpu_blocks` switched on (its `disabled()` turns this off
too), the same parameter tensors unchanged since the session was built (their version counters:
a training step or load_state_dict writes them in place; for int8 copies the norms' tensors and
the quantized layers' packed weights), and the calling thread's torch thread count equal to the
session's (ORT's thread count is fixed per session). Anything else runs on torch. ORT's workers
sleep when idle instead of spinning: spinning took the cores the GUI thread and torch's own steps
needed (gain 1.02-1.22x instead of ~1.3x).
"""

from __future__ import annotations

import contextlib
import logging
import math
import struct
import threading
import weakref
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import torch
from torch import Tensor, nn

from . import cpu_blocks
from . import onnx_proto as proto

log = logging.getLogger(__name__)

OPSET = 20  # LayerNormalization and Gelu as standard ops
MS = "com.microsoft"  # ORT's own operators: MultiHeadAttention, DynamicQuantizeMatMul
# int8 weights keep 7 bits: without VNNI, x86's u8 x s8 multiply-add (vpmaddubsw) sums pairs into
# int16, which 8-bit weights overflow (rel L2 0.36-0.41 measured with ORT's 8-bit default).
INT8_WEIGHT_MAX = 63
_build_lock = threading.Lock()
_sessions: weakref.WeakKeyDictionary[nn.Module, _BlockSession] = weakref.WeakKeyDictionary()
_runtime: dict[str, Any] = {}  # "ort" and its "errors" once imported; "error" when it cannot be
_state: dict[str, Any] = {"enabled": True, "profile": None}  # profile: a _Profiling while on
# Sessions are built only while their packed weights (about the block weights' size) fit in this
# share of the memory free: a big model on a small machine keeps torch's speed, not swap.
MEMORY_SHARE = 0.5


def _onnxruntime() -> Any | None:
    """onnxruntime, imported on first use (not at start: ~0.15 s), or None where missing."""
    if "ort" not in _runtime and "error" not in _runtime:
        try:
            import onnxruntime
        except ImportError as e:
            _runtime["error"] = str(e)
            log.info("ONNX Runtime unavailable, blocks run on torch: %s", e)
        else:
            _runtime["ort"] = onnxruntime
            # its errors (Fail, InvalidGraph, NotImplemented, ...) derive from Exception directly
            state = onnxruntime.capi.onnxruntime_pybind11_state
            errors = [v for v in vars(state).values() if isinstance(v, type) and issubclass(v, Exception)]
            _runtime["errors"] = (*errors, MemoryError, RuntimeError)
    return _runtime.get("ort")


def available() -> bool:
    """onnxruntime can be imported."""
    return _onnxruntime() is not None


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


class _Profiling:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.sessions: list[tuple[nn.Module, _BlockSession]] = []

    def files(self) -> list[Path]:
        """End profiling of the sessions built so far; their profiles (ORT's trace JSON), one each."""
        return [Path(s.session.end_profiling()) for _, s in self.sessions]


@contextlib.contextmanager
def profiling(folder: Path) -> Iterator[_Profiling]:
    """Sessions built inside time each operator of each run (ORT's profiler; op_bench reads the
    files, written into `folder` by the yielded object's files()). On leaving, those sessions are
    dropped: their blocks run on torch until attached again (profiling is not for normal runs)."""
    with _build_lock:
        if _state["profile"] is not None:
            raise RuntimeError("ort_blocks.profiling is already on")
        _state["profile"] = profile = _Profiling(folder)
    try:
        yield profile
    finally:
        with _build_lock:
            _state["profile"] = None
            for block, session in profile.sessions:
                if _sessions.get(block) is session:
                    del _sessions[block]


def version() -> str | None:
    """onnxruntime's version where available."""
    ort = _onnxruntime()
    return None if ort is None else ort.__version__


class _BlockSession:
    """One block's ORT session and what it was built on. `int8_from`: the float32 block an int8
    copy (`block`) was made from, whose weights the session quantizes itself."""

    def __init__(self, block: nn.Module, threads: int, int8_from: nn.Module | None = None) -> None:
        ort = _onnxruntime()
        self.threads = threads
        self.tracked = _tracked(block)
        self.versions = [_version(t) for t in self.tracked]
        graph, shared = _block_graph(block, int8_from)
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.log_severity_level = 3  # errors only
        profile = _state["profile"]
        if profile is not None:  # ORT times every operator of every run, written at end_profiling
            options.enable_profiling = True
            options.profile_file_prefix = str(profile.folder / f"block{len(profile.sessions)}")
        # kept here: the session reads them for as long as it lives
        self._values = [ort.OrtValue.ortvalue_from_numpy(t.numpy()) for t in shared.values()]
        options.add_external_initializers(list(shared), self._values)
        self.session = ort.InferenceSession(graph, options, providers=["CPUExecutionProvider"])
        if profile is not None:
            profile.sessions.append((block, self))

    def current(self, block: nn.Module) -> bool:
        """The block still has the tensors this session was built on, unchanged."""
        pairs = zip(_tracked(block), self.tracked, self.versions, strict=True)
        return all(a is b and _version(a) == v for a, b, v in pairs)

    def __call__(self, x: Tensor) -> Tensor:
        return torch.from_numpy(self.session.run(None, {"x": x.contiguous().numpy()})[0])


def _parameters(block: nn.Module) -> list[Tensor]:
    a, m = block.attn, block.mlp
    modules = (block.norm1, a.qkv, a.proj, block.norm2, m.fc1, m.fc2)
    return [t for mod in modules for t in (mod.weight, mod.bias)]


def _linears(block: nn.Module) -> tuple[nn.Module, ...]:
    return block.attn.qkv, block.attn.proj, block.mlp.fc1, block.mlp.fc2


def _tracked(block: nn.Module) -> list[Tensor]:
    """What a session depends on: the block's parameters (an int8 copy's are its source's own
    tensors). Checked before every block call, so read from the modules' own dictionaries:
    nn.Module's attribute lookup made this check ~60 us of a 0.6 ms block on the shipped model."""
    mods = block._modules
    attn, mlp = mods["attn"]._modules, mods["mlp"]._modules
    layers = (mods["norm1"], attn["qkv"], attn["proj"], mods["norm2"], mlp["fc1"], mlp["fc2"])
    return [layer._parameters[k] for layer in layers for k in ("weight", "bias")]


def _version(t: object) -> int | None:
    """A tensor's version counter (bumped by every in-place write). None for other objects, and
    for inference tensors (made under torch.inference_mode), which keep none: their in-place
    writes go unseen."""
    if isinstance(t, Tensor) and not t.is_inference():
        return t._version
    return None


def _attention_fits(block: nn.Module) -> bool:
    a = block.attn
    head_dim = block.norm1.normalized_shape[-1] // a.num_heads
    return math.isclose(a.scale, head_dim**-0.5, rel_tol=1e-6)


def _fits(block: nn.Module) -> bool:
    """The block the graph describes: float32 nn.Linear (with bias) and LayerNorm on the CPU,
    attention scaled by 1/sqrt(head dim) as MultiHeadAttention is. Like cpu_blocks, this runs
    only for MAEBlock, which has none of timm's extras (layer scale, drop path, q/k norms)."""
    norms = (block.norm1, block.norm2)
    return (
        _attention_fits(block)
        and all(type(x) is nn.Linear and x.bias is not None for x in _linears(block))
        and all(type(n) is nn.LayerNorm and n.elementwise_affine and n.bias is not None for n in norms)
        and all(t.dtype == torch.float32 and t.device.type == "cpu" for t in _parameters(block))
    )


def attach(
    model: nn.Module, threads: int | None = None, should_stop: Callable[[], bool] | None = None
) -> int:
    """Build sessions for the model's encoder and decoder blocks that have none (or a stale one),
    for `threads` intra-op threads (default: this thread's torch count). Returns how many blocks
    run on ORT now; 0 where onnxruntime is missing or the packed weights would not fit in
    MEMORY_SHARE of the free memory (logged). Safe to call from another thread while the
    model runs: each block switches when its session is ready. `should_stop` turning true ends
    the building between blocks (the rest stay on torch)."""
    blocks = [b for b in (*model.blocks, *model.decoder_blocks) if _fits(b)]
    return _build([(b, None) for b in blocks], threads, 4, should_stop)


def attach_int8(
    copy: nn.Module,
    source: nn.Module,
    scope: Iterable[str] = ("blocks", "decoder_blocks"),
    threads: int | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> int:
    """Build int8 sessions for the blocks of `copy` under `scope` (its "blocks", "decoder_blocks"):
    `copy` is precision.build_model's int8 copy of the float32 model `source`, with its own
    modules on source's tensors, and the sessions quantize source's weights themselves: 7 bits per
    output channel, activations to uint8 per call (ORT's DynamicQuantizeMatMul). Returns how many
    of those blocks run on ORT now (0 where onnxruntime is missing, inside disabled(), or memory
    is short): the caller quantizes the others with torch (fbgemm's int8, per-tensor 8-bit weights).
    `should_stop` as for attach."""
    if not _state["enabled"]:
        return 0
    pairs = [
        (b, src)
        for name in scope
        for b, src in zip(getattr(copy, name), getattr(source, name), strict=True)
        if _fits(b) and _fits(src)
    ]
    return _build(pairs, threads, 1, should_stop)


def has_session(block: nn.Module) -> bool:
    """The block has an ORT session (whether it may run it now: session_for)."""
    return block in _sessions


def _build(
    pairs: list[tuple[nn.Module, nn.Module | None]],
    threads: int | None,
    bytes_per_weight: int,
    should_stop: Callable[[], bool] | None,
) -> int:
    """Sessions for (block, int8_from) pairs that have none or a stale one; returns how many of
    the pairs have one."""
    if _onnxruntime() is None or not pairs:
        return 0
    threads = threads or torch.get_num_threads()
    todo = [(b, src) for b, src in pairs if not _ready(b, threads)]
    packed = sum(layer.in_features * layer.out_features for b, src in todo for layer in _linears(src or b))
    free = available_memory()
    if free is not None and packed * bytes_per_weight > free * MEMORY_SHARE:
        log.warning(
            "blocks stay on torch: ONNX Runtime's packed weights would take %d MB of the %d MB free",
            (packed * bytes_per_weight) >> 20,
            free >> 20,
        )
        return 0
    with _build_lock:
        for block, src in todo:
            if should_stop is not None and should_stop():
                break
            if _ready(block, threads):
                continue
            try:
                _sessions[block] = _BlockSession(block, threads, src)
            except _runtime["errors"] as e:
                # an ORT that cannot run this graph (too old, an odd build) or memory running out:
                # the blocks left keep torch's path, which computes the same
                log.warning("ONNX Runtime could not build a block's session; blocks stay on torch: %s", e)
                break
    return sum(_ready(b, threads) for b, _ in pairs)


def _ready(block: nn.Module, threads: int) -> bool:
    s = _sessions.get(block)
    return s is not None and s.threads == threads and s.current(block)


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
        or not cpu_blocks.plain_inference(x)
        or s.threads != torch.get_num_threads()
    ):
        return None
    return s if s.current(block) else None


def _block_graph(block: nn.Module, int8_from: nn.Module | None) -> tuple[bytes, dict[str, Tensor]]:
    """(ModelProto of timm's pre-norm block on x [N, T, D] -> y [N, T, D], encoded; {initializer
    name: the block's tensor it stands for}). With `int8_from`, the linear layers are int8 copies of
    its weights (in the model itself: they are new arrays)."""
    attn, mlp = block.attn, block.mlp
    D, H = block.norm1.normalized_shape[-1], attn.num_heads
    nodes: list[bytes] = []
    inits: list[bytes] = []
    shared: dict[str, Tensor] = {}

    def node(op: str, inputs: list[str], output: str, domain: str = "", **attrs: Any) -> str:
        nodes.append(proto.node(op, inputs, [output], domain, **attrs))
        return output

    def const(name: str, values: list[int]) -> str:
        inits.append(proto.tensor(name, proto.INT64, [len(values)], struct.pack(f"<{len(values)}q", *values)))
        return name

    def share(name: str, t: Tensor) -> str:  # ORT takes the tensor itself: add_external_initializers
        inits.append(proto.tensor(name, proto.FLOAT, list(t.shape)))
        shared[name] = t.detach()
        return name

    def embed(name: str, values: Tensor) -> str:
        t = values.detach().contiguous()
        kind = proto.INT8 if t.dtype == torch.int8 else proto.FLOAT
        inits.append(proto.tensor(name, kind, list(t.shape), t.numpy().tobytes()))
        return name

    def norm(name: str, layer: nn.LayerNorm, x: str) -> str:
        scale, bias = share(name + ".weight", layer.weight), share(name + ".bias", layer.bias)
        return node("LayerNormalization", [x, scale, bias], name, axis=-1, epsilon=float(layer.eps))

    def linear(name: str, layer: nn.Module, x: str, residual: str | None = None) -> str:
        out = name if residual is None else name + ".out"
        if int8_from is None:
            w, b = share(name + ".weight", layer.weight), share(name + ".bias", layer.bias)
            node("Gemm", [x, w, b], out, transB=1)
        else:
            source = dict(zip(_linears(block), _linears(int8_from), strict=True))[layer]
            q, scale = quantize_weight(source.weight)
            inputs = [x, embed(name + ".q", q.t()), embed(name + ".scale", scale)]
            inputs += [embed(name + ".zero", torch.zeros_like(scale, dtype=torch.int8))]
            node("DynamicQuantizeMatMul", [*inputs, embed(name + ".bias", source.bias)], out, MS)
        return out if residual is None else node("Add", [out, residual], name)

    flat = const("flat", [-1, D])
    shape = node("Shape", ["x"], "shape")  # [N, T, D]
    x = node("Reshape", ["x", flat], "x2d")  # Gemm takes [N*T, D]
    qkv = linear("qkv", attn.qkv, norm("norm1", block.norm1, x))
    nt = node("Slice", [shape, const("start", [0]), const("stop", [2])], "nt")
    qkv = node("Reshape", [qkv, node("Concat", [nt, const("3d", [3 * D])], "qkv.shape", axis=0)], "qkv3d")
    nodes.append(proto.node("Split", [qkv], ["q", "k", "v"], axis=-1, num_outputs=3))
    y = node("MultiHeadAttention", ["q", "k", "v"], "attn", MS, num_heads=H)
    x = linear("proj", attn.proj, node("Reshape", [y, flat], "attn2d"), residual=x)
    y = node("Gelu", [linear("fc1", mlp.fc1, norm("norm2", block.norm2, x))], "gelu")  # erf GELU
    y = node("Reshape", [linear("fc2", mlp.fc2, y, residual=x), shape], "y")
    inputs = [proto.value_info("x", proto.FLOAT, ["N", "T", D])]
    outputs = [proto.value_info("y", proto.FLOAT, ["N", "T", D])]
    graph = proto.graph("mae_block", nodes, inputs, outputs, inits)
    return proto.model(graph, {"": OPSET, MS: 1}), shared


def quantize_weight(weight: Tensor) -> tuple[Tensor, Tensor]:
    """weight [out, in] float32 -> (int8 [out, in] in [-INT8_WEIGHT_MAX, INT8_WEIGHT_MAX], scale
    [out] float32): symmetric, one scale per output channel."""
    w = weight.detach().float()
    scale = (w.abs().amax(dim=1) / INT8_WEIGHT_MAX).clamp(min=torch.finfo(torch.float32).tiny)
    q = torch.round(w / scale[:, None]).clamp(-INT8_WEIGHT_MAX, INT8_WEIGHT_MAX).to(torch.int8)
    return q, scale
