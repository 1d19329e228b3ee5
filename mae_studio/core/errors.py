"""Errors the app shows to its users: each names the file and the reason."""

from __future__ import annotations

import re
from pathlib import Path

from .names import shown_path


class MaeStudioError(Exception):
    """Base of every error that is the user's input, not a bug."""


class _FileError(MaeStudioError):
    def __init__(self, path: str | Path | None, reason: str) -> None:
        self.path = None if path is None else Path(path)
        self.reason = reason
        where = f"{shown_path(self.path)}: " if self.path is not None else ""  # one printable line
        super().__init__(f"{where}{reason}")


# Terminal escape sequences (colours, cursor moves, titles) that library messages may carry.
_ESCAPE_SEQUENCE = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-_])")


def one_line(text: str, limit: int = 400) -> str:
    """Library text fit for a one-line message: escape sequences dropped, line breaks and other
    control characters turned into spaces, runs of spaces collapsed, cut at `limit` characters."""
    text = _ESCAPE_SEQUENCE.sub("", text[: 8 * limit])
    text = " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


class CheckpointError(_FileError):
    """A checkpoint that cannot be loaded, and why: the reason is always one printable line."""

    def __init__(self, path: str | Path | None, reason: str) -> None:
        super().__init__(path, one_line(reason))


class ImageLoadError(_FileError):
    """An image that cannot be loaded, and why."""


class InputFileError(_FileError):
    """An input refused before it is read: not a regular file (a FIFO or device would block or
    never end), missing, unreadable, or over the size that kind of file can have."""


class MaskFileError(_FileError):
    """A mask file that cannot be read, and why."""


class SaveError(_FileError):
    """An output file that could not be written, and why; any old file there is left intact."""


class Cancelled(MaeStudioError):
    """A reconstruction abandoned because a newer request arrived."""
