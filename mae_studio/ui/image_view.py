"""One result picture: its title above, an optional caption below, zoom and pan (linked to the
other views through view_link), the hovered patch outlined and its value read out."""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import QPointF, QRect, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QImage, QMouseEvent, QPainter, QPaintEvent, QPen, QWheelEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

from .view_link import FIT, Region, clamp_centre, clamp_zoom

MIN_SIDE = (100, 90)  # the smallest a view gets (thumbnails, a small window)


def elided(widget: QWidget, text: str, width: float) -> str:
    """`text` shortened with an ellipsis to fit `width` pixels in the widget's font."""
    return widget.fontMetrics().elidedText(text, Qt.TextElideMode.ElideRight, max(0, int(width)))


class ImageView(QWidget):
    """One image at its own aspect, scaled to fit under its title, zoomable (wheel) and pannable
    (any drag), with an optional per-patch heat map and a hover read-out."""

    patch_hovered = Signal(int, int)  # the patch under the pointer here: row, col; (-1, -1) when leaving
    region_changed = Signal(object)  # Region, after the user zoomed or panned here
    clicked = Signal()  # a left click without a drag (a thumbnail is chosen)
    double_clicked = Signal()

    def __init__(
        self,
        title: str = "",
        valign: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignVCenter,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._valign = valign  # where the picture sits when the view is taller than it needs
        self.setMouseTracking(True)
        self.setMinimumSize(*MIN_SIDE)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self._title = title
        self._caption = ""
        self._tip = ""
        self._image: QImage | None = None
        self._heat: QImage | None = None
        self._values: np.ndarray | None = None  # float32 [h, w] per-patch MSE for the read-out
        self._extent = (1.0, 1.0)  # how far the grid reaches over the picture (tiles: a bit beyond)
        self._hover = (-1, -1)  # the outlined patch (any view's pointer)
        self._pointer_here = False  # the pointer is over this view: it shows the read-out
        self._region = FIT
        self._space = False
        self._drag_from: QPointF | None = None
        self._dragged = False
        self._placeholder = self.tr("No result yet")

    # ---------------------------------------------------------------- content

    def set_valign(self, valign: Qt.AlignmentFlag) -> None:
        self._valign = valign
        self.update()

    def set_title(self, title: str) -> None:
        self._title = title
        self._update_tip()
        self.update()

    def title(self) -> str:
        return self._title

    def shown_title(self) -> str:
        """The title as painted: elided to the view's width."""
        return elided(self, self._title, self.width() - 4)

    def set_caption(self, caption: str, tip: str = "") -> None:
        """A line under the picture (elided), and a longer explanation for the tooltip."""
        self._caption, self._tip = caption, tip
        self._update_tip()
        self.update()

    def caption(self) -> str:
        return self._caption

    def _update_tip(self) -> None:
        self.setToolTip("\n".join(t for t in (self._title, self._tip) if t))

    def set_image(self, image: QImage | None) -> None:
        self._image = image
        self.update()

    def image(self) -> QImage | None:
        return self._image

    def set_values(self, values: np.ndarray | None, extent: tuple[float, float] = (1.0, 1.0)) -> None:
        """Per-patch values [h, w] that hovering reads out. `extent`: the grid's height and width
        over the picture's (tiles: the last row and column of cells are partial, so > 1)."""
        self._values = None if values is None else np.asarray(values, dtype=np.float32)
        self._extent = extent
        self.update()

    def set_heat(self, heat: QImage | None) -> None:
        """A [h, w] colour image drawn over the picture, one flat colour per patch, at its own alpha
        (core.heatmap.HeatLayer: the sheets blend the same layer the same way)."""
        self._heat = heat
        self.update()

    def set_placeholder(self, text: str) -> None:
        self._placeholder = text
        self.update()

    def aspect(self) -> float:
        """Width over height of what is shown: the image, else the patch grid, else square."""
        if self._image is not None and not self._image.isNull():
            return self._image.width() / self._image.height()
        if self._values is not None:
            h, w = self._values.shape
            return w / h
        return 1.0

    # ---------------------------------------------------------------- geometry

    def line_heights(self) -> tuple[int, int]:
        """Heights of the title line above the picture and the caption line below it (kept in
        every view, so pictures side by side have one size)."""
        height = self.fontMetrics().height()
        return height + 6, height + 4

    def target_rect(self) -> QRectF:
        """The picture's frame: the largest rectangle of its aspect between title and caption
        (the whole picture at fit; zoomed in, the part shown)."""
        title, caption = self.line_heights()
        aspect = self.aspect()
        width = max(1.0, min(self.width() - 2.0, (self.height() - title - caption) * aspect))
        height = max(1.0, width / aspect)
        spare = self.height() - height - title - caption
        if self._valign == Qt.AlignmentFlag.AlignTop:
            spare = 0
        elif self._valign != Qt.AlignmentFlag.AlignBottom:
            spare /= 2
        return QRectF((self.width() - width) / 2, spare + title, width, height)

    def region(self) -> Region:
        """The region shown, its centre kept on the picture (view_link.clamp_centre)."""
        zoom = self._region.zoom
        return Region(clamp_centre(self._region.cx, 1 / zoom), clamp_centre(self._region.cy, 1 / zoom), zoom)

    def set_region(self, region: Region) -> None:
        self._region = Region(region.cx, region.cy, clamp_zoom(region.zoom))
        self.update()

    def picture_rect(self) -> QRectF:
        """Where the whole picture lies at the current zoom and pan (beyond the frame when zoomed)."""
        frame, r = self.target_rect(), self.region()
        width, height = frame.width() * r.zoom, frame.height() * r.zoom
        centre = frame.center()
        return QRectF(centre.x() - r.cx * width, centre.y() - r.cy * height, width, height)

    def grid_rect(self) -> QRectF:
        """Where the patch grid lies: the picture's rectangle, stretched by the extent."""
        r = self.picture_rect()
        return QRectF(r.left(), r.top(), r.width() * self._extent[1], r.height() * self._extent[0])

    def cell_at(self, pos: QPointF) -> tuple[int, int]:
        if self._values is None or not self.target_rect().contains(pos):
            return (-1, -1)
        if not self.picture_rect().contains(pos):
            return (-1, -1)
        h, w = self._values.shape
        g = self.grid_rect()
        row = min(h - 1, int((pos.y() - g.top()) / g.height() * h))
        col = min(w - 1, int((pos.x() - g.left()) / g.width() * w))
        return (row, col)

    # ---------------------------------------------------------------- hover

    def show_hover(self, row: int, col: int) -> None:
        """Outline a patch (the pointer may be over another view); (-1, -1): none."""
        if (row, col) == self._hover:
            return
        old, self._hover = self._hover, (row, col)
        if self._pointer_here or self._image is None:
            self.update()  # the read-out box changes too
            return
        # only the two outlines: a brush stroke over the canvas moves the outline in every view,
        # and a whole repaint rescales the picture each time
        for cell in (old, self._hover):
            if (rect := self._cell_rect(*cell)) is not None:
                self.update(rect.adjusted(-2, -2, 2, 2).toAlignedRect())

    def _cell_rect(self, row: int, col: int) -> QRectF | None:
        """Where a patch's outline is drawn, in widget pixels; None when none is drawn."""
        if self._values is None or row < 0 or col < 0:
            return None
        h, w = self._values.shape
        grid = self.grid_rect()
        cw, ch = grid.width() / w, grid.height() / h
        return QRectF(grid.left() + col * cw, grid.top() + row * ch, cw, ch)

    def hover_cell(self) -> tuple[int, int]:
        return self._hover

    def hovered_text(self) -> str:
        row, col = self._hover
        if self._values is None or row < 0 or row >= self._values.shape[0] or col >= self._values.shape[1]:
            return ""
        mse = f"{self._values[row, col]:.5f}"
        return self.tr("patch ({row}, {col}) · MSE {mse}").format(row=row, col=col, mse=mse)

    # ---------------------------------------------------------------- paint

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        frame = self.target_rect()
        title_h, caption_h = self.line_heights()
        dirty = QRectF(event.rect())  # a moved hover outline: a few cells, no text to lay out
        p.setPen(self.palette().text().color())
        title_box = QRectF(2, frame.top() - title_h, self.width() - 4, title_h - 2)
        if dirty.intersects(title_box):
            p.drawText(
                title_box, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom, self.shown_title()
            )
        caption_box = QRectF(2, frame.bottom() + 2, self.width() - 4, caption_h - 2)
        if self._caption and dirty.intersects(caption_box):
            p.setPen(QColor(160, 164, 170))
            shown = elided(self, self._caption, caption_box.width())
            p.drawText(caption_box, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop, shown)
        if self._image is None:
            p.fillRect(frame, QColor(255, 255, 255, 12))
            p.setPen(QColor(150, 150, 150))
            p.drawText(frame, Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self._placeholder)
            return
        p.setClipRect(frame)
        picture = self.picture_rect()
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
        self._draw_visible_part(p, frame, picture)
        grid = self.grid_rect()
        if self._heat is not None:
            p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)  # crisp patches
            p.drawImage(grid, self._heat)
        outline = self._cell_rect(*self._hover)
        if outline is not None:
            p.setPen(QPen(QColor(255, 255, 255), 1.5))
            p.drawRect(outline)
            p.setClipping(False)
            if self._pointer_here:
                self._draw_read_out(p, frame)

    def _draw_visible_part(self, p: QPainter, frame: QRectF, picture: QRectF) -> None:
        """Only the part of the picture inside the frame: a deep zoom scales a few pixels."""
        assert self._image is not None
        shown = frame.intersected(picture)
        if shown.isEmpty():
            return
        sx, sy = self._image.width() / picture.width(), self._image.height() / picture.height()
        source = QRectF(
            (shown.left() - picture.left()) * sx,
            (shown.top() - picture.top()) * sy,
            shown.width() * sx,
            shown.height() * sy,
        )
        p.drawImage(shown, self._image, source)

    def _draw_read_out(self, p: QPainter, frame: QRectF) -> None:
        text = elided(self, self.hovered_text(), frame.width() - 20)
        metrics = p.fontMetrics()
        box = QRect(0, 0, metrics.horizontalAdvance(text) + 12, metrics.height() + 6)
        box.moveBottomLeft(frame.bottomLeft().toPoint() + QPointF(4, -4).toPoint())
        p.fillRect(box, QColor(0, 0, 0, 180))
        p.setPen(QColor(255, 255, 255))
        p.drawText(box, Qt.AlignmentFlag.AlignCenter, text)

    # ---------------------------------------------------------------- zoom and pan

    def zoom_at(self, factor: float, pos: QPointF | None = None) -> None:
        """Zoom by `factor` keeping the picture point under `pos` (default: the centre) in place."""
        frame, picture, old = self.target_rect(), self.picture_rect(), self.region()
        pos = frame.center() if pos is None else pos
        u = (pos.x() - picture.left()) / picture.width()  # the picture point under pos
        v = (pos.y() - picture.top()) / picture.height()
        zoom = clamp_zoom(old.zoom * factor)
        width, height = frame.width() * zoom, frame.height() * zoom
        cx = (frame.center().x() - (pos.x() - u * width)) / width
        cy = (frame.center().y() - (pos.y() - v * height)) / height
        self._user_moved(Region(cx, cy, zoom))

    def pan_by(self, dx: float, dy: float) -> None:
        """Move the picture by (dx, dy) screen pixels."""
        picture, r = self.picture_rect(), self.region()
        self._user_moved(Region(r.cx - dx / picture.width(), r.cy - dy / picture.height(), r.zoom))

    def _user_moved(self, region: Region) -> None:
        before = self.region()
        self.set_region(region)
        if self.region() != before:  # a drag on a fitted picture moves nothing: nothing to follow
            self.region_changed.emit(self.region())

    def set_space_held(self, held: bool) -> None:
        """Space+drag pans, as on the canvas (any drag pans here, since nothing is painted)."""
        self._space = held
        self.setCursor(Qt.CursorShape.OpenHandCursor if held else Qt.CursorShape.ArrowCursor)

    def wheelEvent(self, event: QWheelEvent) -> None:
        steps = event.angleDelta().y() / 120.0
        if steps and self._image is not None:
            self.zoom_at(1.2**steps, event.position())
        event.accept()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() in (Qt.MouseButton.LeftButton, Qt.MouseButton.MiddleButton):
            self._drag_from, self._dragged = event.position(), False
            event.accept()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        pos = event.position()
        self._pointer_here = True
        if self._drag_from is not None:
            delta = pos - self._drag_from
            if self._dragged or abs(delta.x()) + abs(delta.y()) > 3:
                self._dragged = True
                self._drag_from = pos
                self.setCursor(Qt.CursorShape.ClosedHandCursor)
                self.pan_by(delta.x(), delta.y())
        cell = self.cell_at(pos)
        if cell != self._hover:
            self._hover = cell
            self.patch_hovered.emit(*cell)
        self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._drag_from is not None and not self._dragged and event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit()
        self._drag_from = None
        self.set_space_held(self._space)
        event.accept()

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.double_clicked.emit()
        event.accept()

    def leaveEvent(self, event: Any) -> None:
        self._pointer_here = False
        if self._hover != (-1, -1):
            self._hover = (-1, -1)
            self.patch_hovered.emit(-1, -1)
        self.update()
        super().leaveEvent(event)
