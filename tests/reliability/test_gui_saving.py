"""Saving from the studio under faults: an unwritable folder, a missing folder, a file where a
folder should be, a full disk (simulated, and a real small tmpfs where it can be mounted). The old
file survives byte for byte, no temporary file is left, the message names the file and the
reason, and the photo, mask, undo history and result stay in memory. Overwrites ask first."""

from __future__ import annotations

import errno
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtWidgets import QFileDialog, QMessageBox

import mae_studio.core.files as files
from mae_studio.ui import saving

from .gui_fixtures import gui_settings, photo_file, studio

__all__ = ["gui_settings", "photo_file", "studio"]  # fixtures used by name

OLD = b"an old file the user cares about\n" * 40
KINDS = ["sheet.png", "mask.json", "mask.png"]


def save(w, path: Path) -> bool:  # type: ignore[no-untyped-def]
    """The window's save for this kind of file (no dialog)."""
    return w.files.save_comparison(path) if path.name == "sheet.png" else w.files.save_mask(path)


def state(w) -> tuple:  # type: ignore[no-untyped-def]
    doc = w.doc
    return (
        doc.image.tobytes(),
        doc.mask.tobytes(),
        doc.undo_stack.count(),
        doc.undo_stack.index(),
        w.results.result,
    )


def listing(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def refuse_in(monkeypatch: pytest.MonkeyPatch, folder: Path, error: int) -> None:
    """os.open of a new file in `folder` fails with `error` (root ignores permission bits)."""
    real = os.open

    def fake(path, flags, *args, **kw):  # type: ignore[no-untyped-def]
        if Path(path).parent == folder and flags & os.O_CREAT:
            raise OSError(error, os.strerror(error), str(path))
        return real(path, flags, *args, **kw)

    monkeypatch.setattr(files.os, "open", fake)


def disk_fills_after(monkeypatch: pytest.MonkeyPatch, nbytes: int = 100) -> None:
    """The first write stores `nbytes`, then the disk is full."""
    real = os.write
    written = [0]

    def fake(fd: int, data: bytes) -> int:
        if written[0] >= nbytes:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        n = real(fd, bytes(data[: nbytes - written[0]]))
        written[0] += n
        return n

    monkeypatch.setattr(files.os, "write", fake)


FAULTS: dict[str, tuple[Callable[[pytest.MonkeyPatch, Path], None], str]] = {
    # the fault, arranged for a folder -> the reason the message gives
    "unwritable folder": (lambda mp, folder: refuse_in(mp, folder, errno.EACCES), "permission denied"),
    "read-only file system": (lambda mp, folder: refuse_in(mp, folder, errno.EROFS), "read-only"),
    "full disk": (lambda mp, folder: disk_fills_after(mp), "the disk is full"),
}


@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize("name", KINDS)
def test_a_failed_save_keeps_the_old_file_and_the_work(studio, tmp_path, monkeypatch, fault, name):
    w = studio()
    folder = tmp_path / "out"
    folder.mkdir()
    target = folder / name
    target.write_bytes(OLD)
    before = state(w)
    arrange, reason = FAULTS[fault]
    arrange(monkeypatch, folder)
    assert not save(w, target)
    monkeypatch.undo()
    assert listing(folder) == {name: OLD}  # the old bytes, and no temporary file
    assert w.last_error.startswith(f"{target}: ") and reason in w.last_error
    assert w.status.currentMessage().endswith(w.last_error)
    assert state(w) == before
    assert save(w, target) and target.read_bytes() != OLD  # the same save works once the fault is gone


@pytest.mark.parametrize("name", KINDS)
def test_a_missing_folder_or_a_file_in_the_way_is_named(studio, tmp_path, name):
    w = studio()
    before = state(w)
    assert not save(w, tmp_path / "no such folder" / name)
    assert f"the folder {tmp_path / 'no such folder'} does not exist" in w.last_error
    blocker = tmp_path / "blocker"
    blocker.write_bytes(OLD)
    assert not save(w, blocker / "sub" / name)
    assert f"{blocker} is a file, where a folder should be" in w.last_error
    assert w.last_error.startswith(str(blocker / "sub" / name))
    assert blocker.read_bytes() == OLD and state(w) == before
    folder_named_like_it = tmp_path / name
    folder_named_like_it.mkdir()
    assert not save(w, folder_named_like_it) and "a folder has this name" in w.last_error
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["blocker", name, "photo.png", "settings"])


