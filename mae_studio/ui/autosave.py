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
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path

import numpy as np
from PySide6.QtCore import (
    QCoreApplication,
    QLockFile,
    QObject,
    QRunnable,
    QThreadPool,
    QTimer,
    Signal,
    SignalInstance,
)
from PySide6.QtWidgets import QMessageBox, QStatusBar, QWidget

from mae_studio.core import places
from mae_studio.core.errors import SaveError
from mae_studio.core.files import ensure_folder, save_png, save_text

from .document import Document
from .session import PASTED_NAME, Session, SessionFileError, read_session

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
        QCoreApplication.translate("autosave", "Restore the last session?"),
        QCoreApplication.translate(
            "autosave",
            "MAE Studio did not close normally last time.\nRestore the session autosaved at {time}?",
        ).format(time=session.saved_at_text),
        QMessageBox.StandardButton.NoButton,
        parent,
    )
    box.setInformativeText(describe(session))
    restore = box.addButton(
        QCoreApplication.translate("autosave", "Restore"), QMessageBox.ButtonRole.AcceptRole
    )
    discard = box.addButton(
        QCoreApplication.translate("autosave", "Discard"), QMessageBox.ButtonRole.DestructiveRole
    )
    box.setDefaultButton(restore)
    box.setEscapeButton(discard)
    box.exec()
    return box.clickedButton() is restore


def describe(s: Session) -> str:
    photo = s.image_name or QCoreApplication.translate("autosave", "none")
    model = (
        s.model_path.name
        if s.model_path is not None
        else QCoreApplication.translate("autosave", "the default model")
    )
    if s.device:
        model = QCoreApplication.translate("autosave", "{model} on {device}").format(
            model=model, device=s.device.upper()
        )
    return QCoreApplication.translate(
        "autosave", "Photo: {photo}\nMask: {removed} of {total} patches removed\nModel: {model}"
    ).format(photo=photo, removed=int(s.mask.sum()), total=s.mask.size, model=model)


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
    """Autosaves `doc` and what `snapshot()` says of the rest of the studio (a Session whose
    image_file is the photo's own file) whenever the document or one of `changes` changes;
    offers a crashed run's session at start and hands it to `restore`. `parent` is the
    question's parent."""

    saved = Signal(object)  # Path of the session file, after each write
    failed = Signal(str)  # why a write failed (also shown in the status bar)

    def __init__(
        self,
        parent: QWidget,
        folder: Path | None,
        *,
        doc: Document,
        snapshot: Callable[[], Session],
        restore: Callable[[Session], None],
        changes: Iterable[SignalInstance],
        status: QStatusBar,
        report_error: Callable[[str, str], None],
        delay_ms: int = DEBOUNCE_MS,
    ) -> None:
        super().__init__(parent)
        self._parent, self._doc, self._snapshot, self._restore = parent, doc, snapshot, restore
        self._status, self._report_error = status, report_error
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
            self._open(folder, changes)

    def _open(self, folder: Path, changes: Iterable[SignalInstance]) -> None:
        try:
            ensure_folder(folder)
        except SaveError as e:
            self.note = self.tr("Autosave is off: {reason}").format(reason=e)
            return
        lock = QLockFile(str(folder / LOCK_FILE))
        lock.setStaleLockTime(0)  # stale only when its process is gone, however long it ran
        if not lock.tryLock(0):
            self.note = self.tr("Autosave is off: another MAE Studio window is autosaving its own session")
            return
        self._lock, self.active = lock, True
        self.left_behind = (folder / SESSION_FILE).exists()
        doc = self._doc
        for signal in (
            doc.image_changed,
            doc.mask_changed,
            doc.recipe_changed,
            doc.grid_changed,
            doc.fit_changed,
        ):
            signal.connect(self.schedule)
        for signal in changes:
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
        doc = self._doc
        copy = None
        image_file: Path | None = doc.image_path.absolute() if doc.image_path is not None else None
        pasted = doc.image is not None and doc.image_path is None
        if pasted:
            if doc.image is not self._copied or self._copy_name is None:
                self._copies += 1
                self._copied, self._copy_name = doc.image, f"session-image-{self._copies}.png"
                copy = (doc.image, self._copy_name)
            image_file = self.folder / self._copy_name  # type: ignore[operator]
        session = replace(self._snapshot(), image_file=image_file, pasted=pasted)
        keep = self._copy_name if pasted else None
        self._pool.start(_Write(self.folder, session.to_json(), copy, keep, self._relay))
        return True

    def wait(self, ms: int = -1) -> bool:
        """Block until every write handed over has finished (tests, shutdown)."""
        return self._pool.waitForDone(ms)

    def _on_saved(self, path: Path) -> None:
        self.last_failure = ""
        self.saved.emit(path)

    def _on_failed(self, message: str) -> None:
        self._copied = None  # the photo's copy may be what failed: write it again next time
        if message != self.last_failure:  # once per reason, not on every edit
            self._status.showMessage(self.tr("Autosave failed: {reason}").format(reason=message), 15000)
        self.last_failure = message
        self.failed.emit(message)

    # ---------------------------------------------------------------- start and exit

    def offer(self) -> bool:
        """At start: if the last run crashed, ask to restore its session; True when restored.
        A damaged session file is set aside with a message and the studio starts fresh."""
        if self.note:
            self._status.showMessage(self.note, 15000)
        if not self.active or not self.left_behind or self.folder is None:
            return False
        path = self.folder / SESSION_FILE
        try:
            session = read_session(path)
        except SessionFileError as e:
            self.left_behind = False
            title = self.tr("The autosaved session cannot be restored")
            self._report_error(title, f"{e}\n\n{self._set_aside(path)}")
            self.schedule()
            return False
        restore = self.ask(self._parent, session)
        if restore:
            self._restore(session)  # reads the pasted photo's copy before any save
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
            return self.tr("MAE Studio starts with a new session.")
        return self.tr("It was kept as {file}; MAE Studio starts with a new session.").format(file=aside)

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
