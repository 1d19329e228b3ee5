"""The Analysis menu's windows: each opens, computes on the worker, shows values; Cancel stops a
slow job promptly and leaves the studio usable; painting runs between an analysis's steps;
errors (a second model that cannot load, a tiled photo's attention) are reported."""

from __future__ import annotations

import threading
from dataclasses import replace

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QImage, QMouseEvent
from PySide6.QtWidgets import QApplication

from mae_studio.core import masks
from mae_studio.core.errors import Cancelled
from mae_studio.core.heatmap import HeatStyle, heat_layer
from mae_studio.core.sweep import DEFAULT_RATIOS
from mae_studio.ui.analysis_jobs import AttentionResult, CompareResult, ErrorMapResult, SweepResult
from mae_studio.ui.main_window import MainWindow

from .fakes import TINY, FakePredictor, fake_loader, photo, save_tiny_checkpoint, started_window

TIMEOUT_MS = 15000


@pytest.fixture
def window(qtbot, tiny_checkpoint, photo_file):
    w = started_window(qtbot, tiny_checkpoint, photo_file, TIMEOUT_MS)
    yield w
    for d in w.analysis.dialogs.values():
        d.close()
    w.close()


def use_fake(window, qtbot, fake: FakePredictor) -> None:
    """Swap the window's model for a fake one (its photo and mask stay)."""
    with qtbot.waitSignal(window.result_shown, timeout=TIMEOUT_MS):
        window.load_model(fake_loader(fake), "fake")


def _click(widget, pos: QPointF, button=Qt.MouseButton.LeftButton) -> None:  # type: ignore[no-untyped-def]
    for kind, buttons in (
        (QEvent.Type.MouseButtonPress, button),
        (QEvent.Type.MouseButtonRelease, Qt.MouseButton.NoButton),
    ):
        event = QMouseEvent(
            kind, pos, widget.mapToGlobal(pos), button, buttons, Qt.KeyboardModifier.NoModifier
        )
        QApplication.sendEvent(widget, event)


def _move(widget, pos: QPointF) -> None:  # type: ignore[no-untyped-def]
    none = Qt.MouseButton.NoButton
    event = QMouseEvent(
        QEvent.Type.MouseMove, pos, widget.mapToGlobal(pos), none, none, Qt.KeyboardModifier.NoModifier
    )
    QApplication.sendEvent(widget, event)


def test_the_menu_lists_the_four_analyses(window):
    titles = [a.text().replace("&", "") for a in window.menuBar().actions()]
    assert "Analysis" in titles and titles[-1] == "Help"
    keys = {k for k in window.actions_by_name if k.startswith("analysis_")}
    assert keys == {"analysis_errormap", "analysis_sweep", "analysis_compare", "analysis_attention"}
    assert len(window.analysis.menu.actions()) == 4


def test_error_map_computes_every_patch_and_reads_out(window, qtbot):
    with qtbot.waitSignal(window.controller.analysis_ready, timeout=TIMEOUT_MS):
        window.actions_by_name["analysis_errormap"].trigger()  # opening it starts it
    d = window.analysis.dialogs["errormap"]
    r = d.last_result
    assert isinstance(r, ErrorMapResult)
    assert r.per_patch.shape == (4, 4) and np.isfinite(r.per_patch).all()  # every patch predicted
    assert r.uncertainty.shape == (64, 64) and np.isfinite(r.uncertainty).mean() > 0.9
    assert d.error.has_picture() and d.spread.has_picture() and d.error_bar.vmax() > 0
    assert "4 runs" in d.status.text() and not d.progress.isVisible()
    cell = d.error.cell_rect(1, 2).center()
    _move(d.error, cell)
    assert (
        d.readout.text().startswith("Patch (1, 2): MSE ") and f"{r.per_patch[1, 2]:.5f}" in d.readout.text()
    )


