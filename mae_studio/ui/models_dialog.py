"""Model > Get Models…: the catalogue (core.catalogue) with each model's size, what it predicts,
whether it is on disk, and its licence; Download (in the background, with progress, speed, time
left and Cancel) or Load; and a field for any Hugging Face repo id or https:// URL.

The dialog fetches; the window loads: `model_ready` carries the local copy (core.downloads.Fetched)
and ModelActions tells the dialog back which model is in use (`set_model_in_use`) or why a load
failed (`show_load_failed`). A non-commercial licence is shown and accepted once (QSettings)
before the first download under it. Closing the dialog cancels a download; what arrived is kept
and the next download resumes.
"""

from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from mae_studio.core import catalogue
from mae_studio.core.catalogue import CatalogueModel, format_size
from mae_studio.core.downloads import (
    DownloadError,
    Fetched,
    ModelSource,
    cached_path,
    catalogue_source,
    hub_cache_dir,
    offline,
    parse_source,
    url_cache_dir,
)
from mae_studio.core.names import home_relative

from .catalogue_table import CatalogueTable
from .downloader import CacheScanner, DownloadProgress, ModelDownloader
from .i18n import label
from .settings import Settings

BAR_STEPS = 1000  # the progress bar counts thousandths (byte counts overflow its int)
ERROR_STYLE = "color: #ff8a80;"
NOTE_STYLE = "color: #f0a030;"


def non_commercial(licence: str) -> bool:
    """CC-BY-NC 4.0, CC BY-NC-SA, ... (the official MAE weights): asked before a download."""
    return "NC" in licence.upper().replace("-", " ").split()


def _same_path(a: str | Path | None, b: str | Path | None) -> bool:
    return a is not None and b is not None and Path(a).resolve() == Path(b).resolve()


