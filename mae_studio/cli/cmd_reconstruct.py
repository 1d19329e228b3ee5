"""`mae-studio reconstruct IMAGE_OR_DIR...`: a comparison sheet and a JSON report per image."""

from __future__ import annotations

import argparse
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import arg_types
from .options import add_fit_options, add_heat_options, add_mask_options, add_model_options

SCALE = arg_types.int_range(1, 8)  # 8: a 224 px model's sheet is ~9000 x 2000 px
BATCH = arg_types.int_range(1, 1024)

if TYPE_CHECKING:
    from collections.abc import Callable

    import numpy as np

    from mae_studio.core.fits import View
    from mae_studio.core.grid import Grid
    from mae_studio.core.results import Reconstruction

    from .options import LoadedModel


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "reconstruct",
        help="reconstruct images under a mask; write comparison sheets and JSON reports",
        description="Mask and reconstruct each image (folders: their image files). Writes "
        "OUT/<stem>_comparison.png (the labelled sheet the studio saves) and OUT/<stem>.json (fit, "
        "grid, mask, masked MSE and PSNR, per-patch MSE, timing); with --panels (always with --fit "
        "tiles) each panel at the resolution the model saw, OUT/<stem>_<panel>.png. A bad input is "
        "reported on one line and skipped; the exit status is then 1. Existing outputs are kept "
        "unless --overwrite; an image's outputs are written together or not at all. Names that are "
        "too long or hold unprintable characters get a shortened, printable stem with a short hash.",
    )
    p.add_argument("inputs", nargs="+", type=Path, metavar="IMAGE_OR_DIR", help="image files or folders")
    add_model_options(p)
    add_fit_options(p)
    add_mask_options(p)
    add_heat_options(p)
    o = p.add_argument_group("output")
    o.add_argument("--out", type=Path, default=Path("."), metavar="DIR", help="output folder (default: .)")
    o.add_argument("--overwrite", action="store_true", help="replace existing outputs")
    o.add_argument(
        "--batch-size",
        type=BATCH,
        default=8,
        metavar="N",
        help=arg_types.with_range("images per forward pass on the device", BATCH, 8),
    )
    o.add_argument(
        "--scale", type=SCALE, default=2, help=arg_types.with_range("sheet pixels per model pixel", SCALE, 2)
    )
    o.add_argument(
        "--panels",
        action="store_true",
        help="also write each panel (masked, reconstruction, pasted, original, heatmap) as "
        "OUT/<stem>_<panel>.png at the resolution the model saw (always on with --fit tiles: the "
        "photo's own)",
    )
    p.set_defaults(func=run)


@dataclass
class Item:
    path: Path
    sheet: Path
    report: Path
    panels: dict[str, Path]  # panel key -> file, when panels are written
    view: View | None = None
    result: Reconstruction | None = None
    error: str = ""
    replace: bool = False  # an incomplete set of outputs from an earlier run is completed


