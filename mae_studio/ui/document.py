"""The document: the photo, the patch mask and its undo history. No widgets here.

Edits are mask snapshots: a command holds the mask (bool [h, w]) and the random-mask recipe
before and after, so undo restores exactly. A drag (brush stroke, rectangle, slider) is a
live edit: it changes the mask as it goes and pushes ONE command when it ends.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from mae_studio.core import masks
from mae_studio.core.images import prepare_image
from mae_studio.core.names import printable
from mae_studio.core.recipes import MaskRecipe

__all__ = ["DISPLAY_MAX", "Document", "MaskCommand", "MaskRecipe", "crops_for"]

DISPLAY_MAX = 1024  # the canvas shows the model's crop at up to this many pixels per side


def crops_for(image: np.ndarray, img_size: int) -> tuple[np.ndarray, np.ndarray]:
    """(what the model sees: uint8 [S, S, 3], the same centre square at screen resolution).
    Pillow only: safe on any thread."""
    crop = prepare_image(image, img_size)
    size = max(img_size, min(min(image.shape[:2]), DISPLAY_MAX))
    return crop, crop if size == img_size else prepare_image(image, size)


class MaskCommand(QUndoCommand):
    def __init__(
        self,
        doc: Document,
        text: str,
        before: tuple[np.ndarray, MaskRecipe],
        after: tuple[np.ndarray, MaskRecipe],
    ) -> None:
        super().__init__(text)
        self._doc = doc
        self._before = (before[0].copy(), before[1])
        self._after = (after[0].copy(), after[1])

    def redo(self) -> None:
        self._doc._assign(*self._after)

    def undo(self) -> None:
        self._doc._assign(*self._before)


class Document(QObject):
    image_changed = Signal()  # a new photo, or its crop changed with the model input size
    grid_changed = Signal()  # the model's patch grid changed (mask re-rasterized)
    mask_changed = Signal()  # the mask's content changed
    recipe_changed = Signal()  # pattern, ratio or seed changed
    live_ended = Signal()  # a drag finished (its mask is now final)

    def __init__(self, img_size: int = 224, patch_size: int = 16, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.undo_stack = QUndoStack(self)
        self._img_size = img_size
        self._patch_size = patch_size
        self._mask = masks.clear(self.grid_size)
        self._recipe = MaskRecipe()
        self._live: tuple[str, np.ndarray, MaskRecipe] | None = None
        self.image: np.ndarray | None = None  # the photo, uint8 [H, W, 3]
        self.image_name = ""
        self.image_path: Path | None = None
        self.crop: np.ndarray | None = None  # what the model sees, uint8 [S, S, 3]
        self.display: np.ndarray | None = None  # the same crop at screen resolution

    # ---------------------------------------------------------------- geometry

    @property
    def img_size(self) -> int:
        return self._img_size

    @property
    def patch_size(self) -> int:
        return self._patch_size

    @property
    def grid_size(self) -> int:
        return self._img_size // self._patch_size

    @property
    def num_patches(self) -> int:
        return self.grid_size**2

    def set_geometry(self, img_size: int, patch_size: int) -> None:
        """Adopt a model's input size and patch size; the mask follows to the new grid (undo
        history cleared, it speaks of the old grid)."""
        if (img_size, patch_size) == (self._img_size, self._patch_size):
            return
        self.end_live()
        old_grid = self.grid_size
        resized = img_size != self._img_size
        self._img_size, self._patch_size = img_size, patch_size
        if self.grid_size != old_grid:
            # A mask straight from its recipe is made again on the new grid (exact count);
            # a painted one is carried over cell by cell.
            generated = np.array_equal(self._mask, self._recipe.make(old_grid))
            new_grid = self.grid_size
            self._mask = self._recipe.make(new_grid) if generated else masks.rasterize(self._mask, new_grid)
            self.undo_stack.clear()
        if resized and self.image is not None:
            self._make_crops()
            self.image_changed.emit()
        self.grid_changed.emit()
        self.mask_changed.emit()

    # ---------------------------------------------------------------- image

    def set_image(
        self,
        image: np.ndarray,
        name: str = "",
        path: str | Path | None = None,
        crops: tuple[int, np.ndarray, np.ndarray] | None = None,
    ) -> None:
        """A new photo. `crops` = (img_size, crop, display) made off the GUI thread by
        crops_for; used when made for the current input size."""
        image = np.ascontiguousarray(image, dtype=np.uint8)
        if image.ndim != 3 or image.shape[2] != 3:
            raise ValueError(f"expected an RGB image [H, W, 3], got {image.shape}")
        self.image = image
        # printable: the title, captions and saved names show it (names.printable is idempotent
        # on what it returns, so a name made printable earlier stays as it is)
        self.image_name = printable(name or (Path(path).name if path else "image"))
        self.image_path = Path(path) if path else None
        if crops is not None and crops[0] == self._img_size:
            self.crop, self.display = crops[1], crops[2]
        else:
            self._make_crops()
        self.image_changed.emit()

    def _make_crops(self) -> None:
        assert self.image is not None
        self.crop, self.display = crops_for(self.image, self._img_size)

    # ---------------------------------------------------------------- mask

    @property
    def mask(self) -> np.ndarray:
        """The current mask, bool [h, w] (a copy: edit through the document)."""
        return self._mask.copy()

    @property
    def recipe(self) -> MaskRecipe:
        return self._recipe

    @property
    def removed_count(self) -> int:
        return int(self._mask.sum())

    @property
    def generated(self) -> bool:
        """True while the mask is exactly what its recipe (pattern, ratio, seed) makes."""
        return bool(np.array_equal(self._mask, self._recipe.make(self.grid_size)))

    @property
    def live(self) -> bool:
        """True while a drag is in progress."""
        return self._live is not None

    def _assign(self, mask: np.ndarray, recipe: MaskRecipe) -> None:
        changed = not np.array_equal(mask, self._mask)
        if changed:
            self._mask = mask.astype(bool).copy()
        if recipe != self._recipe:
            self._recipe = recipe
            self.recipe_changed.emit()
        if changed:
            self.mask_changed.emit()

    def apply(self, mask: np.ndarray, text: str, recipe: MaskRecipe | None = None) -> bool:
        """One undoable edit; returns False (and records nothing) when nothing changes."""
        mask = np.asarray(mask, dtype=bool)
        if mask.shape != self._mask.shape:
            raise ValueError(f"mask {mask.shape} does not fit the {self.grid_size}x{self.grid_size} grid")
        recipe = recipe or self._recipe
        if self._live is not None:
            self._assign(mask, recipe)
            return True
        if np.array_equal(mask, self._mask) and recipe == self._recipe:
            return False
        self.undo_stack.push(MaskCommand(self, text, (self._mask, self._recipe), (mask, recipe)))
        return True

    def paint_cells(self, cells: Iterable[tuple[int, int]], removed: bool, text: str = "Paint") -> bool:
        """Set cells (row, col) removed or visible: part of the live edit if one is open."""
        mask = self._mask.copy()
        g = self.grid_size
        for r, c in cells:
            if 0 <= r < g and 0 <= c < g:
                mask[r, c] = removed
        return self.apply(mask, text)

    def toggle_cell(self, row: int, col: int) -> bool:
        return self.paint_cells([(row, col)], not bool(self._mask[row, col]), "Toggle patch")

    def generate(self, recipe: MaskRecipe, text: str = "Random mask") -> bool:
        return self.apply(recipe.make(self.grid_size), text, recipe)

    def invert(self) -> bool:
        return self.apply(masks.invert(self._mask), "Invert mask")

    def clear(self) -> bool:
        return self.apply(masks.clear(self.grid_size), "Clear mask")

    def set_recipe(self, recipe: MaskRecipe) -> None:
        """Remember settings without generating a mask (not an undo step)."""
        if recipe != self._recipe:
            self._recipe = recipe
            self.recipe_changed.emit()

    # ---------------------------------------------------------------- live edits

    def begin_live(self, text: str) -> None:
        """Start a drag; its edits become one undo step at end_live()."""
        self.end_live()
        self._live = (text, self._mask.copy(), self._recipe)

    def end_live(self) -> bool:
        """Close the drag: push one command if it changed anything."""
        if self._live is None:
            return False
        text, before, before_recipe = self._live
        self._live = None
        changed = not (np.array_equal(before, self._mask) and before_recipe == self._recipe)
        if changed:
            self.undo_stack.push(MaskCommand(self, text, (before, before_recipe), (self._mask, self._recipe)))
        self.live_ended.emit()
        return changed

    def with_recipe(self, **changes: object) -> MaskRecipe:
        return replace(self._recipe, **changes)  # type: ignore[arg-type]
