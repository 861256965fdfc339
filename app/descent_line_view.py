"""The Descent panel's 1-D view: a curve, the path of x, the tangent and f against step."""

from __future__ import annotations

import logging
import time

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.descent_curve_plot import PATH_COLOUR, CurvePlot, drawable_path_count
from app.descent_plots import TraceItems, step_tip
from app.descent_widgets import NumberBox, PlaybackBar, side_panel
from engine.descent import DIVERGED, Descent, DescentConfig, line_descent
from engine.expression import Expression, ExpressionError, parse_expression
from engine.optimizers import OPTIMIZERS, SCHEDULES

log = logging.getLogger(__name__)

DEFAULT_FUNCTION = "x**4 - 3*x**3 + 2"
# Time allowed to replay a run after a setting changes, so dragging stays smooth.
REPLAY_BUDGET_S = 0.05
TICK_BUDGET_S = 0.012
PREVIEW_BUDGET_S = 0.03
# The step axis spans at least this many steps, so one point does not get a 1e-6 wide axis.
MIN_STEP_AXIS = 10


class LineView(QWidget):
    """Gradient descent on a typed function of x, with every setting editable live.

    Changing a setting rebuilds the run from its start and replays it to the
    step it had reached, so the path redraws at once.
    """

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.function: Expression = parse_expression(DEFAULT_FUNCTION)
        self.run: Descent | None = None
        self._build_controls()
        self._build_plots()
        self._build_layout()
        self.reset()

    # --- construction -------------------------------------------------------------------

    def _build_controls(self) -> None:
        self.function_edit = QLineEdit(DEFAULT_FUNCTION)
        self.function_edit.setToolTip("f(x) with numbers, x, + - * / ** (or ^) and sin, cos, tan, "
                                      "exp, log, sqrt, abs, tanh, sigmoid... Press Enter to apply.")
        self.function_edit.editingFinished.connect(self._function_edited)
        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #b00000")

        self.start_box = NumberBox(6.0, -1e5, 1e5, "Start point x0 (or drag the white circle)")
        self.rate_box = NumberBox(0.01, 1e-6, 100.0, "Learning rate: step = rate × f′(x)")
        self.precision_box = NumberBox(1e-5, 1e-12, 1.0,
                                       "Stop when a step moves x by less than this")
        self.max_steps_box = QSpinBox()
        self.max_steps_box.setRange(1, 1_000_000)
        self.max_steps_box.setValue(10_000)
        self.max_steps_box.setToolTip("Stop after this many steps if the precision is never met")

        self.optimizer_box = QComboBox()
        for spec in OPTIMIZERS.values():
            self.optimizer_box.addItem(spec.label, spec.key)
        self.optimizer_box.setToolTip("torch.optim optimiser with its default settings and "
                                      "this learning rate")
        self.schedule_box = QComboBox()
        self.schedule_box.addItems(SCHEDULES)
        self.schedule_box.setToolTip("constant, step (halve every period) or cosine "
                                     "(to zero over one period)")
        self.period_box = QSpinBox()
        self.period_box.setRange(1, 100_000)
        self.period_box.setValue(100)
        self.period_box.setToolTip("Schedule period in steps")
        self.status_label = QLabel()
        self.status_label.setWordWrap(True)

        self.player = PlaybackBar(self)
        self.player.steps_requested.connect(self.advance)
        self.player.reset_requested.connect(self.reset)
        self.start_box.valueChanged.connect(self.restart)
        for box in (self.rate_box, self.precision_box, self.max_steps_box, self.period_box):
            box.valueChanged.connect(self.rebuild)
        for box in (self.optimizer_box, self.schedule_box):
            box.currentIndexChanged.connect(self.rebuild)

    def _build_plots(self) -> None:
        self.curve_plot = CurvePlot(self.function, self._tip)
        self.curve_plot.start_moved.connect(self.set_start)
        self.value_plot = pg.PlotWidget(background="w")
        self.value_plot.setLabel("bottom", "step")
        self.value_plot.setLabel("left", "f(x)")
        self.value_plot.getAxis("left").enableAutoSIPrefix(False)
        self.value_plot.setToolTip("f(x) after each step. Hover a dot to read its values.")
        self.values = TraceItems(self.value_plot.getPlotItem(), PATH_COLOUR, None, self._tip,
                                 label_anchor=(1, 0))

    def _build_layout(self) -> None:
        form = QFormLayout()
        form.addRow("f(x) =", self.function_edit)
        form.addRow(self.error_label)
        form.addRow("start x", self.start_box)
        form.addRow("learning rate", self.rate_box)
        form.addRow("precision", self.precision_box)
        form.addRow("step limit", self.max_steps_box)
        form.addRow("optimiser", self.optimizer_box)
        schedule = QHBoxLayout()
        schedule.addWidget(self.schedule_box, 1)
        schedule.addWidget(QLabel("period"))
        schedule.addWidget(self.period_box)
        form.addRow("schedule", schedule)
        side = QVBoxLayout()
        side.addLayout(form)
        side.addWidget(self.status_label)
        side.addStretch(1)
        side.addWidget(self.player)
        side_widget = side_panel(side, 420)

        plots = QSplitter(Qt.Orientation.Vertical)
        plots.addWidget(self.curve_plot)
        plots.addWidget(self.value_plot)
        plots.setSizes([500, 220])
        layout = QHBoxLayout(self)
        layout.addWidget(plots, 1)
        layout.addWidget(side_widget)

    # --- running ------------------------------------------------------------------------

    def config(self) -> DescentConfig:
        return DescentConfig(optimizer=self.optimizer_box.currentData(),
                             hyperparameters={"learning_rate": self.rate_box.value()},
                             schedule=self.schedule_box.currentText(),
                             schedule_period=self.period_box.value(),
                             precision=self.precision_box.value(),
                             max_steps=self.max_steps_box.value())

    @Slot()
    def rebuild(self) -> None:
        """Rebuild the run from the current settings and replay it to the step it had reached."""
        self._build_run(self.run.steps if self.run is not None else 0)

    @Slot()
    def restart(self) -> None:
        """Rebuild the run at step 0, e.g. after the start point moved."""
        self._build_run(0)

    @Slot()
    def reset(self) -> None:
        """Go back to step 0 and fit the view to the coming path."""
        self._build_run(0)
        if self.run is not None:
            self._fit_view()
            self.redraw()

    def _build_run(self, steps: int) -> None:
        try:
            self.run = line_descent(self.function, self.start_box.value(), self.config())
        except ValueError as error:
            self.run = None
            self._show_problem(str(error))
            return
        self.error_label.clear()
        self._step(steps, REPLAY_BUDGET_S)
        self.redraw()

    @Slot(int)
    def advance(self, count: int, budget_s: float = TICK_BUDGET_S) -> None:
        """Take up to ``count`` steps, as many as fit in ``budget_s`` seconds, then redraw."""
        if self.run is None:
            self.player.pause()
            return
        if self.run.finished:
            self.player.show_step(self.run.steps, finished=True)
            return
        self._step(count, budget_s)
        self.redraw()

    def _step(self, count: int, budget_s: float) -> None:
        self._step_run(self.run, count, budget_s)

    @staticmethod
    def _step_run(run: Descent, count: int, budget_s: float) -> None:
        deadline = time.perf_counter() + budget_s
        for _ in range(count):
            if run.finished or time.perf_counter() > deadline:
                break
            run.step()

    def redraw(self) -> None:
        """Draw the path, tangent, f against step and status in place."""
        run = self.run
        points = np.array(run.points)[:, 0]
        path = np.column_stack([points, run.values])
        count = drawable_path_count(path)
        self.curve_plot.show_run(run, path, count)
        steps = np.arange(len(points), dtype=np.float64)
        self.value_plot.setXRange(0, max(MIN_STEP_AXIS, run.steps), padding=0.02)
        self.values.update(np.column_stack([steps, run.values]), run, count)
        self.status_label.setText(run.summary())
        colour = "#b00000" if run.status == DIVERGED else "black"
        self.status_label.setStyleSheet(f"color: {colour}")
        self.player.show_step(run.steps, run.finished)

    def _fit_view(self) -> None:
        """Fit the x range to where the run is heading, from a preview run."""
        preview = line_descent(self.function, self.start_box.value(), self.config())
        self._step_run(preview, preview.config.max_steps, PREVIEW_BUDGET_S)
        self.curve_plot.fit(preview.points + self.run.points, self.start_box.value())

    def _show_problem(self, message: str) -> None:
        self.error_label.setText(message)
        self.status_label.setText("")
        self.player.pause()

    def _tip(self, step: int) -> str:
        return step_tip(self.run, step, ("x",)) if self.run is not None else ""

    # --- input --------------------------------------------------------------------------

    @Slot()
    def _function_edited(self) -> None:
        text = self.function_edit.text()
        if text.strip() == self.function.text:
            return
        try:
            self.function = parse_expression(text)
        except ExpressionError as error:
            self._show_problem(str(error))
            return
        log.debug("new 1-D function %s", self.function.text)
        self.curve_plot.set_function(self.function)
        self.reset()

    @Slot(float)
    def set_start(self, x: float) -> None:
        """Move the start point to ``x`` and restart from there."""
        if self.start_box.value() == x:
            self.restart()
        else:
            self.start_box.setValue(x)
