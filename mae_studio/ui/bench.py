"""GUI responsiveness benchmark: `mae-studio --bench` or `python -m mae_studio.ui.bench`.

Drives the real window (offscreen unless a display is set) with scripted brush strokes of
200 mouse moves over 2 s and prints, per stroke: inferences run, results shown while the brush
moved per second (refreshes/s), the delay from the last move to the matching result painted on
screen (a preview, when the controller shows one) and to the settled one (exact), and the
longest stall of the GUI event loop (a 5 ms heartbeat timer) while the model works in the
background. Targets: stall < 50 ms, last move to result <= one inference + 50 ms.
`python -m mae_studio.ui.bench --arch base|large|huge` runs a preset with random weights,
`--precision exact|fast` overrides the saved setting.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass

import numpy as np

MOVES = 200
STROKE_SECONDS = 2.0
HEARTBEAT_MS = 5


@dataclass
class StrokeResult:
    moves: int
    stroke_s: float
    started: int  # inferences handed to the worker during the stroke and after it
    shown: int
    cancelled: int
    last_move_to_result_ms: float
    longest_stall_ms: float
    refreshes_per_s: float = math.nan  # results shown while the brush moved, per second of stroke
    last_move_to_settled_ms: float = math.nan  # to the last result (exact after a preview)
    gui_cpu: float = math.nan  # CPU seconds of the GUI thread per second of stroke (1.0: a whole core)


def _spin(ms: int) -> None:
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def _wait_for(predicate, timeout_s: float) -> bool:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import QEventLoop, QTimer

    end = time.perf_counter() + timeout_s
    loop = QEventLoop()
    timer = QTimer()
    timer.setInterval(2)
    timer.timeout.connect(lambda: (predicate() or time.perf_counter() > end) and loop.quit())
    timer.start()
    if not predicate():
        loop.exec()
    timer.stop()
    return bool(predicate())


class Heartbeat:
    """Longest gap between ticks of a fast timer = longest time the event loop was blocked."""

    def __init__(self) -> None:
        from PySide6.QtCore import Qt, QTimer

        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(HEARTBEAT_MS)
        self.timer.timeout.connect(self._tick)
        self.last = 0.0
        self.longest = 0.0

    def _tick(self) -> None:
        now = time.perf_counter()
        self.longest = max(self.longest, now - self.last)
        self.last = now

    def start(self) -> None:
        self.last = time.perf_counter()
        self.longest = 0.0
        self.timer.start()

    def stop(self) -> float:
        self.timer.stop()
        return self.longest


def stroke_path(height: int, width: int, n: int, run: int) -> list[tuple[float, float]]:
    """A zigzag across the image in frame pixels, different for each run."""
    t = np.linspace(0.0, 1.0, n)
    x = width * (0.08 + 0.84 * t)
    y = height * (0.5 + 0.38 * np.sin(2 * math.pi * (2 + run) * t + run))
    return list(zip(x.tolist(), y.tolist(), strict=True))


def _send(canvas, kind, pos, button, held) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QMouseEvent
    from PySide6.QtWidgets import QApplication

    event = QMouseEvent(
        kind, pos, canvas.viewport().mapToGlobal(pos), button, held, Qt.KeyboardModifier.NoModifier
    )
    QApplication.sendEvent(canvas.viewport(), event)


class _PaintSpy:
    """Times the paint events of one widget (the reconstruction view)."""

    def __init__(self, widget) -> None:  # type: ignore[no-untyped-def]
        from PySide6.QtCore import QEvent, QObject

        times: list[float] = []
        self.times = times

        class Filter(QObject):
            def eventFilter(self, obj, event) -> bool:  # type: ignore[no-untyped-def]
                if event.type() == QEvent.Type.Paint:
                    times.append(time.perf_counter())
                return False

        self._filter = Filter()
        widget.installEventFilter(self._filter)


def _settled(window) -> bool:  # type: ignore[no-untyped-def]
    r = window.results.result
    return r is not None and np.array_equal(r.mask, window.doc.mask) and not window.controller.busy


def measure_idle_round_trip(window, count: int = 5) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """(median model ms, median request-to-shown ms) of single edits on an idle window."""
    from mae_studio.core.masks import random_mask

    model_ms, trip_ms = [], []
    for seed in range(count):
        t0 = time.perf_counter()
        window.doc.apply(random_mask(window.doc.grid, 0.75, 100 + seed), "bench")
        if not _wait_for(lambda: _settled(window), 30):
            raise RuntimeError("no result within 30 s")
        trip_ms.append((time.perf_counter() - t0) * 1000)
        model_ms.append(window.results.result.seconds * 1000)
    return statistics.median(model_ms), statistics.median(trip_ms)


def measure_idle_stall(seconds: float = 2.0) -> float:
    """Longest heartbeat gap with nothing to do: what this machine's load alone costs (ms)."""
    heartbeat = Heartbeat()
    heartbeat.start()
    _spin(round(seconds * 1000))
    return heartbeat.stop() * 1000


