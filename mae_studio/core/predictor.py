"""numpy in, numpy out: set an image once, then reconstruct it under many masks cheaply.

`set_image(image, fit=...)` does all per-image work (the fit's view of the photo, normalization,
patch embedding of every patch, [0, 1] target patches, per-patch statistics); `reconstruct` runs
only the mask-dependent part of the model (fastpath.Engine), through CUDA graphs on a GPU
(cuda_graphs.GraphRunner), and turns the prediction into images with one device-to-host copy of
uint8 patches. Fits (fits.py): `crop` (the centre square, the default), `whole` (the photo on a
grid at its aspect) and `tiles` (full resolution, overlapping tiles: tiles.py).

Precision: `exact` is float32, the conformance-tested numerics (on a CPU its transformer blocks
run on ONNX Runtime once prepare_runtime moved them: ort_blocks.py); `fast` is what this hardware
runs fastest (precision.resolve: TF32 on CUDA, bf16 on CPUs with native bf16, else dynamic
int8 linear layers), with its error against `exact` reported by `mae-studio bench`.
"""

from __future__ import annotations

import dataclasses
import math
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import torch
from PIL import Image
from torch import Tensor, nn

from . import fast_choice, ort_blocks
from .config import IMAGENET_MEAN, IMAGENET_STD
from .cuda_graphs import GraphRunner, common_counts
from .devices import auto_device, choose_device
from .fastpath import Engine, ids_from_mask
from .files import require_checkpoint_path
from .fits import View, fit_image
from .grid import Grid
from .images import normalize
from .model import CancelCheck, MaskedAutoencoderViT
from .pixels import denormalize_patch_stats, image_to_patches, patches_to_image
from .precision import Variant, resolve
from .preview import Encoded, decoder_preview
from .results import MASK_FILL, Reconstruction, psnr
from .tiles import TiledImage, denormalize_tiles, reconstruct_tiles

if TYPE_CHECKING:
    from .downloads import Fetched

__all__ = ["MASK_FILL", "Predictor", "Reconstruction", "auto_device", "load_predictor", "psnr"]


# Models at least this wide (the official ViT-B/L/H) measure `fast` on the warm-up thread after a
# load when this CPU has no choice for them yet: they preview with it while the brush moves.
MEASURE_AFTER_LOAD_WIDTH = 384


@dataclass
class _ImageState:
    """Everything `reconstruct` reuses for one image (crop and whole fits)."""

    original: np.ndarray  # uint8 [H, W, 3], H = h*p, W = w*p
    grid: Grid  # (h, w)
    fit: str
    original_patches: np.ndarray  # uint8 [L, p*p*3], the model's patch layout
    imgs: Tensor  # [1, 3, H, W] normalized float32, on device
    target: Tensor  # [1, L, p*p*3] float32 [0, 1] pixels, on device
    patch_mean: np.ndarray  # float32 [L] per-patch mean of the normalized image (norm_pix models)
    patch_std: np.ndarray  # float32 [L] per-patch std, same
    tokens: dict[str, tuple[Tensor, Tensor]]  # variant name -> Engine.embed output, made on first use
    encoded: Encoded | None = None  # the last full run's encoder output (Predictor.preview)


