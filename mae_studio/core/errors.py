"""Errors the app shows to its users: each names the file and the reason."""

from __future__ import annotations

from pathlib import Path


class MaeStudioError(Exception):
    """Base of every error that is the user's input, not a bug."""


class _FileError(MaeStudioError):
    def __init__(self, path: str | Path | None, reason: str) -> None:
        self.path = None if path is None else Path(path)
        self.reason = reason
        where = f"{self.path}: " if self.path is not None else ""
        super().__init__(f"{where}{reason}")


class CheckpointError(_FileError):
    """A checkpoint that cannot be loaded, and why."""


class ImageLoadError(_FileError):
    """An image that cannot be loaded, and why."""


class SaveError(_FileError):
    """An output file that could not be written, and why; any old file there is left intact."""


class Cancelled(MaeStudioError):
    """A reconstruction abandoned because a newer request arrived."""
