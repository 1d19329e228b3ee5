"""The studio under hostile inputs (issue 16, classes 3, 4, 5 and 7): a saved sheet never lies
(it comes only from a result of the current photo, mask, model and precision), real file names,
hostile mask files, FIFOs and devices as model or session file, a model load that never ends,
and start-up arguments out of range. Refusals name the file and the reason and leave photo,
mask, undo history and result as they were."""

from __future__ import annotations

import os
import shutil
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from mae_studio.core import masks
from mae_studio.ui.app import build_parser
from mae_studio.ui.autosave import DAMAGED_FILE, SESSION_FILE
from mae_studio.ui.document import MaskRecipe
from mae_studio.ui.main_window import MainWindow
from mae_studio.ui.model_loader import ModelInfo

from ..ui.fakes import FakePredictor
from .bounded import peak_growth
from .gui_fixtures import (
    TIMEOUT_MS,
    FaultyPredictor,
    gui_settings,
    loader_on,
    photo_file,
    shows_current_mask,
    studio,
)

__all__ = ["gui_settings", "photo_file", "studio"]  # fixtures used by name


def state(w: MainWindow) -> tuple:
    doc = w.doc
    return (doc.image.tobytes(), doc.mask.tobytes(), doc.undo_stack.count(), doc.undo_stack.index(),
            w.results.result)  # fmt: skip


def on_model(w: MainWindow, qtbot, predictor: FakePredictor, name: str, settle: bool = True) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(w.controller.model_loaded, timeout=TIMEOUT_MS):
        w.load_model(loader_on(predictor, device="CPU", name=name), name)
    if settle:
        qtbot.waitUntil(lambda: shows_current_mask(w), timeout=TIMEOUT_MS)


# ----------------------------------------------------------------------------------
# class 3: the window never saves a sheet that lies


def test_a_model_whose_reconstructions_fail_saves_no_sheet(studio, qtbot, tmp_path):
    """Before: Ctrl+S reported success with the previous model's picture and PSNR, labelled
    with the new model's name."""
    w = studio()
    broken = FaultyPredictor(errors=[RuntimeError("the weights are NaN")] * 50)
    with qtbot.waitSignal(w.controller.failed, timeout=TIMEOUT_MS):
        on_model(w, qtbot, broken, "broken model", settle=False)
    qtbot.waitUntil(lambda: not w.controller.busy, timeout=TIMEOUT_MS)
    assert w.model_name() == "broken model" and w.results.result is not None  # the old picture
    sheet, panels = tmp_path / "sheet.png", tmp_path / "panels"
    panels.mkdir()
    assert not w.files.save_comparison(sheet) and not sheet.exists()
    assert "is of the previous model, not of broken model" in w.last_error
    assert "reconstructing the current one failed: RuntimeError: the weights are NaN" in w.last_error
    assert not w.files.save_panels(panels) and list(panels.iterdir()) == []


def test_save_during_a_run_waits_for_the_result_of_the_current_mask(studio, qtbot, tmp_path):
    """Before: "98/196 patches masked (50%)" beside "mask ratio 0.898": the old result with the
    new mask's numbers."""
    w = studio()
    slow = FakePredictor(delay=0.4)
    on_model(w, qtbot, slow, "slow model")
    w.doc.generate(MaskRecipe("random", 0.9, 0), "Random mask")  # a run of this mask starts
    qtbot.waitUntil(lambda: slow.running.is_set(), timeout=TIMEOUT_MS)
    path = tmp_path / "sheet.png"
    with qtbot.waitSignal(w.files.saved, timeout=TIMEOUT_MS) as saved:
        assert not w.files.save_comparison(path)  # not yet: the result on screen is the old mask's
        assert not path.exists() and "is saved when the current reconstruction is ready" in (
            w.status.currentMessage()
        )
    assert saved.args == [path]
    result = w.results.result
    assert np.array_equal(result.mask, w.doc.mask) and result.mask.sum() == 14  # 90% of 16
    text = Image.open(path).text
    assert text["mask_ratio"] == "0.875" and text["model"] == "slow model"


def test_the_newest_save_wins_and_waits_for_the_newest_mask(studio, qtbot, tmp_path):
    w = studio()
    slow = FakePredictor(delay=0.3)
    on_model(w, qtbot, slow, "slow model")
    w.doc.generate(MaskRecipe("random", 0.25, 1), "Random mask")
    first, second = tmp_path / "first.png", tmp_path / "second.png"
    assert not w.files.save_comparison(first)
    w.doc.generate(MaskRecipe("random", 0.75, 1), "Random mask")  # changes while the save waits
    with qtbot.waitSignal(w.files.saved, timeout=TIMEOUT_MS) as saved:
        assert not w.files.save_comparison(second)
    assert saved.args == [second] and not first.exists()
    assert np.array_equal(w.results.result.mask, w.doc.mask) and w.doc.mask.sum() == 12
    assert Image.open(second).text["mask_ratio"] == "0.75"


