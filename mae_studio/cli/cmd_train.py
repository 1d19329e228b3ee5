"""`mae-studio train DATA_DIR... --out DIR`: train an MAE on folders of photos."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from . import arg_types
from .arg_types import float_range, int_range, with_range

# Ranges checked when the arguments are parsed (shown in --help). The architecture's are those
# a CPU or one GPU can train; core.config checks divisibility and its own, wider, bounds.
IMG = int_range(16, 1024)
PATCH = int_range(2, 64)
WIDTH = int_range(8, 4096)
DEPTH = int_range(1, 64)
HEADS = int_range(1, 64)
STEPS = int_range(1, 100_000_000)
MINUTES = float_range(0.05, 7 * 24 * 60)  # 3 s to a week
BATCH = int_range(1, 4096)
LR = float_range(0.0, 1.0, low_open=True)
MIN_LR = float_range(0.0, 1.0)
FRACTION = float_range(0.0, 1.0)
DECAY = float_range(0.0, 10.0)
CLIP = float_range(0.0, 1e6)
MASK_RATIO = float_range(0.0, 1.0, low_open=True, high_open=True)  # some removed, some kept
CROP = float_range(0.0, 1.0, low_open=True)
SHORT = int_range(16, 4096)
SAVE_MINUTES = float_range(0.0, 1e6, low_open=True)
THREADS = int_range(1, 1024)


def register(sub: argparse._SubParsersAction) -> None:
    from mae_studio.train.recipe import ARCHS, Recipe

    r = Recipe()
    p = sub.add_parser(
        "train",
        help="train a Masked Autoencoder on folders of images",
        description="Train an MAE (pixel targets) on folders of images. Give a time budget "
        "(--minutes: the cosine schedule is planned on the steps that fit) or a step count (--steps, "
        "reproducible with --seed). Multi-GPU: torchrun --nproc-per-node N -m mae_studio train ...",
    )
    p.add_argument("data_dirs", nargs="+", type=Path, metavar="DATA_DIR", help="folders of images")
    p.add_argument("--out", type=Path, required=True, help="output folder (checkpoints, state, log)")
    a = p.add_argument_group("architecture")
    a.add_argument("--arch", choices=sorted(ARCHS), default="tiny", help="preset (default: tiny)")
    a.add_argument("--img-size", type=IMG, default=224, help=with_range("input side in pixels", IMG, 224))
    a.add_argument(
        "--patch-size", type=PATCH, default=16, help=with_range("patch side; divides --img-size", PATCH, 16)
    )
    for flag, kind in (
        ("embed-dim", WIDTH),
        ("depth", DEPTH),
        ("num-heads", HEADS),
        ("decoder-embed-dim", WIDTH),
        ("decoder-depth", DEPTH),
        ("decoder-num-heads", HEADS),
    ):
        a.add_argument(f"--{flag}", type=kind, default=None, help=with_range("override the preset", kind))
    t = p.add_argument_group("recipe")
    t.add_argument(
        "--steps",
        type=STEPS,
        default=None,
        help=with_range("optimizer steps (default: fit --minutes)", STEPS),
    )
    t.add_argument(
        "--stop-at",
        type=STEPS,
        default=None,
        help=with_range("end this run at this step (resume later)", STEPS),
    )
    t.add_argument(
        "--minutes", type=MINUTES, default=None, help=with_range("wall-clock budget of this run", MINUTES)
    )
    t.add_argument(
        "--batch-size",
        type=BATCH,
        default=r.batch_size,
        help=with_range("images per step", BATCH, r.batch_size),
    )
    t.add_argument("--lr", type=LR, default=r.lr, help=with_range("peak learning rate", LR, r.lr))
    t.add_argument(
        "--min-lr", type=MIN_LR, default=r.min_lr, help=with_range("end of the cosine", MIN_LR, r.min_lr)
    )
    t.add_argument(
        "--warmup-frac",
        type=FRACTION,
        default=r.warmup_frac,
        help=with_range("share of the steps warming up", FRACTION, r.warmup_frac),
    )
    t.add_argument(
        "--weight-decay",
        type=DECAY,
        default=r.weight_decay,
        help=with_range("AdamW weight decay", DECAY, r.weight_decay),
    )
    t.add_argument(
        "--clip-grad",
        type=CLIP,
        default=r.clip_grad,
        help=with_range("max grad norm; 0: off", CLIP, r.clip_grad),
    )
    t.add_argument(
        "--mask-ratio",
        type=MASK_RATIO,
        default=r.mask_ratio,
        help=with_range("share of patches removed", MASK_RATIO, r.mask_ratio),
    )
    t.add_argument(
        "--crop-scale",
        type=CROP,
        nargs=2,
        default=r.crop_scale,
        metavar=("MIN", "MAX"),
        help=with_range("share of the image area a crop covers", CROP, " ".join(map(str, r.crop_scale))),
    )
    t.add_argument(
        "--short-side",
        type=SHORT,
        default=r.short_side,
        help=with_range("decoded image shorter side", SHORT, r.short_side),
    )
    t.add_argument(
        "--seed", type=arg_types.seed, default=r.seed, help=with_range("seed", arg_types.seed, r.seed)
    )
    o = p.add_argument_group("run")
    o.add_argument("--resume", action="store_true", help="continue from OUT/train_state.pt")
    o.add_argument(
        "--init-from",
        type=Path,
        default=None,
        metavar="CHECKPOINT",
        help="start from these weights (same architecture) with a new optimizer and schedule",
    )
    o.add_argument(
        "--save-every",
        type=SAVE_MINUTES,
        default=10.0,
        help=with_range("minutes between checkpoints", SAVE_MINUTES, 10),
    )
    o.add_argument(
        "--save-every-steps", type=STEPS, default=None, help=with_range("steps between checkpoints", STEPS)
    )
    o.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:1, ...")
    o.add_argument(
        "--threads",
        type=THREADS,
        default=None,
        help=with_range("CPU threads (torch.set_num_threads)", THREADS),
    )
    o.add_argument("--compile", action="store_true", help="torch.compile the model")
    o.add_argument("--no-bf16", action="store_true", help="full fp32 on a GPU")
    o.add_argument("--cache", type=Path, default=None, help="folder for the decoded-image cache")
    o.add_argument(
        "--log-every",
        type=STEPS,
        default=25,
        help=with_range("steps between lines of train_log.jsonl", STEPS, 25),
    )
    o.add_argument("--no-progress", action="store_true")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from mae_studio.core.files import require_checkpoint_path
    from mae_studio.core.masks import exact_count
    from mae_studio.train.recipe import Recipe, build_config
    from mae_studio.train.trainer import RunOptions, TrainError, describe, train

    try:
        config = build_config(
            args.arch,
            img_size=args.img_size,
            patch_size=args.patch_size,
            embed_dim=args.embed_dim,
            depth=args.depth,
            num_heads=args.num_heads,
            decoder_embed_dim=args.decoder_embed_dim,
            decoder_depth=args.decoder_depth,
            decoder_num_heads=args.decoder_num_heads,
        )
    except ValueError as e:
        raise TrainError(str(e)) from e
    low, high = args.crop_scale
    if low > high:
        raise TrainError(f"--crop-scale {low:g} {high:g}: MIN is larger than MAX")
    patches = config.num_patches
    kept = patches - exact_count(patches, args.mask_ratio)  # the one count rule (core.masks)
    if not 0 < kept < patches:
        raise TrainError(
            f"--mask-ratio {args.mask_ratio:g} keeps {kept} of {patches} patches; the encoder needs at "
            "least one and the loss at least one removed"
        )
    if args.init_from is not None:
        require_checkpoint_path(args.init_from)  # a FIFO would block the reader
    recipe = Recipe(
        batch_size=args.batch_size,
        lr=args.lr,
        min_lr=args.min_lr,
        warmup_frac=args.warmup_frac,
        weight_decay=args.weight_decay,
        clip_grad=args.clip_grad,
        mask_ratio=args.mask_ratio,
        crop_scale=tuple(args.crop_scale),
        short_side=args.short_side,
        seed=args.seed,
    )
    opts = RunOptions(
        data_dirs=list(args.data_dirs),
        out=args.out,
        config=config,
        recipe=recipe,
        steps=args.steps,
        minutes=args.minutes,
        stop_at=args.stop_at,
        save_every_minutes=args.save_every,
        save_every_steps=args.save_every_steps,
        resume=args.resume,
        init_from=args.init_from,
        device=args.device,
        threads=args.threads,
        compile=args.compile,
        bf16=False if args.no_bf16 else None,
        cache=args.cache,
        log_every=args.log_every,
        progress=not args.no_progress,
    )
    main = os.environ.get("RANK", "0") == "0"  # under torchrun, one process reports
    if main:
        print(describe(opts), flush=True)
    result = train(opts)
    if main:
        print(
            f"trained {result.step}/{result.total_steps} steps in {result.seconds / 60:.1f} min "
            f"({result.images_per_second:.1f} img/s), loss {result.final_loss:.4f} -> {result.checkpoint}"
        )
    return 0
