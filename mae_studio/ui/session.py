"""The studio's session as a file: what autosave writes and crash recovery reads back.

Plain data and checks, no widgets. Reading trusts nothing: a file that is not valid JSON, has a
field of the wrong type, a mask for another grid, or names a photo that is gone is a
SessionFileError naming the file and the reason (the studio then starts fresh).

The mask is on the fit's grid (h, w): the model's square grid for the centre crop, the photo's
own aspect for the whole photo and tiles. A session written before fits existed has none: it is
the centre crop.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QCoreApplication

from mae_studio.core import masks
from mae_studio.core.errors import InputFileError, MaeStudioError
from mae_studio.core.files import read_regular_file
from mae_studio.core.recipes import MaskRecipe
from mae_studio.core.results import FITS

from .layouts import DEFAULT_LARGE, DEFAULT_LAYOUT, LAYOUTS, VIEW_PANELS

SESSION_FORMAT = "mae-studio-session"
SESSION_VERSION = 1
MAX_SESSION_BYTES = 32 << 20  # a 1024 x 1024 patch grid fully removed is ~8 MiB of indices
PASTED_NAME = re.compile(r"session-image-\d+\.png")  # the autosave's own copies of pasted photos


class SessionFileError(MaeStudioError):
    """A session file that cannot be restored, and why."""

    def __init__(self, path: str | Path, reason: str) -> None:
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


@dataclass(frozen=True)
class Session:
    image_name: str  # as the window shows it ("" when no photo was open)
    image_file: Path | None  # the photo, or the autosave's PNG copy of a pasted one
    pasted: bool  # image_file is that copy (the photo had no file of its own)
    model_path: Path | None  # None: the default model
    device: str | None  # "cpu", "cuda", "mps"; None: the best available
    img_size: int  # the model's input size and patch size, which give the mask's grid
    patch_size: int
    mask: np.ndarray  # bool [h, w] on the fit's grid, True = removed
    recipe: MaskRecipe
    brush_radius: float
    grid_visible: bool
    heatmap: bool
    precision: str  # "exact" or "fast"
    threads: int  # 0 = automatic
    saved_at: str  # local time, ISO 8601
    fit: str = "crop"  # how the photo met the model (core.results.FITS)
    layout: str = DEFAULT_LAYOUT  # the results' layout (layouts.LAYOUTS); older sessions have none
    large_panel: str = DEFAULT_LARGE  # the result the "large" layout shows large

    @property
    def saved_at_text(self) -> str:
        try:
            return datetime.fromisoformat(self.saved_at).strftime("%Y-%m-%d %H:%M:%S")
        except ValueError:
            return self.saved_at

    def to_json(self) -> str:
        """The file's text; a pasted photo's copy is named relative to the session file."""
        image_file = None
        if self.image_file is not None:
            image_file = self.image_file.name if self.pasted else str(self.image_file)
        doc = {
            "format": SESSION_FORMAT,
            "version": SESSION_VERSION,
            "saved_at": self.saved_at,
            "image": {"name": self.image_name, "file": image_file, "pasted": self.pasted, "fit": self.fit},
            "model": {
                "path": None if self.model_path is None else str(self.model_path),
                "device": self.device,
                "img_size": self.img_size,
                "patch_size": self.patch_size,
            },
            "mask": json.loads(masks.mask_to_json(self.mask)),
            "recipe": {"pattern": self.recipe.pattern, "ratio": self.recipe.ratio, "seed": self.recipe.seed},
            "view": {
                "brush_radius": self.brush_radius,
                "grid": self.grid_visible,
                "heatmap": self.heatmap,
                "layout": self.layout,
                "large_panel": self.large_panel,
            },
            "compute": {"precision": self.precision, "threads": self.threads},
        }
        return json.dumps(doc, indent=1) + "\n"


def now_text() -> str:
    return datetime.now().isoformat(timespec="seconds")


class _Damaged(ValueError):
    pass


_KIND_NAMES = {
    str: "text",
    int: "a whole number",
    float: "a number",
    bool: "true or false",
    dict: "an object",
}


def _field(obj: dict[str, Any], key: str, kinds: tuple[type, ...], optional: bool = False) -> Any:
    if key not in obj:
        raise _Damaged(f"'{key}' is missing")
    value = obj[key]
    if value is None and optional:
        return None
    # bool is an int in Python; true where a number belongs (or 1 where a flag does) is damage
    if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
        wanted = " or ".join(_KIND_NAMES.get(k, k.__name__) for k in kinds)
        raise _Damaged(f"'{key}' should be {wanted}, not {json.dumps(value)[:40]}")
    return value


def _section(doc: dict[str, Any], key: str) -> dict[str, Any]:
    return _field(doc, key, (dict,))  # type: ignore[no-any-return]


def read_session(path: str | Path) -> Session:
    """The session in `path`; SessionFileError naming the file and the reason otherwise."""
    path = Path(path)
    try:
        # A regular file, read with a cap: a FIFO here hung the start, /dev/zero ran out of memory.
        doc = json.loads(read_regular_file(path, "session file", MAX_SESSION_BYTES).decode("utf-8"))
        return _parse(doc, path.parent)
    except InputFileError as e:
        raise SessionFileError(path, _tr_unreadable(e.reason)) from e
    except OSError as e:
        raise SessionFileError(path, _tr_unreadable(e.strerror or str(e))) from e
    except UnicodeDecodeError as e:
        reason = QCoreApplication.translate("session", "not a session file (not UTF-8 text)")
        raise SessionFileError(path, reason) from e
    except json.JSONDecodeError as e:
        detail = QCoreApplication.translate("session", "not valid JSON ({error}, line {line})")
        raise SessionFileError(path, _tr_damaged(detail.format(error=e.msg, line=e.lineno))) from e
    except _Damaged as e:
        raise SessionFileError(path, _tr_damaged(str(e))) from e
    except (ValueError, RecursionError) as e:  # e.g. an integer of 5,000 digits, or deep nesting
        detail = QCoreApplication.translate("session", "not readable as a session ({error})")
        raise SessionFileError(path, _tr_damaged(detail.format(error=type(e).__name__))) from e


def _tr_unreadable(reason: str) -> str:
    return QCoreApplication.translate("session", "cannot be read ({reason})").format(reason=reason)


def _tr_damaged(detail: str) -> str:
    """The file's damage in the interface's language; a field's own diagnostic names JSON keys
    and stays as written."""
    return QCoreApplication.translate("session", "damaged: {detail}").format(detail=detail)


def _parse(doc: Any, folder: Path) -> Session:
    if not isinstance(doc, dict) or doc.get("format") != SESSION_FORMAT:
        raise _Damaged(QCoreApplication.translate("session", "not an MAE Studio session"))
    if doc.get("version") != SESSION_VERSION:
        raise _Damaged(
            QCoreApplication.translate(
                "session", "session version {found}; this MAE Studio reads {version}"
            ).format(found=repr(doc.get("version")), version=SESSION_VERSION)
        )
    image, model, recipe = _section(doc, "image"), _section(doc, "model"), _section(doc, "recipe")
    view, compute = _section(doc, "view"), _section(doc, "compute")

    name = _field(image, "name", (str,))
    pasted = _field(image, "pasted", (bool,))
    file = _field(image, "file", (str,), optional=True)
    image_file = None
    if file is not None:
        if pasted and not PASTED_NAME.fullmatch(file):
            raise _Damaged(f"the pasted photo's copy has an unexpected name {file!r}")
        image_file = folder / file if pasted else Path(file)
        if not image_file.is_file():
            raise _Damaged(
                QCoreApplication.translate("session", "the photo {file} no longer exists").format(
                    file=image_file
                )
            )

    model_path = _field(model, "path", (str,), optional=True)
    device = _field(model, "device", (str,), optional=True)
    if device not in (None, "cpu", "cuda", "mps"):
        raise _Damaged(f"unknown device {device!r}")
    img_size = _field(model, "img_size", (int,))
    patch_size = _field(model, "patch_size", (int,))
    if not (0 < patch_size <= img_size <= 8192 and img_size % patch_size == 0):
        raise _Damaged(f"input size {img_size} with {patch_size}-pixel patches is not a model's grid")

    try:
        mask, _ = masks.mask_from_json(json.dumps(_field(doc, "mask", (dict,))))
    except ValueError as e:
        raise _Damaged(f"the mask: {e}") from e
    fit = image.get("fit", "crop")  # written before fits existed: the centre crop
    if fit not in FITS:
        raise _Damaged(f"unknown fit {fit!r}")
    grid = img_size // patch_size
    if fit == "crop" and mask.shape != (grid, grid):  # the other fits' grids follow the photo
        h, w = mask.shape
        raise _Damaged(f"the mask is for a {h}x{w} grid, but the session's model has {grid}x{grid}")

    pattern = _field(recipe, "pattern", (str,))
    ratio = _field(recipe, "ratio", (int, float))
    seed = _field(recipe, "seed", (int,))
    if pattern not in masks.PATTERNS or not 0 <= ratio <= 1 or not 0 <= seed < 2**31:
        raise _Damaged(f"mask recipe {pattern!r}, ratio {ratio}, seed {seed} is out of range")

    brush = _field(view, "brush_radius", (int, float))
    precision = _field(compute, "precision", (str,))
    threads = _field(compute, "threads", (int,))
    if not 0 <= brush <= 200 or precision not in ("exact", "fast") or not 0 <= threads <= 1024:
        raise _Damaged("a view or compute setting is out of range")
    layout = view.get("layout", DEFAULT_LAYOUT)  # written before layouts existed: the default
    large_panel = view.get("large_panel", DEFAULT_LARGE)
    if layout not in LAYOUTS or large_panel not in VIEW_PANELS:
        raise _Damaged(f"unknown layout {layout!r} or large result {large_panel!r}")

    return Session(
        image_name=name,
        image_file=image_file,
        pasted=pasted,
        model_path=None if model_path is None else Path(model_path),
        device=device,
        img_size=img_size,
        patch_size=patch_size,
        mask=mask,
        recipe=MaskRecipe(pattern, float(ratio), seed),
        brush_radius=float(brush),
        grid_visible=_field(view, "grid", (bool,)),
        heatmap=_field(view, "heatmap", (bool,)),
        precision=precision,
        threads=threads,
        saved_at=_field(doc, "saved_at", (str,)),
        fit=fit,
        layout=layout,
        large_panel=large_panel,
    )
