"""Analysis > Decoder Attention: click a patch (a removed one is the interesting case) and see
where the decoder looks from that patch's token: a heat over the photo, per block and head or
averaged. Removed patches are hatched: the decoder sees only a shared mask token there, so
attention on them gathers no picture content from that place.

Computed on the worker for that one query (core.attention: the model's own projections,
without giving up the fused attention kernel of normal reconstructions).

The heat takes the window's colour map but not core.heatmap's heat layer: weights are not
errors (no fixed MSE scale applies; the top is the largest weight, so nothing passes it), and
the opacity grows with the weight so the photo stays visible where the decoder hardly looks."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PySide6.QtWidgets import QComboBox, QGridLayout, QLabel, QWidget

from .analysis_dialog import AnalysisDialog
from .analysis_jobs import AttentionResult, attention_job
from .analysis_picture import AnalysisPicture, heat_image
from .colorbar import ColorBar
from .controller import InferenceController
from .framing import Framing
from .worker import AnalysisStart

HEAT_ALPHA = 235  # of 255, for the largest weight


class AttentionDialog(AnalysisDialog):
    uses_mask = True

    def __init__(
        self,
        controller: InferenceController,
        mask: Callable[[], np.ndarray],
        framing: Callable[[], Framing | None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(
            controller,
            mask,
            self.tr("Decoder Attention"),
            self.tr(
                "Click a patch, best a removed (hatched) one, to see which patches the decoder attends to"
                " when it predicts that patch. Hatched patches are mask tokens: the decoder knows only"
                " their position there, not their content."
            ),
            parent,
        )
        self._framing = framing
        self.query: tuple[int, int] | None = None
        self.block = QComboBox()
        self.head = QComboBox()
        for box in (self.block, self.head):
            box.currentIndexChanged.connect(self._on_selection_changed)
        self._fill_selectors(0, 0)
        for i, (text, box) in enumerate(((self.tr("Block:"), self.block), (self.tr("Head:"), self.head))):
            label = QLabel(text)
            label.setBuddy(box)
            self.controls.insertWidget(2 * i, label)
            self.controls.insertWidget(2 * i + 1, box)
        self.compute_button.setText(self.tr("Compute for the Chosen Patch"))
        self.picture = AnalysisPicture(self.tr("Attention from the chosen patch"))
        self.picture.set_placeholder(self.tr("Open a photo first"))
        self.picture.cell_clicked.connect(self._on_cell_clicked)
        self.picture.cell_hovered.connect(self._on_cell_hovered)
        self.bar = ColorBar(self.heat_style.cmap, self.tr("weight"), beside=self.picture)
        grid = QGridLayout()
        grid.addWidget(self.picture, 0, 0)
        grid.addWidget(self.bar, 0, 1)
        grid.setColumnStretch(0, 1)
        self.content.addLayout(grid, 1)
        self.readout = QLabel(" ")
        self.readout.setWordWrap(True)
        self.content.addWidget(self.readout)
        self.show_photo()

    def _fill_selectors(self, blocks: int, heads: int) -> None:
        for box, count, mean, each in (
            (self.block, blocks, self.tr("Mean of all blocks"), self.tr("Block {n}")),
            (self.head, heads, self.tr("Mean of all heads"), self.tr("Head {n}")),
        ):
            if box.count() == count + 1:
                continue
            box.blockSignals(True)
            box.clear()
            box.addItem(mean, None)
            for i in range(count):
                box.addItem(each.format(n=i + 1), i)
            box.blockSignals(False)

    def show_photo(self) -> None:
        """The photo as the model sees it, its removed patches hatched, before any result."""
        f = self._framing()
        if f is None:
            self.picture.set_picture(None)
            return
        self.picture.set_picture(f.display, f.grid.shape, (*f.size, f.patch_size))
        if self.last_result is None:
            self.picture.set_marks(self._mask(), self.query)

    def clear_view(self) -> None:
        self.query = None
        self.picture.set_heat(None)
        self.picture.set_title(self.tr("Attention from the chosen patch"))
        self.readout.setText(" ")

    def mask_changed(self) -> None:
        if self.last_result is None:
            self.show_photo()
        super().mask_changed()

    def make_job(self) -> AnalysisStart | None:
        if self._framing() is None:
            self.say(self.tr("Open a photo first."), error=True)
            return None
        if self.query is None:
            self.say(self.tr("Click a patch in the picture first."), error=True)
            return None
        return attention_job(self._mask(), self.query)

    def _on_cell_clicked(self, row: int, col: int) -> None:
        self.query = (row, col)
        self.picture.set_marks(self._mask(), self.query)  # the mask the computation takes
        self.compute()

    def show_result(self, result: object) -> None:
        assert isinstance(result, AttentionResult)
        blocks, heads = result.weights.shape[:2]
        self._fill_selectors(blocks, heads)
        f = self._framing()
        if f is not None:
            self.picture.set_picture(f.display, f.grid.shape, (*f.size, f.patch_size))
        self.picture.set_marks(result.mask, result.query)
        self._on_selection_changed()

    def shown_weights(self) -> np.ndarray | None:
        r = self.last_result
        if not isinstance(r, AttentionResult):
            return None
        return r.averaged(self.block.currentData(), self.head.currentData())

    def show_heat(self) -> None:
        self._on_selection_changed()

    def _on_selection_changed(self) -> None:
        weights = self.shown_weights()
        if weights is None:
            return
        vmax = float(weights.max()) or 1.0
        cmap = self.heat_style.cmap
        alpha = np.round(HEAT_ALPHA * np.sqrt(np.clip(weights / vmax, 0, 1))).astype(np.uint8)
        self.picture.set_heat(heat_image(weights, vmax, cmap, alpha))
        self.bar.set_cmap(cmap)
        self.bar.set_vmax(vmax)
        self.picture.set_title(self._title())
        self.readout.setText(self._shares_text())

    def _title(self) -> str:
        r = self.last_result
        assert isinstance(r, AttentionResult)
        row, col = r.query
        kind = self.tr("removed") if r.mask[row, col] else self.tr("visible")
        return self.tr("Attention from patch ({row}, {col}), {kind} · {block} · {head}").format(
            row=row, col=col, kind=kind, block=self.block.currentText(), head=self.head.currentText()
        )

    def _shares_text(self) -> str:
        r, weights = self.last_result, self.shown_weights()
        assert isinstance(r, AttentionResult) and weights is not None
        block, head = self.block.currentData(), self.head.currentData()
        cls = r.cls.mean(axis=0) if block is None else r.cls[block]
        cls_share = float(cls.mean() if head is None else cls[head])
        visible = float(weights[~r.mask].sum())
        removed = float(weights[r.mask].sum())
        return self.tr(
            "Of this attention, {v:.0%} goes to visible patches, {m:.0%} to mask tokens and {c:.0%} to the"
            " class token. Hover a patch for its weight; click another patch to look from there."
        ).format(v=visible, m=removed, c=cls_share)

    def done_text(self, result: object) -> str:
        assert isinstance(result, AttentionResult)
        return self.tr("Computed in {ms:.0f} ms.").format(ms=result.seconds * 1000)

    def _on_cell_hovered(self, row: int, col: int) -> None:
        weights = self.shown_weights()
        r = self.last_result
        if row < 0 or weights is None or not isinstance(r, AttentionResult):
            if r is not None:
                self.readout.setText(self._shares_text())
            return
        kind = self.tr("mask token") if r.mask[row, col] else self.tr("visible patch")
        self.readout.setText(
            self.tr("Patch ({row}, {col}), {kind}: weight {w:.4f}").format(
                row=row, col=col, kind=kind, w=float(weights[row, col])
            )
        )
