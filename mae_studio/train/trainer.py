"""The training loop: one process, or one per GPU under torchrun (torch.distributed).

A run is planned in steps. With only a time budget (`minutes`), a few probe steps measure the
step time, the cosine is planned on the steps that fit, and the plan is re-fitted every
`replan_every` steps to the time really left, so the schedule ends when the budget does even
when the machine is shared or paused. A fixed `steps` count makes a run reproducible.
"""

from __future__ import annotations

import hashlib
import json
import math
import signal
import threading
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import torch
import torch.distributed as dist
from torch import Tensor

from mae_studio.core.checkpoints import CheckpointError, read_checkpoint, save_checkpoint
from mae_studio.core.config import MAEConfig
from mae_studio.core.errors import MaeStudioError
from mae_studio.core.masks import exact_count
from mae_studio.core.model import MaskedAutoencoderViT

from .data import CropRecipe, ImageBank, crop_batch, find_images, manifest_hash
from .distributed import agree, batch_mean, check_ranks_agree, dist_info, pick_device, weights_digest
from .recipe import Recipe, lr_at, make_optimizer, warmup_steps

STATE_FILE = "train_state.pt"  # model + optimizer + RNG: what --resume reads
LAST_FILE = "last.safetensors"  # the newest periodic checkpoint, loadable by the app
FINAL_FILE = "model.safetensors"
FINAL_FP16_FILE = "model-fp16.safetensors"
LOG_FILE = "train_log.jsonl"


class TrainError(MaeStudioError):
    """A training run that cannot start or resume."""


@dataclass
class RunOptions:
    data_dirs: list[Path]
    out: Path
    config: MAEConfig
    recipe: Recipe = field(default_factory=Recipe)
    steps: int | None = None  # planned optimizer steps (reproducible); else from `minutes`
    minutes: float | None = None  # wall-clock budget of this invocation, decoding excluded
    stop_at: int | None = None  # end this invocation at this step (the plan stays `steps`)
    save_every_minutes: float = 10.0
    save_every_steps: int | None = None
    resume: bool = False
    init_from: Path | None = None  # start from these weights (same architecture), new optimizer and plan
    device: str = "auto"
    threads: int | None = None
    compile: bool = False
    bf16: bool | None = None  # None: on CUDA only
    cache: Path | None = None  # decoded-image cache (.npz), reused when the manifest matches
    log_every: int = 25
    probe_steps: int = 6
    replan_every: int = 50
    progress: bool = True


@dataclass
class TrainResult:
    step: int
    total_steps: int
    final_loss: float  # running mean of the loss of the whole batch (all ranks)
    images_per_second: float
    seconds: float
    checkpoint: Path
    weights_sha256: str = ""  # of the final weights; every rank of a run has the same


def _load_bank(opts: RunOptions, manifest: str, files: list, rank: int) -> ImageBank:
    cache = opts.cache
    short = opts.recipe.short_side
    if cache is not None:
        cache = cache / f"bank-{manifest[:16]}-{short}.npz" if cache.suffix != ".npz" else cache
        if cache.is_file():
            return ImageBank.load(cache)
    bank = ImageBank.from_files(files, short, progress=opts.progress and rank == 0)
    if cache is not None and rank == 0:
        bank.save(cache)
    return bank


