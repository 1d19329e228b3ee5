"""Where things are: the files MAE Studio ships (default weights, sample photos, icon, desktop
entry, translations) and the user's data folder (autosave, log). Imports neither torch nor Qt.

The repository keeps `weights/` and `resources/` at its top, beside `mae_studio/`; a built wheel
carries them inside the package (`mae_studio/weights`, `mae_studio/resources`: pyproject.toml maps
them). So the installed package is looked at first, then the clone it was imported from (the
editable install `make` does, or `python main.py`).
"""

from __future__ import annotations

import os
import sys
from importlib.resources import files
from pathlib import Path

ORGANIZATION = "MAE Studio"
APPLICATION = "mae-studio"
DATA_FOLDER_ENV = "MAE_STUDIO_DATA_DIR"  # overrides the data folder (tests, portable setups)
LANGUAGE_ENV = "MAE_STUDIO_LANGUAGE"  # "en", "zh_CN" or "system": overrides the settings (ui/i18n.py)


def shipped_folder(name: str) -> Path:
    """The shipped folder `name` ("weights" or "resources") as a real path on disk: inside the
    installed package, else at the top of the clone; the package's place if neither has it."""
    # pip unpacks wheels, so the package is a folder (torch and Qt could not run from a zip either)
    package = Path(str(files("mae_studio")))
    installed, clone = package / name, package.parent / name
    if not installed.is_dir() and clone.is_dir() and (package.parent / "pyproject.toml").is_file():
        return clone
    return installed


WEIGHTS = shipped_folder("weights")
RESOURCES = shipped_folder("resources")
DEFAULT_WEIGHTS = WEIGHTS / "mae_studio_default.safetensors"
SAMPLES = RESOURCES / "samples"
ICON = RESOURCES / "icons" / "mae-studio.png"  # 256x256; mae-studio.svg beside it
DESKTOP_ENTRY = RESOURCES / "mae-studio.desktop"
TRANSLATIONS = RESOURCES / "i18n"  # mae_studio_<language>.ts sources and the .qm Qt loads


def data_folder() -> Path:
    """The user's data folder: $MAE_STUDIO_DATA_DIR, else the folder Qt calls AppDataLocation for
    this application (`~/.local/share/MAE Studio/mae-studio` on Linux), computed without Qt so the
    command line can use it."""
    override = os.environ.get(DATA_FOLDER_ENV)
    if override:
        return Path(override).expanduser()
    if sys.platform == "win32":
        base = Path(os.environ.get("APPDATA") or Path.home() / "AppData" / "Roaming")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        xdg = os.environ.get("XDG_DATA_HOME", "")
        # the XDG spec: a relative value is invalid and ignored
        base = Path(xdg) if os.path.isabs(xdg) else Path.home() / ".local" / "share"
    return base / ORGANIZATION / APPLICATION
