"""Crash recovery: the session is autosaved on every change and offered back after an unclean exit.

Every change (photo, mask, recipe, model, device, view settings) restarts a DEBOUNCE_MS timer
(a change every few ms for MAX_WAIT_S still saves); then the session (session.py) is written by
one background thread, atomically (core.files), to the data folder, with a PNG copy of a photo
that has no file (pasted or dropped image data). A QLockFile marks the folder as in use: a
session file found at start by the lock's new owner was left by an exit that never reached
finish(), i.e. a crash; offer() asks to restore it. finish() (a clean exit) removes the files.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QLockFile, QObject, QRunnable, QThreadPool, QTimer, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

from mae_studio.core import places
from mae_studio.core.errors import SaveError
from mae_studio.core.files import ensure_folder, save_png, save_text

from .session import PASTED_NAME, Session, SessionFileError, now_text, read_session

if TYPE_CHECKING:
    from .main_window import MainWindow

log = logging.getLogger(__name__)

SESSION_FILE = "session.json"
DAMAGED_FILE = "session.damaged.json"
LOCK_FILE = "session.lock"
DEBOUNCE_MS = 500
MAX_WAIT_S = 5.0


def data_folder() -> Path | None:
    """Where the session is autosaved: <data folder>/autosave, the data folder being Qt's
    AppDataLocation (core.places computes it without Qt, for the command line's log too)."""
    return places.data_folder() / "autosave"


def ask_restore(parent: QWidget, session: Session) -> bool:
    """Restore or Discard, asked in a modal box at start (tests replace Autosave.ask)."""
    box = QMessageBox(
        QMessageBox.Icon.Question,
        "Restore the last session?",
        f"MAE Studio did not close normally last time.\n"
        f"Restore the session autosaved at {session.saved_at_text}?",
        QMessageBox.StandardButton.NoButton,
        parent,
    )
    box.setInformativeText(describe(session))
    restore = box.addButton("Restore", QMessageBox.ButtonRole.AcceptRole)
    discard = box.addButton("Discard", QMessageBox.ButtonRole.DestructiveRole)
    box.setDefaultButton(restore)
    box.setEscapeButton(discard)
    box.exec()
    return box.clickedButton() is restore


def describe(s: Session) -> str:
    total = s.mask.size
    photo = s.image_name or "none"
    model = s.model_path.name if s.model_path is not None else "the default model"
    where = f" on {s.device.upper()}" if s.device else ""
    return f"Photo: {photo}\nMask: {int(s.mask.sum())} of {total} patches removed\nModel: {model}{where}"


class _Relay(QObject):
    saved = Signal(object)  # Path of the session file
    failed = Signal(str)


class _Write(QRunnable):
    """Write a pasted photo's copy (if new), then the session; drop copies it no longer names."""

    def __init__(
        self, folder: Path, text: str, copy: tuple[np.ndarray, str] | None, keep: str | None, relay: _Relay
    ) -> None:
        super().__init__()
        self.folder, self.text, self.copy, self.keep, self.relay = folder, text, copy, keep, relay

    def run(self) -> None:
        try:
            if self.copy is not None:
                save_png(self.folder / self.copy[1], self.copy[0])
            path = save_text(self.folder / SESSION_FILE, self.text)
        except SaveError as e:
            self.relay.failed.emit(str(e))
            return
        remove_copies(self.folder, keep=self.keep)
        self.relay.saved.emit(path)


def remove_copies(folder: Path, keep: str | None = None) -> None:
    for old in folder.glob("session-image-*.png"):
        if old.name != keep and PASTED_NAME.fullmatch(old.name):
            try:
                old.unlink()
            except OSError as e:  # left for the next save or a clean exit to remove
                log.warning("could not remove %s: %s", old, e)


class Autosave(QObject):
    saved = Signal(object)  # Path of the session file, after each write
    failed = Signal(str)  # why a write failed (also shown in the status bar)

    def __init__(self, window: MainWindow, folder: Path | None, delay_ms: int = DEBOUNCE_MS) -> None:
        super().__init__(window)
        self.w = window
        self.folder = folder
        self.ask: Callable[[QWidget, Session], bool] = ask_restore
        self.active = False  # the folder is usable and this window owns it
        self.left_behind = False  # a crashed run's session waits for offer(); never overwritten before
        self.note = ""  # why autosave is off
        self.last_failure = ""
        self._lock: QLockFile | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(delay_ms)
        self._timer.timeout.connect(self.save_now)
        self._pending_since: float | None = None
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)  # writes in order: a photo's copy before the session naming it
        self._relay = _Relay(self)
        self._relay.saved.connect(self._on_saved)
        self._relay.failed.connect(self._on_failed)
        self._copied: np.ndarray | None = None  # the pasted photo whose copy is written
        self._copy_name: str | None = None
        self._copies = 0
        if folder is not None:
            self._open(folder)

    def _open(self, folder: Path) -> None:
        try:
            ensure_folder(folder)
        except SaveError as e:
            self.note = f"Autosave is off: {e}"
            return
        lock = QLockFile(str(folder / LOCK_FILE))
        lock.setStaleLockTime(0)  # stale only when its process is gone, however long it ran
        if not lock.tryLock(0):
            self.note = "Autosave is off: another MAE Studio window is autosaving its own session"
            return
        self._lock, self.active = lock, True
        self.left_behind = (folder / SESSION_FILE).exists()
        w = self.w
        for signal in (
            w.doc.image_changed,
            w.doc.mask_changed,
            w.doc.recipe_changed,
            w.doc.grid_changed,
            w.controller.model_loaded,
            w.canvas.brush_changed,
            w.actions_by_name["grid"].toggled,
            w.actions_by_name["heat"].toggled,
            w.model_panel.device_chosen,
            w.model_panel.precision_chosen,
            w.model_panel.threads_chosen,
        ):
            signal.connect(self.schedule)

    # ---------------------------------------------------------------- saving

    def schedule(self) -> None:
        """Save soon: DEBOUNCE_MS after changes stop, or MAX_WAIT_S after the first unsaved one."""
        if not self.active:
            return
        now = time.monotonic()
        if self._pending_since is None:
            self._pending_since = now
        if now - self._pending_since < MAX_WAIT_S or not self._timer.isActive():
            self._timer.start()

    def save_now(self) -> bool:
        """Hand the current session to the writer thread. False when autosave is off, or while a
        crashed run's session still waits for its answer."""
        self._timer.stop()
        self._pending_since = None
        if not self.active or self.left_behind or self.folder is None:
            return False
        doc = self.w.doc
        copy = None
        image_file: Path | None = doc.image_path.absolute() if doc.image_path is not None else None
        pasted = doc.image is not None and doc.image_path is None
        if pasted:
            if doc.image is not self._copied or self._copy_name is None:
                self._copies += 1
                self._copied, self._copy_name = doc.image, f"session-image-{self._copies}.png"
                copy = (doc.image, self._copy_name)
            image_file = self.folder / self._copy_name  # type: ignore[operator]
        session = self.session(image_file, pasted)
        keep = self._copy_name if pasted else None
        self._pool.start(_Write(self.folder, session.to_json(), copy, keep, self._relay))
        return True

    def session(self, image_file: Path | None, pasted: bool) -> Session:
        w, doc = self.w, self.w.doc
        kind, model_path = w.models.source
        return Session(
            image_name=doc.image_name if doc.image is not None else "",
            image_file=image_file,
            pasted=pasted,
            model_path=model_path.absolute() if kind == "file" and model_path is not None else None,
            device=w.models.device,
            img_size=doc.img_size,
            patch_size=doc.patch_size,
            mask=doc.mask,
            recipe=doc.recipe,
            brush_radius=float(w.canvas.brush_radius),
            grid_visible=w.actions_by_name["grid"].isChecked(),
            heatmap=w.actions_by_name["heat"].isChecked(),
            precision=w.settings.precision(),
            threads=w.settings.inference_threads(),
            saved_at=now_text(),
        )

    def wait(self, ms: int = -1) -> bool:
        """Block until every write handed over has finished (tests, shutdown)."""
        return self._pool.waitForDone(ms)

    def _on_saved(self, path: Path) -> None:
        self.last_failure = ""
        self.saved.emit(path)

    def _on_failed(self, message: str) -> None:
        self._copied = None  # the photo's copy may be what failed: write it again next time
        if message != self.last_failure:  # once per reason, not on every edit
            self.w.status.showMessage(f"Autosave failed: {message}", 15000)
        self.last_failure = message
        self.failed.emit(message)

    # ---------------------------------------------------------------- start and exit

    def offer(self) -> bool:
        """At start: if the last run crashed, ask to restore its session; True when restored.
        A damaged session file is set aside with a message and the studio starts fresh."""
        if self.note:
            self.w.status.showMessage(self.note, 15000)
        if not self.active or not self.left_behind or self.folder is None:
            return False
        path = self.folder / SESSION_FILE
        try:
            session = read_session(path)
        except SessionFileError as e:
            self.left_behind = False
            self.w.report_error("The autosaved session cannot be restored", f"{e}\n\n{self._set_aside(path)}")
            self.schedule()
            return False
        restore = self.ask(self.w, session)
        if restore:
            restore_session(self.w, session)  # reads the pasted photo's copy before any save
        else:
            self._remove_files()
        self.left_behind = False
        self.schedule()
        return restore

    def _set_aside(self, path: Path) -> str:
        aside = path.with_name(DAMAGED_FILE)
        try:
            path.replace(aside)
        except OSError as e:
            log.warning("could not set %s aside: %s", path, e)
            return "MAE Studio starts with a new session."
        return f"It was kept as {aside}; MAE Studio starts with a new session."

    def _remove_files(self) -> None:
        if self.folder is None:
            return
        try:
            (self.folder / SESSION_FILE).unlink(missing_ok=True)
        except OSError as e:  # the next save replaces it anyway
            log.warning("could not remove the session file: %s", e)
        remove_copies(self.folder)

    def finish(self) -> None:
        """A clean exit: the session files go, except a crashed run's that was never offered."""
        if not self.active:
            return
        self.active = False
        self._timer.stop()
        self._pool.waitForDone()
        if not self.left_behind:
            self._remove_files()
        if self._lock is not None:
            self._lock.unlock()


