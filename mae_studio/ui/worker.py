"""The one thread that touches the model.

The worker holds a mailbox of one job, filled by the controller only while the worker is
idle, so nothing ever queues here. It owns the predictor: it loads models (the loader runs
on this thread), sets images and reconstructs masks. It also runs analyses (error map, sweep,
comparison, attention) one step at a time: an analysis is a generator made and advanced only
on this thread, each AnalysisJob advancing it by one step (at most one reconstruction), so the
controller can slip the brush's reconstructions in between steps. A brush request that arrives
during a step need not wait for it: the step gives way (its reconstruction stops at the next
block, the step ends) and that reconstruction runs again, from its start, at the next step.
Only numpy arrays and plain Python objects travel out, through queued signals; a failure is a
`failed` signal, never a dead thread. This module and model_loader.py are the only ui modules
that import torch, and they do so on this thread (run() and the loaders): the window shows
before torch has loaded.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import sys
import threading
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
from PySide6.QtCore import QCoreApplication, QThread, Signal

from mae_studio.core.devices import OUT_OF_MEMORY, device_fault
from mae_studio.core.errors import Cancelled, MaeStudioError
from mae_studio.core.results import Reconstruction

from .model_info import ModelInfo

log = logging.getLogger(__name__)


class PredictorLike(Protocol):
    """What the worker needs of a predictor (core.predictor.Predictor, or a test fake)."""

    def set_image(self, image: np.ndarray, fit: str = "crop") -> Any: ...

    def reconstruct(
        self, mask: np.ndarray, should_cancel: Callable[[], bool] | None = None
    ) -> Reconstruction: ...


# A loader runs on the worker thread and returns (predictor, info about the model).
Loader = Callable[[], tuple[PredictorLike, ModelInfo]]


@dataclass(frozen=True)
class InferJob:
    generation: int
    image_id: int
    image: np.ndarray  # uint8 [H, W, 3], read-only: the photo (the predictor frames it)
    fit: str  # how the predictor frames it: "crop", "whole" or "tiles" (core.results.FITS)
    mask: np.ndarray  # bool [h, w] on the fit's grid, True = removed
    preview: bool = False  # a brush stroke's quick look: the predictor's preview() where it has one


@dataclass(frozen=True)
class LoadJob:
    load_id: int
    loader: Loader


# An analysis in steps: yields (done, total) after each step, returns its result (numpy and plain
# Python only). Made on the worker thread from the predictor and a cancel check.
AnalysisSteps = Generator[tuple[int, int], None, object]


@dataclass(frozen=True)
class StepChecks:
    """What an analysis's steps ask between blocks of a reconstruction."""

    cancelled: Callable[[], bool]  # the analysis was dropped (or the worker stops): raise Cancelled
    give_way: Callable[[], bool]  # a brush request waits: end this step, run the work again later

    def either(self) -> bool:
        """The cancel check to hand a reconstruction that may give way."""
        return self.cancelled() or self.give_way()


AnalysisStart = Callable[[PredictorLike, StepChecks], AnalysisSteps]


@dataclass(frozen=True)
class AnalysisJob:
    analysis_id: int
    image_id: int
    image: np.ndarray | None  # the photo the analysis is of (the predictor holds it when None)
    fit: str
    start: AnalysisStart | None  # with the first step: makes the steps; None for later steps
    close: bool = False  # the analysis was dropped: end its steps, free what they hold
    step: int = 0  # this step's number (worker.give_way_upto names steps by it)


def describe_error(e: BaseException) -> str:
    """One line for the user: the message of a MaeStudioError, else the kind and message."""
    if isinstance(e, MaeStudioError):
        return str(e)
    if device_fault(e) == OUT_OF_MEMORY:
        detail = str(e).splitlines()[0][:200]
        return QCoreApplication.translate("worker", "out of memory on the model's device ({detail})").format(
            detail=detail
        )
    first = str(e).strip().splitlines()[0][:300] if str(e).strip() else ""
    return f"{type(e).__name__}: {first}" if first else type(e).__name__


WORKER_NICE = 3  # the GUI thread wins when both want the same core


