"""A drag on a slow model shows fast previews (the decoder alone where the predictor can),
labelled as such, and ends on a full result in the chosen precision; fast models need none."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from mae_studio.core import masks
from mae_studio.ui.controller import InferenceController

from .fakes import FakePredictor, fake_loader, photo

TIMEOUT_MS = 5000


@dataclass(frozen=True)
class _Variant:
    name: str
    reason: str = ""


class PrecisionFake(FakePredictor):
    """A fake predictor with precisions: records the precision of every finished run."""

    def __init__(self, decoder_previews: bool = False, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(**kwargs)
        self.precision = "exact"
        self.runs: list[tuple[str, np.ndarray]] = []  # (precision, or "preview " + it; mask)
        self.decoder_previews = decoder_previews  # preview() reuses an encoder output

    def set_precision(self, precision: str) -> _Variant:
        self.precision = precision
        return _Variant("int8", "measured") if precision == "fast" else _Variant("fp32")

    def reconstruct(self, mask, should_cancel=None):  # type: ignore[no-untyped-def]
        result = super().reconstruct(mask, should_cancel)
        self.runs.append((self.precision, mask.copy()))
        return result

    def preview(self, mask, should_cancel=None):  # type: ignore[no-untyped-def]
        if not self.decoder_previews:  # as the real one without an encoder output: a full run
            return self.reconstruct(mask, should_cancel)
        result = FakePredictor.reconstruct(self, mask, should_cancel)
        result.encoder_reused = True
        self.runs.append(("preview " + self.precision, mask.copy()))
        return result


@pytest.fixture
def controller(qtbot):
    made: list[InferenceController] = []

    def make(
        fake: PrecisionFake, precision: str = "exact", preview_above_s: float = 0.0
    ) -> InferenceController:
        """A controller on `fake` with one settled result shown (full runs are timed by them)."""
        c = InferenceController(threads=1, precision=precision)
        c.preview_above_s = preview_above_s  # the fakes take 20 ms: 0 makes them "slow"
        made.append(c)
        with qtbot.waitSignal(c.model_loaded, timeout=TIMEOUT_MS):
            c.load_model(fake_loader(fake), "fake")
        qtbot.waitUntil(lambda: not c.busy, timeout=TIMEOUT_MS)
        c.set_image(photo())
        with qtbot.waitSignal(c.result_ready, timeout=TIMEOUT_MS):
            c.request(masks.random_mask(4, 0.75, 5))
        qtbot.waitUntil(lambda: not c.busy, timeout=TIMEOUT_MS)
        fake.runs.clear()
        return c

    yield make
    for c in made:
        assert c.shutdown(2000)


def _drag(c: InferenceController, qtbot, fake: PrecisionFake) -> np.ndarray:  # type: ignore[no-untyped-def]
    """A drag of a few masks with a result shown on the way; returns the last mask."""
    mask = masks.random_mask(4, 0.25, 0)
    c.request(mask, live=True)
    qtbot.waitUntil(lambda: len(fake.runs) >= 1 and not c.busy, timeout=TIMEOUT_MS)
    mask = masks.random_mask(4, 0.5, 1)
    c.request(mask, live=True)
    return mask


def _stroke_end(c: InferenceController, qtbot, last: np.ndarray) -> None:  # type: ignore[no-untyped-def]
    c.settle()
    qtbot.waitUntil(lambda: not c.busy and c.shown_key == c.current_key(last), timeout=TIMEOUT_MS)


def test_a_drag_previews_in_fast_and_ends_exact(controller, qtbot):
    fake = PrecisionFake(delay=0.02)
    c = controller(fake)
    said: list[str] = []
    c.precision_applied.connect(said.append)
    shown: list = []
    c.result_ready.connect(lambda g, r: shown.append(c.shown_key))
    last = _drag(c, qtbot, fake)
    qtbot.waitUntil(lambda: len(shown) >= 1, timeout=TIMEOUT_MS)
    assert shown[0].precision == "fast" and shown[0].preview
    assert c.shown_key != c.current_key(fake.runs[0][1])  # a preview is never the settled result
    assert said and said[-1].startswith("preview (fast: int8")  # the window says it is a preview
    _stroke_end(c, qtbot, last)
    assert fake.runs[-1][0] == "exact" and np.array_equal(fake.runs[-1][1], last)
    assert {p for p, _ in fake.runs[:-1]} == {"fast"}  # every run during the drag was a preview
    assert said[-1].startswith("exact")  # the exact result is on screen again


def test_a_decoder_preview_says_so(controller, qtbot):
    fake = PrecisionFake(delay=0.02, decoder_previews=True)
    c = controller(fake)
    said: list[str] = []
    c.precision_applied.connect(said.append)
    last = _drag(c, qtbot, fake)
    qtbot.waitUntil(lambda: bool(said), timeout=TIMEOUT_MS)
    assert said[0].startswith("preview, decoder only (fast: int8")
    _stroke_end(c, qtbot, last)
    assert {p for p, _ in fake.runs[:-1]} == {"preview fast"}
    assert fake.runs[-1][0] == "exact" and said[-1].startswith("exact")


def test_a_model_fast_enough_needs_no_previews(controller, qtbot):
    fake = PrecisionFake(delay=0.02, decoder_previews=True)
    c = controller(fake, preview_above_s=10.0)  # full runs count as fast: every drag run is one
    last = _drag(c, qtbot, fake)
    _stroke_end(c, qtbot, last)
    assert {p for p, _ in fake.runs} == {"exact"}
    assert sum(np.array_equal(m, last) for _, m in fake.runs) == 1  # no second run at the end


def test_without_previews_a_drag_runs_the_chosen_precision(controller, qtbot):
    fake = PrecisionFake(delay=0.02)
    c = controller(fake)
    c.preview_precision = None
    last = _drag(c, qtbot, fake)
    _stroke_end(c, qtbot, last)
    assert {p for p, _ in fake.runs} == {"exact"}
    assert sum(np.array_equal(m, last) for _, m in fake.runs) == 1  # no second run at the end


def test_fast_chosen_previews_and_ends_on_a_full_fast_run(controller, qtbot):
    fake = PrecisionFake(delay=0.02, decoder_previews=True)
    c = controller(fake, precision="fast")
    last = _drag(c, qtbot, fake)
    _stroke_end(c, qtbot, last)
    assert {p for p, _ in fake.runs[:-1]} == {"preview fast"}
    assert fake.runs[-1][0] == "fast" and np.array_equal(fake.runs[-1][1], last)


def test_a_fast_model_with_fast_chosen_runs_each_mask_once(controller, qtbot):
    fake = PrecisionFake(delay=0.02, decoder_previews=True)
    c = controller(fake, precision="fast", preview_above_s=10.0)
    last = _drag(c, qtbot, fake)
    _stroke_end(c, qtbot, last)
    assert {p for p, _ in fake.runs} == {"fast"}
    assert sum(np.array_equal(m, last) for _, m in fake.runs) == 1


def test_a_preview_is_not_cancelled_when_the_drag_pauses(controller, qtbot):
    fake = PrecisionFake(delay=0.3, decoder_previews=True)  # longer than the pause threshold
    c = controller(fake)
    c.request(masks.random_mask(4, 0.25, 0), live=True)
    qtbot.waitUntil(lambda: fake.running.is_set(), timeout=TIMEOUT_MS)
    c.request(masks.random_mask(4, 0.5, 1), live=True)  # then the drag rests
    qtbot.waitUntil(lambda: len(fake.runs) >= 1, timeout=TIMEOUT_MS)
    assert c.stats.cancelled == 0 and fake.runs[0][0] == "preview fast"


def test_a_new_stroke_cancels_the_last_strokes_full_run_for_its_preview(controller, qtbot):
    fake = PrecisionFake(delay=0.02, decoder_previews=True)
    c = controller(fake)
    fake.delay = 30.0  # the last stroke's full run would take long
    c.request(masks.random_mask(4, 0.25, 0))
    qtbot.waitUntil(lambda: fake.running.is_set(), timeout=TIMEOUT_MS)
    fake.delay = 0.02
    shown: list = []
    c.result_ready.connect(lambda g, r: shown.append(c.shown_key))
    c.request(masks.random_mask(4, 0.5, 1), live=True)  # the next stroke starts
    qtbot.waitUntil(lambda: bool(shown), timeout=TIMEOUT_MS)
    assert c.stats.cancelled == 1 and shown[0].preview
    assert [p for p, _ in fake.runs] == ["preview fast"]  # the full run never finished
