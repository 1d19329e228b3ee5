"""What the studio writes and reads besides photos: comparison sheets, single panels, masks.

Plain functions (no dialogs) over core.sheet and core.files: every write is atomic, so a failed
save leaves any existing file byte for byte as it was and raises SaveError with the reason.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from mae_studio import __version__
from mae_studio.core import masks
from mae_studio.core.errors import ImageLoadError, MaeStudioError
from mae_studio.core.files import save_png, save_text
from mae_studio.core.images import load_image
from mae_studio.core.sheet import heat_panel, render_sheet

PANEL_SUFFIXES = {
    "masked": "masked",
    "reconstruction": "reconstruction",
    "pasted": "reconstruction_visible",
    "original": "original",
    "heatmap": "error_heatmap",
}
MASK_FILTER = "Mask JSON (*.json);;Mask PNG (*.png)"


class MaskFileError(MaeStudioError):
    """A mask file that cannot be read, and why."""

    def __init__(self, path: str | Path, reason: str) -> None:
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


def _png_text(**items: Any) -> dict[str, str]:
    text = {"Software": f"MAE Studio {__version__}"}
    text.update({k: str(v) for k, v in items.items() if v not in (None, "")})
    return text


def save_comparison(
    path: str | Path,
    result: Any,
    *,
    model_name: str,
    seed: int | None,
    ratio: float | None,
    image_name: str = "",
) -> Path:
    """The labelled comparison sheet (all panels, titles, metrics, model, seed) as a PNG."""
    sheet = render_sheet(result, model_name=model_name, seed=seed, ratio=ratio, image_name=image_name)
    text = _png_text(model=model_name, seed=seed, mask_ratio=ratio, image=image_name)
    return save_png(path, sheet, text=text)


def panel_paths(folder: str | Path, stem: str) -> dict[str, Path]:
    """Where save_panels writes each panel: <stem>_<panel>.png in `folder`."""
    return {key: Path(folder) / f"{stem}_{suffix}.png" for key, suffix in PANEL_SUFFIXES.items()}


def save_panels(folder: str | Path, stem: str, result: Any, *, model_name: str = "") -> list[Path]:
    """Each panel on its own, at the model's resolution; the heat map as the sheet draws it."""
    written = []
    for key, path in panel_paths(folder, stem).items():
        image = heat_panel(result).image if key == "heatmap" else getattr(result, key)
        written.append(save_png(path, image, text=_png_text(panel=key, model=model_name)))
    return written


def save_mask(
    path: str | Path,
    mask: np.ndarray,
    *,
    seed: int | None,
    ratio: float | None,
    pattern: str | None,
    model: str,
    patch_size: int,
    image: str = "",
) -> Path:
    """.json: grid, removed patch indices, seed, ratio, pattern, model. .png: the patch grid,
    one patch_size x patch_size block per patch (white = removed), aligned with the model's crop."""
    path = Path(path)
    info = {"seed": seed, "ratio": ratio, "pattern": pattern, "model": model, "patch_size": patch_size}
    if image:
        info["image"] = image
    if path.suffix.lower() == ".png":
        block = np.ones((patch_size, patch_size), dtype=np.uint8)
        pixels = np.kron(masks.mask_to_image(mask), block)
        return save_png(path, pixels, text=_png_text(**info))
    return save_text(path, masks.mask_to_json(mask, **info) + "\n")


def load_mask(path: str | Path, grid: int) -> tuple[np.ndarray, dict[str, Any], str]:
    """A mask for a `grid` x `grid` model from .json or an image -> (mask, info, note). The
    note says when the mask was carried over from another grid. Raises MaskFileError."""
    path = Path(path)
    try:
        if path.suffix.lower() == ".json":
            mask, info = masks.mask_from_json(path.read_text(encoding="utf-8"))
        else:
            # The hardened loader, as for photos: bombs, broken and hostile files are refused.
            pixels = np.asarray(load_image(path, min_side=1).convert("L"))
            info = {}
            mask = _mask_from_pixels(path, pixels, grid)
    except ImageLoadError as e:
        raise MaskFileError(path, f"not a readable mask ({e.reason})") from e
    except (OSError, UnicodeDecodeError, ValueError) as e:
        reason = e.strerror if isinstance(e, OSError) and e.strerror else str(e)
        raise MaskFileError(path, f"not a readable mask ({reason})") from e
    note = ""
    if mask.shape != (grid, grid):
        h, w = mask.shape
        if h != w:
            raise MaskFileError(path, f"a {h}x{w} grid cannot be carried to the model's square grid")
        mask = masks.rasterize(mask, grid)
        note = f"mask made for a {h}x{w} grid, carried over to this model's {grid}x{grid} grid"
    return mask, info, note


def _mask_from_pixels(path: Path, pixels: np.ndarray, grid: int) -> np.ndarray:
    h, w = pixels.shape
    if h != w:
        raise MaskFileError(path, f"a mask image must be square, this one is {w}x{h}")
    if h % grid == 0:
        return masks.mask_from_image(pixels, grid)
    # Another model's grid: find the grid the image was drawn on, if it was ours.
    for other in range(min(h, 64), 0, -1):
        if h % other == 0 and _blocky(pixels, other):
            return masks.mask_from_image(pixels, other)
    raise MaskFileError(path, f"a {w}x{h} image does not divide into a {grid}x{grid} patch grid")


def _blocky(pixels: np.ndarray, grid: int) -> bool:
    """Whether the image is flat within each cell of a grid x grid split."""
    s = pixels.shape[0] // grid
    cells = pixels.reshape(grid, s, grid, s)
    return bool((cells.max(axis=(1, 3)) == cells.min(axis=(1, 3))).all())
