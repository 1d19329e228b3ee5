"""The whole photo in the window: a landscape photo on a 14 x 21 grid (whole) and in its own cells
(tiles), end to end with the fake predictor: the fit reaches the worker, painting maps to the
right cells, counts, heat map, hover read-out, saved panels, sessions, undo across a fit change."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication

from mae_studio.core import masks
from mae_studio.core.grid import Grid
from mae_studio.core.recipes import MaskRecipe
from mae_studio.ui.document import Document
from mae_studio.ui.main_window import MainWindow
from mae_studio.ui.session import Session, SessionFileError, read_session

from .fakes import FakePredictor, fake_loader, photo
from .test_canvas import drag, send

TIMEOUT_MS = 10000
PHOTO_H, PHOTO_W = 82, 122  # landscape, about 3:2; tiles: 20.5 x 30.5 cells of 4 px
WHOLE = Grid(14, 21)  # the model's 14 on the shorter side, 21 = round(14 * 122 / 82)
TILES = Grid(21, 31)  # ceil(82 / 4) x ceil(122 / 4): the last row and column are partial


def shows_current_mask(w: MainWindow) -> bool:
    r = w.results.result
    return r is not None and np.array_equal(r.mask, w.doc.mask) and not w.controller.busy


def make_window(qtbot, fake: FakePredictor) -> MainWindow:  # type: ignore[no-untyped-def]
    w = MainWindow()
    qtbot.addWidget(w)
    w.files.dialogs = False
    w.resize(1200, 800)
    w.show()
    with qtbot.waitSignal(w.controller.model_loaded, timeout=TIMEOUT_MS):
        w.load_model(fake_loader(fake), "fake")
    w.set_photo(photo(PHOTO_H, PHOTO_W, seed=2), "wide.png", None)
    w.doc.generate(MaskRecipe("random", 0.5, 0))
    w.doc.undo_stack.clear()
    qtbot.waitUntil(lambda: shows_current_mask(w), timeout=TIMEOUT_MS)
    return w


@pytest.fixture
def fake() -> FakePredictor:
    return FakePredictor(grid=14, patch=4)  # a 56 px model of 4 px patches


@pytest.fixture
def window(qtbot, fake):
    w = make_window(qtbot, fake)
    yield w
    w.close()


def choose_fit(w: MainWindow, qtbot, fit: str) -> None:  # type: ignore[no-untyped-def]
    """As the user does: the Fit combo in the mask panel."""
    combo = w.mask_panel.fit
    index = combo.findData(fit)
    combo.setCurrentIndex(index)
    combo.activated.emit(index)
    qtbot.waitUntil(lambda: shows_current_mask(w), timeout=TIMEOUT_MS)


def hover_canvas(w: MainWindow, x: float, y: float) -> None:
    send(w.canvas, QEvent.Type.MouseMove, (x, y), Qt.MouseButton.NoButton, Qt.MouseButton.NoButton)


def test_the_fit_reaches_the_worker_and_the_window_follows_it(window, fake, qtbot):
    assert window.doc.grid == Grid(14, 14) and fake.fits[-1] == "crop"
    choose_fit(window, qtbot, "whole")
    assert fake.fits[-1] == "whole" and window.controller.shown_key.fit == "whole"
    assert window.doc.grid == WHOLE and window.canvas.grid == WHOLE
    assert window.canvas.scene_size() == (56, 84)  # 14 x 21 patches of 4 px
    result = window.results.result
    assert result.mask.shape == (14, 21) and result.original.shape == (56, 84, 3)
    assert window.actions_by_name["fit_whole"].isChecked()
    assert window.mask_panel.grid_label.text() == "14 x 21 patches of 4 px"
    # the random 50% recipe is drawn again on the new grid: an exact count of 294
    assert window.mask_panel.count_label.text() == "147/294 patches removed, 50%"
    assert np.array_equal(window.doc.mask, masks.random_mask(WHOLE, 0.5, 0))

    window.actions_by_name["fit_tiles"].trigger()  # the menu (Model > Photo Fit) does the same
    qtbot.waitUntil(lambda: shows_current_mask(window), timeout=TIMEOUT_MS)
    assert fake.fits[-1] == "tiles" and window.doc.grid == TILES
    assert window.results.result.original.shape == (PHOTO_H, PHOTO_W, 3)  # the photo's resolution
    assert window.mask_panel.fit.currentData() == "tiles"


def test_painting_counts_and_read_outs_on_a_14x21_grid(window, qtbot):
    choose_fit(window, qtbot, "whole")
    window.doc.clear()
    window.canvas.set_brush_radius(0)
    drag(window.canvas, [(1.0, 10.0), (40.0, 10.0), (83.0, 10.0)])  # row 2, left to right edge
    assert np.array_equal(np.flatnonzero(window.doc.mask[2]), np.arange(21))
    assert window.doc.removed_count == 21
    assert window.mask_panel.count_label.text() == "21/294 patches removed, 7%"
    window.canvas.set_tool("toggle")
    drag(window.canvas, [(83.0, 55.0)])  # the bottom-right cell
    assert window.doc.mask[13, 20] and window.doc.removed_count == 22
    window.canvas.set_tool("rect")
    drag(window.canvas, [(70.0, 30.0), (83.0, 37.0)])  # rows 7-9, columns 17-20
    assert window.doc.mask[7:10, 17:21].all() and window.doc.removed_count == 22 + 12
    qtbot.waitUntil(lambda: shows_current_mask(window), timeout=TIMEOUT_MS)

    hover_canvas(window, 81.0, 9.0)  # cell (2, 20)
    mse = window.results.result.per_patch_mse[2, 20]
    assert window.status.currentMessage() == f"patch (2, 20) removed · MSE {mse:.5f}"

    view = window.results.panels["reconstruction"]
    window.set_heat_visible(True)
    assert (view._heat.width(), view._heat.height()) == (21, 14)  # one pixel per patch
    rect = view.target_rect()
    assert rect.width() / rect.height() == pytest.approx(84 / 56, rel=0.01)  # the photo's aspect
    pos = QPointF(rect.left() + rect.width() * 20.5 / 21, rect.top() + rect.height() * 2.5 / 14)
    event = QMouseEvent(
        QEvent.Type.MouseMove,
        pos,
        view.mapToGlobal(pos),
        Qt.MouseButton.NoButton,
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(view, event)
    assert view.hovered_text() == f"patch (2, 20) · MSE {mse:.5f}"


def test_a_fit_change_is_one_undo_step(window, qtbot):
    window.doc.clear()
    window.doc.paint_cells([(0, 0), (13, 13), (6, 7)], True)
    painted = window.doc.mask
    steps = window.doc.undo_stack.count()
    choose_fit(window, qtbot, "whole")
    assert window.doc.undo_stack.count() == steps + 1
    assert window.doc.undo_stack.undoText() == "Photo fit: Whole photo"
    carried = window.doc.mask
    assert np.array_equal(carried, masks.rasterize(painted, WHOLE))  # a painted mask is carried by area
    assert carried.sum() == 6  # each removed cell is 1.5 new cells wide: two at least half covered
    window.doc.paint_cells([(5, 20)], True)
    window.actions_by_name["undo"].trigger()  # the paint
    window.actions_by_name["undo"].trigger()  # the fit
    assert window.doc.fit == "crop" and window.doc.grid == Grid(14, 14)
    assert np.array_equal(window.doc.mask, painted)  # exactly as before the change
    assert window.actions_by_name["fit_crop"].isChecked() and window.mask_panel.fit.currentData() == "crop"
    qtbot.waitUntil(lambda: shows_current_mask(window), timeout=TIMEOUT_MS)
    assert window.results.result.mask.shape == (14, 14)
    window.actions_by_name["redo"].trigger()
    assert window.doc.fit == "whole" and np.array_equal(window.doc.mask, carried)
    qtbot.waitUntil(lambda: shows_current_mask(window), timeout=TIMEOUT_MS)


def test_tiles_paint_the_photos_own_cells_up_to_the_partial_last_ones(window, qtbot):
    choose_fit(window, qtbot, "tiles")
    assert window.canvas.scene_size() == (84, 124)  # the grid reaches 2 px past the photo
    window.doc.clear()
    window.canvas.set_tool("toggle")
    drag(window.canvas, [(PHOTO_W - 1.0, PHOTO_H - 1.0)])  # the photo's last pixel
    assert window.doc.mask[20, 30] and window.doc.removed_count == 1
    qtbot.waitUntil(lambda: shows_current_mask(window), timeout=TIMEOUT_MS)
    assert window.mask_panel.count_label.text() == "1/651 patches removed, 0%"
    view = window.results.panels["masked"]
    grid, picture = view.grid_rect(), view.target_rect()
    assert grid.width() / picture.width() == pytest.approx(124 / 122)


def test_panels_mask_and_session_keep_the_photos_aspect(window, qtbot, tmp_path):
    choose_fit(window, qtbot, "whole")
    window.doc.generate(MaskRecipe("block", 0.4, 3))
    qtbot.waitUntil(lambda: shows_current_mask(window), timeout=TIMEOUT_MS)
    assert window.files.save_panels(tmp_path)
    stem = window.files._stem()
    for key in ("masked", "reconstruction", "pasted", "original"):
        with Image.open(tmp_path / f"{stem}_{key}.png") as im:
            assert im.size == (84, 56), key  # width x height: the whole photo's frame
    with Image.open(tmp_path / f"{stem}_heatmap.png") as im:
        assert im.size == (84, 56)
    sheet = tmp_path / "sheet.png"
    assert window.files.save_comparison(sheet)
    with Image.open(sheet) as im:
        assert im.text["model"] == "fake model"
        assert im.width >= 5 * 2 * 84  # five panels of the 84 px wide frame, at twice the size

    path = tmp_path / "mask.json"
    assert window.files.save_mask(path)
    doc = json.loads(path.read_text())
    assert doc["grid"] == [14, 21] and doc["fit"] == "whole"
    assert doc["removed"] == np.flatnonzero(window.doc.mask).tolist()
    saved = window.doc.mask
    window.doc.clear()
    assert window.files.load_mask(path)
    assert np.array_equal(window.doc.mask, saved)
    choose_fit(window, qtbot, "crop")
    assert not window.files.load_mask(path)  # a 14 x 21 mask is not for the crop's square grid
    assert "a 14x21 grid cannot be carried to the model's square grid" in window.last_error
    choose_fit(window, qtbot, "whole")

    s = window.session_now()
    assert s.fit == "whole" and s.mask.shape == (14, 21)
    file = tmp_path / "session.json"
    file.write_text(s.to_json())
    back = read_session(file)
    assert back.fit == "whole" and np.array_equal(back.mask, window.doc.mask)


def test_a_restored_whole_photo_mask_waits_for_its_photo(qtbot):
    painted = np.zeros((14, 21), dtype=bool)
    painted[3, 4:19] = True  # not what any recipe makes, nor one that survives a 14 x 14 trip
    painted[10, 20] = True
    doc = Document(56, 4)
    doc.restore((56, 4), "whole", MaskRecipe("random", 0.5, 0), painted)
    assert doc.fit == "whole" and doc.mask.shape == (14, 14)  # no photo yet: the model's grid
    assert doc.undo_stack.count() == 0
    doc.set_image(photo(PHOTO_H, PHOTO_W), "wide.png")
    assert doc.grid == WHOLE and np.array_equal(doc.mask, painted)  # exactly, not carried twice


def test_a_session_written_before_fits_is_a_crop(tmp_path):
    s = Session(
        image_name="",
        image_file=None,
        pasted=False,
        model_path=None,
        device=None,
        img_size=64,
        patch_size=16,
        mask=masks.random_mask(4, 0.5, 1),
        recipe=MaskRecipe("random", 0.5, 1),
        brush_radius=8.0,
        grid_visible=True,
        heatmap=False,
        precision="exact",
        threads=0,
        saved_at="2026-01-01T10:00:00",
        fit="tiles",
    )
    old = json.loads(s.to_json())
    assert old["image"].pop("fit") == "tiles"
    file = tmp_path / "session.json"
    file.write_text(json.dumps(old))
    back = read_session(file)
    assert back.fit == "crop" and np.array_equal(back.mask, s.mask)
    old["image"]["fit"] = "stretch"
    file.write_text(json.dumps(old))
    with pytest.raises(SessionFileError, match="unknown fit 'stretch'"):
        read_session(file)


def test_the_fit_is_remembered_between_runs(window, qtbot, fake):
    choose_fit(window, qtbot, "whole")
    window.close()
    again = make_window(qtbot, FakePredictor(grid=14, patch=4))
    assert again.doc.fit == "whole" and again.doc.grid == WHOLE
    assert again.mask_panel.fit.currentData() == "whole" and again.actions_by_name["fit_whole"].isChecked()
    again.close()


def test_a_result_of_the_previous_fit_is_not_saved_as_the_current_one(qtbot, tmp_path):
    slow = FakePredictor(grid=14, patch=4, delay=0.5)
    w = make_window(qtbot, slow)
    w.doc.set_fit("whole")
    assert w.files.stale_reason() == "the result on screen is of the crop fit, not whole"
    sheet = tmp_path / "sheet.png"
    assert not w.files.save_comparison(sheet)  # waits for the current result, then saves
    with qtbot.waitSignal(w.files.saved, timeout=TIMEOUT_MS):
        pass
    assert sheet.exists() and w.results.result.mask.shape == (14, 21)
    w.close()


def imported(path: Path) -> set[str]:
    """Every module a file imports, relative ones as written (".main_window")."""
    import ast

    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = "." * node.level + (node.module or "")
            names.add(base)
            names |= {f"{base}{'.' if node.module else ''}{a.name}" for a in node.names}
    return names


def test_no_ui_module_but_application_imports_the_main_window():
    ui = Path(__file__).resolve().parents[2] / "mae_studio" / "ui"
    main_window = {".main_window", "mae_studio.ui.main_window"}
    importers = {path.name for path in ui.glob("*.py") if imported(path) & main_window}
    assert importers == {"application.py"}  # new_window: the app, the GUI bench, the screenshots
    assert ".main_window" in imported(ui / "application.py")  # the check sees an import where there is one
