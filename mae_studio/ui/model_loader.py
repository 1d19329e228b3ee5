"""Loaders the worker runs on its own thread: the default model (or an untrained stand-in
when it is missing), any checkpoint file or folder, or a random-weight model for tests.

Each loader returns (Predictor, ModelInfo); the GUI only ever sees the ModelInfo. torch and the
model code are imported inside the loaders, on the worker thread: building a loader on the GUI
thread (at start, before the window is painted) costs nothing.
"""

from __future__ import annotations

import logging
import os
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication

from mae_studio.core.config import DEFAULT_ARCH, MAEConfig
from mae_studio.core.devices import DeviceUnavailable, choose_device
from mae_studio.core.errors import CheckpointError
from mae_studio.core.files import require_regular_file
from mae_studio.core.places import DEFAULT_WEIGHTS

from .model_info import UNTRAINED_NAME, ModelInfo
from .worker import Loader

if TYPE_CHECKING:
    import torch

    from mae_studio.core.model import MaskedAutoencoderViT
    from mae_studio.core.predictor import Predictor

__all__ = ["UNTRAINED_NAME", "ModelInfo", "checkpoint_loader", "default_loader", "random_loader"]

log = logging.getLogger(__name__)

# The architecture of the shipped default model, used with random weights when the default file
# is missing so the app still starts and behaves (speed, grid) as it will with the real weights.
FALLBACK_CONFIG = MAEConfig(img_size=224, patch_size=16, **DEFAULT_ARCH, name=UNTRAINED_NAME)


def _device(device: str | None) -> torch.device:
    """The torch device for a choice (core.devices.choose_device), its refusal saying what to do
    in the window."""
    try:
        return choose_device(device)
    except DeviceUnavailable as e:
        advice = QCoreApplication.translate("model_loader", "choose CPU as the Device in the Model panel")
        raise DeviceUnavailable(e.name, e.kind, f"{e.reason}; {advice}") from e


def load_checkpoint(path: str | Path, device: torch.device, **overrides: int) -> MaskedAutoencoderViT:
    """core.checkpoints.load_checkpoint, imported on the first call (on the worker thread)."""
    from mae_studio.core.checkpoints import load_checkpoint as load

    return load(path, device, **overrides)


def _wrap(
    model: MaskedAutoencoderViT, dev: torch.device, path: str | None, untrained: bool, note: str = ""
) -> tuple[Predictor, ModelInfo]:
    from mae_studio.core.predictor import Predictor

    predictor = Predictor(model, dev)
    c = model.config
    info = ModelInfo(
        name=c.name,
        path=path,
        img_size=c.img_size,
        patch_size=c.patch_size,
        grid_size=c.grid_size,
        device=dev.type.upper(),
        parameters=sum(p.numel() for p in model.parameters()),
        untrained=untrained,
        norm_pix_loss=c.norm_pix_loss,
        note=note,
        source="\n".join(model.card.lines()) if model.card else "",
    )
    return predictor, info


def random_loader(config: MAEConfig = FALLBACK_CONFIG, device: str | None = "cpu", note: str = "") -> Loader:
    """A model with the reference initialization and a fixed seed: reproducible, untrained."""

    def load() -> tuple[Predictor, ModelInfo]:
        import torch

        from mae_studio.core.model import MaskedAutoencoderViT

        dev = _device(device)
        torch.manual_seed(0)
        model = MaskedAutoencoderViT(config)
        model.init_weights()
        return _wrap(model.eval(), dev, None, untrained=True, note=note)

    return load


def checkpoint_loader(path: str | Path, device: str | None = None, **overrides: int) -> Loader:
    """Any checkpoint the core reads; a refusal raises CheckpointError (the model stays). A path
    that is neither a folder nor a regular file (a FIFO would block this thread, and with it
    closing the window) is refused by name first."""

    def load() -> tuple[Predictor, ModelInfo]:
        dev = _device(device)
        if not os.path.isdir(path):
            require_regular_file(path, "checkpoint")
        model = load_checkpoint(path, dev, **overrides)
        return _wrap(model, dev, str(path), untrained=False)

    return load


def default_loader(
    device: str | None = None, weights: Path = DEFAULT_WEIGHTS, fallback: MAEConfig = FALLBACK_CONFIG
) -> Loader:
    """The shipped model; when it is missing or unreadable, an untrained stand-in and a note."""

    def load() -> tuple[Predictor, ModelInfo]:
        if weights.is_file():
            try:
                predictor, info = checkpoint_loader(weights, device)()
            except CheckpointError as e:
                log.debug("the default model %s", weights, exc_info=True)
                note = QCoreApplication.translate(
                    "model_loader",
                    "The default model could not be loaded ({reason}). Using an untrained model.",
                ).format(reason=e)
            else:
                return predictor, replace(info, path=None)
        else:
            note = QCoreApplication.translate(
                "model_loader",
                "The default model ({file}) is not installed. Reconstructions come from an untrained "
                "model with random weights; open a checkpoint with Model > Open Model File.",
            ).format(file=weights.name)
        log.warning("%s", note)
        return random_loader(fallback.with_name(UNTRAINED_NAME), device, note)()

    return load
