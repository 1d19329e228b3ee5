from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest
import torch
from safetensors import safe_open

from mae_studio.cli.app import run as cli_run
from mae_studio.core.checkpoints import load_checkpoint
from mae_studio.train.data import find_images, manifest_hash
from mae_studio.train.trainer import (
    FINAL_FILE,
    FINAL_FP16_FILE,
    LOG_FILE,
    STATE_FILE,
    RunOptions,
    TrainError,
    train,
)


def _opts(photos: Path, out: Path, config, recipe, **kw) -> RunOptions:
    return RunOptions([photos], out, config, recipe, progress=False, device="cpu", **kw)


def _metadata(path: Path) -> dict[str, str]:
    with safe_open(str(path), framework="pt") as f:
        return dict(f.metadata())


def _weights(path: Path) -> dict[str, torch.Tensor]:
    return load_checkpoint(path).state_dict()


def test_train_writes_loadable_checkpoint_with_metadata(photos, tmp_path, tiny_config, tiny_recipe):
    out = tmp_path / "run"
    result = train(_opts(photos, out, tiny_config, tiny_recipe, steps=3))
    assert result.step == 3 and result.total_steps == 3
    model = load_checkpoint(out / FINAL_FILE)
    assert model.config == tiny_config
    meta = _metadata(out / FINAL_FILE)
    assert meta["steps"] == "3"
    assert meta["seed"] == "3"
    assert meta["data_images"] == "4"
    assert meta["data_manifest_sha256"] == manifest_hash(find_images([photos]))
    assert json.loads(meta["recipe"])["batch_size"] == 4
    assert datetime.fromisoformat(meta["date"]).year >= 2024
    with safe_open(str(out / FINAL_FP16_FILE), framework="pt") as f:
        assert f.get_tensor("patch_embed.proj.weight").dtype == torch.float16
    half = _weights(out / FINAL_FP16_FILE)
    full = _weights(out / FINAL_FILE)
    assert torch.allclose(half["blocks.0.attn.qkv.weight"], full["blocks.0.attn.qkv.weight"], atol=1e-3)
    lines = [json.loads(x) for x in (out / LOG_FILE).read_text().splitlines()]
    assert lines[0]["step"] == 1 and all(x["loss"] > 0 for x in lines)


def test_training_lowers_the_loss(photos, tmp_path, tiny_config, tiny_recipe):
    recipe = replace(tiny_recipe, lr=3e-3, batch_size=6)
    out = tmp_path / "run"
    train(_opts(photos, out, tiny_config, recipe, steps=20, log_every=1))
    losses = [json.loads(x)["loss"] for x in (out / LOG_FILE).read_text().splitlines()]
    assert sum(losses[-5:]) / 5 < 0.7 * sum(losses[:3]) / 3


def test_manifest_hash_is_sha256_of_sorted_paths_and_sizes(photos):
    files = find_images([photos])
    lines = sorted(f"{p.name}\t{p.stat().st_size}" for p in photos.iterdir())
    assert manifest_hash(files) == hashlib.sha256("\n".join(lines).encode()).hexdigest()
    (photos / "photo0.png").write_bytes((photos / "photo0.png").read_bytes() + b"\0")
    assert manifest_hash(find_images([photos])) != manifest_hash(files)


def test_same_seed_gives_same_weights_and_another_seed_does_not(photos, tmp_path, tiny_config, tiny_recipe):
    for name, seed in (("a", 5), ("b", 5), ("c", 6)):
        train(_opts(photos, tmp_path / name, tiny_config, replace(tiny_recipe, seed=seed), steps=3))
    a, b, c = (_weights(tmp_path / n / FINAL_FILE) for n in "abc")
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert not torch.equal(a["decoder_pred.weight"], c["decoder_pred.weight"])


def test_resume_continues_the_step_count_and_matches_an_unbroken_run(
    photos, tmp_path, tiny_config, tiny_recipe
):
    train(_opts(photos, tmp_path / "whole", tiny_config, tiny_recipe, steps=4))
    part = tmp_path / "parts"
    first = train(_opts(photos, part, tiny_config, tiny_recipe, steps=4, stop_at=2))
    assert first.step == 2 and (part / STATE_FILE).is_file()
    second = train(_opts(photos, part, tiny_config, tiny_recipe, resume=True))
    assert second.step == 4
    assert _metadata(part / FINAL_FILE)["steps"] == "4"
    whole, resumed = _weights(tmp_path / "whole" / FINAL_FILE), _weights(part / FINAL_FILE)
    assert all(torch.allclose(whole[k], resumed[k], atol=1e-6) for k in whole)


def test_resume_refuses_another_architecture_or_nothing(photos, tmp_path, tiny_config, tiny_recipe):
    with pytest.raises(TrainError, match="nothing to resume"):
        train(_opts(photos, tmp_path / "empty", tiny_config, tiny_recipe, steps=2, resume=True))
    train(_opts(photos, tmp_path / "r", tiny_config, tiny_recipe, steps=1))
    other = replace(tiny_config, decoder_depth=2)
    with pytest.raises(TrainError, match="another architecture"):
        train(_opts(photos, tmp_path / "r", other, tiny_recipe, steps=2, resume=True))


