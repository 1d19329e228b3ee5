"""The interface's languages: Qt's translation system (tr, QTranslator), sources in
resources/i18n/*.ts, compiled .qm beside them.

Conventions: inside a QObject subclass, `self.tr("text")` (context: the class that defines the
method); elsewhere `QCoreApplication.translate("Context", "text")` with literal strings, so that
pyside6-lupdate finds them. Values: `self.tr("Saved {name}").format(name=...)`; counts:
`self.tr("%n patch(es)", "", n)`. Labels that come from core's registries (result panels, mask
patterns, fits) are shown through `label()`; their English texts are listed for lupdate here.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

LABELS_CONTEXT = "labels"


def label(text: str) -> str:
    """A core registry label (panel title, pattern, fit) in the interface's language."""
    return QCoreApplication.translate(LABELS_CONTEXT, text)
