"""Scale-out: the trainer's torchrun / DistributedDataParallel path, run for real with two
processes on the CPU (gloo) through the `mae-studio train` command line: both ranks must end
with the same weights and report the same loss, and exactly one set of checkpoints is written."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

from mae_studio.core.checkpoints import load_checkpoint
from mae_studio.train.distributed import weights_digest
from mae_studio.train.trainer import FINAL_FILE, FINAL_FP16_FILE, LAST_FILE, LOG_FILE, STATE_FILE

from .conftest import write_photos

RANK_SCRIPT = Path(__file__).with_name("ddp_rank.py")
HANG_GUARD_S = 300  # two processes importing torch on a loaded 2-core machine; not a speed test


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_two_processes_train_one_model(tmp_path: Path) -> None:
    photos = write_photos(tmp_path / "photos", [(40, 48), (48, 40), (44, 44), (50, 36)])
    out, ranks = tmp_path / "run", tmp_path / "ranks"
    ranks.mkdir()
    torchrun = [
        sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2",
        "--master_addr", "127.0.0.1", "--master_port", str(free_port()),
    ]  # fmt: skip
    train = [
        "train", str(photos), "--out", str(out), "--device", "cpu", "--threads", "1", "--no-progress",
        "--arch", "micro", "--img-size", "32", "--patch-size", "8", "--embed-dim", "32", "--depth", "1",
        "--num-heads", "2", "--decoder-embed-dim", "32", "--decoder-depth", "1", "--decoder-num-heads", "2",
        "--short-side", "32", "--batch-size", "4", "--steps", "4", "--log-every", "1", "--seed", "5",
    ]  # fmt: skip
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONPATH=str(Path(__file__).parents[2]))
    done = subprocess.run(
        [*torchrun, str(RANK_SCRIPT), str(ranks), *train],
        capture_output=True, text=True, timeout=HANG_GUARD_S, env=env,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    reports = [json.loads((ranks / f"rank{r}.json").read_text()) for r in (0, 1)]
    assert [r["world"] for r in reports] == [2, 2] and [r["step"] for r in reports] == [4, 4]
    assert reports[0]["weights_sha256"] == reports[1]["weights_sha256"]
    assert reports[0]["final_loss"] == reports[1]["final_loss"] > 0  # the whole batch's loss
    # One writer: one set of files, no second rank's copies or leftovers.
    written = sorted(p.name for p in out.iterdir())
    assert written == sorted([FINAL_FILE, FINAL_FP16_FILE, LAST_FILE, LOG_FILE, STATE_FILE]), written
    assert weights_digest(load_checkpoint(out / FINAL_FILE)) == reports[0]["weights_sha256"]
    log = [json.loads(line) for line in (out / LOG_FILE).read_text().splitlines()]
    assert [x["step"] for x in log] == [1, 2, 3, 4]  # rank 0's log only, one line per step
    assert done.stdout.count("trained 4/4 steps") == 1  # one rank reports
