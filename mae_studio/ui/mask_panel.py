"""How the photo meets the model (the fit) and the mask: pattern presets, ratio slider with the
exact patch count, seed and re-roll, invert and clear. Edits go to the document; a slider drag
is one undo step, and so is a change of fit.

The Ratio slider is the pattern's setting. Once the mask is painted it no longer says how much
is removed: the Mask box then shows the painted mask's own count and share, says the slider is
the pattern's, and the slider's value shows the pattern's ratio beside the mask's true one."""

from __future__ import annotations

import random

from PySide6.QtCore import QCoreApplication, Qt, QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from mae_studio.core.masks import PATTERN_REGISTRY, pattern
from mae_studio.core.results import FIT_HELP, FITS

from .document import Document
from .framing import FIT_LABELS
from .i18n import label

MAX_RATIO_PERCENT = 95
MAX_SEED = 2**31 - 1
LIVE_COUNT_MS = 100  # during a drag the count follows at most this often (a relayout each time)


def percent_of(removed: int, total: int) -> int:
    return round(100 * removed / total) if total else 0


def count_text(removed: int, total: int) -> str:
    """'147/196 patches removed, 75%'."""
    text = QCoreApplication.translate("MaskPanel", "{removed}/{total} patches removed, {percent}%")
    return text.format(removed=removed, total=total, percent=percent_of(removed, total))


def fit_tip(fit: str) -> str:
    """'Whole photo: the whole photo resized to a patch grid at its own aspect (...)'."""
    said = QCoreApplication.translate("MaskPanel", "{fit}: {what_it_shows}")
    return said.format(fit=label(FIT_LABELS[fit]), what_it_shows=label(FIT_HELP[fit]))