def test_sweep_plots_every_ratio_marks_the_mask_and_a_click_applies_it(window, qtbot):
    fake = FakePredictor()
    use_fake(window, qtbot, fake)
    d = window.analysis.dialog("sweep")
    d.seeds.setValue(2)
    with qtbot.waitSignal(window.controller.analysis_ready, timeout=TIMEOUT_MS):
        d.compute()
    r = d.last_result
    assert isinstance(r, SweepResult) and len(r.points) == 2 * len(DEFAULT_RATIOS)
    assert [row["mask_ratio"] for row in d.chart.rows] == list(DEFAULT_RATIOS)
    assert d.chart.current_ratio == pytest.approx(0.5)  # the window's mask: 8 of 16
    assert threading.current_thread().name not in fake.thread_names
    i = DEFAULT_RATIOS.index(0.25)
    x = d.chart.to_point(0.25, d.chart.rows[i]["psnr_mean"])
    _move(d.chart, x)
    assert d.readout.text().startswith("25% removed (4 of 16 patches)")
    with qtbot.waitSignal(window.result_shown, timeout=TIMEOUT_MS):
        _click(d.chart, x)
    assert np.array_equal(window.doc.mask, masks.random_mask(4, 0.25, 0))
    assert d.chart.current_ratio == pytest.approx(0.25)


def test_cancel_stops_a_slow_analysis_promptly_and_the_studio_carries_on(window, qtbot):
    fake = FakePredictor()
    use_fake(window, qtbot, fake)
    fake.delay = 120.0  # one reconstruction: two minutes unless cancelled
    d = window.analysis.dialog("sweep")
    d.show()
    d.compute()
    qtbot.waitUntil(fake.running.is_set, timeout=TIMEOUT_MS)
    assert d.cancel_button.isEnabled() and not d.compute_button.isEnabled()
    with qtbot.waitSignal(window.controller.analysis_cancelled, timeout=TIMEOUT_MS):
        d.cancel_button.click()
    assert d.status.text().startswith("Stopped: cancelled") and d.cancel_button.isEnabled() is False
    qtbot.waitUntil(lambda: not window.controller.busy, timeout=TIMEOUT_MS)  # the step ended early
    fake.delay = 0.0
    with qtbot.waitSignal(window.result_shown, timeout=TIMEOUT_MS):
        window.doc.invert()  # the window is usable: the brush's edits reconstruct again
    assert np.array_equal(window.results.result.mask, window.doc.mask)


def test_painting_runs_between_steps_and_a_mask_result_is_marked_stale(window, qtbot):
    fake = FakePredictor(delay=0.02)
    use_fake(window, qtbot, fake)
    c = window.controller
    events: list[str] = []
    c.result_ready.connect(lambda *_: events.append("paint" if c.analysis_id is not None else "paint-after"))
    c.analysis_ready.connect(lambda *_: events.append("analysis"))
    d = window.analysis.dialog("sweep")
    d.compute()
    qtbot.waitUntil(lambda: len(fake.completed) >= 3, timeout=TIMEOUT_MS)
    window.doc.invert()  # an edit while the sweep runs
    qtbot.waitUntil(lambda: "paint" in events, timeout=TIMEOUT_MS)  # shown while the sweep goes on
    with qtbot.waitSignal(c.analysis_ready, timeout=TIMEOUT_MS):
        pass
    assert events.index("paint") < events.index("analysis")
    # A comparison is of a mask: once the mask changes, it says so.
    compare = window.analysis.dialog("compare")
    with qtbot.waitSignal(c.analysis_ready, timeout=TIMEOUT_MS):
        compare.compute()  # the shipped default (an untrained stand-in when it is missing)
    assert "changed" not in compare.status.text()
    with qtbot.waitSignal(window.result_shown, timeout=TIMEOUT_MS):
        window.doc.invert()
    assert "The mask has changed since" in compare.status.text()


