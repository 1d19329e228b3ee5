"""Progress bars on a terminal only; one-line messages that do not tear them."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any


@contextmanager
def progress(total: int, desc: str, unit: str = "image") -> Iterator[Any]:
    """A tqdm bar on stderr when stderr is a terminal; quiet otherwise (logs, pipes, CI)."""
    from tqdm import tqdm

    bar = tqdm(
        total=total, desc=desc, unit=unit, file=sys.stderr, disable=not sys.stderr.isatty(), leave=False
    )
    try:
        yield bar
    finally:
        bar.close()


def say(message: str) -> None:
    """One line on stderr, written around any progress bar that is showing."""
    from tqdm import tqdm

    tqdm.write(message, file=sys.stderr)


@contextmanager
def download_progress(what: str) -> Iterator[Callable[[int, int | None], None]]:
    """A byte progress bar (size, speed, time left) for a download: yields report(done, total)."""
    from tqdm import tqdm

    bar = tqdm(
        desc=f"downloading {what}",
        unit="B",
        unit_scale=True,
        unit_divisor=1024,
        file=sys.stderr,
        disable=not sys.stderr.isatty(),
        leave=False,
    )

    def report(done: int, total: int | None) -> None:
        if total is not None and bar.total != total:
            bar.total = total
        bar.update(done - bar.n)

    try:
        yield report
    finally:
        bar.close()
