"""What the window knows of the model in use: plain data the worker's loader sends to the GUI
thread (model_loader.py makes it). No torch here, so widgets can name it."""

from __future__ import annotations

from dataclasses import dataclass


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
    def summary(self) -> str:
        g = self.grid_size
        return f"{self.name} · {self.img_size}px, {self.patch_size}px patches ({g}x{g})"
