"""What the studio writes besides photos: comparison sheets, single panels, masks (mask files
are read and written by core.mask_files, as the command line does).

Plain functions (no dialogs) over core.sheet and core.files: every write is atomic, so a failed
save leaves any existing file byte for byte as it was and raises SaveError with the reason; the
panels are written as one set (all or none).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QCoreApplication

from mae_studio import __version__
from mae_studio.core.files import atomic_write_set, encode_png, save_png
from mae_studio.core.heatmap import DEFAULT_STYLE, HeatStyle
from mae_studio.core.mask_files import write_mask_file
from mae_studio.core.results import RESULT_PANELS, Reconstruction
from mae_studio.core.sheet import render_sheet, result_panels


def mask_filter() -> str:
    """The save and load dialogs' file types for masks, in the interface's language."""
    return QCoreApplication.translate("saving", "Mask JSON (*.json);;Mask PNG (*.png)")


def _png_text(**items: Any) -> dict[str, str]:
    text = {"Software": f"MAE Studio {__version__}"}
    text.update({k: str(v) for k, v in items.items() if v not in (None, "")})
    return text


def save_comparison(
    path: str | Path,
    result: Reconstruction,
    *,
    model_name: str,
    seed: int | None,
    ratio: float | None,
    image_name: str = "",
    heat: HeatStyle = DEFAULT_STYLE,
    raw_visible: bool = False,
) -> Path:
    """The labelled comparison sheet (all panels, titles, metrics, model, seed) as a PNG, its heat
    map in the window's colour map and scale, its reconstruction dimmed as the window shows it."""
    sheet = render_sheet(
        result,
        model_name=model_name,
        seed=seed,
        ratio=ratio,
        image_name=image_name,
        heat=heat,
        raw_visible=raw_visible,
    )
    text = _png_text(model=model_name, seed=seed, mask_ratio=ratio, image=image_name)
    return save_png(path, sheet, text=text)


def panel_paths(folder: str | Path, stem: str) -> dict[str, Path]:
    """Where save_panels writes each panel: <stem>_<panel key>.png in `folder` (core's registry)."""
    return {key: Path(folder) / f"{stem}_{key}.png" for key in RESULT_PANELS}


def save_panels(
    folder: str | Path,
    stem: str,
    result: Reconstruction,
    *,
    model_name: str = "",
    heat: HeatStyle = DEFAULT_STYLE,
    raw_visible: bool = False,
) -> list[Path]:
    """Each panel on its own, in the frame the model saw (the fit's aspect and resolution), as the
    sheet draws it. All five files are written, or none."""
    panels = dict(zip(RESULT_PANELS, result_panels(result, heat, raw_visible), strict=True))
    files = {}
    for key, path in panel_paths(folder, stem).items():
        files[path] = encode_png(panels[key].image, _png_text(panel=key, model=model_name))
    return atomic_write_set(files)


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
    fit: str = "",
) -> Path:
    """.json: grid, removed patch indices, seed, ratio, pattern, model. .png: the patch grid,
    one patch_size x patch_size block per patch (white = removed), aligned with the fit's frame."""
    info: dict[str, Any] = {"seed": seed, "ratio": ratio, "pattern": pattern, "model": model}
    if image:
        info["image"] = image
    if fit:
        info["fit"] = fit  # the grid is the fit's grid for this photo
    return write_mask_file(path, mask, patch_size=patch_size, **info)
