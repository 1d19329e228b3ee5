"""Model > Get Models… on its own: the catalogue listed, the licence question, the Other model
field, offline and full-disk messages, and the progress line's arithmetic. Downloads come from
a server on 127.0.0.1 (tests/model_server.py); the window's side is in test_model_downloads.py."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator

import pytest
import torch
from PySide6.QtCore import Qt
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QMessageBox

from mae_studio.core import MaskedAutoencoderViT, save_checkpoint
from mae_studio.core.catalogue import CATALOGUE, format_size
from mae_studio.core.downloads import Fetched, catalogue_source, url_cache_dir
from mae_studio.ui.catalogue_table import LICENCE, NAME, ON_DISK, SIZE, TARGET
from mae_studio.ui.downloader import DownloadProgress, RateMeter, format_duration
from mae_studio.ui.models_dialog import ModelsDialog
from mae_studio.ui.settings import Settings
from tests.model_server import Fault

from .served_models import NC, SERVED, cached_file, url_path, wait_scanned

pytestmark = pytest.mark.usefixtures("download_caches")
TIMEOUT_MS = 20000


@pytest.fixture
def open_dialog(qtbot) -> Iterator[Callable[[], tuple[ModelsDialog, list[Fetched]]]]:
    """The dialog on its own (made after the test's catalogue entries); what it hands over to
    load is collected."""
    made: list[ModelsDialog] = []

    def make() -> tuple[ModelsDialog, list[Fetched]]:
        d = ModelsDialog(Settings())
        qtbot.addWidget(d)
        ready: list[Fetched] = []
        d.model_ready.connect(ready.append)
        d.show()
        made.append(d)
        return d, ready

    yield make
    assert all(d.shutdown(2.0) for d in made)


# ----------------------------------------------------------------------------------
# the list


def test_the_dialog_lists_every_catalogue_entry(open_dialog, qtbot, monkeypatch):
    base = url_cache_dir() / "mae_visualize_vit_base.pth"  # as if torch.hub had fetched it
    base.parent.mkdir(parents=True)
    base.write_bytes(b"weights")
    d, ready = open_dialog()
    wait_scanned(qtbot, d)
    assert d.table.rowCount() == len(CATALOGUE) == 10
    for row, entry in enumerate(CATALOGUE):
        assert d.table.item(row, NAME).text() == entry.name
        assert d.table.item(row, SIZE).text() == format_size(entry.size_bytes)
        assert d.table.item(row, TARGET).text() == entry.target
        link = d.table.item(row, LICENCE)
        assert link.text() == entry.licence and link.font().underline()
        assert link.data(Qt.ItemDataRole.UserRole) == entry.licence_url
        assert d.table.item(row, ON_DISK).text() == ("yes" if entry.name == "vit-base" else "no")
    assert d.table.item(0, SIZE).text() == "448 MB" and d.table.item(3, SIZE).text() == "2.6 GB"
    assert d.table.item(4, TARGET).text() == "normalized pixels"  # vit-base-pretrain, a _full release
    d.table.selectRow(0)
    assert d.action_button.text() == "Load" and d.action_button.isEnabled()
    assert str(base) in d.details.text()
    d.action_button.click()  # on disk: handed over to load, no download
    assert [(f.path, f.downloaded) for f in ready] == [(base, False)] and not d.downloader.busy
    opened: list[str] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url.toString()))
    d.table.cellClicked.emit(1, LICENCE)
    assert opened == ["https://creativecommons.org/licenses/by-nc/4.0/"]
    d.table.selectRow(1)
    assert d.action_button.text() == "Download"
    assert '<a href="https://creativecommons.org/licenses/by-nc/4.0/">CC-BY-NC 4.0</a>' in d.details.text()
    assert "https://dl.fbaipublicfiles.com/mae/visualize/mae_visualize_vit_large.pth" in d.details.text()
    assert not d.offline_note.isVisible()


def test_the_dialog_and_downloader_import_no_torch():
    code = (
        "import sys; import mae_studio.ui.models_dialog, mae_studio.ui.downloader; "
        "print('torch' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# ----------------------------------------------------------------------------------
# the dialog's questions and messages


def test_the_licence_is_asked_once_and_remembered(open_dialog, qtbot, model_server, make_entry):
    first = make_entry("tiny-nc", NC)
    second = make_entry("tiny-nc-two", NC, seed=1)
    d, ready = open_dialog()
    d.get(catalogue_source(first))
    box = d.licence_box
    assert isinstance(box, QMessageBox) and box.isVisible()
    assert "CC-BY-NC 4.0" in box.text() and NC[1] in box.text() and "non-commercial" in box.text()
    box.button(QMessageBox.StandardButton.Cancel).click()
    assert d.licence_box is None and not d.downloader.busy
    assert d.message.text() == "Not downloaded: the licence (CC-BY-NC 4.0) was not accepted."
    assert model_server.count("GET") == 0 and Settings().accepted_licences() == []
    d.get(catalogue_source(first))
    box = d.licence_box
    assert box is not None
    with qtbot.waitSignal(d.model_ready, timeout=TIMEOUT_MS):
        next(b for b in box.buttons() if b.text() == "Accept and Download").click()
    assert ready[-1].path == cached_file(first) and ready[-1].downloaded
    assert Settings().accepted_licences() == ["CC-BY-NC 4.0"]  # in the settings file
    with qtbot.waitSignal(d.model_ready, timeout=TIMEOUT_MS):
        d.get(catalogue_source(second))
        assert d.licence_box is None and d.downloader.busy  # not asked again
    assert ready[-1].path == cached_file(second)


def test_closing_the_dialog_cancels_its_download(open_dialog, qtbot, model_server, make_entry):
    entry = make_entry()
    model_server.faults[url_path(entry)] = Fault(bytes_per_s=20_000)
    d, ready = open_dialog()
    d.get(catalogue_source(entry))
    qtbot.waitUntil(lambda: d.downloader.last_progress is not None, timeout=5000)
    assert d.close_button.toolTip() == "Closing cancels the download; it resumes next time"
    with qtbot.waitSignal(d.downloader.cancelled, timeout=5000):
        d.close_button.click()
    assert not d.isVisible() and not d.downloader.busy and ready == []
    assert not cached_file(entry).exists()
    assert d.message.text().startswith("Download of tiny-test cancelled. ")


def test_custom_url_downloads_and_bad_text_is_explained(open_dialog, qtbot, model_server, tmp_path):
    d, ready = open_dialog()
    torch.manual_seed(2)
    model = MaskedAutoencoderViT(SERVED.with_name("served"))
    model.init_weights()
    url = model_server.add(
        "/files/served.safetensors", save_checkpoint(model, tmp_path / "s.safetensors").read_bytes()
    )
    d.custom.setText(url)
    with qtbot.waitSignal(d.model_ready, timeout=TIMEOUT_MS):
        d.custom_button.click()
    assert ready[-1].path == url_cache_dir() / "served.safetensors" and ready[-1].source.entry is None
    assert d.message.text() == f"Loading {url} from {url_cache_dir() / 'served.safetensors'}…"
    for text, said in (
        (
            "http://example.org/m.pth",
            "http://example.org/m.pth: plain http:// is only allowed for this machine",
        ),
        ("nothing-here", "nothing-here: no such file, and not a Hub repo id (owner/name) or URL"),
    ):
        d.custom.setText(text)
        d.custom_button.click()
        assert d.message.text().startswith(said) and d.message.styleSheet() == "color: #ff8a80;"
    assert len(ready) == 1


def test_offline_and_a_full_disk_are_explained(open_dialog, qtbot, model_server, make_entry, monkeypatch):
    entry = make_entry()
    d, ready = open_dialog()
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with qtbot.waitSignal(d.downloader.failed, timeout=TIMEOUT_MS):
        d.get(catalogue_source(entry))
    assert d.offline_note.isVisible()
    assert d.message.text().startswith(
        f"Download failed: {entry.url}: not downloaded yet, and downloads are off"
    )
    monkeypatch.delenv("HF_HUB_OFFLINE")
    usage = shutil.disk_usage("/")
    monkeypatch.setattr(shutil, "disk_usage", lambda p: usage._replace(free=10))
    with qtbot.waitSignal(d.downloader.failed, timeout=TIMEOUT_MS):
        d.get(catalogue_source(entry))
    assert d.message.text().startswith(f"Download failed: {url_cache_dir()}: tiny-test needs about ")
    assert "only 10 B is free" in d.message.text()
    assert model_server.count("GET") == 0 and ready == []


# ----------------------------------------------------------------------------------
# the arithmetic behind the progress line


def test_speed_time_left_and_their_words():
    meter = RateMeter(window_s=3.0)
    for t, done in ((0.0, 0), (1.0, 2_000_000), (2.0, 4_000_000), (5.0, 10_000_000)):
        meter.add(t, done)
    assert meter.bytes_per_s() == pytest.approx(2_000_000)  # (10 MB - 4 MB) / 3 s, the last window
    meter.add(5.5, 1000)  # the next file of a Hub repo starts from zero
    assert meter.bytes_per_s() is None
    p = DownloadProgress(412_000_000, 1_318_200_000, 5_200_000)
    assert p.text() == "412 MB of 1.3 GB · 5.2 MB/s · about 2 min 54 s left"
    assert (
        DownloadProgress(786_432, 7_211_024, 150_000).text()
        == "786 kB of 7.2 MB · 150 kB/s · about 43 s left"
    )
    assert DownloadProgress(5_000, None, None).text() == "5.0 kB"
    assert [format_duration(s) for s in (0.4, 42, 200, 1200, 5400)] == [
        "0 s",
        "42 s",
        "3 min 20 s",
        "20 min",
        "1 h 30 min",
    ]
