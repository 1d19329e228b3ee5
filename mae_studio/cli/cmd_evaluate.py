"""`mae-studio evaluate PHOTO_DIR`: masked PSNR of a model against OpenCV inpainting and mean fill."""

from __future__ import annotations

import argparse
from pathlib import Path

from mae_studio.core.results import FITS

from . import arg_types
from .arg_types import with_range
from .options import CHECKPOINT_HELP, TOKENS

RATIO = arg_types.float_range(0.0, 1.0, low_open=True, high_open=True)
EXAMPLES = arg_types.int_range(0, 64)
THREADS = arg_types.int_range(1, 1024)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "evaluate",
        help="masked-patch PSNR of a model vs OpenCV inpainting and mean-colour fill",
        description="Resize + centre-crop every photo to the model input, remove patches with fixed "
        "reproducible random masks (one per seed), and measure the PSNR over the removed patches of "
        "the model and, on the same masks, OpenCV Telea / Navier-Stokes inpainting and mean-colour "
        "fill. Prints a table; with --out writes eval.json and eval_examples.png.",
    )
    p.add_argument("photo_dir", type=Path, metavar="PHOTO_DIR", help="folder of held-out photos")
    p.add_argument(
        "--checkpoint", default=None, metavar="MODEL", help=CHECKPOINT_HELP + " (default: the shipped model)"
    )
    p.add_argument(
        "--mask-ratio",
        dest="mask_ratio",
        type=RATIO,
        default=0.75,
        metavar="R",
        help=with_range("share of patches removed", RATIO, 0.75),
    )
    # the earlier name, kept working but not shown: every command says --mask-ratio
    p.add_argument("--ratio", dest="mask_ratio", type=RATIO, help=argparse.SUPPRESS)
    p.add_argument(
        "--fit",
        choices=FITS,
        default="crop",
        help="how each photo meets the model: crop (the centre square, default), whole (the photo at "
        "its aspect) or tiles (full resolution; Telea and Navier-Stokes take minutes on large photos)",
    )
    p.add_argument("--tokens", type=TOKENS, default=None, metavar="N", help="--fit whole: at most N patches")
    p.add_argument(
        "--seeds",
        type=arg_types.seed,
        nargs="+",
        default=[0, 1, 2],
        help=with_range("mask seeds, each", arg_types.seed, "0 1 2"),
    )
    p.add_argument(
        "--methods",
        default="model,telea,ns,mean",
        help="comma list of model, telea, ns, mean (default: all)",
    )
    p.add_argument("--out", type=Path, default=None, help="folder for eval.json and eval_examples.png")
    p.add_argument(
        "--examples", type=EXAMPLES, default=4, help=with_range("photos in the example grid", EXAMPLES, 4)
    )
    p.add_argument("--device", default="cpu", help="cpu, cuda, mps or auto (default cpu)")
    p.add_argument(
        "--threads",
        type=THREADS,
        default=None,
        help=with_range("CPU threads (torch.set_num_threads)", THREADS),
    )
    p.add_argument("--no-progress", action="store_true")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import torch

    from mae_studio.train.evaluate import EvalError, EvalOptions, evaluate, format_table, write_outputs

    from .options import load_predictor, resolve_device

    if not 0.0 < args.mask_ratio < 1.0:
        raise EvalError(f"--mask-ratio must be between 0 and 1 (exclusive), got {args.mask_ratio}")
    if args.threads:
        torch.set_num_threads(args.threads)
    methods = tuple(m.strip() for m in args.methods.split(",") if m.strip())
    predictor = load_predictor(args.checkpoint, resolve_device(args.device)).predictor
    predictor.prepare_runtime()  # many runs: worth ONNX Runtime's session build on wide models
    opts = EvalOptions(
        photo_dir=args.photo_dir,
        ratio=args.mask_ratio,
        fit=args.fit,
        tokens=args.tokens,
        seeds=tuple(args.seeds),
        methods=methods,
        examples=args.examples,
        progress=not args.no_progress,
    )
    result = evaluate(predictor, opts)
    result.report["checkpoint"] = str(args.checkpoint) if args.checkpoint else "default"
    print(format_table(result.report))
    if args.out is not None:
        for path in write_outputs(result, args.out):
            print(f"wrote {path}")
    return 0
