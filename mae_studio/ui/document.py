"""The document: the photo, how it meets the model (the fit), the patch mask and its undo
history. No widgets here.

The patch grid (h, w) comes from the model (input size, patch size), the fit and, for the whole
photo and tiles, the photo's own size (framing.py). Edits are mask snapshots: a command holds
the mask (bool [h, w]) and the random-mask recipe before and after, so undo restores exactly. A
drag (brush stroke, rectangle, slider) is a live edit: it changes the mask as it goes and pushes
ONE command when it ends. Changing the fit is one undo step too (fit and mask together).

When the grid changes, a mask straight from its recipe is made again on the new grid (exact
count); a painted one is carried over by area (core.masks.rasterize). A new model or a new photo
on another grid clears the undo history, which speaks of the old grid.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

import numpy as np
from PySide6.QtCore import QCoreApplication, QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from mae_studio.core import masks
from mae_studio.core.grid import Grid
from mae_studio.core.names import printable
from mae_studio.core.recipes import MaskRecipe
from mae_studio.core.results import FITS

from .framing import FIT_LABELS, Framing, framings
from .i18n import label

__all__ = ["Document", "MaskCommand", "MaskRecipe"]

State = tuple[np.ndarray, MaskRecipe]  # a mask and its recipe


class MaskCommand(QUndoCommand):
    def __init__(self, doc: Document, text: str, before: State, after: State) -> None:
        super().__init__(text)
        self._doc = doc
        self._before = (before[0].copy(), before[1])
        self._after = (after[0].copy(), after[1])

    def redo(self) -> None:
        self._doc._assign(*self._after)

    def undo(self) -> None:
        self._doc._assign(*self._before)


class FitCommand(QUndoCommand):
    """A fit change: the fit and the mask carried to its grid, undone together."""

    def __init__(self, doc: Document, before: tuple[str, State], after: tuple[str, State]) -> None:
        name = label(FIT_LABELS.get(after[0], after[0]))
        super().__init__(QCoreApplication.translate("Document", "Photo fit: {fit}").format(fit=name))
        self._doc, self._before, self._after = doc, before, after

    def redo(self) -> None:
        self._doc._assign_fit(*self._after)

    def undo(self) -> None:
        self._doc._assign_fit(*self._before)


class Document(QObject):
    image_changed = Signal()  # a new photo, or what the model sees of it changed (fit, input size)
    grid_changed = Signal()  # the patch grid changed (mask carried over)
    fit_changed = Signal()  # crop, whole or tiles
    mask_changed = Signal()  # the mask's content changed
    recipe_changed = Signal()  # pattern, ratio or seed changed
    live_ended = Signal()  # a drag finished (its mask is now final)

    def __init__(
        self, img_size: int = 224, patch_size: int = 16, fit: str = "crop", parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        if fit not in FITS:
            raise ValueError(f"unknown fit {fit!r} (choose from {', '.join(FITS)})")
        self.undo_stack = QUndoStack(self)
        self._img_size = img_size
        self._patch_size = patch_size
        self._fit = fit
        self._framings: dict[str, Framing] = {}
        self._mask = masks.clear(self.grid)
        self._recipe = MaskRecipe()
        self._live: tuple[str, np.ndarray, MaskRecipe] | None = None
        self._awaited: np.ndarray | None = None  # a restored mask for the grid of a photo on its way
        self.image: np.ndarray | None = None  # the photo, uint8 [H, W, 3]
        self.image_name = ""
        self.image_path: Path | None = None

    # ---------------------------------------------------------------- geometry

    @property
    def img_size(self) -> int:
        return self._img_size

    @property
    def patch_size(self) -> int:
        return self._patch_size

    @property
    def geometry(self) -> tuple[int, int]:
        """The model's input size and patch size."""
        return (self._img_size, self._patch_size)

    @property
    def fit(self) -> str:
        return self._fit

    @property
    def framing(self) -> Framing | None:
        """How the current photo meets the model with the current fit (None: no photo)."""
        return self._framings.get(self._fit)

    @property
    def grid(self) -> Grid:
        """The patch grid (h, w) the mask lives on."""
        framing = self.framing
        if framing is not None:
            return framing.grid
        return Grid.square(self._img_size // self._patch_size)  # no photo yet: the model's own

    @property
    def num_patches(self) -> int:
        return self.grid.n

    def set_geometry(self, img_size: int, patch_size: int) -> None:
        """Adopt a model's input size and patch size; the mask follows to the new grid (undo
        history cleared when the grid changes: it speaks of the old grid)."""
        if (img_size, patch_size) == (self._img_size, self._patch_size):
            return
        self.end_live()
        old = self.grid
        resized = img_size != self._img_size
        self._img_size, self._patch_size = img_size, patch_size
        if self.image is not None:
            self._framings = framings(self.image, img_size, patch_size)
        self._regrid(old, clear_history=True)
        if resized and self.image is not None:
            self.image_changed.emit()
        self.grid_changed.emit()  # the patch size may change with the same grid
        self.mask_changed.emit()

    def set_fit(self, fit: str) -> bool:
        """Frame the photo another way (crop, whole, tiles); one undo step with the mask carried
        to the new grid. False when it is the fit already."""
        if fit not in FITS:
            raise ValueError(f"unknown fit {fit!r} (choose from {', '.join(FITS)})")
        if fit == self._fit:
            return False
        self.end_live()
        before = (self._fit, (self._mask.copy(), self._recipe))
        grid = self._framings[fit].grid if fit in self._framings else self.grid
        after = (fit, (self._carried(grid), self._recipe))
        self.undo_stack.push(FitCommand(self, before, after))
        return True

    def _carried(self, grid: Grid) -> np.ndarray:
        """The mask on `grid`: its recipe made again if it is exactly the recipe's, else carried."""
        if self._mask.shape == grid.shape:
            return self._mask.copy()
        if np.array_equal(self._mask, self._recipe.make(Grid.of(self._mask.shape))):
            return self._recipe.make(grid)
        return masks.rasterize(self._mask, grid)

    def _regrid(self, old: Grid, clear_history: bool) -> bool:
        """Carry the mask to the current grid if it changed; True when it did."""
        if self.grid == old:
            return False
        self._mask = self._carried(self.grid)
        if clear_history:
            self.undo_stack.clear()
        return True

    # ---------------------------------------------------------------- image

    def set_image(
        self,
        image: np.ndarray,
        name: str = "",
        path: str | Path | None = None,
        framed: tuple[int, int, dict[str, Framing]] | None = None,
    ) -> None:
        """A new photo. `framed` = (img_size, patch_size, framing.framings(...)) made off the GUI
        thread; used when made for the current model."""
        image = np.ascontiguousarray(image, dtype=np.uint8)
        if image.ndim != 3 or image.shape[2] != 3:
            raise ValueError(f"expected an RGB image [H, W, 3], got {image.shape}")
        self.end_live()
        old = self.grid
        self.image = image
        # printable: the title, captions and saved names show it (names.printable is idempotent
        # on what it returns, so a name made printable earlier stays as it is)
        self.image_name = printable(name or (Path(path).name if path else "image"))
        self.image_path = Path(path) if path else None
        if framed is not None and framed[:2] == (self._img_size, self._patch_size):
            self._framings = framed[2]
        else:
            self._framings = framings(image, self._img_size, self._patch_size)
        regridded = self._regrid(old, clear_history=True)
        awaited, self._awaited = self._awaited, None
        restored = awaited is not None and awaited.shape == self.grid.shape
        if restored:
            self._mask = awaited  # exactly as saved, not carried there and back
        self.image_changed.emit()
        if regridded:
            self.grid_changed.emit()
        if regridded or restored:
            self.mask_changed.emit()

    def restore(self, geometry: tuple[int, int], fit: str, recipe: MaskRecipe, mask: np.ndarray) -> None:
        """A saved state, with no undo history: the model's input and patch size (until a model
        says otherwise), the fit, the recipe and the mask. A mask on another grid (the whole
        photo's or tiles' grid of a photo not open yet) waits for the next photo: on its grid it
        is put back exactly, else carried over."""
        self.set_geometry(*geometry)
        self.set_fit(fit)
        self.set_recipe(recipe)
        mask = np.asarray(mask, dtype=bool)
        if mask.shape == self.grid.shape:
            self.apply(mask, self.tr("Restore session"))
        else:
            self.apply(masks.rasterize(mask, self.grid), self.tr("Restore session"))
            self._awaited = mask.copy()
        self.undo_stack.clear()

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
        return bool(np.array_equal(self._mask, self._recipe.make(self.grid)))

    @property
    def live(self) -> bool:
        """True while a drag is in progress."""
        return self._live is not None

    def _assign(self, mask: np.ndarray, recipe: MaskRecipe) -> None:
        if mask.shape != self.grid.shape:  # recorded on another grid (a fit change, another photo)
            mask = masks.rasterize(mask, self.grid)
        changed = not np.array_equal(mask, self._mask)
        if changed:
            self._mask = mask.astype(bool).copy()
        if recipe != self._recipe:
            self._recipe = recipe
            self.recipe_changed.emit()
        if changed:
            self.mask_changed.emit()

    def _assign_fit(self, fit: str, state: State) -> None:
        old_grid, old_recipe = self.grid, self._recipe
        self._fit = fit
        mask, recipe = state
        if mask.shape != self.grid.shape:  # recorded with another photo
            mask = masks.rasterize(mask, self.grid)
        self._mask, self._recipe = mask.astype(bool).copy(), recipe
        if self.grid != old_grid:
            self.grid_changed.emit()
        self.fit_changed.emit()
        if self.image is not None:
            self.image_changed.emit()
        if recipe != old_recipe:
            self.recipe_changed.emit()
        self.mask_changed.emit()

    def apply(self, mask: np.ndarray, text: str, recipe: MaskRecipe | None = None) -> bool:
        """One undoable edit; returns False (and records nothing) when nothing changes."""
        self._awaited = None  # an edit made while a restored photo loads wins over its mask
        mask = np.asarray(mask, dtype=bool)
        if mask.shape != self._mask.shape:
            raise ValueError(f"mask {mask.shape} does not fit the {self.grid} grid")
        recipe = recipe or self._recipe
        if self._live is not None:
            self._assign(mask, recipe)
            return True
        if np.array_equal(mask, self._mask) and recipe == self._recipe:
            return False
        self.undo_stack.push(MaskCommand(self, text, (self._mask, self._recipe), (mask, recipe)))
        return True

    def paint_cells(self, cells: Iterable[tuple[int, int]], removed: bool, text: str | None = None) -> bool:
        """Set cells (row, col) removed or visible: part of the live edit if one is open."""
        text = text if text is not None else self.tr("Paint")
        mask = self._mask.copy()
        h, w = mask.shape
        for r, c in cells:
            if 0 <= r < h and 0 <= c < w:
                mask[r, c] = removed
        return self.apply(mask, text)

    def toggle_cell(self, row: int, col: int) -> bool:
        return self.paint_cells([(row, col)], not bool(self._mask[row, col]), self.tr("Toggle patch"))

    def generate(self, recipe: MaskRecipe, text: str | None = None) -> bool:
        """A mask drawn by `recipe`; `text` names the undo step (default: the pattern's label)."""
        if text is None:
            text = self.tr("{pattern} mask").format(pattern=label(recipe.label))
        return self.apply(recipe.make(self.grid), text, recipe)

    def invert(self) -> bool:
        return self.apply(masks.invert(self._mask), self.tr("Invert mask"))

    def clear(self) -> bool:
        return self.apply(masks.clear(self.grid), self.tr("Clear mask"))

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
