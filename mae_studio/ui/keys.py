"""Keys held down anywhere in the window: O shows the original in place of the reconstruction,
Space (over the canvas) pans. An application-wide event filter, since the focus may be on any
widget: a combo box, slider, spin box, button or result panel. Only where O would be typed as
text (a line edit or an editable combo box) is the key left alone."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)

COMPARE_KEY = Qt.Key.Key_O
_PLAIN = (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.KeypadModifier)


def types_text(widget: QWidget | None) -> bool:
    """True where a letter typed is text: a line edit (not a spin box's own, which takes only
    numbers), an editable combo box, a text editor. A plain combo box would jump to the item
    starting with O instead, so it is not one."""
    if isinstance(widget, (QTextEdit, QPlainTextEdit)):
        return not widget.isReadOnly()
    if isinstance(widget, QComboBox):
        return widget.isEditable()
    if isinstance(widget, QLineEdit):
        return not isinstance(widget.parentWidget(), QAbstractSpinBox) and not widget.isReadOnly()
    return False


class HeldKeys(QObject):
    compare_held = Signal(bool)  # O pressed (True) or released
    space_held = Signal(bool)  # Space pressed over the canvas (True) or released

    def __init__(self, window: QWidget, over_canvas: Callable[[], bool]) -> None:
        super().__init__(window)
        self._window = window
        self._over_canvas = over_canvas

    def install(self) -> None:
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)

    def remove(self) -> None:
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease) and self._window.isActiveWindow():
            key_event: QKeyEvent = event  # type: ignore[assignment]
            if key_event.modifiers() in _PLAIN and not types_text(QApplication.focusWidget()):
                pressed = kind == QEvent.Type.KeyPress
                if key_event.key() == COMPARE_KEY:
                    # its repeats are swallowed too: a combo box would take them as typing
                    if not key_event.isAutoRepeat():
                        self.compare_held.emit(pressed)
                    return True
                if (
                    key_event.key() == Qt.Key.Key_Space
                    and not key_event.isAutoRepeat()
                    and (self._over_canvas() or not pressed)
                ):
                    self.space_held.emit(pressed)
                    return True
        elif kind == QEvent.Type.WindowDeactivate and obj is self._window:
            self.compare_held.emit(False)
            self.space_held.emit(False)
        return super().eventFilter(obj, event)
