"""Latency from a mouse-move event on the canvas to updated probabilities.

Runs the real Draw panel offscreen, sends mouse-move events along a stroke
and times each from the moment the event is sent until the panel has shown
the new probabilities (its `prediction_changed` signal). In the same run it
times a bare forward pass of the same model on one 28x28 image. Prints the
median and 95th percentile of both, in milliseconds.

    QT_QPA_PLATFORM=offscreen python benchmarks/latency.py [--moves N] [--runs R]
"""

from __future__ import annotations

import argparse
import math
import os
import time

import numpy as np
import torch

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QPointF, Qt  # noqa: E402
from PySide6.QtGui import QMouseEvent  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from app.draw_panel import DrawPanel  # noqa: E402
from engine.predictor import Predictor  # noqa: E402


def mouse(widget, kind, point: QPointF, buttons) -> None:
    button = Qt.MouseButton.NoButton if kind == QMouseEvent.Type.MouseMove else Qt.MouseButton.LeftButton
    event = QMouseEvent(kind, point, widget.mapToGlobal(point), button, buttons, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, event)


def time_moves(app: QApplication, panel: DrawPanel, moves: int) -> list[float]:
    """Draw one loop of `moves` mouse moves; return each move's latency in ms."""
    canvas = panel.canvas
    canvas.clear()
    done = []
    panel.prediction_changed.connect(lambda _: done.append(time.perf_counter()))
    centre, radius = QPointF(canvas.width() / 2, canvas.height() / 2), canvas.height() / 3
    left_button = Qt.MouseButton.LeftButton
    mouse(canvas, QMouseEvent.Type.MouseButtonPress, centre + QPointF(0, -radius), left_button)
    latencies = []
    for i in range(1, moves + 1):
        angle = 2 * math.pi * i / moves
        point = centre + QPointF(radius * math.sin(angle), -radius * math.cos(angle))
        done.clear()
        start = time.perf_counter()
        mouse(canvas, QMouseEvent.Type.MouseMove, point, left_button)
        latencies.append((done[-1] - start) * 1000)
        app.processEvents()
    mouse(canvas, QMouseEvent.Type.MouseButtonRelease, centre, Qt.MouseButton.NoButton)
    panel.prediction_changed.disconnect()
    return latencies


def time_forward(model: torch.nn.Module, count: int) -> list[float]:
    image = torch.rand(1, 1, 28, 28)
    times = []
    with torch.inference_mode():
        for _ in range(count):
            start = time.perf_counter()
            torch.softmax(model(image), dim=1)
            times.append((time.perf_counter() - start) * 1000)
    return times


def summary(values: list[float]) -> str:
    return f"median={np.median(values):.2f} p95={np.percentile(values, 95):.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--moves", type=int, default=200, help="mouse moves per run")
    parser.add_argument("--runs", type=int, default=5, help="runs; the figures pool all of them")
    args = parser.parse_args()

    app = QApplication.instance() or QApplication([])
    predictor = Predictor.from_checkpoint()
    panel = DrawPanel(predictor)
    panel.resize(1000, 650)
    panel.show()
    app.processEvents()

    time_moves(app, panel, 20)  # warm-up
    time_forward(predictor.model, 20)
    event_ms, forward_ms = [], []
    for _ in range(args.runs):
        event_ms += time_moves(app, panel, args.moves)
        forward_ms += time_forward(predictor.model, args.moves)
    print(f"torch threads: {torch.get_num_threads()}, samples: {len(event_ms)}")
    print(f"bare forward pass (ms):        {summary(forward_ms)}")
    print(f"mouse move to probabilities (ms): {summary(event_ms)}")
    print(f"event_p95_ms={np.percentile(event_ms, 95):.2f} forward_p95_ms={np.percentile(forward_ms, 95):.2f}")


if __name__ == "__main__":
    main()
