"""`mae-studio`, `python -m mae_studio` and `python main.py`: the studio window, or a
headless subcommand (`mae-studio --help` lists them)."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> int:
    # Before torch loads OpenMP: waiting threads sleep instead of spinning. Spinning threads
    # compete with the GUI thread and with other processes; on a busy 2-core machine two
    # spinning inference threads ran ViT-B/16 ~3x slower than one (see core/threads.py).
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    argv = sys.argv[1:] if argv is None else argv
    from mae_studio.cli.app import is_command_line, run
    from mae_studio.core.logs import log_uncaught_exceptions

    log_uncaught_exceptions()  # a crash leaves its traceback in the log file too
    if is_command_line(argv):
        return run(argv)
    from mae_studio.ui.app import run_gui

    return run_gui(argv)


if __name__ == "__main__":
    raise SystemExit(main())
