"""`mae-studio train DATA_DIR... --out DIR`: train an MAE on folders of photos."""

from __future__ import annotations

import argparse
import os
from pathlib import Path


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
    a.add_argument("--img-size", type=int, default=224)
    a.add_argument("--patch-size", type=int, default=16)
    for flag in (
        "embed-dim",
        "depth",
        "num-heads",
        "decoder-embed-dim",
        "decoder-depth",
        "decoder-num-heads",
    ):
        a.add_argument(f"--{flag}", type=int, default=None, help="override the preset")
    t = p.add_argument_group("recipe")
    t.add_argument("--steps", type=int, default=None, help="optimizer steps (default: fit --minutes)")
    t.add_argument("--stop-at", type=int, default=None, help="end this run at this step (resume later)")
    t.add_argument("--minutes", type=float, default=None, help="wall-clock budget of this run")
    t.add_argument("--batch-size", type=int, default=r.batch_size)
    t.add_argument("--lr", type=float, default=r.lr, help=f"peak learning rate (default {r.lr})")
    t.add_argument("--min-lr", type=float, default=r.min_lr)
    t.add_argument("--warmup-frac", type=float, default=r.warmup_frac)
    t.add_argument("--weight-decay", type=float, default=r.weight_decay)
    t.add_argument("--clip-grad", type=float, default=r.clip_grad, help="max grad norm (0: off)")
    t.add_argument("--mask-ratio", type=float, default=r.mask_ratio)
    t.add_argument("--crop-scale", type=float, nargs=2, default=r.crop_scale, metavar=("MIN", "MAX"))
    t.add_argument("--short-side", type=int, default=r.short_side, help="decoded image shorter side")
    t.add_argument("--seed", type=int, default=r.seed)
    o = p.add_argument_group("run")
    o.add_argument("--resume", action="store_true", help="continue from OUT/train_state.pt")
    o.add_argument(
        "--init-from",
        type=Path,
        default=None,
        metavar="CHECKPOINT",
        help="start from these weights (same architecture) with a new optimizer and schedule",
    )
    o.add_argument("--save-every", type=float, default=10.0, help="minutes between checkpoints")
    o.add_argument("--save-every-steps", type=int, default=None)
    o.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:1, ...")
    o.add_argument("--threads", type=int, default=None, help="CPU threads (torch.set_num_threads)")
    o.add_argument("--compile", action="store_true", help="torch.compile the model")
    o.add_argument("--no-bf16", action="store_true", help="full fp32 on a GPU")
    o.add_argument("--cache", type=Path, default=None, help="folder for the decoded-image cache")
    o.add_argument("--log-every", type=int, default=25, help="steps between lines of train_log.jsonl")
    o.add_argument("--no-progress", action="store_true")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from mae_studio.train.recipe import Recipe, build_config
    from mae_studio.train.trainer import RunOptions, describe, train

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
        from mae_studio.train.trainer import TrainError

        raise TrainError(str(e)) from e
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
