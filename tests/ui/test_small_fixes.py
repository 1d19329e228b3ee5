"""Small things users hit: hold O wherever the focus is, the ratio slider beside a painted mask,
the shortcuts dialog's Close button on the dark style, the paint toolbar's labels."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QComboBox, QDialogButtonBox, QLabel, QLineEdit, QToolButton

from mae_studio.core.recipes import MaskRecipe
from mae_studio.ui.application import apply_dark_style
from mae_studio.ui.document import Document
from mae_studio.ui.help_dialog import ShortcutsDialog
from mae_studio.ui.keys import types_text
from mae_studio.ui.mask_panel import MaskPanel

from .test_window import window  # noqa: F401 (the fixture)

# ---------------------------------------------------------------- hold O


def focus(window, widget, qtbot) -> None:  # noqa: F811
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=2000)
    widget.setFocus()
    qtbot.waitUntil(lambda: widget.hasFocus(), timeout=2000)


def showing_original(window) -> bool:  # noqa: F811
    view = window.results.panels["reconstruction"]
    return view.image() is window.results._images["original"]


@pytest.mark.parametrize(
    "where",
    [
        "canvas",
        "pattern combo box",
        "fit combo box",
        "seed spin box",
        "ratio slider",
        "button",
        "toolbar slider",
    ],
)
def test_holding_o_works_wherever_the_focus_is(window, qtbot, where):  # noqa: F811
    panel = window.mask_panel
    widget = {
        "canvas": window.canvas,
        "pattern combo box": panel.pattern,
        "fit combo box": panel.fit,
        "seed spin box": panel.seed,
        "ratio slider": panel.slider,
        "button": panel.invert_button,
        "toolbar slider": window.toolbar.opacity_slider,
    }[where]
    focus(window, widget, qtbot)
    before = (panel.pattern.currentIndex(), panel.fit.currentIndex(), panel.seed.value(), window.doc.mask)
    target = QApplication.focusWidget()  # a spin box's own line edit, where it has one
    qtbot.keyPress(target, Qt.Key.Key_O)
    assert showing_original(window)
    qtbot.keyPress(target, Qt.Key.Key_O, delay=-1)  # an auto-repeat would be the same key again
    qtbot.keyRelease(target, Qt.Key.Key_O)
    assert not showing_original(window)
    after = (panel.pattern.currentIndex(), panel.fit.currentIndex(), panel.seed.value(), window.doc.mask)
    assert after[:3] == before[:3] and np.array_equal(after[3], before[3])  # nothing picked or typed


def test_o_types_into_a_text_field(window, qtbot):  # noqa: F811
    field = QLineEdit()
    window.status.addPermanentWidget(field)  # a temporary message would hide a plain one
    focus(window, field, qtbot)
    held: list[bool] = []
    window.keys.compare_held.connect(held.append)
    qtbot.keyClicks(field, "oO")
    assert field.text() == "oO" and held == [] and not showing_original(window)


def test_which_widgets_take_o_as_text(qtbot):
    editable, plain, field = QComboBox(), QComboBox(), QLineEdit()
    editable.setEditable(True)
    read_only = QLineEdit()
    read_only.setReadOnly(True)
    assert types_text(editable) and types_text(editable.lineEdit()) and types_text(field)
    assert not types_text(plain) and not types_text(read_only) and not types_text(None)


# ---------------------------------------------------------------- ratio slider and the true count


@pytest.fixture
def panel(qtbot):
    doc = Document(img_size=224, patch_size=16)
    p = MaskPanel(doc)
    qtbot.addWidget(p)
    doc.generate(MaskRecipe("random", 0.75, 0))
    return p


def test_a_generated_mask_agrees_with_the_slider(panel):
    assert panel.slider.value() == 75 and panel.ratio_label.text() == "75%"
    assert panel.count_label.text() == "147/196 patches removed, 75%"
    assert panel.origin_label.text() == "From the pattern (Random, seed 0)"


def test_a_painted_mask_shows_its_own_count_and_says_what_the_slider_is(panel):
    doc = panel.doc
    doc.begin_live("Paint")
    doc.paint_cells([(r, c) for r in range(14) for c in range(14)], True)
    assert "Painted" not in panel.origin_label.text()  # mid-stroke: said once the stroke ends
    doc.end_live()
    assert panel.count_label.text() == "196/196 patches removed, 100%"
    assert panel.slider.value() == 75  # the slider keeps the pattern's setting
    assert panel.ratio_label.text() == "75%*"
    assert "removes 100%" in panel.ratio_label.toolTip()
    origin = panel.origin_label.text()
    assert (
        origin.startswith("* Painted by hand: removes 100%.") and "(75%) is the pattern's setting" in origin
    )
    panel.apply_pattern()
    assert panel.count_label.text().startswith("147/196") and panel.ratio_label.text() == "75%"
    assert panel.origin_label.text().startswith("From the pattern")
    doc.undo_stack.undo()  # back to the painted mask: it says so again
    assert panel.origin_label.text().startswith("* Painted")


def test_moving_the_slider_replaces_a_painted_mask(panel):
    doc = panel.doc
    doc.clear()
    assert panel.origin_label.text().startswith("* Painted by hand: removes 0%")
    panel.slider.setValue(50)
    assert doc.removed_count == 98 and panel.ratio_label.text() == "50%"
    assert panel.origin_label.text().startswith("From the pattern")


# ---------------------------------------------------------------- shortcuts dialog


def test_the_shortcuts_dialog_close_button_has_no_dark_icon(qtbot):
    apply_dark_style(QApplication.instance())  # the app's style (tests/ui/test_dark_style.py: icons)
    try:
        dialog = ShortcutsDialog([])
        qtbot.addWidget(dialog)
        button = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Close)
        assert button is dialog.close_button and button.text() and button.icon().isNull()
        assert dialog.gestures.rowCount() >= 8  # the gestures, translated through their context
        assert dialog.gestures.item(0, 0).text() == "Left drag on the photo"
    finally:
        QApplication.instance().setStyleSheet("")


# ---------------------------------------------------------------- paint toolbar


def test_the_toolbar_says_brush_once_and_labels_the_mask_controls(window):  # noqa: F811
    bar = window.toolbar
    texts = [w.text().strip() for w in bar.findChildren(QLabel)]
    texts += [b.text() for b in bar.findChildren(QToolButton) if b.defaultAction() is not None]
    assert texts.count("Brush") == 1, texts
    labels = {label.buddy(): label.text().strip() for label in bar.findChildren(QLabel) if label.buddy()}
    assert labels[bar.color_button] == "Mask" and labels[bar.opacity_slider] == "Opacity"
    assert labels[bar.brush_slider] == "Size"
    assert bar.color_button.accessibleName() == "Mask colour" and "Colour" in bar.color_button.toolTip()
    for widget in (bar.color_button, bar.opacity_slider, bar.brush_slider):
        assert widget.accessibleName() and widget.toolTip()
    bar.opacity_slider.setValue(35)
    assert bar.opacity_label.text() == "35%" and bar.mask_opacity() == 0.35
