"""Next and previous photo in the open photo's folder (File > Next Photo, PgDn; Previous, PgUp).

The folder's photos are the files the studio opens (core.image_loading's extensions, any case;
hidden files such as macOS "._" companions left out), in natural order: IMG_2 before IMG_10.
A step does not wrap at either end; it says it is at the first or last photo. The mask stays
(the document carries it when the grid changes: a mask straight from its pattern is made again
on the new grid, a painted one is carried over by area). The listing is on the GUI thread (one
directory read); the decoding is the photo loader's, off it: the loader tries the photos in the
step's direction and skips those that will not open, which are named in the status bar."""

from __future__ import annotations

import logging
import re
from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QStatusBar

from mae_studio.core.image_loading import SUPPORTED_EXTENSIONS
from mae_studio.core.names import printable

from .document import Document
from .photo_loader import LoadedPhoto, PhotoLoader

log = logging.getLogger(__name__)

_DIGITS = re.compile(r"(\d+)")
MESSAGE_MS = 10_000


def natural_key(name: str) -> tuple[object, ...]:
    """Sort key of a file name: runs of digits compare as numbers ("img2" < "img10"), the rest
    case-blind, the stem before the extension ("a" < "a2", whatever their extensions); the name
    itself breaks ties. Parts alternate text, number, text... so compared types always match."""
    stem, _, suffix = name.rpartition(".") if "." in name.lstrip(".") else (name, "", "")
    parts = _DIGITS.split(stem)
    key = tuple((int(part), len(part)) if i % 2 else part.casefold() for i, part in enumerate(parts))
    return (key, suffix.casefold(), name)


def photos_in(folder: Path) -> list[Path]:
    """The photos of `folder` the studio opens, in natural order (OSError if it cannot be read)."""
    found = []
    for entry in folder.iterdir():
        if (
            entry.suffix.lower() in SUPPORTED_EXTENSIONS
            and not entry.name.startswith(".")
            and entry.is_file()
        ):
            found.append(entry)
    return sorted(found, key=lambda p: natural_key(p.name))


def ahead(photos: list[Path], current: Path, direction: int) -> list[Path]:
    """The photos after `current` (direction > 0) or before it, nearest first. `current` need
    not be listed (renamed or deleted since it opened): its place is where its name sorts."""
    key = natural_key(current.name)
    if direction > 0:
        return [p for p in photos if natural_key(p.name) > key]
    return [p for p in reversed(photos) if natural_key(p.name) < key]


def place_of(photos: list[Path], path: Path) -> tuple[int, int] | None:
    """(1-based position, count) of `path` among `photos`, or None."""
    return (photos.index(path) + 1, len(photos)) if path in photos else None


class PhotoFolder(QObject):
    """Steps through the open photo's folder. `step(+1)` / `step(-1)`; returns True when a
    photo is on its way."""

    def __init__(self, parent: QObject, *, doc: Document, photos: PhotoLoader, status: QStatusBar) -> None:
        super().__init__(parent)
        self._doc, self._photos, self._status = doc, photos, status
        self._listing: list[Path] | None = None  # the folder as the step in flight saw it
        self._target: Path | None = None  # the first photo that step asked for
        # After the file actions' own handler: the document has the photo and the window its
        # status line when this runs.
        photos.loaded.connect(self._on_loaded)
        photos.failed.connect(self._on_failed)

    def step(self, direction: int) -> bool:
        doc = self._doc
        # A second press while a step loads goes on from the photo that step asked for.
        current = self._target or doc.image_path
        if current is None:
            if doc.image is None:
                self._say(self.tr("Open a photo first: Next and Previous Photo step through its folder"))
            else:
                text = self.tr(
                    "{name} was pasted and has no folder: Next and Previous Photo step through "
                    "the folder of a photo opened from a file"
                )
                self._say(text.format(name=doc.image_name))
            return False
        try:
            listing = photos_in(current.parent)
        except OSError as e:
            self._say(
                self.tr("Cannot read the folder {folder}: {reason}").format(
                    folder=printable(str(current.parent)), reason=e.strerror or e
                )
            )
            return False
        candidates = ahead(listing, current, direction)
        if not candidates:
            place = place_of(listing, current)
            where = f"{place[0]}/{place[1]}" if place else f"{len(listing)}/{len(listing)}"
            text = (
                self.tr("{name} is the last photo in its folder ({place})")
                if direction > 0
                else self.tr("{name} is the first photo in its folder ({place})")
            )
            self._say(text.format(name=printable(current.name), place=where))
            return False
        self._listing, self._target = listing, candidates[0]
        self._photos.load_first(candidates, doc.geometry)
        return True

    def _on_loaded(self, photo: LoadedPhoto) -> None:
        listing, self._listing, self._target = self._listing, None, None
        if listing is None or photo.path is None:
            return  # not a step's photo
        place = place_of(listing, photo.path)
        position = f"{place[0]}/{place[1]}" if place else "?"
        shown = self._status.currentMessage()
        # The window has just said what the model sees of the photo ("name: 4000x3000, ..."):
        # the position goes in front of it rather than replacing it.
        line = f"{position} · {shown}" if shown.startswith(photo.name) else f"{position} · {photo.name}"
        if photo.skipped:
            for _, message in photo.skipped:
                log.info("skipped while stepping through the folder: %s", message)
            names = ", ".join(printable(path.name) for path, _ in photo.skipped)
            line += " · " + self.tr("skipped (cannot be opened): {names}").format(names=names)
        self._status.showMessage(line, MESSAGE_MS)

    def _on_failed(self, message: str) -> None:
        self._listing, self._target = None, None

    def _say(self, text: str) -> None:
        self._status.showMessage(text, MESSAGE_MS)
