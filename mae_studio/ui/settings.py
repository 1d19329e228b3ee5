"""What the studio remembers between runs (QSettings, INI format in the user's config folder).

Tests point the INI folder at a temporary directory (QSettings.setPath) before creating one.
"""

from __future__ import annotations

import math
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings
from PySide6.QtGui import QColor

from mae_studio.core.heatmap import COLORMAPS, DEFAULT_COLORMAP
from mae_studio.core.places import APPLICATION, ORGANIZATION
from mae_studio.core.results import FITS

from .i18n import normalized_choice
from .layouts import DEFAULT_LARGE, DEFAULT_LAYOUT, LAYOUTS, VIEW_PANELS

MAX_RECENT = 10
DEFAULT_MASK_COLOR = "#7c7468"  # the grey the model's masked input shows (ImageNet mean)
DEFAULT_MASK_OPACITY = 0.8


def open_settings() -> QSettings:
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANIZATION, APPLICATION)


class Settings:
    """Typed access to the few values the studio keeps."""

    def __init__(self, store: QSettings | None = None) -> None:
        self.store = store if store is not None else open_settings()

    def _get(self, key: str, default: object, kind: type) -> object:
        value = self.store.value(key, default)
        try:
            if kind is bool:
                return value in (True, "true", "1", 1) if not isinstance(value, bool) else value
            return kind(value)
        except (TypeError, ValueError):
            return default  # a hand-edited or damaged value: fall back to the default

    # ---------------------------------------------------------------- window

    def geometry(self) -> QByteArray | None:
        value = self.store.value("window/geometry")
        return value if isinstance(value, QByteArray) else None

    def window_state(self) -> QByteArray | None:
        value = self.store.value("window/state")
        return value if isinstance(value, QByteArray) else None

    def save_window(self, geometry: QByteArray, state: QByteArray) -> None:
        self.store.setValue("window/geometry", geometry)
        self.store.setValue("window/state", state)

    # ---------------------------------------------------------------- files

    def last_folder(self) -> str:
        folder = str(self._get("files/last_folder", "", str))
        return folder if folder and Path(folder).is_dir() else str(Path.home())

    def set_last_folder(self, path: str | Path) -> None:
        p = Path(path).resolve()
        self.store.setValue("files/last_folder", str(p if p.is_dir() else p.parent))

    def recent_files(self) -> list[str]:
        value = self.store.value("files/recent", [])
        if isinstance(value, str):
            value = [value]
        return [str(v) for v in (value or []) if str(v)][:MAX_RECENT]

    def add_recent_file(self, path: str | Path) -> list[str]:
        path = str(Path(path).resolve())
        files = [path, *(f for f in self.recent_files() if f != path)][:MAX_RECENT]
        self.store.setValue("files/recent", files)
        return files

    def clear_recent_files(self) -> None:
        self.store.setValue("files/recent", [])

    # ---------------------------------------------------------------- brush and view

    def brush_radius(self) -> float:
        return max(0.0, min(200.0, float(self._get("brush/radius", 12.0, float))))

    def set_brush_radius(self, radius: float) -> None:
        self.store.setValue("brush/radius", float(radius))

    def mask_color(self) -> QColor:
        color = QColor(str(self._get("view/mask_color", DEFAULT_MASK_COLOR, str)))
        return color if color.isValid() else QColor(DEFAULT_MASK_COLOR)

    def set_mask_color(self, color: QColor) -> None:
        self.store.setValue("view/mask_color", color.name())

    def mask_opacity(self) -> float:
        return max(0.0, min(1.0, float(self._get("view/mask_opacity", DEFAULT_MASK_OPACITY, float))))

    def set_mask_opacity(self, opacity: float) -> None:
        self.store.setValue("view/mask_opacity", float(opacity))

    def layout(self) -> str:
        """The results' layout (ui.layouts.LAYOUTS): "grid" (the default), "row" or "large"."""
        value = str(self._get("view/layout", DEFAULT_LAYOUT, str))
        return value if value in LAYOUTS else DEFAULT_LAYOUT

    def set_layout(self, layout: str) -> None:
        self.store.setValue("view/layout", layout)

    def large_panel(self) -> str:
        """The result panel the "large" layout shows large (ui.layouts.VIEW_PANELS)."""
        value = str(self._get("view/large_panel", DEFAULT_LARGE, str))
        return value if value in VIEW_PANELS else DEFAULT_LARGE

    def set_large_panel(self, key: str) -> None:
        self.store.setValue("view/large_panel", key)

    def flag(self, key: str, default: bool) -> bool:
        return bool(self._get(f"view/{key}", default, bool))

    def set_flag(self, key: str, value: bool) -> None:
        self.store.setValue(f"view/{key}", bool(value))

    def heat_colormap(self) -> str:
        """The heat map's colour map, one of the window's (core.heatmap.COLORMAPS)."""
        value = str(self._get("heat/colormap", DEFAULT_COLORMAP, str))
        return value if value in COLORMAPS else DEFAULT_COLORMAP

    def set_heat_colormap(self, name: str) -> None:
        self.store.setValue("heat/colormap", name)

    def heat_vmax(self) -> float | None:
        """The heat map's fixed top, or None for the auto scale (the default)."""
        if not self._get("heat/fixed", False, bool):
            return None
        value = float(self._get("heat/vmax", 0.0, float))
        return value if math.isfinite(value) and value > 0 else None

    def set_heat_vmax(self, vmax: float | None) -> None:
        self.store.setValue("heat/fixed", vmax is not None)
        if vmax is not None:
            self.store.setValue("heat/vmax", float(vmax))

    # ---------------------------------------------------------------- model

    def inference_threads(self) -> int:
        """CPU threads for the model; 0 (the default) lets core.threads choose."""
        return max(0, int(self._get("model/threads", 0, int)))

    def set_inference_threads(self, threads: int) -> None:
        self.store.setValue("model/threads", int(threads))

    def precision(self) -> str:
        value = str(self._get("model/precision", "exact", str))
        return value if value in ("exact", "fast") else "exact"

    def set_precision(self, precision: str) -> None:
        self.store.setValue("model/precision", precision)

    def fit(self) -> str:
        """How a photo meets the model: "crop" (the default), "whole" or "tiles"."""
        value = str(self._get("model/fit", "crop", str))
        return value if value in FITS else "crop"

    def set_fit(self, fit: str) -> None:
        self.store.setValue("model/fit", fit)

    def accepted_licences(self) -> list[str]:
        """Licences the user accepted before a download (e.g. "CC-BY-NC 4.0"): asked once."""
        value = self.store.value("models/accepted_licences", [])
        if isinstance(value, str):
            value = [value]
        return [str(v) for v in (value or []) if str(v)]

    def accept_licence(self, licence: str) -> None:
        accepted = self.accepted_licences()
        if licence not in accepted:
            self.store.setValue("models/accepted_licences", [*accepted, licence])
        self.store.sync()

    # ---------------------------------------------------------------- interface

    def language(self) -> str:
        """The interface language: "system" (the default), "en" or "zh_CN" (i18n.LANGUAGES);
        applied at start (application.create_application)."""
        return normalized_choice(self._get("interface/language", "system", str))

    def set_language(self, language: str) -> None:
        self.store.setValue("interface/language", language)
        self.store.sync()

    def sync(self) -> None:
        self.store.sync()
