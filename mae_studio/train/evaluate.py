"""Masked-patch PSNR of a model against classical fills, on a folder of held-out photos.

Each photo meets the model in a fit (crop: resized + centre-cropped to the model input, as the
official demo; whole: the photo on a grid at its aspect; tiles: full resolution; the app's own
Predictor does it), is masked with the reproducible masks of
`core.masks.random_mask(grid, ratio, seed)` on its grid for every seed, and filled by the model
and by each baseline on the SAME masks. Errors are MSE of [0, 1] pixels over the removed
patches; a photo's PSNR is the mean over its seeds.
"""

from __future__ import annotations

import hashlib
import json
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from mae_studio.core.errors import MaeStudioError
from mae_studio.core.files import save_png, save_text
from mae_studio.core.grid import Grid
from mae_studio.core.image_loading import load_image
from mae_studio.core.masks import random_mask
from mae_studio.core.predictor import Predictor
from mae_studio.core.results import psnr
from mae_studio.core.sheet import Panel, Row, compose

from .baselines import BASELINES, LABELS, masked_mse
from .data import IMAGE_SUFFIXES

METHODS = ("model", "telea", "ns", "mean")


class EvalError(MaeStudioError):
    """An evaluation that cannot run."""


@dataclass
class EvalOptions:
    photo_dir: Path
    ratio: float = 0.75
    seeds: Sequence[int] = (0, 1, 2)
    methods: Sequence[str] = METHODS  # "model" plus any of BASELINES
    examples: int = 4  # photos shown in the grid (first seed)
    progress: bool = True
    fit: str = "crop"  # results.FITS
    tokens: int | None = None  # a whole photo's patch budget (fits.fit_image)


@dataclass
class EvalResult:
    report: dict[str, Any]
    grid_rows: list[Row] = field(default_factory=list)


def find_photos(folder: Path) -> list[Path]:
    if not folder.is_dir():
        raise EvalError(f"{folder}: not a folder of photos")
    photos = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)
    if not photos:
        raise EvalError(f"{folder}: no photos ({', '.join(IMAGE_SUFFIXES)})")
    return photos


def evaluate(predictor: Predictor, opts: EvalOptions) -> EvalResult:
    """Score the model and the baselines on every photo; see the module docstring."""
    unknown = [m for m in opts.methods if m != "model" and m not in BASELINES]
    if unknown or not opts.methods:
        raise EvalError(f"unknown methods {unknown}; choose from {', '.join(METHODS)}")
    if not opts.seeds:
        raise EvalError("give at least one seed")
    photos = find_photos(opts.photo_dir)
    grid = predictor.grid_size
    by_grid: dict[Grid, dict[int, np.ndarray]] = {}  # seed -> mask, per photo grid

    def masks_for(g: Grid) -> dict[int, np.ndarray]:
        if g not in by_grid:
            by_grid[g] = {s: random_mask(g, opts.ratio, s) for s in opts.seeds}
        return by_grid[g]

    if not next(iter(masks_for(Grid.square(grid)).values())).any():
        raise EvalError(f"a ratio of {opts.ratio} removes no patch of a {grid}x{grid} grid")
    images: list[dict[str, Any]] = []
    rows: list[Row] = []
    seconds: list[float] = []
    it: Sequence[Path] = photos
    if opts.progress:
        from tqdm import tqdm

        it = tqdm(photos, desc="evaluating", unit="photo", dynamic_ncols=True)
    for path in it:
        view = predictor.fit_image(load_image(path), opts.fit, opts.tokens)
        predictor.set_view(view)
        masks = masks_for(view.grid)
        per_seed: dict[str, list[float]] = {m: [] for m in opts.methods}
        for seed, mask in masks.items():
            rec = predictor.reconstruct(mask)
            seconds.append(rec.seconds)
            p = rec.patch_size
            fills = {m: BASELINES[m](rec.original, mask, p) for m in opts.methods if m != "model"}
            for m in opts.methods:
                per_seed[m].append(
                    rec.masked_mse if m == "model" else masked_mse(fills[m], rec.original, mask, p)
                )
            if seed == opts.seeds[0] and len(rows) < opts.examples:
                rows.append(_grid_row(path.name, rec, fills, per_seed))
        images.append(
            {
                "file": path.name,
                "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
                "grid": list(view.grid),
                "size": list(view.image.shape[:2]),
                "mse": {m: per_seed[m] for m in opts.methods},
                "psnr": {m: statistics.fmean(psnr(v) for v in per_seed[m]) for m in opts.methods},
            }
        )
    report = {
        "photo_dir": opts.photo_dir.resolve().name,  # the folder's name: no path of this machine
        "photos": len(images),
        "ratio": opts.ratio,
        "seeds": list(opts.seeds),
        "fit": opts.fit,
        "removed_patches": int(next(iter(masks_for(Grid.square(grid)).values())).sum()),
        "grid": grid,
        "img_size": predictor.img_size,
        "model": predictor.config.name,
        "summary": summarize(images, opts.methods),
        "model_ms_median": 1000 * statistics.median(seconds),
        "images": images,
    }
    return EvalResult(report, rows)


