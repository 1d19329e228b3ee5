"""`mae-studio reconstruct IMAGE_OR_DIR...`: a comparison sheet and a JSON report per image."""

from __future__ import annotations

import argparse
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import arg_types
from .options import add_mask_options, add_model_options

SCALE = arg_types.int_range(1, 8)  # 8: a 224 px model's sheet is ~9000 x 2000 px
BATCH = arg_types.int_range(1, 1024)

if TYPE_CHECKING:
    import numpy as np

    from mae_studio.core.predictor import Reconstruction

    from .options import LoadedModel


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "reconstruct",
        help="reconstruct images under a mask; write comparison sheets and JSON reports",
        description="Mask and reconstruct each image (folders: their image files). Writes "
        "OUT/<stem>_comparison.png (the labelled sheet the studio saves) and OUT/<stem>.json (mask, "
        "masked MSE and PSNR, per-patch MSE, timing). A bad input is reported on one line and "
        "skipped; the exit status is then 1. Existing outputs are kept unless --overwrite; an "
        "image's two outputs are written together or not at all. Names that are too long or hold "
        "unprintable characters get a shortened, printable stem with a short hash.",
    )
    p.add_argument("inputs", nargs="+", type=Path, metavar="IMAGE_OR_DIR", help="image files or folders")
    add_model_options(p)
    add_mask_options(p)
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
    p.set_defaults(func=run)


@dataclass
class Item:
    path: Path
    sheet: Path
    report: Path
    crop: np.ndarray | None = None
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
    items = _plan(paths, args.out)
    for item in items:
        if item.error:
            continue
        outputs = (item.sheet, item.report)
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
                f"exists without {missing} (an incomplete earlier run); both are written again"
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
        mask = build_mask(args, model.predictor.grid_size)
        with progress(len(todo), "reconstruct") as bar:
            for start in range(0, len(todo), args.batch_size):
                chunk = todo[start : start + args.batch_size]
                _run_chunk(chunk, model, mask)
                for item in chunk:
                    if not item.error:
                        _write(item, model, mask, args, str(device))
                    if item.error:
                        say(f"mae-studio reconstruct: {item.error}")
                    bar.update(1)
    _summary(items)
    return 1 if any(i.error for i in items) else 0


def _usage(message: str) -> Exception:
    from .options import UsageError

    return UsageError(message)


def _plan(paths: list[Path], out: Path) -> list[Item]:
    """Output names per input (names.safe_stem: printable, short enough for any file system); a
    second input with the same stem (a.jpg, a.png) is refused rather than silently overwriting
    the first one's outputs."""
    from mae_studio.core.names import safe_stem, shown_path

    seen: dict[str, Path] = {}
    items = []
    for path in paths:
        stem = safe_stem(path.stem)
        item = Item(path, out / f"{stem}_comparison.png", out / f"{stem}.json")
        if stem in seen:
            item.error = (
                f"{shown_path(path)}: its outputs would overwrite those of {shown_path(seen[stem])} "
                "(same name); skipped"
            )
        seen.setdefault(stem, path)
        items.append(item)
    return items


def _run_chunk(chunk: list[Item], model: LoadedModel, mask: np.ndarray) -> None:
    from mae_studio.core.errors import MaeStudioError
    from mae_studio.core.images import ImageLoadWarning, load_image, prepare_image
    from mae_studio.core.names import shown_path

    from .batch import reconstruct_batch
    from .progress import say

    size = model.predictor.img_size
    for item in chunk:
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", ImageLoadWarning)
                image = load_image(item.path)
            for w in caught:
                say(f"mae-studio reconstruct: {shown_path(item.path)}: note: {w.message}")
            item.crop = prepare_image(image, size)
        except MaeStudioError as e:
            item.error = str(e)
    ready = [i for i in chunk if not i.error]
    if ready:
        results = reconstruct_batch(model.predictor, [i.crop for i in ready], [mask] * len(ready))
        for item, result in zip(ready, results, strict=True):
            item.result = result


def _write(item: Item, model: LoadedModel, mask: np.ndarray, args: argparse.Namespace, device: str) -> None:
    from mae_studio.core.errors import MaeStudioError
    from mae_studio.core.sheet import render_sheet

    from .outputs import json_bytes, sheet_png, write_set

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
    )
    doc = report(item.path, result, model, args, device)
    doc["comparison"] = item.sheet.name
    png = sheet_png(sheet, text={"model": model.name, "image": item.path.name})
    try:
        write_set({item.sheet: png, item.report: json_bytes(doc)}, args.overwrite or item.replace)
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
        "grid": list(mask.shape),
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
