"""View > Language: the system's language, English or 简体中文, remembered in the settings and
applied at the next start (every window, dialog and menu reads its texts once, when built).
The note that says so is written in the language just chosen, so its reader can read it."""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QMenu, QMessageBox, QWidget

from .i18n import ENGLISH, NATIVE_NAMES, SYSTEM, TRANSLATED, resolve, studio_translator
from .settings import Settings

CONTEXT = "LanguageMenu"
# Shown in the language chosen, not the one running: looked up in that language's catalogue.
NEXT_START = QT_TRANSLATE_NOOP("LanguageMenu", "Language: {language}")
NEXT_START_TEXT = QT_TRANSLATE_NOOP(
    "LanguageMenu", "MAE Studio will be in {language} from the next time it starts."
)
OK = QT_TRANSLATE_NOOP("LanguageMenu", "OK")


def in_language(language: str, context: str, text: str) -> str:
    """`text` as the catalogue of `language` has it (itself for English or a missing entry)."""
    translator = studio_translator(language)
    translated = translator.translate(context, text) if translator is not None else ""
    return translated or text


class LanguageMenu(QMenu):
    """Radio choices of i18n.LANGUAGES; `running` is the language the interface is in now."""

    def __init__(self, settings: Settings, running: str, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("&Language"), parent)
        self.settings, self.running = settings, running
        self.note: QMessageBox | None = None  # the open "next start" note
        group = QActionGroup(self)
        system = resolve(SYSTEM)
        names = {
            SYSTEM: self.tr("System Language ({language})").format(language=NATIVE_NAMES[system]),
            ENGLISH: NATIVE_NAMES[ENGLISH],
            **{lang: NATIVE_NAMES[lang] for lang in TRANSLATED},
        }
        chosen = settings.language()
        self.choices: dict[str, QAction] = {}
        for choice, name in names.items():
            action = QAction(name, self)
            action.setCheckable(True)
            action.setChecked(choice == chosen)
            action.triggered.connect(lambda _=False, c=choice: self.choose(c))
            group.addAction(action)
            self.addAction(action)
            self.choices[choice] = action
        self.setToolTipsVisible(True)

    def choose(self, choice: str) -> None:
        """Remember `choice`; when it changes the language, say (in that language) when."""
        self.settings.set_language(choice)
        self.choices[choice].setChecked(True)
        language = resolve(choice)
        if language == self.running:
            return
        title = in_language(language, CONTEXT, NEXT_START).format(language=NATIVE_NAMES[language])
        text = in_language(language, CONTEXT, NEXT_START_TEXT).format(language=NATIVE_NAMES[language])
        box = QMessageBox(QMessageBox.Icon.Information, title, text, parent=self.parentWidget())
        box.addButton(in_language(language, CONTEXT, OK), QMessageBox.ButtonRole.AcceptRole)
        self.note = box
        box.finished.connect(lambda _: setattr(self, "note", None))
        box.open()
