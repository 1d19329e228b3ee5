"""The studio's QApplication (names, icon, dark style, interface language) and its window: what
the app, the GUI benchmark and the screenshot maker all start from."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from mae_studio import __version__
from mae_studio.core.places import ICON

from .i18n import install_translators, wanted_language
from .settings import APPLICATION, ORGANIZATION, Settings

if TYPE_CHECKING:
    from pathlib import Path

    from .main_window import MainWindow


def create_application(argv: list[str] | None = None) -> object:
    """The QApplication with the studio's names, the dark style and the interface language
    (i18n.wanted_language: $MAE_STUDIO_LANGUAGE, the settings, the system locale); one per process."""
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if app is None:
        app = QApplication([sys.argv[0] if sys.argv else "mae-studio", *(argv or [])])
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    app.setApplicationDisplayName("MAE Studio")
    app.setApplicationVersion(__version__)
    app.setDesktopFileName(APPLICATION)  # resources/mae-studio.desktop: the shell's icon and name
    if ICON.is_file():
        from PySide6.QtGui import QIcon

        app.setWindowIcon(QIcon(str(ICON)))
    apply_dark_style(app)
    install_translators(app, wanted_language(Settings().language()))
    return app


# The standard buttons of message boxes, file, input and our own dialogs carry the platform
# style's icons, drawn for a light theme: on the dark style Close's black cross, Cancel's dark red
# one and Save's dark disk are smudges. The words alone say it.
NO_BUTTON_ICONS = "QDialogButtonBox { dialogbuttonbox-buttons-have-icons: 0; }"


def apply_dark_style(app: object) -> None:
    import qdarkstyle

    sheet = qdarkstyle.load_stylesheet(qt_api="pyside6") + "\n" + NO_BUTTON_ICONS
    app.setStyleSheet(sheet)  # type: ignore[attr-defined]


def new_window(
    settings: Settings | None = None, device: str | None = None, autosave_folder: Path | None = None
) -> MainWindow:
    """The studio window (the one place that builds it: the app, the benchmark, screenshots)."""
    from .main_window import MainWindow

    return MainWindow(settings, device, autosave_folder)
