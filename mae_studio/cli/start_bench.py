"""`mae-studio bench --start`: seconds from launching `mae-studio PHOTO` to the window's first
paint and to its first reconstruction, each launch a fresh process (median of N).

Each launch runs ui/start_probe.py's source with `python -c` from the root of the tree being
timed, so `--baseline DIR` (another checkout, e.g. `git worktree add /tmp/old <commit>`) is
timed by the same probe, launches of the two trees interleaved so load on the machine hits both.
Every launch gets a fresh temporary home (settings, autosave, log), offscreen unless a display
is set. Neither Qt nor torch is imported here.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from mae_studio.core.errors import MaeStudioError

PROBE = Path(__file__).resolve().parent.parent / "ui" / "start_probe.py"
LAUNCH_TIMEOUT_S = 300


class StartBenchError(MaeStudioError):
    """A launch that did not show a window and a result."""


@dataclass(frozen=True)
class Launch:
    painted_s: float  # process start -> first paint of the main window
    result_s: float  # process start -> first reconstruction shown
    heavy_at_paint: str  # heavy modules already imported at the first paint ("-": none)


def launch(tree: Path, photo: Path) -> Launch:
    """One fresh `mae-studio PHOTO` of the checkout at `tree`, timed by the probe."""
    with tempfile.TemporaryDirectory(prefix="mae-studio-start-") as home:
        env = dict(os.environ, HOME=home, XDG_CONFIG_HOME=f"{home}/config", XDG_DATA_HOME=f"{home}/data")
        env.pop("MAE_STUDIO_DATA_DIR", None)
        if not env.get("DISPLAY") and not env.get("WAYLAND_DISPLAY"):
            env["QT_QPA_PLATFORM"] = "offscreen"
        source = PROBE.read_text(encoding="utf-8")
        t0 = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-c", source, str(photo.resolve())],
            cwd=tree,
            env=env,
            capture_output=True,
            text=True,
            timeout=LAUNCH_TIMEOUT_S,
            check=False,
        )
    marks = {}
    for line in done.stdout.splitlines():
        parts = line.split()
        if len(parts) >= 3 and parts[0] == "mae-start":
            marks[parts[1]] = parts[2:]
    if "painted" not in marks or "result" not in marks:
        tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise StartBenchError(
            f"a launch in {tree} showed no window and result (exit {done.returncode}): {tail}"
        )
    return Launch(
        painted_s=float(marks["painted"][0]) - t0,
        result_s=float(marks["result"][0]) - t0,
        heavy_at_paint=marks["painted"][1] if len(marks["painted"]) > 1 else "-",
    )


def bench_start(photo: Path, runs: int, baseline: Path | None = None) -> dict[str, list[Launch]]:
    """Launches per tree label, interleaved (this tree, baseline, this tree, ...)."""
    trees = {"this tree": Path(__file__).resolve().parents[2]}
    if baseline is not None:
        if not (baseline / "mae_studio" / "__main__.py").is_file():
            raise StartBenchError(f"--baseline {baseline}: not a mae-studio checkout")
        trees["baseline"] = baseline
    out: dict[str, list[Launch]] = {label: [] for label in trees}
    for i in range(runs):
        for label, tree in trees.items():
            out[label].append(launch(tree, photo))
            print(f"... launch {i + 1}/{runs} ({label}) done", file=sys.stderr, flush=True)
    return out


def format_start_table(results: dict[str, list[Launch]], trees: dict[str, str]) -> str:
    head = "tree | launches | first paint s (median) | min-max | first result s (median) | imported at paint"
    lines = [head, "|".join("---" for _ in head.split("|"))]
    for label, launches in results.items():
        paint = [x.painted_s for x in launches]
        result = [x.result_s for x in launches]
        heavy = sorted({x.heavy_at_paint for x in launches})
        lines.append(
            f"{label} ({trees[label]}) | {len(launches)} | {statistics.median(paint):.2f} | "
            f"{min(paint):.2f}-{max(paint):.2f} | {statistics.median(result):.2f} | {' / '.join(heavy)}"
        )
    return "\n".join(lines)
