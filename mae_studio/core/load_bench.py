"""`mae-studio bench --load CKPT`: how long load_checkpoint takes and how much memory it peaks
at, each load in a fresh process (so the peak is this load's and the page cache is the only
thing shared between runs). Torch is imported in the children only.

The child imports torch and mae_studio.core first and reads its resident memory (the
interpreter, torch's libraries), then times `load_checkpoint(CKPT)` and reads the peak resident
memory (getrusage ru_maxrss). `added` is the peak minus the memory before the load: what the load
itself cost, to set against the file's size.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from .errors import MaeStudioError

CHILD = r"""
import json, resource, sys, time
import torch
from mae_studio.core import load_checkpoint
def rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize()
before = rss()
t0 = time.perf_counter()
model = load_checkpoint(sys.argv[1])
seconds = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
params = sum(p.numel() for p in model.parameters())
print(json.dumps({"seconds": seconds, "before": before, "peak": peak, "params": params}))
"""
LOAD_TIMEOUT_S = 600


class LoadBenchError(MaeStudioError):
    """A load that failed in its child process."""


@dataclass(frozen=True)
class LoadRow:
    path: Path
    tree: str  # which checkout loaded it
    file_bytes: int
    params: int
    seconds: list[float]
    before_bytes: int  # resident before the load (median)
    peak_bytes: int  # peak resident of the process (median)


def load_once(path: Path, tree: Path) -> dict[str, float]:
    env = dict(os.environ, OMP_WAIT_POLICY="PASSIVE")
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(path.resolve())],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        timeout=LOAD_TIMEOUT_S,
        check=False,
    )
    if done.returncode != 0:
        tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise LoadBenchError(f"loading {path.name} in {tree} failed (exit {done.returncode}): {tail}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def bench_load(path: Path, runs: int, trees: dict[str, Path]) -> list[LoadRow]:
    """One row per tree; the trees' loads interleaved, so load on the machine hits all alike."""
    got: dict[str, list[dict[str, float]]] = {label: [] for label in trees}
    for _ in range(runs):
        for label, tree in trees.items():
            got[label].append(load_once(path, tree))
    size = path.stat().st_size
    return [
        LoadRow(
            path=path,
            tree=label,
            file_bytes=size,
            params=int(runs_[0]["params"]),
            seconds=[r["seconds"] for r in runs_],
            before_bytes=int(statistics.median(r["before"] for r in runs_)),
            peak_bytes=int(statistics.median(r["peak"] for r in runs_)),
        )
        for label, runs_ in got.items()
    ]


def format_load_table(rows: list[LoadRow]) -> str:
    head = (
        "file | tree | file MB | params M | load s (median) | min-max | RSS before MB | peak RSS MB | "
        "added MB | added / file"
    )
    lines = [head, "|".join("---" for _ in head.split("|"))]
    mb = 1 << 20
    for r in rows:
        added = r.peak_bytes - r.before_bytes
        lines.append(
            f"{r.path.name} | {r.tree} | {r.file_bytes / mb:.0f} | {r.params / 1e6:.1f} | "
            f"{statistics.median(r.seconds):.2f} | {min(r.seconds):.2f}-{max(r.seconds):.2f} | "
            f"{r.before_bytes / mb:.0f} | {r.peak_bytes / mb:.0f} | {added / mb:.0f} | "
            f"{added / r.file_bytes:.2f}"
        )
    return "\n".join(lines)
