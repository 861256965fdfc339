"""The plots of the Initialisation panel, one curve or histogram per scheme, updated in place."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QWidget

from engine.init_statistics import Histogram
from engine.initialization import SCHEME_FORMULAS, SCHEMES

SCHEME_COLOURS = {
    "normal": (214, 39, 40),
    "small": (148, 103, 189),
    "xavier": (31, 119, 180),
    "glorot": (23, 170, 190),
    "glorot-uniform": (44, 160, 44),
    "he": (255, 127, 14),
    "orthogonal": (140, 86, 75),
}
PREDICTION_COLOUR = (110, 110, 110)
# Weight of the previous value in the loss's exponential moving average,
# which averages over about 1 / (1 - 0.9) = 10 steps.
SMOOTHING = 0.9
TRAINING_TITLE = "Train with it: training loss"
# The loss axis stops here, so that a diverging scheme's first losses of 1e12
# and more do not flatten the curves that learn. Chance level is ln 10 = 2.3.
MAX_LOSS_SHOWN = 1e3
# Four plots side by side do not fit in half of a 1,100-pixel window.
MAX_HISTOGRAM_COLUMNS = 3
HISTOGRAM_AXIS_WIDTH = 36
SMALL_LABEL = {"font-size": "8pt"}


def positive_or_nan(values: np.ndarray) -> np.ndarray:
    """Return `values` with zeros, negatives and infinities set to NaN, which a log axis skips."""
    values = np.asarray(values, dtype=np.float64).copy()
    values[~(np.isfinite(values) & (values > 0))] = np.nan
    return values


def white_plot(plot: pg.PlotItem) -> None:
    """Give a plot black axes and text, to sit on a white background."""
    for name in ("left", "bottom"):
        axis = plot.getAxis(name)
        axis.setPen("k")
        axis.setTextPen("k")
    # A log axis with an SI prefix reads as "(x1e+27)" above 10^-7 labels.
    plot.getAxis("left").enableAutoSIPrefix(False)


class LegendPlot(pg.GraphicsLayoutWidget):
    """One plot with its legend in rows underneath, where it covers no curve."""

    def __init__(self, title: str, x_label: str, y_label: str, parent: QWidget | None = None,
                 legend_columns: int = 3):
        super().__init__(parent)
        self.setBackground("w")
        self.plot_item = self.addPlot(row=0, col=0)
        white_plot(self.plot_item)
        self.plot_item.setTitle(title, color="k", size="10pt")
        self.plot_item.setLabel("bottom", x_label)
        self.plot_item.setLabel("left", y_label)
        self.plot_item.setLogMode(x=False, y=True)
        self.plot_item.showGrid(x=False, y=True, alpha=0.25)
        self.legend = pg.LegendItem(colCount=legend_columns, labelTextColor="k", frame=False,
                                    horSpacing=10, labelTextSize="8pt")
        self.addItem(self.legend, row=1, col=0)

    def set_y_label(self, text: str) -> None:
        self.plot_item.setLabel("left", text)


class VariancePlot(LegendPlot):
    """Variance per layer on a log axis: measured (solid) and predicted (dashed) per scheme."""

    def __init__(self, title: str, y_label: str, parent: QWidget | None = None):
        super().__init__(title, "layer", y_label, parent)
        self.measured: dict[str, pg.PlotDataItem] = {}
        self.predicted: dict[str, pg.PlotDataItem] = {}
        for scheme in SCHEMES:
            colour = SCHEME_COLOURS[scheme]
            self.predicted[scheme] = self.plot_item.plot(
                [], [], pen=pg.mkPen(colour, width=1.5, style=Qt.PenStyle.DashLine),
                symbol="x", symbolSize=10, symbolPen=pg.mkPen(colour, width=1.5),
                symbolBrush=None, connect="finite",
            )
            self.measured[scheme] = self.plot_item.plot(
                [], [], pen=pg.mkPen(colour, width=2), symbol="o", symbolSize=6,
                symbolBrush=colour, symbolPen=None, connect="finite",
            )
        # A sample that is never plotted, so that the legend explains the crosses once.
        self.prediction_sample = pg.PlotDataItem(
            [], [], pen=pg.mkPen(PREDICTION_COLOUR, width=1.5, style=Qt.PenStyle.DashLine),
            symbol="x", symbolSize=10, symbolPen=pg.mkPen(PREDICTION_COLOUR, width=1.5),
        )
        self._legend_entries: tuple | None = None

    def show_curves(
        self,
        measured: dict[str, np.ndarray],
        predicted: dict[str, np.ndarray] | None,
    ) -> None:
        """Show one measured curve per scheme in `measured` and hide the other schemes.

        `predicted` contains the dashed curves, or is None to hide them all.
        """
        for scheme in SCHEMES:
            visible = scheme in measured
            self.measured[scheme].setVisible(visible)
            self.predicted[scheme].setVisible(visible and predicted is not None)
            if not visible:
                continue
            layers = np.arange(1, len(measured[scheme]) + 1)
            self.measured[scheme].setData(layers, positive_or_nan(measured[scheme]))
            if predicted is not None:
                self.predicted[scheme].setData(layers, positive_or_nan(predicted[scheme]))
        self._update_legend(list(measured), predicted is not None)
        self.plot_item.enableAutoRange()

    def _update_legend(self, schemes: list[str], with_prediction: bool) -> None:
        entries = (tuple(schemes), with_prediction)
        if entries == self._legend_entries:
            return
        self._legend_entries = entries
        self.legend.clear()
        for scheme in schemes:
            self.legend.addItem(self.measured[scheme], scheme)
        if with_prediction:
            self.legend.addItem(self.prediction_sample, "predicted")


class HistogramGrid(pg.GraphicsLayoutWidget):
    """Small multiples: the histogram of one layer's values, one plot per scheme."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setBackground("w")
        self.plots: dict[str, pg.PlotItem] = {}
        self.curves: dict[str, pg.PlotDataItem] = {}
        self.std_labels: dict[str, pg.LabelItem] = {}
        for scheme in SCHEMES:
            plot = compact_plot()
            plot.setTitle(scheme, color="k", size="8pt")
            colour = SCHEME_COLOURS[scheme]
            self.curves[scheme] = plot.plot(
                [0.0, 1.0], [0.0], stepMode="center", fillLevel=0,
                brush=(*colour, 110), pen=pg.mkPen(colour, width=1),
            )
            # Pinned to the view's top right corner, where it takes no layout
            # space: three plots must fit side by side in half of the window.
            label = pg.LabelItem("", color="k", size="7pt")
            label.setParentItem(plot.vb)
            label.anchor(itemPos=(1, 0), parentPos=(1, 0))
            self.std_labels[scheme] = label
            self.plots[scheme] = plot
        self._arrangement: tuple[tuple[str, ...], str] | None = None

    def arrange(self, schemes: list[str], x_label: str) -> None:
        """Lay out the plots of `schemes` in a grid, in that order.

        The y label goes on the first column only and the x label on the
        lowest plot of each column, because they are the same for every plot.
        """
        arrangement = (tuple(schemes), x_label)
        if arrangement == self._arrangement:
            return
        if self._arrangement is not None:
            for scheme in self._arrangement[0]:
                self.ci.removeItem(self.plots[scheme])
        columns = 2 if len(schemes) <= 4 else MAX_HISTOGRAM_COLUMNS
        for index, scheme in enumerate(schemes):
            row, column = divmod(index, columns)
            plot = self.plots[scheme]
            self.ci.addItem(plot, row, column)
            plot.setLabel("bottom", x_label, **SMALL_LABEL)
            plot.getAxis("bottom").showLabel(index + columns >= len(schemes))
            plot.getAxis("left").showLabel(column == 0)
        self._arrangement = arrangement

    def show_histograms(self, histograms: dict[str, Histogram], x_label: str) -> None:
        """Show each scheme's histogram with its standard deviation in the corner."""
        self.arrange(list(histograms), x_label)
        for scheme, histogram in histograms.items():
            self.curves[scheme].setData(histogram.edges, histogram.fractions)
            self.std_labels[scheme].setText(f"std {histogram.std:.2g}")
            self.plots[scheme].enableAutoRange()


