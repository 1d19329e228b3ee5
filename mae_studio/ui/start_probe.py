"""The start-time probe that `mae-studio bench --start` runs in each fresh process.

Run as `python -c <this file's source> [PHOTO ...]` from the root of a checkout, so that the
same probe times this tree and an older one (`--baseline`). It wraps `ui.app.new_window`
(the one place that builds the window) and prints, on stdout:
  `mae-start painted <perf_counter> <heavy modules imported by then, or ->` at the window's
  first paint, and `mae-start result <perf_counter>` when the first reconstruction is shown;
then closes the window as the user would. perf_counter is the system's monotonic clock, so
the parent subtracts its own reading taken just before it started the process.
"""

from __future__ import annotations

import sys
import time
from typing import Any

HEAVY_MODULES = ("torch", "timm", "safetensors")


def heavy_modules_loaded() -> list[str]:
    return [m for m in HEAVY_MODULES if m in sys.modules]


def install() -> None:
    from PySide6.QtCore import QEvent, QObject, QTimer

    from mae_studio.ui import app

    build = app.new_window

    class FirstPaint(QObject):
        seen = False

        def eventFilter(self, obj: Any, event: Any) -> bool:
            if not self.seen and event.type() == QEvent.Type.Paint:
                self.seen = True
                heavy = ",".join(heavy_modules_loaded()) or "-"
                print(f"mae-start painted {time.perf_counter():.6f} {heavy}", flush=True)
            return False

    def new_window(*args: Any, **kwargs: Any) -> Any:
        window = build(*args, **kwargs)
        probe = FirstPaint(window)
        window.installEventFilter(probe)
        done = {"result": False}

        def on_result_shown(_generation: int) -> None:
            if not done["result"]:
                done["result"] = True
                print(f"mae-start result {time.perf_counter():.6f}", flush=True)
                QTimer.singleShot(0, window.close)

        window.result_shown.connect(on_result_shown)
        return window

    app.new_window = new_window


if __name__ == "__main__":
    install()
    from mae_studio.__main__ import main

    sys.argv[0] = "mae-studio"
    raise SystemExit(main(sys.argv[1:]))