def run_stroke(window, run: int) -> tuple[StrokeResult, float]:  # type: ignore[no-untyped-def]
    """One scripted stroke; returns its numbers and the model ms of the final result."""
    from PySide6.QtCore import QEvent, QEventLoop, QPointF, Qt, QTimer

    canvas, doc, c = window.canvas, window.doc, window.controller
    doc.clear()
    _wait_for(lambda: _settled(window), 30)
    path = stroke_path(*canvas.scene_size(), MOVES + 1, run)
    points = [QPointF(canvas.mapFromScene(QPointF(x, y))) for x, y in path]
    spy = _PaintSpy(window.results.panels["reconstruction"])
    shown: list[tuple[float, np.ndarray]] = []
    on_shown = lambda _g: shown.append((time.perf_counter(), window.results.result.mask.copy()))  # noqa: E731
    window.result_shown.connect(on_shown)
    changes: list[float] = []
    on_change = lambda: changes.append(time.perf_counter())  # noqa: E731
    doc.mask_changed.connect(on_change)
    before = (c.stats.started, c.stats.shown, c.stats.cancelled)
    left = Qt.MouseButton.LeftButton
    state = {"i": 0, "done": False, "t0": 0.0, "t_end": 0.0}

    def tick() -> None:
        i = state["i"]
        if i == 0:
            state["t0"] = time.perf_counter()
            _send(canvas, QEvent.Type.MouseButtonPress, points[0], left, left)
        elif i <= MOVES:
            _send(canvas, QEvent.Type.MouseMove, points[i], Qt.MouseButton.NoButton, left)
            state["t_end"] = time.perf_counter()
        else:
            _send(canvas, QEvent.Type.MouseButtonRelease, points[-1], left, Qt.MouseButton.NoButton)
            timer.stop()
            state["done"] = True
            stroke_loop.quit()
        state["i"] = i + 1

    timer = QTimer()
    timer.setTimerType(Qt.TimerType.PreciseTimer)
    timer.setInterval(round(STROKE_SECONDS * 1000 / MOVES))
    timer.timeout.connect(tick)
    heartbeat = Heartbeat()
    heartbeat.start()
    gui_cpu0 = time.thread_time()
    # the loop ends from the last tick: polling for it would add the bench's own timer events
    # to the GUI thread's CPU while the brush moves
    stroke_loop = QEventLoop()
    timer.start()
    stroke_loop.exec()
    gui_cpu = time.thread_time() - gui_cpu0
    _wait_for(lambda: _settled(window), 60)
    _spin(100)  # let the final paint happen and catch anything arriving late
    stall = heartbeat.stop()
    window.result_shown.disconnect(on_shown)
    doc.mask_changed.disconnect(on_change)

    final = doc.mask
    last_change = changes[-1] if changes else state["t0"]
    match = next(t for t, m in shown if t >= last_change and np.array_equal(m, final))
    painted = next((t for t in spy.times if t >= match), match)
    during = sum(state["t0"] <= t <= state["t_end"] for t, _ in shown)
    settled = next((t for t in spy.times if t >= shown[-1][0]), shown[-1][0])
    stroke_s = state["t_end"] - state["t0"]
    result = StrokeResult(
        moves=MOVES,
        stroke_s=stroke_s,
        started=c.stats.started - before[0],
        shown=c.stats.shown - before[1],
        cancelled=c.stats.cancelled - before[2],
        refreshes_per_s=during / stroke_s if stroke_s > 0 else math.nan,
        last_move_to_settled_ms=(settled - last_change) * 1000,
        gui_cpu=gui_cpu / stroke_s if stroke_s > 0 else math.nan,
        last_move_to_result_ms=(painted - last_change) * 1000,
        longest_stall_ms=stall * 1000,
    )
    return result, window.results.result.seconds * 1000