def train(opts: RunOptions) -> TrainResult:
    if opts.steps is None and opts.minutes is None and not opts.resume:
        raise TrainError("give a step count (--steps) or a time budget (--minutes)")
    if opts.steps is not None and opts.steps < 1:
        raise TrainError(f"--steps must be at least 1 (got {opts.steps})")
    if opts.minutes is not None and not 0 < opts.minutes < math.inf:  # nan too
        raise TrainError(f"--minutes must be more than 0 (got {opts.minutes})")
    if opts.resume and opts.init_from is not None:
        raise TrainError("--resume continues a run and --init-from starts a new one: give one of them")
    rank, world, local_rank = dist_info()
    device = pick_device(opts.device, local_rank)
    if world > 1:
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    if device.type == "cuda":
        torch.cuda.set_device(device)
        torch.backends.cuda.matmul.allow_tf32 = True
    if opts.threads:
        torch.set_num_threads(opts.threads)
    recipe, cfg = opts.recipe, opts.config
    if recipe.batch_size % world:
        raise TrainError(f"batch size {recipe.batch_size} does not split over {world} processes")
    per_rank = recipe.batch_size // world
    use_bf16 = device.type == "cuda" if opts.bf16 is None else opts.bf16
    main = rank == 0

    files = find_images(opts.data_dirs)
    manifest = manifest_hash(files)
    bank = _load_bank(opts, manifest, files, rank).to(device)
    crops = CropRecipe(cfg.img_size, recipe.crop_scale, recipe.crop_ratio, recipe.hflip)

    torch.manual_seed(recipe.seed)
    model = MaskedAutoencoderViT(cfg)
    model.init_weights()
    init_meta = _init_from(opts.init_from, model, cfg) if opts.init_from is not None else {}
    model.to(device).train()
    optimizer = make_optimizer(model, recipe, device)
    gen = torch.Generator().manual_seed(recipe.seed * 1000 + rank)  # crops, flips, masks
    step, total_steps, trained_seconds = 0, opts.steps or 0, 0.0
    opts.out.mkdir(parents=True, exist_ok=True)
    state_path = opts.out / STATE_FILE
    if opts.resume:
        step, total_steps, trained_seconds = _resume(state_path, model, optimizer, gen, cfg, manifest, rank)
        if opts.steps is not None:
            total_steps = opts.steps
    fwd: torch.nn.Module = model
    if world > 1:
        fwd = torch.nn.parallel.DistributedDataParallel(
            model, device_ids=[device.index] if device.type == "cuda" else None
        )
    if opts.compile:
        fwd = torch.compile(fwd)

    meta_base = {
        "data_manifest_sha256": manifest,
        "data_images": str(len(files)),
        "data_dirs": json.dumps([Path(d).name for d in opts.data_dirs]),
        "seed": str(recipe.seed),
        "recipe": recipe.to_json(),
        "device": device.type,
        "world_size": str(world),
        **init_meta,
    }
    # A resumed run with a new time budget keeps its place and re-fits the rest of its plan.
    planned_by_time = opts.steps is None and opts.minutes is not None
    if device.type == "cpu":
        bank.pil_images()  # made once before the clock starts, so the probe times only steps
    first_step = step
    start = time.monotonic()
    deadline = start + opts.minutes * 60 if opts.minutes is not None else None
    last_save = start
    window_t, window_step = start, step
    bar = None
    if main and opts.progress:
        from tqdm import tqdm

        bar = tqdm(initial=step, total=total_steps or None, unit="step", dynamic_ncols=True, mininterval=2)
    log_f = (opts.out / LOG_FILE).open("a", encoding="utf-8") if main else None
    loss_avg, rate = float("nan"), 0.0
    L = cfg.num_patches
    removed = exact_count(L, recipe.mask_ratio)  # the one count rule, as the app's masks
    stop = _StopOnSignal()  # SIGTERM / SIGINT: finish the step, save everything, return
    try:
        while True:
            if agree(int(stop.requested), device, world):
                break
            now = time.monotonic()
            if planned_by_time and deadline is not None:
                done_probe = step - window_step >= opts.probe_steps and total_steps == 0
                if done_probe or (total_steps and (step - window_step) >= opts.replan_every):
                    # The mean over this whole run, pauses included: a shared machine's pace.
                    per_step = (now - start) / max(1, step - first_step)
                    fit = step + int(max(0.0, deadline - now) / per_step)
                    total_steps = agree(max(step + 1, fit), device, world)
                    window_t, window_step = now, step
                    if bar is not None:
                        bar.total = total_steps
            if step >= max(total_steps, 1) and total_steps:
                break
            if opts.stop_at is not None and step >= opts.stop_at:
                break
            if deadline is not None and agree(int(now >= deadline), device, world):
                break
            plan = total_steps or 10_000  # probing: a small lr, the first steps of a long warm-up
            at = step
            if planned_by_time and deadline is not None and total_steps:
                # Never behind the clock: the cosine reaches min_lr at the deadline even when the
                # machine slows down or pauses the run after the last re-plan.
                frac = (now - start) / max(1e-9, deadline - start)
                at = max(step, int(first_step + frac * (total_steps - first_step)))
            lr = lr_at(at, plan, recipe)
            for g in optimizer.param_groups:
                g["lr"] = lr
            idx = torch.randint(len(bank), (per_rank,), generator=gen)
            imgs = crop_batch(bank, idx, crops, gen)  # [B, 3, S, S]
            noise = torch.rand(per_rank, L, generator=gen)
            mask = MaskedAutoencoderViT.mask_from_noise(noise, removed).to(device)  # [B, L]
            loss = _step(fwd, model, optimizer, imgs, mask, recipe, use_bf16, device, world)
            step += 1
            loss_avg = loss if loss_avg != loss_avg else 0.98 * loss_avg + 0.02 * loss
            now = time.monotonic()
            rate = recipe.batch_size * (step - window_step) / max(1e-6, now - window_t)
            if bar is not None:
                bar.update(1)
                bar.set_postfix(loss=f"{loss_avg:.4f}", img_s=f"{rate:.1f}", lr=f"{lr:.2e}", refresh=False)
            if log_f is not None and (step % opts.log_every == 0 or step == 1):
                rec = dict(
                    step=step,
                    total=total_steps,
                    loss=loss,
                    loss_avg=loss_avg,
                    lr=lr,
                    img_s=rate,
                    seconds=trained_seconds + now - start,
                )
                log_f.write(json.dumps(rec) + "\n")
                log_f.flush()
            due = (opts.save_every_steps and step % opts.save_every_steps == 0) or (
                now - last_save >= opts.save_every_minutes * 60
            )
            if due and main:
                _save_state(
                    state_path,
                    model,
                    optimizer,
                    gen,
                    step,
                    total_steps,
                    trained_seconds + now - start,
                    cfg,
                    manifest,
                )
                _save_weights(model, opts.out / LAST_FILE, meta_base, step, total_steps)
                last_save = now
    finally:
        stop.restore()
        if bar is not None:
            bar.close()
        if log_f is not None:
            log_f.close()
    seconds = time.monotonic() - start
    final = opts.out / FINAL_FILE
    if step == 0:  # e.g. a time budget that ended before the first step: no untrained model
        log_path = opts.out / LOG_FILE
        if main and log_path.stat().st_size == 0:
            log_path.unlink()
        if world > 1:
            dist.destroy_process_group()
        raise TrainError(
            f"no training step finished within the budget ({opts.minutes:g} min); nothing was written"
            if opts.minutes is not None
            else "no training step was run; nothing was written"
        )
    digest = weights_digest(model)
    if world > 1:
        check_ranks_agree(digest, device, world)
    if main:
        _save_state(
            state_path, model, optimizer, gen, step, total_steps, trained_seconds + seconds, cfg, manifest
        )
        _save_weights(model, opts.out / LAST_FILE, meta_base, step, total_steps)
        _save_weights(model, final, meta_base, step, total_steps)
        _save_weights(model, opts.out / FINAL_FP16_FILE, meta_base, step, total_steps, torch.float16)
    if world > 1:
        dist.destroy_process_group()
    return TrainResult(step, total_steps, loss_avg, rate, seconds, final, digest)


