"""Runtime faults in the studio: a model that raises, a GPU out of memory or lost mid-run (the
CPU offered, and the switch works), a chosen GPU that is not there, closing mid-inference or
mid-load, and 1,000 rapid mask edits. Fake models stand in for the GPU: this machine may have none."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest
import torch

import mae_studio.ui.model_loader as model_loader
from mae_studio.ui.main_window import MainWindow

from ..ui.fakes import FakePredictor, fake_loader, photo
from .gui_fixtures import (
    TIMEOUT_MS,
    FaultyPredictor,
    click,
    gui_settings,
    loader_on,
    open_boxes,
    photo_file,
    shows_current_mask,
    studio,
)

__all__ = ["gui_settings", "photo_file", "studio"]  # fixtures used by name

OOM = "CUDA out of memory. Tried to allocate 2.00 GiB (GPU 0; 7.79 GiB total capacity)"
LOST = "CUDA error: an illegal memory access was encountered"


def on_fake(w: MainWindow, qtbot, predictor: FakePredictor, settle: bool = True, **kw) -> None:  # type: ignore[no-untyped-def]
    """Swap the window's model for `predictor` (loader_on keywords: device, path); with
    `settle`, wait for its first result (so errors set afterwards hit the next edit)."""
    with qtbot.waitSignal(w.controller.model_loaded, timeout=TIMEOUT_MS):
        w.load_model(loader_on(predictor, **kw), "fake")
    if settle:
        qtbot.waitUntil(lambda: shows_current_mask(w), timeout=TIMEOUT_MS)


def test_a_model_that_raises_is_reported_and_the_next_edit_works(studio, qtbot):
    w = studio()
    fake = FaultyPredictor()
    on_fake(w, qtbot, fake, device="CPU")
    fake.errors = [ValueError("shapes do not match")]
    w.files.dialogs = True
    with qtbot.waitSignal(w.controller.failed, timeout=TIMEOUT_MS):
        w.doc.invert()
    assert w.last_error == "ValueError: shapes do not match"
    assert w.status.currentMessage() == "Reconstruction failed: ValueError: shapes do not match"
    assert open_boxes(w) == [] and w.controller.is_running()  # no box for one failed run
    w.doc.invert()
    qtbot.waitUntil(lambda: shows_current_mask(w), timeout=TIMEOUT_MS)


@pytest.mark.parametrize(
    "error", [torch.OutOfMemoryError(OOM), RuntimeError(OOM)], ids=["OutOfMemoryError", "RuntimeError"]
)
def test_out_of_memory_on_the_gpu_offers_the_cpu(studio, qtbot, tiny_checkpoint, error):
    w = studio()
    before = w.doc.mask
    fake = FaultyPredictor()
    on_fake(w, qtbot, fake, device="CUDA", path=tiny_checkpoint)
    fake.errors = [error] * 3
    w.files.dialogs = True
    with qtbot.waitSignal(w.controller.device_failed, timeout=TIMEOUT_MS):
        w.doc.invert()
    # the box opens on device_failed; the failure's message follows in its own queued signal
    qtbot.waitUntil(lambda: len(open_boxes(w)) == 1 and w.last_error != "", timeout=TIMEOUT_MS)
    (box,) = open_boxes(w)
    assert box.windowTitle() == "The GPU ran out of memory"
    assert box.text() == "The GPU (CUDA) ran out of memory while reconstructing. Switch to the CPU?"
    assert box.informativeText().endswith(f"\n\nout of memory on the model's device ({OOM})")
    assert [b.text() for b in box.buttons()] == ["Switch to CPU", "Stay on GPU"]
    assert "out of memory" in w.last_error and np.array_equal(w.doc.mask, ~before)  # the mask stays
    with qtbot.waitSignal(w.controller.device_failed, timeout=TIMEOUT_MS):
        w.doc.invert()  # fails again while the box is open: still one box
    qtbot.wait(20)
    assert open_boxes(w) == [box]
    with qtbot.waitSignal(w.controller.model_loaded, timeout=TIMEOUT_MS) as loaded:
        click(box, "Switch to CPU")
    assert loaded.args[0].device == "CPU" and loaded.args[0].path == str(tiny_checkpoint)
    assert w.models.device == "cpu" and w.model_panel.device.currentData() == "cpu"
    qtbot.waitUntil(lambda: shows_current_mask(w), timeout=TIMEOUT_MS)
    assert np.array_equal(w.results.result.mask, before) and w.model_name() == "tiny"
    assert open_boxes(w) == []


def test_a_gpu_lost_mid_run_is_reported_and_recoverable(studio, qtbot, tiny_checkpoint):
    w = studio()
    fake = FaultyPredictor()
    on_fake(w, qtbot, fake, device="CUDA", path=tiny_checkpoint)
    fake.errors = [RuntimeError(LOST + "\nCUDA kernel errors might be asynchronously reported")]
    w.files.dialogs = True
    with qtbot.waitSignal(w.controller.device_failed, timeout=TIMEOUT_MS) as fault:
        w.doc.invert()
    assert fault.args == ["the GPU failed", f"RuntimeError: {LOST}", False]
    qtbot.waitUntil(lambda: len(open_boxes(w)) == 1, timeout=TIMEOUT_MS)
    (box,) = open_boxes(w)
    assert box.windowTitle() == "The GPU stopped working" and LOST in box.informativeText()
    click(box, "Stay on GPU")  # the user keeps the GPU; the next run works (the fault passed)
    assert w.models.device is None and w.model_info.device == "CUDA"
    w.doc.invert()
    qtbot.waitUntil(lambda: shows_current_mask(w), timeout=TIMEOUT_MS)
    assert w.model_name() == "fake"


def test_out_of_memory_on_the_cpu_is_reported_without_an_offer(studio, qtbot):
    w = studio()
    fake = FaultyPredictor()
    on_fake(w, qtbot, fake, device="CPU")
    fake.errors = [RuntimeError("DefaultCPUAllocator: can't allocate memory")]
    w.files.dialogs = True
    with qtbot.waitSignal(w.controller.failed, timeout=TIMEOUT_MS):
        w.doc.invert()
    assert w.last_error.startswith("out of memory on the model's device (DefaultCPUAllocator")
    qtbot.wait(50)
    assert open_boxes(w) == []
    w.doc.invert()
    qtbot.waitUntil(lambda: shows_current_mask(w), timeout=TIMEOUT_MS)


def test_out_of_memory_while_loading_on_the_gpu_offers_the_cpu(studio, qtbot, tiny_checkpoint, monkeypatch):
    w = studio()
    real_load = model_loader.load_checkpoint

    def load(path, device, **kw):  # type: ignore[no-untyped-def]
        if torch.device(device).type == "cuda":
            raise torch.OutOfMemoryError(OOM)
        return real_load(path, device, **kw)

    # core.devices.choose_device as on a machine with a GPU: "cuda" is taken as it is
    monkeypatch.setattr(model_loader, "choose_device", lambda name: torch.device(name or "cpu"))
    monkeypatch.setattr(model_loader, "load_checkpoint", load)
    w.files.dialogs = True
    w.models.device = "cuda"
    with qtbot.waitSignal(w.controller.model_failed, timeout=TIMEOUT_MS):
        w.load_checkpoint(tiny_checkpoint)
    qtbot.waitUntil(lambda: len(open_boxes(w)) == 1, timeout=TIMEOUT_MS)
    (box,) = open_boxes(w)
    assert box.text() == "The GPU (CUDA) ran out of memory while loading the model. Switch to the CPU?"
    assert [b.text() for b in box.buttons()] == ["Switch to CPU", "Cancel"]
    assert w.model_info.device == "CPU" and OOM in w.last_error  # the current model stays
    with qtbot.waitSignal(w.controller.model_loaded, timeout=TIMEOUT_MS) as loaded:
        click(box, "Switch to CPU")
    assert loaded.args[0].device == "CPU" and w.models.device == "cpu"
    qtbot.waitUntil(lambda: shows_current_mask(w), timeout=TIMEOUT_MS)


def test_choosing_a_gpu_that_is_not_there_keeps_the_current_model(studio, qtbot, monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)  # simulated on GPU machines too
    w = studio()
    result = w.results.result
    with qtbot.waitSignal(w.controller.model_failed, timeout=TIMEOUT_MS) as failed:
        w.model_panel.device_chosen.emit("cuda")
    assert failed.args[0] == (
        "cuda: no CUDA GPU is available here; choose CPU as the Device in the Model panel"
    )
    assert w.last_error.endswith("The current model stays loaded.") and failed.args[0] in w.last_error
    assert w.model_name() == "tiny" and w.model_info.device == "CPU"
    assert w.models.device == "cpu" and w.model_panel.device.currentData() == "cpu"
    assert w.results.result is result and not w.status.busy.isVisible()
    w.doc.invert()
    qtbot.waitUntil(lambda: shows_current_mask(w), timeout=TIMEOUT_MS)


def test_starting_on_a_missing_gpu_falls_back_to_the_best_device(
    qtbot, tiny_checkpoint, photo_file, monkeypatch
):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    w = MainWindow(device="cuda")
    qtbot.addWidget(w)
    w.files.dialogs = False
    with qtbot.waitSignal(w.controller.model_loaded, timeout=TIMEOUT_MS) as loaded:
        w.start(image=photo_file, model=tiny_checkpoint)
    assert loaded.args[0].device == "CPU" and loaded.args[0].path == str(tiny_checkpoint)
    assert "cuda: no CUDA GPU is available here" in w.last_error and w.models.device is None
    qtbot.waitUntil(lambda: shows_current_mask(w), timeout=TIMEOUT_MS)
    w.close()


def test_closing_mid_inference_stops_the_worker_and_removes_the_session(studio, qtbot, tmp_path):
    data = tmp_path / "data"
    w = studio(autosave=data)
    w.autosave.offer()
    slow = FakePredictor(delay=30.0)
    on_fake(w, qtbot, slow, settle=False, device="CPU")
    w.doc.invert()
    qtbot.waitUntil(slow.running.is_set, timeout=TIMEOUT_MS)
    shown: list[int] = []
    w.result_shown.connect(shown.append)
    w.close()
    assert not w.controller.is_running() and not slow.running.is_set()
    assert slow.completed == [] and shown == []
    assert list(data.iterdir()) == []


def test_quitting_during_a_model_load_waits_for_it_and_ends_clean(qtbot, photo_file):
    w = MainWindow()
    qtbot.addWidget(w)
    w.files.dialogs = False
    started, release = threading.Event(), threading.Event()
    fake = FakePredictor()

    def slow_loader():  # type: ignore[no-untyped-def]
        started.set()
        release.wait(5)  # a big checkpoint being read
        time.sleep(0.2)
        return fake_loader(fake)()

    loaded: list[object] = []
    w.controller.model_loaded.connect(loaded.append)
    w.load_model(slow_loader, "slow model")
    w.set_photo(photo(), "p", None)
    assert started.wait(5)
    threading.Timer(0.3, release.set).start()
    w.close()  # blocks until the load is done: a load cannot be interrupted
    assert not w.controller.is_running()
    qtbot.wait(50)
    assert loaded == [] and fake.started == []  # nothing emitted or run after the close


def test_1000_rapid_mask_edits_end_on_the_last_mask(studio, qtbot):
    w = studio()
    rng = np.random.default_rng(5)
    edits = 0
    for i in range(1000):
        cells = [tuple(int(v) for v in rng.integers(0, 4, 2))]
        edits += w.doc.paint_cells(cells, bool(rng.integers(0, 2)))
        if i % 50 == 0:
            qtbot.wait(1)  # let some runs start, so some are cancelled mid-run
    qtbot.waitUntil(lambda: shows_current_mask(w), timeout=TIMEOUT_MS)
    stats = w.controller.stats
    assert w.doc.undo_stack.count() == edits and stats.requested > edits > 500
    assert stats.started < 1000 and stats.failed == 0  # one pending slot: most edits never ran
    assert np.array_equal(w.results.result.mask, w.doc.mask)
    w.doc.undo_stack.setIndex(0)
    qtbot.waitUntil(lambda: shows_current_mask(w), timeout=TIMEOUT_MS)


def test_closing_right_after_1000_edits_is_clean(studio, qtbot, tmp_path):
    data = tmp_path / "data"
    w = studio(autosave=data)
    w.autosave.offer()
    w.doc.begin_live("Brush stroke")
    rng = np.random.default_rng(6)
    for _ in range(1000):
        w.doc.paint_cells([tuple(int(v) for v in rng.integers(0, 4, 2))], bool(rng.integers(0, 2)))
    w.doc.end_live()
    w.close()
    assert not w.controller.is_running() and list(data.iterdir()) == []
    assert w.doc.undo_stack.count() == 1
