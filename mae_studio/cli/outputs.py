"""Where the commands write, and how: refuse existing files unless --overwrite, write
atomically (core.files) and an input's outputs as one set (all or none), print tables and JSON
numbers that stay valid JSON."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from mae_studio.core.files import (
    atomic_write_bytes,
    atomic_write_set,
    check_destination,
    encode_png,
    save_text,
)


def claim(paths: Sequence[Path], overwrite: bool) -> None:
    """Raise SaveError (naming the file) before any work if an output cannot be written or
    exists and overwrite is off."""
    for path in paths:
        check_destination(path, overwrite=overwrite)


def dumps(doc: dict[str, Any]) -> str:
    """JSON with one top-level key per line and a grid (list of lists) one row per line:
    readable in a terminal, and still plain JSON."""
    lines = []
    for key, value in doc.items():
        if isinstance(value, list) and value and all(isinstance(v, list) for v in value):
            rows = ",\n  ".join(json.dumps(row, allow_nan=False) for row in value)
            text = f"[\n  {rows}\n ]"
        else:
            text = json.dumps(value, allow_nan=False)
        lines.append(f" {json.dumps(key)}: {text}")
    return "{\n" + ",\n".join(lines) + "\n}\n"


def write_json(path: Path, doc: dict[str, Any], overwrite: bool) -> Path:
    return save_text(path, dumps(doc), overwrite=overwrite)


def write_png(path: Path, image: Image.Image, overwrite: bool, text: dict[str, str] | None = None) -> Path:
    """A sheet as PNG, atomically."""
    return atomic_write_bytes(path, sheet_png(image, text), overwrite=overwrite)


def sheet_png(image: Image.Image, text: dict[str, str] | None = None) -> bytes:
    """A sheet's PNG bytes. zlib level 3 instead of Pillow's 6: sheets are large and photographic,
    so this encodes ~2.5x faster for ~10% more bytes (a batch's main cost on CPU)."""
    return encode_png(image, text, compress_level=3)


def panel_pngs(
    result: Any, paths: Mapping[str, Path], text: dict[str, str], heat: Any = None, raw_visible: bool = False
) -> dict[Path, bytes]:
    """Each result panel (core.results.RESULT_PANELS) as PNG bytes at the resolution the model saw,
    as the sheet draws it: the heat map in `heat`'s style (a core.heatmap.HeatStyle; default: auto
    scale), the reconstruction's visible patches dimmed unless `raw_visible`."""
    from mae_studio.core.heatmap import DEFAULT_STYLE
    from mae_studio.core.results import RESULT_PANELS
    from mae_studio.core.sheet import result_panels

    panels = dict(zip(RESULT_PANELS, result_panels(result, heat or DEFAULT_STYLE, raw_visible), strict=True))
    out = {}
    for key, path in paths.items():
        out[path] = encode_png(Image.fromarray(panels[key].image), {**text, "panel": key}, compress_level=3)
    return out


def json_bytes(doc: dict[str, Any]) -> bytes:
    return dumps(doc).encode("utf-8")


def write_set(files: Mapping[Path, bytes], overwrite: bool) -> list[Path]:
    """An input's outputs, all or none (core.files.atomic_write_set): a disk that fills between
    the sheet and the report leaves neither, so the next run does not take the input as done."""
    return atomic_write_set(files, overwrite=overwrite)


def number(value: float) -> float | None:
    """A float for JSON: nan and inf (no removed patch, a perfect match) become null."""
    value = float(value)
    return value if math.isfinite(value) else None


def grid_rows(values: np.ndarray, digits: int = 8) -> list[list[float | None]]:
    """float [h, w] -> rows of the patch grid, rounded, nan as null."""
    return [[number(round(float(v), digits)) if math.isfinite(v) else None for v in row] for row in values]


def fmt(value: float, spec: str) -> str:
    return "-" if value is None or not math.isfinite(value) else format(value, spec)


def table(headers: Sequence[str], rows: Sequence[Sequence[str]], right: Sequence[bool] | None = None) -> str:
    """A plain-text table: columns padded, numbers right-aligned."""
    right = right or [False] + [True] * (len(headers) - 1)
    widths = [max(len(str(x)) for x in col) for col in zip(headers, *rows, strict=True)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            str(c).rjust(w) if r else str(c).ljust(w) for c, w, r in zip(cells, widths, right, strict=True)
        ).rstrip()

    return "\n".join([line(headers), line(["-" * w for w in widths]), *(line(r) for r in rows)])
