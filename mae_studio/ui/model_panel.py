"""The model dock: which model is loaded (name, input and patch size, parameters), where it
runs, and buttons to switch. Loading itself happens on the worker thread."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from .model_info import ModelInfo


class ModelPanel(QWidget):
    default_requested = Signal()
    open_file_requested = Signal()
    open_folder_requested = Signal()
    device_chosen = Signal(str)  # "auto", "cpu", "cuda", "mps"
    threads_chosen = Signal(int)  # 0 = automatic
    precision_chosen = Signal(str)  # "exact" or "fast"

    def set_devices(self, devices: list[str]) -> None:
        """The device choices (after Auto); the current choice stays when it is still offered."""
        current = self.device.currentData()
        self.device.blockSignals(True)
        self.device.clear()
        for d in ["auto", *devices]:
            self.device.addItem(d.upper() if d != "auto" else self.tr("Auto"), d)
        self.device.setCurrentIndex(max(0, self.device.findData(current)))
        self.device.blockSignals(False)

    def __init__(
        self,
        devices: list[str],
        threads: int,
        max_threads: int,
        precision: str = "exact",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.name = QLabel(self.tr("Loading…"))
        self.name.setWordWrap(True)
        self.name.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.geometry = QLabel("")
        self.params = QLabel("")
        self.source = QLabel("")  # the checkpoint's card: format, heads' and target's sources
        self.source.setWordWrap(True)
        self.source.setTextFormat(Qt.TextFormat.PlainText)
        self.note = QLabel("")
        self.note.setWordWrap(True)
        self.note.setStyleSheet("color: #f0a030;")
        self.note.setVisible(False)

        self.default_button = QPushButton(self.tr("Default"))
        self.default_button.setToolTip(self.tr("The model shipped with MAE Studio"))
        self.file_button = QPushButton(self.tr("Open file…"))
        self.file_button.setToolTip(
            self.tr("An official .pth, a Hugging Face .bin/.safetensors or an MAE Studio .safetensors")
        )
        self.folder_button = QPushButton(self.tr("Open folder…"))
        self.folder_button.setToolTip(self.tr("A Hugging Face model folder (config.json + weights)"))

        self.device = QComboBox()
        self.set_devices(devices)
        self.device.setToolTip(self.tr("Where the model runs (reloads the model)"))
        self.threads = QSpinBox()
        self.threads.setRange(0, max(1, max_threads))
        self.threads.setSpecialValueText(self.tr("Auto"))
        self.threads.setValue(threads)
        self.threads.setToolTip(
            self.tr("CPU threads for the model (Auto: all cores on 2-3 core machines, else one left free)")
        )
        self.precision = QComboBox()
        self.precision.addItem(self.tr("Exact (float32)"), "exact")
        self.precision.addItem(self.tr("Fast (bf16 / int8 / TF32)"), "fast")
        self.precision.setCurrentIndex(max(0, self.precision.findData(precision)))
        self.precision.setToolTip(
            self.tr("Fast: what this hardware runs fastest, within a small error of Exact")
        )
        self.precision_detail = QLabel("")
        self.precision_detail.setWordWrap(True)
        self.precision_detail.setVisible(False)

        info = QGroupBox(self.tr("Model"))
        form = QFormLayout(info)
        form.addRow(self.name)
        form.addRow(self.tr("Input"), self.geometry)
        form.addRow(self.tr("Size"), self.params)
        form.addRow(self.tr("Source"), self.source)
        form.addRow(self.note)
        buttons = QHBoxLayout()
        for b in (self.default_button, self.file_button, self.folder_button):
            buttons.addWidget(b)
        form.addRow(buttons)

        run = QGroupBox(self.tr("Compute"))
        run_form = QFormLayout(run)
        run_form.addRow(self.tr("Device"), self.device)
        run_form.addRow(self.tr("Precision"), self.precision)
        run_form.addRow(self.precision_detail)
        run_form.addRow(self.tr("CPU threads"), self.threads)

        layout = QVBoxLayout(self)
        layout.addWidget(info)
        layout.addWidget(run)
        layout.addStretch(1)

        self.default_button.clicked.connect(self.default_requested)
        self.file_button.clicked.connect(self.open_file_requested)
        self.folder_button.clicked.connect(self.open_folder_requested)
        self.device.activated.connect(lambda i: self.device_chosen.emit(self.device.itemData(i)))
        self.threads.valueChanged.connect(self.threads_chosen)
        self.precision.activated.connect(lambda i: self.precision_chosen.emit(self.precision.itemData(i)))

    def set_model(self, info: ModelInfo) -> None:
        self.name.setText(f"<b>{info.display_name}</b>")
        self.geometry.setText(
            self.tr("{size}px, {patch}px patches ({grid}x{grid})").format(
                size=info.img_size, patch=info.patch_size, grid=info.grid_size
            )
        )
        self.params.setText(
            self.tr("{millions}M parameters on {device}").format(
                millions=f"{info.parameters / 1e6:.1f}", device=info.device
            )
        )
        self.source.setText(info.source)
        self.note.setText(info.note)
        self.note.setVisible(bool(info.note))
        self.setEnabled(True)

    def set_precision_detail(self, text: str) -> None:
        self.precision_detail.setText(text)
        self.precision_detail.setVisible(bool(text))

    def set_loading(self, loading: bool) -> None:
        for b in (self.default_button, self.file_button, self.folder_button, self.device):
            b.setEnabled(not loading)
