"""Options the reconstruction commands share (model, device, mask) and what they resolve to.

Parsers are built on every `mae-studio` call, so this module imports no torch at the top:
`--help` stays instant.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from mae_studio.core.errors import MaeStudioError

from . import arg_types

if TYPE_CHECKING:
    import torch

    from mae_studio.core.downloads import Fetched
    from mae_studio.core.fits import View
    from mae_studio.core.grid import GridLike
    from mae_studio.core.heatmap import HeatStyle
    from mae_studio.core.predictor import Predictor

TOKENS = arg_types.int_range(1, 16384)  # config.MAX_PATCHES


class UsageError(MaeStudioError):
    """A command-line option or input that cannot be used, and why."""


CHECKPOINT_HELP = (
    "a checkpoint file or Hugging Face folder (official .pth, ViTMAE, MAE Studio .safetensors), "
    "a catalogue name (`mae-studio models list`, e.g. vit-large-gan), a Hub repo id "
    "(facebook/vit-mae-base) or an https:// URL; downloads are cached and verified"
)


def add_model_options(p: argparse.ArgumentParser, *, many: bool = False) -> None:
    g = p.add_argument_group("model")
    if many:
        g.add_argument(
            "--checkpoint",
            action="append",
            required=True,
            metavar="MODEL",
            help="a model to compare (repeat: --checkpoint A --checkpoint B ...): " + CHECKPOINT_HELP,
        )
    else:
        g.add_argument(
            "--checkpoint",
            default=None,
            metavar="MODEL",
            help=CHECKPOINT_HELP + " (default: the shipped model)",
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


def add_fit_options(p: argparse.ArgumentParser) -> None:
    from mae_studio.core.results import FIT_HELP, FITS

    g = p.add_argument_group("fit (how the photo meets the model)")
    g.add_argument(
        "--fit",
        choices=FITS,
        default="crop",
        help="; ".join(f"{k}: {v}" for k, v in FIT_HELP.items()) + " (default: crop)",
    )
    g.add_argument(
        "--tokens",
        type=TOKENS,
        default=None,
        metavar="N",
        help="--fit whole: at most N patches (default: the model's grid side on the photo's shorter "
        f"side, at most 1.5 x its own patch count); {TOKENS.range}",
    )


def fit_view(predictor: Predictor, image: object, args: argparse.Namespace) -> View:
    """The view of `image` for --fit and --tokens (a usage error for a photo a fit cannot take)."""
    try:
        return predictor.fit_image(image, getattr(args, "fit", "crop"), getattr(args, "tokens", None))
    except ValueError as e:
        raise UsageError(f"--fit {args.fit}: {e}") from e


def add_mask_options(p: argparse.ArgumentParser, *, pattern: bool = True) -> None:
    from mae_studio.core.masks import PATTERN_REGISTRY

    g = p.add_argument_group("mask")
    g.add_argument(
        "--mask-ratio",
        type=arg_types.ratio,
        default=0.75,
        metavar="R",
        help="fraction of patches removed, 0..1 (default: 0.75, as MAE was trained)",
    )
    g.add_argument(
        "--seed",
        type=arg_types.seed,
        default=0,
        help=arg_types.with_range("seed of the random mask", arg_types.seed, 0),
    )
    if pattern:
        g.add_argument(
            "--pattern",
            choices=tuple(PATTERN_REGISTRY),
            default="random",
            help="how patches are chosen: "
            + "; ".join(f"{k}: {e.help}" for k, e in PATTERN_REGISTRY.items()).replace("%", "%%")
            + " (default: random)",
        )
        g.add_argument(
            "--mask",
            type=Path,
            default=None,
            metavar="FILE",
            help="a saved mask instead: .json (from the studio) or a black/white image (white = "
            "removed; any size at the photo's aspect, square for --fit crop; re-rasterized to the "
            "patch grid)",
        )


# ----------------------------------------------------------------------------------
# resolving


def resolve_device(name: str) -> torch.device:
    """The device of --device (core.devices.choose_device); a UsageError when there is none."""
    from mae_studio.core.devices import DeviceUnavailable, choose_device

    try:
        return choose_device(name)
    except DeviceUnavailable as e:
        hint = "" if e.kind == "" else " (use --device cpu)"
        raise UsageError(f"--device {e}{hint}") from e


def device_fault(e: BaseException, args: argparse.Namespace) -> str | None:
    """One line for an out-of-memory or failed device (core.devices.device_fault), with what to
    try; None for any other error."""
    from mae_studio.core.devices import OUT_OF_MEMORY, auto_device, first_line
    from mae_studio.core.devices import device_fault as classify

    fault = classify(e)
    if fault is None:
        return None
    device = str(getattr(args, "device", "") or "cpu")
    if device == "auto":
        device = str(auto_device())
    first = first_line(e)
    if fault == OUT_OF_MEMORY:
        hints = [] if device == "cpu" else ["--device cpu"]
        if getattr(args, "batch_size", 1) > 1:
            hints.append("a smaller --batch-size")
        where = "memory" if device == "cpu" else f"memory on {device}"
        return f"out of {where} ({first}); try " + (" or ".join(hints) or "a smaller model")
    return f"the GPU failed ({first}); try --device cpu"


@dataclass
class LoadedModel:
    predictor: Predictor
    checkpoint: str  # the model as given (path, name, repo or URL), or the default weights' path
    name: str  # the model's own label (config.name)


def load_predictor(
    checkpoint: str | Path | None, device: torch.device, precision: str = "exact"
) -> LoadedModel:
    """core.predictor.load_predictor for --checkpoint (None: the shipped default model); a
    catalogue name, Hub repo or URL is downloaded first with a progress bar (once: then the cache
    is used)."""
    from mae_studio.core import DEFAULT_WEIGHTS
    from mae_studio.core.predictor import load_predictor as core_load_predictor

    if checkpoint is None and not DEFAULT_WEIGHTS.exists():
        raise UsageError(
            f"no default model at {DEFAULT_WEIGHTS}: pass --checkpoint MODEL (see `mae-studio models list`)"
        )
    predictor = core_load_predictor(checkpoint, device, precision, fetch=fetch_model)
    label = str(DEFAULT_WEIGHTS) if checkpoint is None else str(checkpoint)
    return LoadedModel(predictor, label, predictor.config.name)


def fetch_model(spec: str | Path) -> Fetched:
    """The local copy of a --checkpoint, downloading it with a progress bar when needed."""
    from mae_studio.core.downloads import cached_path, fetch, parse_source

    from .progress import download_progress, say

    source = parse_source(spec)
    if not source.remote or cached_path(source) is not None:
        return fetch(source)
    with download_progress(source.where) as report:
        fetched = fetch(source, progress=report)
    if fetched.sha256:
        say(f"downloaded {source.where} to {fetched.path} (sha256 {fetched.sha256})")
    return fetched


def build_mask(args: argparse.Namespace, grid: GridLike) -> np.ndarray:
    """The bool mask [h, w] the mask options describe on `grid` (a file wins over a pattern)."""
    return mask_source(args, grid)(grid)


def mask_source(args: argparse.Namespace, reference_grid: GridLike) -> Callable[[GridLike], np.ndarray]:
    """grid -> bool mask [h, w]: the one pixel-space mask the options describe, carried to any
    patch grid over the same image. A pattern is drawn on `reference_grid`; a saved mask
    (core.mask_files, as the studio reads it) keeps its own resolution and must have the
    reference grid's aspect. (compare: one mask, models with different patch sizes.)"""
    from mae_studio.core.mask_files import read_mask_file
    from mae_studio.core.masks import pattern_mask, rasterize

    if getattr(args, "mask", None) is not None:
        file = read_mask_file(args.mask, reference_grid)
        if note := file.note(reference_grid):
            from mae_studio.core.names import shown_path

            from .progress import say

            say(f"--mask {shown_path(args.mask)}: note: {note}")
        return file.for_grid
    try:
        ref = pattern_mask(getattr(args, "pattern", "random"), reference_grid, args.mask_ratio, args.seed)
    except ValueError as e:
        raise UsageError(str(e)) from e
    return lambda grid: rasterize(ref, grid)


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


