"""The curve plot of the 1-D view: f(x), the path of x, the tangent and a draggable start."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import torch
from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import QWidget

from app.descent_plots import TRACE_COLOURS, StepTip, TraceItems, drawable_count
from engine.descent import Descent
from engine.expression import Expression

CURVE_SAMPLES = 600
# Points further than this many times max(1, |start|) from the start are not drawn.
TAME_REACH = 20
# Larger values are not drawn, because they belong to a blow-up and would only stretch the axes.
MAX_DRAWN_VALUE = 1e15
PATH_COLOUR = TRACE_COLOURS[0]
TANGENT_COLOUR = (255, 127, 14)


def drawable_path_count(path: np.ndarray) -> int:
    """Return how many leading (x, f) points of ``path`` to draw, at least the start."""
    start = path[0, 0]
    shifted = path - np.array([start, 0.0])
    limits = np.array([TAME_REACH * max(1.0, abs(start)), MAX_DRAWN_VALUE])
    return max(drawable_count(shifted, limits), 1)


def tame_range(points: list[np.ndarray], start: float) -> tuple[float, float]:
    """Return the x range of the points that belong in the view.

    Points more than TAME_REACH start-widths from the start belong to a
    divergence and would squash the curve into a line.
    """
    xs = np.array(points)[:, 0]
    reach = TAME_REACH * max(1.0, abs(start))
    tame = xs[np.isfinite(xs) & (np.abs(xs - start) <= reach)]
    return float(tame.min()), float(tame.max())


class CurvePlot(pg.PlotWidget):
    """f(x) resampled to the visible range, with the run's path and the tangent at its end.

    A click or a drag of the white circle emits ``start_moved`` with the new x.
    """

    start_moved = Signal(float)

    def __init__(self, function: Expression, tip: StepTip, parent: QWidget | None = None):
        super().__init__(parent, background="w")
        self.function = function
        self.setLabel("bottom", "x")
        self.setLabel("left", "f(x)")
        self.setToolTip("Click or drag the white circle to move the start point. "
                        "Hover a dot to read its step.")
        self.curve = self.plot(pen=pg.mkPen("k", width=2))
        self.tangent = self.plot(pen=pg.mkPen(TANGENT_COLOUR, width=2,
                                              style=Qt.PenStyle.DashLine))
        self.path = TraceItems(self.getPlotItem(), PATH_COLOUR, None, tip, dot_size=7)
        self.start_handle = pg.TargetItem(size=14, symbol="o", pen=pg.mkPen("k", width=2),
                                          brush=pg.mkBrush(255, 255, 255))
        self.addItem(self.start_handle)
        self.start_handle.sigPositionChanged.connect(self._handle_dragged)
        self.scene().sigMouseClicked.connect(self._clicked)
        self.getViewBox().sigXRangeChanged.connect(self.sample_curve)
        # The highest f on the drawn path, so the f range can stop there.
        self._path_top: float | None = None

    def set_function(self, function: Expression) -> None:
        self.function = function
        self.sample_curve()

    def show_run(self, run: Descent, path: np.ndarray, count: int) -> None:
        """Draw the first ``count`` (x, f) points of ``path``, the tangent and the start."""
        self._path_top = float(path[:count, 1].max())
        (x0, x1), (_, y1) = self.viewRange()
        if path[:count, 0].min() < x0 or path[:count, 0].max() > x1:
            self.fit([list(p) for p in path[:count, :1]], path[0, 0])
        elif self._path_top > y1:
            self.sample_curve()
        self.path.update(path, run, count)
        self._draw_tangent(run, path[count - 1])
        self.start_handle.blockSignals(True)
        self.start_handle.setPos(path[0, 0], path[0, 1])
        self.start_handle.blockSignals(False)

    def fit(self, points: list, start: float) -> None:
        """Fit the x range to the tame part of ``points`` (each an (x, ...) sequence)."""
        low, high = tame_range(points, start)
        pad = max(1.0, 0.5 * (high - low))
        self.setXRange(low - pad, high + pad, padding=0)
        self.sample_curve()

    @Slot()
    def sample_curve(self) -> None:
        (x0, x1), _ = self.viewRange()
        xs = torch.linspace(x0, x1, CURVE_SAMPLES, dtype=torch.float64)
        with torch.no_grad():
            ys = self.function(xs).numpy()
        ys = np.where(np.isfinite(ys), ys, np.nan)
        self.curve.setData(xs.numpy(), ys, connect="finite")
        self._fit_values(ys[np.isfinite(ys)])

    def _fit_values(self, curve_values: np.ndarray) -> None:
        """Fit the f range from the curve's lowest point up to the path's highest.

        The curve above the path is cut off, because on a quartic it would
        flatten the part of the curve the path moves along.
        """
        if not len(curve_values):
            return
        low, high = float(curve_values.min()), float(curve_values.max())
        if self._path_top is not None:
            high = min(high, max(self._path_top, low + 1e-9))
        span = max(high - low, 1e-9)
        self.setYRange(low - 0.05 * span, high + 0.1 * span, padding=0)

    def _draw_tangent(self, run: Descent, point: np.ndarray) -> None:
        x, value = point
        slope = float(run.gradient_at([x])[0])
        (x0, x1), _ = self.viewRange()
        half = 0.15 * (x1 - x0)
        self.tangent.setData([x - half, x + half], [value - slope * half, value + slope * half])

    @Slot(object)
    def _handle_dragged(self, handle: pg.TargetItem) -> None:
        self.start_moved.emit(float(handle.pos().x()))

    def _clicked(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton or event.double():
            return
        view_box = self.getViewBox()
        if view_box.sceneBoundingRect().contains(event.scenePos()):
            self.start_moved.emit(view_box.mapSceneToView(event.scenePos()).x())