class ModelsDialog(QDialog):
    model_ready = Signal(object)  # core.downloads.Fetched, on disk: load it

    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Get Models"))
        self.settings = settings
        self.entries: list[CatalogueModel] = list(catalogue.CATALOGUE)
        self.on_disk: dict[str, Path | None] = {}  # filled by the cache scan
        self.licence_box: QMessageBox | None = None
        self._in_use: tuple[str, str | None] = (self.tr("the current model"), None)  # name, path
        self._loading: Fetched | None = None  # handed to the window, not loaded yet
        self._fetching: ModelSource | None = None

        self.intro = QLabel(
            self.tr(
                "Official facebookresearch/mae releases and Hugging Face ViTMAE repos. A model is "
                "downloaded once, verified, and kept in the torch hub or Hugging Face cache "
                "(<code>{torch_cache}</code>, <code>{hub_cache}</code>). The current model keeps "
                "working while another one downloads."
            ).format(
                torch_cache=html.escape(home_relative(url_cache_dir())),
                hub_cache=html.escape(home_relative(hub_cache_dir())),
            )
        )
        self.intro.setWordWrap(True)
        self.offline_note = QLabel(
            self.tr("Downloads are off (HF_HUB_OFFLINE is set): only models already on disk can be loaded.")
        )
        self.offline_note.setStyleSheet(NOTE_STYLE)
        self.offline_note.setWordWrap(True)
        self.table = CatalogueTable(self.entries)
        self.details = QLabel()
        self.details.setWordWrap(True)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.details.setOpenExternalLinks(True)
        self.custom = QLineEdit()
        self.custom.setPlaceholderText(
            self.tr("Hugging Face repo (owner/name) or https:// URL of a checkpoint")
        )
        self.custom.setClearButtonEnabled(True)
        self.custom_button = QPushButton(self.tr("Get"))
        self.custom_button.setToolTip(self.tr("Download it (or load it, when it is on disk)"))
        self.bar = QProgressBar()
        self.bar.setRange(0, BAR_STEPS)
        self.bar.setTextVisible(True)
        self.progress_label = QLabel()
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.action_button = QPushButton(self.tr("Download"))
        self.action_button.setDefault(True)
        self.cancel_button = QPushButton(self.tr("Cancel Download"))
        self.close_button = QPushButton(self.tr("Close"))

        custom_row = QHBoxLayout()
        custom_row.addWidget(QLabel(self.tr("Other model:")))
        custom_row.addWidget(self.custom, 1)
        custom_row.addWidget(self.custom_button)
        buttons = QHBoxLayout()
        buttons.addWidget(self.action_button)
        buttons.addWidget(self.cancel_button)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addWidget(self.offline_note)
        layout.addWidget(self.table)
        layout.addWidget(self.details)
        layout.addLayout(custom_row)
        layout.addWidget(self.bar)
        layout.addWidget(self.progress_label)
        layout.addWidget(self.message)
        layout.addStretch(1)
        layout.addLayout(buttons)
        self._fitted = False
        self.resize(1080, self.sizeHint().height())

        self.downloader = ModelDownloader(self)
        self.downloader.progressed.connect(self._on_progressed)
        self.downloader.downloaded.connect(self._on_downloaded)
        self.downloader.failed.connect(self._on_failed)
        self.downloader.cancelled.connect(self._on_cancelled)
        self.scanner = CacheScanner(self)
        self.scanner.scanned.connect(self._on_scanned)
        self.table.itemSelectionChanged.connect(self._refresh)
        self.table.itemDoubleClicked.connect(lambda _: self.get_selected())
        self.action_button.clicked.connect(self.get_selected)
        self.custom_button.clicked.connect(self.get_custom)
        self.custom.returnPressed.connect(self.get_custom)
        self.cancel_button.clicked.connect(self.downloader.cancel)
        self.close_button.clicked.connect(self.reject)
        self._show_progress(False)
        self.scanner.scan(self.entries)
        self.table.selectRow(0)
        self._refresh()

    def _fit_height(self) -> None:
        """The whole catalogue without a scroll bar, and room for the progress bar and a two-line
        message, so nothing jumps when a download starts (row heights are known once the style
        has been applied: at the first show)."""
        self.table.fit_height()
        layout = self.layout()
        height = layout.totalHeightForWidth(self.width())
        room = self.bar.sizeHint().height() + 3 * self.fontMetrics().lineSpacing() + 2 * layout.spacing()
        self.resize(self.width(), height + room)

    # ---------------------------------------------------------------- what the window tells

    def select(self, spec: str) -> None:
        """Select a catalogue model by name, or put any other source in the Other model field."""
        if not self.table.select_entry(spec):
            self.custom.setText(spec)
            self.custom.setFocus()

    def set_model_in_use(self, name: str, path: str | None) -> None:
        """The window loaded a model: mark it, and finish the story of one fetched here."""
        self._in_use = (name, path)
        if self._loading is not None and _same_path(self._loading.path, path):
            self._say(
                self.tr("{source} is loaded: {name}.").format(
                    source=self._label(self._loading.source), name=name
                )
            )
            self._loading = None
        self._refresh()

    def show_load_failed(self, message: str) -> None:
        if self._loading is not None:
            what = self._label(self._loading.source)
            self._say(
                self.tr("{what} is on disk but was not loaded: {message}").format(what=what, message=message),
                error=True,
            )
            self._loading = None

    def shutdown(self, timeout_s: float = 2.0) -> bool:
        """Cancel a download and stop both threads; True when they ended within the timeout."""
        scanned = self.scanner.shutdown(0.5)
        return self.downloader.shutdown(timeout_s) and scanned

    # ---------------------------------------------------------------- getting a model

    def selected_entry(self) -> CatalogueModel | None:
        return self.table.selected_entry()

    def get_selected(self) -> None:
        entry = self.selected_entry()
        if entry is not None:
            self.get(catalogue_source(entry))

    def get_custom(self) -> None:
        text = self.custom.text().strip()
        if not text:
            return
        try:
            source = parse_source(text)
        except DownloadError as e:
            self._say(str(e), error=True)
            return
        if source.kind == "path" and (source.path is None or not source.path.exists()):
            self._say(
                self.tr("{text}: no such file, and not a Hub repo id (owner/name) or URL").format(text=text),
                error=True,
            )
            return
        self.get(source)

    def get(self, source: ModelSource) -> None:
        """Load `source` when it is on disk; else download it (asking for its licence first)."""
        if self.downloader.busy:
            self._say(
                self.tr("Another download is in progress: wait for it, or cancel it first."), error=True
            )
            return
        local = cached_path(source)  # no request: a file's stat, or the Hugging Face cache
        if local is not None:
            self._hand_over(Fetched(local, source))
            return
        entry = source.entry
        if (
            entry is not None
            and non_commercial(entry.licence)
            and entry.licence not in self.settings.accepted_licences()
        ):
            self._ask_licence(source, entry)
            return
        self._download(source)

    def _ask_licence(self, source: ModelSource, entry: CatalogueModel) -> None:
        title = self.tr("Licence of {name}").format(name=entry.name)
        box = QMessageBox(QMessageBox.Icon.Question, title, "", parent=self)
        box.setTextFormat(Qt.TextFormat.RichText)
        url = html.escape(entry.licence_url)
        box.setText(
            self.tr(
                "<p><b>{name}</b> is released under <b>{licence}</b>: you may use it for "
                "non-commercial purposes only, crediting its authors.</p>"
                '<p>The licence: <a href="{url}">{url}</a></p>'
                "<p>Accept it to download {name} ({size})? MAE Studio asks once for each licence.</p>"
            ).format(
                name=html.escape(entry.name),
                licence=html.escape(entry.licence),
                url=url,
                size=format_size(entry.size_bytes),
            )
        )
        box.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        accept = box.addButton(self.tr("Accept and Download"), QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(accept)
        box.finished.connect(lambda _: self._on_licence_answered(box.clickedButton() is accept, source))
        self.licence_box = box
        box.open()

    def _on_licence_answered(self, accepted: bool, source: ModelSource) -> None:
        self.licence_box = None
        assert source.entry is not None
        if not accepted:
            self._say(
                self.tr("Not downloaded: the licence ({licence}) was not accepted.").format(
                    licence=source.entry.licence
                )
            )
            return
        self.settings.accept_licence(source.entry.licence)
        if self.isVisible() and not self.downloader.busy:
            self._download(source)

    def _download(self, source: ModelSource) -> None:
        self._fetching = source
        self._say("")
        self.bar.setRange(0, 0)  # busy until the server says how big it is
        self.progress_label.setText(self.tr("Connecting to {where}…").format(where=source.where))
        self._show_progress(True)
        self.downloader.start(source)
        self._refresh()

    def _hand_over(self, fetched: Fetched) -> None:
        self._loading = fetched
        if _same_path(fetched.path, self._in_use[1]):
            self._say(
                self.tr("{source} is already the model in use.").format(source=self._label(fetched.source))
            )
            self._loading = None
            return
        self._say(
            self.tr("Loading {source} from {path}…").format(
                source=self._label(fetched.source), path=fetched.path
            )
        )
        self.model_ready.emit(fetched)

    # ---------------------------------------------------------------- download signals

    def _on_progressed(self, progress: DownloadProgress) -> None:
        fraction = progress.fraction
        if fraction is None:
            self.bar.setRange(0, 0)
        else:
            self.bar.setRange(0, BAR_STEPS)
            self.bar.setValue(round(fraction * BAR_STEPS))
        checking = progress.total is not None and progress.done >= progress.total
        what = self._label(self._fetching) if self._fetching is not None else self.tr("the model")
        self.progress_label.setText(
            self.tr("Checking {what} (checksum and a strict load)…").format(what=what)
            if checking
            else self.tr("Downloading {what}: {progress}").format(what=what, progress=progress.text())
        )

    def _on_downloaded(self, fetched: Fetched) -> None:
        self._fetching = None
        self._show_progress(False)
        if fetched.source.entry is not None:
            self.on_disk[fetched.source.entry.name] = fetched.path
        self._hand_over(fetched)
        self._refresh()

    def _on_failed(self, message: str) -> None:
        self._fetching = None
        self._show_progress(False)
        self._say(
            self.tr("Download failed: {message}\n{model} stays loaded.").format(
                message=message, model=self._in_use[0]
            ),
            error=True,
        )
        self._refresh()

    def _on_cancelled(self, kept: str) -> None:
        what = self._label(self._fetching) if self._fetching is not None else self.tr("the model")
        self._fetching = None
        self._show_progress(False)
        self._say(self.tr("Download of {what} cancelled. {kept}").format(what=what, kept=kept))
        self._refresh()

    def _on_scanned(self, found: dict[str, Path | None]) -> None:
        self.on_disk.update({k: v for k, v in found.items() if k not in self.on_disk or v is not None})
        self._refresh()

    # ---------------------------------------------------------------- view

    def _label(self, source: ModelSource) -> str:
        return source.entry.name if source.entry is not None else source.where

    def _say(self, text: str, error: bool = False) -> None:
        self.message.setText(text)
        self.message.setStyleSheet(ERROR_STYLE if error else "")

    def _show_progress(self, on: bool) -> None:
        self.bar.setVisible(on)
        self.progress_label.setVisible(on)
        self.cancel_button.setVisible(on)

    def _disk_state(self, entry: CatalogueModel) -> str:
        """ "downloading", "unknown" (not scanned yet), "no", "in use" or "yes"."""
        if self._fetching is not None and self._fetching.entry == entry:
            return "downloading"
        if entry.name not in self.on_disk:
            return "unknown"
        path = self.on_disk[entry.name]
        if path is None:
            return "no"
        return "in use" if _same_path(path, self._in_use[1]) else "yes"

    def _disk_text(self, state: str) -> str:
        texts = {
            "downloading": self.tr("downloading"),
            "unknown": "…",
            "no": self.tr("no"),
            "in use": self.tr("in use"),
            "yes": self.tr("yes"),
        }
        return texts[state]

    def _refresh(self) -> None:
        busy = self.downloader.busy
        self.offline_note.setVisible(offline())
        for row, entry in enumerate(self.entries):
            path = self.on_disk.get(entry.name)
            tip = (
                str(path)
                if path is not None
                else self.tr("downloads from {source}").format(source=entry.source)
            )
            self.table.set_disk_state(row, self._disk_text(self._disk_state(entry)), tip)
        entry = self.selected_entry()
        self.custom_button.setEnabled(not busy)
        self.close_button.setToolTip(
            self.tr("Closing cancels the download; it resumes next time") if busy else ""
        )
        if entry is None:
            self.action_button.setEnabled(False)
            self.details.setText("")
            return
        disk = self._disk_state(entry)
        self.action_button.setText(self.tr("Load") if disk in ("yes", "in use") else self.tr("Download"))
        self.action_button.setEnabled(not busy and disk != "in use")
        path = self.on_disk.get(entry.name)
        where = (
            self.tr("on disk: {path}").format(path=path)
            if path is not None
            else self.tr("from {source}").format(source=entry.source)
        )
        licence = f'<a href="{html.escape(entry.licence_url)}">{html.escape(entry.licence)}</a>'
        self.details.setText(
            self.tr("<b>{name}</b>: {summary}. {size}, predicts {target}, licence {licence}; {where}").format(
                name=html.escape(entry.name),
                summary=html.escape(label(entry.summary)),
                size=format_size(entry.size_bytes),
                target=label(entry.target),
                licence=licence,
                where=html.escape(where),
            )
        )

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._fitted:
            self._fitted = True
            self._fit_height()

    def reject(self) -> None:
        """Close (Esc, Close, the title bar's X): a download in progress is cancelled; its part
        is kept."""
        if self.downloader.busy:
            self.downloader.cancel()
        super().reject()
