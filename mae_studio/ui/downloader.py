"""Model downloads in the background, away from the inference worker, so the model in use keeps
working while another one arrives.

A download runs core.downloads.fetch on its own daemon thread and reports through queued
signals: `progressed` (bytes, speed, time left, at most ten times a second), then exactly one of
`downloaded`, `failed` or `cancelled`. Cancel is checked between chunks of PROGRESS_CHUNK bytes.

Why a Python daemon thread and not a QThread: a network read can block longer than any join
timeout a closing window can afford (the transport's read timeout, then its retries), and Qt
aborts the process when a QThread object is destroyed while it runs. A daemon thread that
outlives `shutdown` is simply abandoned at exit; it never touches Qt again, because every emit
happens under a lock and only while the downloader has not been shut down (a stopped worker
emits nothing). This module imports no torch (the fetch's verification imports it lazily, on the
download thread).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, Signal

from mae_studio.core.catalogue import CatalogueModel, format_size
from mae_studio.core.downloads import ModelSource, cached_path, catalogue_source, fetch
from mae_studio.core.errors import Cancelled, MaeStudioError

log = logging.getLogger(__name__)

EMIT_EVERY_S = 0.1  # progress reports to the GUI, at most this often (the last one always)
RATE_WINDOW_S = 3.0  # speed = bytes over about this many recent seconds


def format_duration(seconds: float) -> str:
    """42 -> '42 s', 200 -> '3 min 20 s', 5400 -> '1 h 30 min'."""
    s = max(0, round(seconds))
    if s < 60:
        return QCoreApplication.translate("downloader", "{s} s").format(s=s)
    if s < 3600:
        if s < 600:
            return QCoreApplication.translate("downloader", "{m} min {s} s").format(
                m=s // 60, s=f"{s % 60:02d}"
            )
        return QCoreApplication.translate("downloader", "{m} min").format(m=round(s / 60))
    return QCoreApplication.translate("downloader", "{h} h {m} min").format(
        h=s // 3600, m=f"{round(s % 3600 / 60):02d}"
    )


@dataclass(frozen=True)
class DownloadProgress:
    done: int  # bytes on disk, a resumed part included
    total: int | None  # bytes in all, when the server says
    bytes_per_s: float | None  # recent speed, once there is enough to measure

    @property
    def fraction(self) -> float | None:
        return min(1.0, self.done / self.total) if self.total else None

    @property
    def seconds_left(self) -> float | None:
        if not self.total or not self.bytes_per_s:
            return None
        return max(0.0, self.total - self.done) / self.bytes_per_s

    def text(self) -> str:
        """'412 MB of 1.3 GB · 5.2 MB/s · about 2 min 54 s left'."""
        done = format_size(self.done)
        parts = [
            QCoreApplication.translate("downloader", "{done} of {total}").format(
                done=done, total=format_size(self.total)
            )
            if self.total
            else done
        ]
        if self.bytes_per_s:
            parts.append(
                QCoreApplication.translate("downloader", "{size}/s").format(
                    size=format_size(round(self.bytes_per_s))
                )
            )
        if (left := self.seconds_left) is not None:
            parts.append(
                QCoreApplication.translate("downloader", "about {duration} left").format(
                    duration=format_duration(left)
                )
            )
        return " · ".join(parts)


class RateMeter:
    """Recent download speed from (time, bytes done) samples."""

    def __init__(self, window_s: float = RATE_WINDOW_S) -> None:
        self.window_s = window_s
        self._samples: deque[tuple[float, int]] = deque()

    def add(self, t: float, done: int) -> None:
        if self._samples and done < self._samples[-1][1]:
            self._samples.clear()  # a new file of the same download (a Hub repo's next file)
        self._samples.append((t, done))
        while len(self._samples) > 2 and t - self._samples[1][0] >= self.window_s:
            self._samples.popleft()

    def bytes_per_s(self) -> float | None:
        if len(self._samples) < 2:
            return None
        (t0, d0), (t1, d1) = self._samples[0], self._samples[-1]
        return (d1 - d0) / (t1 - t0) if t1 - t0 >= 0.2 else None


class _Background(QObject):
    """One job at a time on a daemon thread; `_emit` is silent once shut down."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._lock = threading.Lock()
        self._stopped = False
        self._thread: threading.Thread | None = None

    def _run_in_background(self, target: Callable[[], None], name: str) -> None:
        self._thread = threading.Thread(target=target, name=name, daemon=True)
        self._thread.start()

    def _emit(self, signal: Any, *args: object) -> bool:
        with self._lock:
            if self._stopped:
                return False
            signal.emit(*args)
            return True

    def _stop(self, timeout_s: float) -> bool:
        """Emit nothing more; True when the thread has ended within `timeout_s`."""
        with self._lock:
            self._stopped = True
        thread = self._thread
        if thread is None:
            return True
        thread.join(timeout_s)
        return not thread.is_alive()


