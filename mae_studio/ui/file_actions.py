"""File menu work: open photos (dialog, recent, samples, drop, paste), open models, save
sheets, panels and masks, load masks. Dialogs here; the writing is in saving.py."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from PySide6.QtCore import QMimeData, QObject, Qt, Signal, SignalInstance
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox, QStatusBar, QWidget

from mae_studio.core.errors import MaeStudioError
from mae_studio.core.image_loading import MIN_SIDE, SUPPORTED_EXTENSIONS
from mae_studio.core.mask_files import read_mask_file
from mae_studio.core.masks import PATTERNS
from mae_studio.core.names import printable, safe_stem
from mae_studio.core.places import SAMPLES
from mae_studio.core.recipes import MaskRecipe

from . import saving
from .controller import InferenceController
from .document import Document
from .panels import ResultsView
from .photo_folder import PhotoFolder
from .photo_loader import LoadedPhoto, PhotoLoader
from .qimage import qimage_to_rgb
from .settings import Settings

CHECKPOINT_SUFFIXES = (".pth", ".pt", ".bin", ".safetensors")
CHECKPOINT_PATTERNS = "(*.pth *.pt *.bin *.safetensors)"


@contextlib.contextmanager
def busy_cursor() -> Iterator[None]:
    """A wait cursor around a short blocking step (rendering and writing a sheet)."""
    QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
    try:
        yield
    finally:
        QApplication.restoreOverrideCursor()


def sample_photos() -> list[Path]:
    return sorted(p for p in SAMPLES.glob("*") if p.suffix.lower() in SUPPORTED_EXTENSIONS)


def looks_like_checkpoint(path: Path) -> bool:
    return path.suffix.lower() in CHECKPOINT_SUFFIXES or (path.is_dir() and (path / "config.json").is_file())


def recipe_from_info(info: dict[str, Any], current: MaskRecipe) -> MaskRecipe:
    """The pattern, ratio and seed a mask file records, where valid; else the current ones."""
    pattern = info.get("pattern") if info.get("pattern") in PATTERNS else current.pattern
    ratio, seed = info.get("ratio"), info.get("seed")
    ratio = float(ratio) if isinstance(ratio, (int, float)) and 0 <= ratio <= 1 else current.ratio
    seed = int(seed) if isinstance(seed, int) and 0 <= seed < 2**31 else current.seed
    return MaskRecipe(str(pattern), ratio, seed)


class FileActions(QObject):
    """`parent` is the dialogs' parent; the rest is what opening and saving work on, and how to
    tell the user (`report_error(title, message)`, the status bar)."""

    saved = Signal(object)  # the sheet's path or the panels' folder, once written
    photo_opened = Signal(str)  # the photo's name, once the document has it

    def __init__(
        self,
        parent: QWidget,
        *,
        doc: Document,
        settings: Settings,
        photos: PhotoLoader,
        controller: InferenceController,
        results: ResultsView,
        status: QStatusBar,
        report_error: Callable[[str, str], None],
        model_name: Callable[[], str],
        load_checkpoint: Callable[[Path], None],
        result_shown: SignalInstance,
    ) -> None:
        super().__init__(parent)
        self._parent = parent
        self._doc, self._settings, self._photos = doc, settings, photos
        self._controller, self._results, self._status = controller, results, status
        self._report_error, self._model_name, self._load_checkpoint = (
            report_error,
            model_name,
            load_checkpoint,
        )
        self.dialogs = True  # tests and the benchmark drive the functions directly
        self._deferred: tuple[str, Callable[[], bool]] | None = None  # a save waiting for its result
        # Queued: a refusal comes after the window has reported the failure itself.
        queued = Qt.ConnectionType.QueuedConnection
        result_shown.connect(self._on_outcome, queued)
        controller.failed.connect(self._on_outcome, queued)
        controller.model_failed.connect(self._on_outcome, queued)
        photos.loaded.connect(self._on_photo_loaded)
        photos.failed.connect(self._on_photo_failed)
        photos.busy_changed.connect(self._on_photo_busy)
        self.folder = PhotoFolder(self, doc=doc, photos=photos, status=status)

    # ---------------------------------------------------------------- photos

    def open_image_dialog(self) -> None:
        patterns = " ".join(f"*{ext}" for ext in SUPPORTED_EXTENSIONS)
        filters = self.tr("Images ({patterns});;All files (*)").format(patterns=patterns)
        path, _ = QFileDialog.getOpenFileName(
            self._parent, self.tr("Open Photo"), self._settings.last_folder(), filters
        )
        if path:
            self.open_path(Path(path))

    def open_path(self, path: Path) -> bool:
        """Start opening a photo (decoded off the GUI thread), or load a checkpoint file or
        folder. Errors are reported and the current photo stays."""
        if looks_like_checkpoint(path):
            self._load_checkpoint(path)
            return True
        self._photos.load_file(path, self._doc.geometry)
        return True

    def open_start_photo(self, path: Path | None) -> None:
        """The photo named on the command line, else a sample."""
        samples = sample_photos()
        if path is not None:
            self.open_path(path)
        elif samples:
            preferred = [p for p in samples if p.stem == "honey_bee"]
            self.open_path((preferred or samples)[0])

    def _on_photo_loaded(self, photo: LoadedPhoto) -> None:
        self._doc.set_image(photo.rgb, photo.name, photo.path, (*photo.geometry, photo.framings))
        self.photo_opened.emit(self._doc.image_name)
        if photo.path is not None and photo.path.parent.resolve() != SAMPLES.resolve():
            self._settings.set_last_folder(photo.path)
            self._settings.add_recent_file(photo.path)

    def _on_photo_failed(self, message: str) -> None:
        self._report_error(self.tr("Cannot open the photo"), message)
        samples = sample_photos()
        if self._doc.image is None and samples:  # nothing on screen yet: show a sample instead
            self.open_path(samples[0])

    def _on_photo_busy(self, busy: bool) -> None:
        if busy:
            self._status.showMessage(self.tr("Opening the photo…"))

    def reopen(self, path: Path | None, name: str, pasted: bool) -> None:
        """A session's photo: its own file, or the autosave's copy of a pasted one (read now:
        the next autosave may replace the copy)."""
        if path is None:
            return
        if not pasted:
            self.open_path(path)
            return
        try:
            data = path.read_bytes()
        except OSError as e:
            self._report_error(self.tr("Cannot open the photo"), f"{path}: {e.strerror or e}")
            return
        self._photos.load_bytes(data, name, self._doc.geometry)

    def open_from_mime(self, mime: QMimeData) -> bool:
        """A dropped or pasted file, image bytes, or image."""
        for url in mime.urls():
            if url.isLocalFile():
                return self.open_path(Path(url.toLocalFile()))
        for fmt in ("image/png", "image/jpeg", "image/webp", "image/bmp", "image/tiff"):
            if mime.hasFormat(fmt):
                data = bytes(mime.data(fmt).data())
                self._photos.load_bytes(data, self.tr("pasted image"), self._doc.geometry)
                return True
        if mime.hasImage():
            rgb = qimage_to_rgb(mime.imageData())
            if min(rgb.shape[:2]) < MIN_SIDE:
                self._report_error(
                    self.tr("Cannot use the pasted image"),
                    self.tr("{width}x{height} is too small").format(width=rgb.shape[1], height=rgb.shape[0]),
                )
                return False
            self._photos.load_array(rgb, self.tr("pasted image"), self._doc.geometry)
            return True
        text = mime.text().strip() if mime.hasText() else ""
        if text and Path(text).exists():
            return self.open_path(Path(text))
        self._report_error(self.tr("Nothing to open"), self.tr("The clipboard holds no image or file."))
        return False

    def paste(self) -> bool:
        return self.open_from_mime(QGuiApplication.clipboard().mimeData())

    # ---------------------------------------------------------------- models

    def open_model_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self._parent,
            self.tr("Open Model Checkpoint"),
            self._settings.last_folder(),
            self.tr("Checkpoints") + f" {CHECKPOINT_PATTERNS};;" + self.tr("All files") + " (*)",
        )
        if path:
            self._settings.set_last_folder(path)
            self._load_checkpoint(Path(path))

    def open_model_folder_dialog(self) -> None:
        path = QFileDialog.getExistingDirectory(
            self._parent, self.tr("Open Hugging Face Model Folder"), self._settings.last_folder()
        )
        if path:
            self._settings.set_last_folder(path)
            self._load_checkpoint(Path(path))

    # ---------------------------------------------------------------- saving

    def _stem(self) -> str:
        name = safe_stem(Path(self._doc.image_name or "image").stem.replace(" ", "_"))
        doc = self._doc
        how = f"seed{doc.recipe.seed}" if doc.generated else "painted"
        return f"{name}_mae_{round(100 * doc.removed_count / doc.num_patches)}pct_{how}"

    def _save_path(self, title: str, filters: str, suffix: str) -> Path | None:
        start = str(Path(self._settings.last_folder()) / f"{self._stem()}{suffix}")
        path, _ = QFileDialog.getSaveFileName(self._parent, title, start, filters)  # asks before overwriting
        if not path:
            return None
        p = Path(path)
        if not p.suffix:
            p = p.with_suffix(suffix)  # a name the dialog did not check: ask here before replacing
            if p.exists() and not self.confirm_overwrite([p.name], p.parent):
                return None
        self._settings.set_last_folder(p)
        return p

    def confirm_overwrite(self, names: list[str], folder: Path) -> bool:
        answer = QMessageBox.question(
            self._parent,
            self.tr("Replace existing files?"),
            self.tr("In {folder} these files exist and would be replaced:").format(folder=folder)
            + "\n"
            + "\n".join(names),
        )
        return answer == QMessageBox.StandardButton.Yes

    # ---------------------------------------------------------------- saving results

    def stale_reason(self) -> str | None:
        """Why the result on screen is not of the current photo, mask, model and precision; None
        when it is (only then may a sheet or a panel be saved from it)."""
        c = self._controller
        if self._results.result is None or c.shown_key is None:
            return self.tr("there is no reconstruction yet")
        now, shown = c.current_key(self._doc.mask), c.shown_key
        if shown == now:
            return None
        if shown.model_id != now.model_id:
            what = self.tr("of the previous model, not of {model}").format(model=self._model_name())
        elif shown.fit != now.fit:
            what = self.tr("of the {shown} fit, not {now}").format(shown=shown.fit, now=now.fit)
        elif shown.image_id != now.image_id:
            what = self.tr("of the previous photo")
        elif shown.mask != now.mask:
            what = self.tr("of another mask")
        else:
            what = self.tr("computed in {shown} precision, not {now}").format(
                shown=shown.precision, now=now.precision
            )
        reason = self.tr("the result on screen is {what}").format(what=what)
        if c.failure is not None and c.failure[0] == now:
            reason += self.tr("; reconstructing the current one failed: {reason}").format(reason=c.failure[1])
        return reason

    def _can_save(self, what: str) -> bool:
        """Before a save dialog: a current result is shown or on its way, else the reason."""
        reason = self.stale_reason()
        if reason is None or self._controller.coming(self._doc.mask):
            return True
        self._report_error(self._save_texts(what)[0], reason[0].upper() + reason[1:] + ".")
        return False

    def _when_fresh(self, what: str, save: Callable[[], bool]) -> bool:
        """Run `save` if the result on screen is current (its return value); if a current one is
        on its way, run it when it arrives (newest request wins; False for now); else say why
        nothing was saved (False). A sheet never pairs one state's picture with another's labels."""
        self._deferred = None
        reason = self.stale_reason()
        if reason is None:
            return save()
        if self._controller.coming(self._doc.mask):
            self._deferred = (what, save)
            self._status.showMessage(self._save_texts(what)[2])
            return False
        self._report_error(self._save_texts(what)[1], reason[0].upper() + reason[1:] + ".")
        return False

    def _save_texts(self, what: str) -> tuple[str, str, str]:
        """For "comparison" or "panels": cannot be saved, was not saved, saved when ready."""
        if what == "comparison":
            return (
                self.tr("The comparison cannot be saved"),
                self.tr("The comparison was not saved"),
                self.tr("The comparison is saved when the current reconstruction is ready…"),
            )
        return (
            self.tr("The panels cannot be saved"),
            self.tr("The panels were not saved"),
            self.tr("The panels are saved when the current reconstruction is ready…"),
        )

    def _on_outcome(self, *_: object) -> None:
        """A result was shown, or a run or a load failed: a waiting save goes ahead, waits on, or
        is refused with the reason."""
        if self._deferred is not None and (
            self.stale_reason() is None or not self._controller.coming(self._doc.mask)
        ):
            what, save = self._deferred
            self._when_fresh(what, save)

    def save_comparison_dialog(self) -> None:
        if self._can_save("comparison"):
            path = self._save_path(self.tr("Save Comparison"), self.tr("PNG image") + " (*.png)", ".png")
            if path:
                self.save_comparison(path)

    def save_comparison(self, path: Path) -> bool:
        """The sheet of the current photo, mask, model and settings (see _when_fresh)."""
        return self._when_fresh("comparison", lambda: self._write_comparison(path))

    def _write_comparison(self, path: Path) -> bool:
        doc, result = self._doc, self._results.result
        try:
            with busy_cursor():
                saving.save_comparison(
                    path,
                    result,
                    model_name=self._model_name(),
                    seed=doc.recipe.seed if doc.generated else None,  # a painted mask has no seed
                    ratio=round(float(result.mask.mean()), 4),
                    image_name=doc.image_name,
                    heat=self._results.heat_style(),  # the window's colour map and scale
                    raw_visible=self._results.raw_visible(),
                )
        except MaeStudioError as e:
            self._report_error(self.tr("The comparison was not saved"), str(e))
            return False
        self._status.showMessage(self.tr("Saved {path}").format(path=path), 5000)
        self.saved.emit(path)
        return True

    def save_panels_dialog(self) -> None:
        if not self._can_save("panels"):
            return
        folder = QFileDialog.getExistingDirectory(
            self._parent, self.tr("Save Each Panel Into"), self._settings.last_folder()
        )
        if not folder:
            return
        paths = saving.panel_paths(folder, self._stem())
        existing = [p.name for p in paths.values() if p.exists()]
        if existing and not self.confirm_overwrite(existing, Path(folder)):
            return
        self._settings.set_last_folder(folder)
        self.save_panels(Path(folder))

    def save_panels(self, folder: Path) -> bool:
        """Each panel of the current result into `folder`, all or none (see _when_fresh)."""
        return self._when_fresh("panels", lambda: self._write_panels(folder))

    def _write_panels(self, folder: Path) -> bool:
        try:
            with busy_cursor():
                written = saving.save_panels(
                    folder,
                    self._stem(),
                    self._results.result,
                    model_name=self._model_name(),
                    heat=self._results.heat_style(),
                    raw_visible=self._results.raw_visible(),
                )
        except MaeStudioError as e:
            self._report_error(self.tr("The panels were not saved"), str(e))
            return False
        self._status.showMessage(
            self.tr("Saved %n panel(s) in {folder}", "", len(written)).format(folder=folder), 5000
        )
        self.saved.emit(folder)
        return True

    def save_mask_dialog(self) -> None:
        path = self._save_path(self.tr("Save Mask"), saving.mask_filter(), ".json")
        if path:
            self.save_mask(path)

    def save_mask(self, path: Path) -> bool:
        doc, r = self._doc, self._doc.recipe
        try:
            saving.save_mask(
                path,
                doc.mask,
                seed=r.seed,
                ratio=r.ratio,
                pattern=r.pattern,
                model=self._model_name(),
                patch_size=doc.patch_size,
                image=doc.image_name,
                fit=doc.fit,
            )
        except MaeStudioError as e:
            self._report_error(self.tr("The mask was not saved"), str(e))
            return False
        self._status.showMessage(self.tr("Saved mask {path}").format(path=path), 5000)
        return True

    def load_mask_dialog(self) -> None:
        filters = self.tr("Masks") + " (*.json *.png);;" + saving.mask_filter()
        path, _ = QFileDialog.getOpenFileName(
            self._parent, self.tr("Load Mask"), self._settings.last_folder(), filters
        )
        if path:
            self.load_mask(Path(path))

    def load_mask(self, path: Path) -> bool:
        grid = self._doc.grid
        try:
            file = read_mask_file(path, grid)  # a mask of another aspect is refused
            mask = file.for_grid(grid)
        except MaeStudioError as e:
            self._report_error(self.tr("Cannot load the mask"), str(e))
            return False
        name = printable(path.name)
        self._doc.apply(
            mask, self.tr("Load mask {name}").format(name=name), recipe_from_info(file.info, self._doc.recipe)
        )
        loaded = self.tr("Loaded mask {name} (%n patch(es))", "", int(mask.sum())).format(name=name)
        note = file.note(grid) or loaded
        self._status.showMessage(note, 8000)
        return True
