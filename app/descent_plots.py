"""Plot pieces of the Descent panel: a contour map and one optimiser's trace."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtWidgets import QWidget

from engine.descent import DIVERGED, Descent

# Tableau 10 colours, distinct from each other and from the light contour map.
TRACE_COLOURS = ((31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40),
                 (148, 103, 189), (140, 86, 75), (227, 119, 194), (23, 190, 207))
DIVERGED_COLOUR = (200, 0, 0)
ISOCURVE_COUNT = 14
# Low values white, high values a mid blue, so coloured traces stay readable.
SURFACE_COLOURS = pg.ColorMap([0.0, 0.5, 1.0], [(255, 255, 255), (198, 219, 239), (90, 150, 205)])

# Returns the hover text for a step index.
StepTip = Callable[[int], str]


def drawable_count(points: np.ndarray, limit) -> int:
    """Return how many leading points are finite and within ``limit`` of the origin.

    ``limit`` is one number or one per column of ``points``.
    Points after the first one outside are left out of the plot, so a
    diverging trace never stretches the axes to 1e300.
    """
    inside = np.all(np.isfinite(points), axis=1) & np.all(np.abs(points) <= limit, axis=1)
    outside = np.flatnonzero(~inside)
    return int(outside[0]) if len(outside) else len(points)


class ContourMap(pg.PlotWidget):
    """A surface as an image with isocurves and a colour bar; a click sets the start.

    Colours and isocurves follow log10(f - min f + offset), with the offset
    a thousandth of the value range, so that narrow valleys such as
    Rosenbrock's show structure near the minimum.
    """

    point_clicked = Signal(float, float)

    def __init__(self, x_label: str = "x", y_label: str = "y", parent: QWidget | None = None):
        super().__init__(parent)
        self.setBackground("w")
        # A fixed view: a drag or zoom would move the map under the traces.
        self.setMouseEnabled(False, False)
        self.hideButtons()
        self.setLabel("bottom", x_label)
        self.setLabel("left", y_label)
        self.setMenuEnabled(False)

        self.image = pg.ImageItem(axisOrder="row-major")
        self.addItem(self.image)
        self.colour_bar = pg.ColorBarItem(values=(0, 1), colorMap=SURFACE_COLOURS,
                                          label="log10(f − min f)", interactive=False,
                                          colorMapMenu=False)
        self.colour_bar.setImageItem(self.image, insert_in=self.getPlotItem())
        self.isocurves: list[pg.IsocurveItem] = []
        for _ in range(ISOCURVE_COUNT):
            curve = pg.IsocurveItem(pen=pg.mkPen(120, 120, 120, 140), axisOrder="row-major")
            curve.setParentItem(self.image)
            # The grid samples sit at pixel centres, and the curves use sample indices.
            curve.setPos(0.5, 0.5)
            self.isocurves.append(curve)

        self.minima = pg.ScatterPlotItem(symbol="star", size=14, pen=pg.mkPen("k"),
                                         brush=pg.mkBrush(255, 215, 0))
        self.start_marker = pg.ScatterPlotItem(symbol="o", size=12, pen=pg.mkPen("k", width=2),
                                               brush=pg.mkBrush(255, 255, 255))
        self.addItem(self.minima)
        self.addItem(self.start_marker)

        self.legend = self.addLegend(offset=(-10, -10), brush=pg.mkBrush(255, 255, 255, 210),
                                     labelTextColor="k")
        self.scene().sigMouseClicked.connect(self._clicked)
        self.setToolTip("Click to start every trace from that point.")

    def show_surface(self, xs: np.ndarray, ys: np.ndarray, values: np.ndarray,
                     minima: list[tuple[float, float]]) -> None:
        """Draw ``values`` (len(ys), len(xs)) sampled at xs and ys, with the minima as stars."""
        shade = self._log_values(values)
        low, high = float(shade.min()), float(shade.max())
        self.image.setImage(shade, levels=(low, high), autoLevels=False)
        dx, dy = xs[1] - xs[0], ys[1] - ys[0]
        self.image.setRect(QRectF(xs[0] - dx / 2, ys[0] - dy / 2, xs[-1] - xs[0] + dx,
                                  ys[-1] - ys[0] + dy))
        self.colour_bar.setLevels((low, high))
        for curve, level in zip(self.isocurves, np.linspace(low, high, ISOCURVE_COUNT + 2)[1:-1]):
            curve.setData(shade, level)
        self.minima.setData(pos=np.array(minima).reshape(-1, 2))
        self.setRange(xRange=(xs[0], xs[-1]), yRange=(ys[0], ys[-1]), padding=0)

    def set_start(self, x: float, y: float) -> None:
        self.start_marker.setData(pos=[(x, y)])

    def view_limit(self) -> float:
        """Return the largest coordinate a trace may reach and still be drawn."""
        (x0, x1), (y0, y1) = self.viewRange()
        return 10 * max(abs(x0), abs(x1), abs(y0), abs(y1), 1.0)

    def _log_values(self, values: np.ndarray) -> np.ndarray:
        finite = np.isfinite(values)
        if not finite.any():
            return np.zeros_like(values)
        low, high = values[finite].min(), values[finite].max()
        offset = max((high - low) * 1e-3, 1e-12)
        # Undefined points (e.g. log of a negative number) get the highest colour.
        filled = np.where(finite, values, high)
        return np.log10(filled - low + offset)

    def _clicked(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton or event.double():
            return
        view_box = self.getPlotItem().getViewBox()
        if not view_box.sceneBoundingRect().contains(event.scenePos()):
            return
        point = view_box.mapSceneToView(event.scenePos())
        self.point_clicked.emit(point.x(), point.y())


class TraceItems:
    """One run's path on a plot: a line, hoverable dots and a divergence marker.

    ``update`` redraws the items in place from the run's points. The caller
    picks which coordinates to draw, e.g. (x, y) on a map or (step, f) on a
    loss plot.
    """

    def __init__(self, plot: pg.PlotItem, colour, name: str | None, tip: StepTip,
                 dot_size: int = 5, label_anchor: tuple[float, float] = (0, 1)):
        self.line = pg.PlotDataItem(pen=pg.mkPen(colour, width=2), name=name)
        self.dots = pg.ScatterPlotItem(size=dot_size, pen=pg.mkPen(colour),
                                       brush=pg.mkBrush(colour), hoverable=True,
                                       hoverSize=dot_size + 5,
                                       tip=lambda x, y, data: tip(int(data)))
        self.marker = pg.ScatterPlotItem(symbol="x", size=18,
                                         pen=pg.mkPen(DIVERGED_COLOUR, width=3),
                                         brush=pg.mkBrush(DIVERGED_COLOUR))
        self.label = pg.TextItem(color=DIVERGED_COLOUR, anchor=label_anchor)
        self._label_anchor_y = label_anchor[1]
        self._plot = plot
        for item in (self.line, self.dots, self.marker, self.label):
            plot.addItem(item)
        self._visible = True
        self._diverged_shown = False
        # The run and the number of its points that the dots show.
        self._dots_run: Descent | None = None
        self._dot_count = 0

    def update(self, coordinates: np.ndarray, run: Descent, count: int) -> None:
        """Draw the first ``count`` of ``coordinates`` (steps + 1, 2), the points of ``run``.

        ``count`` usually comes from drawable_count, so a diverging trace ends
        at its last sensible point with a cross and "diverged at step k".
        """
        shown = coordinates[:count]
        self.line.setData(shown[:, 0], shown[:, 1])
        self._update_dots(shown, run)
        diverged = run.status == DIVERGED and count > 0
        if diverged:
            self.marker.setData(pos=shown[-1:])
            self.label.setText(f"diverged at step {run.diverged_at}")
            self.label.setPos(*shown[-1])
            # Text grows away from the nearer side, so it stays inside the plot.
            (x0, x1), _ = self._plot.viewRange()
            anchor_x = 1 if shown[-1, 0] > (x0 + x1) / 2 else 0
            self.label.setAnchor((anchor_x, self._label_anchor_y))
        elif self._diverged_shown:
            self.marker.setData(pos=np.empty((0, 2)))
            self.label.setText("")
        self._diverged_shown = diverged

    def _update_dots(self, shown: np.ndarray, run: Descent) -> None:
        # Only new points are added while the same run grows, because rebuilding every spot
        # took most of a redraw once seven traces had 2,000 points each.
        count = len(shown)
        if run is self._dots_run and count >= self._dot_count:
            if count > self._dot_count:
                self.dots.addPoints(pos=shown[self._dot_count:],
                                    data=np.arange(self._dot_count, count))
        else:
            self.dots.setData(pos=shown, data=np.arange(count))
        self._dots_run = run
        self._dot_count = count

    def set_visible(self, visible: bool) -> None:
        if visible == self._visible:
            return
        self._visible = visible
        for item in (self.line, self.dots, self.marker, self.label):
            item.setVisible(visible)


def step_tip(run: Descent, step: int, names: tuple[str, ...] = ("x", "y")) -> str:
    """Return the hover text for one step of ``run``: point, value, gradient and rate."""
    if step >= len(run.points):
        return ""
    point = run.points[step]
    lines = [f"step {step}"]
    lines += [f"{name} = {value:.6g}" for name, value in zip(names, point)]
    lines.append(f"f = {run.values[step]:.6g}")
    if step < len(run.gradients):
        gradient = ", ".join(f"{g:.4g}" for g in run.gradients[step])
        lines.append(f"gradient = ({gradient})" if len(point) > 1 else f"f′ = {gradient}")
        lines.append(f"learning rate = {run.learning_rates[step]:.4g}")
    return "\n".join(lines)
