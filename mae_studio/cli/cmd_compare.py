"""`mae-studio compare IMAGE --checkpoint A --checkpoint B ...`: one mask, several models.

The mask lives in pixel space: drawn once (on the first model's patch grid, or read from a
file at its own resolution) and re-rasterized onto each model's grid, so models with
different patch sizes see the same removed region of the same image.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import arg_types
from .options import add_fit_options, add_heat_options, add_mask_options, add_model_options

SCALE = arg_types.int_range(1, 8)

if TYPE_CHECKING:
    from mae_studio.core.results import Reconstruction


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "compare",
        help="the same mask through several checkpoints: one sheet, a row per model",
        description="Reconstruct IMAGE with each --checkpoint under the same pixel-space mask "
        "(re-rasterized onto each model's patch grid). Writes OUT/<stem>_compare.png (a row per "
        "model with its metrics; heat maps share one colour scale) and OUT/<stem>_compare.json.",
    )
    p.add_argument("image", type=Path, metavar="IMAGE")
    add_model_options(p, many=True)
    p.add_argument(
        "--label",
        action="append",
        default=None,
        metavar="TEXT",
        help="row label per --checkpoint, in order (default: the model's name)",
    )
    add_fit_options(p)
    add_mask_options(p)
    add_heat_options(p)
    o = p.add_argument_group("output")
    o.add_argument("--out", type=Path, default=Path("."), metavar="DIR", help="output folder (default: .)")
    o.add_argument("--overwrite", action="store_true", help="replace existing outputs")
    o.add_argument(
        "--scale", type=SCALE, default=2, help=arg_types.with_range("sheet pixels per model pixel", SCALE, 2)
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import torch

    from mae_studio.core.files import ensure_folder
    from mae_studio.core.images import load_image
    from mae_studio.core.names import safe_stem, shown_path
    from mae_studio.core.sheet import render_rows

    from .options import UsageError, fit_view, heat_style, load_predictor, mask_source, resolve_device
    from .outputs import claim, fmt, json_bytes, sheet_png, table, write_set

    labels = args.label or []
    if len(labels) > len(args.checkpoint):
        raise UsageError(f"{len(labels)} --label for {len(args.checkpoint)} --checkpoint")
    stem = safe_stem(args.image.stem)
    ensure_folder(args.out)  # SaveError, not a traceback, when a file is in the way
    sheet_path, report_path = args.out / f"{stem}_compare.png", args.out / f"{stem}_compare.json"
    for path in (sheet_path, report_path):
        if path.exists() and not args.overwrite:
            raise UsageError(f"{shown_path(path)} exists (pass --overwrite to replace it)")
    claim([sheet_path, report_path], args.overwrite)
    image = load_image(args.image)
    device = resolve_device(args.device)
    rows, entries, to_grid = [], [], None
    for i, checkpoint in enumerate(args.checkpoint):
        model = load_predictor(checkpoint, device, args.precision)
        predictor = model.predictor
        view = fit_view(predictor, image, args)
        if to_grid is None:  # the first model's grid is where a pattern is drawn
            to_grid = mask_source(args, view.grid)
        mask = to_grid(view.grid)
        predictor.set_view(view)
        result = predictor.reconstruct(mask)
        label = labels[i] if i < len(labels) else model.name
        rows.append((label, result))
        entries.append(_entry(label, model.checkpoint, model.name, predictor.patch_size, result))
        del model, predictor  # one model in memory at a time
        if device.type == "cuda":
            torch.cuda.empty_cache()
    from_file = args.mask is not None
    sheet = render_rows(
        rows,
        seed=None if from_file else args.seed,
        ratio=None if from_file else args.mask_ratio,
        image_name=args.image.name,
        scale=args.scale,
        heat=heat_style(args),
        raw_visible=args.raw_visible,
    )
    doc = {
        "image": str(args.image),
        "mask_source": str(args.mask) if from_file else args.pattern,
        "mask_ratio": None if from_file else args.mask_ratio,
        "seed": None if from_file else args.seed,
        "fit": args.fit,
        "device": str(device),
        "models": entries,
        "comparison": sheet_path.name,
        "heat_map": {"cmap": args.cmap, "vmax": args.vmax or "auto", "raw_visible": args.raw_visible},
    }
    png = sheet_png(sheet, text={"image": args.image.name})
    write_set({sheet_path: png, report_path: json_bytes(doc)}, args.overwrite)
    print(
        table(
            ["model", "grid", "masked", "MSE", "PSNR dB", "ms"],
            [
                [
                    label,
                    f"{r.mask.shape[0]}x{r.mask.shape[1]}",
                    f"{r.masked_count}/{r.mask.size}",
                    fmt(r.masked_mse, ".5f"),
                    fmt(r.masked_psnr, ".2f"),
                    f"{r.seconds * 1000:.0f}",
                ]
                for label, r in rows
            ],
        )
    )
    print(f"wrote {shown_path(sheet_path)} and {shown_path(report_path)}")
    return 0


def _entry(label: str, checkpoint: str, name: str, patch_size: int, result: Reconstruction) -> dict[str, Any]:
    from .outputs import grid_rows, number

    return {
        "label": label,
        "checkpoint": checkpoint,
        "model": name,
        "patch_size": patch_size,
        "grid": list(result.mask.shape),
        "masked_patches": result.masked_count,
        "num_patches": int(result.mask.size),
        "masked_mse": number(result.masked_mse),
        "masked_psnr": number(result.masked_psnr),
        "per_patch_mse": grid_rows(result.per_patch_mse),
        "denormalized": result.denormalized,
        "seconds": round(result.seconds, 6),
    }
