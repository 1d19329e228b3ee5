"""The paint toolbar: tools, the brush radius, undo and redo, view toggles, and the mask's colour
and opacity on the photo. It owns its sliders and colour button and says what the user chose."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QColor
from PySide6.QtWidgets import QColorDialog, QLabel, QSlider, QToolBar, QToolButton, QWidget

from .settings import DEFAULT_MASK_COLOR

BRUSH_STEPS = (0, 2, 4, 6, 8, 12, 16, 20, 24, 32, 40, 48, 64)


def next_brush_step(radius: float, direction: int) -> float:
    """The next radius of BRUSH_STEPS above (direction > 0) or below the current one."""
    if direction > 0:
        return next((s for s in BRUSH_STEPS if s > radius), radius)
    return next((s for s in reversed(BRUSH_STEPS) if s < radius), radius)


class PaintToolbar(QToolBar):
    brush_chosen = Signal(float)  # radius in model pixels, from the slider
    mask_style_changed = Signal(object, float)  # QColor, opacity 0..1

    def __init__(self, actions: dict[str, QAction], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Paint"))
        self.setObjectName("paintToolbar")
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        for key, short in (
            ("brush", self.tr("Brush")),
            ("rect", self.tr("Rectangle")),
            ("toggle", self.tr("Toggle")),
            ("eraser", self.tr("Eraser")),
            ("grid", self.tr("Grid")),
            ("heat", self.tr("Heat map")),
            ("fit", self.tr("Fit view")),  # the zoom; the photo's fit is in the Mask panel
        ):
            actions[key].setIconText(short)
        for key, fixed in (("undo", self.tr("Undo")), ("redo", self.tr("Redo"))):
            actions[key].setIconText(fixed)  # the menu entry says what it undoes
            actions[key].setProperty("help_text", fixed)
        for key in ("brush", "rect", "toggle", "eraser"):
            self.addAction(actions[key])
        self.addSeparator()
        # The Brush tool button is just left of here: this slider is its size, so it says "Size".
        self.brush_slider = QSlider(Qt.Orientation.Horizontal)
        self.brush_slider.setRange(0, BRUSH_STEPS[-1])
        self.brush_slider.setFixedWidth(90)
        self.brush_slider.setToolTip(self.tr("Brush radius in model pixels ([ and ])"))
        self.brush_slider.setAccessibleName(self.tr("Brush size"))
        self.brush_label = QLabel()
        self.brush_label.setMinimumWidth(44)
        self._add_labelled(self.tr("Size"), self.brush_slider)
        self.addWidget(self.brush_label)
        self.addSeparator()
        self.addAction(actions["undo"])
        self.addAction(actions["redo"])
        self.addSeparator()
        for key in ("grid", "heat", "fit"):
            self.addAction(actions[key])
        self.addSeparator()
        self.color_button = QToolButton()
        self.color_button.setToolTip(self.tr("Colour of the removed patches on the photo (click to choose)"))
        self.color_button.setAccessibleName(self.tr("Mask colour"))
        self.color_button.setText("  ")
        self._add_labelled(self.tr("Mask"), self.color_button)  # the swatch says "colour"
        self.opacity_slider = QSlider(Qt.Orientation.Horizontal)
        self.opacity_slider.setRange(0, 100)
        self.opacity_slider.setFixedWidth(70)
        self.opacity_slider.setToolTip(self.tr("Opacity of the mask colour on the photo"))
        self.opacity_slider.setAccessibleName(self.tr("Mask opacity"))
        self.opacity_label = QLabel()
        self.opacity_label.setMinimumWidth(36)
        self._add_labelled(self.tr("Opacity"), self.opacity_slider)
        self.addWidget(self.opacity_label)
        self._color = QColor(DEFAULT_MASK_COLOR)

        self.brush_slider.valueChanged.connect(lambda v: self.brush_chosen.emit(float(v)))
        self.color_button.clicked.connect(self.choose_color)
        self.opacity_slider.valueChanged.connect(self._on_opacity_changed)

    def _add_labelled(self, text: str, widget: QWidget) -> QLabel:
        """A label before `widget`, its buddy (the label's tooltip is the widget's)."""
        label = QLabel(text)
        label.setContentsMargins(6, 0, 2, 0)
        label.setBuddy(widget)
        label.setToolTip(widget.toolTip())
        self.addWidget(label)
        self.addWidget(widget)
        return label

    # ---------------------------------------------------------------- brush

    def show_brush(self, radius: float) -> None:
        """Reflect the canvas's brush radius (no brush_chosen echo)."""
        blocked = self.brush_slider.blockSignals(True)
        self.brush_slider.setValue(round(radius))
        self.brush_slider.blockSignals(blocked)
        self.brush_label.setText(self.tr("{radius} px").format(radius=f"{radius:.0f}"))

    # ---------------------------------------------------------------- mask style

    def mask_color(self) -> QColor:
        return QColor(self._color)

    def mask_opacity(self) -> float:
        return self.opacity_slider.value() / 100

    def set_mask_style(self, color: QColor, opacity: float) -> None:
        self._color = QColor(color)
        blocked = self.opacity_slider.blockSignals(True)
        self.opacity_slider.setValue(round(opacity * 100))
        self.opacity_slider.blockSignals(blocked)
        self._show_opacity(self.opacity_slider.value())
        self._show_color()
        self.mask_style_changed.emit(self.mask_color(), self.mask_opacity())

    def choose_color(self) -> None:
        color = QColorDialog.getColor(self._color, self.window(), self.tr("Mask Colour"))
        if color.isValid():
            self.set_mask_style(color, self.mask_opacity())

    def _on_opacity_changed(self, value: int) -> None:
        self._show_opacity(value)
        self.mask_style_changed.emit(self.mask_color(), value / 100)

    def _show_opacity(self, value: int) -> None:
        self.opacity_label.setText(self.tr("{percent}%").format(percent=value))

    def _show_color(self) -> None:
        self.color_button.setStyleSheet(
            f"background-color: {self._color.name()}; min-width: 18px; border: 1px solid #9aa;"
        )