def test_a_waiting_save_is_refused_when_the_run_fails(studio, qtbot, tmp_path):
    w = studio()
    fake = FaultyPredictor(delay=0.3)
    on_model(w, qtbot, fake, "flaky model")
    fake.errors = [MemoryError("no room")]
    w.doc.invert()
    path = tmp_path / "sheet.png"
    with qtbot.waitSignal(w.controller.failed, timeout=TIMEOUT_MS):
        assert not w.files.save_comparison(path)
    qtbot.waitUntil(lambda: "not saved" in w.status.currentMessage(), timeout=TIMEOUT_MS)
    assert not path.exists()
    assert w.last_error == (
        "The result on screen is of another mask; reconstructing the current one failed: "
        "MemoryError: no room."
    )


def test_a_precision_change_waits_for_the_new_precision(studio, qtbot, tmp_path):
    w = studio()
    shown = w.controller.shown_key
    w.controller.set_precision("fast")
    assert w.files.stale_reason() == "the result on screen is computed in exact precision, not fast"
    w.controller.request(w.doc.mask)
    path = tmp_path / "sheet.png"
    with qtbot.waitSignal(w.files.saved, timeout=TIMEOUT_MS):
        w.files.save_comparison(path)
    assert w.controller.shown_key != shown and w.controller.shown_key.precision == "fast"


def test_a_current_result_saves_at_once(studio, tmp_path):
    w = studio()
    path = tmp_path / "sheet.png"
    assert w.files.stale_reason() is None and w.files.save_comparison(path) and path.is_file()


# ----------------------------------------------------------------------------------
# class 4: real file names


@pytest.mark.parametrize("raw", [b"caf\xe9", b"new\nline", b"x" * 250], ids=["not UTF-8", "newline", "long"])
def test_a_photo_with_a_hostile_name_is_shown_and_saved(studio, qtbot, tmp_path, photo_file, raw):
    """Before: saving silently did nothing (UnicodeEncodeError, or "raqm_layout() failed" from the
    caption); a long name made the default save name too long."""
    w = studio()
    hostile = Path(os.fsdecode(os.fsencode(tmp_path) + b"/" + raw + b".png"))
    shutil.copy(photo_file, hostile)
    with qtbot.waitSignal(w.result_shown, timeout=TIMEOUT_MS):
        w.files.open_path(hostile)
    qtbot.waitUntil(lambda: shows_current_mask(w) and w.doc.image_path == hostile, timeout=TIMEOUT_MS)
    assert w.doc.image_name.isprintable() and w.windowTitle().isprintable()
    stem = w.files._stem()
    assert stem.isprintable() and len(stem.encode()) < 140 and not set("/\\") & set(stem)
    sheet = tmp_path / f"{stem}.png"
    assert w.files.save_comparison(sheet), w.last_error
    assert Image.open(sheet).text["image"] == w.doc.image_name
    mask = tmp_path / f"{stem}.json"
    assert w.files.save_mask(mask) and w.files.load_mask(mask)


# ----------------------------------------------------------------------------------
# class 5: mask files in the window


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("nested.json", b"[" * 200_000, "nested too deeply"),
        (
            "odd_grid.json",
            b'{"grid":[1021,1019],"removed":[]}',
            "cannot be carried to the model's square grid",
        ),
        ("not_utf8.json", b'{"grid": [4, 4], "removed": [1], "model": "\xff"}', "not UTF-8"),
    ],
)
def test_hostile_mask_files_leave_the_window_as_it_was(studio, tmp_path, name, data, reason):
    """Before: nested JSON raised a RecursionError the window did not show."""
    w = studio()
    before = state(w)
    path = tmp_path / name
    path.write_bytes(data)
    assert not w.files.load_mask(path)
    assert w.last_error.startswith(f"{path}: ") and reason in w.last_error, w.last_error
    assert state(w) == before


def test_a_100_mb_mask_file_is_refused_before_it_is_read(studio, tmp_path):
    """Before: 2 GB of memory and a 22 s freeze."""
    w = studio()
    before = state(w)
    path = tmp_path / "big.json"
    with path.open("wb") as f:
        f.truncate(100 << 20)  # sparse
    with peak_growth() as grown:
        started = time.perf_counter()
        assert not w.files.load_mask(path)
    assert time.perf_counter() - started < 5 and grown[0] < 20 << 20
    assert w.last_error == f"{path}: not a readable mask (larger than the 16 MiB a mask file may have)"
    assert state(w) == before


