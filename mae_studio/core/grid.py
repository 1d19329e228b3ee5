"""The patch grid of an image: h rows by w columns of p x p patches. Torch-free.

A model trained on square 224 px crops has a 14 x 14 grid; the same model shown a whole 3:2 photo
runs on e.g. 14 x 21 (its sin-cos position embeddings are defined for any grid). Everything that
lives on the grid (masks, per-patch errors, heat maps, mask files) takes a Grid; an int n still
means n x n where a caller passes one.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Union


@dataclass(frozen=True)
class Grid:
    """h x w patches, row-major (patch index = row * w + col)."""

    h: int  # rows
    w: int  # columns

    def __post_init__(self) -> None:
        for side in (self.h, self.w):
            if isinstance(side, bool) or not isinstance(side, int) or side < 1:
                raise ValueError(f"a patch grid has whole, positive sides, got {self.h!r} x {self.w!r}")

    @classmethod
    def of(cls, value: GridLike) -> Grid:
        """A Grid from a Grid, an int n (n x n) or a pair (h, w) (a mask's shape)."""
        if isinstance(value, Grid):
            return value
        if isinstance(value, int) and not isinstance(value, bool):
            return cls(value, value)
        h, w = value  # type: ignore[misc]
        return cls(int(h), int(w))

    @classmethod
    def square(cls, side: int) -> Grid:
        return cls(side, side)

    @property
    def n(self) -> int:
        """L: patches in the grid."""
        return self.h * self.w

    @property
    def shape(self) -> tuple[int, int]:
        """(h, w), for numpy: np.zeros(grid.shape, bool)."""
        return (self.h, self.w)

    @property
    def is_square(self) -> bool:
        return self.h == self.w

    @property
    def aspect(self) -> float:
        """Width over height."""
        return self.w / self.h

    def pixels(self, patch_size: int) -> tuple[int, int]:
        """(H, W) in pixels of p x p patches."""
        return (self.h * patch_size, self.w * patch_size)

    def __iter__(self) -> Iterator[int]:  # h, w = grid
        yield self.h
        yield self.w

    def __len__(self) -> int:
        return 2

    def __getitem__(self, i: int) -> int:
        return self.shape[i]

    def __str__(self) -> str:
        return f"{self.h}x{self.w}"


GridLike = Union[Grid, int, tuple[int, int]]  # noqa: UP007 (a runtime alias on Python 3.10)


WHOLE_BUDGET = 1.5  # default token budget of a whole photo, in units of the model's own L


def grid_for_photo(width: int, height: int, side: int, max_patches: int | None = None) -> Grid:
    """The patch grid of a whole photo of width x height pixels, at the photo's aspect.

    Default (max_patches None): the grid's shorter side is `side` (the model's own grid side:
    objects keep the scale the model was trained at, a 3:2 photo gets side x 1.5 side, a square
    photo the model's own grid), shrunk while it holds more than WHOLE_BUDGET x side^2 patches
    (panoramas). With max_patches: the largest grid at the aspect holding at most that many.
    Sides are rounded to whole patches, so the aspect is kept as closely as the grid allows."""
    if width < 1 or height < 1:
        raise ValueError(f"an image has positive sides, got {width}x{height}")
    if side < 1:
        raise ValueError(f"a grid side is at least 1 patch, got {side}")
    stretch = max(width, height) / min(width, height)  # >= 1
    if max_patches is None:
        budget, short = int(WHOLE_BUDGET * side * side), side
    else:
        if max_patches < 1:
            raise ValueError(f"a token budget is at least 1 patch, got {max_patches}")
        budget, short = max_patches, math.isqrt(int(max_patches / stretch)) + 1
    for s in range(short, 0, -1):
        long = max(1, round(s * stretch))
        if s * long <= budget:
            return Grid(s, long) if width >= height else Grid(long, s)
    return Grid(1, 1)