class CacheScanner(_Background):
    """Which catalogue models are on disk, found off the GUI thread (the Hugging Face cache
    lookup imports huggingface_hub, a fraction of a second the first time). No request is made."""

    scanned = Signal(object)  # {name: Path or None}

    def scan(self, entries: list[CatalogueModel]) -> None:
        def run() -> None:
            found: dict[str, Path | None] = {}
            for entry in entries:
                try:
                    found[entry.name] = cached_path(catalogue_source(entry))
                except (OSError, MaeStudioError) as e:  # an unreadable cache counts as not there
                    log.warning("could not look for %s in the cache: %s", entry.name, e)
                    found[entry.name] = None
            self._emit(self.scanned, found)

        self._run_in_background(run, "mae-cache-scan")

    def shutdown(self, timeout_s: float = 1.0) -> bool:
        return self._stop(timeout_s)


class ModelDownloader(_Background):
    """Fetches one model at a time; see the module docstring."""

    progressed = Signal(object)  # DownloadProgress
    downloaded = Signal(object)  # core.downloads.Fetched
    failed = Signal(str)  # one line naming the source and the reason
    cancelled = Signal(str)  # what was kept for the next try
    _reported = Signal(int, object)  # job, DownloadProgress (from the download thread)
    _ended = Signal(int, str, object)  # job, "downloaded" | "failed" | "cancelled", payload

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._job = 0
        self._cancel = threading.Event()
        self.source: ModelSource | None = None  # the download in progress
        self.last_progress: DownloadProgress | None = None
        self._reported.connect(self._on_reported)
        self._ended.connect(self._on_ended)

    @property
    def busy(self) -> bool:
        return self.source is not None

    def start(self, source: ModelSource) -> None:
        if self.busy:
            raise RuntimeError("a download is already in progress")
        self._job += 1
        job, cancel = self._job, threading.Event()
        self._cancel, self.source, self.last_progress = cancel, source, None
        meter = RateMeter()
        last_emit = [0.0]

        def progress(done: int, total: int | None) -> None:
            now = time.monotonic()
            meter.add(now, done)
            if now - last_emit[0] >= EMIT_EVERY_S or (total is not None and done >= total):
                last_emit[0] = now
                self._emit(self._reported, job, DownloadProgress(done, total, meter.bytes_per_s()))

        def run() -> None:
            try:
                fetched = fetch(source, progress=progress, should_cancel=cancel.is_set)
            except Cancelled:
                self._emit(self._ended, job, "cancelled", None)
            except MaeStudioError as e:  # DownloadError: one line naming the source
                self._emit(self._ended, job, "failed", str(e))
            except Exception as e:  # a bug or an error the core did not expect: reported, not lost
                log.error("download of %s failed", source.where, exc_info=True)
                self._emit(self._ended, job, "failed", f"{source.where}: {type(e).__name__}: {e}")
            else:
                self._emit(self._ended, job, "downloaded", fetched)

        self._run_in_background(run, "mae-download")

    def cancel(self) -> None:
        """Stop at the next chunk; `cancelled` follows (a URL download keeps its part)."""
        self._cancel.set()

    def shutdown(self, timeout_s: float = 2.0) -> bool:
        """Cancel, emit nothing more, and wait up to `timeout_s` for the thread to end."""
        self._cancel.set()
        self.source = None
        return self._stop(timeout_s)

    def _on_reported(self, job: int, progress: DownloadProgress) -> None:
        if job == self._job and self.source is not None:
            self.last_progress = progress
            self.progressed.emit(progress)

    def _on_ended(self, job: int, outcome: str, payload: object) -> None:
        if job != self._job:
            return
        self.source = None
        if outcome == "downloaded":
            self.downloaded.emit(payload)
        elif outcome == "failed":
            self.failed.emit(str(payload))
        else:
            self.cancelled.emit(self._kept_note())

    def _kept_note(self) -> str:
        p = self.last_progress
        if p is None or p.done == 0:
            return self.tr("Nothing had been downloaded yet.")
        return self.tr("The {size} downloaded so far are kept; the next download resumes there.").format(
            size=format_size(p.done)
        )
