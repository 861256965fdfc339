"""A square drawing canvas: light ink on a dark page, strokes kept for undo."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal, Slot
from PySide6.QtGui import QColor, QImage, QMouseEvent, QPainter, QPainterPath, QPen, QTabletEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

CANVAS_SIZE = 280
# About a tenth of the canvas: after scaling a canvas-high digit to MNIST's
# 20-pixel box, the stroke is two to three pixels wide, like MNIST's.
PEN_WIDTH = 22.0
INK = QColor(255, 255, 255)
PAGE = QColor(0, 0, 0)


class DrawingCanvas(QWidget):
    """Draws strokes with the mouse or a tablet pen into a 280x280 grey image.

    The image lives in canvas coordinates whatever size the widget is shown
    at. Each stroke is a list of points; the image is re-rendered from them on
    undo, and extended by one segment per mouse move while drawing.
    """

    drawing_changed = Signal()
    stroke_finished = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(200, 200)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setToolTip("Draw a digit with the mouse. Esc or Delete clears, Ctrl+Z undoes a stroke.")
        self.strokes: list[list[QPointF]] = []
        self._image = QImage(CANVAS_SIZE, CANVAS_SIZE, QImage.Format.Format_Grayscale8)
        self._image.fill(PAGE)
        self._drawing = False
        # A loaded picture (e.g. a test digit) under the strokes, or None.
        self._background: QImage | None = None

    def sizeHint(self) -> QSize:
        return QSize(CANVAS_SIZE * 2, CANVAS_SIZE * 2)

    def is_empty(self) -> bool:
        return not self.strokes and self._background is None

    def to_array(self) -> np.ndarray:
        """Return the drawing as a (280, 280) float32 array, ink 1, page 0."""
        pointer = self._image.constBits()
        rows = np.frombuffer(pointer, dtype=np.uint8).reshape(CANVAS_SIZE, self._image.bytesPerLine())
        return rows[:, :CANVAS_SIZE].astype(np.float32) / 255.0

    @Slot()
    def clear(self) -> None:
        self.strokes.clear()
        self._background = None
        self._render()

    @Slot()
    def undo(self) -> None:
        """Remove the last stroke, or the loaded picture once no stroke is left."""
        if self.strokes:
            self.strokes.pop()
        else:
            self._background = None
        self._render()

    def load_array(self, grey: np.ndarray) -> None:
        """Replace the drawing by a light-on-dark image, e.g. a test digit.

        The image becomes the background that later strokes draw over.
        """
        source = np.ascontiguousarray(np.clip(grey, 0, 1) * 255, dtype=np.uint8)
        picture = QImage(source.data, source.shape[1], source.shape[0], source.shape[1],
                         QImage.Format.Format_Grayscale8)
        background = QImage(CANVAS_SIZE, CANVAS_SIZE, QImage.Format.Format_Grayscale8)
        background.fill(PAGE)
        painter = QPainter(background)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.drawImage(QRectF(0, 0, CANVAS_SIZE, CANVAS_SIZE), picture)
        painter.end()
        self.strokes.clear()
        self._background = background
        self._render()

    def draw_stroke(self, points: list[tuple[float, float]]) -> None:
        """Add a stroke through canvas-coordinate points, as a mouse would draw it."""
        if not points:
            return
        self.strokes.append([QPointF(*points[0])])
        self._extend_to(QPointF(*points[0]))
        for x, y in points[1:]:
            self._extend_to(QPointF(x, y))
        self.stroke_finished.emit()

    def draw_example(self) -> None:
        """Draw a hand-made "3", for screenshots and demonstrations."""
        top = [(95 + 80 * np.sin(t), 105 - 45 * np.cos(t)) for t in np.linspace(-1.2, 2.4, 14)]
        bottom = [(100 + 85 * np.sin(t), 185 - 50 * np.cos(t)) for t in np.linspace(0.6, 4.3, 16)]
        self.draw_stroke(top + bottom)

    # Drawing ----------------------------------------------------------------

    def _to_canvas(self, position: QPointF) -> QPointF:
        side = self._side()
        origin = self._origin(side)
        scale = CANVAS_SIZE / side
        return QPointF((position.x() - origin.x()) * scale, (position.y() - origin.y()) * scale)

    def _begin(self, position: QPointF) -> None:
        self._drawing = True
        point = self._to_canvas(position)
        self.strokes.append([point])
        self._paint_segment(point, point)

    def _extend(self, position: QPointF) -> None:
        self._extend_to(self._to_canvas(position))

    def _extend_to(self, point: QPointF) -> None:
        stroke = self.strokes[-1]
        # Qt delivers one event per frame at most, so fast strokes arrive as
        # far-apart points: drawing a line between them keeps the stroke whole.
        self._paint_segment(stroke[-1], point)
        stroke.append(point)

    def _finish(self) -> None:
        self._drawing = False
        self.stroke_finished.emit()

    def _paint_segment(self, start: QPointF, end: QPointF) -> None:
        painter = self._ink_painter()
        if start == end:
            painter.drawPoint(start)
        else:
            painter.drawLine(start, end)
        painter.end()
        self.update()
        self.drawing_changed.emit()

    def _ink_painter(self) -> QPainter:
        painter = QPainter(self._image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        pen = QPen(INK, PEN_WIDTH, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap,
                   Qt.PenJoinStyle.RoundJoin)
        painter.setPen(pen)
        return painter

    def _render(self) -> None:
        """Redraw the image from the stroke list (after undo or clear)."""
        if self._background is not None:
            self._image = self._background.copy()
        else:
            self._image.fill(PAGE)
        painter = self._ink_painter()
        for stroke in self.strokes:
            if len(stroke) == 1:
                painter.drawPoint(stroke[0])
            else:
                path = QPainterPath(stroke[0])
                for point in stroke[1:]:
                    path.lineTo(point)
                painter.drawPath(path)
        painter.end()
        self.update()
        self.drawing_changed.emit()

    # Qt events --------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._begin(event.position())

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._drawing and event.buttons() & Qt.MouseButton.LeftButton:
            self._extend(event.position())

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._drawing and event.button() == Qt.MouseButton.LeftButton:
            self._finish()

    def tabletEvent(self, event: QTabletEvent) -> None:
        kind = event.type()
        if kind == QTabletEvent.Type.TabletPress:
            self._begin(event.position())
        elif kind == QTabletEvent.Type.TabletMove and self._drawing:
            self._extend(event.position())
        elif kind == QTabletEvent.Type.TabletRelease and self._drawing:
            self._finish()
        event.accept()

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), self.palette().window())
        side = self._side()
        target = QRectF(self._origin(side), QSize(side, side).toSizeF())
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.drawImage(target, self._image)
        painter.setPen(QPen(QColor(90, 90, 90), 1))
        painter.drawRect(target.adjusted(0, 0, -1, -1))
        if self.is_empty():
            painter.setPen(QColor(170, 170, 170))
            painter.drawText(target, Qt.AlignmentFlag.AlignCenter, "Draw a digit here")
        painter.end()

    def _side(self) -> int:
        return max(1, min(self.width(), self.height()))

    def _origin(self, side: int) -> QPointF:
        return QPointF((self.width() - side) / 2, (self.height() - side) / 2)
