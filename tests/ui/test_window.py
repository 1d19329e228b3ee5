"""The whole window on a real tiny model: paint, see, save, load, close."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QEvent, QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QGuiApplication, QKeyEvent, QMouseEvent
from PySide6.QtWidgets import QApplication

from mae_studio.core import masks
from mae_studio.core.fits import fit_image
from mae_studio.core.grid import Grid
from mae_studio.ui.document import MaskRecipe
from mae_studio.ui.help_dialog import shortcut_rows
from mae_studio.ui.main_window import MainWindow
from mae_studio.ui.model_loader import UNTRAINED_NAME, default_loader
from mae_studio.ui.qimage import rgb_to_qimage

from .fakes import TINY, FakePredictor, fake_loader, photo, started_window
from .test_canvas import drag

TIMEOUT_MS = 10000


@pytest.fixture
def window(qtbot, tiny_checkpoint, photo_file):
    w = started_window(qtbot, tiny_checkpoint, photo_file, TIMEOUT_MS)
    yield w
    w.close()


def shows_current_mask(w: MainWindow) -> bool:
    r = w.results.result
    return r is not None and np.array_equal(r.mask, w.doc.mask) and not w.controller.busy


def test_starts_with_the_model_photo_and_mask(window):
    assert window.model_name() == TINY.name
    assert window.doc.grid == Grid(4, 4) and window.doc.image_name == "photo.png"
    assert window.doc.removed_count == 8
    assert shows_current_mask(window)
    assert window.status.metrics.text().startswith("Masked MSE ")
    assert window.status.device.text().startswith("CPU · ") and window.threads_in_use >= 1


def test_a_painted_stroke_updates_the_results(window, qtbot):
    window.canvas.set_brush_radius(0)
    window.doc.clear()
    drag(window.canvas, [(8.0, 40.0), (40.0, 40.0), (60.0, 40.0)])
    assert window.doc.mask[2].all() and window.doc.removed_count == 4
    qtbot.waitUntil(lambda: shows_current_mask(window), timeout=TIMEOUT_MS)
    window.actions_by_name["undo"].trigger()
    assert window.doc.removed_count == 0
    qtbot.waitUntil(lambda: shows_current_mask(window), timeout=TIMEOUT_MS)


def test_100_rapid_edits_on_the_real_model_end_on_the_last_mask(window, qtbot):
    before = window.controller.stats.started
    rng = np.random.default_rng(2)
    window.doc.begin_live("Brush stroke")
    for _ in range(100):
        window.doc.paint_cells([tuple(int(v) for v in rng.integers(0, 4, 2))], bool(rng.integers(0, 2)))
    window.doc.end_live()
    qtbot.waitUntil(lambda: shows_current_mask(window), timeout=TIMEOUT_MS)
    assert window.controller.stats.started - before <= 3  # no events ran in between: one slot
    assert window.doc.undo_stack.count() == 1


def test_fast_precision_is_applied_on_the_worker(window, qtbot):
    with qtbot.waitSignal(window.controller.precision_applied, timeout=TIMEOUT_MS) as applied:
        window.model_panel.precision.setCurrentIndex(1)
        window.model_panel.precision.activated.emit(1)
    assert applied.args[0].startswith("fast: ")
    assert window.settings.precision() == "fast"
    qtbot.waitUntil(lambda: shows_current_mask(window), timeout=TIMEOUT_MS)
    assert "· fast: " in window.status.device.text()


def test_heat_map_overlay_and_hover_read_out(window, qtbot):
    window.set_heat_visible(True)
    view = window.results.panels["reconstruction"]
    assert view._heat is not None and window.results.colorbar.isVisible()
    rect = view.target_rect()
    pos = QPointF(rect.left() + rect.width() * 0.6, rect.top() + rect.height() * 0.1)  # patch (0, 2)
    event = QMouseEvent(
        QEvent.Type.MouseMove,
        pos,
        view.mapToGlobal(pos),
        Qt.MouseButton.NoButton,
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(view, event)
    mse = window.results.result.per_patch_mse[0, 2]
    assert view.hovered_text() == f"patch (0, 2) · MSE {mse:.5f}"
    assert window.results.colorbar.vmax() > 0
    window.set_heat_visible(False)
    assert view._heat is None


def test_holding_o_shows_the_original(window, qtbot):
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=2000)
    window.canvas.setFocus()
    press = QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_O, Qt.KeyboardModifier.NoModifier, "o")
    QApplication.sendEvent(window.canvas, press)
    view = window.results.panels["reconstruction"]
    assert view.image() is window.results._images["original"]
    release = QKeyEvent(QEvent.Type.KeyRelease, Qt.Key.Key_O, Qt.KeyboardModifier.NoModifier, "o")
    QApplication.sendEvent(window.canvas, release)
    assert view.image() is window.results._images["reconstruction"]


def test_save_comparison_and_panels(window, tmp_path):
    out = tmp_path / "sheet.png"
    assert window.files.save_comparison(out)
    with Image.open(out) as im:
        assert im.format == "PNG" and im.width > 4 * 64 and im.text["model"] == TINY.name
    from mae_studio.ui import saving

    written = saving.save_panels(tmp_path, "p", window.results.result)
    assert [p.name for p in written] == [  # the panels' one names (core.results.RESULT_PANELS)
        "p_masked.png",
        "p_reconstruction.png",
        "p_pasted.png",
        "p_original.png",
        "p_heatmap.png",
    ]
    assert np.array_equal(np.asarray(Image.open(written[3])), window.results.result.original)


def test_saving_to_an_unwritable_place_keeps_the_old_file(window, tmp_path, monkeypatch):
    target = tmp_path / "keep.png"
    target.write_bytes(b"old contents")
    import mae_studio.core.files as files

    def refuse(src, dst):
        raise PermissionError(13, "Permission denied", str(dst))

    monkeypatch.setattr(files.os, "replace", refuse)
    assert not window.files.save_comparison(target)
    assert target.read_bytes() == b"old contents"
    assert str(target) in window.last_error and "permission denied" in window.last_error
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []  # no temp left
    monkeypatch.undo()
    missing = tmp_path / "no such folder" / "sheet.png"
    assert not window.files.save_comparison(missing)
    assert "does not exist" in window.last_error
    assert window.results.result is not None  # the work is still there


@pytest.mark.parametrize("suffix", [".json", ".png"])
def test_mask_save_and_load_round_trip(window, tmp_path, suffix):
    window.doc.generate(MaskRecipe("block", 0.6, 5))
    saved = window.doc.mask
    path = tmp_path / f"mask{suffix}"
    assert window.files.save_mask(path)
    window.doc.clear()
    assert window.files.load_mask(path)
    assert np.array_equal(window.doc.mask, saved)
    window.doc.undo_stack.undo()
    assert window.doc.removed_count == 0


def test_a_bad_mask_file_is_reported(window, tmp_path):
    bad = tmp_path / "mask.json"
    bad.write_text('{"grid": [4, 4], "removed": [99]}')
    before = window.doc.mask
    assert not window.files.load_mask(bad)
    assert "mask.json" in window.last_error and np.array_equal(window.doc.mask, before)


def test_a_refused_checkpoint_keeps_the_current_model(window, qtbot, tmp_path):
    bad = tmp_path / "broken.safetensors"
    bad.write_bytes(b"\x00" * 64)
    with qtbot.waitSignal(window.controller.model_failed, timeout=TIMEOUT_MS):
        window.load_checkpoint(bad)
    assert window.model_name() == TINY.name and "broken.safetensors" in window.last_error
    assert not window.status.busy.isVisible()


def test_open_paste_drop_and_recent_files(window, qtbot, tmp_path):
    other = tmp_path / "other photo.png"
    Image.fromarray(photo(120, 90, seed=3)).save(other)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(other))])
    with qtbot.waitSignal(window.photos.loaded, timeout=TIMEOUT_MS):
        assert window.files.open_from_mime(mime)
    assert window.doc.image_name == "other photo.png"
    assert window.settings.recent_files()[0] == str(other.resolve())
    QGuiApplication.clipboard().setImage(rgb_to_qimage(photo(50, 70, seed=4)))
    with qtbot.waitSignal(window.photos.loaded, timeout=TIMEOUT_MS):
        assert window.files.paste()
    assert window.doc.image_name == "pasted image" and window.doc.image.shape == (50, 70, 3)
    qtbot.waitUntil(lambda: shows_current_mask(window), timeout=TIMEOUT_MS)
    assert np.array_equal(window.results.result.original, fit_image(window.doc.image, "crop", 64, 16).image)
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 20)
    with qtbot.waitSignal(window.photos.failed, timeout=TIMEOUT_MS):
        window.files.open_path(broken)
    assert "broken.png" in window.last_error and window.doc.image_name == "pasted image"


def test_a_slow_photo_that_finishes_late_is_dropped(window, qtbot, tmp_path):
    first, second = tmp_path / "first.png", tmp_path / "second.png"
    Image.fromarray(photo(400, 400, seed=5)).save(first)
    Image.fromarray(photo(64, 64, seed=6)).save(second)
    names = []
    window.photos.loaded.connect(lambda p: names.append(p.name))
    window.files.open_path(first)
    window.files.open_path(second)
    qtbot.waitUntil(lambda: not window.photos.busy and bool(names), timeout=TIMEOUT_MS)
    window.photos.wait()
    qtbot.wait(50)
    assert names == ["second.png"] and window.doc.image_name == "second.png"


def test_closing_during_inference_leaves_no_running_thread(qtbot):
    w = MainWindow()
    qtbot.addWidget(w)
    fake = FakePredictor(delay=30.0)
    with qtbot.waitSignal(w.controller.model_loaded, timeout=TIMEOUT_MS):
        w.load_model(fake_loader(fake), "fake")
    w.set_photo(photo(), "p", None)
    qtbot.waitUntil(fake.running.is_set, timeout=TIMEOUT_MS)
    w.close()
    assert not w.controller.is_running()


def test_a_start_photo_that_cannot_open_falls_back_to_a_sample(qtbot, tmp_path, tiny_checkpoint):
    w = MainWindow()
    qtbot.addWidget(w)
    w.files.dialogs = False
    with qtbot.waitSignal(w.result_shown, timeout=TIMEOUT_MS):
        w.start(image=tmp_path / "missing.jpg", model=tiny_checkpoint)
    assert "missing.jpg" in w.last_error
    assert w.doc.image_path is not None and w.doc.image_path.parent.name == "samples"
    w.close()


def test_missing_default_model_falls_back_to_an_untrained_one(tmp_path, caplog):
    predictor, info = default_loader("cpu", tmp_path / "absent.safetensors", TINY)()
    assert info.untrained and info.name == UNTRAINED_NAME
    assert "absent.safetensors" in info.note and "not installed" in info.note
    assert [(r.name, r.levelname, r.getMessage()) for r in caplog.records] == [
        ("mae_studio.ui.model_loader", "WARNING", info.note)  # the log file keeps it for a report
    ]
    predictor.set_image(photo())
    assert predictor.reconstruct(masks.random_mask(4, 0.5, 0)).reconstruction.shape == (64, 64, 3)


def test_help_lists_the_shortcuts(window):
    rows = dict((what, keys) for keys, what in shortcut_rows(window.actions_by_name.values()))
    assert rows["Undo"].startswith("Ctrl+Z") and rows["Save Comparison"] == "Ctrl+S"
    assert rows["Smaller Brush"] == "[" and rows["Larger Brush"] == "]" and rows["Quit"] == "Ctrl+Q"


def test_settings_remember_brush_and_view(window, qtbot, tiny_checkpoint):
    window.canvas.set_brush_radius(24)
    window.actions_by_name["grid"].setChecked(False)
    window.close()
    again = MainWindow()
    qtbot.addWidget(again)
    assert again.canvas.brush_radius == 24
    assert not again.canvas.grid_visible()
    again.close()


def test_only_the_worker_side_imports_torch():
    import ast

    ui = Path(__file__).resolve().parents[2] / "mae_studio" / "ui"
    importers = set()
    for path in ui.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            if any(n == "torch" or n.startswith("torch.") for n in names):
                importers.add(path.name)
    assert importers == {"worker.py", "model_loader.py"}
    assert os.path.exists(ui / "canvas.py")


def test_hovered_patch_read_out_follows_a_new_result(window, qtbot):
    """The status bar's MSE of the patch under the pointer is the result on screen's, not the
    previous one's."""
    w = window
    qtbot.waitUntil(lambda: w.results.result is not None, timeout=10_000)
    row, col = map(int, np.argwhere(w.doc.mask)[0])
    w.views.cell_hovered.emit(row, col)
    first = w.status.currentMessage()
    assert f"patch ({row}, {col}) removed" in first
    result = w.results.result
    assert result is not None
    changed = dataclasses.replace(result, per_patch_mse=result.per_patch_mse + 0.5)
    w.controller.result_ready.emit(w.controller.generation, changed)
    expected = f"MSE {changed.per_patch_mse[row, col]:.5f}"
    assert w.status.currentMessage().endswith(expected) and expected not in first
    w.status.showMessage("Saved x.png")
    w.controller.result_ready.emit(w.controller.generation, result)
    assert w.status.currentMessage() == "Saved x.png"  # another message is not overwritten