def test_a_real_full_disk_keeps_the_old_comparison(studio, small_tmpfs):
    w = studio()
    disk = small_tmpfs("64k")
    target = disk / "sheet.png"
    target.write_bytes(OLD)
    filler = disk / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT)
    try:  # fill the disk, then free a little: the write starts, then fails
        while os.write(fd, bytes(4096)):
            pass
    except OSError as e:
        assert e.errno == errno.ENOSPC
    finally:
        os.close(fd)
    os.truncate(filler, filler.stat().st_size - 8192)
    before = state(w)
    assert not w.files.save_comparison(target)
    assert w.last_error == f"{target}: the disk is full"
    assert target.read_bytes() == OLD and sorted(p.name for p in disk.iterdir()) == ["filler", "sheet.png"]
    assert state(w) == before


def test_panels_are_saved_all_or_none_when_the_disk_fills(studio, tmp_path, monkeypatch):
    """The five panels are one set: the disk filling on the third leaves all five old files as
    they were (before: the first two were replaced, the rest kept, a mixed set)."""
    w = studio()
    folder = tmp_path / "panels"
    folder.mkdir()
    paths = list(saving.panel_paths(folder, w.files._stem()).values())
    for p in paths:
        p.write_bytes(OLD)
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(folder))
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    real, calls = files._write_all, [0]

    def third_fills_the_disk(fd, path, data):  # type: ignore[no-untyped-def]
        calls[0] += 1
        if calls[0] == 3:
            disk_fills_after(monkeypatch, 10)
        return real(fd, path, data)

    monkeypatch.setattr(files, "_write_all", third_fills_the_disk)
    before = state(w)
    w.files.save_panels_dialog()
    assert w.last_error == f"{paths[2]}: the disk is full"
    assert [p.read_bytes() == OLD for p in paths] == [True] * 5
    assert sorted(p.name for p in folder.iterdir()) == sorted(p.name for p in paths)  # no temp left
    assert state(w) == before


def test_saving_each_panel_asks_before_replacing(studio, tmp_path, monkeypatch):
    w = studio()
    folder = tmp_path / "panels"
    folder.mkdir()
    paths = list(saving.panel_paths(folder, w.files._stem()).values())
    paths[1].write_bytes(OLD)
    asked: list[str] = []
    answer = [QMessageBox.StandardButton.No]
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(folder))
    monkeypatch.setattr(QMessageBox, "question", lambda parent, title, text: asked.append(text) or answer[0])
    w.files.save_panels_dialog()
    assert len(asked) == 1 and paths[1].name in asked[0] and paths[0].name not in asked[0]
    assert listing(folder) == {paths[1].name: OLD}  # "No": nothing written
    answer[0] = QMessageBox.StandardButton.Yes
    w.files.save_panels_dialog()
    assert len(asked) == 2 and paths[1].read_bytes() != OLD and all(p.exists() for p in paths)


@pytest.mark.parametrize(
    ("action", "suffix"), [("save_comparison_dialog", ".png"), ("save_mask_dialog", ".json")]
)
def test_save_dialogs_ask_before_replacing(studio, tmp_path, monkeypatch, action, suffix):
    """The file dialog itself confirms a name it shows; a name typed without its suffix gets
    the suffix here, so the studio asks for that file."""
    w = studio()
    existing = tmp_path / f"result{suffix}"
    existing.write_bytes(OLD)
    calls: list[tuple] = []

    def dialog(*args, **kw):  # type: ignore[no-untyped-def]
        calls.append((args, kw))
        return str(tmp_path / "result"), ""

    asked: list[str] = []
    answer = [QMessageBox.StandardButton.No]
    monkeypatch.setattr(QFileDialog, "getSaveFileName", dialog)
    monkeypatch.setattr(QMessageBox, "question", lambda parent, title, text: asked.append(text) or answer[0])
    getattr(w.files, action)()
    opts = calls[0][1].get("options", QFileDialog.Option(0))
    assert not opts & QFileDialog.Option.DontConfirmOverwrite  # Qt's own question stays on
    assert len(asked) == 1 and existing.name in asked[0] and existing.read_bytes() == OLD
    answer[0] = QMessageBox.StandardButton.Yes
    getattr(w.files, action)()
    assert len(asked) == 2 and existing.read_bytes() != OLD
    assert np.array_equal(w.doc.mask, w.results.result.mask)
