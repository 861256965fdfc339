"""The base of the Descent panel's 2-D views: traces on a contour map and f against step.

Subclasses choose the surface and build the runs. This class owns the map,
the loss plot, the playback bar and the stepping.
"""

from __future__ import annotations

import logging
import time

import numpy as np
import pyqtgraph as pg
import torch
from PySide6.QtCore import Slot
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QSpinBox, QWidget

from app.descent_plots import ContourMap, TraceItems, drawable_count, step_tip
from app.descent_widgets import PlaybackBar
from engine.descent import CONVERGED, DIVERGED, Descent
from engine.optimizers import SCHEDULES
from engine.surfaces import Surface

log = logging.getLogger(__name__)

REPLAY_BUDGET_S = 0.05
TICK_BUDGET_S = 0.012
GRID_RESOLUTION = 200
# The step axis spans at least this many steps, so one point does not get a 1e-6 wide axis.
MIN_STEP_AXIS = 10
# log10 of (f - min f) is clipped here, since a run can reach the minimum exactly.
LOG_FLOOR = 1e-16


class MapView(QWidget):
    """Runs that start from one clicked point, drawn as coloured traces.

    ``trace_names`` and ``trace_colours`` list every run the view can show.
    Subclasses implement ``build_runs`` and call ``show_surface`` and
    ``restart``. Changing a setting rebuilds the runs and replays them to the
    step they had reached. Moving the start point restarts them at step 0.
    """

    def __init__(self, trace_names: list[str], trace_colours: list, x_label: str, y_label: str,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.surface: Surface | None = None
        self.start = (0.0, 0.0)
        self.runs: dict[str, Descent] = {}
        self.labels = (x_label, y_label)
        self.map = ContourMap(x_label, y_label)
        self.map.point_clicked.connect(self.set_start)
        self.map.scene().sigMouseMoved.connect(self._cursor_moved)
        self.cursor_label = QLabel(" ")
        self.problem_label = QLabel()
        self.problem_label.setWordWrap(True)
        self.problem_label.setStyleSheet("color: #b00000")
        self.loss_plot = pg.PlotWidget(background="w")
        self.loss_plot.setLabel("bottom", "step")
        self.loss_plot.getAxis("left").enableAutoSIPrefix(False)
        self.loss_plot.setToolTip("Loss after each step. Hover a dot to read its values.")
        self._loss_floor: float | None = None
        self.map_traces: dict[str, TraceItems] = {}
        self.loss_traces: dict[str, TraceItems] = {}
        for name, colour in zip(trace_names, trace_colours):
            tip = self._tip_for(name)
            self.map_traces[name] = TraceItems(self.map.getPlotItem(), colour, name, tip)
            self.loss_traces[name] = TraceItems(self.loss_plot.getPlotItem(), colour, None, tip,
                                                label_anchor=(1, 0))
        self._build_run_controls()

    def _build_run_controls(self) -> None:
        self.schedule_box = QComboBox()
        self.schedule_box.addItems(SCHEDULES)
        self.schedule_box.setToolTip("Learning-rate schedule: constant, step (halve every "
                                     "period) or cosine (to zero over one period)")
        self.period_box = QSpinBox()
        self.period_box.setRange(1, 100_000)
        self.period_box.setValue(200)
        self.period_box.setToolTip("Schedule period in steps")
        self.max_steps_box = QSpinBox()
        self.max_steps_box.setRange(1, 1_000_000)
        self.max_steps_box.setValue(2000)
        self.max_steps_box.setToolTip("Stop every run after this many steps")
        self.player = PlaybackBar(self)
        self.player.steps_requested.connect(self.advance)
        self.player.reset_requested.connect(self.restart)
        self.schedule_box.currentIndexChanged.connect(self.rebuild)
        for box in (self.period_box, self.max_steps_box):
            box.valueChanged.connect(self.rebuild)

    def schedule_row(self) -> QHBoxLayout:
        row = QHBoxLayout()
        row.addWidget(self.schedule_box, 1)
        row.addWidget(QLabel("period"))
        row.addWidget(self.period_box)
        return row

    # --- for subclasses -----------------------------------------------------------------

    def build_runs(self) -> dict[str, Descent]:
        """Return the runs to show, by trace name, all from ``self.start``."""
        raise NotImplementedError

    def show_surface(self, surface: Surface, loss_label: str = "f") -> None:
        """Draw ``surface`` on the map and restart every run from its default start."""
        self.surface = surface
        xs, ys, values = surface.grid(GRID_RESOLUTION)
        self.map.show_surface(xs, ys, values, surface.minima)
        self._loss_floor = surface.minimum_value
        label = loss_label if self._loss_floor is None else f"log10({loss_label} − min)"
        self.loss_plot.setLabel("left", label)
        self.start = surface.start
        self.restart()

    # --- running ------------------------------------------------------------------------

    @Slot(float, float)
    def set_start(self, x: float, y: float) -> None:
        """Start every run from (x, y), at step 0."""
        self.start = (x, y)
        self.restart()

    @Slot()
    def restart(self) -> None:
        self._build(0)

    @Slot()
    def rebuild(self) -> None:
        """Rebuild the runs from the current settings and replay them to the step reached."""
        self._build(self._steps())

    def _build(self, steps: int) -> None:
        if self.surface is None:
            return
        self.map.set_start(*self.start)
        try:
            self.runs = self.build_runs()
        except ValueError as error:
            self.runs = {}
            self.show_problem(str(error))
            self.redraw()
            return
        self.show_problem("")
        self._step_all(steps, REPLAY_BUDGET_S)
        self._update_legend()
        self.redraw()

    @Slot(int)
    def advance(self, count: int, budget_s: float = TICK_BUDGET_S) -> None:
        """Take up to ``count`` steps of every run, as many as fit in ``budget_s`` seconds."""
        if self._step_all(count, budget_s):
            self.redraw()
        else:
            self.player.show_step(self._steps(), finished=True)

    def _step_all(self, count: int, budget_s: float) -> bool:
        """Step every unfinished run up to ``count`` times; return whether any moved."""
        # Round-robin, so that every run has the same step count when time runs out.
        deadline = time.perf_counter() + budget_s
        moved = False
        for _ in range(count):
            active = [run for run in self.runs.values() if not run.finished]
            if not active or time.perf_counter() > deadline:
                break
            for run in active:
                run.step()
            moved = True
        return moved

    def _steps(self) -> int:
        return max((run.steps for run in self.runs.values()), default=0)

    def show_problem(self, message: str) -> None:
        """Show a sentence about invalid input; the empty string clears it."""
        self.problem_label.setText(message)
        if message:
            self.player.pause()

    # --- drawing ------------------------------------------------------------------------

    def redraw(self) -> None:
        """Redraw every trace in place and update the statuses and the step counter."""
        limit = self.map.view_limit()
        self.loss_plot.setXRange(0, max(MIN_STEP_AXIS, self._steps()), padding=0.02)
        for name, trace in self.map_traces.items():
            run = self.runs.get(name)
            trace.set_visible(run is not None)
            self.loss_traces[name].set_visible(run is not None)
            if run is not None:
                self._draw_run(name, run, limit)
        finished = all(run.finished for run in self.runs.values())
        self.player.show_step(self._steps(), finished)

    def _draw_run(self, name: str, run: Descent, limit: float) -> None:
        points = np.array(run.points)
        count = max(drawable_count(points, limit), 1)
        self.map_traces[name].update(points, run, count)
        steps = np.arange(len(points), dtype=np.float64)
        self.loss_traces[name].update(np.column_stack([steps, self._loss_axis(run.values)]),
                                      run, count)
        self.show_run_status(name, run)

    def show_run_status(self, name: str, run: Descent) -> None:
        """Show one run's state; subclasses put it next to the run's settings."""

    def _loss_axis(self, values: list[float]) -> np.ndarray:
        values = np.asarray(values, dtype=np.float64)
        if self._loss_floor is None:
            return values
        with np.errstate(invalid="ignore"):
            return np.log10(np.maximum(values - self._loss_floor, LOG_FLOOR))

    def _update_legend(self) -> None:
        legend = self.map.legend
        legend.clear()
        for name, trace in self.map_traces.items():
            if name in self.runs:
                legend.addItem(trace.line, name)

    def _tip_for(self, name: str):
        return lambda step: (step_tip(self.runs[name], step, self.labels)
                             if name in self.runs else "")

    def _cursor_moved(self, position) -> None:
        view_box = self.map.getPlotItem().getViewBox()
        if self.surface is None or not view_box.sceneBoundingRect().contains(position):
            return
        point = view_box.mapSceneToView(position)
        x, y = torch.tensor(point.x(), dtype=torch.float64), torch.tensor(point.y(),
                                                                           dtype=torch.float64)
        with torch.no_grad():
            value = float(self.surface.function(x, y))
        names = self.labels
        self.cursor_label.setText(f"{names[0]} = {point.x():.4g}, {names[1]} = {point.y():.4g}, "
                                  f"f = {value:.6g}  (click to start here)")


def status_text(run: Descent) -> tuple[str, str, bool]:
    """Return a short status, the full sentence and whether the run diverged."""
    if run.status == DIVERGED:
        return f"diverged at step {run.diverged_at}", run.summary(), True
    detail = f"{run.summary()}, f = {run.values[-1]:.6g}"
    if run.status == CONVERGED:
        return f"converged at {run.steps}", detail, False
    return f"f = {run.values[-1]:.4g}", detail, False

