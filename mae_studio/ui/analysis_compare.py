"""Analysis > Compare Models: the window's model and a second one side by side on the same mask,
as `mae-studio compare` does. The second model is loaded on the worker thread for the
comparison and dropped after it; a model that cannot be loaded is reported and the window's
model is untouched. A second model with other patches gets the mask carried to its grid."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np
from PySide6.QtWidgets import QCheckBox, QComboBox, QFileDialog, QGridLayout, QLabel, QWidget

from mae_studio.core.catalogue import CATALOGUE
from mae_studio.core.downloads import cached_path, catalogue_source
from mae_studio.core.heatmap import HeatLayer, HeatStyle, Overflow, auto_vmax, heat_layer
from mae_studio.core.results import Reconstruction

from .analysis_dialog import AnalysisDialog
from .analysis_jobs import CompareResult, compare_job
from .analysis_picture import AnalysisPicture, layer_image
from .colorbar import ColorBar
from .controller import InferenceController
from .model_loader import checkpoint_loader, default_loader
from .worker import AnalysisStart, Loader

FILE_CHOICE = "choose-file"  # the combo's data: "default", "catalogue:<name>", "file:<path>" or this


class CompareDialog(AnalysisDialog):
    uses_mask = True

    def __init__(
        self,
        controller: InferenceController,
        mask: Callable[[], np.ndarray],
        photo: Callable[[], tuple[np.ndarray | None, str]],
        model_name: Callable[[], str],
        device: Callable[[], str | None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(
            controller,
            mask,
            self.tr("Compare Models"),
            self.tr(
                "The model in use and a second model reconstruct the photo under the same mask. The "
                "second model is loaded only for the comparison; your model stays as it is."
            ),
            parent,
        )
        self._photo, self._model_name, self._device = photo, model_name, device
        self._files: list[Path] = []  # checkpoints chosen here, offered again
        self.choice = QComboBox()
        self.choice.setMinimumContentsLength(28)
        self.choice.setToolTip(self.tr("The second model: the shipped default, a downloaded one or a file"))
        self.fill_choices()
        self.choice.activated.connect(self._on_choice_activated)
        self.heat = QCheckBox(self.tr("Heat map (one scale for both)"))
        self.heat.toggled.connect(self._on_heat_toggled)
        label = QLabel(self.tr("Second model:"))
        label.setBuddy(self.choice)
        for i, w in enumerate((label, self.choice, self.heat)):
            self.controls.insertWidget(i, w)
        self.views = (AnalysisPicture(), AnalysisPicture())
        self.metrics = (QLabel(" "), QLabel(" "))
        self.bar = ColorBar(self.heat_style.cmap, "MSE", beside=self.views[1])
        self.layers: tuple[HeatLayer, HeatLayer] | None = None  # the heat shown, one per model
        self.bar.hide()
        grid = QGridLayout()
        for i, (view, metric) in enumerate(zip(self.views, self.metrics, strict=True)):
            view.set_placeholder(self.tr("Compute to compare"))
            metric.setWordWrap(True)
            grid.addWidget(view, 0, i)
            grid.addWidget(metric, 1, i)
            grid.setColumnStretch(i, 1)
        grid.addWidget(self.bar, 0, 2)
        grid.setHorizontalSpacing(16)  # two pictures, not one
        self.content.addLayout(grid, 1)

    def fill_choices(self) -> None:
        """The shipped default, every catalogue model already downloaded, files opened here."""
        self.choice.clear()
        self.choice.addItem(self.tr("Shipped default model"), "default")
        for entry in CATALOGUE:
            local = cached_path(catalogue_source(entry))  # no request: the cache on disk
            if local is not None:
                self.choice.addItem(entry.name, f"catalogue:{entry.name}")
        for path in self._files:
            self.choice.addItem(path.name, f"file:{path}")
        self.choice.addItem(self.tr("Model file…"), FILE_CHOICE)

    def choose_file(self, path: Path) -> None:
        """Use a checkpoint file (or folder) as the second model."""
        if path not in self._files:
            self._files.append(path)
        self.fill_choices()
        self.choice.setCurrentIndex(self.choice.findData(f"file:{path}"))

    def _on_choice_activated(self) -> None:
        if self.choice.currentData() == FILE_CHOICE:
            name, _ = QFileDialog.getOpenFileName(
                self,
                self.tr("Second model"),
                "",
                self.tr("Checkpoints (*.pth *.pt *.safetensors *.bin);;All files (*)"),
            )
            if name:
                self.choose_file(Path(name))
            else:
                self.choice.setCurrentIndex(0)

    def loader(self) -> tuple[Loader, str] | None:
        kind, _, value = str(self.choice.currentData()).partition(":")
        device = self._device()
        if kind == "default":
            return default_loader(device), self.choice.currentText()
        if kind == "file":
            return checkpoint_loader(value, device), Path(value).name
        if kind == "catalogue":
            entry = next(e for e in CATALOGUE if e.name == value)
            source = catalogue_source(entry)
            local = cached_path(source)
            if local is None:
                self.say(
                    self.tr("{name} is no longer downloaded: Model > Get Models").format(name=value), True
                )
                return None
            return checkpoint_loader(local, device, **source.overrides()), entry.name
        self.say(self.tr("Choose the second model first."), error=True)
        return None

    def make_job(self) -> AnalysisStart | None:
        image, fit = self._photo()
        if image is None:
            self.say(self.tr("Open a photo first."), error=True)
            return None
        chosen = self.loader()
        if chosen is None:
            return None
        return compare_job(chosen[0], image, fit, self._mask(), self._model_name())

    def show_result(self, result: object) -> None:
        assert isinstance(result, CompareResult)
        names = (result.first_name, result.second_info.name)
        for view, metric, name, r in zip(
            self.views, self.metrics, names, (result.first, result.second), strict=True
        ):
            view.set_title(name)
            view.set_picture(r.pasted, r.mask.shape, (*r.original.shape[:2], r.patch_size))
            metric.setText(self._metrics_text(r))
        self.show_heat()

    def clear_view(self) -> None:
        for view, metric in zip(self.views, self.metrics, strict=True):
            view.set_picture(None)
            view.set_heat(None)
            metric.setText(" ")
        self.bar.hide()
        self.layers = None

    def _metrics_text(self, r: Reconstruction) -> str:
        h, w = r.mask.shape
        return self.tr(
            "{h}x{w} patches of {p} px, {masked} removed · masked MSE {mse:.5f}"
            " · PSNR {psnr:.2f} dB · {ms:.0f} ms"
        ).format(
            h=h,
            w=w,
            p=r.patch_size,
            masked=r.masked_count,
            mse=r.masked_mse,
            psnr=r.masked_psnr,
            ms=r.seconds * 1000,
        )

    def done_text(self, result: object) -> str:
        assert isinstance(result, CompareResult)
        return self.tr("{name} loaded in {s:.1f} s and dropped after the comparison.").format(
            name=result.second_info.name, s=result.load_seconds
        )

    def _on_heat_toggled(self, on: bool) -> None:
        self.show_heat()

    def show_heat(self) -> None:
        """Both models' heat layers (the results view's: removed patches only) on one scale: the
        window's fixed top, or else the higher of the two auto tops."""
        r, on = self.last_result, self.heat.isChecked()
        if not isinstance(r, CompareResult) or not on:
            for view in self.views:
                view.set_heat(None)
            self.bar.hide()
            self.layers = None
            return
        pair = (r.first, r.second)
        style = self.heat_style
        top = style.vmax or max(auto_vmax(x.per_patch_mse, x.mask if x.mask.any() else None) for x in pair)
        shared = HeatStyle(style.cmap, top, style.opacity)
        first, second = (
            replace(heat_layer(x.per_patch_mse, x.mask, shared), fixed=style.fixed) for x in pair
        )
        for view, layer in zip(self.views, (first, second), strict=True):
            view.set_heat(layer_image(layer))
        overs = [o for o in (first.overflow, second.overflow) if o is not None]
        over = Overflow(sum(o.count for o in overs), max(o.peak for o in overs)) if overs else None
        self.bar.set_layer(replace(second, overflow=over))  # the bar speaks for both pictures
        self.bar.show()
        self.layers = (first, second)
