"""The Descent panel's stochastic view: full-batch, SGD and mini-batch fits of a line."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Slot
from PySide6.QtWidgets import (
    QFormLayout,
    QLabel,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.descent_map_view import MapView, status_text
from app.descent_plots import TRACE_COLOURS
from app.descent_widgets import NumberBox, lay_out_map_view, side_panel
from engine.descent import Descent, DescentConfig
from engine.stochastic import (
    FULL_BATCH,
    MINI_BATCH,
    SGD,
    NoisyLine,
    loss_surface,
    make_noisy_line,
    stochastic_runs,
)

SAMPLE_COUNT = 60
TRACE_NAMES = [FULL_BATCH, SGD, MINI_BATCH]
COLOURS = dict(zip(TRACE_NAMES, (TRACE_COLOURS[0], TRACE_COLOURS[3], TRACE_COLOURS[2])))


class StochasticView(MapView):
    """Three ways to estimate the gradient of one two-parameter loss, drawn on its contours.

    The model is y_hat = w x + b. The map's axes are w and b, and every trace
    records the full-data loss, whichever batch its steps used.
    """

    def __init__(self, parent: QWidget | None = None):
        super().__init__(TRACE_NAMES, [COLOURS[name] for name in TRACE_NAMES], "slope w",
                         "intercept b", parent)
        self.data: NoisyLine = make_noisy_line(SAMPLE_COUNT)
        self.max_steps_box.setValue(300)
        self._build_data_plot()
        self._build_controls()
        self._build_layout()
        self.new_data()

    def _build_data_plot(self) -> None:
        self.data_plot = pg.PlotWidget(background="w")
        self.data_plot.setLabel("bottom", "x")
        self.data_plot.setLabel("left", "y")
        self.data_plot.setToolTip("The noisy samples and each run's current line y = w x + b")
        self.data_plot.addLegend(offset=(10, 10), labelTextColor="k")
        self.samples = pg.ScatterPlotItem(size=6, pen=None, brush=pg.mkBrush(80, 80, 80, 160))
        self.data_plot.addItem(self.samples)
        self.fit_lines = {name: self.data_plot.plot(pen=pg.mkPen(COLOURS[name], width=2),
                                                    name=name)
                          for name in TRACE_NAMES}

    def _build_controls(self) -> None:
        self.rate_box = NumberBox(0.05, 1e-6, 10.0, "Learning rate of all three runs (plain SGD "
                                  "update: w <- w - rate × gradient)")
        self.batch_box = QSpinBox()
        self.batch_box.setRange(1, SAMPLE_COUNT)
        self.batch_box.setValue(8)
        self.batch_box.setToolTip(f"Samples per mini-batch step (1 to {SAMPLE_COUNT})")
        self.seed_box = QSpinBox()
        self.seed_box.setRange(0, 1_000_000)
        self.seed_box.setToolTip("Seed of the noisy data and of the batch order")
        self.rate_box.valueChanged.connect(self.rebuild)
        self.batch_box.valueChanged.connect(self.rebuild)
        self.seed_box.valueChanged.connect(self.new_data)

    def _build_layout(self) -> None:
        form = QFormLayout()
        form.addRow("learning rate", self.rate_box)
        form.addRow("batch size", self.batch_box)
        form.addRow("seed", self.seed_box)
        form.addRow("schedule", self.schedule_row())
        form.addRow("step limit", self.max_steps_box)
        form.addRow(self.problem_label)
        self.status_labels = {name: QLabel() for name in TRACE_NAMES}
        for name, label in self.status_labels.items():
            colour = "#{:02x}{:02x}{:02x}".format(*COLOURS[name])
            form.addRow(f"<span style='color:{colour}'>{name}</span>", label)
        side = QVBoxLayout()
        side.addLayout(form)
        side.addWidget(self.data_plot, 1)
        side.addWidget(self.player)
        lay_out_map_view(self, [self.map, self.loss_plot], self.cursor_label,
                         side_panel(side, 460))

    @Slot()
    def new_data(self) -> None:
        """Draw a fresh noisy data set from the seed and show its loss surface."""
        self.data = make_noisy_line(SAMPLE_COUNT, seed=self.seed_box.value())
        self.samples.setData(self.data.x.numpy(), self.data.y.numpy())
        self.show_surface(loss_surface(self.data), loss_label="loss")

    def build_runs(self) -> dict[str, Descent]:
        config = DescentConfig(optimizer="gd",
                               hyperparameters={"learning_rate": self.rate_box.value()},
                               schedule=self.schedule_box.currentText(),
                               schedule_period=self.period_box.value(),
                               max_steps=self.max_steps_box.value())
        return stochastic_runs(self.data, self.start, config, self.batch_box.value(),
                               seed=self.seed_box.value())

    def show_run_status(self, name: str, run: Descent) -> None:
        text, detail, diverged = status_text(run)
        label = self.status_labels[name]
        label.setText(text)
        label.setToolTip(detail)
        label.setStyleSheet("color: #b00000" if diverged else "")
        slope, intercept = run.points[self._last_finite(run)]
        ends = np.array([float(self.data.x.min()), float(self.data.x.max())])
        self.fit_lines[name].setData(ends, slope * ends + intercept)

    @staticmethod
    def _last_finite(run: Descent) -> int:
        for index in range(len(run.points) - 1, -1, -1):
            if np.all(np.isfinite(run.points[index])):
                return index
        return 0
