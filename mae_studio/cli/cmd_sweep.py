"""`mae-studio sweep IMAGE`: masked PSNR and MSE against the mask ratio, over several seeds.

The sweep itself (nested masks per seed, the per-ratio summary) is core.sweep's, shared with the
window's Analysis menu; this module parses ratios, batches masks, and writes CSV files and a plot.
"""

from __future__ import annotations

import argparse
import csv
import io
import math
from pathlib import Path

from mae_studio.core.sweep import MAE_TRAINING_RATIO, Point, summarize

from . import arg_types
from .options import add_fit_options, add_model_options

MAX_RATIOS = 1000
SEEDS = arg_types.int_range(1, 1000)
MAX_MASKS = 100_000  # ratios x seeds: ~40 min at 22 ms per reconstruction
BATCH = arg_types.int_range(1, 1024)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "sweep",
        help="masked PSNR/MSE against mask ratio (nested masks, several seeds): CSV and plot",
        description="Reconstruct one image at many mask ratios with nested random masks per seed. "
        "Writes OUT/<stem>_sweep.csv (one row per ratio and seed), OUT/<stem>_sweep_summary.csv "
        "(mean and spread over seeds) and OUT/<stem>_sweep.png, written together. At most "
        f"{MAX_RATIOS} ratios and "
        f"{MAX_MASKS:,} masks (ratios x seeds).",
    )
    p.add_argument("image", type=Path, metavar="IMAGE")
    p.add_argument(
        "--ratios",
        type=parse_ratios,
        default=parse_ratios("0.1:0.95:0.05"),
        metavar="START:STOP:STEP|R,R,...",
        help=f"mask ratios within 0..1: a range with STOP included, or a list; at most {MAX_RATIOS} "
        "(default: 0.1:0.95:0.05)",
    )
    p.add_argument(
        "--seeds", type=SEEDS, default=5, metavar="N", help=arg_types.with_range("seeds per ratio", SEEDS, 5)
    )
    p.add_argument(
        "--seed",
        type=arg_types.seed,
        default=0,
        help=arg_types.with_range("first seed; seeds are SEED..SEED+N-1", arg_types.seed, 0),
    )
    add_model_options(p)
    add_fit_options(p)
    o = p.add_argument_group("output")
    o.add_argument("--out", type=Path, default=Path("."), metavar="DIR", help="output folder (default: .)")
    o.add_argument("--overwrite", action="store_true", help="replace existing outputs")
    o.add_argument("--no-plot", action="store_true", help="write the CSV files only")
    o.add_argument("--title", default=None, help="plot title (default: image, model name and seeds)")
    o.add_argument(
        "--batch-size",
        type=BATCH,
        default=8,
        metavar="N",
        help=arg_types.with_range("masks per forward pass", BATCH, 8),
    )
    p.set_defaults(func=run)


def parse_ratios(text: str) -> list[float]:
    """'0.1:0.95:0.05' (STOP included when the steps land on it) or '0.25,0.5,0.75'."""
    try:
        if ":" in text:
            start, stop, step = (float(v) for v in text.split(":"))
            if not all(map(math.isfinite, (start, stop, step))):
                raise argparse.ArgumentTypeError(f"a ratio range takes finite numbers, got {text!r}")
            if step <= 0:
                raise argparse.ArgumentTypeError("the step of a ratio range must be positive")
            count = math.floor((stop - start) / step + 1e-6) + 1
            if count > MAX_RATIOS:  # counted before any list is made: 0:1:1e-9 is a billion
                raise argparse.ArgumentTypeError(
                    f"{text!r} makes {count:,} ratios, more than {MAX_RATIOS}; use a larger step"
                )
            values = [round(start + i * step, 6) for i in range(max(0, count))]
        else:
            values = [float(v) for v in text.split(",") if v.strip()]
    except ValueError as e:
        raise argparse.ArgumentTypeError(f"not a ratio range or list: {text!r}") from e
    if len(values) > MAX_RATIOS:
        raise argparse.ArgumentTypeError(f"{len(values):,} ratios, more than {MAX_RATIOS}")
    if not values:
        raise argparse.ArgumentTypeError(f"no ratios in {text!r}")
    bad = [v for v in values if not 0.0 <= v <= 1.0]  # nan too
    if bad:
        raise argparse.ArgumentTypeError(f"mask ratios lie within 0..1, got {bad[0]}")
    return sorted(set(values))


