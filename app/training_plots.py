"""Live training curves: loss per step and accuracy per epoch."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QVBoxLayout, QWidget

# Weight of the newest value in the exponential moving average of the loss.
SMOOTHING = 0.05


class GrowingSeries:
    """An (x, y) series in preallocated arrays that double when full.

    Appending is O(1) amortised and `view()` returns array views, so plotting
    a long run neither copies Python lists nor re-creates plot items.
    """

    def __init__(self, capacity: int = 1024):
        self._x = np.empty(capacity)
        self._y = np.empty(capacity)
        self.size = 0

    def append(self, x: float, y: float) -> None:
        if self.size == len(self._x):
            self._x = np.resize(self._x, 2 * self.size)
            self._y = np.resize(self._y, 2 * self.size)
        self._x[self.size] = x
        self._y[self.size] = y
        self.size += 1

    def clear(self) -> None:
        self.size = 0

    def view(self) -> tuple[np.ndarray, np.ndarray]:
        return self._x[: self.size], self._y[: self.size]

    def last(self) -> float | None:
        return float(self._y[self.size - 1]) if self.size else None


def make_plot(title: str, x_label: str, y_label: str) -> pg.PlotWidget:
    plot = pg.PlotWidget(title=title)
    plot.setBackground("w")
    plot.setLabel("bottom", x_label)
    plot.setLabel("left", y_label)
    plot.showGrid(x=True, y=True, alpha=0.2)
    plot.addLegend(offset=(-10, 10))
    return plot


class TrainingPlots(QWidget):
    """Loss per step with a smoothed line, and train/test accuracy per epoch."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.loss_plot = make_plot("Training loss", "step", "cross-entropy loss")
        self.loss_plot.setDownsampling(auto=True, mode="peak")
        self.loss_plot.setClipToView(True)
        # Ranges that grow in steps: auto-ranging after every batch would
        # redraw both axes each time, the costliest part of a redraw.
        self.loss_plot.disableAutoRange()
        # A log scale keeps the late, small losses as readable as the first ones.
        self.loss_plot.setLogMode(x=False, y=True)
        self.loss_plot.getAxis("left").setStyle(hideOverlappingLabels=False)
        self._loss_range = None
        self.accuracy_plot = make_plot("Accuracy", "epoch", "accuracy")
        self.accuracy_plot.setYRange(0, 1)

        self.loss = GrowingSeries()
        self.smoothed = GrowingSeries()
        self.train_accuracy = GrowingSeries(64)
        self.test_accuracy = GrowingSeries(64)
        self._accuracy_changed = False
        self._loss_curve = self.loss_plot.plot(pen=pg.mkPen((150, 180, 230), width=1), name="loss")
        self._smooth_curve = self.loss_plot.plot(pen=pg.mkPen((20, 60, 160), width=2), name="smoothed")
        self._train_curve = self.accuracy_plot.plot(
            pen=pg.mkPen((220, 120, 30), width=2), symbol="o", symbolSize=6, name="train")
        self._test_curve = self.accuracy_plot.plot(
            pen=pg.mkPen((30, 140, 60), width=2), symbol="s", symbolSize=6, name="test")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.loss_plot)
        layout.addWidget(self.accuracy_plot)

    def clear(self) -> None:
        for series in (self.loss, self.smoothed, self.train_accuracy, self.test_accuracy):
            series.clear()
        self._loss_range: tuple[float, int, int] | None = None
        self._accuracy_changed = True
        self.redraw()

    def add_loss(self, step: int, value: float) -> None:
        previous = self.smoothed.last()
        smooth = value if previous is None else previous + SMOOTHING * (value - previous)
        self.loss.append(step, value)
        self.smoothed.append(step, smooth)

    def add_accuracy(self, epoch: int, train: float, test: float) -> None:
        self.train_accuracy.append(epoch, train)
        self.test_accuracy.append(epoch, test)
        self._accuracy_changed = True

    def redraw(self) -> None:
        """Push the series into the curves in place; called once per event batch."""
        self._loss_curve.setData(*self.loss.view())
        self._smooth_curve.setData(*self.smoothed.view())
        self._grow_loss_range()
        if not self._accuracy_changed:
            return
        self._accuracy_changed = False
        self._train_curve.setData(*self.train_accuracy.view())
        self._test_curve.setData(*self.test_accuracy.view())
        if self.test_accuracy.size:
            low = min(self.train_accuracy.view()[1].min(), self.test_accuracy.view()[1].min())
            self.accuracy_plot.setYRange(max(0.0, low - 0.05), 1.0, padding=0.02)

    def _grow_loss_range(self) -> None:
        """Widen the ranges only when the data outgrows them.

        Steps double; the loss axis spans whole decades, as log10 exponents.
        """
        if not self.loss.size:
            return
        steps, losses = self.loss.view()
        positive = losses[np.isfinite(losses) & (losses > 0)]
        if not positive.size:
            return
        low = int(np.floor(np.log10(positive.min())))
        high = int(np.ceil(np.log10(positive.max())))
        step_max = 0.0
        if self._loss_range is not None:
            step_max, old_low, old_high = self._loss_range
            if steps[-1] <= step_max and old_low <= low and high <= old_high:
                return
            low, high = min(low, old_low), max(high, old_high)
        while step_max < steps[-1]:
            step_max = max(50.0, 2 * step_max)
        high = max(high, low + 1)
        self._loss_range = (step_max, low, high)
        self.loss_plot.setXRange(0, step_max, padding=0)
        # Room for the top and bottom decade labels, which are dropped at the edge.
        self.loss_plot.setYRange(low, high, padding=0.1)
        # Label whole decades only: a short plot has no room for 2, 3, ... 9.
        decades = [(float(k), f"{10.0**k:g}") for k in range(low, high + 1)]
        self.loss_plot.getAxis("left").setTicks([decades, []])
