"""The Draw panel with real mouse strokes on the canvas."""

from __future__ import annotations

import math

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication

from app.draw_panel import DrawPanel
from engine.predictor import Predictor


@pytest.fixture(scope="module")
def predictor():
    return Predictor.from_checkpoint()


@pytest.fixture
def panel(qtbot, predictor):
    widget = DrawPanel(predictor)
    widget.resize(900, 600)
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def send_mouse(widget, kind, point, buttons):
    button = Qt.MouseButton.LeftButton if kind != QMouseEvent.Type.MouseMove else Qt.MouseButton.NoButton
    event = QMouseEvent(kind, QPointF(point), widget.mapToGlobal(QPointF(point)), button, buttons,
                        Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, event)


def drag(canvas, points):
    """Press at the first point, move through the rest and release, as a user would."""
    left_button = Qt.MouseButton.LeftButton
    send_mouse(canvas, QMouseEvent.Type.MouseButtonPress, points[0], left_button)
    for point in points[1:]:
        send_mouse(canvas, QMouseEvent.Type.MouseMove, point, left_button)
    send_mouse(canvas, QMouseEvent.Type.MouseButtonRelease, points[-1], Qt.MouseButton.NoButton)


def on_canvas(canvas, fx, fy):
    """Widget coordinates of a point given as fractions of the drawing square."""
    side = min(canvas.width(), canvas.height())
    left = (canvas.width() - side) / 2
    top = (canvas.height() - side) / 2
    return QPoint(round(left + fx * side), round(top + fy * side))


def test_empty_canvas_shows_hint(panel):
    assert panel.last_prediction is None
    assert "Draw" in panel.detail.text()
    assert panel.verdict.text() == "?"


def test_vertical_stroke_reads_one(panel):
    canvas = panel.canvas
    drag(canvas, [on_canvas(canvas, 0.5, 0.15 + 0.07 * i) for i in range(11)])
    assert panel.last_prediction is not None
    assert panel.last_prediction.digit == 1
    assert panel.verdict.text() == "1"


def test_loop_reads_zero(panel):
    canvas = panel.canvas
    points = [
        on_canvas(canvas, 0.5 + 0.22 * math.sin(t), 0.5 - 0.32 * math.cos(t))
        for t in [2 * math.pi * i / 40 for i in range(41)]
    ]
    drag(canvas, points)
    assert panel.last_prediction.digit == 0


def test_prediction_updates_while_drawing(panel):
    canvas = panel.canvas
    left_button = Qt.MouseButton.LeftButton
    send_mouse(canvas, QMouseEvent.Type.MouseButtonPress, on_canvas(canvas, 0.5, 0.2), left_button)
    send_mouse(canvas, QMouseEvent.Type.MouseMove, on_canvas(canvas, 0.5, 0.8), left_button)
    assert panel.last_prediction is not None
    send_mouse(canvas, QMouseEvent.Type.MouseButtonRelease, on_canvas(canvas, 0.5, 0.8), Qt.MouseButton.NoButton)


def test_escape_clears(panel, qtbot):
    canvas = panel.canvas
    drag(canvas, [on_canvas(canvas, 0.5, 0.2), on_canvas(canvas, 0.5, 0.8)])
    qtbot.keyClick(panel, Qt.Key.Key_Escape)
    assert canvas.is_empty()
    assert panel.last_prediction is None


def test_undo_removes_last_stroke(panel, qtbot):
    canvas = panel.canvas
    drag(canvas, [on_canvas(canvas, 0.5, 0.2), on_canvas(canvas, 0.5, 0.8)])
    drag(canvas, [on_canvas(canvas, 0.3, 0.5), on_canvas(canvas, 0.7, 0.5)])
    qtbot.keyClick(panel, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert len(canvas.strokes) == 1
    assert panel.last_prediction.digit == 1


def test_strokes_are_joined(panel):
    canvas = panel.canvas
    drag(canvas, [on_canvas(canvas, 0.1, 0.5), on_canvas(canvas, 0.9, 0.5)])
    row = canvas.to_array()[140]
    assert row[60:220].min() > 0.9


def test_loaded_digit_is_read(panel, digits):
    index = int((digits.test_labels == 7).nonzero()[0][0])
    panel.load_digit(digits.test_images[index])
    assert panel.last_prediction.digit == 7