def run(args: argparse.Namespace) -> int:
    import numpy as np

    from mae_studio.core.files import ensure_folder
    from mae_studio.core.images import load_image
    from mae_studio.core.names import printable, safe_stem, shown_path
    from mae_studio.core.results import Reconstruction
    from mae_studio.core.sweep import sweep

    from .batch import reconstruct_batch
    from .options import UsageError, fit_view, load_predictor, resolve_device
    from .outputs import claim, write_set
    from .progress import progress

    masks_total = len(args.ratios) * args.seeds
    if masks_total > MAX_MASKS:
        raise UsageError(
            f"{len(args.ratios)} ratios x {args.seeds} seeds = {masks_total:,} masks, more than {MAX_MASKS:,}"
        )
    if args.seed + args.seeds - 1 > arg_types.SEED_MAX:
        raise UsageError(f"--seed {args.seed} --seeds {args.seeds} goes past seed {arg_types.SEED_MAX}")
    stem = safe_stem(args.image.stem)
    ensure_folder(args.out)  # SaveError, not a traceback, when a file is in the way
    raw_csv, summary_csv, plot_png = (args.out / f"{stem}_sweep{s}" for s in (".csv", "_summary.csv", ".png"))
    outputs = [raw_csv, summary_csv] + ([] if args.no_plot else [plot_png])
    _refuse_existing(outputs, args.overwrite)
    claim(outputs, args.overwrite)
    image = load_image(args.image)
    device = resolve_device(args.device)
    model = load_predictor(args.checkpoint, device, args.precision)
    predictor = model.predictor
    predictor.prepare_runtime()  # many runs: worth ONNX Runtime's session build on wide models
    view = fit_view(predictor, image, args)
    if view.fit == "tiles":
        predictor.set_view(view)  # the tiles' embedding once; each mask then runs tile batches
    seeds = list(range(args.seed, args.seed + args.seeds))

    def reconstruct_many(masks: list[np.ndarray]) -> list[Reconstruction]:
        if view.fit == "tiles":
            return [predictor.reconstruct(m) for m in masks]
        return reconstruct_batch(predictor, [view] * len(masks), masks)  # equal counts: one batch

    points: list[Point] = []
    with progress(len(args.ratios) * len(seeds), "sweep", unit="mask") as bar:
        for chunk in sweep(view.grid, args.ratios, seeds, reconstruct_many, args.batch_size):
            points.extend(chunk)
            bar.update(len(chunk))
    rows = summarize(points)
    files = _csv_files(points, rows, raw_csv, summary_csv)
    plot_error = None
    if not args.no_plot:
        plot_error = _add_plot(files, plot_png, rows, args, model.name, len(seeds))
    write_set(files, args.overwrite)  # the CSV files and the plot: all or none
    print(_table(rows))
    wrote = ", ".join(map(shown_path, files))
    print(
        f"model {printable(model.name)} on {device} ({predictor.variant.name}), fit {view.fit} "
        f"({view.grid} patches); wrote {wrote}"
    )
    if plot_error:
        from .progress import say

        say(f"mae-studio sweep: {plot_error} (the CSV files are written; --no-plot skips the plot)")
        return 1
    return 0


def _add_plot(
    files: dict[Path, bytes],
    plot_png: Path,
    rows: list[dict[str, float]],
    args: argparse.Namespace,
    model_name: str,
    seeds: int,
) -> str | None:
    """Put the plot's PNG into `files`; the reason when it cannot be drawn."""
    from mae_studio.core.names import printable

    from .sweep_plot import PlotUnavailable, plot_sweep

    plural = "s" if seeds > 1 else ""
    title = args.title or f"{printable(args.image.name)} · {model_name} · {seeds} seed{plural}"
    try:
        files[plot_png] = plot_sweep(rows, printable(title), training_ratio=MAE_TRAINING_RATIO)
    except PlotUnavailable as e:
        return str(e)
    return None


def _refuse_existing(paths: list[Path], overwrite: bool) -> None:
    from .options import UsageError

    existing = [p for p in paths if p.exists()]
    if existing and not overwrite:
        from mae_studio.core.names import shown_path

        raise UsageError(f"{shown_path(existing[0])} exists (pass --overwrite to replace it)")


def _csv_text(header: list[str], rows: list[list[object]]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    for row in rows:
        w.writerow(["" if isinstance(v, float) and not math.isfinite(v) else v for v in row])
    return buf.getvalue()


def _csv_files(
    points: list[Point], rows: list[dict[str, float]], raw: Path, summary: Path
) -> dict[Path, bytes]:
    raw_text = _csv_text(
        ["mask_ratio", "seed", "masked_patches", "num_patches", "masked_mse", "masked_psnr_db"],
        [[p.ratio, p.seed, p.masked, p.total, p.mse, p.psnr] for p in points],
    )
    header = list(rows[0])
    summary_text = _csv_text(header, [[r[h] for h in header] for r in rows])
    return {raw: raw_text.encode("utf-8"), summary: summary_text.encode("utf-8")}


def _table(rows: list[dict[str, float]]) -> str:
    from .outputs import fmt, table

    return table(
        ["ratio", "masked", "MSE mean", "MSE std", "PSNR mean dB", "PSNR std"],
        [
            [
                f"{r['mask_ratio']:.2f}",
                f"{r['masked_patches']}/{r['num_patches']}",
                fmt(r["mse_mean"], ".5f"),
                fmt(r["mse_std"], ".5f"),
                fmt(r["psnr_mean"], ".2f"),
                fmt(r["psnr_std"], ".2f"),
            ]
            for r in rows
        ],
    )
