"""A drag with exact chosen shows fast previews, labelled as such, and ends on an exact result."""

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

    def __init__(self, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(**kwargs)
        self.precision = "exact"
        self.runs: list[tuple[str, np.ndarray]] = []

    def set_precision(self, precision: str) -> _Variant:
        self.precision = precision
        return _Variant("int8", "measured") if precision == "fast" else _Variant("fp32")

    def reconstruct(self, mask, should_cancel=None):  # type: ignore[no-untyped-def]
        result = super().reconstruct(mask, should_cancel)
        self.runs.append((self.precision, mask.copy()))
        return result


@pytest.fixture
def controller(qtbot):
    made: list[InferenceController] = []

    def make(fake: PrecisionFake, precision: str = "exact") -> InferenceController:
        c = InferenceController(threads=1, precision=precision)
        made.append(c)
        with qtbot.waitSignal(c.model_loaded, timeout=TIMEOUT_MS):
            c.load_model(fake_loader(fake), "fake")
        qtbot.waitUntil(lambda: not c.busy, timeout=TIMEOUT_MS)
        c.set_image(photo())
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


def test_a_drag_previews_in_fast_and_ends_exact(controller, qtbot):
    fake = PrecisionFake(delay=0.02)
    c = controller(fake)
    said: list[str] = []
    c.precision_applied.connect(said.append)
    shown: list = []
    c.result_ready.connect(lambda g, r: shown.append(c.shown_key))
    last = _drag(c, qtbot, fake)
    qtbot.waitUntil(lambda: len(shown) >= 1, timeout=TIMEOUT_MS)
    assert shown[0].precision == "fast" and c.shown_key != c.current_key(fake.runs[0][1])
    assert said and said[-1].startswith("preview (fast: int8")  # the window says it is a preview
    c.settle()  # the stroke ends
    qtbot.waitUntil(lambda: not c.busy and c.shown_key == c.current_key(last), timeout=TIMEOUT_MS)
    assert fake.runs[-1][0] == "exact" and np.array_equal(fake.runs[-1][1], last)
    assert {p for p, _ in fake.runs[:-1]} == {"fast"}  # every run during the drag was a preview
    assert said[-1].startswith("exact")  # the exact result is on screen again


def test_without_previews_a_drag_runs_the_chosen_precision(controller, qtbot):
    fake = PrecisionFake(delay=0.02)
    c = controller(fake)
    c.preview_precision = None
    last = _drag(c, qtbot, fake)
    c.settle()
    qtbot.waitUntil(lambda: not c.busy and c.shown_key == c.current_key(last), timeout=TIMEOUT_MS)
    assert {p for p, _ in fake.runs} == {"exact"}
    assert sum(np.array_equal(m, last) for _, m in fake.runs) == 1  # no second run at the end


def test_fast_chosen_needs_no_exact_run_at_the_end(controller, qtbot):
    fake = PrecisionFake(delay=0.02)
    c = controller(fake, precision="fast")
    last = _drag(c, qtbot, fake)
    c.settle()
    qtbot.waitUntil(lambda: not c.busy and c.shown_key == c.current_key(last), timeout=TIMEOUT_MS)
    assert {p for p, _ in fake.runs} == {"fast"}
    assert sum(np.array_equal(m, last) for _, m in fake.runs) == 1