def test_a_new_photo_cancels_the_analysis(window, qtbot):
    fake = FakePredictor()
    use_fake(window, qtbot, fake)
    fake.delay = 120.0
    d = window.analysis.dialog("errormap")
    d.compute()
    qtbot.waitUntil(fake.running.is_set, timeout=TIMEOUT_MS)
    with qtbot.waitSignal(window.controller.analysis_cancelled, timeout=TIMEOUT_MS) as blocker:
        window.set_photo(photo(seed=3), "other.png", None)
    assert "photo" in blocker.args[1]
    assert "Stopped" in d.status.text() and not d.running


def test_compare_puts_a_second_model_beside_on_the_same_mask(window, qtbot, tmp_path):
    second = save_tiny_checkpoint(tmp_path / "p8.safetensors", replace(TINY, patch_size=8, name="tiny p8"))
    d = window.analysis.dialog("compare")
    d.choose_file(second)
    with qtbot.waitSignal(window.controller.analysis_ready, timeout=TIMEOUT_MS):
        d.compute()
    r = d.last_result
    assert isinstance(r, CompareResult)
    assert np.array_equal(r.first.mask, window.doc.mask) and r.second.mask.shape == (8, 8)
    assert np.array_equal(r.second.mask, masks.rasterize(window.doc.mask, (8, 8)))
    assert d.views[1].title() == "tiny p8" and "8x8 patches of 8 px" in d.metrics[1].text()
    assert "4x4 patches of 16 px" in d.metrics[0].text()
    d.heat.setChecked(True)
    assert not d.bar.isHidden() and d.bar.vmax() > 0
    assert window.model_name() == TINY.name  # the window's model is untouched


def test_compare_reports_a_model_that_cannot_load_and_keeps_the_first(window, qtbot, tmp_path):
    bad = tmp_path / "broken.safetensors"
    bad.write_bytes(b"not a checkpoint")
    d = window.analysis.dialog("compare")
    d.choose_file(bad)
    with qtbot.waitSignal(window.controller.analysis_failed, timeout=TIMEOUT_MS):
        d.compute()
    assert d.status.text().startswith("Failed: ") and "broken.safetensors" in d.status.text()
    assert d.last_result is None and d.compute_button.isEnabled()
    with qtbot.waitSignal(window.result_shown, timeout=TIMEOUT_MS):
        window.doc.invert()
    assert window.model_name() == TINY.name


def test_attention_from_a_clicked_removed_patch(window, qtbot):
    d = window.analysis.dialog("attention")
    d.show()
    row, col = (int(v) for v in np.argwhere(window.doc.mask)[0])
    with qtbot.waitSignal(window.controller.analysis_ready, timeout=TIMEOUT_MS):
        _click(d.picture, d.picture.cell_rect(row, col).center())
    r = d.last_result
    assert isinstance(r, AttentionResult) and r.query == (row, col)
    assert r.weights.shape == (TINY.decoder_depth, TINY.decoder_num_heads, 4, 4)
    sums = r.weights.sum(axis=(2, 3)) + r.cls
    np.testing.assert_allclose(sums, 1.0, atol=1e-5)  # each head's row is a distribution
    assert d.block.count() == 1 + TINY.decoder_depth and d.head.count() == 1 + TINY.decoder_num_heads
    assert "removed" in d.picture.title() and "% goes to visible patches" in d.readout.text()
    d.head.setCurrentIndex(2)
    np.testing.assert_array_equal(d.shown_weights(), r.weights.mean(axis=0)[1])
    _move(d.picture, d.picture.cell_rect(row, col).center())
    assert d.readout.text().startswith(f"Patch ({row}, {col}), mask token: weight ")


def test_attention_on_tiles_says_why_not(window, qtbot):
    with qtbot.waitSignal(window.result_shown, timeout=TIMEOUT_MS):
        window.doc.set_fit("tiles")
    d = window.analysis.dialog("attention")
    d.query = (0, 0)
    with qtbot.waitSignal(window.controller.analysis_failed, timeout=TIMEOUT_MS):
        d.compute()
    assert "crop or whole" in d.status.text()


