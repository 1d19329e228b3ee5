"""`mae-studio bench`: latency of every inference path, per architecture, mask ratio and device.

Parsers are built on every `mae-studio` call: torch is imported inside the handler only.
"""

from __future__ import annotations

import argparse
import platform
import sys
from pathlib import Path

from mae_studio.core.errors import MaeStudioError
from mae_studio.core.files import require_checkpoint_path
from mae_studio.core.places import SAMPLES

from . import arg_types
from .options import CHECKPOINT_HELP, fetch_model

DEFAULT_START_PHOTO = SAMPLES / "chelsea_cat.jpg"

RUNS = arg_types.int_range(1, 10_000)
WARMUP = arg_types.int_range(0, 1_000)
THREADS = arg_types.int_range(1, 1024)

ARCHS = {"base": "vit_base_patch16", "large": "vit_large_patch16", "huge": "vit_huge_patch14"}
QUICK_ARCHS, QUICK_RATIOS = "base,default", "0.75"  # `mae-studio bench`: done in a minute or two
FULL_ARCHS, FULL_RATIOS = "base,large,huge,default", "0.5,0.75,0.9"  # --full
# On a CPU, models above this many parameters get fewer runs by default (ViT-L/H take seconds each).
BIG_MODEL_PARAMS = 200_000_000
BIG_MODEL_CPU_RUNS, BIG_MODEL_CPU_WARMUP = 5, 1


class BenchError(MaeStudioError):
    """A bench option that cannot be used, and why."""


def _csv(text: str) -> list[str]:
    return [t.strip() for t in text.split(",") if t.strip()]


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "bench",
        help="time reconstructions per architecture, mask ratio, device and precision",
        description="Latency (median, min-max) of each inference path, measured interleaved in one run: "
        "the reference-style float32 code, the encoder over all tokens, exact, fast, and extra variants; "
        "speed-ups against exact, errors against exact's prediction. Random weights for the presets.",
    )
    p.add_argument(
        "--arch",
        default=None,
        help="comma list of base, large, huge (random weights) and default (the shipped model); "
        f"default: {QUICK_ARCHS} ({FULL_ARCHS} with --full)",
    )
    p.add_argument(
        "--full",
        action="store_true",
        help=f"the whole matrix: --arch {FULL_ARCHS} --ratios {FULL_RATIOS} (tens of minutes on a "
        "small CPU); without it the bench takes a minute or two",
    )
    p.add_argument(
        "--checkpoint",
        action="append",
        default=[],
        metavar="MODEL",
        help="also bench this model: " + CHECKPOINT_HELP,
    )
    p.add_argument(
        "--ratios",
        default=None,
        help=f"removed fractions (default: {QUICK_RATIOS}; {FULL_RATIOS} with --full)",
    )
    p.add_argument("--device", default="auto", help="auto (CPU, plus CUDA when present), cpu, cuda, cpu,cuda")
    p.add_argument(
        "--runs",
        type=RUNS,
        default=None,
        help=f"timed runs per path, {RUNS.range} (default 20; on a CPU {BIG_MODEL_CPU_RUNS} for models over "
        f"{BIG_MODEL_PARAMS // 1_000_000}M parameters, shown in the runs column)",
    )
    p.add_argument(
        "--warmup",
        type=WARMUP,
        default=None,
        help=f"untimed runs first, {WARMUP.range} (default 3; 1 for big models on CPU)",
    )
    p.add_argument(
        "--variants",
        default="",
        help="extra precision variants to time: bf16, bf16-autocast, int8, tf32 (comma list)",
    )
    p.add_argument(
        "--threads", type=THREADS, default=None, help=f"CPU threads, {THREADS.range} (default: every core)"
    )
    p.add_argument("--no-baselines", action="store_true", help="skip reference-style and all-tokens rows")
    p.add_argument(
        "--fits",
        type=Path,
        default=None,
        metavar="PHOTO",
        help="instead: the latency of each fit (crop, whole, tiles) on PHOTO, exact and fast, for the "
        "shipped model (or --arch / --checkpoint): set_image (a new photo) and reconstruct (a new mask)",
    )
    p.add_argument(
        "--start",
        type=Path,
        nargs="?",
        const=DEFAULT_START_PHOTO,
        default=None,
        metavar="PHOTO",
        help="instead: seconds from launching `mae-studio PHOTO` to the window's first paint and first "
        "reconstruction, each launch a fresh process (median of --runs, default 5; PHOTO: a sample)",
    )
    p.add_argument(
        "--baseline",
        type=Path,
        default=None,
        metavar="DIR",
        help="with --start or --load: also time the checkout in DIR (`git worktree add DIR COMMIT`)",
    )
    p.add_argument(
        "--load",
        type=Path,
        action="append",
        default=[],
        metavar="CKPT",
        help="instead: load time, peak memory and file size of loading CKPT (each load a fresh process)",
    )
    p.add_argument(
        "--ops",
        action="store_true",
        help="instead: where exact's and fast's CPU time goes, per ONNX Runtime operator type over the "
        "transformer blocks and outside them, per prediction (--arch, default base,default; first of "
        "--ratios; --runs, default 10)",
    )
    p.add_argument(
        "--seed",
        type=arg_types.seed,
        default=0,
        help=f"seed of the random weights and masks, {arg_types.seed.range}",
    )
    p.set_defaults(func=run_bench)


