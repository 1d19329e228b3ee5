"""Test doubles for the studio: a fake predictor with controllable speed, cancellation and
failures that frames photos as the real one does for each fit (crop, whole, tiles: square or
not), and a tiny real model saved as a checkpoint."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from mae_studio.core import MAEConfig, MaskedAutoencoderViT, save_checkpoint
from mae_studio.core.errors import Cancelled
from mae_studio.core.fits import fit_image
from mae_studio.core.grid import Grid
from mae_studio.core.results import Reconstruction
from mae_studio.ui.model_loader import ModelInfo

TINY = MAEConfig(
    img_size=64,
    patch_size=16,
    embed_dim=64,
    depth=2,
    num_heads=4,
    decoder_embed_dim=48,
    decoder_depth=1,
    decoder_num_heads=4,
    name="tiny test MAE",
)


def save_tiny_checkpoint(path: Path, config: MAEConfig = TINY, seed: int = 0) -> Path:
    import torch

    torch.manual_seed(seed)
    model = MaskedAutoencoderViT(config)
    model.init_weights()
    return save_checkpoint(model, path)


def photo(h: int = 80, w: int = 96, seed: int = 0) -> np.ndarray:
    """A smooth colourful test photo, uint8 [h, w, 3]."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w]
    base = np.stack([x / w, y / h, (x + y) / (w + h)], axis=2) * 200
    return (base + rng.integers(0, 40, (h, w, 3))).astype(np.uint8)


class FakePredictor:
    """Duck-types core.predictor.Predictor. Each reconstruction takes `delay` seconds, checking
    should_cancel every `step` (unless honour_cancel is False); `fail_when(mask)` raises."""

    def __init__(
        self,
        grid: int = 4,
        patch: int = 16,
        delay: float = 0.0,
        step: float = 0.002,
        honour_cancel: bool = True,
        fail_when: Callable[[np.ndarray], bool] | None = None,
    ) -> None:
        self.grid_size, self.patch_size, self.img_size = grid, patch, grid * patch
        self.delay, self.step, self.honour_cancel, self.fail_when = delay, step, honour_cancel, fail_when
        self.fits: list[str] = []  # the fit of each set_image call
        self.started: list[np.ndarray] = []  # masks whose run began
        self.completed: list[np.ndarray] = []  # masks whose run finished
        self.running = threading.Event()
        self.thread_names: set[str] = set()
        self._image: np.ndarray | None = None
        self._grid = Grid.square(grid)
        self._fit = "crop"

    @property
    def grid(self) -> Grid:
        """The current image's patch grid, as the real predictor's."""
        return self._grid

    @property
    def original(self) -> np.ndarray:
        """The photo as the model sees it, as the real predictor's."""
        assert self._image is not None
        return self._image

    def set_image(self, image: np.ndarray, fit: str = "crop") -> np.ndarray:
        """The view the model sees (core.fits, as the real predictor): the centre crop, the whole
        photo on a grid at its aspect, or the photo itself in its own cells (tiles)."""
        self.fits.append(fit)
        view = fit_image(image, fit, self.img_size, self.patch_size)
        self._image, self._grid, self._fit = view.image, view.grid, fit
        return view.image

    def reconstruct(
        self, mask: np.ndarray, should_cancel: Callable[[], bool] | None = None
    ) -> Reconstruction:
        assert self._image is not None
        p, (fh, fw) = self.patch_size, self._image.shape[:2]
        if mask.shape != self._grid.shape:  # as the real predictor refuses it
            raise ValueError(f"mask must be {self._grid} for this image, got {mask.shape}")
        self.thread_names.add(threading.current_thread().name)
        self.started.append(mask.copy())
        self.running.set()
        try:
            if self.fail_when is not None and self.fail_when(mask):
                raise RuntimeError("boom: the fake model failed on purpose")
            end = time.monotonic() + self.delay
            while time.monotonic() < end:
                if self.honour_cancel and should_cancel is not None and should_cancel():
                    raise Cancelled("cancelled")
                time.sleep(self.step)
        finally:
            self.running.clear()
        self.completed.append(mask.copy())
        up = np.kron(mask, np.ones((p, p), dtype=bool))[:fh, :fw, None]  # tiles: partial last cells
        masked = np.where(up, 0, self._image).astype(np.uint8)
        per_patch = np.where(mask, 0.01 + 0.001 * np.arange(mask.size).reshape(mask.shape), 0.0)
        return Reconstruction(
            mask=mask.copy(),
            masked=masked,
            reconstruction=255 - self._image,
            pasted=np.where(up, 255 - self._image, self._image).astype(np.uint8),
            original=self._image,
            per_patch_mse=per_patch.astype(np.float32),
            masked_mse=float(per_patch[mask].mean()) if mask.any() else float("nan"),
            masked_psnr=20.0,
            seconds=self.delay,
            denormalized=False,
            fit=self._fit,
            patch_size=p,
        )


def fake_loader(
    predictor: FakePredictor, name: str = "fake model"
) -> Callable[[], tuple[FakePredictor, ModelInfo]]:
    info = ModelInfo(
        name=name,
        path=None,
        img_size=predictor.img_size,
        patch_size=predictor.patch_size,
        grid_size=predictor.grid_size,
        device="CPU",
        parameters=0,
    )
    return lambda: (predictor, info)


def started_window(qtbot, checkpoint: Path, image: Path, timeout_ms: int = 10000):  # type: ignore[no-untyped-def]
    """A studio window (1200x800, no dialogs) showing its first result: `image` reconstructed by
    `checkpoint` under a random 50% mask (seed 0)."""
    from mae_studio.core.recipes import MaskRecipe
    from mae_studio.ui.main_window import MainWindow

    w = MainWindow()
    qtbot.addWidget(w)
    w.files.dialogs = False
    w.resize(1200, 800)
    w.show()
    with qtbot.waitSignal(w.result_shown, timeout=timeout_ms):
        w.start(image=image, model=checkpoint, recipe=MaskRecipe("random", 0.5, 0))
    return w
