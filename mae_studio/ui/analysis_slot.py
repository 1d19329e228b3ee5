"""The one analysis in progress, on the GUI thread: what its next step is, whether the worker
still holds the steps of a dropped one, and which of the worker's reports still count.

The inference controller owns one and asks it for a job only when no load and no brush request
waits (see controller.py); a report of an analysis that was dropped meanwhile is not passed on.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QObject, Signal

from .worker import AnalysisJob, AnalysisStart, InferenceWorker


@dataclass
class _Analysis:
    analysis_id: int
    start: AnalysisStart | None  # until the first step is handed to the worker
    image_id: int  # the photo (and fit) it is of


class AnalysisSlot(QObject):
    progressed = Signal(int, int, int)  # analysis id, steps done, steps in all
    ready = Signal(int, object)  # analysis id, its result
    failed = Signal(int, str)  # analysis id, message
    cancelled = Signal(int, str)  # analysis id, why (for the user)

    def __init__(self, worker: InferenceWorker, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._worker = worker
        worker.analysis_progressed.connect(self._on_analysis_progressed)
        worker.analysis_ready.connect(self._on_analysis_ready)
        worker.analysis_failed.connect(self._on_analysis_failed)
        worker.analysis_cancelled.connect(self._on_analysis_cancelled)
        self._current: _Analysis | None = None
        self._last_id = 0
        self._steps = 0  # numbers the steps handed over (worker.give_way_upto)
        self._close = False  # the worker holds steps of a dropped analysis: end them
        self._closed = False

    @property
    def current_id(self) -> int | None:
        return self._current.analysis_id if self._current is not None else None

    def start(self, start: AnalysisStart, image_id: int) -> int:
        """A new analysis of photo `image_id`, replacing any in progress; returns its id."""
        self.cancel(self.tr("another analysis started"))
        self._last_id += 1
        self._current = _Analysis(self._last_id, start, image_id)
        return self._last_id

    def fail(self, message: str) -> None:
        """The analysis in progress cannot run: say why."""
        current, self._current = self._current, None
        if current is not None:
            self.failed.emit(current.analysis_id, message)

    def cancel(self, reason: str) -> None:
        """Drop the analysis in progress: a step in flight stops at its next block; the views
        hear `cancelled` now."""
        current, self._current = self._current, None
        if current is None:
            return
        self._worker.cancel_analysis_upto(current.analysis_id)
        if current.start is None:  # the worker holds its steps
            self._close = True
        self.cancelled.emit(current.analysis_id, reason or self.tr("cancelled"))

    def next_job(self, image: np.ndarray | None, image_id: int, fit: str) -> AnalysisJob | None:
        """The job to hand the idle worker, if any: ending a dropped analysis's steps first."""
        if self._close:
            self._close = False
            return AnalysisJob(-1, image_id, None, fit, None, close=True)
        a = self._current
        if a is None or image is None:
            return None
        self._steps += 1
        job = AnalysisJob(a.analysis_id, a.image_id, image, fit, a.start, step=self._steps)
        a.start = None
        return job

    def shutdown(self) -> None:
        """Nothing more is reported."""
        self._closed = True
        self._current = None

    def _is_current(self, analysis_id: int) -> bool:
        return not self._closed and self._current is not None and self._current.analysis_id == analysis_id

    def _on_analysis_progressed(self, analysis_id: int, done: int, total: int) -> None:
        if self._is_current(analysis_id):
            self.progressed.emit(analysis_id, done, total)
        else:
            self._close = True  # dropped while its step ran: end its steps

    def _on_analysis_ready(self, analysis_id: int, result: object) -> None:
        if self._is_current(analysis_id):
            self._current = None
            self.ready.emit(analysis_id, result)

    def _on_analysis_failed(self, analysis_id: int, message: str) -> None:
        if self._is_current(analysis_id):
            self._current = None
            self.failed.emit(analysis_id, message)

    def _on_analysis_cancelled(self, analysis_id: int) -> None:
        if self._is_current(analysis_id):
            self._current = None
            self.cancelled.emit(analysis_id, self.tr("cancelled"))
