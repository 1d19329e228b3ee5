"""`mae-studio errormap IMAGE`: every patch reconstructed exactly once (K complementary
masks), its per-patch error map, and optionally the spread of reconstructions over N masks."""

from __future__ import annotations

import argparse
import time
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import arg_types
from .options import add_fit_options, add_heat_options, add_mask_options, add_model_options

SCALE = arg_types.int_range(1, 8)
PARTS = arg_types.int_range(1, 4096)  # checked against the model's patch count too
SPREAD = arg_types.int_range(0, 1000)

if TYPE_CHECKING:
    import numpy as np
    from PIL import Image

    from .options import LoadedModel


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "errormap",
        help="reconstruct every patch exactly once (K complementary masks): full error map",
        description="Split the patch grid into K random parts; in run i, part i is removed (plus "
        "random context patches up to --mask-ratio) and its predictions are kept. Together: a "
        "full-image reconstruction and an error for every patch, each predicted once. "
        "--uncertainty N adds the per-pixel spread of reconstructions over N random masks. Writes "
        "OUT/<stem>_errormap.png and OUT/<stem>_errormap.json.",
    )
    p.add_argument("image", type=Path, metavar="IMAGE")
    p.add_argument(
        "-k", "--k", type=PARTS, default=4, help=arg_types.with_range("complementary masks", PARTS, 4)
    )
    p.add_argument(
        "--uncertainty",
        type=SPREAD,
        default=0,
        metavar="N",
        help="also the per-pixel std of reconstructions over N random masks (N >= 2, at most 1000; "
        "default: 0, off)",
    )
    add_model_options(p)
    add_fit_options(p)
    add_mask_options(p, pattern=False)
    add_heat_options(p, dims=False)  # every patch is predicted once: none is shown raw
    o = p.add_argument_group("output")
    o.add_argument("--out", type=Path, default=Path("."), metavar="DIR", help="output folder (default: .)")
    o.add_argument("--overwrite", action="store_true", help="replace existing outputs")
    o.add_argument(
        "--scale", type=SCALE, default=2, help=arg_types.with_range("sheet pixels per model pixel", SCALE, 2)
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import numpy as np

    from mae_studio.core.errormap import full_errormap, uncertainty
    from mae_studio.core.files import ensure_folder
    from mae_studio.core.images import load_image
    from mae_studio.core.names import printable, safe_stem, shown_path
    from mae_studio.core.results import psnr

    from .options import UsageError, fit_view, load_predictor, resolve_device
    from .outputs import claim, json_bytes, sheet_png, write_set

    if args.uncertainty == 1:
        raise UsageError(f"--uncertainty needs at least 2 masks to measure a spread, got {args.uncertainty}")
    stem = safe_stem(args.image.stem)
    ensure_folder(args.out)  # SaveError, not a traceback, when a file is in the way
    sheet_path, report_path = args.out / f"{stem}_errormap.png", args.out / f"{stem}_errormap.json"
    for path in (sheet_path, report_path):
        if path.exists() and not args.overwrite:
            raise UsageError(f"{shown_path(path)} exists (pass --overwrite to replace it)")
    claim([sheet_path, report_path], args.overwrite)
    image = load_image(args.image)
    device = resolve_device(args.device)
    model = load_predictor(args.checkpoint, device, args.precision)
    predictor = model.predictor
    view = fit_view(predictor, image, args)
    if args.k > view.grid.n:
        raise UsageError(
            f"-k {args.k}: the image has only {view.grid.n} patches ({view.grid}, --fit {view.fit})"
        )
    predictor.set_view(view)
    start = time.perf_counter()
    recon, per_patch = full_errormap(predictor, k=args.k, seed=args.seed, ratio=args.mask_ratio)
    seconds = time.perf_counter() - start
    spread = None
    if args.uncertainty:
        spread = uncertainty(predictor, n=args.uncertainty, ratio=args.mask_ratio, seed=args.seed)
    mean_mse = float(per_patch.mean())
    p = predictor.patch_size
    sheet = _sheet(predictor.original, recon, per_patch, spread, p, model.name, args)
    doc: dict[str, Any] = _report(args, model, str(device), per_patch, mean_mse, psnr(mean_mse), seconds)
    if spread is not None:
        doc["uncertainty"] = _spread_report(spread, p, args)
    png = sheet_png(sheet, text={"model": model.name, "image": args.image.name})
    write_set({sheet_path: png, report_path: json_bytes(doc)}, args.overwrite)
    worst = np.dstack(np.unravel_index(np.argsort(-per_patch, axis=None)[:3], per_patch.shape))[0]
    print(
        f"{printable(args.image.name)}: every patch reconstructed once in {args.k} runs; "
        f"mean MSE {mean_mse:.5f}, PSNR {psnr(mean_mse):.2f} dB; worst patches (row, col): "
        + ", ".join(f"({r}, {c}) {per_patch[r, c]:.4f}" for r, c in worst)
    )
    if spread is not None:
        print(f"uncertainty over {args.uncertainty} masks: mean per-pixel std {np.nanmean(spread):.4f}")
    print(f"wrote {shown_path(sheet_path)} and {shown_path(report_path)}")
    return 0


def _sheet(
    original: np.ndarray,
    recon: np.ndarray,
    per_patch: np.ndarray,
    spread: np.ndarray | None,
    patch_size: int,
    model_name: str,
    args: argparse.Namespace,
) -> Image.Image:
    from mae_studio.core.heatmap import auto_vmax, blend, colorize, heat_layer, overflow
    from mae_studio.core.results import psnr
    from mae_studio.core.sheet import Panel, Row, compose, panel_height

    from .options import heat_style

    layer = heat_layer(per_patch, None, heat_style(args))  # every patch was removed once: all shown
    panels = [
        Panel("Original", original),
        Panel(f"Every patch once ({args.k} runs)", recon),
        Panel(
            "Per-patch error",
            blend(original, layer, patch_size),
            vmax=layer.vmax,
            cmap=layer.cmap,
            bar_label=f"MSE · {'fixed' if layer.fixed else 'auto'}",
            over=layer.overflow,
        ),
    ]
    if spread is not None:
        top = auto_vmax(spread)
        panels.append(
            Panel(f"Spread over {args.uncertainty} masks", colorize(spread, top, "viridis"), vmax=top,
                  cmap="viridis", bar_label="std", over=overflow(spread, top, "pixel"))
        )  # fmt: skip
    mse = float(per_patch.mean())
    caption = [
        f"every patch predicted once: {args.k} masks of {args.mask_ratio:.0%}, each keeping the predictions "
        f"of its own 1/{args.k} of the patches · mean MSE {mse:.4f} · PSNR {psnr(mse):.2f} dB",
        f"model: {model_name} · seed {args.seed} · image: {args.image.name}",
    ]
    if layer.overflow is not None:
        caption.append(f"per-patch error: {layer.overflow.sentence()}")
    if spread is not None:
        caption.append(
            f"spread: per-pixel std of the predicted values over {args.uncertainty} random masks of "
            f"{args.mask_ratio:.0%}, counting the runs in which the pixel's patch was removed"
        )
    return compose([Row(panels)], caption, panel_px=panel_height(original.shape, args.scale))


def _report(
    args: argparse.Namespace,
    model: LoadedModel,
    device: str,
    per_patch: np.ndarray,
    mean_mse: float,
    db: float,
    seconds: float,
) -> dict[str, Any]:
    from mae_studio import __version__

    from .outputs import grid_rows, number

    return {
        "image": str(args.image),
        "checkpoint": model.checkpoint,
        "model": model.name,
        "k": args.k,
        "mask_ratio": args.mask_ratio,
        "seed": args.seed,
        "fit": args.fit,
        "grid": list(per_patch.shape),
        "per_patch_mse": grid_rows(per_patch),
        "mean_mse": number(mean_mse),
        "psnr": number(db),
        "device": device,
        "seconds": round(seconds, 6),
        "heat_map": {"cmap": args.cmap, "vmax": args.vmax or "auto"},
        "mae_studio": __version__,
    }


def _spread_report(spread: np.ndarray, patch_size: int, args: argparse.Namespace) -> dict[str, Any]:
    import numpy as np

    from .outputs import grid_rows, number

    H, W = spread.shape
    h, w = -(-H // patch_size), -(-W // patch_size)
    padded = np.full((h * patch_size, w * patch_size), np.nan, dtype=np.float64)
    padded[:H, :W] = spread
    with warnings.catch_warnings():  # a cell with no spread anywhere stays nan, quietly
        warnings.simplefilter("ignore", RuntimeWarning)
        per_patch = np.nanmean(padded.reshape(h, patch_size, w, patch_size), axis=(1, 3))  # [h, w]
    return {
        "masks": args.uncertainty,
        "mask_ratio": args.mask_ratio,
        "mean_std": number(float(np.nanmean(spread))),
        "per_patch_std": grid_rows(per_patch),
    }
