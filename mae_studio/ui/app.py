"""Start the studio: `mae-studio [PHOTO] [--checkpoint CKPT] [--device auto|cpu|cuda|mps]`,
or `mae-studio --bench` for the GUI responsiveness benchmark. The arguments are defined in
cli/window_options.py, so that `mae-studio --help` lists them without loading Qt."""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Callable

from mae_studio.cli.window_options import build_window_parser
from mae_studio.core.logs import setup_logging
from mae_studio.core.recipes import MaskRecipe

from .application import create_application, new_window


def build_parser() -> argparse.ArgumentParser:
    return build_window_parser()


def run_gui(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    setup_logging(args.verbose)
    if args.bench:
        from .bench import run_bench

        return run_bench(args)
    if not 0.0 <= args.mask_ratio <= 0.95:
        print("mae-studio: --mask-ratio must be within 0..0.95", file=sys.stderr)
        return 2
    app = create_application()
    from .autosave import data_folder

    window = new_window(device=None if args.device == "auto" else args.device, autosave_folder=data_folder())
    window.show()

    def begin() -> None:
        if not window.autosave.offer():  # after a crash: restore the session, if the user wants it
            window.start(args.image, args.checkpoint, MaskRecipe("random", args.mask_ratio, args.seed))

    after_first_paint(window, begin)
    _close_on_signals(window)
    status = int(app.exec())  # type: ignore[attr-defined]
    if window.controller.is_running():  # a model load that never ended (see MainWindow.closeEvent)
        print("mae-studio: the model load did not end; exiting without waiting for it", file=sys.stderr)
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(status)  # a QThread destroyed while running would abort the process instead
    return status


def after_first_paint(window: object, callback: Callable[[], None], latest_ms: int = 1000) -> None:
    """Run `callback` once, right after the window's first paint (or after `latest_ms`, should no
    paint come). The model load imports torch on the worker thread, and an import holds the
    interpreter most of the time: started before the first paint, it delayed the window by
    seconds (`mae-studio bench --start`)."""
    from PySide6.QtCore import QEvent, QObject, QTimer

    fired = False

    def fire() -> None:
        nonlocal fired
        if not fired:
            fired = True
            window.removeEventFilter(first_paint)  # type: ignore[attr-defined]
            callback()

    class FirstPaint(QObject):
        def eventFilter(self, obj: object, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint:
                QTimer.singleShot(0, fire)  # after this paint has reached the screen
            return False

    first_paint = FirstPaint(window)  # type: ignore[arg-type]
    window.installEventFilter(first_paint)  # type: ignore[attr-defined]
    QTimer.singleShot(latest_ms, fire)


def _close_on_signals(window: object) -> None:
    """Ctrl+C in the terminal (or SIGTERM) closes the window as the Quit action does: settings
    saved, worker stopped. Python runs signal handlers only between bytecodes, so a timer
    hands control to the interpreter a few times a second."""
    from PySide6.QtCore import QTimer

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: window.close())  # type: ignore[attr-defined]
    timer = QTimer(window)  # type: ignore[arg-type]
    timer.timeout.connect(lambda: None)
    timer.start(250)