def _lower_this_threads_priority() -> None:
    """Make the model yield the CPU to the GUI thread. Linux applies nice per thread; elsewhere
    QThread priorities do the same job (set by the controller)."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError):  # not permitted in some sandboxes: run at normal priority
            tid = threading.get_native_id()
            os.setpriority(os.PRIO_PROCESS, tid, min(19, os.getpriority(os.PRIO_PROCESS, tid) + WORKER_NICE))


class InferenceWorker(QThread):
    result_ready = Signal(int, object)  # generation, core.results.Reconstruction
    failed = Signal(int, str)  # generation, message
    cancelled = Signal(int)  # generation abandoned between blocks for a newer mask
    model_loaded = Signal(int, object)  # load id, model info
    model_failed = Signal(int, str)  # load id, message
    precision_applied = Signal(str)  # what the model now computes with, e.g. "fast: bf16 (...)"
    threads_applied = Signal(int)  # intra-op threads the model runs with
    device_failed = Signal(str, str, bool)  # OUT_OF_MEMORY or DEVICE_FAILED, message, while loading
    analysis_progressed = Signal(int, int, int)  # analysis id, steps done, steps in all
    analysis_ready = Signal(int, object)  # analysis id, its result
    analysis_failed = Signal(int, str)  # analysis id, message
    analysis_cancelled = Signal(int)  # analysis id: stopped between blocks, its steps ended
    job_done = Signal()  # idle again, after any of the above

    def __init__(self, threads: int = 0, precision: str = "exact") -> None:
        super().__init__()
        self.setObjectName("mae-inference")
        self._threads = max(0, int(threads or 0))  # 0: core.threads decides (interactive)
        self._precision = precision
        self._cond = threading.Condition()
        self._job: InferJob | LoadJob | AnalysisJob | None = None
        self._stopping = False
        self._cancel_upto = -1  # runs with generation <= this stop at the next block
        self._cancel_analysis_upto = -1  # analyses with id <= this stop at the next block
        self._analysis: tuple[int, AnalysisSteps] | None = None  # id and steps of the one in progress
        self._step = 0  # the analysis step running
        self._give_way_upto = -1  # analysis steps with a number <= this give way to the brush
        self._predictor: PredictorLike | None = None
        self._image_id = -1  # the image the predictor holds

    # ---------------------------------------------------------------- GUI thread side

    def submit(self, job: InferJob | LoadJob | AnalysisJob) -> None:
        """Hand a job over; the controller only does so while the worker is idle."""
        with self._cond:
            if self._job is not None:
                raise RuntimeError("the worker's mailbox is full; wait for job_done")
            self._job = job
            self._cond.notify()

    def cancel_upto(self, generation: int) -> None:
        """Abandon a run of this generation or older at its next block boundary."""
        self._cancel_upto = max(self._cancel_upto, generation)

    def cancel_analysis_upto(self, analysis_id: int) -> None:
        """Stop an analysis of this id or older at its next block boundary."""
        self._cancel_analysis_upto = max(self._cancel_analysis_upto, analysis_id)

    def give_way_upto(self, step: int) -> None:
        """A brush request waits: an analysis step of this number or older ends at its next block
        (the work it stopped runs again at the next step)."""
        self._give_way_upto = max(self._give_way_upto, step)

    def stop(self) -> None:
        """Ask the thread to end: a run stops at its next block, nothing more is emitted."""
        with self._cond:
            self._stopping = True
            self._job = None
            self._cond.notify()

    def set_threads(self, threads: int) -> None:
        """Intra-op threads for the next job; 0 = automatic (core.threads.interactive_threads)."""
        self._threads = max(0, int(threads))

    def set_precision(self, precision: str) -> None:
        """'exact' or 'fast' from the next job on (a new variant is built on this thread)."""
        self._precision = precision

    # ---------------------------------------------------------------- worker thread

    def run(self) -> None:
        _lower_this_threads_priority()
        applied = -1
        while True:
            with self._cond:
                while self._job is None and not self._stopping:
                    self._cond.wait()
                if self._stopping:
                    return
                job, self._job = self._job, None
            if applied != self._threads:
                # torch loads here, with the first job (the app submits it after the first paint)
                from mae_studio.core.threads import configure_threads

                changed, applied = applied != -1, self._threads
                self.threads_applied.emit(configure_threads(interactive=True, threads=self._threads or None))
                if changed and self._predictor is not None and hasattr(self._predictor, "threads_changed"):
                    self._predictor.threads_changed()  # its ONNX Runtime sessions are per thread count
            if isinstance(job, LoadJob):
                self._load(job)
            elif isinstance(job, AnalysisJob):
                self._analyse(job)
            else:
                self._infer(job)
            if self._stopping:
                self._end_analysis()
                return  # a stopped worker emits nothing more
            self.job_done.emit()

    def _load(self, job: LoadJob) -> None:
        try:
            predictor, info = job.loader()
        except Exception as e:  # any failure leaves the current model in place, reported
            log.error("model load failed", exc_info=True)
            self._free_after(e, loading=True)
            if not self._stopping:
                self.model_failed.emit(job.load_id, describe_error(e))
            return
        self._end_analysis()  # its steps hold the old model
        old, self._predictor = self._predictor, predictor
        if old is not None:
            if hasattr(old, "stop_warm_up"):
                old.stop_warm_up()
            # The GUI froze the previous model out of the garbage collector's sight (see
            # MainWindow._on_model_loaded): thaw and collect once, while the user waits anyway.
            del old
            gc.unfreeze()
            gc.collect()
        self._image_id = -1
        if not self._stopping:
            self.model_loaded.emit(job.load_id, info)
        try:
            self._apply_precision(predictor)
        except (RuntimeError, ValueError) as e:  # reported; the model runs at its default precision
            said = self.tr("precision {precision} unavailable ({reason})")
            self.failed.emit(-1, said.format(precision=self._precision, reason=describe_error(e)))
        if hasattr(predictor, "start_warm_up"):
            predictor.start_warm_up()  # CUDA graphs for common visible-token counts; nothing on CPU

    def _apply_precision(self, predictor: PredictorLike) -> None:
        current = getattr(predictor, "precision", None)
        if current is None or current == self._precision:
            return
        variant = predictor.set_precision(self._precision)  # type: ignore[attr-defined]
        reason = getattr(variant, "reason", "")
        self.precision_applied.emit(f"{self._precision}: {variant.name}" + (f" ({reason})" if reason else ""))

    def _infer(self, job: InferJob) -> None:
        predictor = self._predictor
        if predictor is None:
            self.failed.emit(job.generation, self.tr("no model is loaded"))
            return

        def should_cancel() -> bool:
            return self._stopping or job.generation <= self._cancel_upto

        try:
            self._apply_precision(predictor)
            if self._image_id != job.image_id:
                self._image_id = -1
                predictor.set_image(job.image, fit=job.fit)
                self._image_id = job.image_id
            if should_cancel():
                raise Cancelled("superseded before it started")
            run = getattr(predictor, "preview", None) if job.preview else None
            result = (run or predictor.reconstruct)(job.mask, should_cancel)
        except Cancelled:
            if not self._stopping:
                self.cancelled.emit(job.generation)
            return
        except Exception as e:  # reported as a message; the thread lives on for the next job
            log.error("reconstruction %d failed", job.generation, exc_info=True)
            self._free_after(e, loading=False)
            if not self._stopping:
                self.failed.emit(job.generation, describe_error(e))
            return
        if not self._stopping:
            self.result_ready.emit(job.generation, result)

    def _analyse(self, job: AnalysisJob) -> None:
        """One step of an analysis: start it (job.start), or advance the one in progress."""
        if job.close or job.start is not None:
            self._end_analysis()
        if job.close:
            return
        predictor = self._predictor
        if predictor is None:
            self.analysis_failed.emit(job.analysis_id, self.tr("no model is loaded"))
            return

        def should_cancel() -> bool:
            return self._stopping or job.analysis_id <= self._cancel_analysis_upto

        def give_way() -> bool:  # read during later steps too: the step running then
            return self._step <= self._give_way_upto

        self._step = job.step
        try:
            self._apply_precision(predictor)
            if job.image is not None and self._image_id != job.image_id:
                self._image_id = -1
                predictor.set_image(job.image, fit=job.fit)
                self._image_id = job.image_id
            if job.start is not None:
                self._analysis = (job.analysis_id, job.start(predictor, StepChecks(should_cancel, give_way)))
            if self._analysis is None or self._analysis[0] != job.analysis_id:
                raise RuntimeError(f"analysis {job.analysis_id} is not in progress")
            if should_cancel():
                raise Cancelled("analysis cancelled")
            done, total = next(self._analysis[1])
        except StopIteration as end:
            self._analysis = None
            if not self._stopping:
                self.analysis_ready.emit(job.analysis_id, end.value)
            return
        except Cancelled:
            self._end_analysis()
            if not self._stopping:
                self.analysis_cancelled.emit(job.analysis_id)
            return
        except Exception as e:  # reported as a message; the thread lives on for the next job
            log.error("analysis %d failed", job.analysis_id, exc_info=True)
            self._end_analysis()
            self._free_after(e, loading=False)
            if not self._stopping:
                self.analysis_failed.emit(job.analysis_id, describe_error(e))
            return
        if not self._stopping:
            self.analysis_progressed.emit(job.analysis_id, done, total)

    def _end_analysis(self) -> None:
        """Close the analysis in progress (on this thread: its steps may hold a second model)."""
        if self._analysis is not None:
            steps, self._analysis = self._analysis[1], None
            try:
                steps.close()
            except Exception:  # a step's clean-up failing must not end the thread: logged
                log.warning("closing an analysis failed", exc_info=True)

    def _free_after(self, e: Exception, loading: bool) -> None:
        """After a device fault: free what the failed run held, and say so (the GUI offers the
        CPU). Emitted before `failed` / `model_failed`."""
        fault = device_fault(e)
        if fault is None:
            return
        import torch

        if fault == OUT_OF_MEMORY and torch.cuda.is_available():
            try:
                torch.cuda.empty_cache()
            except RuntimeError:  # a broken CUDA context: nothing more can be freed
                log.warning("could not empty the CUDA cache", exc_info=True)
        if not self._stopping:
            self.device_failed.emit(fault, describe_error(e), loading)