class MaskPanel(QWidget):
    def __init__(self, doc: Document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.doc = doc
        self._live_count = QTimer(self)
        self._live_count.setSingleShot(True)
        self._live_count.setInterval(LIVE_COUNT_MS)
        self._live_count.timeout.connect(self._show_count)

        self.fit = QComboBox()
        for key in FITS:
            self.fit.addItem(label(FIT_LABELS[key]), key)
            self.fit.setItemData(self.fit.count() - 1, fit_tip(key), Qt.ItemDataRole.ToolTipRole)
        self.fit.setToolTip(self.tr("How the photo meets the model (one undo step; Ctrl+1, 2, 3)"))
        self.grid_label = QLabel()
        self.grid_label.setObjectName("patchGrid")
        self.grid_label.setToolTip(self.tr("The patch grid the model runs on: rows x columns"))

        self.pattern = QComboBox()
        for key, entry in PATTERN_REGISTRY.items():
            self.pattern.addItem(label(entry.label), key)
            self.pattern.setItemData(self.pattern.count() - 1, label(entry.help), Qt.ItemDataRole.ToolTipRole)
        self.pattern.setToolTip(self.tr("How the mask is generated; the ratio and seed apply to it"))

        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, MAX_RATIO_PERCENT)
        self.slider.setPageStep(5)
        self.slider.setToolTip(
            self.tr(
                "The pattern's mask ratio: the share of patches it removes (a new mask as it moves). "
                "A painted mask has its own count, shown below."
            )
        )
        self.slider.setAccessibleName(self.tr("Pattern mask ratio"))
        self.ratio_label = QLabel()
        self.ratio_label.setMinimumWidth(36)
        self.count_label = QLabel()
        self.count_label.setObjectName("maskCount")
        self.count_label.setToolTip(self.tr("Patches removed by the current mask, as the model gets it"))
        self.origin_label = QLabel()  # where the mask came from: the pattern, or painted by hand
        self.origin_label.setObjectName("maskOrigin")
        self.origin_label.setWordWrap(True)

        self.seed = QSpinBox()
        self.seed.setRange(0, MAX_SEED)
        self.seed.setToolTip(self.tr("Seed of the random and block-wise patterns"))
        self.reroll = QPushButton(self.tr("Re-roll"))
        self.reroll.setToolTip(self.tr("New random seed (R)"))
        self.apply_button = QPushButton(self.tr("Apply pattern"))
        self.apply_button.setToolTip(self.tr("Replace the mask with the chosen pattern, ratio and seed"))
        self.invert_button = QPushButton(self.tr("Invert"))
        self.invert_button.setToolTip(self.tr("Removed patches become visible and vice versa (I)"))
        self.clear_button = QPushButton(self.tr("Clear"))
        self.clear_button.setToolTip(self.tr("Show every patch (Delete)"))

        ratio_row = QHBoxLayout()
        ratio_row.addWidget(self.slider, 1)
        ratio_row.addWidget(self.ratio_label)
        seed_row = QHBoxLayout()
        seed_row.addWidget(self.seed, 1)
        seed_row.addWidget(self.reroll)

        photo = QGroupBox(self.tr("Photo"))
        photo_form = QFormLayout(photo)
        photo_form.addRow(self.tr("Fit"), self.fit)
        photo_form.addRow(self.tr("Grid"), self.grid_label)

        generate = QGroupBox(self.tr("Generate"))
        form = QFormLayout(generate)
        form.addRow(self.tr("Pattern"), self.pattern)
        form.addRow(self.tr("Ratio"), ratio_row)
        form.addRow(self.tr("Seed"), seed_row)
        form.addRow(self.apply_button)

        edit = QGroupBox(self.tr("Mask"))
        edit_layout = QVBoxLayout(edit)
        edit_layout.addWidget(self.count_label)
        edit_layout.addWidget(self.origin_label)
        buttons = QHBoxLayout()
        buttons.addWidget(self.invert_button)
        buttons.addWidget(self.clear_button)
        edit_layout.addLayout(buttons)

        layout = QVBoxLayout(self)
        layout.addWidget(photo)
        layout.addWidget(generate)
        layout.addWidget(edit)
        layout.addStretch(1)

        self.fit.activated.connect(lambda i: self.doc.set_fit(self.fit.itemData(i)))
        self.slider.sliderPressed.connect(self._on_slider_pressed)
        self.slider.sliderReleased.connect(self._on_slider_released)
        self.slider.valueChanged.connect(self._on_slider_value_changed)
        self.pattern.currentIndexChanged.connect(self._on_pattern_changed)
        self.seed.valueChanged.connect(self._on_seed_changed)
        self.reroll.clicked.connect(self.reroll_seed)
        self.apply_button.clicked.connect(self.apply_pattern)
        self.invert_button.clicked.connect(self.doc.invert)
        self.clear_button.clicked.connect(self.doc.clear)
        doc.recipe_changed.connect(self._on_recipe_changed)
        doc.mask_changed.connect(self._on_mask_changed)
        doc.grid_changed.connect(self._on_mask_changed)
        doc.fit_changed.connect(self._on_fit_changed)
        doc.live_ended.connect(self._on_mask_changed)
        self._on_recipe_changed()
        self._on_fit_changed()
        self._on_mask_changed()

    # ---------------------------------------------------------------- document -> widgets

    def _on_recipe_changed(self) -> None:
        r = self.doc.recipe
        for widget, setter, value in (
            (self.slider, self.slider.setValue, round(r.ratio * 100)),
            (self.seed, self.seed.setValue, r.seed),
            (self.pattern, self.pattern.setCurrentIndex, max(0, self.pattern.findData(r.pattern))),
        ):
            blocked = widget.blockSignals(True)
            setter(value)
            widget.blockSignals(blocked)
        self.slider.setEnabled(pattern(r.pattern).uses_ratio)
        self._show_origin()

    def _on_fit_changed(self) -> None:
        blocked = self.fit.blockSignals(True)
        self.fit.setCurrentIndex(max(0, self.fit.findData(self.doc.fit)))
        self.fit.blockSignals(blocked)

    def _on_mask_changed(self) -> None:
        if self.doc.live:  # a brush or slider drag changes the mask on every mouse move
            if not self._live_count.isActive():
                self._live_count.start()
            return
        self._live_count.stop()
        self._show_count()

    def _show_count(self) -> None:
        grid = self.doc.grid
        text = self.tr("{rows} x {cols} patches of {size} px")
        self.grid_label.setText(text.format(rows=grid.h, cols=grid.w, size=self.doc.patch_size))
        self.count_label.setText(count_text(self.doc.removed_count, self.doc.num_patches))
        self._show_origin()

    def _show_origin(self) -> None:
        """Say whether the mask is the pattern's; when painted, that the slider is the pattern's
        setting and how far the mask is from it. During a stroke it waits for the release."""
        doc = self.doc
        ratio = round(doc.recipe.ratio * 100)
        if doc.live:
            return
        if doc.generated:
            self.ratio_label.setText(self.tr("{percent}%").format(percent=ratio))
            self.ratio_label.setToolTip("")
            self.origin_label.setText(
                self.tr("From the pattern ({pattern}, seed {seed})").format(
                    pattern=label(doc.recipe.label), seed=doc.recipe.seed
                )
            )
            return
        actual = percent_of(doc.removed_count, doc.num_patches)
        self.ratio_label.setText(self.tr("{percent}%*").format(percent=ratio))
        self.ratio_label.setToolTip(
            self.tr("* the pattern's ratio; the painted mask removes {percent}%").format(percent=actual)
        )
        text = self.tr(
            "* Painted by hand: removes {actual}%. The Ratio slider ({ratio}%) is the pattern's "
            "setting; Apply pattern or moving the slider replaces this mask."
        )
        self.origin_label.setText(text.format(actual=actual, ratio=ratio))

    # ---------------------------------------------------------------- widgets -> document

    def _on_slider_pressed(self) -> None:
        self.doc.begin_live(self.tr("Mask ratio"))

    def _on_slider_released(self) -> None:
        self.doc.end_live()

    def _on_slider_value_changed(self, value: int) -> None:
        self.ratio_label.setText(self.tr("{percent}%").format(percent=value))
        text = self.tr("Mask ratio {percent}%").format(percent=value)
        self.doc.generate(self.doc.with_recipe(ratio=value / 100), text)

    def _on_pattern_changed(self, index: int) -> None:
        key = self.pattern.itemData(index)
        text = self.tr("{pattern} mask").format(pattern=label(pattern(key).label))
        self.doc.generate(self.doc.with_recipe(pattern=key), text)

    def _on_seed_changed(self, seed: int) -> None:
        self.doc.generate(self.doc.with_recipe(seed=seed), self.tr("Seed {seed}").format(seed=seed))

    def apply_pattern(self) -> None:
        text = self.tr("{pattern} mask").format(pattern=label(self.doc.recipe.label))
        self.doc.generate(self.doc.recipe, text)

    def reroll_seed(self) -> None:
        seed = random.randrange(MAX_SEED)
        self.doc.generate(self.doc.with_recipe(seed=seed), self.tr("Re-roll seed"))