def run(args: argparse.Namespace) -> int:
    from mae_studio.core.errors import MaeStudioError
    from mae_studio.core.files import ensure_folder
    from mae_studio.core.names import shown_path

    from .options import build_mask, expand_inputs, load_predictor, resolve_device
    from .outputs import claim
    from .progress import progress, say

    paths = expand_inputs(args.inputs)
    if not paths:
        raise _usage("no image files in " + ", ".join(shown_path(p) for p in args.inputs))
    ensure_folder(args.out)  # SaveError, not a traceback, when a file is in the way
    items = _plan(paths, args.out, args.panels or args.fit == "tiles")
    for item in items:
        if item.error:
            continue
        outputs = (item.sheet, item.report, *item.panels.values())
        existing = [p for p in outputs if p.exists()]
        if len(existing) == len(outputs) and not args.overwrite:
            done = shown_path(existing[0])
            item.error = f"{shown_path(item.path)}: {done} exists (pass --overwrite to replace it); skipped"
            continue
        if existing and not args.overwrite:  # a set that is not complete: this input is not done
            item.replace = True
            missing = shown_path(next(p for p in outputs if p not in existing).name)
            say(
                f"mae-studio reconstruct: {shown_path(item.path)}: note: {shown_path(existing[0])} "
                f"exists without {missing} (an incomplete earlier run); all are written again"
            )
        try:
            claim(list(outputs), args.overwrite or item.replace)
        except MaeStudioError as e:
            item.error = str(e)
    for item in items:
        if item.error:
            say(f"mae-studio reconstruct: {item.error}")
    todo = [i for i in items if not i.error]
    if todo:
        device = resolve_device(args.device)
        model = load_predictor(args.checkpoint, device, args.precision)
        masks: dict[Grid, np.ndarray] = {}  # one mask per grid: a pattern drawn on each photo's own

        def mask_for(grid: Grid) -> np.ndarray:
            if grid not in masks:
                masks[grid] = build_mask(args, grid)
            return masks[grid]

        with progress(len(todo), "reconstruct") as bar:
            for start in range(0, len(todo), args.batch_size):
                chunk = todo[start : start + args.batch_size]
                _run_chunk(chunk, model, mask_for, args)
                for item in chunk:
                    if not item.error:
                        _write(item, model, args, str(device))
                    if item.error:
                        say(f"mae-studio reconstruct: {item.error}")
                    bar.update(1)
    _summary(items)
    return 1 if any(i.error for i in items) else 0


def _usage(message: str) -> Exception:
    from .options import UsageError

    return UsageError(message)


def _plan(paths: list[Path], out: Path, panels: bool) -> list[Item]:
    """Output names per input (names.safe_stem: printable, short enough for any file system); a
    second input with the same stem (a.jpg, a.png) is refused rather than silently overwriting
    the first one's outputs."""
    from mae_studio.core.names import safe_stem, shown_path
    from mae_studio.core.results import RESULT_PANELS

    seen: dict[str, Path] = {}
    items = []
    for path in paths:
        stem = safe_stem(path.stem)
        files = {key: out / f"{stem}_{key}.png" for key in RESULT_PANELS} if panels else {}
        item = Item(path, out / f"{stem}_comparison.png", out / f"{stem}.json", files)
        if stem in seen:
            item.error = (
                f"{shown_path(path)}: its outputs would overwrite those of {shown_path(seen[stem])} "
                "(same name); skipped"
            )
        seen.setdefault(stem, path)
        items.append(item)
    return items


def _run_chunk(
    chunk: list[Item], model: LoadedModel, mask_for: Callable[[Grid], np.ndarray], args: argparse.Namespace
) -> None:
    """Load each photo and make its view for --fit; crop and whole views on one grid go through
    the model as one batch, a tiled photo on its own (its tiles are batched inside)."""
    from mae_studio.core.errors import MaeStudioError
    from mae_studio.core.images import ImageLoadWarning, load_image
    from mae_studio.core.names import shown_path

    from .batch import reconstruct_batch
    from .options import fit_view
    from .progress import say

    predictor = model.predictor
    for item in chunk:
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", ImageLoadWarning)
                image = load_image(item.path)
            for w in caught:
                say(f"mae-studio reconstruct: {shown_path(item.path)}: note: {w.message}")
            item.view = fit_view(predictor, image, args)
        except MaeStudioError as e:
            item.error = str(e)
    groups: dict[Grid, list[Item]] = {}
    for item in chunk:
        if not item.error and item.view is not None:
            groups.setdefault(item.view.grid, []).append(item)
    for grid, ready in groups.items():
        mask = mask_for(grid)
        if args.fit == "tiles":
            for item in ready:
                assert item.view is not None
                predictor.set_view(item.view)
                item.result = predictor.reconstruct(mask)
            continue
        views = [i.view for i in ready if i.view is not None]
        for item, result in zip(ready, reconstruct_batch(predictor, views, [mask] * len(ready)), strict=True):
            item.result = result


