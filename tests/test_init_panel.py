"""The Initialisation panel: plots follow the settings, and "train with it" runs on the engine."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

from app.bridge import EngineBridge
from app.init_panel import InitPanel

WAIT_MS = 20_000


@pytest.fixture
def make_panel(qtbot, digits):
    """Build a shown InitPanel on the default digits; stop its threads afterwards."""
    panels = []

    def make(engine=None) -> InitPanel:
        panel = InitPanel(engine, data=digits)
        qtbot.addWidget(panel)
        panel.resize(1100, 700)
        panel.show()
        panels.append(panel)
        return panel

    yield make
    for panel in panels:
        panel.shutdown()


@pytest.fixture
def engine(qtbot):
    bridge = EngineBridge()
    yield bridge
    assert bridge.shutdown(5)


def curve_y(item) -> np.ndarray:
    return item.getData()[1]


def change_and_wait(qtbot, panel: InitPanel, change) -> None:
    with qtbot.waitSignal(panel.statistics_shown, timeout=WAIT_MS):
        change()


def test_panel_measures_when_shown(make_panel):
    panel = make_panel()
    assert panel.measurement is not None
    assert panel.measurement.schemes == ["normal", "small", "xavier", "he"]
    assert len(curve_y(panel.forward_plot.measured["xavier"])) == 10


def test_checked_schemes_are_plotted(make_panel):
    panel = make_panel()
    assert panel.forward_plot.measured["xavier"].isVisible()
    assert panel.forward_plot.predicted["xavier"].isVisible()
    assert not panel.forward_plot.measured["glorot"].isVisible()


def test_checking_scheme_updates_plot(qtbot, make_panel):
    panel = make_panel()
    change_and_wait(qtbot, panel, lambda: panel.controls.scheme_boxes["orthogonal"].click())
    curve = panel.forward_plot.measured["orthogonal"]
    assert curve.isVisible()
    assert len(curve_y(curve)) == 10
    assert panel.histograms.curves["orthogonal"].isVisible()
    assert "orthogonal" in panel.measurement.schemes


def test_unchecking_scheme_hides_curve(qtbot, make_panel):
    panel = make_panel()
    change_and_wait(qtbot, panel, lambda: panel.controls.scheme_boxes["normal"].click())
    assert not panel.forward_plot.measured["normal"].isVisible()
    assert not panel.backward_plot.measured["normal"].isVisible()


def test_xavier_curve_is_flat_and_normal_grows(make_panel):
    panel = make_panel()
    # The curves are drawn on a log axis, so getData returns log10 of the variance.
    xavier = curve_y(panel.forward_plot.measured["xavier"])
    normal = curve_y(panel.forward_plot.measured["normal"])
    assert abs(xavier[-1] - xavier[0]) < np.log10(2)
    assert normal[-1] - normal[0] > 2


def test_activation_change_updates_plot(qtbot, make_panel):
    panel = make_panel()
    before = curve_y(panel.forward_plot.measured["he"]).copy()
    change_and_wait(qtbot, panel, lambda: panel.controls.activation.setCurrentText("relu"))
    after = curve_y(panel.forward_plot.measured["he"])
    assert not np.allclose(before, after)
    assert abs(after[-1] - after[0]) < np.log10(2)


def test_depth_change_resizes_curves(qtbot, make_panel):
    panel = make_panel()
    change_and_wait(qtbot, panel, lambda: panel.controls.depth.setValue(4))
    assert len(curve_y(panel.forward_plot.measured["xavier"])) == 4
    assert len(curve_y(panel.backward_plot.measured["xavier"])) == 4
    assert panel.layer.maximum() == 4


def test_activation_view_hides_prediction_for_tanh(qtbot, make_panel):
    panel = make_panel()
    change_and_wait(qtbot, panel, lambda: panel.controls.activation.setCurrentText("tanh"))
    panel.quantity.setCurrentIndex(1)
    assert panel.forward_plot.measured["xavier"].isVisible()
    assert not panel.forward_plot.predicted["xavier"].isVisible()
    panel.quantity.setCurrentIndex(0)
    assert panel.forward_plot.predicted["xavier"].isVisible()


def test_layer_slider_changes_histogram(make_panel):
    panel = make_panel()
    first = panel.histograms.curves["small"].getData()[0].copy()
    panel.layer.setValue(10)
    last = panel.histograms.curves["small"].getData()[0]
    assert panel.layer_label.text() == "layer 10 of 10"
    assert last.max() < first.max() / 100


def test_gradient_histograms_shown(make_panel):
    panel = make_panel()
    panel.histogram_kind.setCurrentIndex(1)
    plot = panel.histograms.plots["xavier"]
    assert "∂L/∂h" in plot.getAxis("bottom").labelText


def test_no_scheme_gives_a_sentence(qtbot, make_panel):
    panel = make_panel()
    for box in panel.controls.scheme_boxes.values():
        box.setChecked(False)
    panel.measure()
    assert panel.controls.status.text() == "Check at least one initialisation scheme."


def test_training_needs_engine(make_panel):
    panel = make_panel()
    assert not panel.controls.train.isEnabled()


def test_train_with_it_plots_losses(qtbot, make_panel, engine):
    panel = make_panel(engine)
    panel.controls.depth.setValue(3)
    panel.controls.width.setValue(32)
    panel.controls.steps.setValue(5)
    panel.controls.batch_size.setValue(16)
    with qtbot.waitSignal(panel.training_finished, timeout=WAIT_MS) as finished:
        panel.controls.train.click()
    summary = finished.args[0]
    assert summary["steps"] == 5
    assert len(panel.loss_plot.steps["xavier"]) == 5
    assert len(curve_y(panel.loss_plot.smooth["xavier"])) == 5
    assert panel.loss_plot.legend_texts["xavier"].startswith("xavier: ")
    assert panel.controls.train.isEnabled()


def test_stop_ends_training(qtbot, make_panel, engine):
    panel = make_panel(engine)
    panel.controls.depth.setValue(3)
    panel.controls.width.setValue(32)
    panel.controls.steps.setValue(5000)
    panel.controls.train.click()
    qtbot.waitUntil(lambda: len(panel.loss_plot.steps.get("xavier", [])) > 0, timeout=WAIT_MS)
    panel.controls.stop.click()
    qtbot.waitUntil(lambda: panel.job is None, timeout=WAIT_MS)
    assert panel.controls.status.text() == "Training stopped."


def test_alt_digit_toggles_scheme(qtbot, make_panel):
    panel = make_panel()
    panel.activateWindow()
    qtbot.waitUntil(panel.isActiveWindow, timeout=WAIT_MS)
    box = panel.controls.scheme_boxes["glorot"]
    # glorot is the fourth scheme, so Alt+4 toggles it.
    with qtbot.waitSignal(panel.statistics_shown, timeout=WAIT_MS):
        qtbot.keyClick(panel, Qt.Key.Key_4, Qt.KeyboardModifier.AltModifier)
    assert box.isChecked()
    assert panel.forward_plot.measured["glorot"].isVisible()
