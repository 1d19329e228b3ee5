"""Mask files, read and written one way for the command line (`--mask FILE`) and the studio
(Ctrl+L, Ctrl+Alt+S). Torch-free.

Two kinds: `.json` (masks.mask_to_json: the patch grid, removed patch indices, and what made the
mask) and any other name is an image (white = removed). Reading trusts nothing: only a regular
file is opened (a FIFO would block, /dev/zero never ends), a JSON file is capped in size before it
is read and its grid in size after, images go through the hardened photo loader (bombs, broken
and hostile files refused), and a mask must have the aspect of the grid it is for (square for the
crop fit; a whole or tiled photo's aspect, to within the rounding of whole cells, otherwise).
Every refusal is a MaskFileError naming the file and the reason.

A mask read from a file keeps its own resolution (a JSON file's grid, an image's pixels) and is
carried to a model's patch grid by area (masks.rasterize: a patch is removed when at least half
of its area was), so one file serves models with different patch sizes.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from mae_studio import __version__

from . import masks
from .errors import ImageLoadError, InputFileError, MaskFileError
from .files import read_regular_file, save_png, save_text
from .grid import Grid, GridLike
from .image_loading import MAX_PIXELS, ImageLoadWarning, load_image

# A 1024 x 1024 grid (masks.mask_from_json's bound) with every patch removed, as mask_to_json
# writes it, is about 10.5 MiB; nothing larger is a mask.
MAX_JSON_BYTES = 16 << 20
MAX_IMAGE_PIXELS = MAX_PIXELS  # the photo loader's 64 MP bound: decoded at most 256 MiB RGBA


@dataclass(frozen=True)
class MaskFile:
    """A mask as a file holds it: `cells` bool [n, m] at the file's own resolution (a JSON
    file's patch grid, or one cell per image pixel), True = removed."""

    path: Path
    cells: np.ndarray
    info: dict[str, Any] = field(default_factory=dict)  # seed, ratio, pattern, model... (JSON)
    from_image: bool = False
    warnings: tuple[str, ...] = ()  # what the image loader ignored (e.g. broken EXIF)

    def for_grid(self, grid: GridLike) -> np.ndarray:
        """bool [h, w]: the mask on an image's patch grid."""
        return masks.rasterize(self.cells, grid)

    def note(self, grid: GridLike) -> str:
        """What carrying the mask to `grid` did, and what loading it ignored, for the user; "" when
        it fits as it is."""
        n, m = self.cells.shape
        h, w = Grid.of(grid)
        where = f"this model's {h}x{w}" if h == w else f"this photo's {h}x{w}"
        notes = list(self.warnings)
        if self.from_image and (n % h or m % w):
            notes.insert(0, f"a {m}x{n} mask image, carried over to {where} patch grid")
        elif not self.from_image and (n, m) != (h, w):
            notes.insert(0, f"mask made for a {n}x{m} grid, carried over to {where} grid")
        return "; ".join(notes)


def same_aspect(a: GridLike, b: GridLike) -> bool:
    """Whether two grids cover the same picture: both square, or (for other shapes) aspects that
    differ by no more than rounding each side to whole cells can make them."""
    ah, aw = Grid.of(a)
    bh, bw = Grid.of(b)
    if ah == aw or bh == bw:
        return ah == aw and bh == bw
    slack = 0.5 / min(ah, aw) + 0.5 / min(bh, bw)
    return abs((aw / ah) / (bw / bh) - 1) <= slack + 1e-9


def read_mask_file(path: str | Path, grid: GridLike | None = None) -> MaskFile:
    """The mask in `path` (.json, or an image) for an image on `grid` (default: a square one, the
    crop's); MaskFileError naming the file and the reason."""
    path = Path(path)
    target = Grid(1, 1) if grid is None else Grid.of(grid)
    if path.suffix.lower() == ".json":
        cells, info = _read_json(path)
        h, w = cells.shape
        if not same_aspect((h, w), target):
            where = "the model's square grid" if target.is_square else f"this photo's {target} grid"
            raise MaskFileError(path, f"a {h}x{w} grid cannot be carried to {where}")
        return MaskFile(path, cells, info)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ImageLoadWarning)
            image = load_image(path, min_side=1, max_pixels=MAX_IMAGE_PIXELS)
    except ImageLoadError as e:
        raise MaskFileError(path, f"not a readable mask ({e.reason})") from e
    with image:
        pixels = np.asarray(image.convert("L")) >= 128
    h, w = pixels.shape
    if not same_aspect((h, w), target):
        if target.is_square:
            raise MaskFileError(path, f"a mask image must be square, this one is {w}x{h}")
        reason = f"a {w}x{h} mask image does not have this photo's aspect ({target} patches)"
        raise MaskFileError(path, reason)
    notes = tuple(str(c.message) for c in caught if issubclass(c.category, ImageLoadWarning))
    return MaskFile(path, pixels, {}, from_image=True, warnings=notes)


def _read_json(path: Path) -> tuple[np.ndarray, dict[str, Any]]:
    try:
        data = read_regular_file(path, "mask file", MAX_JSON_BYTES)
    except InputFileError as e:
        raise MaskFileError(path, f"not a readable mask ({e.reason})") from e
    try:
        text = data.decode("utf-8")
        del data  # up to 16 MiB: not kept while the text is parsed
        return masks.mask_from_json(text)
    except UnicodeDecodeError as e:
        raise MaskFileError(path, "not a readable mask (not UTF-8 text)") from e
    except ValueError as e:  # json.JSONDecodeError included; deep nesting and huge integers too
        raise MaskFileError(path, f"not a readable mask ({e})") from e


def write_mask_file(path: str | Path, mask: np.ndarray, *, patch_size: int, **info: Any) -> Path:
    """.json: grid, removed patch indices and `info` (seed, ratio, pattern, model, image...).
    .png: the patch grid, one patch_size x patch_size block per patch (white = removed), aligned
    with the model's crop; `info` goes into its text chunks. Atomic (core.files)."""
    path = Path(path)
    info = {"patch_size": patch_size, **info}
    if path.suffix.lower() == ".png":
        block = np.ones((patch_size, patch_size), dtype=np.uint8)
        pixels = np.kron(masks.mask_to_image(mask), block)
        text = {"Software": f"MAE Studio {__version__}"}
        text.update({k: str(v) for k, v in info.items() if v not in (None, "")})
        return save_png(path, pixels, text=text)
    return save_text(path, masks.mask_to_json(mask, **info) + "\n")