def test_time_budget_plans_the_steps_and_stops(photos, tmp_path, tiny_config, tiny_recipe):
    out = tmp_path / "t"
    result = train(_opts(photos, out, tiny_config, tiny_recipe, minutes=0.05, probe_steps=2, log_every=1))
    assert result.total_steps >= result.step >= 3
    assert result.seconds < 0.05 * 60 + 5
    lrs = [json.loads(x)["lr"] for x in (out / LOG_FILE).read_text().splitlines()]
    assert max(lrs) > 0.5 * tiny_recipe.lr
    # The decay has begun; how far it got when the 3 s ran out depends on this machine's load.
    assert lrs[-1] < max(lrs)


def test_cli_train_writes_checkpoint_and_needs_a_budget(photos, tmp_path, capsys):
    out = tmp_path / "cli"
    args = ["train", str(photos), "--out", str(out), "--arch", "micro", "--img-size", "64"]
    args += [
        "--batch-size",
        "2",
        "--short-side",
        "64",
        "--no-progress",
        "--depth",
        "1",
        "--decoder-depth",
        "1",
    ]
    assert cli_run([*args, "--steps", "2"]) == 0
    assert load_checkpoint(out / FINAL_FILE).config.depth == 1
    assert "trained 2/2 steps" in capsys.readouterr().out
    assert cli_run(args) == 1
    assert "--steps" in capsys.readouterr().err


def test_resume_with_a_time_budget_refits_the_plan(photos, tmp_path, tiny_config, tiny_recipe):
    out = tmp_path / "r"
    train(_opts(photos, out, tiny_config, tiny_recipe, steps=100, stop_at=2))
    result = train(_opts(photos, out, tiny_config, tiny_recipe, resume=True, minutes=0.04, replan_every=2))
    assert result.step > 2
    assert result.step <= result.total_steps != 100  # re-fitted to the few seconds given


def test_sigterm_ends_the_run_with_a_saved_checkpoint(photos, tmp_path, tiny_config, tiny_recipe):
    import os
    import signal
    import threading

    out = tmp_path / "s"
    timer = threading.Timer(1.0, os.kill, (os.getpid(), signal.SIGTERM))
    timer.start()
    try:
        result = train(_opts(photos, out, tiny_config, tiny_recipe, steps=100_000))
    finally:
        timer.cancel()
    assert 0 < result.step < 100_000
    assert _metadata(out / FINAL_FILE)["steps"] == str(result.step)
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL


def test_init_from_starts_a_new_run_from_saved_weights(photos, tmp_path, tiny_config, tiny_recipe):
    other_seed = replace(tiny_recipe, seed=9)  # another initialization than this run's seed gives
    src = train(_opts(photos, tmp_path / "a", tiny_config, other_seed, steps=3)).checkpoint
    # One step at the first warm-up learning rate: the new run starts from the source's weights.
    one = train(_opts(photos, tmp_path / "b", tiny_config, tiny_recipe, steps=1, init_from=src, log_every=1))
    before, after = _weights(src), _weights(one.checkpoint)
    fresh = _weights(train(_opts(photos, tmp_path / "f", tiny_config, tiny_recipe, steps=1)).checkpoint)

    def dist(a, b):
        return sum((a[k] - b[k]).norm().item() for k in a)

    assert dist(before, after) < 0.1 * dist(before, fresh)
    meta = _metadata(one.checkpoint)
    assert meta["init_from"] == src.name
    assert meta["init_from_sha256"] == hashlib.sha256(src.read_bytes()).hexdigest()
    # A new plan: the step count starts at zero and the learning rate warms up again.
    warm = replace(tiny_recipe, min_warmup_steps=3)
    again = train(_opts(photos, tmp_path / "c", tiny_config, warm, steps=4, init_from=src, log_every=1))
    assert again.step == 4 and _metadata(again.checkpoint)["steps"] == "4"
    lrs = [json.loads(x)["lr"] for x in (tmp_path / "c" / LOG_FILE).read_text().splitlines()]
    assert lrs[0] < lrs[1] < lrs[2]


def test_init_from_refuses_another_architecture_a_bad_file_and_resume(
    photos, tmp_path, tiny_config, tiny_recipe
):
    src = train(_opts(photos, tmp_path / "a", tiny_config, tiny_recipe, steps=1)).checkpoint
    other = replace(tiny_config, decoder_depth=2)
    with pytest.raises(TrainError, match=r"another architecture: decoder_depth 1 \(this run: 2\)"):
        train(_opts(photos, tmp_path / "b", other, tiny_recipe, steps=1, init_from=src))
    junk = tmp_path / "junk.safetensors"
    junk.write_bytes(b"not a checkpoint")
    with pytest.raises(TrainError, match=r"junk\.safetensors"):
        train(_opts(photos, tmp_path / "c", tiny_config, tiny_recipe, steps=1, init_from=junk))
    with pytest.raises(TrainError, match="at least 1"):
        train(_opts(photos, tmp_path / "d", tiny_config, tiny_recipe, steps=0))
    with pytest.raises(TrainError, match="give one of them"):
        train(_opts(photos, tmp_path / "a", tiny_config, tiny_recipe, steps=2, resume=True, init_from=src))