def _write(item: Item, model: LoadedModel, args: argparse.Namespace, device: str) -> None:
    from mae_studio.core.errors import MaeStudioError
    from mae_studio.core.sheet import render_sheet

    from .options import heat_style
    from .outputs import json_bytes, panel_pngs, sheet_png, write_set

    result = item.result
    assert result is not None
    ratio = None if args.mask is not None else args.mask_ratio
    sheet = render_sheet(
        result,
        model_name=model.name,
        seed=None if args.mask is not None else args.seed,
        ratio=ratio,
        image_name=item.path.name,
        scale=args.scale,
        heat=heat_style(args),
        raw_visible=args.raw_visible,
    )
    doc = report(item.path, result, model, args, device)
    doc["comparison"] = item.sheet.name
    doc["heat_map"] = {"cmap": args.cmap, "vmax": args.vmax or "auto", "raw_visible": args.raw_visible}
    text = {"model": model.name, "image": item.path.name}
    files = {item.sheet: sheet_png(sheet, text=text)}
    if item.panels:
        doc["panels"] = {key: path.name for key, path in item.panels.items()}
        files.update(panel_pngs(result, item.panels, text, heat_style(args), args.raw_visible))
    files[item.report] = json_bytes(doc)
    try:
        write_set(files, args.overwrite or item.replace)
    except MaeStudioError as e:
        item.error = str(e)


def report(
    path: Path, result: Reconstruction, model: LoadedModel, args: argparse.Namespace, device: str
) -> dict[str, Any]:
    """The JSON report of one image (schema checked in tests/cli)."""
    import numpy as np

    from mae_studio import __version__

    from .outputs import grid_rows, number

    mask = result.mask
    from_file = args.mask is not None
    card = model.predictor.model.card  # where its heads and training target came from
    return {
        "image": str(path),
        "checkpoint": model.checkpoint,
        "model": model.name,
        "model_card": card.as_dict() if card is not None else None,
        "mask_ratio": float(mask.mean()) if from_file else args.mask_ratio,
        "mask_source": str(args.mask) if from_file else args.pattern,
        "seed": None if from_file else args.seed,
        "fit": result.fit,
        "grid": list(mask.shape),
        "image_size": [int(result.original.shape[0]), int(result.original.shape[1])],
        "patch_size": model.predictor.patch_size,
        "masked_patches": int(mask.sum()),
        "num_patches": int(mask.size),
        "removed": np.flatnonzero(mask.reshape(-1)).tolist(),
        "masked_mse": number(result.masked_mse),
        "masked_psnr": number(result.masked_psnr),
        "per_patch_mse": grid_rows(result.per_patch_mse),
        "denormalized": result.denormalized,
        "device": device,
        "precision": result.precision,
        "seconds": round(result.seconds, 6),
        "mae_studio": __version__,
    }


def _summary(items: list[Item]) -> None:
    from mae_studio.core.names import printable

    from .outputs import fmt, table

    rows = []
    for item in items:
        r = item.result
        name = printable(item.path.name, 60)
        if item.error or r is None:
            rows.append([name, "-", "-", "-", "-", "failed"])
        else:
            rows.append(
                [
                    name,
                    f"{r.masked_count}/{r.mask.size}",
                    fmt(r.masked_mse, ".5f"),
                    fmt(r.masked_psnr, ".2f"),
                    f"{r.seconds * 1000:.0f}",
                    "ok",
                ]
            )
    print(table(["image", "masked", "MSE", "PSNR dB", "ms", "status"], rows))
    done = [i.result for i in items if not i.error and i.result is not None]
    line = f"{len(done)}/{len(items)} images reconstructed"
    scored = [r for r in done if r.masked_count]
    if scored:
        mse = sum(r.masked_mse for r in scored) / len(scored)
        db = sum(r.masked_psnr for r in scored) / len(scored)
        line += f"; mean masked MSE {mse:.5f}, mean masked PSNR {db:.2f} dB"
    print(line)