def test_no_photo_is_reported_not_run(qtbot, tiny_checkpoint):
    w = MainWindow()
    qtbot.addWidget(w)
    w.files.dialogs = False
    d = w.analysis.dialog("compare")
    d.compute()
    assert d.status.text() == "Open a photo first." and not d.running
    w.close()


def test_every_dialog_closes_its_analysis(window, qtbot):
    fake = FakePredictor()
    use_fake(window, qtbot, fake)
    fake.delay = 120.0
    d = window.analysis.open("errormap")
    qtbot.waitUntil(fake.running.is_set, timeout=TIMEOUT_MS)
    with qtbot.waitSignal(window.controller.analysis_cancelled, timeout=TIMEOUT_MS):
        d.close()
    assert window.controller.analysis_id is None


def test_loading_another_model_cancels_the_analysis(window, qtbot):
    fake = FakePredictor()
    use_fake(window, qtbot, fake)
    fake.delay = 120.0
    d = window.analysis.dialog("sweep")
    d.compute()
    qtbot.waitUntil(fake.running.is_set, timeout=TIMEOUT_MS)
    with qtbot.waitSignal(window.controller.analysis_cancelled, timeout=TIMEOUT_MS) as blocker:
        window.load_model(fake_loader(FakePredictor(), "another fake"), "another fake")
    assert "model" in blocker.args[1] and "Stopped" in d.status.text()
    qtbot.waitUntil(lambda: window.model_name() == "another fake", timeout=TIMEOUT_MS)


def test_closing_the_window_mid_analysis_stops_the_worker(qtbot, tiny_checkpoint, photo_file):
    w = MainWindow()
    qtbot.addWidget(w)
    w.files.dialogs = False
    w.show()
    with qtbot.waitSignal(w.result_shown, timeout=TIMEOUT_MS):
        w.start(image=photo_file, model=tiny_checkpoint)
    fake = FakePredictor()
    use_fake(w, qtbot, fake)
    fake.delay = 120.0
    w.analysis.open("errormap")
    qtbot.waitUntil(fake.running.is_set, timeout=TIMEOUT_MS)
    w.close()
    assert not w.controller.is_running()  # the step stopped at its next check; nothing waits


def _argb(image) -> tuple[np.ndarray, np.ndarray]:  # type: ignore[no-untyped-def]
    """A heat QImage as (rgb uint8 [h, w, 3], alpha uint8 [h, w])."""
    img = image.convertToFormat(QImage.Format.Format_ARGB32)
    h, w = img.height(), img.width()
    bgra = np.frombuffer(img.constBits(), np.uint8, img.bytesPerLine() * h).reshape(h, -1)[:, : 4 * w]
    bgra = bgra.reshape(h, w, 4)
    return bgra[:, :, 2::-1].copy(), bgra[:, :, 3].copy()


def test_the_error_map_draws_the_results_heat_layer_in_the_windows_style(window, qtbot):
    window.heat.set_colormap("viridis")
    with qtbot.waitSignal(window.controller.analysis_ready, timeout=TIMEOUT_MS):
        window.analysis.open("errormap")
    d = window.analysis.dialogs["errormap"]
    r = d.last_result
    assert isinstance(r, ErrorMapResult)
    layer = heat_layer(r.per_patch, None, window.heat.style())  # what the results view would draw
    rgb, alpha = _argb(d.error.heat())
    np.testing.assert_array_equal(rgb, layer.rgb)
    np.testing.assert_array_equal(alpha, layer.alpha)
    assert d.error_bar.cmap() == "viridis" and d.error_bar.vmax() == pytest.approx(layer.vmax)
    # A fixed top below the worst patch: the same cap and count as the results' colour bar.
    top = float(np.sort(r.per_patch, axis=None)[-3])
    window.heat.set_scale(top)
    fixed = heat_layer(r.per_patch, None, HeatStyle("viridis", top))
    np.testing.assert_array_equal(_argb(d.error.heat())[0], fixed.rgb)
    assert d.error_bar.overflow() == fixed.overflow and fixed.overflow.count == 2
    assert d.error_bar.label_text() == "MSE · fixed"
    # The uncertainty is no MSE: the window's map, but a scale of its own.
    spread = heat_layer(r.uncertainty, np.isfinite(r.uncertainty), HeatStyle("viridis"))
    np.testing.assert_array_equal(_argb(d.spread.heat())[0], spread.rgb)
    assert d.spread_bar.vmax() == pytest.approx(spread.vmax) and "pixel" in d.spread_bar.toolTip()


