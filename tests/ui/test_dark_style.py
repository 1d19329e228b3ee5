"""The dark style's standard dialog buttons carry no icons: the platform style draws them for a
light theme (a black cross on Close, dark red on Cancel), smudges on the dark background."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import (
    QApplication,
    QDialogButtonBox,
    QFileDialog,
    QInputDialog,
    QMessageBox,
    QProxyStyle,
    QPushButton,
    QStyle,
)

from mae_studio.ui.app import apply_dark_style
from mae_studio.ui.help_dialog import ShortcutsDialog


class IconsOnButtons(QProxyStyle):
    """A desktop platform's style: standard dialog buttons with icons (offscreen has none)."""

    def styleHint(self, hint, option=None, widget=None, data=None):  # type: ignore[no-untyped-def]
        if hint == QStyle.StyleHint.SH_DialogButtonBox_ButtonsHaveIcons:
            return 1
        return super().styleHint(hint, option, widget, data)


@pytest.fixture
def desktop_style():  # type: ignore[no-untyped-def]
    app = QApplication.instance()
    name = app.style().name()
    app.setStyle(IconsOnButtons(name))
    yield app
    app.setStyleSheet("")
    app.setStyle(name)


def _buttons(qtbot) -> tuple[tuple[object, ...], list[QPushButton]]:  # type: ignore[no-untyped-def]
    """A message box, a file dialog, an input dialog and the shortcuts dialog, and their
    standard buttons (the dialogs are returned too: the buttons live as long as they do)."""
    message = QMessageBox(QMessageBox.Icon.Warning, "Title", "Text")
    message.setStandardButtons(
        QMessageBox.StandardButton.Ok | QMessageBox.StandardButton.Cancel | QMessageBox.StandardButton.Close
    )
    files = QFileDialog()
    files.setOption(QFileDialog.Option.DontUseNativeDialog, True)
    ask = QInputDialog()
    ask.setInputMode(QInputDialog.InputMode.DoubleInput)
    ask.show()  # builds its buttons
    shortcuts = ShortcutsDialog([])
    dialogs = (message, files, ask, shortcuts)
    for d in dialogs:
        qtbot.addWidget(d)
    return dialogs, [b for d in dialogs for box in d.findChildren(QDialogButtonBox) for b in box.buttons()]


def test_standard_dialog_buttons_have_no_icons_on_the_dark_style(qtbot, desktop_style):
    plain_dialogs, plain = _buttons(qtbot)
    assert plain and all(not b.icon().isNull() for b in plain)  # what a desktop style gives
    apply_dark_style(desktop_style)
    dark_dialogs, dark = _buttons(qtbot)
    assert len(dark) == len(plain) >= 7 and len(dark_dialogs) == len(plain_dialogs)
    with_icons = [b.text() for b in dark if b.icon().isNull() is False]
    assert not with_icons and all(b.text() for b in dark)
