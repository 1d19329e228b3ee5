"""The catalogue as a table for Get Models: name, size, what it predicts, whether it is on disk,
licence (a link: a click opens it) and a one-line summary; one row per core.catalogue entry."""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem, QWidget

from mae_studio.core.catalogue import CatalogueModel, format_size

from .i18n import label

COLUMNS = (
    QT_TRANSLATE_NOOP("CatalogueTable", "Model"),
    QT_TRANSLATE_NOOP("CatalogueTable", "Size"),
    QT_TRANSLATE_NOOP("CatalogueTable", "Predicts"),
    QT_TRANSLATE_NOOP("CatalogueTable", "On disk"),
    QT_TRANSLATE_NOOP("CatalogueTable", "Licence"),
    QT_TRANSLATE_NOOP("CatalogueTable", "What it is"),
)
NAME, SIZE, TARGET, ON_DISK, LICENCE, SUMMARY = range(len(COLUMNS))


class CatalogueTable(QTableWidget):
    def __init__(self, entries: list[CatalogueModel], parent: QWidget | None = None) -> None:
        super().__init__(len(entries), len(COLUMNS), parent)
        self.entries = entries
        self.setHorizontalHeaderLabels([self.tr(title) for title in COLUMNS])  # marked above
        self.verticalHeader().setVisible(False)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setWordWrap(False)
        for row, entry in enumerate(entries):
            size = format_size(entry.size_bytes)
            summary = label(entry.summary)
            cells = (entry.name, size, label(entry.target), "…", entry.licence, summary)
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(summary if col != ON_DISK else "")
                if col == SIZE:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.setItem(row, col, item)
            link = self.item(row, LICENCE)  # an item, not a QLabel: the row's selection colours it
            link.setData(Qt.ItemDataRole.UserRole, entry.licence_url)
            link.setToolTip(self.tr("{url} (click to open)").format(url=entry.licence_url))
            link.setForeground(self.palette().link())
            font = link.font()
            font.setUnderline(True)
            link.setFont(font)
        header = self.horizontalHeader()
        for col in range(len(COLUMNS) - 1):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(SUMMARY, QHeaderView.ResizeMode.Stretch)
        self.cellClicked.connect(self._on_cell_clicked)

    def selected_entry(self) -> CatalogueModel | None:
        rows = self.selectionModel().selectedRows()
        return self.entries[rows[0].row()] if rows else None

    def select_entry(self, name: str) -> bool:
        row = next((i for i, e in enumerate(self.entries) if e.name == name.strip().lower()), None)
        if row is not None:
            self.selectRow(row)
        return row is not None

    def set_disk_state(self, row: int, text: str, tooltip: str) -> None:
        item = self.item(row, ON_DISK)
        item.setText(text)
        item.setToolTip(tooltip)

    def fit_height(self) -> None:
        """Every row without a scroll bar (row heights are known once the style is applied)."""
        rows = self.verticalHeader().length()
        self.setFixedHeight(rows + self.horizontalHeader().height() + 2 * self.frameWidth())

    def _on_cell_clicked(self, row: int, col: int) -> None:
        if col == LICENCE:
            QDesktopServices.openUrl(QUrl(self.entries[row].licence_url))
