"""What every analysis window shares: a Compute button, progress, Cancel, and what the
outcome says (done in how long, failed and why, cancelled and why, stale since an edit).

An analysis runs on the worker (controller.start_analysis), in steps between which the brush's
reconstructions run; the window stays usable throughout. A subclass says what to run
(`make_job`) and shows the result (`show_result`); one that depends on the mask says so
(`uses_mask`), and is marked stale when the mask changes after it started.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from mae_studio.core.heatmap import DEFAULT_STYLE, HeatStyle

from .controller import InferenceController
from .worker import AnalysisStart


class AnalysisDialog(QDialog):
    uses_mask = False  # the result depends on the mask: stale once the mask changes

    def __init__(
        self,
        controller: InferenceController,
        mask: Callable[[], np.ndarray],
        title: str,
        intro: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setModal(False)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, False)  # kept for the next time
        self._controller = controller
        self._mask = mask
        self._id: int | None = None  # the analysis of ours in progress
        self._started_mask: np.ndarray | None = None
        self.last_result: object | None = None
        self.heat_style: HeatStyle = DEFAULT_STYLE  # the window's colour map and scale
        self.intro = QLabel(intro)
        self.intro.setWordWrap(True)
        self.controls = QHBoxLayout()  # a subclass's choices, left of the Compute button
        self.compute_button = QPushButton(self.tr("Compute"))
        self.compute_button.setDefault(True)
        self.compute_button.clicked.connect(self.compute)
        self.controls.addStretch(1)
        self.controls.addWidget(self.compute_button)
        self.content = QVBoxLayout()
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.progress = QProgressBar()
        self.progress.setTextVisible(True)
        self.progress.hide()
        self.cancel_button = QPushButton(self.tr("Cancel"))
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self._on_cancel_clicked)
        bottom = QHBoxLayout()
        bottom.addWidget(self.status, 1)
        bottom.addWidget(self.progress)
        bottom.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addLayout(self.controls)
        layout.addLayout(self.content, 1)
        layout.addLayout(bottom)
        c = controller
        c.analysis_progressed.connect(self._on_analysis_progressed)
        c.analysis_ready.connect(self._on_analysis_ready)
        c.analysis_failed.connect(self._on_analysis_failed)
        c.analysis_cancelled.connect(self._on_analysis_cancelled)

    # ---------------------------------------------------------------- for subclasses

    def make_job(self) -> AnalysisStart | None:
        """What to run now; None after saying why nothing can run (self.say)."""
        raise NotImplementedError

    def show_result(self, result: object) -> None:
        raise NotImplementedError

    def clear_view(self) -> None:
        """Show no result (the photo changed)."""

    def show_heat(self) -> None:
        """Draw the result's heat layers in self.heat_style (a window with a heat map)."""

    def set_heat_style(self, style: HeatStyle) -> None:
        """The window's heat-map style changed (View > Heat Map Colours and Scale)."""
        if style != self.heat_style:
            self.heat_style = style
            self.show_heat()

    def forget(self) -> None:
        """The photo or its fit changed: the result shown is of another picture."""
        if self.last_result is not None:
            self.last_result = None
            self._started_mask = None
            self.clear_view()
            self.say(self.tr("The photo changed: Compute for this one."))

    def done_text(self, result: object) -> str:
        """The status line once a result is shown."""
        return self.tr("Done.")

    def say(self, text: str, error: bool = False) -> None:
        self.status.setText(text)
        self.status.setStyleSheet("color: #e0605a;" if error else "")

    # ---------------------------------------------------------------- running

    @property
    def running(self) -> bool:
        return self._id is not None

    def compute(self) -> None:
        """Start the analysis (replacing any other analysis in progress)."""
        job = self.make_job()
        if job is None:
            return
        self._started_mask = np.array(self._mask(), dtype=bool)
        self.progress.setRange(0, 0)  # busy until the first step reports its count
        self.progress.show()
        self.cancel_button.setEnabled(True)
        self.compute_button.setEnabled(False)
        self.say(self.tr("Computing on the model's thread; you can keep painting."))
        self._id = -1  # ours from here: signals of this start may come before it returns
        self._id = self._controller.start_analysis(job)

    def cancel(self) -> None:
        if self.running:
            self._controller.cancel_analysis(self.tr("cancelled"))

    def mask_changed(self) -> None:
        """The document's mask changed: a result of another mask is stale."""
        if self.last_result is not None and not self.running and self.stale():
            self.say(self.done_text(self.last_result) + " " + self._stale_text())

    def stale(self) -> bool:
        """Whether the result shown was computed with another mask than the document's now."""
        started = self._started_mask
        return self.uses_mask and started is not None and not np.array_equal(started, self._mask())

    def _stale_text(self) -> str:
        return self.tr("The mask has changed since: Compute again for the current mask.")

    def _mine(self, analysis_id: int) -> bool:
        return self._id is not None and (self._id == analysis_id or self._id == -1)

    def _finish(self) -> None:
        self._id = None
        self.progress.hide()
        self.cancel_button.setEnabled(False)
        self.compute_button.setEnabled(True)

    def _on_cancel_clicked(self) -> None:
        self.cancel()

    def _on_analysis_progressed(self, analysis_id: int, done: int, total: int) -> None:
        if self._mine(analysis_id):
            self.progress.setRange(0, total)
            self.progress.setValue(done)
            self.progress.setFormat(self.tr("%v of %m"))

    def _on_analysis_ready(self, analysis_id: int, result: object) -> None:
        if self._mine(analysis_id):
            self._finish()
            self.last_result = result
            self.show_result(result)
            stale = " " + self._stale_text() if self.stale() else ""
            self.say(self.done_text(result) + stale)

    def _on_analysis_failed(self, analysis_id: int, message: str) -> None:
        if self._mine(analysis_id):
            self._finish()
            self.say(self.tr("Failed: {message}").format(message=message), error=True)

    def _on_analysis_cancelled(self, analysis_id: int, reason: str) -> None:
        if self._mine(analysis_id):
            self._finish()
            self.say(self.tr("Stopped: {reason}.").format(reason=reason))

    def closeEvent(self, event: QCloseEvent) -> None:
        self.cancel()  # nobody would see it
        super().closeEvent(event)

    def reject(self) -> None:  # Escape
        self.cancel()
        super().reject()