VMAX = arg_types.float_range(0.0, math.inf, low_open=True, high_open=True)


def colormap_arg(name: str) -> str:
    """An argparse type: a colour map name matplotlib's registry holds (core.heatmap.check_colormap)."""
    from mae_studio.core.heatmap import UnknownColormap, check_colormap

    try:
        return check_colormap(name)
    except UnknownColormap as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def add_heat_options(p: argparse.ArgumentParser, *, dims: bool = True) -> None:
    """--cmap and --vmax of the heat map; with `dims`, --raw-visible for the reconstruction panel."""
    from mae_studio.core.heatmap import COLORMAPS, DEFAULT_COLORMAP

    g = p.add_argument_group("heat map")
    g.add_argument(
        "--cmap",
        type=colormap_arg,
        default=DEFAULT_COLORMAP,
        metavar="NAME",
        help=f"colour map of the per-patch error: any of matplotlib's (e.g. {', '.join(COLORMAPS)}; "
        f"default: {DEFAULT_COLORMAP})",
    )
    g.add_argument(
        "--vmax",
        type=VMAX,
        default=None,
        metavar="MSE",
        help="fix the top of the colour scale at this MSE, so runs can be compared (default: auto, the "
        "99th percentile of the shown patches' errors); the colour bar marks values above it",
    )
    if dims:
        g.add_argument(
            "--raw-visible",
            action="store_true",
            help="show the raw decoder outputs of the visible patches in the reconstruction panel "
            "(default: dimmed, as the studio shows them: the model is trained on removed patches only)",
        )


def heat_style(args: argparse.Namespace) -> HeatStyle:
    """The heat map's colour map and scale from --cmap and --vmax."""
    from mae_studio.core.heatmap import HeatStyle

    return HeatStyle(cmap=args.cmap, vmax=args.vmax)
