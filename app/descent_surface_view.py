"""The Descent panel's 2-D view: several optimisers side by side on one surface."""

from __future__ import annotations

import logging

from PySide6.QtCore import Slot
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from app.descent_map_view import MapView, status_text
from app.descent_optimizer_table import OptimizerTable
from app.descent_plots import TRACE_COLOURS
from app.descent_widgets import NumberBox, lay_out_map_view, side_panel
from engine.descent import Descent, DescentConfig, surface_descent
from engine.expression import ExpressionError
from engine.optimizers import OPTIMIZERS
from engine.surfaces import DEFAULT_TYPED_FUNCTION, SURFACES, TYPED_KEY, Surface, typed_surface

log = logging.getLogger(__name__)

RANGE_LIMIT = 1e4


class SurfaceView(MapView):
    """Optimisers from torch.optim racing from one start point on a chosen surface."""

    def __init__(self, parent: QWidget | None = None):
        labels = [spec.label for spec in OPTIMIZERS.values()]
        super().__init__(labels, list(TRACE_COLOURS[:len(labels)]), "x", "y", parent)
        self.table = OptimizerTable()
        self.loss_plot.setToolTip("f at each step of every optimiser. Hover a dot to read it.")
        self.table.settings_changed.connect(self.rebuild)
        self._build_surface_controls()
        self._build_layout()
        self.choose_surface()

    def _build_surface_controls(self) -> None:
        self.surface_box = QComboBox()
        for surface in SURFACES.values():
            self.surface_box.addItem(f"{surface.label}: {surface.formula}", surface.key)
        self.surface_box.addItem("typed function of x and y", TYPED_KEY)
        self.surface_box.setToolTip("The function to minimise")
        self.surface_box.currentIndexChanged.connect(self.choose_surface)
        self.function_edit = QLineEdit(DEFAULT_TYPED_FUNCTION)
        self.function_edit.setToolTip("f(x, y) with numbers, x, y, + - * / ** (or ^) and sin, "
                                      "cos, exp, log, sqrt, abs, tanh... Press Enter to apply.")
        self.function_edit.editingFinished.connect(self._typed_edited)
        self.range_boxes = [NumberBox(value, -RANGE_LIMIT, RANGE_LIMIT, tooltip)
                            for value, tooltip in ((-3.0, "lowest x shown"),
                                                   (3.0, "highest x shown"),
                                                   (-3.0, "lowest y shown"),
                                                   (3.0, "highest y shown"))]
        for box in self.range_boxes:
            box.valueChanged.connect(self._typed_edited)
        self.precision_box = NumberBox(1e-6, 1e-12, 1.0,
                                       "Stop a run when a step moves it by less than this")
        self.precision_box.valueChanged.connect(self.rebuild)

    def _build_layout(self) -> None:
        ranges = QHBoxLayout()
        for text, box in zip(("x", "to", "y", "to"), self.range_boxes):
            ranges.addWidget(QLabel(text))
            ranges.addWidget(box)
        form = QFormLayout()
        form.addRow("surface", self.surface_box)
        form.addRow("f(x, y) =", self.function_edit)
        form.addRow("range", ranges)
        form.addRow(self.problem_label)
        form.addRow("schedule", self.schedule_row())
        form.addRow("precision", self.precision_box)
        form.addRow("step limit", self.max_steps_box)
        side = QVBoxLayout()
        side.addLayout(form)
        side.addWidget(self.table)
        side.addStretch(1)
        side.addWidget(self.player)
        lay_out_map_view(self, [self.map, self.loss_plot], self.cursor_label,
                         side_panel(side, 620))

    # --- surfaces -----------------------------------------------------------------------

    @Slot()
    def choose_surface(self) -> None:
        """Show the surface picked in the box, with learning rates that suit it."""
        key = self.surface_box.currentData()
        typed = key == TYPED_KEY
        self.function_edit.setEnabled(typed)
        for box in self.range_boxes:
            box.setEnabled(typed)
        if typed:
            self._apply_typed(force=True)
            return
        self._show(SURFACES[key])

    def _show(self, surface: Surface) -> None:
        self.table.set_learning_rates({key: surface.learning_rate(key) for key in OPTIMIZERS})
        self.show_surface(surface)

    @Slot()
    def _typed_edited(self) -> None:
        self._apply_typed(force=False)

    def _apply_typed(self, force: bool) -> None:
        """Show the typed function, unless it and its range are unchanged and not ``force``."""
        if self.surface_box.currentData() != TYPED_KEY:
            return
        text = self.function_edit.text()
        x_range = (self.range_boxes[0].value(), self.range_boxes[1].value())
        y_range = (self.range_boxes[2].value(), self.range_boxes[3].value())
        current = self.surface
        unchanged = (current is not None and current.key == TYPED_KEY
                     and current.formula == text.strip() and current.x_range == x_range
                     and current.y_range == y_range)
        if unchanged and not force:
            return
        try:
            surface = typed_surface(text, x_range, y_range)
        except (ExpressionError, ValueError) as error:
            self.show_problem(str(error))
            return
        log.debug("new 2-D function %s", surface.formula)
        self._show(surface)

    # --- runs ---------------------------------------------------------------------------

    def build_runs(self) -> dict[str, Descent]:
        runs = {}
        for key, hyperparameters in self.table.selected().items():
            config = DescentConfig(optimizer=key, hyperparameters=hyperparameters,
                                   schedule=self.schedule_box.currentText(),
                                   schedule_period=self.period_box.value(),
                                   precision=self.precision_box.value(),
                                   max_steps=self.max_steps_box.value())
            runs[OPTIMIZERS[key].label] = surface_descent(self.surface.function, self.start,
                                                          config)
        return runs

    def show_run_status(self, name: str, run: Descent) -> None:
        key = run.config.optimizer
        self.table.show_status(key, *status_text(run))
