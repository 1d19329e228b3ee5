"""CUDA graphs of `Engine.forward`, one per visible-token count, captured on first use.

At batch 1 a GPU spends most of a reconstruction launching ~20 kernels per block; a graph
replays them with one launch. A graph fixes shapes and addresses, and the visible-token
count changes with every brush stroke, so there is one graph per count k (0..L) of one patch
grid (a runner per grid), each reading the same static buffers:

    tokens [1, L, D], cls [1, 1, D]   the image (copied in by `set_image`)
    ids    [2, L] int64               row 0: ids_keep (first k used), row 1: ids_restore
    out    [1, L, p*p*3]              the prediction, written by whichever graph ran last

All graphs share one memory pool. That is safe in any replay order because nothing a graph
leaves behind in the pool is read by another graph: inputs and `out` live outside the pool,
and replays are serialized on one stream by the predictor's lock.

A capture that fails (an op that cannot be captured, out of memory) switches graphs off for
this runner; every call then runs eagerly, with the same numerics.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

import numpy as np
import torch
from torch import Tensor

from .fastpath import Engine, check_cancel
from .grid import Grid, GridLike
from .model import CancelCheck

log = logging.getLogger(__name__)

# Eager runs on the capture stream before each capture: they create cuBLAS handles and
# workspaces and pick kernels, none of which may happen inside a capture.
WARMUP_RUNS = 2


def common_counts(num_patches: int, ratios: Iterable[float] = (0.75, 0.5, 0.9)) -> list[int]:
    """Visible-token counts worth capturing first: the preset ratios (both rounding rules:
    masks.random_mask's round(L*r) removed and the reference's int(L*(1-r)) kept), then the
    rest, nearest to 75% first, since strokes move the count a few patches at a time."""
    L = num_patches
    first: list[int] = [L]
    for r in ratios:
        first += [L - round(L * r), int(L * (1 - r))]
    first = list(dict.fromkeys(first))
    centre = L - round(L * 0.75)
    rest = sorted((k for k in range(L + 1) if k not in first), key=lambda k: (abs(k - centre), k))
    return first + rest


class GraphRunner:
    """Runs an Engine through per-count CUDA graphs; falls back to eager when capture fails."""

    def __init__(self, engine: Engine, grid: GridLike | None = None) -> None:
        if engine.device.type != "cuda":
            raise ValueError("CUDA graphs need a CUDA device")
        c = engine.config
        self.grid = Grid.square(c.grid_size) if grid is None else Grid.of(grid)
        L, dev, dtype = self.grid.n, engine.device, engine.dtype
        self.engine = engine
        self.num_patches = L
        self._tokens = torch.zeros(1, L, c.embed_dim, dtype=dtype, device=dev)
        self._cls = torch.zeros(1, 1, c.embed_dim, dtype=dtype, device=dev)
        self._ids = torch.zeros(2, L, dtype=torch.long, device=dev)
        self._out = torch.zeros(1, L, c.patch_dim, dtype=dtype, device=dev)
        # Pinned, so the ids copy is asynchronous; the event guards reuse of the host buffer.
        self._host_ids = torch.zeros(2, L, dtype=torch.long).pin_memory()
        self._ids_copied = torch.cuda.Event()
        self._ids_copied.record()
        self._graphs: dict[int, torch.cuda.CUDAGraph] = {}
        self._pool = torch.cuda.graph_pool_handle()
        self._stream = torch.cuda.Stream(device=dev)
        self.disabled_reason: str | None = None

    @property
    def captured(self) -> list[int]:
        return sorted(self._graphs)

    def set_image(self, tokens: Tensor, cls: Tensor) -> None:
        """tokens [1, L, D], cls [1, 1, D] from Engine.embed, copied into the static inputs."""
        with torch.inference_mode():
            self._tokens.copy_(tokens)
            self._cls.copy_(cls)

    def run(self, keep: np.ndarray, restore: np.ndarray, should_cancel: CancelCheck = None) -> Tensor:
        """keep int64 [k], restore int64 [L] -> pred [1, L, p*p*3] (a static buffer: read it
        before the next call). A replay cannot stop half-way: cancellation is checked before it."""
        k = int(keep.size)
        self._ids_copied.synchronize()  # the previous copy has read the host buffer
        self._host_ids[0, :k] = torch.from_numpy(keep)
        self._host_ids[1] = torch.from_numpy(restore)
        self._ids.copy_(self._host_ids, non_blocking=True)
        self._ids_copied.record()
        graph = self._graphs.get(k)
        if graph is None and self.disabled_reason is None:
            graph = self._capture(k)
        if graph is None:
            return self.engine.forward(self._tokens, self._cls, *self._id_views(k), should_cancel, self.grid)
        check_cancel(should_cancel)
        graph.replay()
        return self._out

    def warm_up(self, counts: Iterable[int], should_stop: Callable[[], bool] | None = None) -> int:
        """Capture graphs for `counts` (skipping captured ones) until should_stop() turns true.
        Returns how many graphs exist afterwards."""
        for k in counts:
            if self.disabled_reason is not None or (should_stop is not None and should_stop()):
                break
            if k not in self._graphs:
                self._capture(k)
        return len(self._graphs)

    def _id_views(self, k: int) -> tuple[Tensor, Tensor]:
        return self._ids[0:1, :k], self._ids[1:2]  # ids_keep [1, k], ids_restore [1, L]

    def _capture(self, k: int) -> torch.cuda.CUDAGraph | None:
        if not 0 <= k <= self.num_patches:
            raise ValueError(f"visible-token count {k} outside 0..{self.num_patches}")
        keep, restore = self._id_views(k)
        stream = self._stream
        stream.wait_stream(torch.cuda.current_stream())
        graph = torch.cuda.CUDAGraph()
        try:
            with torch.inference_mode(), torch.cuda.stream(stream):
                for _ in range(WARMUP_RUNS):
                    self.engine.forward(self._tokens, self._cls, keep, restore, grid=self.grid)
            # thread_local: a warm-up thread may capture while other threads use the GPU.
            graph_ctx = torch.cuda.graph(
                graph, pool=self._pool, stream=stream, capture_error_mode="thread_local"
            )
            with torch.inference_mode(), graph_ctx:
                pred = self.engine.forward(self._tokens, self._cls, keep, restore, grid=self.grid)
                self._out.copy_(pred)
        except RuntimeError as e:  # torch raises RuntimeError (incl. OutOfMemoryError) for capture failures
            self.disabled_reason = f"CUDA graph capture failed for {k} visible tokens: {e}"
            log.warning("%s; running eagerly", self.disabled_reason)
            return None
        finally:
            torch.cuda.current_stream().wait_stream(stream)
        self._graphs[k] = graph
        return graph
