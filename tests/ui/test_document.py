"""The document: undo restores exactly, a drag is one undo step, the grid follows the model,
the fit and the photo."""

from __future__ import annotations

import numpy as np
import pytest

from mae_studio.core import masks
from mae_studio.core.fits import fit_image
from mae_studio.core.grid import Grid
from mae_studio.core.masks import PATTERN_REGISTRY
from mae_studio.core.results import FITS
from mae_studio.ui.document import Document, MaskRecipe
from mae_studio.ui.framing import FIT_LABELS, framings
from mae_studio.ui.mask_panel import MaskPanel, count_text

from .fakes import photo


def test_undo_and_redo_restore_every_mask_exactly(qtbot):
    doc = Document(64, 16)
    rng = np.random.default_rng(1)
    history = [doc.mask]
    doc.generate(MaskRecipe("random", 0.5, 3))
    history.append(doc.mask)
    for _ in range(6):
        cells = [tuple(int(v) for v in rng.integers(0, 4, 2)) for _ in range(3)]
        doc.paint_cells(cells, bool(rng.integers(0, 2)))
        if not np.array_equal(doc.mask, history[-1]):
            history.append(doc.mask)
    doc.invert()
    history.append(doc.mask)
    doc.clear()
    history.append(doc.mask)
    assert doc.undo_stack.count() == len(history) - 1
    for expected in reversed(history[:-1]):
        doc.undo_stack.undo()
        assert np.array_equal(doc.mask, expected)
    for expected in history[1:]:
        doc.undo_stack.redo()
        assert np.array_equal(doc.mask, expected)


def test_undo_restores_the_recipe_with_the_mask(qtbot):
    doc = Document(64, 16)
    doc.generate(MaskRecipe("random", 0.25, 1))
    doc.generate(MaskRecipe("block", 0.75, 9))
    doc.undo_stack.undo()
    assert doc.recipe == MaskRecipe("random", 0.25, 1)
    assert np.array_equal(doc.mask, masks.random_mask(4, 0.25, 1))


def test_a_whole_stroke_is_one_undo_step(qtbot):
    doc = Document(224, 16)
    before = doc.mask
    changes = []
    doc.mask_changed.connect(lambda: changes.append(doc.removed_count))
    doc.begin_live("Brush stroke")
    for col in range(10):
        doc.paint_cells([(3, col), (4, col)], True)
    assert doc.end_live()
    assert doc.undo_stack.count() == 1
    assert doc.removed_count == 20
    assert changes == list(range(2, 21, 2))  # the view follows every segment
    doc.undo_stack.undo()
    assert np.array_equal(doc.mask, before)
    doc.undo_stack.redo()
    assert doc.removed_count == 20


def test_a_drag_that_changes_nothing_records_nothing(qtbot):
    doc = Document(64, 16)
    ended = []
    doc.live_ended.connect(lambda: ended.append(True))
    doc.begin_live("Erase stroke")
    doc.paint_cells([(0, 0)], False)
    assert not doc.end_live()
    assert doc.undo_stack.count() == 0
    assert ended == [True]


def test_slider_drag_is_one_undo_step_and_count_is_exact(qtbot):
    doc = Document(224, 16)
    panel = MaskPanel(doc)
    qtbot.addWidget(panel)
    doc.generate(MaskRecipe("random", 0.75, 0))
    doc.undo_stack.clear()
    assert panel.count_label.text() == "147/196 patches removed, 75%"
    panel.slider.setSliderDown(True)  # emits sliderPressed
    for value in (70, 60, 50, 40):
        panel.slider.setValue(value)
        assert doc.removed_count == round(196 * value / 100)
    panel.slider.setSliderDown(False)  # emits sliderReleased
    assert doc.undo_stack.count() == 1
    assert panel.count_label.text() == "78/196 patches removed, 40%"
    doc.undo_stack.undo()
    assert doc.removed_count == 147
    assert panel.slider.value() == 75  # the panel follows the undone recipe


