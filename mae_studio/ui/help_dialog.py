"""Help > Keyboard Shortcuts: every action with a shortcut, plus the mouse gestures."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

GESTURES = (
    ("Left drag on the photo", "Remove patches (brush, rectangle)"),
    ("Right drag on the photo", "Restore patches (or the eraser with the left button)"),
    ("Click (toggle tool)", "Flip one patch"),
    ("Mouse wheel", "Zoom at the pointer"),
    ("Space + drag, middle drag", "Pan"),
    ("Hold O", "Show the original in place of the reconstruction"),
    ("Hover a result", "Read out one patch's MSE"),
    ("Drop a file on the window", "Open a photo, or a checkpoint (.pth, .safetensors, .bin)"),
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


class ShortcutsDialog(QDialog):
    def __init__(self, actions: Iterable[QAction], parent: object = None) -> None:
        super().__init__(parent)  # type: ignore[arg-type]
        self.setWindowTitle("Keyboard Shortcuts")
        rows = [*shortcut_rows(actions), *GESTURES]
        self.table = QTableWidget(len(rows), 2)
        self.table.setHorizontalHeaderLabels(["Keys / mouse", "Does"])
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
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        self.resize(580, 820)
        self.table.setCurrentCell(-1, -1)
