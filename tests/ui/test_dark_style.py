"""The dark style's standard dialog buttons carry no icons: desktop platform styles draw them for
a light theme (a black cross on Close, dark red on Cancel), smudges on the dark background.

The offscreen platform draws no button icons anyway, and a Python QProxyStyle that says it does
cannot stand in for a desktop style: PySide6 drops a reference to None on every styleHint call
Qt makes into Python, and a long test session then ends in "deallocating None". So the tests
check what the style sheet tells Qt, through Qt's own style-sheet style, against a sheet that
asks for icons."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QMessageBox, QStyle

from mae_studio.ui.application import NO_BUTTON_ICONS, apply_dark_style
from mae_studio.ui.help_dialog import ShortcutsDialog

HINT = QStyle.StyleHint.SH_DialogButtonBox_ButtonsHaveIcons
WITH_ICONS = "QDialogButtonBox { dialogbuttonbox-buttons-have-icons: 1; }"


@pytest.fixture
def app():  # type: ignore[no-untyped-def]
    app = QApplication.instance()
    before = app.styleSheet()
    yield app
    app.setStyleSheet(before)


def _hint(widget_box: QDialogButtonBox) -> int:
    return widget_box.style().styleHint(HINT, None, widget_box)


def test_a_style_sheet_decides_whether_dialog_buttons_have_icons(qtbot, app):
    """The control: this Qt honours the property, both ways."""
    app.setStyleSheet(WITH_ICONS)
    box = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
    qtbot.addWidget(box)
    assert _hint(box) == 1
    app.setStyleSheet(WITH_ICONS + "\n" + NO_BUTTON_ICONS)  # a later rule wins, as in ours
    box = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
    qtbot.addWidget(box)
    assert _hint(box) == 0


def test_the_dark_style_turns_dialog_button_icons_off(qtbot, app):
    assert "dialogbuttonbox-buttons-have-icons: 0" in NO_BUTTON_ICONS.replace("  ", " ")
    apply_dark_style(app)
    assert app.styleSheet().rstrip().endswith(NO_BUTTON_ICONS.rstrip())  # after qdarkstyle's rules
    message = QMessageBox(QMessageBox.Icon.Warning, "Title", "Text")
    message.setStandardButtons(QMessageBox.StandardButton.Ok | QMessageBox.StandardButton.Close)
    shortcuts = ShortcutsDialog([])
    for dialog in (message, shortcuts):
        qtbot.addWidget(dialog)
        boxes = dialog.findChildren(QDialogButtonBox)
        assert boxes and all(_hint(box) == 0 for box in boxes)
        assert all(b.icon().isNull() for box in boxes for b in box.buttons())