def _devices(spec: str) -> list[str]:
    import torch

    if spec == "auto":
        return ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    devices = _csv(spec)
    for d in devices:
        if d.startswith("cuda") and not torch.cuda.is_available():
            raise BenchError(f"--device {d}: no CUDA device here")
    return devices


def _models(args: argparse.Namespace) -> list[tuple[str, object]]:
    """(label, loader) pairs; a loader builds the model when its turn comes (one in memory)."""

    from mae_studio.core import DEFAULT_WEIGHTS, PRESETS, load_model
    from mae_studio.core.bench import random_preset

    def preset(key: str):
        return lambda: random_preset(key, args.seed)

    out: list[tuple[str, object]] = []
    for name in _csv(args.arch):
        if name in ARCHS:
            out.append((PRESETS[ARCHS[name]].name + " (random)", preset(ARCHS[name])))
        elif name == "default":
            if DEFAULT_WEIGHTS.exists():
                out.append(("default model", lambda: load_model(None)))
            else:
                print(f"note: {DEFAULT_WEIGHTS} does not exist yet; default model skipped", file=sys.stderr)
        else:
            raise BenchError(f"--arch {name!r}: use base, large, huge or default")
    for spec in args.checkpoint:
        fetched = fetch_model(spec)
        label = fetched.path.name if fetched.source.kind == "path" else spec
        path = require_checkpoint_path(fetched.path)  # a FIFO would block the reader
        out.append((label, lambda f=fetched, p=path: load_model(p, **f.source.overrides())))
    return out


def run_start_bench(args: argparse.Namespace) -> int:
    """`bench --start [PHOTO]`: the start-time table (see cli/start_bench.py)."""
    from .start_bench import bench_start, format_start_table

    runs = args.runs or 5
    print(f"mae-studio bench --start: {args.start.name}, {runs} launches per tree; CPU: {_cpu_name()}")
    results = bench_start(args.start, runs, args.baseline)
    trees = {"this tree": str(Path(__file__).resolve().parents[2]), "baseline": str(args.baseline)}
    print(format_start_table(results, trees))
    print(
        "first paint: process start to the main window's first paint event; first result: to the first\n"
        "reconstruction shown (the model loaded on the worker thread). Medians of fresh processes."
    )
    return 0


def run_load_bench(args: argparse.Namespace) -> int:
    """`bench --load CKPT`: the checkpoint-load table (see core/load_bench.py)."""
    from mae_studio.core.load_bench import bench_load, format_load_table

    runs = args.runs or 3
    trees = {"this tree": Path(__file__).resolve().parents[2]}
    if args.baseline is not None:
        trees["baseline"] = args.baseline
    print(f"mae-studio bench --load: {runs} fresh processes per file and tree; CPU: {_cpu_name()}")
    rows = [row for path in args.load for row in bench_load(require_checkpoint_path(path), runs, trees)]
    print(format_load_table(rows))
    print(
        "load: load_checkpoint on the CPU (checks, model, check reconstruction); RSS before: the process\n"
        "with torch imported; added: peak RSS (ru_maxrss) minus RSS before. Medians of fresh processes."
    )
    return 0


