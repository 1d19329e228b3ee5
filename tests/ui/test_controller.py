"""Scheduling: one pending slot, stale results dropped, cancellation, failures, shutdown."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from mae_studio.core import masks
from mae_studio.ui.controller import InferenceController
from mae_studio.ui.model_loader import checkpoint_loader

from .fakes import FakePredictor, fake_loader, photo

TIMEOUT_MS = 5000


@pytest.fixture
def make_controller(qtbot):
    made: list[InferenceController] = []

    def make(predictor: FakePredictor) -> InferenceController:
        c = InferenceController(threads=1)
        c.preview_precision = None  # the scheduling of full runs; previews: test_preview.py
        made.append(c)
        with qtbot.waitSignal(c.model_loaded, timeout=TIMEOUT_MS):
            c.load_model(fake_loader(predictor), "fake")
        qtbot.waitUntil(lambda: not c.busy, timeout=TIMEOUT_MS)  # the load job is done
        c.set_image(photo())
        return c

    yield make
    for c in made:
        assert c.shutdown(2000)


def shown(c: InferenceController) -> list[tuple[int, np.ndarray]]:
    out: list[tuple[int, np.ndarray]] = []
    c.result_ready.connect(lambda g, r: out.append((g, r.mask.copy())))
    return out


def test_results_come_from_the_worker_thread(make_controller, qtbot):
    fake = FakePredictor()
    c = make_controller(fake)
    got = shown(c)
    mask = masks.random_mask(4, 0.5, 0)
    with qtbot.waitSignal(c.result_ready, timeout=TIMEOUT_MS):
        gen = c.request(mask)
    assert got[0][0] == gen and np.array_equal(got[0][1], mask)
    assert fake.thread_names and threading.current_thread().name not in fake.thread_names


def test_100_rapid_edits_run_few_inferences_and_end_on_the_last_mask(make_controller, qtbot):
    fake = FakePredictor(delay=0.03)
    c = make_controller(fake)
    got = shown(c)
    mask = np.zeros((4, 4), dtype=bool)
    rng = np.random.default_rng(0)
    for i in range(100):  # a drag: live edits, events processed between some of them
        mask = mask.copy()
        mask.flat[rng.integers(0, 16)] = not mask.flat[rng.integers(0, 16)]
        c.request(mask, live=True)
        if i % 10 == 0:
            qtbot.wait(5)
    c.settle()
    qtbot.waitUntil(lambda: bool(got) and np.array_equal(got[-1][1], mask) and not c.busy, timeout=TIMEOUT_MS)
    qtbot.wait(100)  # nothing else may arrive after the final result
    assert np.array_equal(got[-1][1], mask)
    assert c.stats.started <= 15, c.stats
    assert len(fake.started) == c.stats.started
    gens = [g for g, _ in got]
    assert gens == sorted(gens)  # never an older result after a newer one


def test_a_stale_result_never_reaches_the_view(make_controller, qtbot):
    fake = FakePredictor(delay=0.2, honour_cancel=False)  # the old run completes anyway
    c = make_controller(fake)
    got = shown(c)
    first, second = masks.random_mask(4, 0.25, 1), masks.random_mask(4, 0.75, 2)
    c.request(first)
    qtbot.waitUntil(fake.running.is_set, timeout=TIMEOUT_MS)
    c.request(second)
    qtbot.waitUntil(lambda: len(fake.completed) == 2 and not c.busy, timeout=TIMEOUT_MS)
    assert np.array_equal(fake.completed[0], first)  # it did finish...
    assert len(got) == 1 and np.array_equal(got[0][1], second)  # ...but was never shown
    assert c.stats.dropped == 1


def test_a_newer_mask_cancels_the_run_in_flight(make_controller, qtbot):
    fake = FakePredictor(delay=30.0)  # only a cancelled run ends in time for the wait below
    c = make_controller(fake)
    got = shown(c)
    c.request(masks.random_mask(4, 0.25, 1))
    qtbot.waitUntil(fake.running.is_set, timeout=TIMEOUT_MS)
    fake.delay = 0.0
    last = masks.random_mask(4, 0.5, 3)
    with qtbot.waitSignal(c.result_ready, timeout=TIMEOUT_MS):
        c.request(last)
    assert c.stats.cancelled == 1 and len(fake.completed) == 1
    assert np.array_equal(got[-1][1], last)


def test_live_edits_let_the_run_in_flight_finish(make_controller, qtbot):
    fake = FakePredictor(delay=0.1)
    c = make_controller(fake)
    c.set_quiet_ms(60_000)  # a busy test machine may pause between requests: no pause rule here
    got = shown(c)
    for i in range(40):  # a drag changing the mask every 10 ms: never quiet
        c.request(masks.random_mask(4, (i % 16) / 16, 1), live=True)
        qtbot.wait(10)
    assert len(got) >= 2  # the view refreshed mid-drag
    assert c.stats.cancelled == 0
    assert np.array_equal(got[0][1], fake.started[0])


def test_a_pause_in_the_drag_starts_its_newest_mask_at_once(make_controller, qtbot):
    fake = FakePredictor(delay=0.5)
    c = make_controller(fake)
    c.min_stale_s = 60.0  # the refresh below counts as recent however slow this machine is
    got = shown(c)
    with qtbot.waitSignal(c.result_ready, timeout=TIMEOUT_MS):
        c.request(masks.random_mask(4, 0.1, 1), live=True)  # a recent refresh; runs take ~0.5 s
    fake.delay = 30.0
    c.request(masks.random_mask(4, 0.2, 1), live=True)
    qtbot.waitUntil(fake.running.is_set, timeout=TIMEOUT_MS)
    newest = masks.random_mask(4, 0.3, 1)
    c.request(newest, live=True)  # then the pointer rests: no settle, no further request
    fake.delay = 0.0
    qtbot.waitUntil(lambda: np.array_equal(got[-1][1], newest), timeout=TIMEOUT_MS)
    assert c.stats.cancelled == 1


def test_a_stale_run_about_to_finish_is_not_cancelled_by_a_pause(make_controller, qtbot):
    fake = FakePredictor(delay=0.3)
    c = make_controller(fake)
    c.min_stale_s = 60.0
    got = shown(c)
    with qtbot.waitSignal(c.result_ready, timeout=TIMEOUT_MS):
        c.request(masks.random_mask(4, 0.1, 1), live=True)  # runs take ~0.3 s
    c.request(masks.random_mask(4, 0.2, 1), live=True)
    qtbot.waitUntil(fake.running.is_set, timeout=TIMEOUT_MS)
    qtbot.wait(280)  # the run is nearly done when the pause below is noticed
    newest = masks.random_mask(4, 0.3, 1)
    c.request(newest, live=True)
    qtbot.waitUntil(lambda: np.array_equal(got[-1][1], newest), timeout=TIMEOUT_MS)
    assert c.stats.cancelled == 0 and len(got) == 3


def test_a_worker_exception_is_reported_and_the_next_run_works(make_controller, qtbot):
    fake = FakePredictor(fail_when=lambda m: not m.any())
    c = make_controller(fake)
    got = shown(c)
    with qtbot.waitSignal(c.failed, timeout=TIMEOUT_MS) as failure:
        gen = c.request(np.zeros((4, 4), dtype=bool))
    assert failure.args[0] == gen
    assert "RuntimeError" in failure.args[1] and "boom" in failure.args[1]
    ok = masks.random_mask(4, 0.5, 0)
    with qtbot.waitSignal(c.result_ready, timeout=TIMEOUT_MS):
        c.request(ok)
    assert np.array_equal(got[-1][1], ok)
    assert c.is_running()


def test_shutdown_during_inference_stops_the_thread_within_a_second(qtbot):
    fake = FakePredictor(delay=30.0)
    c = InferenceController(threads=1)
    with qtbot.waitSignal(c.model_loaded, timeout=TIMEOUT_MS):
        c.load_model(fake_loader(fake), "fake")
    c.set_image(photo())
    emitted = []
    c.result_ready.connect(lambda *a: emitted.append(a))
    c.failed.connect(lambda *a: emitted.append(a))
    c.request(masks.random_mask(4, 0.5, 0))
    qtbot.waitUntil(fake.running.is_set, timeout=TIMEOUT_MS)
    assert c.shutdown(1000)  # True only if the thread ended within the second
    assert not c.is_running()
    qtbot.wait(50)
    assert emitted == []  # a stopped worker emits nothing


def test_a_refused_checkpoint_keeps_the_current_model(make_controller, qtbot, tmp_path):
    fake = FakePredictor()
    c = make_controller(fake)
    bad = tmp_path / "notes.pth"
    bad.write_text("not a checkpoint")
    with qtbot.waitSignal(c.model_failed, timeout=TIMEOUT_MS) as failure:
        c.load_model(checkpoint_loader(bad, "cpu"), bad.name)
    assert "notes.pth" in failure.args[0]
    with qtbot.waitSignal(c.result_ready, timeout=TIMEOUT_MS):
        c.request(masks.random_mask(4, 0.5, 0))
    assert len(fake.completed) == 1  # the fake model still answers


def test_a_new_thread_count_reaches_the_loaded_model(make_controller, qtbot):
    """Its ONNX Runtime sessions are per thread count: the predictor hears of a change (on the
    model's thread, after the count is set there), not of the first count, set before it loads."""

    class Counting(FakePredictor):
        def __init__(self) -> None:
            super().__init__()
            self.changes: list[tuple[int, str]] = []

        def threads_changed(self) -> None:
            import torch

            self.changes.append((torch.get_num_threads(), threading.current_thread().name))

    fake = Counting()
    c = make_controller(fake)
    applied: list[int] = []
    c.threads_applied.connect(applied.append)
    assert fake.changes == []
    c.set_threads(2)
    with qtbot.waitSignal(c.result_ready, timeout=TIMEOUT_MS):
        c.request(masks.random_mask(4, 0.5, 0))
    assert len(applied) == 1 and [n for n, _ in fake.changes] == applied
    assert fake.changes[0][1] in fake.thread_names  # the model's own thread