class _StopOnSignal:
    """Turns SIGTERM/SIGINT into a request the loop honours between steps (main thread only)."""

    def __init__(self) -> None:
        self.requested = False
        self._old: dict[int, object] = {}
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGTERM, signal.SIGINT):
                self._old[sig] = signal.signal(sig, self._on_signal)

    def _on_signal(self, signum: int, frame: object) -> None:
        if self.requested:  # a second signal: stop at once
            raise KeyboardInterrupt
        self.requested = True

    def restore(self) -> None:
        for sig, handler in self._old.items():
            signal.signal(sig, handler)


def _step(
    fwd, model, optimizer, imgs: Tensor, mask: Tensor, recipe: Recipe, bf16: bool, device, world: int
) -> float:
    """One optimizer step; the loss of the whole batch (distributed.batch_mean)."""
    with torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16):
        pred = fwd(imgs, mask)  # [B, L, p*p*3]
    loss = model.loss(imgs, pred.float(), mask)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    if recipe.clip_grad > 0:
        torch.nn.utils.clip_grad_norm_(model.parameters(), recipe.clip_grad)
    optimizer.step()
    value = batch_mean(loss, world)
    if value != value:
        raise TrainError("the loss became NaN; lower the learning rate or enable --clip-grad")
    return value


def _save_weights(model, path: Path, meta: dict, step: int, total: int, dtype=torch.float32) -> None:
    info = dict(
        meta,
        steps=str(step),
        planned_steps=str(total),
        date=datetime.now(timezone.utc).isoformat(timespec="seconds"),
    )
    save_checkpoint(model, path, info, dtype=dtype)