def print_table(
    rows: list[tuple[StrokeResult, float]], model_ms: float, trip_ms: float, idle_ms: float, header: str
) -> bool:
    print(header)
    print(
        f"one inference, idle window: model {model_ms:.1f} ms, edit-to-screen {trip_ms:.1f} ms (median of 5)"
    )
    print(f"control: longest event-loop gap, idle window over 2 s (no stroke, no model): {idle_ms:.1f} ms")
    print()
    cols = (
        "stroke | moves | seconds | inferences | shown | refreshes/s | cancelled | last move->result ms | "
        "to settled ms | final inference ms | target ms | longest stall ms | GUI thread CPU | pass"
    )
    print(cols)
    print("|".join("---" for _ in cols.split("|")))
    ok_all = True
    for i, (r, final_ms) in enumerate(rows, 1):
        target = final_ms + 50
        ok = r.last_move_to_result_ms <= target and r.longest_stall_ms < 50
        ok_all &= ok
        print(
            f"{i} | {r.moves} | {r.stroke_s:.2f} | {r.started} | {r.shown} | {r.refreshes_per_s:.1f} | "
            f"{r.cancelled} | {r.last_move_to_result_ms:.1f} | {r.last_move_to_settled_ms:.1f} | "
            f"{final_ms:.1f} | {target:.1f} | {r.longest_stall_ms:.1f} | {r.gui_cpu:.0%} | "
            f"{'yes' if ok else 'NO'}"
        )
    return ok_all


def run_bench(args: argparse.Namespace) -> int:
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QSettings

    from mae_studio.core.recipes import MaskRecipe

    from .application import create_application, new_window
    from .settings import Settings

    settings_dir = tempfile.TemporaryDirectory(prefix="mae-studio-bench-")
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, settings_dir.name)
    checkpoint = args.checkpoint
    if getattr(args, "arch", None):
        checkpoint = random_checkpoint(args.arch, settings_dir.name)
    create_application()
    settings = Settings()
    settings.set_precision(getattr(args, "precision", None) or settings.precision())
    if getattr(args, "threads", None) is not None:
        settings.set_inference_threads(args.threads)
    window = new_window(settings, device=None if args.device == "auto" else args.device)
    applied: list[str] = []
    window.controller.precision_applied.connect(applied.append)
    window.files.dialogs = False
    window.resize(1480, 900)
    window.show()
    window.start(args.image, checkpoint, MaskRecipe("random", 0.75, 0))
    if not _wait_for(lambda: window.results.result is not None and window.model_info is not None, 120):
        print("mae-studio --bench: no reconstruction within 120 s", file=sys.stderr)
        return 1
    window.canvas.set_brush_radius(12)
    if getattr(args, "quiet_ms", None) is not None:
        window.controller.set_quiet_ms(args.quiet_ms)
    model_ms, trip_ms = measure_idle_round_trip(window)
    idle_ms = measure_idle_stall()
    rows = [run_stroke(window, run) for run in range(getattr(args, "runs", 3))]
    info = window.model_info
    header = (
        f"GUI benchmark: {info.name} ({info.parameters / 1e6:.1f}M parameters, {info.img_size}px, "
        f"patch {info.patch_size}) on {info.device}, {window.threads_in_use} model "
        f"thread(s) of {os.cpu_count()} cores, Qt platform {os.environ.get('QT_QPA_PLATFORM', 'native')};"
        f" {MOVES} mouse moves over {STROKE_SECONDS:.0f} s per stroke, brush radius 12 px, "
        f"heartbeat {HEARTBEAT_MS} ms; precision {applied[-1] if applied else settings.precision()}"
    )
    ok = print_table(rows, model_ms, trip_ms, idle_ms, header)
    window.close()
    settings_dir.cleanup()
    return 0 if ok else 3


def random_checkpoint(arch: str, folder: str) -> str:
    """A checkpoint of the preset `arch` (base, large, huge) with random weights, in `folder`."""
    from mae_studio.core import save_checkpoint
    from mae_studio.core.bench import random_preset

    path = os.path.join(folder, f"{ARCHS[arch]}_random.safetensors")
    return str(save_checkpoint(random_preset(ARCHS[arch]), path))


ARCHS = {"base": "vit_base_patch16", "large": "vit_large_patch16", "huge": "vit_huge_patch14"}


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # as mae_studio/__main__.py, before torch loads
    from mae_studio.cli.window_options import build_window_parser as build_parser

    parser = build_parser()
    parser.add_argument("--runs", type=int, default=3, help="strokes to run")
    parser.add_argument("--arch", choices=sorted(ARCHS), help="a preset with random weights instead")
    parser.add_argument("--precision", choices=("exact", "fast"), help="default: the saved setting")
    parser.add_argument("--threads", type=int, help="model threads (0: automatic; default: the setting)")
    parser.add_argument(
        "--quiet-ms",
        type=int,
        help="how long a drag's mask must rest before its newest mask pre-empts the run in flight "
        "(controller.QUIET_MS by default; a large value lets every run of a drag finish)",
    )
    args = parser.parse_args(argv)
    return run_bench(args)


if __name__ == "__main__":
    raise SystemExit(main())