def summarize(images: list[dict[str, Any]], methods: Sequence[str]) -> dict[str, dict[str, float]]:
    """Per method: mean/median PSNR and MSE over photos, and its share of photos above each rival."""
    out: dict[str, dict[str, float]] = {}
    for m in methods:
        p = [im["psnr"][m] for im in images]
        mse = [statistics.fmean(im["mse"][m]) for im in images]
        row = {
            "mean_psnr": statistics.fmean(p),
            "median_psnr": statistics.median(p),
            "mean_mse": statistics.fmean(mse),
            "median_mse": statistics.median(mse),
        }
        for rival in methods:
            if rival != m:
                wins = sum(im["psnr"][m] > im["psnr"][rival] for im in images)
                row[f"better_than_{rival}"] = wins / len(images)
        out[m] = row
    return out


def format_table(report: dict[str, Any]) -> str:
    s = report["summary"]
    methods = list(s)
    ref = "telea" if "telea" in s else None
    head = f"{'method':<22} {'mean PSNR':>10} {'median':>8} {'mean MSE':>10}"
    if ref:
        head += f" {'vs Telea':>9} {'> Telea':>8}"
    fit = report.get("fit", "crop")
    if fit == "crop":
        where = f"{report['grid']}x{report['grid']} patches removed ({report['removed_patches']})"
    else:
        where = f"each photo's own patch grid removed (--fit {fit})"
    lines = [
        f"{report['photos']} photos, {report['ratio']:.0%} of {where}, seeds {report['seeds']}; "
        "PSNR in dB over removed patches",
        head,
        "-" * len(head),
    ]
    for m in methods:
        r = s[m]
        line = (
            f"{LABELS.get(m, m):<22} {r['mean_psnr']:>10.2f} {r['median_psnr']:>8.2f} {r['mean_mse']:>10.5f}"
        )
        if ref:
            delta = r["mean_psnr"] - s[ref]["mean_psnr"]
            share = "" if m == ref else f"{r[f'better_than_{ref}']:.0%}"
            line += f" {delta:>+9.2f} {share:>8}"
        lines.append(line)
    lines.append(f"model time per reconstruction (median): {report['model_ms_median']:.1f} ms")
    return "\n".join(lines)


def write_outputs(result: EvalResult, out: Path, stem: str = "eval") -> list[Path]:
    """`<stem>.json` (everything) and `<stem>_examples.png` (the grid), atomically."""
    out.mkdir(parents=True, exist_ok=True)
    written = [save_text(out / f"{stem}.json", json.dumps(result.report, indent=1, allow_nan=True) + "\n")]
    if result.grid_rows:
        sheet = compose(result.grid_rows, caption=_caption(result.report), panel_px=224)
        written.append(save_png(out / f"{stem}_examples.png", sheet))
    return written


def _grid_row(name: str, rec, fills: dict[str, np.ndarray], per_seed: dict[str, list[float]]) -> Row:
    panels = [Panel("masked", rec.masked), Panel(f"model {rec.masked_psnr:.1f} dB", rec.pasted)]
    for m in ("telea", "ns", "mean"):
        if m in fills:
            panels.append(Panel(f"{LABELS[m]} {psnr(per_seed[m][-1]):.1f} dB", fills[m]))
            break  # one classical fill per row keeps the grid readable: Telea when measured
    panels.append(Panel("original", rec.original))
    return Row(panels, heading=name)


def _caption(report: dict[str, Any]) -> list[str]:
    s = report["summary"]
    parts = [f"{LABELS.get(m, m)} {r['mean_psnr']:.2f} dB" for m, r in s.items()]
    return [
        f"{report['model']}: {report['ratio']:.0%} random masking, fit {report.get('fit', 'crop')}, "
        f"seed {report['seeds'][0]} shown",
        "mean masked PSNR over all photos and seeds: " + ", ".join(parts),
    ]