def _save_state(path: Path, model, optimizer, gen, step, total, seconds, cfg, manifest) -> None:
    state = {
        "model": model.state_dict(),
        "optimizer": optimizer.state_dict(),
        "generator": gen.get_state(),
        "step": step,
        "total_steps": total,
        "trained_seconds": seconds,
        "config": cfg.to_json(),
        "manifest": manifest,
    }
    tmp = path.with_name(path.name + ".tmp")
    torch.save(state, tmp)
    tmp.replace(path)


def _init_from(path: Path, model: MaskedAutoencoderViT, cfg: MAEConfig) -> dict[str, str]:
    """Load a checkpoint's weights into `model` (same architecture); metadata naming the source."""
    try:
        src_cfg, sd = read_checkpoint(path)
    except CheckpointError as e:
        raise TrainError(str(e)) from e
    mine, theirs = asdict(cfg), asdict(src_cfg)
    differ = [f"{k} {theirs[k]} (this run: {mine[k]})" for k in mine if k != "name" and mine[k] != theirs[k]]
    if differ:
        raise TrainError(f"{path}: another architecture: " + ", ".join(differ))
    model.load_state_dict(sd, strict=True)
    digest = hashlib.sha256(Path(path).read_bytes()).hexdigest() if Path(path).is_file() else ""
    return {"init_from": Path(path).name, "init_from_sha256": digest}


def _resume(path: Path, model, optimizer, gen, cfg: MAEConfig, manifest: str, rank: int):
    if not path.is_file():
        raise TrainError(f"{path}: nothing to resume (no training state in the output folder)")
    state = torch.load(path, map_location="cpu", weights_only=True)
    if state["config"] != cfg.to_json():
        raise TrainError(f"{path}: was trained with another architecture ({state['config']})")
    if state["manifest"] != manifest:
        raise TrainError(f"{path}: was trained on other images (manifest {state['manifest'][:12]})")
    model.load_state_dict(state["model"])
    optimizer.load_state_dict(state["optimizer"])
    if rank == 0:
        gen.set_state(state["generator"])
    return int(state["step"]), int(state["total_steps"]), float(state["trained_seconds"])


def describe(opts: RunOptions) -> str:
    c = opts.config
    n_params = sum(p.numel() for p in MaskedAutoencoderViT(c).parameters())
    return (
        f"{c.name}: encoder {c.embed_dim}x{c.depth} ({c.num_heads} heads), decoder "
        f"{c.decoder_embed_dim}x{c.decoder_depth} ({c.decoder_num_heads} heads), "
        f"{n_params / 1e6:.2f}M parameters; recipe {json.dumps(asdict(opts.recipe))}"
    )


_ = warmup_steps  # re-exported for callers that report the plan
