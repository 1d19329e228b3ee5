"""Inference scheduling on the GUI thread: one pending slot, generations, stale results dropped.

Every request gets the next generation number. The controller keeps ONE pending request
(newest wins, never a queue) and hands it to the worker when the worker is idle. Two kinds
of requests:

- live (a brush stroke or slider drag in progress): the run in flight is allowed to finish,
  so the view keeps refreshing while the user paints (throttled by the model's speed). When
  the mask then stays put for QUIET_MS, the run in flight (of an older mask) is cancelled so
  the newest mask starts at once, unless it is about to finish or nothing was shown for a
  while (then it finishes, so painting with short pauses still refreshes);
- settled (any other edit, and the end of a drag): the run in flight is cancelled between
  blocks, and every older result becomes stale.

When a full run of the chosen precision takes longer than PREVIEW_ABOVE_S (fewer than about ten
refreshes a second), a drag's runs are previews (worker.InferJob.preview): the predictor's
decoder alone, in PREVIEW_PRECISION (`fast`), on the encoder output of the last full run minus
the patches removed since (core.predictor.Predictor.preview: about a quarter of ViT-L's work at
75% removed, half of ViT-B's), and the drag's end runs its last mask again in full in the chosen
precision. The precision text the window shows says "preview" while a preview is on screen. A
preview runs to its end (no pre-emption): it takes a fraction of a full run; a full run in
flight when such a drag moves (the previous stroke's end) is cancelled for the preview.

A result is shown only if its generation is at least the `floor`, the generation of the
latest settled request; stale results are dropped here, on the GUI thread, so they never
reach a view. Model loads take priority over inference and move the floor too.

Analyses (error map, sweep, comparison, attention) run one at a time, in steps of about one
reconstruction (worker.AnalysisJob). A step is handed over only when no load and no brush
request waits, and a brush request that arrives during a step makes it give way at its next
block (its reconstruction runs again later), so painting during an analysis stays live: the
brush waits about one block, not one analysis reconstruction, and the analysis carries on with
the mask it started with (the views say when the mask has changed since). A new photo, fit or
model cancels the analysis.

Every run is keyed with what produced it (ResultKey: photo, model, precision, mask), so the
window can tell whether the result on screen belongs to what it shows now (a saved sheet must),
and whether one that does is on its way.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal

from mae_studio.core.results import Reconstruction

from .analysis_slot import AnalysisSlot
from .model_info import ModelInfo
from .worker import AnalysisJob, AnalysisStart, InferenceWorker, InferJob, Loader, LoadJob

QUIET_MS = 30  # a drag that changes nothing for this long counts as paused
MIN_STALE_S = 0.2  # a pause cancels the run in flight only if a result was shown this recently
FINISH_SLACK_S = 0.05  # a stale run this close to its end is allowed to finish
PREVIEW_PRECISION = "fast"  # a drag's previews (the chosen precision follows at its end)
PREVIEW_ABOVE_S = 0.1  # drags preview when a full run takes longer than this


@dataclass(frozen=True)
class ResultKey:
    """What a reconstruction was made from."""

    image_id: int  # the controller's photo counter
    fit: str  # how the photo met the model: "crop", "whole" or "tiles"
    model_id: int  # the load that put the model in place (0: none)
    precision: str
    mask: bytes  # the bool mask, packed with its shape
    preview: bool = False  # a drag's preview (worker.InferJob.preview), never the settled result

    @staticmethod
    def pack(mask: np.ndarray) -> bytes:
        m = np.asarray(mask, dtype=bool)
        return bytes(str(m.shape), "ascii") + np.packbits(m).tobytes()


@dataclass
class ControllerStats:
    requested: int = 0  # requests made (each a generation)
    started: int = 0  # inferences handed to the worker
    finished: int = 0  # results received (shown or stale)
    shown: int = 0  # results passed on to the views
    dropped: int = 0  # stale results dropped
    cancelled: int = 0  # runs abandoned between blocks
    failed: int = 0


class InferenceController(QObject):
    result_ready = Signal(int, object)  # generation, Reconstruction (fresh results only)
    failed = Signal(int, str)  # generation, message
    busy_changed = Signal(bool)  # True while the worker computes
    model_loading = Signal(str)  # what is being loaded (start the busy indicator)
    model_loaded = Signal(object)  # model info
    model_failed = Signal(str)  # message; the previous model stays loaded
    device_failed = Signal(str, str, bool)  # devices.OUT_OF_MEMORY or DEVICE_FAILED, message, while loading
    precision_applied = Signal(str)  # e.g. "fast: bf16 (CPU with native bf16: bf16 weights)"
    threads_applied = Signal(int)
    analysis_progressed = Signal(int, int, int)  # analysis id, steps done, steps in all
    analysis_ready = Signal(int, object)  # analysis id, its result
    analysis_failed = Signal(int, str)  # analysis id, message
    analysis_cancelled = Signal(int, str)  # analysis id, why (for the user)

    def __init__(self, threads: int = 0, precision: str = "exact", parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.stats = ControllerStats()
        self._worker = InferenceWorker(threads, precision)
        self._worker.precision_applied.connect(self._on_precision_applied)
        self._worker.threads_applied.connect(self.threads_applied)
        self._worker.result_ready.connect(self._on_result_ready)
        self._worker.failed.connect(self._on_failed)
        self._worker.cancelled.connect(self._on_cancelled)
        self._worker.model_loaded.connect(self._on_model_loaded)
        self._worker.model_failed.connect(self._on_model_failed)
        self._worker.device_failed.connect(self._on_device_failed)
        self._analyses = AnalysisSlot(self._worker, self)
        self._analyses.progressed.connect(self.analysis_progressed)
        self._analyses.ready.connect(self.analysis_ready)
        self._analyses.failed.connect(self.analysis_failed)
        self._analyses.cancelled.connect(self.analysis_cancelled)
        self._worker.job_done.connect(self._on_job_done)
        self._generation = 0
        self._floor = 0
        self._image: np.ndarray | None = None
        self._fit = "crop"
        self._image_id = 0
        self._pending: InferJob | None = None
        self._pending_load: LoadJob | None = None
        self._running: InferJob | LoadJob | AnalysisJob | None = None
        self._load_id = 0
        self._model_id = 0  # load id of the model the worker holds
        self._precision = precision
        self.preview_precision: str | None = PREVIEW_PRECISION  # None: drags run the chosen one
        self.preview_above_s = PREVIEW_ABOVE_S
        self._previewed = False  # the drag in progress ran a preview
        self._last_mask: np.ndarray | None = None  # the newest request's (a preview's exact rerun)
        self._applied: dict[str, str] = {}  # precision -> the worker's words for it
        self._on_screen: tuple[str, str] = (precision, "")  # the shown result's precision, preview kind
        self._running_key: ResultKey | None = None
        self._reported = False  # the run in flight has sent its outcome (its job_done follows)
        self.shown_key: ResultKey | None = None  # of the last result passed on to the views
        self.failure: tuple[ResultKey, str] | None = None  # the last failed run's key and message
        self._has_model = False
        self._closed = False
        self._quiet = QTimer(self)
        self._quiet.setSingleShot(True)
        self._quiet.setInterval(QUIET_MS)
        self.min_stale_s = MIN_STALE_S
        self._quiet.timeout.connect(self._on_quiet)
        self._in_drag = False
        self._last_refresh = 0.0  # perf_counter of the last result shown, or of the drag's start
        self._started_at = 0.0
        self._full_seconds: dict[str, float] = {}  # moving average of a full run per precision
        self._worker.start(InferenceWorker.Priority.LowPriority)

    # ---------------------------------------------------------------- state

    @property
    def generation(self) -> int:
        """The newest request's generation."""
        return self._generation

    @property
    def floor(self) -> int:
        """Results older than this are stale."""
        return self._floor

    @property
    def busy(self) -> bool:
        return self._running is not None

    @property
    def loading(self) -> bool:
        return isinstance(self._running, LoadJob) or self._pending_load is not None

    @property
    def has_model(self) -> bool:
        return self._has_model

    def is_running(self) -> bool:
        """Whether the worker thread is alive (False after shutdown)."""
        return self._worker.isRunning()

    def set_quiet_ms(self, ms: int) -> None:
        """How long a drag must rest before its newest mask pre-empts a stale run."""
        self._quiet.setInterval(ms)

    def set_threads(self, threads: int) -> None:
        """Model threads from the next inference on (0 = automatic)."""
        self._worker.set_threads(threads)

    def set_precision(self, precision: str) -> None:
        """'exact' or 'fast' from the next inference on."""
        self._precision = precision
        self._worker.set_precision(precision)

    # ---------------------------------------------------------------- requests

    def set_image(self, image: np.ndarray, fit: str = "crop") -> None:
        """A new photo (uint8 [H, W, 3]) or a new fit of it; the next request reconstructs on it.
        Masks of later requests are on the fit's grid."""
        image = np.asarray(image, dtype=np.uint8)
        if image is self._image and fit == self._fit:
            return  # the same photo, framed the same way: the worker keeps what it prepared
        image.setflags(write=False)
        self._image, self._fit = image, fit
        self._image_id += 1
        self.cancel_analysis(self.tr("the photo or its fit changed"))

    def request(self, mask: np.ndarray, live: bool = False) -> int:
        """Reconstruct the image under `mask` (bool [h, w]); returns its generation."""
        self._generation += 1
        self.stats.requested += 1
        if live:
            if not self._in_drag:
                self._in_drag, self._previewed = True, False
                self._last_refresh = time.perf_counter()
            self._quiet.start()
        else:
            self._settle()
        if self._image is None:
            return self._generation
        mask = self._last_mask = np.array(mask, dtype=bool)
        self._pending = InferJob(self._generation, self._image_id, self._image, self._fit, mask)
        running = self._running
        if isinstance(running, AnalysisJob):  # the brush goes first
            self._worker.give_way_upto(running.step)
        elif live and isinstance(running, InferJob) and not running.preview and self._previews_pay():
            # a full run of the mask before this drag (the last stroke's end, say): stale now, and
            # a preview of the new mask costs a fraction of it
            self._worker.cancel_upto(running.generation)
        self._dispatch()
        return self._generation

    def current_key(self, mask: np.ndarray) -> ResultKey:
        """The key a result of `mask` on the current photo, model and precision would have."""
        return ResultKey(self._image_id, self._fit, self._model_id, self._precision, ResultKey.pack(mask))

    def coming(self, mask: np.ndarray) -> bool:
        """Whether a result (or a failure) for `mask` on the current photo is on its way: a run
        of it is in flight or waiting, or a model is loading (a new request follows the load)."""
        in_flight = self._running if not self._reported else None
        if self._pending_load is not None or isinstance(in_flight, LoadJob):
            return True
        key = self.current_key(mask)
        if isinstance(in_flight, InferJob) and self._running_key == key:
            return True
        p = self._pending
        return p is not None and p.image_id == self._image_id and ResultKey.pack(p.mask) == key.mask

    def settle(self) -> None:
        """A drag ended without changing the mask further: the newest request now counts as
        settled. A pending one cancels the run in flight; a run in flight of the newest
        generation simply finishes. A drag that showed previews runs its last mask again in the
        chosen precision."""
        previewed = self._in_drag and self._previewed
        self._settle()
        if previewed and self._last_mask is not None:
            self.request(self._last_mask)

    def load_model(self, loader: Loader, description: str) -> None:
        """Load a model on the worker thread; a pending load of another model is replaced."""
        self._load_id += 1
        self._pending_load = LoadJob(self._load_id, loader)
        self.model_loading.emit(description)
        self.cancel_analysis(self.tr("another model is loading"))
        if isinstance(self._running, InferJob):
            self._worker.cancel_upto(self._running.generation)
        self._dispatch()

    # ---------------------------------------------------------------- analyses

    @property
    def analysis_id(self) -> int | None:
        """The analysis in progress, if any."""
        return self._analyses.current_id

    def start_analysis(self, start: AnalysisStart) -> int:
        """Run an analysis of the current photo on the worker, replacing any in progress.
        Returns its id; its outcome comes as analysis_ready, _failed or _cancelled."""
        analysis_id = self._analyses.start(start, self._image_id)
        if self._image is None:
            self._analyses.fail(self.tr("open a photo first"))
        elif not self._has_model and self._pending_load is None and not isinstance(self._running, LoadJob):
            self._analyses.fail(self.tr("no model is loaded"))
        else:
            self._dispatch()
        return analysis_id

    def cancel_analysis(self, reason: str = "") -> None:
        """Drop the analysis in progress (see AnalysisSlot.cancel)."""
        self._analyses.cancel(reason)
        self._dispatch()

    def _on_quiet(self) -> None:
        """The drag paused: start its newest mask now rather than after a stale run, unless
        the stale run ends within FINISH_SLACK_S anyway (then it is one more refresh), or
        nothing was shown for a while (then the user would see no refresh at all)."""
        if not isinstance(self._running, InferJob) or self._running.preview or self._pending is None:
            return
        now = time.perf_counter()
        key = self._running_key
        took = self._full_seconds.get(key.precision, 0.0) if key is not None else 0.0
        remaining = took - (now - self._started_at)
        stale_limit = max(self.min_stale_s, 0.5 * took)
        if remaining > FINISH_SLACK_S and now - self._last_refresh < stale_limit:
            self._worker.cancel_upto(self._running.generation)

    def _settle(self) -> None:
        self._in_drag = False
        self._quiet.stop()
        self._floor = self._generation
        if isinstance(self._running, InferJob) and self._running.generation < self._floor:
            self._worker.cancel_upto(self._running.generation)

    def _dispatch(self) -> None:
        if self._running is not None or self._closed:
            return
        job: InferJob | LoadJob | AnalysisJob | None
        if self._pending_load is not None:
            job, self._pending_load = self._pending_load, None
        elif self._pending is not None and self._has_model:
            job, self._pending = self._pending, None
            self.stats.started += 1
        elif self._has_model:  # an analysis step, only when the brush waits for nothing
            job = self._analyses.next_job(self._image, self._image_id, self._fit)
            if job is None:
                return
        else:
            return
        self._running, self._reported = job, False
        precision = self._precision
        if isinstance(job, InferJob) and self._in_drag and self._previews_pay():
            precision, self._previewed = self.preview_precision, True
            job = self._running = dataclasses.replace(job, preview=True)
        self._worker.set_precision(precision)  # loads and analyses: always the chosen one
        if isinstance(job, InferJob):  # the worker holds the model of the last successful load
            pack = ResultKey.pack(job.mask)
            key = ResultKey(job.image_id, job.fit, self._model_id, precision, pack, job.preview)
            self._running_key = key
        self._started_at = time.perf_counter()
        self._worker.submit(job)
        self.busy_changed.emit(True)

    def _previews_pay(self) -> bool:
        """A drag previews when full runs of the chosen precision are slow (measured on this
        model: the first drag after a load, before any full run, runs in full)."""
        full = self._full_seconds.get(self._precision, 0.0)
        return self.preview_precision is not None and full > self.preview_above_s

    # ---------------------------------------------------------------- worker signals

    def _on_result_ready(self, generation: int, result: Reconstruction) -> None:
        self.stats.finished += 1
        self._reported = True
        if generation < self._floor or self._closed:
            self.stats.dropped += 1
            return
        self._floor = generation  # never show an older result after this one
        self.stats.shown += 1
        now = time.perf_counter()
        key = self.shown_key = self._key_of(generation)
        if key is not None and not key.preview:
            took = now - self._started_at
            last = self._full_seconds.get(key.precision)
            self._full_seconds[key.precision] = took if last is None else 0.7 * last + 0.3 * took
        self._last_refresh = now
        if key is not None:
            kind = ("decoder" if result.encoder_reused else "preview") if key.preview else ""
            if (key.precision, kind) != self._on_screen:
                self._on_screen = (key.precision, kind)
                self._say_precision()
        self.result_ready.emit(generation, result)

    def _on_precision_applied(self, text: str) -> None:
        """The worker's "fast: int8 (why)": said now for the chosen precision (unless a preview is
        on screen), and for a preview when its result is shown."""
        precision = text.partition(":")[0]
        self._applied[precision] = text
        if precision == self._precision and self._on_screen == (precision, ""):
            self.precision_applied.emit(text)

    def _say_precision(self) -> None:
        precision, kind = self._on_screen
        text = self._applied.get(precision, precision)
        if kind == "decoder":
            text = self.tr("preview, decoder only ({text})").format(text=text)
        elif kind or precision != self._precision:
            text = self.tr("preview ({text})").format(text=text)
        self.precision_applied.emit(text)

    def _key_of(self, generation: int) -> ResultKey | None:
        """The key of the run in flight, if it is `generation` (its signals come before job_done)."""
        running = self._running
        if isinstance(running, InferJob) and running.generation == generation:
            return self._running_key
        return None

    def _on_failed(self, generation: int, message: str) -> None:
        self.stats.failed += 1
        key = self._key_of(generation)
        if key is not None:
            self.failure, self._reported = (key, message), True
        if (generation >= self._floor or generation < 0) and not self._closed:
            self.failed.emit(generation, message)

    def _on_cancelled(self, generation: int) -> None:
        self.stats.cancelled += 1
        self._reported = True

    def _on_model_loaded(self, load_id: int, info: ModelInfo) -> None:
        self._has_model, self._reported = True, True
        self._full_seconds.clear()  # another model: its speed is measured again
        self._model_id = load_id
        self._settle()
        if not self._closed:
            self.model_loaded.emit(info)

    def _on_model_failed(self, load_id: int, message: str) -> None:
        self._reported = True
        if not self._has_model:  # an analysis waiting for this model would wait for ever
            self._analyses.fail(self.tr("no model is loaded"))
        if not self._closed:
            self.model_failed.emit(message)

    def _on_device_failed(self, fault: str, message: str, loading: bool) -> None:
        if not self._closed:  # a stale run's fault counts too: the device is the same
            self.device_failed.emit(fault, message, loading)

    def _on_job_done(self) -> None:
        self._running = None
        self._running_key = None
        self._dispatch()
        if self._running is None:
            self.busy_changed.emit(False)

    # ---------------------------------------------------------------- shutdown

    def shutdown(self, timeout_ms: int = 1000) -> bool:
        """Stop the worker (a run stops at its next block). True when the thread has ended."""
        self._closed = True
        self._quiet.stop()
        self._pending = None
        self._pending_load = None
        self._analyses.shutdown()
        self._worker.stop()
        return self._worker.wait(timeout_ms)

    def wait_for_thread(self, timeout_ms: int | None = None) -> bool:
        """Wait up to `timeout_ms` (None: for ever) for the thread to end (a model load cannot
        be interrupted). True when it has."""
        return bool(self._worker.wait() if timeout_ms is None else self._worker.wait(timeout_ms))
