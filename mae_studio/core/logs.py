"""The log: every `mae_studio.*` record goes to a rotating file in the user's data folder
(`<data folder>/logs/mae-studio.log`, DEBUG and up) so that a failed model load or download
leaves its traceback to report; the terminal shows warnings, or everything with --verbose.

Only the package's own logger gets handlers, so other libraries' debug chatter stays out.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import sys
from pathlib import Path

from .places import data_folder

LOG_FILE = "mae-studio.log"
MAX_BYTES = 2 * 2**20  # then mae-studio.log.1, .2: at most ~6 MB in all
BACKUPS = 2
FILE_FORMAT = "%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s"

log = logging.getLogger("mae_studio")


def log_file() -> Path:
    return data_folder() / "logs" / LOG_FILE


class _Stderr(logging.StreamHandler):
    """Writes to whatever sys.stderr is at the time (as logging's last-resort handler does)."""

    def __init__(self, level: int) -> None:
        logging.Handler.__init__(self, level)

    @property
    def stream(self):  # type: ignore[override]
        return sys.stderr


def setup_logging(verbose: bool = False) -> Path | None:
    """Send the package's records to the log file and to stderr (WARNING and up; DEBUG and up
    when `verbose`). Calling it again replaces the handlers it installed before. Returns the
    log file, or None when it cannot be written (said once on stderr; the program goes on)."""
    close_logging()
    log.setLevel(logging.DEBUG)
    terminal = _Stderr(logging.DEBUG if verbose else logging.WARNING)
    terminal.setFormatter(
        logging.Formatter("%(levelname)s %(name)s: %(message)s" if verbose else "%(message)s")
    )
    handlers: list[logging.Handler] = [terminal]
    path: Path | None = log_file()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        file = logging.handlers.RotatingFileHandler(
            path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8", errors="backslashreplace"
        )
    except OSError as e:
        print(f"mae-studio: no log file ({path.parent}: {e.strerror or e})", file=sys.stderr)
        path = None
    else:
        file.setLevel(logging.DEBUG)
        file.setFormatter(logging.Formatter(FILE_FORMAT))
        handlers.append(file)
    for handler in handlers:
        handler._mae_studio = True  # type: ignore[attr-defined]
        log.addHandler(handler)
    log.debug("pid %d, python %s, %s", os.getpid(), sys.version.split()[0], sys.platform)
    return path


def close_logging() -> None:
    """Remove and close the handlers setup_logging installed."""
    for handler in [h for h in log.handlers if getattr(h, "_mae_studio", False)]:
        log.removeHandler(handler)
        handler.close()


def log_uncaught_exceptions() -> None:
    """Uncaught exceptions (a bug, or one raised in a Qt slot) go to the log with their
    traceback, and to stderr through the same handler, instead of stderr alone."""
    previous = sys.excepthook

    def hook(kind, value, tb) -> None:  # type: ignore[no-untyped-def]
        if issubclass(kind, KeyboardInterrupt) or not log.handlers:
            previous(kind, value, tb)
            return
        log.critical("uncaught %s", kind.__name__, exc_info=(kind, value, tb))

    sys.excepthook = hook
