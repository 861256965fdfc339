"""The Initialisation panel: why Xavier initialisation keeps deep networks trainable.

Forward, a linear unit z = w1 x1 + ... + wn xn with independent zero-mean
weights has Var(z) = n Var(w) Var(x), so the variance is kept from layer to
layer when Var(W) = 1/n_in. The panel measures that layer by layer for
several schemes, next to the formula's prediction, shows the same for the
gradients flowing backward, and trains the network from each scheme.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtGui import QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from app.init_controls import InitControls
from app.init_plots import HistogramGrid, LossPlot, VariancePlot
from app.init_runner import Measurement, StatisticsRunner
from engine.data import DataError, DigitData, load_digits
from engine.events import Failed, Finished, Metrics, Progress
from engine.init_training import InitTraining
from engine.worker import Notice

log = logging.getLogger(__name__)

DEBOUNCE_MS = 120
CONTROLS_WIDTH = 250
# Choices of the forward plot: (combo label, SchemeStatistics field, axis label).
FORWARD_QUANTITIES = (
    ("pre-activation z = Wx", "preactivation_variance", "Var(z)"),
    ("activation f(z)", "activation_variance", "Var(f(z))"),
)
HISTOGRAM_KINDS = (
    ("activations f(z)", "activation_histograms", "f(z)"),
    ("gradients ∂L/∂h", "gradient_histograms", "∂L/∂h"),
)


class InitPanel(QWidget):
    """Variance and histograms per layer for several initialisations, and training from each.

    `engine` is the app's EngineBridge, which runs "train with it"; without
    one the panel only measures.
    """

    statistics_shown = Signal()
    training_finished = Signal(dict)

    def __init__(self, engine=None, data: DigitData | None = None, data_dir=None,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.engine = engine
        self.data_dir = data_dir
        self.job: InitTraining | None = None
        self.measurement: Measurement | None = None

        self.controls = InitControls()
        self.forward_plot = VariancePlot("Forward: variance per layer", "Var(z)")
        self.backward_plot = VariancePlot("Backward: gradient variance per layer", "Var(∂L/∂h)")
        self.histograms = HistogramGrid()
        self.loss_plot = LossPlot()
        self.runner = StatisticsRunner(data, data_dir, parent=self)
        self._debounce = QTimer(self, singleShot=True, interval=DEBOUNCE_MS)

        self._build_layout()
        self._add_tooltips()
        self._connect()
        if engine is None:
            self.controls.train.setEnabled(False)
            self.controls.train.setToolTip("Training needs the engine thread of the main window.")

    def showEvent(self, event: QShowEvent) -> None:
        # The first measurement runs here, on the GUI thread (about 0.4 s for
        # the default four schemes on two cores), so that the panel never
        # appears empty and a window that never shows this tab does no work.
        super().showEvent(event)
        if self.measurement is None and not self.runner.busy and self.controls.schemes():
            self.runner.measure_now(self.controls.config(), self.controls.schemes())

    def _build_layout(self) -> None:
        self.quantity = QComboBox()
        for label, _, _ in FORWARD_QUANTITIES:
            self.quantity.addItem(label)
        self.histogram_kind = QComboBox()
        for label, _, _ in HISTOGRAM_KINDS:
            self.histogram_kind.addItem(label)
        self.layer = QSlider(Qt.Orientation.Horizontal)
        self.layer.setRange(1, self.controls.depth.value())
        self.layer_label = QLabel()

        forward_row = QHBoxLayout()
        forward_row.addWidget(QLabel("Forward plot shows"))
        forward_row.addWidget(self.quantity, 1)
        histogram_row = QHBoxLayout()
        histogram_row.addWidget(self.histogram_kind)
        histogram_row.addWidget(self.layer, 1)
        histogram_row.addWidget(self.layer_label)

        forward = QVBoxLayout()
        forward.addLayout(forward_row)
        forward.addWidget(self.forward_plot, 1)
        histograms = QVBoxLayout()
        histograms.addLayout(histogram_row)
        histograms.addWidget(self.histograms, 1)

        grid = QGridLayout()
        grid.addLayout(forward, 0, 0)
        grid.addWidget(self.backward_plot, 0, 1)
        grid.addLayout(histograms, 1, 0)
        grid.addWidget(self.loss_plot, 1, 1)
        self.controls.setFixedWidth(CONTROLS_WIDTH)
        layout = QHBoxLayout(self)
        layout.addWidget(self.controls)
        layout.addLayout(grid, 1)

    def _add_tooltips(self) -> None:
        self.quantity.setToolTip("Plot the variance of the linear output z = Wx, which the "
                                 "dashed prediction n Var(w) Var(x) is for, or of f(z)")
        self.forward_plot.setToolTip(
            "Solid: measured variance over the batch and the units of each layer.\n"
            "Dashed: n_in E[w²] E[x²] from the layer's weights and its measured input, "
            "which is n Var(w) Var(x) for zero-mean inputs.\n"
            "Xavier, Var(W) = 1/n_in, keeps a linear network's variance flat.")
        self.backward_plot.setToolTip(
            "Variance of ∂L/∂h, the gradient reaching each layer's output, for "
            "L = sum(h_last g) with a unit-variance random g.\n"
            "Dashed: n_out E[w²] E[(∂L/∂z)²] of the next layer, the backward formula.")
        self.histograms.setToolTip("The distribution of the chosen layer's values, one plot per "
                                   "scheme; each axis fits its own data, so read the std.")
        self.histogram_kind.setToolTip("Show activations from the forward pass or gradients "
                                       "from the backward pass")
        self.layer.setToolTip("Layer whose histograms are shown (Alt+Left, Alt+Right)")
        self.loss_plot.setToolTip("Training loss of each scheme's network on the same "
                                  "mini-batches; the legend gives the test accuracy at the end.")
        QShortcut(QKeySequence("Alt+Left"), self,
                  activated=lambda: self.layer.setValue(self.layer.value() - 1))
        QShortcut(QKeySequence("Alt+Right"), self,
                  activated=lambda: self.layer.setValue(self.layer.value() + 1))

    def _connect(self) -> None:
        self.controls.settings_changed.connect(self._debounce.start)
        self._debounce.timeout.connect(self.measure)
        self.runner.measured.connect(self.show_measurement)
        self.runner.failed.connect(self.show_status)
        self.quantity.currentIndexChanged.connect(self.show_variances)
        self.histogram_kind.currentIndexChanged.connect(self.show_histograms)
        self.layer.valueChanged.connect(self.show_histograms)
        self.controls.train_requested.connect(self.start_training)
        self.controls.stop_requested.connect(self.stop_training)
        self.controls.learning_rate_changed.connect(self.change_learning_rate)
        if self.engine is not None:
            self.engine.events_ready.connect(self.on_engine_events)

    # Statistics ---------------------------------------------------------------

    @Slot()
    def measure(self) -> None:
        """Measure the checked schemes on the current network, on the runner's thread."""
        schemes = self.controls.schemes()
        if not schemes:
            self.show_status("Check at least one initialisation scheme.")
            return
        self.runner.request(self.controls.config(), schemes)

    @Slot(object)
    def show_measurement(self, measurement: Measurement) -> None:
        self.measurement = measurement
        depth = measurement.config.depth
        self.layer.setMaximum(depth)
        self.show_variances()
        self.show_histograms()
        config = measurement.config
        self.show_status(
            f"{config.depth} layers of {config.width}, {config.activation}, "
            f"{config.batch_size} inputs: measured {len(measurement.schemes)} schemes in "
            f"{measurement.seconds:.2f} s."
        )
        self.statistics_shown.emit()

    @Slot()
    def show_variances(self) -> None:
        if self.measurement is None:
            return
        statistics = self.measurement.statistics
        _, field, axis_label = FORWARD_QUANTITIES[self.quantity.currentIndex()]
        measured = {scheme: getattr(s, field) for scheme, s in statistics.items()}
        predicted = {scheme: s.predicted_variance for scheme, s in statistics.items()}
        # The formula predicts z, and f(z) equals z only for the linear activation.
        linear = self.measurement.config.activation == "linear"
        if field != "preactivation_variance" and not linear:
            predicted = None
        self.forward_plot.set_y_label(axis_label)
        self.forward_plot.show_curves(measured, predicted)
        self.backward_plot.show_curves(
            {scheme: s.gradient_variance for scheme, s in statistics.items()},
            {scheme: s.predicted_gradient_variance for scheme, s in statistics.items()},
        )

    @Slot()
    def show_histograms(self) -> None:
        layer = self.layer.value()
        depth = self.layer.maximum()
        self.layer_label.setText(f"layer {layer} of {depth}")
        if self.measurement is None:
            return
        _, field, x_label = HISTOGRAM_KINDS[self.histogram_kind.currentIndex()]
        histograms = {scheme: getattr(s, field)[layer - 1]
                      for scheme, s in self.measurement.statistics.items()}
        self.histograms.show_histograms(histograms, x_label)

    @Slot(str)
    def show_status(self, message: str) -> None:
        self.controls.status.setText(message)

    # Train with it ---------------------------------------------------------------

    @Slot()
    def start_training(self) -> None:
        """Submit a run of every checked scheme to the engine thread."""
        if self.engine is None:
            self.show_status("Training needs the engine thread of the main window.")
            return
        try:
            data = self._digits()
            config = self.controls.training_config()
            job = InitTraining(data, config, device=self.engine.device)
        except (DataError, ValueError) as error:
            self.show_status(str(error))
            return
        self.job = job
        self.loss_plot.reset(list(config.schemes))
        self.controls.set_training(True)
        self.engine.submit(job)
        self.show_status(f"Training {len(config.schemes)} schemes for {config.steps} steps.")

    def _digits(self) -> DigitData:
        if self.runner.data is None:
            self.runner.data = load_digits(self.data_dir)
        return self.runner.data

    @Slot()
    def stop_training(self) -> None:
        if self.engine is not None and self.job is not None:
            self.engine.stop()

    @Slot(float)
    def change_learning_rate(self, value: float) -> None:
        if self.engine is not None and self.job is not None:
            self.engine.set_hyperparameter("learning_rate", value)

    @Slot(object, list)
    def on_engine_events(self, job, events: list) -> None:
        """Plot the losses of this panel's job; ignore other jobs' events."""
        if job is not self.job:
            return
        for event in events:
            self._handle_event(event)
            if self.job is None:
                # A stop reports Finished at once, and the step in progress
                # may still deliver its Metrics and Progress after it.
                break
        self.loss_plot.redraw()

    def _handle_event(self, event) -> None:
        if isinstance(event, Metrics):
            self.loss_plot.append(event.step, event.values)
        elif isinstance(event, Progress):
            self.show_status(f"Training: step {event.step} of {event.total_steps}.")
        elif isinstance(event, Finished):
            self._finish_training(event)
        elif isinstance(event, Failed):
            self.job = None
            self.controls.set_training(False)
            self.show_status(event.reason)
        elif isinstance(event, Notice):
            self.show_status(event.text)

    def _finish_training(self, event: Finished) -> None:
        self.job = None
        self.controls.set_training(False)
        if event.stopped:
            self.show_status("Training stopped.")
            return
        accuracies = {key.partition("/")[2]: value for key, value in event.summary.items()
                      if key.startswith("test_accuracy/")}
        self.loss_plot.show_accuracies(accuracies)
        best = max(accuracies, key=accuracies.get)
        self.show_status(f"Trained {event.summary.get('steps')} steps: best test accuracy "
                         f"{accuracies[best]:.1%} with {best}.")
        self.training_finished.emit(event.summary)

    def shutdown(self) -> None:
        """Stop this panel's training run and the statistics thread."""
        self.stop_training()
        self.runner.shutdown()
