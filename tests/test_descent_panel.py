"""The Descent panel with qtbot: clicks set the start, steps grow the traces."""

from __future__ import annotations

import math

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt

from app.descent_line_view import LineView
from app.descent_panel import DescentPanel
from app.descent_plots import step_tip
from app.descent_stochastic_view import StochasticView
from app.descent_surface_view import SurfaceView
from engine.descent import DIVERGED


def shown(qtbot, widget):
    qtbot.addWidget(widget)
    widget.resize(1200, 760)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


@pytest.fixture
def line_view(qtbot):
    view = shown(qtbot, LineView())
    yield view
    view.player.pause()


@pytest.fixture
def surface_view(qtbot):
    view = shown(qtbot, SurfaceView())
    yield view
    view.player.pause()


@pytest.fixture
def stochastic_view(qtbot):
    view = shown(qtbot, StochasticView())
    yield view
    view.player.pause()


def click_plot(qtbot, plot, x: float, y: float) -> None:
    """Left-click the plot widget at data coordinates (x, y)."""
    view_box = plot.getPlotItem().getViewBox()
    scene_point = view_box.mapViewToScene(QPointF(x, y))
    widget_point = plot.mapFromScene(scene_point)
    qtbot.mouseClick(plot.viewport(), Qt.MouseButton.LeftButton,
                     pos=QPoint(widget_point.x(), widget_point.y()))


def press_step(qtbot, view, times: int) -> None:
    for _ in range(times):
        qtbot.mouseClick(view.player.step_button, Qt.MouseButton.LeftButton)


def choose_surface(view, key: str) -> None:
    view.surface_box.setCurrentIndex(view.surface_box.findData(key))


def test_surface_click_then_ten_steps(qtbot, surface_view):
    choose_surface(surface_view, "rosenbrock")
    click_plot(qtbot, surface_view.map, 0.5, -0.5)
    press_step(qtbot, surface_view, 10)
    assert len(surface_view.runs) == 7
    for name, run in surface_view.runs.items():
        xs, _ = surface_view.map_traces[name].line.getData()
        assert len(xs) == 11, name
        np.testing.assert_allclose(run.points[0], [0.5, -0.5], atol=0.05)


def test_surface_click_restarts_at_step_zero(qtbot, surface_view):
    surface_view.advance(3, budget_s=math.inf)
    click_plot(qtbot, surface_view.map, -1.0, 1.0)
    assert all(run.steps == 0 for run in surface_view.runs.values())


def test_line_click_then_ten_steps(qtbot, line_view):
    _, (y0, y1) = line_view.curve_plot.viewRange()
    click_plot(qtbot, line_view.curve_plot, 4.0, (y0 + y1) / 2)
    press_step(qtbot, line_view, 10)
    xs, _ = line_view.curve_plot.path.line.getData()
    assert len(xs) == 11
    assert line_view.run.points[0][0] == pytest.approx(4.0, abs=0.05)


def test_stochastic_click_then_ten_steps(qtbot, stochastic_view):
    click_plot(qtbot, stochastic_view.map, 0.0, 1.0)
    press_step(qtbot, stochastic_view, 10)
    assert len(stochastic_view.runs) == 3
    for name in stochastic_view.runs:
        xs, _ = stochastic_view.map_traces[name].line.getData()
        assert len(xs) == 11, name


def test_dragged_handle_moves_start(line_view):
    line_view.advance(4, budget_s=math.inf)
    line_view.curve_plot.start_handle.setPos(3.0, 0.0)
    assert line_view.run.points[0][0] == pytest.approx(3.0)
    assert line_view.run.steps == 0


def test_right_key_steps(qtbot, line_view):
    qtbot.keyClick(line_view, Qt.Key.Key_Right)
    assert line_view.run.steps == 1


def test_line_defaults_reach_minimum(line_view):
    line_view.advance(10_000, budget_s=math.inf)
    assert line_view.status_label.text().startswith("minimum at x = 2.2499")


def test_line_divergence_reported(line_view):
    line_view.rate_box.setValue(0.1)
    line_view.advance(10, budget_s=math.inf)
    assert line_view.run.status == DIVERGED
    assert "diverged at step 3" in line_view.status_label.text()


def test_line_divergence_keeps_ranges(line_view):
    line_view.rate_box.setValue(0.1)
    line_view.advance(10, budget_s=math.inf)
    (x0, x1), (y0, y1) = line_view.curve_plot.viewRange()
    assert max(abs(x0), abs(x1)) < 1e3
    assert max(abs(y0), abs(y1)) < 1e8


