"""What the window knows of the model in use: plain data the worker's loader sends to the GUI
thread (model_loader.py makes it). No torch here, so widgets can name it."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication

UNTRAINED_NAME = "untrained (random weights)"  # the stand-in's name when the default model is missing


@dataclass(frozen=True)
class ModelInfo:
    name: str
    path: str | None  # None for the default model or an untrained one
    img_size: int  # the input size and patch size it was trained at (its own square grid)
    patch_size: int
    grid_size: int
    device: str  # "CPU", "CUDA", "MPS"
    parameters: int
    untrained: bool = False
    norm_pix_loss: bool = False
    note: str = ""  # shown to the user once (e.g. why the default model is not in use)
    source: str = ""  # a loaded checkpoint's card: its format, where heads and target came from

    @property
    def display_name(self) -> str:
        """The name in the interface's language (the untrained stand-in's is ours to translate)."""
        if self.name == UNTRAINED_NAME:
            return QCoreApplication.translate("ModelInfo", "untrained (random weights)")
        return self.name

    @property
    def summary(self) -> str:
        return QCoreApplication.translate(
            "ModelInfo", "{name} · {size}px, {patch}px patches ({grid}x{grid})"
        ).format(name=self.display_name, size=self.img_size, patch=self.patch_size, grid=self.grid_size)
