"""How the photo meets the model (the fit) and the mask: pattern presets, ratio slider with the
exact patch count, seed and re-roll, invert and clear. Edits go to the document; a slider drag
is one undo step, and so is a change of fit."""

from __future__ import annotations

import random

from PySide6.QtCore import Qt
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

FIT_LABELS = {"crop": "Centre crop", "whole": "Whole photo", "tiles": "Tiles (full resolution)"}
MAX_RATIO_PERCENT = 95
MAX_SEED = 2**31 - 1


def count_text(removed: int, total: int) -> str:
    """'147/196 patches, 75%'."""
    percent = round(100 * removed / total) if total else 0
    return f"{removed}/{total} patches, {percent}%"


def fit_tip(fit: str) -> str:
    """'Whole photo: the whole photo resized to a patch grid at its own aspect (...)'."""
    return f"{FIT_LABELS[fit]}: {FIT_HELP[fit]}"


class MaskPanel(QWidget):
    def __init__(self, doc: Document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.doc = doc

        self.fit = QComboBox()
        for key in FITS:
            self.fit.addItem(FIT_LABELS[key], key)
            self.fit.setItemData(self.fit.count() - 1, fit_tip(key), Qt.ItemDataRole.ToolTipRole)
        self.fit.setToolTip("How the photo meets the model (one undo step; Ctrl+1, 2, 3)")
        self.grid_label = QLabel()
        self.grid_label.setObjectName("patchGrid")
        self.grid_label.setToolTip("The patch grid the model runs on: rows x columns")

        self.pattern = QComboBox()
        for key, entry in PATTERN_REGISTRY.items():
            self.pattern.addItem(entry.label, key)
            self.pattern.setItemData(self.pattern.count() - 1, entry.help, Qt.ItemDataRole.ToolTipRole)
        self.pattern.setToolTip("How the mask is generated; the ratio and seed apply to it")

        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, MAX_RATIO_PERCENT)
        self.slider.setPageStep(5)
        self.slider.setToolTip("Mask ratio: share of patches removed (re-randomizes as it moves)")
        self.ratio_label = QLabel()
        self.ratio_label.setMinimumWidth(36)
        self.count_label = QLabel()
        self.count_label.setObjectName("maskCount")
        self.count_label.setToolTip("Patches removed by the current mask")

        self.seed = QSpinBox()
        self.seed.setRange(0, MAX_SEED)
        self.seed.setToolTip("Seed of the random and block-wise patterns")
        self.reroll = QPushButton("Re-roll")
        self.reroll.setToolTip("New random seed (R)")
        self.apply_button = QPushButton("Apply pattern")
        self.apply_button.setToolTip("Replace the mask with the chosen pattern, ratio and seed")
        self.invert_button = QPushButton("Invert")
        self.invert_button.setToolTip("Removed patches become visible and vice versa (I)")
        self.clear_button = QPushButton("Clear")
        self.clear_button.setToolTip("Show every patch (Delete)")

        ratio_row = QHBoxLayout()
        ratio_row.addWidget(self.slider, 1)
        ratio_row.addWidget(self.ratio_label)
        seed_row = QHBoxLayout()
        seed_row.addWidget(self.seed, 1)
        seed_row.addWidget(self.reroll)

        photo = QGroupBox("Photo")
        photo_form = QFormLayout(photo)
        photo_form.addRow("Fit", self.fit)
        photo_form.addRow("Grid", self.grid_label)

        generate = QGroupBox("Generate")
        form = QFormLayout(generate)
        form.addRow("Pattern", self.pattern)
        form.addRow("Ratio", ratio_row)
        form.addRow("Seed", seed_row)
        form.addRow(self.apply_button)

        edit = QGroupBox("Mask")
        edit_layout = QVBoxLayout(edit)
        edit_layout.addWidget(self.count_label)
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
        self.ratio_label.setText(f"{round(r.ratio * 100)}%")
        self.slider.setEnabled(pattern(r.pattern).uses_ratio)

    def _on_fit_changed(self) -> None:
        blocked = self.fit.blockSignals(True)
        self.fit.setCurrentIndex(max(0, self.fit.findData(self.doc.fit)))
        self.fit.blockSignals(blocked)

    def _on_mask_changed(self) -> None:
        grid = self.doc.grid
        self.grid_label.setText(f"{grid.h} x {grid.w} patches of {self.doc.patch_size} px")
        self.count_label.setText(count_text(self.doc.removed_count, self.doc.num_patches))

    # ---------------------------------------------------------------- widgets -> document

    def _on_slider_pressed(self) -> None:
        self.doc.begin_live("Mask ratio")

    def _on_slider_released(self) -> None:
        self.doc.end_live()

    def _on_slider_value_changed(self, value: int) -> None:
        self.ratio_label.setText(f"{value}%")
        self.doc.generate(self.doc.with_recipe(ratio=value / 100), f"Mask ratio {value}%")

    def _on_pattern_changed(self, index: int) -> None:
        key = self.pattern.itemData(index)
        self.doc.generate(self.doc.with_recipe(pattern=key), f"{pattern(key).label} mask")

    def _on_seed_changed(self, seed: int) -> None:
        self.doc.generate(self.doc.with_recipe(seed=seed), f"Seed {seed}")

    def apply_pattern(self) -> None:
        self.doc.generate(self.doc.recipe, f"{self.doc.recipe.label} mask")

    def reroll_seed(self) -> None:
        seed = random.randrange(MAX_SEED)
        self.doc.generate(self.doc.with_recipe(seed=seed), "Re-roll seed")
