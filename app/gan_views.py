"""The GAN panel's views: sample grid, latent walk, loss and D-output plots, judge histogram."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QWidget

from engine.gan.judge import DIGITS, PRESENT_SHARE, Judgement
from engine.gan.sampling import tile, to_uint8

D_COLOUR = (200, 60, 60)
G_COLOUR = (40, 110, 200)
BAR_COLOUR = (90, 140, 220)
RARE_COLOUR = (230, 150, 60)
# Weight of the newest value in the smoothed lines: an exponential moving
# average over roughly the last 1 / 0.02 = 50 steps.
SMOOTHING = 0.02


class SampleStrip(pg.GraphicsLayoutWidget):
    """Samples (N, 28, 28) in [0, 1] tiled in rows of `columns`, drawn with fixed levels."""

    clicked = Signal()

    def __init__(self, columns: int, rows: int, parent: QWidget | None = None):
        super().__init__(parent)
        self.columns = columns
        self.setBackground("w")
        self.view = self.addViewBox(lockAspect=True, enableMouse=False)
        self.view.invertY(True)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.view.addItem(self.image)
        self.show_samples(np.zeros((columns * rows, 28, 28), dtype=np.float32))
        self.view.autoRange(padding=0.01)
        self.pixels = np.zeros((0, 0), dtype=np.uint8)

    def show_samples(self, samples: np.ndarray) -> None:
        # uint8 with levels (0, 255), as the Draw panel does: float images
        # with levels (0, 1) drew full-intensity pixels black in pyqtgraph 0.14.
        self.pixels = to_uint8(tile(samples, self.columns))
        self.image.setImage(self.pixels, levels=(0, 255), autoLevels=False)

    def mousePressEvent(self, event) -> None:
        self.clicked.emit()
        super().mousePressEvent(event)


class SeriesPlot(pg.PlotWidget):
    """Per-step series drawn faintly with a thick exponential-moving-average line over each."""

    def __init__(self, title: str, y_label: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setBackground("w")
        self.setTitle(title, color="k", size="10pt")
        self.setLabel("bottom", "step")
        self.setLabel("left", y_label)
        self.showGrid(x=True, y=True, alpha=0.2)
        self.setClipToView(True)
        self.setDownsampling(auto=True, mode="peak")
        self.addLegend(offset=(-5, 5), labelTextSize="8pt", labelTextColor="k",
                       brush=(255, 255, 255, 200))
        self.steps: list[int] = []
        self.values: dict[str, list[float]] = {}
        self.smoothed: dict[str, list[float]] = {}
        self.averages: dict[str, float] = {}
        self.raw_items: dict[str, pg.PlotDataItem] = {}
        self.smooth_items: dict[str, pg.PlotDataItem] = {}

    def add_series(self, key: str, label: str, colour: tuple[int, int, int]) -> None:
        faint = pg.mkPen(colour + (70,), width=1)
        self.raw_items[key] = self.plot([], [], pen=faint)
        self.smooth_items[key] = self.plot([], [], pen=pg.mkPen(colour, width=2), name=label)
        self.values[key] = []
        self.smoothed[key] = []

    def append(self, step: int, values: dict[str, float]) -> None:
        """Record one step; call `redraw` after a batch of appends."""
        self.steps.append(step)
        count = len(self.steps)
        for key, series in self.values.items():
            value = float(values[key])
            series.append(value)
            # Bias-corrected as in Adam: divide by 1 - (1 - a)^n so the first
            # steps show their own average instead of one pulled towards 0.
            average = self.averages.get(key, 0.0)
            average = average + SMOOTHING * (value - average) if np.isfinite(value) else average
            self.averages[key] = average
            self.smoothed[key].append(average / (1.0 - (1.0 - SMOOTHING) ** count))

    def redraw(self) -> None:
        steps = np.asarray(self.steps)
        for key in self.values:
            self.raw_items[key].setData(steps, np.asarray(self.values[key]))
            self.smooth_items[key].setData(steps, np.asarray(self.smoothed[key]))

    def clear_series(self) -> None:
        self.steps.clear()
        self.averages.clear()
        for key in self.values:
            self.values[key].clear()
            self.smoothed[key].clear()
        self.redraw()


def loss_plot() -> SeriesPlot:
    plot = SeriesPlot("Losses", "loss")
    plot.add_series("d_loss", "D loss", D_COLOUR)
    plot.add_series("g_loss", "G loss", G_COLOUR)
    plot.setToolTip("D's and G's loss at each step (faint) and their moving averages (bold). "
                    "In a healthy game neither goes to zero.")
    return plot


def discriminator_plot() -> SeriesPlot:
    plot = SeriesPlot("Discriminator outputs", "mean D")
    plot.add_series("d_real", "D(x) on real digits", D_COLOUR)
    plot.add_series("d_fake", "D(G(z)) on samples", G_COLOUR)
    plot.setYRange(0, 1, padding=0.02)
    plot.enableAutoRange(axis="y", enable=False)
    plot.setToolTip("D's mean probability that an image is real. At the game's equilibrium "
                    "both approach 0.5; D(G(z)) near 0 for long means D is winning outright.")
    return plot


class JudgeChart(pg.PlotWidget):
    """The share of samples the classifier reads as each digit; rare digits in orange."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setBackground("w")
        self.setMouseEnabled(False, False)
        self.hideButtons()
        self.setTitle("Digits the classifier sees in the samples", color="k", size="10pt")
        self.setLabel("bottom", "digit")
        self.setLabel("left", "share of samples")
        self.getAxis("left").enableAutoSIPrefix(False)
        self.setXRange(-0.6, 9.6, padding=0)
        self.setYRange(0, 0.3, padding=0)
        self.getAxis("bottom").setTicks([[(d, str(d)) for d in range(DIGITS)]])
        self.bars = pg.BarGraphItem(x=np.arange(DIGITS), height=np.zeros(DIGITS), width=0.7,
                                    brush=BAR_COLOUR)
        self.addItem(self.bars)
        # A balanced mix puts every digit at 10%; the dashed line marks it.
        dashed = pg.mkPen((120, 120, 120), style=Qt.PenStyle.DashLine)
        self.addItem(pg.InfiniteLine(0.1, angle=0, pen=dashed))
        self.setToolTip("Each bar is the share of generated samples that the Draw panel's "
                        "classifier reads as that digit. Orange bars are under 2%: "
                        "those digits are missing, a sign of mode collapse.")

    def show_judgement(self, judgement: Judgement | None) -> None:
        heights = np.zeros(DIGITS) if judgement is None else judgement.histogram
        brushes = [pg.mkBrush(BAR_COLOUR if h >= PRESENT_SHARE else RARE_COLOUR) for h in heights]
        self.bars.setOpts(height=heights, brushes=brushes)
        self.setYRange(0, max(0.3, float(heights.max()) * 1.1), padding=0)
