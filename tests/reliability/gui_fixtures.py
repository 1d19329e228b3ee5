"""Shared by the GUI reliability tests (test_gui_*.py): settings and the data folder in a temp
folder, a studio window on the tiny model or a fake one, and a predictor that fails on cue.

Import the fixtures a module uses by name (`from .gui_fixtures import gui_settings, studio`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMessageBox

from mae_studio.ui.document import MaskRecipe
from mae_studio.ui.main_window import MainWindow
from mae_studio.ui.model_loader import ModelInfo

from ..ui.fakes import FakePredictor, photo

TIMEOUT_MS = 10000


@pytest.fixture(autouse=True)
def gui_settings(tmp_path: Path) -> Path:
    """Every test gets its own empty QSettings folder (never the user's)."""
    folder = tmp_path / "settings"
    folder.mkdir()
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder))
    return folder


@pytest.fixture
def photo_file(tmp_path: Path) -> Path:
    path = tmp_path / "photo.png"
    Image.fromarray(photo()).save(path)
    return path


def shows_current_mask(w: MainWindow) -> bool:
    r = w.results.result
    return r is not None and np.array_equal(r.mask, w.doc.mask) and not w.controller.busy


@pytest.fixture
def studio(
    qtbot: Any, tmp_path: Path, tiny_checkpoint: Path, photo_file: Path
) -> Iterator[Callable[..., MainWindow]]:
    """make(autosave=None, start=True) -> a shown window; started: the tiny model, photo.png and
    a random 50% mask on screen. `autosave`: the data folder (None: autosave off)."""
    made: list[MainWindow] = []

    def make(autosave: Path | None = None, start: bool = True) -> MainWindow:
        w = MainWindow(autosave_folder=autosave)
        qtbot.addWidget(w)
        made.append(w)
        w.files.dialogs = False
        w.resize(1000, 700)
        w.show()
        if start:
            with qtbot.waitSignal(w.result_shown, timeout=TIMEOUT_MS):
                w.start(image=photo_file, model=tiny_checkpoint, recipe=MaskRecipe("random", 0.5, 0))
            qtbot.waitUntil(lambda: shows_current_mask(w), timeout=TIMEOUT_MS)
        return w

    yield make
    for w in made:
        w.close()
        assert not w.controller.is_running()


class FaultyPredictor(FakePredictor):
    """A fake model that raises the next of `errors` on each reconstruction until none are left."""

    def __init__(self, errors: list[BaseException] | None = None, **kw: Any) -> None:
        super().__init__(**kw)
        self.errors = list(errors or [])

    def reconstruct(self, mask: np.ndarray, should_cancel: Callable[[], bool] | None = None) -> Any:
        if self.errors:
            self.started.append(mask.copy())
            raise self.errors.pop(0)
        return super().reconstruct(mask, should_cancel)


def loader_on(
    predictor: FakePredictor, device: str = "CUDA", path: Path | None = None, name: str = "fake"
) -> Callable[[], tuple[FakePredictor, ModelInfo]]:
    """A loader whose model claims to run on `device` and to come from `path`."""
    info = ModelInfo(
        name=name,
        path=None if path is None else str(path),
        img_size=predictor.img_size,
        patch_size=predictor.patch_size,
        grid_size=predictor.grid_size,
        device=device,
        parameters=0,
    )
    return lambda: (predictor, info)


def open_boxes(w: MainWindow) -> list[QMessageBox]:
    return [b for b in w.findChildren(QMessageBox) if b.isVisible()]


def click(box: QMessageBox, text: str) -> None:
    (button,) = [b for b in box.buttons() if b.text() == text]
    button.click()