def restore_session(w: MainWindow, s: Session) -> None:
    """Put a session back: view and compute settings, model, mask, then the photo."""
    w.canvas.set_brush_radius(s.brush_radius)
    w.actions_by_name["grid"].setChecked(s.grid_visible)
    w.actions_by_name["heat"].setChecked(s.heatmap)
    panel = w.model_panel
    panel.precision.setCurrentIndex(max(0, panel.precision.findData(s.precision)))
    w.controller.set_precision(s.precision)
    w.settings.set_precision(s.precision)
    panel.threads.setValue(s.threads)  # the panel passes it on to the worker and the settings
    w.models.set_device(s.device if panel.device.findData(s.device or "auto") >= 0 else None)
    if s.model_path is not None:
        w.load_checkpoint(s.model_path)
    else:
        w.load_default_model()
    w.doc.set_geometry(s.img_size, s.patch_size)  # the mask's grid until the model says otherwise
    w.doc.set_recipe(s.recipe)
    w.doc.apply(s.mask, "Restore session")
    w.doc.undo_stack.clear()
    if s.image_file is not None and s.pasted:
        try:
            data = s.image_file.read_bytes()
        except OSError as e:
            w.report_error("Cannot open the photo", f"{s.image_file}: {e.strerror or e}")
        else:
            w.photos.load_bytes(data, s.image_name, w.doc.img_size)
    elif s.image_file is not None:
        w.files.open_path(s.image_file)
    w.status.showMessage(f"Restored the session autosaved at {s.saved_at_text}", 10000)