class Predictor:
    """`Predictor(model, device=None, precision="exact")`. Thread-safe by a lock, but meant
    for one inference thread (see threads.configure_threads)."""

    def __init__(
        self,
        model: MaskedAutoencoderViT,
        device: str | torch.device | None = None,
        precision: str = "exact",
        cuda_graphs: bool | None = None,
    ) -> None:
        self.device = torch.device(device) if device is not None else auto_device()
        self.model = model.to(self.device).eval()
        self.config = model.config
        c = self.config
        # Patch layout is (p, p, 3): channel of element j is j % 3.
        std = torch.tensor(IMAGENET_STD, dtype=torch.float32).repeat(c.patch_size**2)
        mean = torch.tensor(IMAGENET_MEAN, dtype=torch.float32).repeat(c.patch_size**2)
        self._std_patch, self._mean_patch = std.to(self.device), mean.to(self.device)  # [p*p*3]
        self._fill_patch = np.tile(MASK_FILL, c.patch_size**2)  # uint8 [p*p*3]
        self._lock = threading.RLock()
        self._fast_lock = threading.Lock()  # one fast_choice.choose at a time (see prepare_fast)
        self._engines: dict[str, Engine] = {}
        self._runners: dict[tuple[str, Grid], GraphRunner] = {}  # per precision and grid
        self._runner_images: dict[tuple[str, Grid], _ImageState] = {}  # the image each one holds
        self._state: _ImageState | TiledImage | None = None
        self._view: View | None = None
        self.use_cuda_graphs = self.device.type == "cuda" and (cuda_graphs is None or cuda_graphs)
        self._warm_stop = threading.Event()
        self._warm_thread: threading.Thread | None = None
        if self.device.type == "cpu" and self.config.embed_dim < MEASURE_AFTER_LOAD_WIDTH:
            self.prepare_runtime()  # tens of milliseconds at this width; wider: prepare_runtime
        self.set_precision(precision)

    # ------------------------------------------------------------------------------ settings

    @property
    def grid_size(self) -> int:
        """The model's own grid side (its square crop's)."""
        return self.config.grid_size

    @property
    def grid(self) -> Grid:
        """The current image's patch grid (the model's own before any image)."""
        return self._view.grid if self._view is not None else Grid.square(self.config.grid_size)

    @property
    def fit(self) -> str:
        """How the current image meets the model: 'crop', 'whole' or 'tiles'."""
        return self._view.fit if self._view is not None else "crop"

    @property
    def view(self) -> View:
        """The current image's view: the pixels the model sees, its grid and fit."""
        if self._view is None:
            raise RuntimeError("set_image() first")
        return self._view

    @property
    def patch_size(self) -> int:
        return self.config.patch_size

    @property
    def img_size(self) -> int:
        return self.config.img_size

    @property
    def precision(self) -> str:
        """'exact' or 'fast' (or a variant name when one was asked for)."""
        return self._precision

    @property
    def variant(self) -> Variant:
        """What the current precision computes with; `.reason` says why `fast` chose it."""
        return self._variant

    def set_precision(self, precision: str) -> Variant:
        """Switch between 'exact' and 'fast' (or a named variant). The first switch to a
        variant builds it (a bf16/int8 copy of the weights); later switches are instant. `fast` on
        a CPU is measured on first use per CPU, torch and architecture (fast_choice.py).
        A variant this torch cannot build falls back to float32, saying so in `.reason`."""
        built: dict[str, Engine] = {}
        if precision == "fast" and self.device.type == "cpu":
            with self._fast_lock:  # waits for a measurement on the warm-up thread rather than repeating it
                variant, built = fast_choice.choose(self.model)  # measured once per CPU and model shape
        else:
            variant = resolve(precision, self.device)
        with self._lock:
            engine = self._engines.get(variant.name) or built.get(variant.name)
            if engine is None:
                try:
                    engine = Engine(self.model, variant, self.device)
                except RuntimeError as e:
                    variant = dataclasses.replace(resolve("exact", self.device), reason=f"{e}: float32")
                    engine = Engine(self.model, variant, self.device)
            self._engines.setdefault(engine.variant.name, engine)
            self._precision = precision
            self._engine = engine
            self._variant = variant  # with the reason of this choice (an engine may serve two)
        return variant

    # ------------------------------------------------------------------------------ image

    @property
    def original(self) -> np.ndarray:
        return self._require_state().original

    @property
    def input_tensor(self) -> Tensor:
        """The current image as the model takes it: [1, 3, H, W] normalized float32, on device."""
        return self._require_single().imgs

    def fit_image(
        self, image: Image.Image | np.ndarray, fit: str = "crop", tokens: int | None = None
    ) -> View:
        """The view of `image` for `fit` on this model (fits.fit_image; Pillow only, no state)."""
        return fit_image(image, fit, self.img_size, self.patch_size, tokens)

    def set_image(
        self, image: Image.Image | np.ndarray, fit: str = "crop", tokens: int | None = None
    ) -> np.ndarray:
        """Meet the photo in `fit` (crop: resize + centre-crop to the model input; whole: the
        photo on a grid at its aspect, at most `tokens` patches; tiles: the photo at full
        resolution) and prepare everything masks reuse. Returns the uint8 [H, W, 3] the model sees;
        masks then live on `self.grid`."""
        return self.set_view(self.fit_image(image, fit, tokens))

    def set_view(self, view: View) -> np.ndarray:
        """set_image for a view made earlier (fit_image, e.g. on another thread)."""
        if view.fit == "tiles":
            with self._lock, torch.inference_mode():
                state = TiledImage(view.image, view.grid, self.grid_size, self.patch_size, self.device)
                state.tokens_for(self._engine)
                self._state, self._view = state, view
            return view.image
        rgb = view.image
        with self._lock, torch.inference_mode():
            imgs = normalize(rgb).unsqueeze(0).to(self.device)
            target = torch.from_numpy(rgb).to(self.device).permute(2, 0, 1).unsqueeze(0).float() / 255
            normed = self.model.patchify(imgs)  # [1, L, p*p*3]
            mean = normed.mean(dim=-1)[0]
            std = (normed.var(dim=-1)[0] + 1e-6).sqrt()
            self._state = _ImageState(
                original=rgb,
                grid=view.grid,
                fit=view.fit,
                original_patches=image_to_patches(rgb, self.patch_size).copy(),
                imgs=imgs,
                target=self.model.patchify(target),
                patch_mean=mean.cpu().numpy(),
                patch_std=std.cpu().numpy(),
                tokens={},
            )
            self._view = view
            self._tokens(self._state, self._engine)  # the patch embedding, for the current precision
        return rgb

    def _require_state(self) -> _ImageState | TiledImage:
        if self._state is None:
            raise RuntimeError("set_image() first")
        return self._state

    def _require_single(self) -> _ImageState:
        state = self._require_state()
        if isinstance(state, TiledImage):
            raise RuntimeError("a tiled image has no single model input: use reconstruct()")
        return state

    def _tokens(self, state: _ImageState, engine: Engine) -> tuple[Tensor, Tensor]:
        tokens = state.tokens.get(engine.variant.name)
        if tokens is None:
            tokens = state.tokens[engine.variant.name] = engine.embed(state.imgs)
        return tokens

    # ------------------------------------------------------------------------------ reconstruct

    def reconstruct(self, mask: np.ndarray, should_cancel: CancelCheck = None) -> Reconstruction:
        """mask bool [h, w] (True = removed) -> Reconstruction. Raises Cancelled when
        should_cancel() turns true between transformer blocks (before a CUDA-graph replay,
        which takes a few milliseconds and cannot stop half-way)."""
        mask = np.array(mask, dtype=bool)  # a private copy: the caller may keep painting
        with self._lock:
            state = self._require_state()
            if mask.shape != state.grid.shape:
                raise ValueError(f"mask must be {state.grid} for this image, got {mask.shape}")
            start = time.perf_counter()
            if isinstance(state, TiledImage):
                result = reconstruct_tiles(state, self._engine, mask, self._tile_pixels, should_cancel)
                result.denormalized = self.config.norm_pix_loss
                result.precision = self._engine.variant.name
            else:
                pred = self._predict(state, mask.reshape(-1), should_cancel)
                result = self._finish(state, mask, pred)
            result.seconds = time.perf_counter() - start
        return result

    def preview(self, mask: np.ndarray, should_cancel: CancelCheck = None) -> Reconstruction:
        """A quick look at `mask` while the brush moves: the decoder alone, on the encoder output
        of the last full run on this image. Patches removed since lose their tokens; patches
        revealed since (not encoded then) enter the decoder as mask tokens. The tokens kept were
        encoded beside the patches removed since, so a preview is an approximation (flagged
        `encoder_reused`) that the next full run replaces (preview.py). A full run (reconstruct)
        instead when there is no such output, when it is too far from `mask`
        (preview.PREVIEW_COVER), for tiles, and where CUDA graphs run (a full run takes
        milliseconds there)."""
        mask = np.array(mask, dtype=bool)
        with self._lock:
            start = time.perf_counter()
            pred = self._preview_pred(mask, should_cancel)
            if pred is None:
                return self.reconstruct(mask, should_cancel)
            result = self._finish(self._require_single(), mask, pred)
            result.encoder_reused = True
            result.seconds = time.perf_counter() - start
        return result

    def predict_preview(self, mask: np.ndarray, should_cancel: CancelCheck = None) -> Tensor | None:
        """preview's decoder output [1, L, p*p*3] float32 (a copy), or None where preview would
        run in full (for benchmarks: its error against a full run)."""
        with self._lock:
            pred = self._preview_pred(np.array(mask, dtype=bool), should_cancel)
            return None if pred is None else pred.float().clone()

    def _preview_pred(self, mask: np.ndarray, should_cancel: CancelCheck) -> Tensor | None:
        state = self._require_state()
        if not isinstance(state, _ImageState) or state.encoded is None or self.use_cuda_graphs:
            return None
        if mask.shape != state.grid.shape:
            return None
        return decoder_preview(state.encoded, mask, self._engine, state.grid, should_cancel)

    def predict(self, mask: np.ndarray, should_cancel: CancelCheck = None) -> Tensor:
        """The raw decoder output for the current image: pred [1, L, p*p*3] float32 (a copy)."""
        with self._lock:
            removed = np.asarray(mask, dtype=bool).reshape(-1)
            return self._predict(self._require_single(), removed, should_cancel).float().clone()

    def _predict(self, state: _ImageState, removed: np.ndarray, should_cancel: CancelCheck) -> Tensor:
        engine = self._engine
        tokens, cls = self._tokens(state, engine)
        keep, restore = ids_from_mask(removed)
        runner = self._runner(engine, state) if self.use_cuda_graphs else None
        if runner is not None:
            return runner.run(keep, restore, should_cancel)
        ids_keep = torch.from_numpy(keep).view(1, -1).to(self.device)
        ids_restore = torch.from_numpy(restore).view(1, -1).to(self.device)
        latent = engine.encode(tokens, cls, ids_keep, should_cancel)
        state.encoded = Encoded(~removed, latent)  # what previews of nearby masks decode from
        return engine.decode(latent, ids_restore, state.grid, should_cancel)

    def predict_batch(self, imgs: Tensor, mask: Tensor) -> Tensor:
        """Many images at once in the current precision: imgs [N, 3, H, W] ImageNet-normalized (one
        grid for all),
        mask [N, L] (1 = removed, equal counts per row) -> pred [N, L, p*p*3] float32."""
        with self._lock:
            return self._engine.forward_images(imgs.to(self.device), mask.to(self.device)).float()

    def reconstruction_from_pred(self, pred: Tensor, mask: np.ndarray) -> Reconstruction:
        """A Reconstruction of the current image from a prediction made elsewhere (a batched
        forward): pred [1, L, p*p*3], mask bool [h, w]. `seconds` is 0."""
        with self._lock:
            return self._finish(self._require_single(), np.array(mask, dtype=bool), pred)

    def _finish(self, state: _ImageState, mask: np.ndarray, pred: Tensor) -> Reconstruction:
        g, p = state.grid, self.patch_size
        removed = mask.reshape(-1)
        with torch.inference_mode():
            pixels = self._pixels(pred, removed, state)  # [L, p*p*3] in [0, 1]
            per_patch = ((pixels - state.target[0]) ** 2).mean(dim=-1)  # [L]
            recon_u8 = (pixels * 255 + 0.5).to(torch.uint8)  # rounds: pixels are clamped to [0, 1]
            per_patch_np = per_patch.cpu().numpy().reshape(g.shape)
            recon = recon_u8.cpu().numpy()  # [L, p*p*3]
        # Whole patches are swapped in patch space (row copies), then laid out once.
        pasted = state.original_patches.copy()
        pasted[removed] = recon[removed]
        masked = state.original_patches.copy()
        masked[removed] = self._fill_patch
        masked_mse = float(per_patch_np[mask].mean()) if mask.any() else math.nan
        return Reconstruction(
            mask=mask,
            masked=patches_to_image(masked, g, p),
            reconstruction=patches_to_image(recon, g, p),
            pasted=patches_to_image(pasted, g, p),
            original=state.original,
            per_patch_mse=per_patch_np.astype(np.float32, copy=False),
            masked_mse=masked_mse,
            masked_psnr=psnr(masked_mse),
            seconds=0.0,
            denormalized=self.config.norm_pix_loss,
            precision=self._engine.variant.name,
            fit=state.fit,
            patch_size=p,
        )

    def _pixels(self, pred: Tensor, removed: np.ndarray, state: _ImageState) -> Tensor:
        """Decoder output [1, L, p*p*3] -> [0, 1] pixel patches [L, p*p*3] (float32)."""
        pred = pred[0].float()
        if self.config.norm_pix_loss:
            mean, std = denormalize_patch_stats(state.patch_mean, state.patch_std, removed, state.grid)
            stats = torch.from_numpy(np.stack((mean, std), axis=1)).to(self.device)  # [L, 2]
            pred = pred * stats[:, 1:] + stats[:, :1]
        return (pred * self._std_patch + self._mean_patch).clamp(0, 1)

    def _tile_pixels(self, pred: Tensor, removed: np.ndarray, tiles: list[int]) -> Tensor:
        """A batch of tiles' decoder output [n, L, p*p*3] -> [0, 1] pixel patches (float32)."""
        state = self._require_state()
        assert isinstance(state, TiledImage)
        pred = pred.float()
        if self.config.norm_pix_loss:
            means, stds = state.statistics(self.model.patchify)
            pred = denormalize_tiles(pred, removed, means[tiles], stds[tiles], state.layout.tile)
        return (pred * self._std_patch + self._mean_patch).clamp(0, 1)

    # ------------------------------------------------------------------------------ CUDA graphs

    def graph_runner(self) -> GraphRunner | None:
        """The CUDA-graph runner of the current precision and image grid, once one ran (None else)."""
        return self._runners.get((self._engine.variant.name, self.grid))

    def _runner(self, engine: Engine, state: _ImageState) -> GraphRunner | None:
        key = (engine.variant.name, state.grid)
        runner = self._runners.get(key)
        if runner is None:
            runner = self._runners[key] = GraphRunner(engine, state.grid)
        if self._runner_images.get(key) is not state:
            runner.set_image(*self._tokens(state, engine))
            self._runner_images[key] = state
        return runner

    def warm_up(
        self, counts: Iterable[int] | None = None, should_stop: Callable[[], bool] | None = None
    ) -> int:
        """Capture CUDA graphs for `counts` visible tokens (default: the common ones, then all)
        for the current precision. Returns graphs captured so far; 0 and no work off CUDA.
        The lock is taken per count, so reconstructions wait at most one capture."""
        if not self.use_cuda_graphs:
            return 0
        with self._lock:
            engine = self._engine
            key = (engine.variant.name, Grid.square(self.grid_size))  # the crop fit's grid
            runner = self._runners.get(key) or GraphRunner(engine)
            self._runners[key] = runner
        todo = list(counts) if counts is not None else common_counts(self.config.num_patches)
        for k in todo:
            if runner.disabled_reason is not None or (should_stop is not None and should_stop()):
                break
            with self._lock:
                runner.warm_up([k])
        return len(runner.captured)

    def prepare_runtime(self, threads: int | None = None) -> int:
        """Move the model's float32 blocks onto ONNX Runtime sessions where it is installed
        (ort_blocks.attach: ViT-B ~0.7 s, ViT-L ~2.3 s on 2 cores; the shipped model tens of
        milliseconds, done at construction). Returns how many blocks run there; 0 off the CPU or
        without onnxruntime. Idempotent; `threads`: the thread count the sessions are for (default:
        this thread's torch count). The model is only read, so this may run on the warm-up thread
        while the model thread reconstructs: blocks switch over as their sessions are built."""
        if self.device.type != "cpu":
            return 0
        return ort_blocks.attach(self.model, threads)

    @property
    def compute_model(self) -> nn.Module:
        """The module the current precision runs: the model, or its bf16 / int8 copy."""
        return self._engine.model

    @property
    def runtime(self) -> str:
        """What the current precision's transformer blocks run on: 'onnxruntime <version>' (float32
        once prepare_runtime moved them, int8 copies from their build), else 'torch'."""
        if self.device.type == "cpu" and ort_blocks.attached(self._engine.model):
            return f"onnxruntime {ort_blocks.version()}"
        return "torch"

    def prepare_fast(self, threads: int | None = None) -> None:
        """Build the engine `fast` is on this CPU, measuring the choice first where this CPU,
        torch and architecture have none yet (fast_choice, which moves exact's blocks onto ONNX
        Runtime first), so that a brush stroke's first preview finds it ready; then
        prepare_runtime, which stop_warm_up ends between blocks. Meant for the warm-up thread:
        `threads`, the model thread's count, is set on this thread first (the choice is cached
        per thread count). The model is only read; the lock is held to add the engine."""
        if self.device.type != "cpu":
            return
        if threads:
            torch.set_num_threads(threads)
        with self._fast_lock:
            variant, built = fast_choice.choose(self.model)
            if variant.name not in self._engines:
                engine = built.get(variant.name) or Engine(self.model, variant, self.device)
                with self._lock:
                    self._engines.setdefault(variant.name, engine)
        # after the lock: a stroke's previews (fast) need not wait for exact's sessions
        if not self._warm_stop.is_set():
            ort_blocks.attach(self.model, threads, should_stop=self._warm_stop.is_set)

    def threads_changed(self) -> None:
        """This thread's torch thread count changed (call on the model's thread). ONNX Runtime's
        sessions are built per thread count, and until rebuilt their blocks run on torch (exact's
        ~1.3x slower, int8 copies' in float32): they are rebuilt here for narrow models (tens of
        milliseconds), on the warm-up thread for wider ones (ViT-B ~2 s, ViT-L ~5 s)."""
        if self.device.type != "cpu":
            return
        threads = torch.get_num_threads()
        if self.config.embed_dim < MEASURE_AFTER_LOAD_WIDTH:
            self._rebuild_sessions(threads)
            return
        self.stop_warm_up()
        self._warm_stop.clear()
        args = (threads, self._warm_stop.is_set)
        self._warm_thread = threading.Thread(
            target=self._rebuild_sessions, args=args, name="mae-warm-up", daemon=True
        )
        self._warm_thread.start()

    def _rebuild_sessions(self, threads: int, should_stop: Callable[[], bool] | None = None) -> None:
        """Sessions for `threads` for every int8 engine's blocks, then for the model's own."""
        torch.set_num_threads(threads)
        with self._lock:
            int8 = [e for e in self._engines.values() if e.variant.int8]
        for engine in int8:
            ort_blocks.attach_int8(engine.model, self.model, engine.variant.int8_scope, threads, should_stop)
        ort_blocks.attach(self.model, threads, should_stop)

    def start_warm_up(self, counts: Iterable[int] | None = None) -> threading.Thread | None:
        """warm_up on a daemon thread (call after a model loads, on the model's thread); on a CPU,
        prepare_fast (and prepare_runtime) when fast was chosen before or the model is at least
        MEASURE_AFTER_LOAD_WIDTH wide (big enough to preview with fast while the brush moves: its
        choice is measured now, not during the first stroke); None when there is nothing to do.
        stop_warm_up() ends it at the next count (waits for a fast engine being built or
        measured)."""
        cpu_fast = self.device.type == "cpu" and (
            fast_choice.cached_variant(self.model) is not None
            or self.config.embed_dim >= MEASURE_AFTER_LOAD_WIDTH
        )
        if not self.use_cuda_graphs and not cpu_fast:
            return None
        if cpu_fast:
            # ONNX Runtime is imported here, on the model's thread before its first result, not on
            # the warm-up thread: an import holds the GIL (~0.15 s), and a brush stroke may run then
            ort_blocks.available()
        self.stop_warm_up()
        self._warm_stop.clear()
        target, args = (
            (self.prepare_fast, (torch.get_num_threads(),))
            if cpu_fast
            else (self.warm_up, (counts, self._warm_stop.is_set))
        )
        thread = threading.Thread(target=target, args=args, name="mae-warm-up", daemon=True)
        thread.start()
        self._warm_thread = thread
        return thread

    def stop_warm_up(self) -> None:
        self._warm_stop.set()
        if self._warm_thread is not None:
            self._warm_thread.join()
            self._warm_thread = None


def load_predictor(
    checkpoint: str | Path | None = None,
    device: str | torch.device | None = None,
    precision: str = "exact",
    fetch: Callable[[str | Path], Fetched] | None = None,
) -> Predictor:
    """A Predictor for a checkpoint (None: the shipped default model) on `device` (None or "auto":
    devices.auto_device) in `precision`. A catalogue name, Hub repo id or URL is fetched first
    (`fetch`, default downloads.fetch without progress: the cache when it is there) and loaded
    with its source's overrides (heads, target)."""
    from . import load_model
    from .downloads import fetch as fetch_source
    from .downloads import parse_source
    from .places import DEFAULT_WEIGHTS

    dev = choose_device(device) if not isinstance(device, torch.device) else device
    if checkpoint is None:
        model = load_model(require_checkpoint_path(DEFAULT_WEIGHTS), device=dev)
    else:
        fetched = fetch(checkpoint) if fetch is not None else fetch_source(parse_source(checkpoint))
        model = load_model(require_checkpoint_path(fetched.path), device=dev, **fetched.source.overrides())
    return Predictor(model, dev, precision)