def compact_plot() -> pg.PlotItem:
    """Return a plot with small fonts and a narrow y axis, for small multiples."""
    plot = pg.PlotItem()
    white_plot(plot)
    plot.setMouseEnabled(False, False)
    plot.hideButtons()
    font = QFont()
    font.setPointSize(7)
    for name in ("left", "bottom"):
        plot.getAxis(name).setStyle(tickFont=font)
    plot.getAxis("left").setWidth(HISTOGRAM_AXIS_WIDTH)
    plot.setLabel("left", "fraction", **SMALL_LABEL)
    return plot


class LossPlot(LegendPlot):
    """Training loss per step for each scheme on a log axis, raw (thin) and smoothed (thick)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(TRAINING_TITLE, "step", "cross-entropy loss", parent, legend_columns=2)
        self.raw: dict[str, pg.PlotDataItem] = {}
        self.smooth: dict[str, pg.PlotDataItem] = {}
        for scheme in SCHEMES:
            colour = SCHEME_COLOURS[scheme]
            self.raw[scheme] = self.plot_item.plot([], [], pen=pg.mkPen((*colour, 70), width=1),
                                                   connect="finite")
            self.smooth[scheme] = self.plot_item.plot([], [], pen=pg.mkPen(colour, width=2.5),
                                                      connect="finite")
        self.hint = pg.TextItem("Press Train with it (Ctrl+T) to train\n"
                                "the network from each checked scheme.", color="k",
                                anchor=(0.5, 0.5))
        self.plot_item.addItem(self.hint)
        self.hint.setPos(0.5, 0.0)
        # Four decades, log10 -2 to 2: with two, the log axis crowds its minor labels.
        self.plot_item.setXRange(0, 1)
        self.plot_item.setYRange(-2, 2)
        self.steps: dict[str, list[int]] = {}
        self.losses: dict[str, list[float]] = {}
        self.smoothed: dict[str, list[float]] = {}
        self.diverged: dict[str, int] = {}
        self.legend_texts: dict[str, str] = {}

    def reset(self, schemes: list[str]) -> None:
        """Empty the curves and show only `schemes`."""
        self.hint.setVisible(False)
        for scheme in SCHEMES:
            for item in (self.raw[scheme], self.smooth[scheme]):
                item.setData([], [])
                item.setVisible(scheme in schemes)
        self.steps = {scheme: [] for scheme in schemes}
        self.losses = {scheme: [] for scheme in schemes}
        self.smoothed = {scheme: [] for scheme in schemes}
        self.diverged = {}
        self.legend_texts = {scheme: scheme for scheme in schemes}
        self._update_legend()
        self.plot_item.setTitle(TRAINING_TITLE, color="k", size="10pt")
        self.plot_item.enableAutoRange()

    def append(self, step: int, values: dict[str, float]) -> None:
        """Add the "loss/<scheme>" entries of one Metrics event; call `redraw` to show them."""
        for key, value in values.items():
            kind, _, scheme = key.partition("/")
            if kind != "loss" or scheme not in self.steps:
                continue
            if not np.isfinite(value):
                self.diverged[scheme] = step
                self.legend_texts[scheme] = f"{scheme}: diverged at step {step}"
                self._update_legend()
                continue
            self.steps[scheme].append(step)
            self.losses[scheme].append(value)
            previous = self.smoothed[scheme][-1] if self.smoothed[scheme] else value
            self.smoothed[scheme].append(SMOOTHING * previous + (1 - SMOOTHING) * value)

    def redraw(self) -> None:
        for scheme, steps in self.steps.items():
            self.raw[scheme].setData(steps, positive_or_nan(self.losses[scheme]))
            self.smooth[scheme].setData(steps, positive_or_nan(self.smoothed[scheme]))
        self._fit_loss_range()

    def _fit_loss_range(self) -> None:
        losses = np.concatenate([positive_or_nan(values) for values in self.losses.values()]
                                + [np.empty(0)])
        losses = losses[np.isfinite(losses)]
        if losses.size == 0:
            return
        low = losses.min() / 1.5
        high = min(losses.max() * 1.5, MAX_LOSS_SHOWN)
        # The axis is in log mode, so the range is given in log10 units.
        self.plot_item.setYRange(np.log10(low), np.log10(max(high, low * 10)), padding=0)
        self.plot_item.enableAutoRange(axis="x")

    def show_accuracies(self, accuracies: dict[str, float]) -> None:
        """Add each scheme's final test accuracy to its legend entry."""
        for scheme, accuracy in accuracies.items():
            text = f"{scheme}: {accuracy:.1%}"
            if scheme in self.diverged:
                text = f"{scheme}: diverged at step {self.diverged[scheme]}"
            self.legend_texts[scheme] = text
        self._update_legend()
        self.plot_item.setTitle(f"{TRAINING_TITLE} (legend: test accuracy)", color="k",
                                size="10pt")


    def _update_legend(self) -> None:
        self.legend.clear()
        for scheme, text in self.legend_texts.items():
            self.legend.addItem(self.smooth[scheme], text)


def scheme_tooltip(scheme: str) -> str:
    """Return a sentence giving the weight distribution of `scheme`."""
    return f"{scheme}: weights drawn from {SCHEME_FORMULAS[scheme]}, biases zero."
