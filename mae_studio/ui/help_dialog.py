"""Help > Keyboard Shortcuts: every action with a shortcut, and the mouse gestures beside them."""

from __future__ import annotations

import re
from collections.abc import Iterable

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
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
        QT_TRANSLATE_NOOP("ShortcutsDialog", "Mouse wheel on a result"),
        QT_TRANSLATE_NOOP("ShortcutsDialog", "Zoom it at the pointer; linked views (L) follow"),
    ),
    (
        QT_TRANSLATE_NOOP("ShortcutsDialog", "Drag on a zoomed result"),
        QT_TRANSLATE_NOOP("ShortcutsDialog", "Pan it; linked views (L) follow"),
    ),
    (
        QT_TRANSLATE_NOOP("ShortcutsDialog", "Double-click a result"),
        QT_TRANSLATE_NOOP("ShortcutsDialog", "Show it large (layout One Large Result)"),
    ),
    (
        QT_TRANSLATE_NOOP("ShortcutsDialog", "Click a thumbnail (One Large Result)"),
        QT_TRANSLATE_NOOP("ShortcutsDialog", "Show that result large"),
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
        QT_TRANSLATE_NOOP("ShortcutsDialog", "Hover the photo or a result"),
        QT_TRANSLATE_NOOP("ShortcutsDialog", "Outline that patch in every view"),
    ),
    (
        QT_TRANSLATE_NOOP("ShortcutsDialog", "Click a point of the ratio sweep's chart"),
        QT_TRANSLATE_NOOP("ShortcutsDialog", "Use that ratio's mask (Analysis > Mask-Ratio Sweep)"),
    ),
    (
        QT_TRANSLATE_NOOP("ShortcutsDialog", "Click a patch in Decoder Attention"),
        QT_TRANSLATE_NOOP("ShortcutsDialog", "Show where the decoder looks when it predicts that patch"),
    ),
    (
        QT_TRANSLATE_NOOP("ShortcutsDialog", "Hover an analysis map"),
        QT_TRANSLATE_NOOP("ShortcutsDialog", "Read out that patch's values"),
    ),
    (
        QT_TRANSLATE_NOOP("ShortcutsDialog", "Drop a file on the window"),
        QT_TRANSLATE_NOOP("ShortcutsDialog", "Open a photo, or a checkpoint (.pth, .safetensors, .bin)"),
    ),
)


MNEMONIC = re.compile(r"\(&\w\)|&(?=\S)")  # "文件(&F)" (CJK menus) and "&File"


def shortcut_rows(actions: Iterable[QAction]) -> list[tuple[str, str]]:
    """(keys, what) for every action that has a shortcut, in menu order."""
    rows = []
    for action in actions:
        keys = [k.toString(QKeySequence.SequenceFormat.NativeText) for k in action.shortcuts()]
        keys = [k for k in keys if k][:2]  # platform extras (e.g. a hardware Undo key) left out
        if keys:
            what = MNEMONIC.sub("", action.property("help_text") or action.text()).rstrip(".…")
            rows.append((", ".join(keys), what))
    return rows


def gesture_rows() -> list[tuple[str, str]]:
    """The mouse gestures and held keys, in the interface's language."""
    return [
        (QCoreApplication.translate(_CONTEXT, k), QCoreApplication.translate(_CONTEXT, w))
        for k, w in GESTURES
    ]


class ShortcutsDialog(QDialog):
    """Two tables side by side: the keyboard shortcuts (menu order) and the mouse gestures and
    held keys, so the gestures show without scrolling past every shortcut."""

    def __init__(self, actions: Iterable[QAction], parent: object = None) -> None:
        super().__init__(parent)  # type: ignore[arg-type]
        self.setWindowTitle(self.tr("Keyboard Shortcuts"))
        self.table = self._table(shortcut_rows(actions), self.tr("Keys"))
        self.gestures = self._table(gesture_rows(), self.tr("Mouse and held keys"))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)  # no icon: app.NO_BUTTON_ICONS
        self.close_button = buttons.button(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        tables = QHBoxLayout()
        tables.addWidget(self.table, 5)
        tables.addWidget(self.gestures, 6)
        layout = QVBoxLayout(self)
        layout.addLayout(tables)
        layout.addWidget(buttons)
        self.resize(1180, 780)

    def _table(self, rows: list[tuple[str, str]], first: str) -> QTableWidget:
        table = QTableWidget(len(rows), 2)
        table.setHorizontalHeaderLabels([first, self.tr("Does")])
        table.verticalHeader().setVisible(False)
        table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        table.setSelectionMode(QTableWidget.SelectionMode.NoSelection)
        table.setWordWrap(True)
        for i, (keys, what) in enumerate(rows):
            table.setItem(i, 0, QTableWidgetItem(keys))
            table.setItem(i, 1, QTableWidgetItem(what))
        header = table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        table.setCurrentCell(-1, -1)
        return table