def test_compare_heat_shows_removed_patches_on_one_scale(window, qtbot):
    d = window.analysis.dialog("compare")
    with qtbot.waitSignal(window.controller.analysis_ready, timeout=TIMEOUT_MS):
        d.compute()
    r = d.last_result
    assert isinstance(r, CompareResult)
    d.heat.setChecked(True)
    first, second = d.layers
    assert first.vmax == second.vmax == d.bar.vmax()
    assert d.bar.label_text() == "MSE · auto"
    for view, x, layer in zip(d.views, (r.first, r.second), (first, second), strict=True):
        expected = heat_layer(x.per_patch_mse, x.mask, HeatStyle(vmax=layer.vmax))
        rgb, alpha = _argb(view.heat())
        np.testing.assert_array_equal(rgb, expected.rgb)
        np.testing.assert_array_equal(alpha > 0, x.mask)  # removed patches only, as in the window
    window.heat.set_colormap("magma")
    assert d.bar.cmap() == "magma"
    d.heat.setChecked(False)
    assert d.views[0].heat() is None and d.bar.isHidden()


class GatedPredictor(FakePredictor):
    """A fake whose reconstructions of masks removing `held` or more patches (the analysis's)
    run until the gate opens, checking should_cancel as a real model does between blocks."""

    def __init__(self, held: int) -> None:
        super().__init__()
        self.held = held
        self.gate = threading.Event()
        self.gate.set()
        self.gave_way = 0  # held runs stopped by should_cancel

    def reconstruct(self, mask, should_cancel=None):  # type: ignore[no-untyped-def]
        if mask.sum() >= self.held:
            self.running.set()
            while not self.gate.wait(0.002):
                if should_cancel is not None and should_cancel():
                    self.gave_way += 1
                    self.running.clear()
                    raise Cancelled("cancelled")
        return super().reconstruct(mask, should_cancel)


def test_a_brush_request_does_not_wait_for_an_analysis_step(window, qtbot):
    fake = GatedPredictor(held=12)  # the error map removes 12 of 16 patches in every run
    use_fake(window, qtbot, fake)
    d = window.analysis.dialog("errormap")
    with qtbot.waitSignal(window.controller.analysis_ready, timeout=TIMEOUT_MS):
        d.compute()  # uninterrupted, for reference
    reference = d.last_result
    fake.gate.clear()  # from now on an analysis step ends only if it gives way
    d.compute()
    qtbot.waitUntil(fake.running.is_set, timeout=TIMEOUT_MS)
    one = np.zeros((4, 4), dtype=bool)
    one[1, 2] = True
    with qtbot.waitSignal(window.result_shown, timeout=TIMEOUT_MS):
        window.doc.apply(one, "one patch")  # the brush, while the step cannot end by itself
    assert np.array_equal(window.results.result.mask, one) and fake.gave_way >= 1
    assert d.running and window.controller.analysis_id is not None  # the analysis waits, alive
    with qtbot.waitSignal(window.controller.analysis_ready, timeout=TIMEOUT_MS):
        fake.gate.set()
    r = d.last_result
    assert isinstance(r, ErrorMapResult) and isinstance(reference, ErrorMapResult)
    np.testing.assert_array_equal(r.per_patch, reference.per_patch)  # the stopped run ran again
    np.testing.assert_array_equal(r.reconstruction, reference.reconstruction)
    np.testing.assert_array_equal(r.uncertainty, reference.uncertainty)
    assert d.progress.isHidden() and d.status.text().startswith("4 runs")