def _cpu_name() -> str:
    """The CPU's model name (/proc/cpuinfo), without importing torch."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            names = [line.split(":", 1)[1].strip() for line in f if line.startswith("model name")]
    except OSError:
        names = []
    return names[0] if names else platform.processor() or platform.machine()


def run_bench(args: argparse.Namespace) -> int:
    import torch

    from mae_studio.core import fast_choice
    from mae_studio.core.bench import STREAM_WIDTHS, STROKE_SHARE, bench_model, format_table
    from mae_studio.core.precision import VARIANTS, describe_cpu, resolve
    from mae_studio.core.threads import configure_threads

    if args.fits is not None:
        return run_fit_bench(args)
    if args.start is not None:
        return run_start_bench(args)
    if args.load:
        return run_load_bench(args)
    if args.ops:
        return run_op_bench(args)
    if args.arch is None:
        args.arch = FULL_ARCHS if args.full else QUICK_ARCHS
    if args.ratios is None:
        args.ratios = FULL_RATIOS if args.full else QUICK_RATIOS
    try:
        ratios = [float(r) for r in _csv(args.ratios)]
    except ValueError as e:
        raise BenchError(f"--ratios {args.ratios!r}: {e}") from e
    if any(not 0 <= r <= 1 for r in ratios):
        raise BenchError("--ratios must lie in [0, 1]")
    variants = _csv(args.variants)
    for v in variants:
        if v not in VARIANTS:
            raise BenchError(f"--variants {v!r}: use {', '.join(VARIANTS)}")
    devices = _devices(args.device)
    threads = configure_threads(interactive=False, threads=args.threads)

    print(f"mae-studio bench: batch 1; torch {torch.__version__}; Python {platform.python_version()}")
    print(f"CPU: {describe_cpu()} (set: {threads})")
    if not args.full:
        print(f"--arch {args.arch} --ratios {args.ratios} (`mae-studio bench --full`: every model and ratio)")
    for d in devices:
        dev = torch.device(d)
        if dev.type == "cuda":
            print(f"GPU: {torch.cuda.get_device_name(dev)}")
        if dev.type == "cpu":
            print(
                f"fast on cpu: measured per architecture at first use, cached in {fast_choice.cache_path()}"
            )
        else:
            print(f"fast on {d}: {resolve('fast', dev).name} ({resolve('fast', dev).reason})")
    sys.stdout.flush()

    fast_choices: dict[str, str] = {}  # "label on device" -> fast's variant and why

    def progress(line: str) -> None:
        print(f"... {line}", file=sys.stderr, flush=True)
        where, found, what = line.partition(": fast is ")
        if found:
            fast_choices[where] = what

    rows = []
    for label, build in _models(args):
        model = build()
        big = sum(p.numel() for p in model.parameters()) > BIG_MODEL_PARAMS
        for d in devices:
            dev = torch.device(d)
            small_cpu_run = big and dev.type == "cpu"
            runs = args.runs or (BIG_MODEL_CPU_RUNS if small_cpu_run else 20)
            warmup = (
                args.warmup if args.warmup is not None else (BIG_MODEL_CPU_WARMUP if small_cpu_run else 3)
            )
            for ratio in ratios:  # each group printed as soon as it is measured
                group = bench_model(
                    model,
                    label,
                    dev,
                    [ratio],
                    variants,
                    runs=runs,
                    warmup=warmup,
                    baselines=not args.no_baselines,
                    seed=args.seed,
                    progress=progress,
                )
                print(format_table(group, header=not rows, min_widths=STREAM_WIDTHS))
                print(flush=True)
                rows += group
        del model
    print(
        "speed-up: exact's median / the row's median, same run, calls interleaved round-robin.\n"
        "exact / fast / variants time Predictor.predict (model only; per-image work is done in set_image);\n"
        "'reconstruct()' rows add images and error maps (what the GUI gets); reference-style and all-tokens\n"
        "rows time a whole model forward (image embedding included).\n"
        "rel L2: ||pred - exact pred|| / ||exact pred||; dPSNR: masked PSNR minus exact's (dB).\n"
        "'preview, decoder only' rows: what a brush stroke shows on a slow model, the decoder alone on the\n"
        f"exact encoder output of the mask before a stroke that removed {STROKE_SHARE:.0%} of the patches; "
        "errors against exact's full run.\n"
        "Fewer runs than 20 (runs column) only for models over "
        f"{BIG_MODEL_PARAMS // 1_000_000}M parameters on a CPU, unless --runs says otherwise."
    )
    print("fast, as chosen on this machine:")
    for where, what in fast_choices.items():
        print(f"  {where}: {what}")
    return 0


def run_op_bench(args: argparse.Namespace) -> int:
    """`bench --ops`: per model, exact's and fast's time per ONNX Runtime operator type and outside."""
    import torch

    from mae_studio.core import ort_blocks
    from mae_studio.core.op_bench import format_op_table, profile_ops, summary
    from mae_studio.core.precision import describe_cpu
    from mae_studio.core.threads import configure_threads

    if not ort_blocks.available():
        raise BenchError("--ops: onnxruntime is not installed here (every block runs on torch)")
    if args.arch is None:
        args.arch = "" if args.checkpoint else QUICK_ARCHS
    try:
        ratio = float(_csv(args.ratios or QUICK_RATIOS)[0])
    except ValueError as e:
        raise BenchError(f"--ratios {args.ratios!r}: {e}") from e
    if not 0 <= ratio <= 1:
        raise BenchError("--ratios must lie in [0, 1]")
    threads = configure_threads(interactive=False, threads=args.threads)
    print(f"mae-studio bench --ops: batch 1, {ratio:.0%} removed, on the CPU")
    print(f"torch {torch.__version__}, onnxruntime {ort_blocks.version()}")
    print(f"CPU: {describe_cpu()} (set: {threads})")
    for label, build in _models(args):
        model = build()
        warmup = 2 if args.warmup is None else args.warmup
        profile = profile_ops(model, label, ratio, runs=args.runs or 10, warmup=warmup, seed=args.seed)
        blocks = len(model.blocks) + len(model.decoder_blocks)
        on = ", ".join(f"{path} {n} of {blocks}" for path, n in profile.blocks_on_ort.items())
        print(f"\n{label}: blocks on ONNX Runtime: {on}")
        print(format_op_table(profile))
        print("\n".join(summary(profile)), flush=True)
        del model
    print(
        "\nOperator rows: ONNX Runtime's profiler, summed over the blocks, mean per prediction. The\n"
        "profiler adds time of its own: 'whole prediction' here is a few percent (small models more)\n"
        "above `mae-studio bench`'s. 'outside ONNX Runtime': patch embedding, gathers, the decoder's\n"
        "input and output layers, norms, blocks ONNX Runtime does not run, and Python."
    )
    return 0


def run_fit_bench(args: argparse.Namespace) -> int:
    """`bench --fits PHOTO`: a table per model and device of each fit's latency."""
    import torch

    from mae_studio.core.fit_bench import bench_fits, format_fit_table
    from mae_studio.core.images import load_image
    from mae_studio.core.precision import describe_cpu
    from mae_studio.core.predictor import Predictor
    from mae_studio.core.threads import configure_threads

    if args.arch is None:
        args.arch = "" if args.checkpoint else "default"
    image = load_image(args.fits)
    threads = configure_threads(interactive=False, threads=args.threads)
    ratio = float(_csv(args.ratios or "0.75")[0])
    print(f"mae-studio bench --fits: {args.fits.name} ({image.width}x{image.height}), {ratio:.0%} removed")
    print(f"torch {torch.__version__}; CPU: {describe_cpu()} (set: {threads})")
    for label, build in _models(args):
        model = build()
        for d in _devices(args.device):
            rows, timed = [], set()
            for precision in ("exact", "fast"):
                predictor = Predictor(model, torch.device(d), precision, cuda_graphs=False)
                if predictor.variant.name in timed:  # fast chose float32 for this model: one set of rows
                    print(f"fast on {d} for {label}: {predictor.variant.name} ({predictor.variant.reason})")
                    continue
                timed.add(predictor.variant.name)
                runs = args.runs or 5
                warmup = 1 if args.warmup is None else args.warmup
                rows += bench_fits(predictor, image, ratio=ratio, runs=runs, warmup=warmup, seed=args.seed)
            print(f"\n{label} on {d}")
            print(format_fit_table(rows), flush=True)
        del model
    print(
        "\nset_image: a new photo (the fit's view, normalization, patch embedding; tiles: every tile's);\n"
        "reconstruct: a new mask (model and images at the fit's resolution; tiles in batches of equal\n"
        "removed count, blended); medians; PSNR over the removed patches of the last mask."
    )
    return 0
