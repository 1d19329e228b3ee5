"""Hostile images in the studio: every refused file of the corpus, opened, dropped or pasted,
gives a message naming the file (or "pasted image") and the reason, and the photo, mask, undo
history and result on screen stay as they were. The same files as mask images are refused by
the hardened loader too (no bare Image.open). Every picture of the corpus opens."""

from __future__ import annotations

import re
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent

from .corpus import PNG_SIGNATURE, png_chunk
from .gui_fixtures import TIMEOUT_MS, gui_settings, photo_file, shows_current_mask, studio

__all__ = ["gui_settings", "photo_file", "studio"]  # fixtures used by name


def state(w) -> tuple:  # type: ignore[no-untyped-def]
    doc = w.doc
    return (
        doc.image.tobytes(),
        doc.image_name,
        doc.image_path,
        doc.mask.tobytes(),
        doc.recipe,
        doc.undo_stack.count(),
        doc.undo_stack.index(),
        w.results.result,
        w.windowTitle(),
    )


def drop(w, mime: QMimeData) -> None:  # type: ignore[no-untyped-def]
    event = QDropEvent(
        QPointF(20, 20),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    w.dropEvent(event)


def open_file(w, path: Path, data: bytes) -> str:  # type: ignore[no-untyped-def]
    w.files.open_path(path)
    return path.name


def drop_file(w, path: Path, data: bytes) -> str:  # type: ignore[no-untyped-def]
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    drop(w, mime)
    return path.name


def paste_bytes(w, path: Path, data: bytes) -> str:  # type: ignore[no-untyped-def]
    mime = QMimeData()
    mime.setData("image/png", data)  # what a browser or an image editor puts on the clipboard
    w.files.open_from_mime(mime)
    return "pasted image"


@pytest.fixture
def edited(studio, qtbot):  # type: ignore[no-untyped-def]
    """A started window with an undo history of two edits, the result on screen."""
    w = studio()
    w.doc.invert()
    w.doc.paint_cells([(0, 0)], False)
    qtbot.waitUntil(lambda: shows_current_mask(w), timeout=TIMEOUT_MS)
    return w


@pytest.mark.parametrize("route", [open_file, drop_file, paste_bytes], ids=["open", "drop", "paste"])
def test_a_hostile_image_is_refused_and_the_work_stays(edited, qtbot, corpus, corpus_dir, route):
    w = edited
    before = state(w)
    refused = [c for c in corpus if c.expect == "refused"]
    problems = []
    for case in refused:
        with qtbot.waitSignal(w.photos.failed, timeout=TIMEOUT_MS):
            name = route(w, corpus_dir / case.name, case.data)
        message = w.last_error
        if not (message.startswith(f"{corpus_dir / case.name}: ") or message.startswith(f"{name}: ")):
            problems.append(f"{case.name}: the message does not name the file: {message!r}")
        if not re.search(case.reason, message):
            problems.append(f"{case.name}: expected /{case.reason}/ in {message!r}")
        if not w.status.currentMessage().startswith("Cannot open the photo: "):
            problems.append(f"{case.name}: status {w.status.currentMessage()!r}")
        if state(w) != before:
            problems.append(f"{case.name}: the window's state changed")
    assert problems == [] and len(refused) >= 25
    qtbot.waitUntil(lambda: shows_current_mask(w), timeout=TIMEOUT_MS)
    w.doc.undo_stack.undo()  # the history still works
    assert w.doc.mask[0, 0]


def test_every_picture_of_the_corpus_opens(edited, qtbot, corpus, corpus_dir):
    w = edited
    for case in (c for c in corpus if c.expect == "picture"):
        with qtbot.waitSignal(w.photos.loaded, timeout=3 * TIMEOUT_MS):
            w.files.open_path(corpus_dir / case.name)
        assert w.doc.image_name == case.name and w.doc.framing.size == (64, 64)
    qtbot.waitUntil(lambda: shows_current_mask(w), timeout=TIMEOUT_MS)


def test_hostile_mask_images_are_refused(edited, corpus, tmp_path):
    w = edited
    before = state(w)
    problems = []
    # Tiny images are legal masks (one pixel per patch); every other refusal holds for masks too.
    hostile = [c for c in corpus if c.expect == "refused" and "one patch" not in c.reason]
    for case in hostile:
        path = tmp_path / (Path(case.name).stem + ".png")  # any extension but .json is an image mask
        path.write_bytes(case.data)
        if w.files.load_mask(path):
            problems.append(f"{case.name}: loaded as a mask")
        elif not w.last_error.startswith(f"{path}: not a readable mask (") or not re.search(
            case.reason, w.last_error
        ):
            problems.append(f"{case.name}: {w.last_error!r}")
        if state(w) != before:
            problems.append(f"{case.name}: the window's state changed")
    assert problems == [] and len(hostile) >= 20


def bomb_png(width: int, height: int) -> bytes:
    """A grey PNG whose header claims width x height, with a few bytes of pixel data."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    data = zlib.compress(bytes(64))
    return PNG_SIGNATURE + png_chunk(b"IHDR", header) + png_chunk(b"IDAT", data) + png_chunk(b"IEND", b"")


@pytest.mark.parametrize(("w_px", "h_px"), [(50000, 50000), (9000, 9000)], ids=["2.5 GP", "81 MP"])
def test_a_bomb_mask_is_refused_before_decoding(edited, tmp_path, w_px, h_px):
    """Pillow raises DecompressionBombError over 2x its limit (a bare Image.open let it escape)
    and only warns between 1x and 2x (then decodes); the hardened loader refuses both."""
    w = edited
    before = state(w)
    path = tmp_path / "bomb_mask.png"
    path.write_bytes(bomb_png(w_px, h_px))
    assert struct.unpack(">II", path.read_bytes()[16:24]) == (w_px, h_px)  # IHDR width, height
    assert not w.files.load_mask(path)
    assert w.last_error.startswith(f"{path}: not a readable mask (") and "64 MP limit" in w.last_error
    assert state(w) == before


def test_a_legal_4x4_mask_image_still_loads(edited, tmp_path):
    w = edited
    path = tmp_path / "one_pixel_per_patch.png"
    mask = np.eye(4, dtype=bool)
    Image.fromarray(np.where(mask, 255, 0).astype(np.uint8)).save(path)
    assert w.files.load_mask(path)
    assert np.array_equal(w.doc.mask, mask)
