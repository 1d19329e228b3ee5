"""Help > Keyboard Shortcuts: every action with a shortcut, plus the mouse gestures."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication
from PySide6.QtGui import QAction, QIcon, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

_CONTEXT = "ShortcutsDialog"
GESTURES = (  # English; shown through QCoreApplication.translate(_CONTEXT, ...)
    (
        QT_TRANSLATE_NOOP("ShortcutsDialog", "Left drag on the photo"),
        QT_TRANSLATE_NOOP("ShortcutsDialog", "Remove patches (brush, rectangle)"),
    ),
    (
        QT_TRANSLATE_NOOP("ShortcutsDialog", "Right drag on the photo"),
        QT_TRANSLATE_NOOP("ShortcutsDialog", "Restore patches (or the eraser with the left button)"),
    ),
    (
        QT_TRANSLATE_NOOP("ShortcutsDialog", "Click (toggle tool)"),
        QT_TRANSLATE_NOOP("ShortcutsDialog", "Flip one patch"),
    ),
    (
        QT_TRANSLATE_NOOP("ShortcutsDialog", "Mouse wheel"),
        QT_TRANSLATE_NOOP("ShortcutsDialog", "Zoom at the pointer"),
    ),
    (
        QT_TRANSLATE_NOOP("ShortcutsDialog", "Space + drag, middle drag"),
        QT_TRANSLATE_NOOP("ShortcutsDialog", "Pan"),
    ),
    (
        QT_TRANSLATE_NOOP("ShortcutsDialog", "Hold O"),
        QT_TRANSLATE_NOOP("ShortcutsDialog", "Show the original in place of the reconstruction"),
    ),
    (
        QT_TRANSLATE_NOOP("ShortcutsDialog", "Hover a result"),
        QT_TRANSLATE_NOOP("ShortcutsDialog", "Read out one patch's MSE"),
    ),
    (
        QT_TRANSLATE_NOOP("ShortcutsDialog", "Drop a file on the window"),
        QT_TRANSLATE_NOOP("ShortcutsDialog", "Open a photo, or a checkpoint (.pth, .safetensors, .bin)"),
    ),
)


def shortcut_rows(actions: Iterable[QAction]) -> list[tuple[str, str]]:
    """(keys, what) for every action that has a shortcut, in menu order."""
    rows = []
    for action in actions:
        keys = [k.toString(QKeySequence.SequenceFormat.NativeText) for k in action.shortcuts()]
        keys = [k for k in keys if k][:2]  # platform extras (e.g. a hardware Undo key) left out
        if keys:
            what = (action.property("help_text") or action.text()).replace("&", "").rstrip(".…")
            rows.append((", ".join(keys), what))
    return rows


def gesture_rows() -> list[tuple[str, str]]:
    """The mouse gestures and held keys, in the interface's language."""
    return [
        (QCoreApplication.translate(_CONTEXT, k), QCoreApplication.translate(_CONTEXT, w))
        for k, w in GESTURES
    ]


class ShortcutsDialog(QDialog):
    def __init__(self, actions: Iterable[QAction], parent: object = None) -> None:
        super().__init__(parent)  # type: ignore[arg-type]
        self.setWindowTitle(self.tr("Keyboard Shortcuts"))
        rows = [*shortcut_rows(actions), *gesture_rows()]
        self.table = QTableWidget(len(rows), 2)
        self.table.setHorizontalHeaderLabels([self.tr("Keys / mouse"), self.tr("Does")])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QTableWidget.SelectionMode.NoSelection)
        for i, (keys, what) in enumerate(rows):
            self.table.setItem(i, 0, QTableWidgetItem(keys))
            self.table.setItem(i, 1, QTableWidgetItem(what))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        # The platform style's close icon is a black cross, drawn for a light theme: on the dark
        # style it was a black smudge. The word alone says it, as on every other button here.
        self.close_button = buttons.button(QDialogButtonBox.StandardButton.Close)
        self.close_button.setIcon(QIcon())
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        self.resize(580, 820)
        self.table.setCurrentCell(-1, -1)