@pytest.mark.parametrize("kind", ["fifo", "dev_zero"])
def test_a_fifo_or_a_device_as_mask_is_refused_at_once(studio, tmp_path, kind):
    w = studio()
    before = state(w)
    path = tmp_path / "mask.json"
    if kind == "fifo":
        os.mkfifo(path)
        what = "a named pipe (FIFO), not a regular file"
    else:
        path.symlink_to("/dev/zero")
        what = "a device, not a regular file"
    assert not w.files.load_mask(path)
    assert w.last_error == f"{path}: not a readable mask ({what})"
    assert state(w) == before


def test_a_fine_square_mask_carries_over_in_bounded_memory(studio, tmp_path):
    w = studio()
    cells = np.zeros((1021, 1021), bool)
    cells[:510] = True  # the top half
    path = tmp_path / "fine.json"
    path.write_text(masks.mask_to_json(cells))
    with peak_growth() as grown:
        assert w.files.load_mask(path)
    assert grown[0] < 200 << 20
    assert w.doc.mask[:2].all() and not w.doc.mask[2:].any()
    assert "carried over to this model's 4x4 grid" in w.status.currentMessage()


# ----------------------------------------------------------------------------------
# class 7: FIFOs, a load that never ends, session files, start-up arguments


def test_a_fifo_as_the_model_is_refused_and_the_model_stays(studio, qtbot, tmp_path):
    """Before: the worker blocked opening the FIFO, and closing the window never returned."""
    w = studio()
    fifo = tmp_path / "model.safetensors"
    os.mkfifo(fifo)
    with qtbot.waitSignal(w.controller.model_failed, timeout=TIMEOUT_MS) as failed:
        w.load_checkpoint(fifo)
    assert failed.args == [f"{fifo}: a named pipe (FIFO), not a regular file"]
    assert w.model_name() == "tiny" and w.controller.is_running()


def test_closing_does_not_wait_forever_for_a_load_that_never_ends(studio, qtbot):
    w = studio()
    release = threading.Event()
    info = ModelInfo("stuck", None, 64, 16, 4, "CPU", 0)

    def stuck_loader():  # type: ignore[no-untyped-def]
        release.wait(60)  # a read from a hung disk
        return FakePredictor(), info

    w.load_model(stuck_loader, "stuck")
    qtbot.wait(50)
    w.close_wait_ms = 300
    started = time.perf_counter()
    w.close()
    assert time.perf_counter() - started < 5 and not w.isVisible()
    assert w.controller.is_running()  # run_gui ends the process without waiting for it
    release.set()
    qtbot.waitUntil(lambda: not w.controller.is_running(), timeout=TIMEOUT_MS)


@pytest.mark.parametrize("kind", ["fifo", "dev_zero"])
def test_a_session_file_that_is_a_fifo_or_a_device_does_not_hang_the_start(studio, tmp_path, kind):
    """Before: a FIFO hung the start; /dev/zero raised MemoryError."""
    data = tmp_path / "data"
    data.mkdir()
    session = data / SESSION_FILE
    if kind == "fifo":
        os.mkfifo(session)
    else:
        session.symlink_to("/dev/zero")
    w = studio(autosave=data, start=False)
    w.autosave.ask = lambda parent, s: pytest.fail("a damaged session must not be offered")
    started = time.perf_counter()
    assert not w.autosave.offer()
    assert time.perf_counter() - started < 5
    assert w.last_error.startswith(f"{session}: cannot be read (") and "not a regular file" in w.last_error
    assert (data / DAMAGED_FILE).is_symlink() or (data / DAMAGED_FILE).exists()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["photo.jpg", "--seed", "-1"], "argument --seed: must be within 0..2147483647, got -1"),
        (["--seed", "2147483648"], "argument --seed: must be within 0..2147483647, got 2147483648"),
        (["--mask-ratio", "0.96"], "argument --mask-ratio: must be within 0..0.95, got 0.96"),
        (["--mask-ratio", "nan"], "argument --mask-ratio: must be within 0..0.95, got nan"),
    ],
)
def test_window_arguments_out_of_range_stop_before_any_window(argv, message, capsys):
    """Before: --seed -1 aborted the process (SIGABRT, "QThread: Destroyed while thread is still
    running"); --seed 2147483648 raised OverflowError in a slot."""
    with pytest.raises(SystemExit) as e:
        build_parser().parse_args(argv)
    assert e.value.code == 2 and capsys.readouterr().err.strip().endswith(message)
