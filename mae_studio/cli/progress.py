"""Progress bars on a terminal only; one-line messages that do not tear them."""

from __future__ import annotations

import sys
from collections.abc import Iterator
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