def test_seed_and_pattern_controls_generate_masks(qtbot):
    doc = Document(224, 16)
    panel = MaskPanel(doc)
    qtbot.addWidget(panel)
    panel.seed.setValue(7)
    assert np.array_equal(doc.mask, masks.random_mask(14, 0.75, 7))
    panel.pattern.setCurrentIndex(panel.pattern.findData("checkerboard"))
    assert np.array_equal(doc.mask, masks.checkerboard_mask(14))
    assert not panel.slider.isEnabled()
    panel.invert_button.click()
    assert np.array_equal(doc.mask, ~masks.checkerboard_mask(14))
    panel.clear_button.click()
    assert doc.removed_count == 0
    panel.reroll.click()
    assert doc.recipe.pattern == "checkerboard" and doc.removed_count == 98


def test_count_text():
    assert count_text(147, 196) == "147/196 patches removed, 75%"
    assert count_text(0, 196) == "0/196 patches removed, 0%"


def test_new_model_grid_rasterizes_the_mask_and_clears_history(qtbot):
    doc = Document(224, 16)
    doc.set_image(photo(300, 400), "p")
    left_half = np.zeros((14, 14), dtype=bool)
    left_half[:, :7] = True
    doc.apply(left_half, "half")
    grids, images = [], []
    doc.grid_changed.connect(lambda: grids.append(doc.grid))
    doc.image_changed.connect(lambda: images.append(doc.framing.size))
    doc.set_geometry(224, 14)
    assert grids == [Grid(16, 16)] and images == []  # same input size: the crop stays
    expected = np.zeros((16, 16), dtype=bool)
    expected[:, :8] = True
    assert np.array_equal(doc.mask, expected)
    assert doc.undo_stack.count() == 0
    doc.set_geometry(64, 16)
    assert doc.framing.size == (64, 64) and images == [(64, 64)]
    assert doc.mask.shape == (4, 4) and doc.mask[:, :2].all() and not doc.mask[:, 2:].any()


def test_every_fit_is_framed_as_core_frames_it():
    image = photo(82, 122)
    framed = framings(image, 56, 4)
    assert tuple(framed) == FITS
    for fit, framing in framed.items():
        view = fit_image(image, fit, 56, 4)
        assert framing.grid == view.grid and framing.size == view.image.shape[:2], fit
        assert framing.display.shape[0] / framing.display.shape[1] == pytest.approx(
            framing.size[0] / framing.size[1], rel=0.02
        )


def test_the_panel_offers_every_fit_and_pattern_with_its_label(qtbot):
    panel = MaskPanel(Document(224, 16))
    qtbot.addWidget(panel)
    assert [panel.fit.itemData(i) for i in range(panel.fit.count())] == list(FITS)
    assert set(FIT_LABELS) == set(FITS)
    assert [panel.pattern.itemText(i) for i in range(panel.pattern.count())] == [
        p.label for p in PATTERN_REGISTRY.values()
    ]


def test_a_generated_mask_is_drawn_again_on_a_new_fit_and_a_painted_one_carried(qtbot):
    doc = Document(56, 4)
    doc.set_image(photo(82, 122), "wide")
    doc.generate(MaskRecipe("block", 0.6, 4))
    assert doc.set_fit("whole") and not doc.set_fit("whole")  # the same fit again: nothing
    assert doc.generated and np.array_equal(doc.mask, masks.block_mask((14, 21), 0.6, 4))
    doc.paint_cells([(0, 0)], not doc.mask[0, 0])
    painted = doc.mask
    doc.set_fit("tiles")
    assert doc.grid == Grid(21, 31) and np.array_equal(doc.mask, masks.rasterize(painted, (21, 31)))
    doc.undo_stack.undo()
    assert doc.fit == "whole" and np.array_equal(doc.mask, painted)


def test_a_new_photo_on_another_grid_carries_the_mask_and_clears_history(qtbot):
    doc = Document(56, 4, fit="whole")
    doc.set_image(photo(82, 122), "wide")
    doc.clear()
    doc.paint_cells([(r, c) for r in range(14) for c in (9, 10, 11)], True)  # a band down the middle
    grids = []
    doc.grid_changed.connect(lambda: grids.append(doc.grid))
    doc.set_image(photo(122, 82), "tall")
    assert grids == [Grid(21, 14)] and doc.undo_stack.count() == 0
    assert doc.mask.shape == (21, 14) and doc.mask[:, 6:8].all() and doc.removed_count == 2 * 21
