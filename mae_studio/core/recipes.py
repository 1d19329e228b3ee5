"""How a generated mask was made (pattern, ratio, seed), for the window, sessions and mask files.
Torch-free and Qt-free: the window's document keeps one, the command line builds one from its
options."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import masks
from .grid import GridLike


@dataclass(frozen=True)
class MaskRecipe:
    """A pattern (masks.PATTERN_REGISTRY key), a mask ratio and a seed; `make(grid)` draws it."""

    pattern: str = "random"
    ratio: float = 0.75
    seed: int = 0

    def make(self, grid: GridLike) -> np.ndarray:
        """bool [h, w] on `grid`, True = removed."""
        return masks.pattern_mask(self.pattern, grid, self.ratio, self.seed)

    @property
    def label(self) -> str:
        """The pattern's label, e.g. 'Block-wise'."""
        return masks.pattern(self.pattern).label
