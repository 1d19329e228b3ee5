"""The painting canvas: the photo as the model sees it (the fit's frame) with the mask over it,
zoomable.

Scene coordinates are frame pixels: an h x w patch grid of p-pixel patches spans w*p x h*p, so
a mouse position maps straight to a patch cell through core.masks. The canvas does not own the
mask: it emits what the user painted (`cells_painted`) and shows whatever mask it is given
(`set_mask`).
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QMouseEvent,
    QPainter,
    QPen,
    QPixmap,
    QResizeEvent,
    QTransform,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QGraphicsEllipseItem,
    QGraphicsItem,
    QGraphicsPixmapItem,
    QGraphicsRectItem,
    QGraphicsScene,
    QGraphicsView,
    QWidget,
)

from mae_studio.core import masks
from mae_studio.core.grid import Grid, GridLike

from .grid_item import GridItem, MaskItem
from .qimage import rgb_to_qimage
from .view_link import FIT, Region

TOOLS = ("brush", "rect", "toggle")
MIN_ZOOM, MAX_ZOOM = 0.1, 64.0


class MaskCanvas(QGraphicsView):
    cells_painted = Signal(object, bool)  # list[(row, col)], True = removed
    stroke_started = Signal(str)  # undo text of the drag that begins
    stroke_finished = Signal()
    cell_toggled = Signal(int, int)  # row, col
    cell_hovered = Signal(int, int)  # row, col; (-1, -1) when the pointer leaves the image
    zoom_changed = Signal(float)  # screen pixels per model pixel
    region_changed = Signal(object)  # view_link.Region, after the user zoomed, panned or fitted
    brush_changed = Signal(float)  # radius in model pixels

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._scene = QGraphicsScene(self)
        self.setScene(self._scene)
        self.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setBackgroundBrush(QBrush(QColor(24, 26, 30)))
        self.setMouseTracking(True)
        self.setAcceptDrops(False)  # the main window takes dropped files
        self.viewport().setAcceptDrops(False)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

        self._photo = QGraphicsPixmapItem()
        self._photo.setTransformationMode(Qt.TransformationMode.SmoothTransformation)
        self._photo.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)  # scaled once per zoom
        self._mask_item = MaskItem()
        self._mask_item.setZValue(2)
        self._grid = GridItem()
        self._cursor = QGraphicsEllipseItem()
        self._cursor.setZValue(5)
        cursor_pen = QPen(QColor(255, 255, 255, 220), 1.5)
        cursor_pen.setCosmetic(True)
        self._cursor.setPen(cursor_pen)
        self._cursor.setVisible(False)
        self._rubber = QGraphicsRectItem()
        self._rubber.setZValue(6)
        rubber_pen = QPen(QColor(255, 255, 255), 1.5, Qt.PenStyle.DashLine)
        rubber_pen.setCosmetic(True)
        self._rubber.setPen(rubber_pen)
        self._rubber.setVisible(False)
        self._hover_item = QGraphicsRectItem()  # the hovered patch, wherever the pointer is
        self._hover_item.setZValue(4)
        hover_pen = QPen(QColor(255, 255, 255), 1.5)
        hover_pen.setCosmetic(True)
        self._hover_item.setPen(hover_pen)
        self._hover_item.setVisible(False)
        items = (self._photo, self._mask_item, self._grid, self._hover_item, self._cursor, self._rubber)
        for item in items:
            self._scene.addItem(item)

        self._grid_shape = Grid.square(14)
        self._patch = 16
        self._display_size = (224, 224)  # (rows, columns) of the picture shown
        self._frame: tuple[int, int] | None = None  # (H, W) it covers; None: the whole grid
        self._mask = masks.clear(self._grid_shape)
        self._mask_color = QColor("#1e90ff")
        self._mask_item.setOpacity(0.6)
        self.tool = "brush"
        self.eraser = False
        self._radius = 12.0
        self._fit_view = True
        self._drag: str | None = None  # "paint", "rect", "pan"
        self._drag_value = True
        self._last: QPointF | None = None
        self._rect_start: QPointF | None = None
        self._pan_from: QPointF | None = None
        self._space = False
        self._hover = (-1, -1)
        self._set_scene_size(self._grid_shape, 16)
        for bar in (self.horizontalScrollBar(), self.verticalScrollBar()):
            # the value moves after the action: report the region once it has
            bar.actionTriggered.connect(lambda _action: QTimer.singleShot(0, self, self._emit_region))

    # ---------------------------------------------------------------- content

    def set_image(
        self, display: np.ndarray, grid: GridLike, patch_size: int, frame: tuple[int, int] | None = None
    ) -> None:
        """display: uint8 [D_h, D_w, 3], what the model sees at screen resolution, stretched over
        the frame (H, W): by default the grid's h x w patches of patch_size pixels (tiles: the
        photo, whose last cells may be partial)."""
        self._photo.setPixmap(QPixmap.fromImage(rgb_to_qimage(display)))
        self._display_size = display.shape[:2]
        self._frame = frame
        self._set_scene_size(Grid.of(grid), patch_size)

    def set_geometry(self, grid: GridLike, patch_size: int) -> None:
        grid = Grid.of(grid)
        if (grid, patch_size) != (self._grid_shape, self._patch):
            self._set_scene_size(grid, patch_size)

    @property
    def grid(self) -> Grid:
        return self._grid_shape

    def scene_size(self) -> tuple[int, int]:
        """(H, W) of the frame in scene pixels."""
        return self._grid_shape.pixels(self._patch)

    def _set_scene_size(self, grid: Grid, patch_size: int) -> None:
        self._grid_shape, self._patch = grid, patch_size
        height, width = grid.pixels(patch_size)
        self._scene.setSceneRect(QRectF(0, 0, width, height))
        self._grid.set_geometry(grid, patch_size)
        self._mask_item.setScale(patch_size)
        (dh, dw), (fh, fw) = self._display_size, self._frame or (height, width)
        self._photo.setTransform(QTransform.fromScale(fw / dw, fh / dh))  # the frame the model sees
        self._update_cursor_shape()
        self._hover_item.setVisible(False)  # its cell may not exist on the new grid
        if self._fit_view:
            self._fit()

    def set_mask(self, mask: np.ndarray) -> None:
        self._mask = np.asarray(mask, dtype=bool).copy()
        self._mask_item.set_mask(self._mask, self._mask_color)

    def set_mask_style(self, color: QColor, opacity: float) -> None:
        self._mask_color = QColor(color)
        self._mask_item.setOpacity(max(0.0, min(1.0, opacity)))
        self.set_mask(self._mask)

    def set_grid_visible(self, visible: bool) -> None:
        self._grid.setVisible(visible)

    def grid_visible(self) -> bool:
        return self._grid.isVisible()

    # ---------------------------------------------------------------- brush

    @property
    def brush_radius(self) -> float:
        return self._radius

    def set_brush_radius(self, radius: float) -> None:
        self._radius = max(0.0, min(float(radius), min(self.scene_size()) / 2))
        self._update_cursor_shape()
        self.brush_changed.emit(self._radius)

    def set_tool(self, tool: str) -> None:
        if tool not in TOOLS:
            raise ValueError(f"unknown tool '{tool}' (choose from {', '.join(TOOLS)})")
        self.tool = tool
        self._update_cursor_shape()

    def _update_cursor_shape(self) -> None:
        r = self._radius
        self._cursor.setRect(QRectF(-r, -r, 2 * r, 2 * r))
        self._cursor.setVisible(self.tool == "brush" and self._cursor.isVisible())
        self.viewport().setCursor(
            Qt.CursorShape.CrossCursor if self.tool != "brush" else Qt.CursorShape.BlankCursor
        )

    # ---------------------------------------------------------------- zoom

    def zoom(self) -> float:
        return self.transform().m11()

    def fit_to_window(self) -> None:
        """Show the whole frame; linked views follow (view_link: a fit resets every view)."""
        self._fit()
        self.region_changed.emit(FIT)

    def _fit(self) -> None:
        self._fit_view = True
        self.resetTransform()
        self.fitInView(self._fit_rect(), Qt.AspectRatioMode.KeepAspectRatio)
        self.zoom_changed.emit(self.zoom())

    def _fit_rect(self) -> QRectF:
        return self._scene.sceneRect().adjusted(-4, -4, 4, 4)

    def fit_scale(self) -> float:
        """Screen pixels per scene pixel where the frame just fills the view: a region's zoom 1,
        as in the result panels (fit_to_window leaves a small margin around it)."""
        view, (height, width) = self.viewport().rect(), self._frame_size()
        return max(1e-6, min(view.width() / width, view.height() / height))

    def zoom_by(self, factor: float) -> None:
        target = max(MIN_ZOOM, min(MAX_ZOOM, self.zoom() * factor))
        self._fit_view = False
        self.scale(target / self.zoom(), target / self.zoom())
        self.zoom_changed.emit(self.zoom())
        self._emit_region()

    def pan_by(self, dx: float, dy: float) -> None:
        """Move the picture by (dx, dy) screen pixels (as far as the scroll bars go)."""
        self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() - round(dx))
        self.verticalScrollBar().setValue(self.verticalScrollBar().value() - round(dy))
        self._fit_view = False
        self._emit_region()

    def _frame_size(self) -> tuple[float, float]:
        """(H, W) of the picture the regions are normalised by: the frame (tiles: inside the grid)."""
        height, width = self._frame or self.scene_size()
        return float(height), float(width)

    def region(self) -> Region:
        """What the canvas shows, in the picture's normalised coordinates (view_link)."""
        if self._fit_view:
            return FIT
        shown = self.mapToScene(self.viewport().rect()).boundingRect().center()
        height, width = self._frame_size()
        return Region(shown.x() / width, shown.y() / height, self.zoom() / self.fit_scale())

    def set_region(self, region: Region) -> None:
        """Show a region (another view's); emits zoom_changed, not region_changed."""
        if region.is_fit:
            self._fit()
            return
        self._fit_view = False
        scale = max(MIN_ZOOM, min(MAX_ZOOM, region.zoom * self.fit_scale()))
        self.setTransform(QTransform.fromScale(scale, scale))
        height, width = self._frame_size()
        self.centerOn(region.cx * width, region.cy * height)
        self.zoom_changed.emit(self.zoom())

    def _emit_region(self) -> None:
        self.region_changed.emit(self.region())

    # ---------------------------------------------------------------- hover

    def show_hover(self, row: int, col: int) -> None:
        """Outline a patch (the pointer may be over a result panel); (-1, -1): none."""
        h, w = self._grid_shape
        visible = 0 <= row < h and 0 <= col < w
        self._hover_item.setVisible(visible)
        if visible:
            p = self._patch
            self._hover_item.setRect(QRectF(col * p, row * p, p, p))

    def hover_cell(self) -> tuple[int, int]:
        """The outlined patch; (-1, -1): none."""
        if not self._hover_item.isVisible():
            return (-1, -1)
        r = self._hover_item.rect()
        return (int(r.top() // self._patch), int(r.left() // self._patch))

    def wheelEvent(self, event: QWheelEvent) -> None:
        steps = event.angleDelta().y() / 120.0
        if steps:
            self.zoom_by(1.2**steps)
        event.accept()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self._fit_view:
            self._fit()

    # ---------------------------------------------------------------- mouse

    def _cell_at(self, pos: QPointF) -> tuple[int, int]:
        height, width = self.scene_size()
        if not (0 <= pos.x() < width and 0 <= pos.y() < height):
            return (-1, -1)
        return (int(pos.y() // self._patch), int(pos.x() // self._patch))

    def set_space_held(self, held: bool) -> None:
        """Space+drag pans (the main window forwards the key)."""
        self._space = held
        if held:
            self.viewport().setCursor(Qt.CursorShape.OpenHandCursor)
        else:
            self._update_cursor_shape()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        button = event.button()
        pos = self.mapToScene(event.position().toPoint())
        if button == Qt.MouseButton.MiddleButton or (button == Qt.MouseButton.LeftButton and self._space):
            self._drag = "pan"
            self._pan_from = event.position()
            self.viewport().setCursor(Qt.CursorShape.ClosedHandCursor)
            event.accept()
            return
        if button not in (Qt.MouseButton.LeftButton, Qt.MouseButton.RightButton) or self._drag:
            return
        removed = (button == Qt.MouseButton.LeftButton) != self.eraser
        if self.tool == "toggle":
            row, col = self._cell_at(pos)
            if row >= 0:
                self.cell_toggled.emit(row, col)
        elif self.tool == "rect":
            self._drag, self._drag_value, self._rect_start = "rect", removed, pos
            self._rubber.setRect(QRectF(pos, pos))
            self._rubber.setVisible(True)
        else:
            self._drag, self._drag_value, self._last = "paint", removed, pos
            self.stroke_started.emit(self.tr("Brush stroke") if removed else self.tr("Erase stroke"))
            self._emit_cells(
                masks.cells_in_disc(pos.x(), pos.y(), self._radius, self._patch, self._grid_shape)
            )
        event.accept()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        pos = self.mapToScene(event.position().toPoint())
        self._cursor.setPos(pos)
        self._cursor.setVisible(self.tool == "brush" and not self._space)
        cell = self._cell_at(pos)
        if cell != self._hover:
            self._hover = cell
            self.cell_hovered.emit(*cell)
        if self._drag == "pan" and self._pan_from is not None:
            delta = event.position() - self._pan_from
            self._pan_from = event.position()
            self.pan_by(delta.x(), delta.y())
        elif self._drag == "paint" and self._last is not None:
            points = [(self._last.x(), self._last.y()), (pos.x(), pos.y())]
            self._last = pos
            self._emit_cells(masks.cells_along_stroke(points, self._radius, self._patch, self._grid_shape))
        elif self._drag == "rect" and self._rect_start is not None:
            self._rubber.setRect(QRectF(self._rect_start, pos).normalized())
        event.accept()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        drag, self._drag = self._drag, None
        if drag == "pan":
            self.set_space_held(self._space)
        elif drag == "paint":
            self._last = None
            self.stroke_finished.emit()
        elif drag == "rect" and self._rect_start is not None:
            self._rubber.setVisible(False)
            r = self._rubber.rect()
            cells = masks.cells_in_rect(
                r.left(), r.top(), r.right(), r.bottom(), self._patch, self._grid_shape
            )
            self.stroke_started.emit(self.tr("Rectangle") if self._drag_value else self.tr("Erase rectangle"))
            self._emit_cells(cells)
            self.stroke_finished.emit()
            self._rect_start = None
        event.accept()

    def leaveEvent(self, event: object) -> None:
        self._cursor.setVisible(False)
        if self._hover != (-1, -1):
            self._hover = (-1, -1)
            self.cell_hovered.emit(-1, -1)
        super().leaveEvent(event)  # type: ignore[arg-type]

    def _emit_cells(self, cells: set[tuple[int, int]]) -> None:
        if cells:
            self.cells_painted.emit(sorted(cells), self._drag_value)

    def cancel_drag(self) -> None:
        """End a drag the window lost (focus change): closes the stroke."""
        if self._drag in ("paint", "rect"):
            self._rubber.setVisible(False)
            if self._drag == "paint":
                self.stroke_finished.emit()
        self._drag = None
