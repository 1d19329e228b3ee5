"""Get Models in the window: a download runs beside the model in use (which keeps working),
shows its progress and loads; cancel, server faults and closing the window mid-download leave
the model in place; `--checkpoint NAME` downloads in the background. The menu entry and F1 help."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from mae_studio.core.catalogue import format_size
from mae_studio.ui.catalogue_table import ON_DISK
from mae_studio.ui.document import MaskRecipe
from mae_studio.ui.downloader import DownloadProgress
from mae_studio.ui.help_dialog import shortcut_rows
from mae_studio.ui.main_window import MainWindow
from tests.model_server import Fault

from .fakes import TINY
from .served_models import cached_file, url_path, wait_scanned

pytestmark = pytest.mark.usefixtures("download_caches")
TIMEOUT_MS = 20000


@pytest.fixture
def window(qtbot, tiny_checkpoint, photo_file) -> Iterator[MainWindow]:
    w = MainWindow()
    qtbot.addWidget(w)
    w.files.dialogs = False
    w.show()
    with qtbot.waitSignal(w.result_shown, timeout=TIMEOUT_MS):
        w.start(image=photo_file, model=tiny_checkpoint, recipe=MaskRecipe("random", 0.5, 0))
    yield w
    w.close()


def still_works(qtbot, w: MainWindow) -> None:
    """The model in use still reconstructs: a new mask gets its result."""
    with qtbot.waitSignal(w.result_shown, timeout=TIMEOUT_MS):
        w.doc.invert()
    assert (w.results.result.mask == w.doc.mask).all()


def test_get_models_is_in_the_model_menu_and_the_f1_help(window, qtbot):
    action = window.actions_by_name["model_get"]
    assert ("Ctrl+Alt+M", "Get Models") in shortcut_rows(window.actions_by_name.values())
    menus = {m.title(): m for m in window.menuBar().findChildren(type(window.view_menu))}
    assert (
        action in menus["&Model"].actions()
        and window.actions_by_name["model_open"] in menus["&Model"].actions()
    )
    action.trigger()
    assert window.models.dialog is not None and window.models.dialog.isVisible()


# ----------------------------------------------------------------------------------
# downloading into the window


def test_a_download_shows_progress_then_the_window_loads_it(window, qtbot, model_server, make_entry):
    entry = make_entry()
    model_server.faults[url_path(entry)] = Fault(bytes_per_s=400_000)
    d = window.models.show_models("tiny-test")
    wait_scanned(qtbot, d)
    assert d.selected_entry() == entry and d.action_button.text() == "Download"
    seen: list[tuple[DownloadProgress, str]] = []
    d.downloader.progressed.connect(lambda p: seen.append((p, d.progress_label.text())))
    with qtbot.waitSignal(window.controller.model_loaded, timeout=TIMEOUT_MS) as loaded:
        d.action_button.click()
        assert d.bar.isVisible() and d.cancel_button.isVisible() and not d.action_button.isEnabled()
        assert d.table.item(d.entries.index(entry), ON_DISK).text() == "downloading"
    done = [p.done for p, _ in seen]
    assert len(seen) >= 3 and done == sorted(done) and done[0] == 0 < done[1] < entry.size_bytes
    assert seen[-1][0].done == seen[-1][0].total == entry.size_bytes
    assert seen[-1][1] == "Checking tiny-test (checksum and a strict load)…"
    size = format_size(entry.size_bytes)
    assert any(
        text.startswith("Downloading tiny-test: ") and f" of {size} · " in text and text.endswith(" left")
        for _, text in seen[:-1]
    )
    assert loaded.args[0].path == str(cached_file(entry)) and loaded.args[0].grid_size == 2
    assert window.model_panel.name.text() == "<b>tiny official (mae_visualize_tiny_test)</b>"
    assert d.message.text() == "tiny-test is loaded: tiny official (mae_visualize_tiny_test)."
    row = d.entries.index(entry)
    assert d.table.item(row, ON_DISK).text() == "in use"
    assert d.action_button.text() == "Load" and not d.action_button.isEnabled()
    assert not d.bar.isVisible()
    still_works(qtbot, window)
    assert window.results.result.mask.shape == (2, 2)


def test_cancel_on_a_slow_server_keeps_the_part_and_the_model(
    window, qtbot, model_server, make_entry, tiny_checkpoint
):
    entry = make_entry()
    model_server.faults[url_path(entry)] = Fault(bytes_per_s=20_000)
    d = window.models.show_models("tiny-test")
    d.get_selected()
    qtbot.waitUntil(lambda: (d.downloader.last_progress or DownloadProgress(0, 0, 0)).done > 0, timeout=5000)
    still_works(qtbot, window)  # the model works while the download runs
    d.custom.setText("org/another-mae")
    d.get_custom()
    assert d.message.text() == "Another download is in progress: wait for it, or cancel it first."
    with qtbot.waitSignal(d.downloader.cancelled, timeout=5000):
        d.cancel_button.click()
    assert not cached_file(entry).exists()
    partial = cached_file(entry).with_name(entry.filename + ".partial")
    assert 0 < partial.stat().st_size < entry.size_bytes
    assert d.message.text().startswith("Download of tiny-test cancelled. The ")
    assert d.message.text().endswith(" downloaded so far are kept; the next download resumes there.")
    assert window.model_name() == TINY.name and window.model_info.path == str(tiny_checkpoint)
    assert not d.bar.isVisible() and d.action_button.isEnabled()
    still_works(qtbot, window)


@pytest.mark.parametrize(
    ("fault", "reason"),
    [
        (404, "not found on the server (HTTP 404)"),
        (500, "the server answered HTTP 500"),
        (None, "cannot reach"),
    ],
)
def test_server_errors_name_the_url_and_the_model_stays(
    window, qtbot, model_server, make_entry, fault, reason
):
    entry = make_entry()
    if fault is None:
        model_server.stop()
    else:
        model_server.faults[url_path(entry)] = Fault(status=fault)
    d = window.models.show_models("tiny-test")
    with qtbot.waitSignal(d.downloader.failed, timeout=TIMEOUT_MS):
        d.get_selected()
    text = d.message.text()
    assert text.startswith(f"Download failed: {entry.url}: ") and reason in text
    assert text.endswith(f"\n{TINY.name} stays loaded.")
    assert d.message.styleSheet() == "color: #ff8a80;"
    assert not cached_file(entry).exists()
    partial = cached_file(entry).with_name(entry.filename + ".partial")
    assert not partial.exists() or partial.stat().st_size == 0  # core opens it before the request
    assert window.model_name() == TINY.name
    still_works(qtbot, window)


def test_closing_the_window_mid_download_returns_promptly(window, qtbot, model_server, make_entry):
    entry = make_entry()
    model_server.faults[url_path(entry)] = Fault(bytes_per_s=20_000)
    d = window.models.show_models("tiny-test")
    d.get_selected()
    qtbot.waitUntil(lambda: d.downloader.last_progress is not None, timeout=5000)
    thread = d.downloader._thread
    assert thread is not None and thread.is_alive()
    started = time.monotonic()
    window.close()
    assert time.monotonic() - started < 3.0
    assert not thread.is_alive()
    assert not cached_file(entry).exists()


def test_checkpoint_names_a_model_the_window_downloads_then_loads(
    qtbot, model_server, make_entry, photo_file
):
    entry = make_entry()
    w = MainWindow()
    qtbot.addWidget(w)
    w.files.dialogs = False
    w.show()
    with qtbot.waitSignal(w.controller.model_loaded, timeout=TIMEOUT_MS) as first:
        w.start(image=photo_file, model="tiny-test")
    assert first.args[0].path is None  # the default model runs while tiny-test downloads
    d = w.models.dialog
    assert d is not None and d.isVisible() and d.selected_entry() == entry
    qtbot.waitUntil(lambda: w.model_info.path == str(cached_file(entry)), timeout=TIMEOUT_MS)
    assert w.model_info.name == "tiny official (mae_visualize_tiny_test)"
    w.close()
    requests = len(model_server.requests)
    again = MainWindow()
    qtbot.addWidget(again)
    with qtbot.waitSignal(again.controller.model_loaded, timeout=TIMEOUT_MS) as loaded:
        again.start(image=photo_file, model="tiny-test")
    assert loaded.args[0].path == str(cached_file(entry)) and again.models.dialog is None
    assert len(model_server.requests) == requests  # on disk: no request
    again.files.dialogs = False
    with qtbot.waitSignal(again.controller.model_loaded, timeout=TIMEOUT_MS) as fallback:
        again.models.open_source("http://example.org/m.pth")
    assert again.last_error.startswith("http://example.org/m.pth: plain http:// is only allowed")
    assert fallback.args[0].path is None  # the default model, not a download
    again.close()