def test_line_marker_shows_divergence(line_view):
    line_view.rate_box.setValue(0.1)
    line_view.advance(10, budget_s=math.inf)
    assert line_view.curve_plot.path.label.textItem.toPlainText() == "diverged at step 3"


def test_line_step_limit_reported(line_view):
    line_view.max_steps_box.setValue(5)
    line_view.advance(10, budget_s=math.inf)
    assert "step limit of 5 steps" in line_view.status_label.text()


def test_typed_function_rejected_with_sentence(line_view):
    line_view.function_edit.setText("__import__('os')")
    line_view.function_edit.editingFinished.emit()
    assert "__import__('os')" in line_view.error_label.text()
    assert line_view.function.text == "x**4 - 3*x**3 + 2"


def test_typed_function_accepted(line_view):
    line_view.function_edit.setText("(x - 1)^2")
    line_view.function_edit.editingFinished.emit()
    line_view.advance(10_000, budget_s=math.inf)
    assert line_view.run.points[-1][0] == pytest.approx(1.0, abs=1e-3)


def test_learning_rate_edit_replays(line_view):
    line_view.advance(5, budget_s=math.inf)
    line_view.rate_box.setValue(0.005)
    assert line_view.run.steps == 5
    assert line_view.run.learning_rates[0] == 0.005


def test_surface_divergence_keeps_view(surface_view):
    choose_surface(surface_view, "bowl")
    before = surface_view.map.viewRange()
    surface_view.table.boxes["gd"]["learning_rate"].setValue(0.5)
    surface_view.advance(40, budget_s=math.inf)
    run = surface_view.runs["gradient descent"]
    assert run.status == DIVERGED
    assert surface_view.table.status_labels["gd"].text() == f"diverged at step {run.diverged_at}"
    assert surface_view.map.viewRange() == before


@pytest.mark.parametrize("key", ["bowl", "rosenbrock", "himmelblau", "saddle", "beale", "typed"])
def test_every_surface_draws(surface_view, key):
    choose_surface(surface_view, key)
    surface_view.advance(3, budget_s=math.inf)
    assert surface_view.map.image.image is not None
    assert all(run.steps == 3 for run in surface_view.runs.values())


def test_unchecked_optimizer_hidden(surface_view):
    surface_view.table.check_boxes["adagrad"].setChecked(False)
    assert "AdaGrad" not in surface_view.runs
    assert not surface_view.map_traces["AdaGrad"].line.isVisible()


def test_typed_surface_error_shown(surface_view):
    choose_surface(surface_view, "typed")
    surface_view.function_edit.setText("x.real + y")
    surface_view.function_edit.editingFinished.emit()
    assert "'x.real'" in surface_view.problem_label.text()


def test_hover_tip_lists_values(surface_view):
    surface_view.advance(2, budget_s=math.inf)
    tip = step_tip(surface_view.runs["Adam"], 1)
    assert tip.startswith("step 1\nx = ")
    assert "learning rate = " in tip


def test_hovered_dot_shows_its_step(surface_view):
    surface_view.advance(2, budget_s=math.inf)
    dots = surface_view.map_traces["Adam"].dots
    tip = dots.opts["tip"](x=0.0, y=0.0, data=1)
    assert tip == step_tip(surface_view.runs["Adam"], 1)


def test_schedule_applies_to_runs(surface_view):
    surface_view.schedule_box.setCurrentText("step")
    surface_view.period_box.setValue(2)
    surface_view.advance(3, budget_s=math.inf)
    rates = surface_view.runs["gradient descent"].learning_rates
    assert rates[2] == pytest.approx(rates[0] / 2)


def test_batch_size_changes_mini_batch(stochastic_view):
    stochastic_view.advance(5, budget_s=math.inf)
    first = np.array(stochastic_view.runs["mini-batch"].points)
    stochastic_view.batch_box.setValue(30)
    second = np.array(stochastic_view.runs["mini-batch"].points)
    assert first.shape == second.shape
    assert not np.allclose(first, second)


def test_play_runs_steps(qtbot, line_view):
    line_view.player.play()
    qtbot.waitUntil(lambda: line_view.run.steps > 0, timeout=5_000)
    line_view.player.pause()
    assert not line_view.player.playing


def test_hidden_view_pauses(qtbot):
    panel = shown(qtbot, DescentPanel())
    panel.line_view.player.play()
    panel.show_view(1)
    assert not panel.line_view.player.playing
