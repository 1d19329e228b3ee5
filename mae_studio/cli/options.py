"""Options the reconstruction commands share (model, device, mask) and what they resolve to.

Parsers are built on every `mae-studio` call, so this module imports no torch at the top:
`--help` stays instant.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from mae_studio.core.errors import MaeStudioError

if TYPE_CHECKING:
    import torch

    from mae_studio.core.predictor import Predictor


class UsageError(MaeStudioError):
    """A command-line option or input that cannot be used, and why."""


def add_model_options(p: argparse.ArgumentParser, *, many: bool = False) -> None:
    g = p.add_argument_group("model")
    if many:
        g.add_argument(
            "--checkpoint",
            action="append",
            type=Path,
            required=True,
            metavar="PATH",
            help="a checkpoint to compare (repeat: --checkpoint A --checkpoint B ...): official .pth, "
            "Hugging Face folder or MAE Studio .safetensors",
        )
    else:
        g.add_argument(
            "--checkpoint",
            type=Path,
            default=None,
            metavar="PATH",
            help="official .pth, Hugging Face folder or MAE Studio .safetensors "
            "(default: the shipped model, weights/mae_studio_default.safetensors)",
        )
    g.add_argument(
        "--device",
        default="auto",
        metavar="DEVICE",
        help="auto (a GPU when there is one), cpu, cuda, cuda:1, mps (default: auto)",
    )
    g.add_argument(
        "--precision",
        choices=("exact", "fast"),
        default="exact",
        help="exact: float32, the numbers the official code gives (default); fast: what this "
        "hardware runs fastest (int8 or bf16 on CPUs, TF32 on GPUs); `mae-studio bench` shows its "
        "error against exact",
    )


def add_mask_options(p: argparse.ArgumentParser, *, pattern: bool = True) -> None:
    from mae_studio.core.masks import PATTERNS

    g = p.add_argument_group("mask")
    g.add_argument(
        "--mask-ratio",
        type=_ratio,
        default=0.75,
        metavar="R",
        help="fraction of patches removed, 0..1 (default: 0.75, as MAE was trained)",
    )
    g.add_argument("--seed", type=int, default=0, help="seed of the random mask (default: 0)")
    if pattern:
        g.add_argument(
            "--pattern",
            choices=PATTERNS,
            default="random",
            help="how patches are chosen (default: random; random and block remove exactly "
            "round(L * R) patches, the others follow their geometry)",
        )
        g.add_argument(
            "--mask",
            type=Path,
            default=None,
            metavar="FILE",
            help="a saved mask instead: .json (from the studio) or a black/white .png "
            "(white = removed; any size, re-rasterized to the model's patch grid)",
        )


def _ratio(text: str) -> float:
    try:
        value = float(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from e
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"a mask ratio lies within 0..1, got {value}")
    return value


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from e
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


# ----------------------------------------------------------------------------------
# resolving


def resolve_device(name: str) -> torch.device:
    import torch

    from mae_studio.core.predictor import auto_device

    if name == "auto":
        return auto_device()
    try:
        device = torch.device(name)
    except RuntimeError as e:
        raise UsageError(f"--device {name}: not a device ({e})") from e
    if device.type == "cuda" and not torch.cuda.is_available():
        raise UsageError(f"--device {name}: no CUDA GPU is available here (use --device cpu)")
    if device.type == "mps" and not torch.backends.mps.is_available():
        raise UsageError(f"--device {name}: Apple MPS is not available here (use --device cpu)")
    return device


def device_fault(e: BaseException, args: argparse.Namespace) -> str | None:
    """One line for an out-of-memory or failed device (a CUDA error, e.g. a GPU lost mid-run),
    with what to try; None for any other error."""
    import torch

    from mae_studio.core.predictor import auto_device

    device = str(getattr(args, "device", "") or "cpu")
    if device == "auto":
        device = str(auto_device())
    first = (str(e).strip().splitlines() or [type(e).__name__])[0][:200]
    oom = getattr(torch, "OutOfMemoryError", torch.cuda.OutOfMemoryError)
    accelerator = getattr(torch, "AcceleratorError", ())
    hints = [] if device == "cpu" else ["--device cpu"]
    if isinstance(e, oom):
        if getattr(args, "batch_size", 1) > 1:
            hints.append("a smaller --batch-size")
        where = "memory" if device == "cpu" else f"memory on {device}"
        return f"out of {where} ({first}); try " + (" or ".join(hints) or "a smaller model")
    if isinstance(e, accelerator) or first.startswith("CUDA error"):
        return f"the GPU failed ({first}); try --device cpu"
    return None


@dataclass
class LoadedModel:
    predictor: Predictor
    checkpoint: str  # the path as given, or the default weights' path
    name: str  # the model's own label (config.name)


def load_predictor(checkpoint: Path | None, device: torch.device, precision: str = "exact") -> LoadedModel:
    """A Predictor on `device` in `precision` for the checkpoint (None: the shipped default model)."""
    from mae_studio.core import DEFAULT_WEIGHTS, load_model
    from mae_studio.core.predictor import Predictor

    path = DEFAULT_WEIGHTS if checkpoint is None else checkpoint
    if checkpoint is None and not path.exists():
        raise UsageError(
            f"no default model at {path}: pass --checkpoint PATH (an official MAE .pth, a Hugging Face "
            "folder, or a checkpoint from `mae-studio train`)"
        )
    model = load_model(path, device=device)
    return LoadedModel(Predictor(model, device, precision), str(path), model.config.name)


def build_mask(args: argparse.Namespace, grid: int) -> np.ndarray:
    """The bool mask [grid, grid] the mask options describe (a file wins over a pattern)."""
    return mask_source(args, grid)(grid)


def mask_source(args: argparse.Namespace, reference_grid: int) -> Callable[[int], np.ndarray]:
    """grid -> bool mask [grid, grid]: the one pixel-space mask the options describe, carried
    to any patch grid over the same image. A pattern is drawn on `reference_grid`; a saved
    mask keeps its own resolution. (compare: one mask, models with different patch sizes.)"""
    from mae_studio.core.masks import pattern_mask, rasterize

    if getattr(args, "mask", None) is not None:
        return read_mask_file(args.mask)
    try:
        ref = pattern_mask(getattr(args, "pattern", "random"), reference_grid, args.mask_ratio, args.seed)
    except ValueError as e:
        raise UsageError(str(e)) from e
    return lambda grid: rasterize(ref, grid)


def read_mask_file(path: Path) -> Callable[[int], np.ndarray]:
    """A mask saved as JSON (its patch grid) or as an image (white = removed, any size), as a
    function grid -> bool [grid, grid]: a new patch is removed when at least half of its area was."""
    from PIL import Image, UnidentifiedImageError

    from mae_studio.core.masks import mask_from_json, rasterize

    try:
        if path.suffix.lower() == ".json":
            cells, _info = mask_from_json(path.read_text(encoding="utf-8"))
            return lambda grid: rasterize(cells, grid)
        with Image.open(path) as im:
            if im.width * im.height > 64_000_000:
                raise UsageError(f"{path}: a {im.width}x{im.height} mask image is too large")
            pixels = im.convert("L").point(lambda v: 255 if v >= 128 else 0)
            pixels.load()
    except FileNotFoundError as e:
        raise UsageError(f"{path}: mask file not found") from e
    except Image.DecompressionBombError as e:  # over twice Pillow's pixel limit, from the header
        raise UsageError(f"{path}: the mask image claims too many pixels ({e})") from e
    except (OSError, SyntaxError, EOFError, UnidentifiedImageError, UnicodeDecodeError) as e:
        raise UsageError(f"{path}: not a readable mask image or JSON ({e})") from e
    except ValueError as e:  # json.JSONDecodeError included
        raise UsageError(f"{path}: not a mask file ({e})") from e

    def to_grid(grid: int) -> np.ndarray:
        area = pixels.resize((grid, grid), Image.Resampling.BOX)  # mean of each cell's pixels
        return np.asarray(area) >= 128

    return to_grid


def expand_inputs(paths: list[Path]) -> list[Path]:
    """Files as given, folders as their image files (by extension, sorted, not recursive).
    Missing paths stay in the list: loading reports the error for that one input."""
    from mae_studio.core.images import SUPPORTED_EXTENSIONS

    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            out.extend(
                sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in SUPPORTED_EXTENSIONS)
            )
        else:
            out.append(path)
    return out
