"""Next and previous photo in the open photo's folder: natural order, the ends, unreadable files
skipped and named, the mask kept (carried when the grid changes), pasted photos."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from mae_studio.core import masks
from mae_studio.core.grid import Grid
from mae_studio.ui.photo_folder import ahead, natural_key, photos_in, place_of

from .fakes import photo, started_window
from .test_window import TIMEOUT_MS


def test_natural_order_is_numeric_and_case_blind():
    names = ["img10.png", "IMG2.png", "img1.png", "b.png", "A.png", "img02.png", "img1b.png"]
    assert sorted(names, key=natural_key) == [
        "A.png",
        "b.png",
        "img1.png",
        "img1b.png",
        "IMG2.png",
        "img02.png",
        "img10.png",
    ]


def test_the_folder_lists_only_photos_the_studio_opens(tmp_path):
    for name in ("b.JPG", "a.png", "notes.txt", ".hidden.png", "c.webp", "model.safetensors"):
        (tmp_path / name).write_bytes(b"x")
    (tmp_path / "folder.png").mkdir()
    listing = photos_in(tmp_path)
    assert [p.name for p in listing] == ["a.png", "b.JPG", "c.webp"]
    assert [p.name for p in ahead(listing, tmp_path / "a.png", +1)] == ["b.JPG", "c.webp"]
    assert [p.name for p in ahead(listing, tmp_path / "c.webp", -1)] == ["b.JPG", "a.png"]
    assert ahead(listing, tmp_path / "c.webp", +1) == []
    # a photo deleted since it opened keeps its place by name
    assert [p.name for p in ahead(listing, tmp_path / "a2.png", +1)] == ["b.JPG", "c.webp"]
    assert place_of(listing, tmp_path / "b.JPG") == (2, 3) and place_of(listing, tmp_path / "x.png") is None
    assert place_of(listing, tmp_path / "elsewhere" / "b.JPG") is None


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """img1, img2, img4 (not an image), img10 (a wide photo), img11; notes.txt is not listed."""
    f = tmp_path / "photos"
    f.mkdir()
    for i, (h, w) in {1: (80, 96), 2: (80, 96), 10: (64, 192), 11: (80, 96)}.items():
        Image.fromarray(photo(h, w, seed=i)).save(f / f"img{i}.png")
    (f / "img4.png").write_bytes(b"not a png")
    (f / "notes.txt").write_text("hello")
    return f


@pytest.fixture
def window(qtbot, tiny_checkpoint, folder):
    w = started_window(qtbot, tiny_checkpoint, folder / "img2.png", TIMEOUT_MS)
    yield w
    w.close()


def step(window, qtbot, direction: int) -> None:
    with qtbot.waitSignal(window.files.photo_opened, timeout=TIMEOUT_MS):
        assert window.files.folder.step(direction)


def test_next_skips_an_unreadable_file_names_it_and_keeps_the_mask(window, qtbot):
    window.doc.paint_cells([(0, 0), (3, 3)], True)
    painted = window.doc.mask
    step(window, qtbot, +1)  # img4 will not open: img10 is next
    assert window.doc.image_name == "img10.png"
    status = window.status.currentMessage()
    assert status.startswith("4/5 · img10.png: 192x64")  # the window's own note follows
    assert "skipped (cannot be opened): img4.png" in status
    assert np.array_equal(window.doc.mask, painted)  # the centre crop: the same 4x4 grid
    step(window, qtbot, +1)
    assert window.doc.image_name == "img11.png" and window.status.currentMessage().startswith(
        "5/5 · img11.png"
    )
    assert not window.files.folder.step(+1)  # no wrapping: it says so
    assert window.status.currentMessage() == "img11.png is the last photo in its folder (5/5)"
    for name in ("img10.png", "img2.png", "img1.png"):  # back, skipping img4 again
        step(window, qtbot, -1)
        assert window.doc.image_name == name
    assert window.status.currentMessage().startswith("1/5 · img1.png")
    assert not window.files.folder.step(-1)
    assert window.status.currentMessage() == "img1.png is the first photo in its folder (1/5)"


def test_on_another_grid_a_painted_mask_is_carried_and_a_pattern_made_again(window, qtbot):
    window.doc.set_fit("whole")
    grid = window.doc.grid
    window.doc.clear()
    window.doc.paint_cells([(r, c) for r in range(grid.h) for c in range(grid.w // 2)], True)
    painted = window.doc.mask
    step(window, qtbot, +1)  # img10 is three times as wide as high: another grid
    assert window.doc.grid != grid
    assert np.array_equal(window.doc.mask, masks.rasterize(painted, window.doc.grid))
    assert window.doc.mask[:, 0].all() and not window.doc.mask[:, -1].any()  # still the left half
    window.mask_panel.apply_pattern()  # a mask straight from its pattern: drawn again, exact count
    wide = window.doc.grid
    step(window, qtbot, +1)
    assert window.doc.grid != wide
    assert np.array_equal(window.doc.mask, window.doc.recipe.make(window.doc.grid))
    assert window.doc.removed_count == masks.exact_count(window.doc.grid.n, 0.5)


@pytest.mark.parametrize("where", ["canvas", "pattern", "slider", "seed"])
def test_page_down_and_up_and_the_file_menu(window, qtbot, where):
    """Page Down is the window's wherever the focus is (a combo box, slider or spin box would
    otherwise take it)."""
    panel = window.mask_panel
    widget = {"canvas": window.canvas, "pattern": panel.pattern, "slider": panel.slider, "seed": panel.seed}[
        where
    ]
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=2000)
    widget.setFocus()
    qtbot.waitUntil(widget.hasFocus, timeout=2000)
    before = (panel.pattern.currentIndex(), panel.slider.value(), panel.seed.value())
    with qtbot.waitSignal(window.files.photo_opened, timeout=TIMEOUT_MS):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_PageDown)
    assert window.doc.image_name == "img10.png"
    assert (panel.pattern.currentIndex(), panel.slider.value(), panel.seed.value()) == before
    with qtbot.waitSignal(window.files.photo_opened, timeout=TIMEOUT_MS):
        window.actions_by_name["previous_photo"].trigger()
    assert window.doc.image_name == "img2.png"
    file_menu = window.menuBar().actions()[0].menu()
    assert window.actions_by_name["next_photo"] in file_menu.actions()


def test_a_pasted_photo_says_why_nothing_happens(window, qtbot):
    window.set_photo(photo(), "pasted image", None)
    assert not window.files.folder.step(+1)
    message = window.status.currentMessage()
    assert message.startswith("pasted image was pasted and has no folder")
    assert window.doc.image_name == "pasted image"


def test_a_folder_of_unreadable_photos_names_each(window, qtbot, folder):
    for name in ("img10.png", "img11.png"):
        (folder / name).write_bytes(b"broken")
    with qtbot.waitSignal(window.photos.failed, timeout=TIMEOUT_MS) as failed:
        window.files.folder.step(+1)
    message = failed.args[0]
    assert message.startswith("None of the next photos opens:")
    assert all(name in message for name in ("img4.png", "img10.png", "img11.png"))
    assert window.doc.image_name == "img2.png" and window.last_error == message
    assert Grid.of(window.doc.mask.shape) == window.doc.grid


def test_the_loader_skips_files_that_do_not_open_and_a_newer_request_wins(qtbot, folder):
    from mae_studio.ui.photo_loader import PhotoLoader

    loader = PhotoLoader()
    geometry = (64, 16)
    with qtbot.waitSignal(loader.loaded, timeout=TIMEOUT_MS) as loaded:
        loader.load_first([folder / "img4.png", folder / "notes.txt", folder / "img11.png"], geometry)
    got = loaded.args[0]
    assert got.path == folder / "img11.png" and got.rgb.shape == (80, 96, 3)
    assert [p.name for p, _ in got.skipped] == ["img4.png", "notes.txt"]
    assert all(message.startswith(str(p)) for p, message in got.skipped)  # each names its file
    shown: list[str] = []
    loader.loaded.connect(lambda photo: shown.append(photo.name))
    loader.load_first([folder / "img1.png", folder / "img2.png"], geometry)
    with qtbot.waitSignal(loader.loaded, timeout=TIMEOUT_MS):
        loader.load_file(folder / "img10.png", geometry)  # asked before the first one is shown
    assert loader.wait(TIMEOUT_MS)
    QApplication.processEvents()  # the pool is idle: any result it sent is queued by now
    assert shown == ["img10.png"]
    with pytest.raises(ValueError):
        loader.load_first([], geometry)
