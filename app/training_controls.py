"""Controls for training the classifier: hyperparameters and run buttons."""

from __future__ import annotations

from PySide6.QtCore import QSettings, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from engine.training import TrainConfig

OPTIMIZER_NAMES = {
    "adam": "Adam",
    "sgd": "SGD",
    "momentum": "SGD with momentum",
    "adadelta": "Adadelta",
}
# A rate that suits each optimiser, offered when the user switches to it.
SUGGESTED_RATES = {"adam": 3e-3, "sgd": 0.05, "momentum": 0.02, "adadelta": 1.0}
INIT_NAMES = {"default": "PyTorch default", "xavier": "Xavier / Glorot", "he": "He (Kaiming)"}
DEFAULT_SOURCE = "default 5,000 digits"


def button(text: str, tip: str, shortcut: str | None = None) -> QPushButton:
    widget = QPushButton(text)
    if shortcut:
        widget.setShortcut(QKeySequence(shortcut))
        tip = f"{tip} ({QKeySequence(shortcut).toString(QKeySequence.SequenceFormat.NativeText)})"
    widget.setToolTip(tip)
    return widget


class TrainingControls(QWidget):
    """Hyperparameter fields and the start, pause, step, stop and reset buttons.

    Values persist in QSettings under "training/".
    """

    hyperparameter_changed = Signal(str, object)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.optimizer = QComboBox()
        for key, name in OPTIMIZER_NAMES.items():
            self.optimizer.addItem(name, key)
        self.optimizer.setToolTip("The torch.optim optimiser used for the next run")
        self.learning_rate = QDoubleSpinBox(decimals=5, minimum=1e-5, maximum=10.0, singleStep=1e-3)
        self.learning_rate.setToolTip("Peak learning rate; changing it during a run applies "
                                      "from the next step and replaces the one-cycle schedule")
        self.batch_size = QSpinBox(minimum=1, maximum=4096, value=64)
        self.batch_size.setToolTip("Digits per step; a change during a run applies from the next epoch")
        self.epochs = QSpinBox(minimum=1, maximum=500, value=10)
        self.epochs.setToolTip("Passes over the training digits")
        self.init = QComboBox()
        for key, name in INIT_NAMES.items():
            self.init.addItem(name, key)
        self.init.setToolTip("How the weights of a fresh network are drawn (torch.nn.init)")
        self.augment = QCheckBox("Augment")
        self.augment.setToolTip("Randomly rotate, scale, shift and thicken the digits while "
                                "training, so that mouse drawings read better")
        self.augment.setChecked(True)
        self.continue_training = QCheckBox("Continue from current weights")
        self.continue_training.setToolTip("Train the network the canvas uses now instead of a "
                                          "freshly initialised one")
        self.source = QLabel(DEFAULT_SOURCE)
        self.source.setWordWrap(True)
        self.choose_data = button("Data folder...", "Train on MNIST IDX files in a folder of your choice")
        self.default_data = button("Default data", "Train on the 5,000 digits shipped with the app")

        self.start = button("Start", "Train a network with these settings", "Ctrl+Return")
        self.pause = button("Pause", "Pause or resume training", "Ctrl+P")
        self.step = button("Step", "Run exactly one training step", "Ctrl+.")
        self.stop = button("Stop", "Stop training after the current step", "Ctrl+Shift+X")
        self.reset = button("Reset weights", "Give the canvas a freshly initialised, untrained network")
        self.publish = button("Use weights now", "Let the canvas use the training weights now, "
                              "not only at the end of each epoch")
        self.save = button("Save...", "Save the canvas's network to a checkpoint file", "Ctrl+S")
        self.load = button("Load...", "Load a checkpoint file for the canvas", "Ctrl+O")
        self.load_autosave = button("Load autosave", "Load the network autosaved by the last run")
        self.status = QLabel()
        self.status.setWordWrap(True)

        self._build_layout()
        self.optimizer.currentIndexChanged.connect(self._suggest_rate)
        self.learning_rate.editingFinished.connect(
            lambda: self.hyperparameter_changed.emit("learning_rate", self.learning_rate.value()))
        self.batch_size.editingFinished.connect(
            lambda: self.hyperparameter_changed.emit("batch_size", self.batch_size.value()))
        self.augment.toggled.connect(lambda on: self.hyperparameter_changed.emit("augment", on))
        self.set_running(False, False)
        self.restore()

    def _build_layout(self) -> None:
        form = QFormLayout()
        form.addRow("Optimiser", self.optimizer)
        form.addRow("Learning rate", self.learning_rate)
        form.addRow("Batch size", self.batch_size)
        form.addRow("Epochs", self.epochs)
        form.addRow("Initialisation", self.init)
        form.addRow(self.augment)
        form.addRow(self.continue_training)
        data_buttons = QHBoxLayout()
        data_buttons.addWidget(self.choose_data)
        data_buttons.addWidget(self.default_data)
        form.addRow("Data", self.source)
        form.addRow(data_buttons)

        run = QGridLayout()
        for index, widget in enumerate((self.start, self.pause, self.step, self.stop)):
            run.addWidget(widget, 0, index)
        run.addWidget(self.reset, 1, 0, 1, 2)
        run.addWidget(self.publish, 1, 2, 1, 2)
        files = QHBoxLayout()
        for widget in (self.save, self.load, self.load_autosave):
            files.addWidget(widget)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(run)
        layout.addLayout(files)
        layout.addWidget(self.status)
        layout.addStretch(1)

    def _suggest_rate(self) -> None:
        self.learning_rate.setValue(SUGGESTED_RATES[self.optimizer.currentData()])

    def config(self) -> TrainConfig:
        """Return the settings as a TrainConfig (one-cycle schedule, as the CLI)."""
        return TrainConfig(
            epochs=self.epochs.value(),
            batch_size=self.batch_size.value(),
            optimizer=self.optimizer.currentData(),
            learning_rate=self.learning_rate.value(),
            init=self.init.currentData(),
            augment=self.augment.isChecked(),
        )

    def set_running(self, active: bool, paused: bool) -> None:
        """Enable the buttons that make sense for a run that is `active` (and `paused`)."""
        self.start.setEnabled(not active)
        self.pause.setEnabled(active)
        self.pause.setText("Resume" if paused else "Pause")
        self.step.setEnabled(not active or paused)
        self.stop.setEnabled(active)
        self.publish.setEnabled(active)
        for widget in (self.optimizer, self.epochs, self.init, self.continue_training,
                       self.choose_data, self.default_data, self.reset, self.load,
                       self.load_autosave):
            widget.setEnabled(not active)

    def show_source(self, folder: str | None) -> None:
        self.source.setText(folder or DEFAULT_SOURCE)

    def save_settings(self) -> None:
        settings = QSettings()
        config = self.config()
        for key in ("optimizer", "learning_rate", "batch_size", "epochs", "init", "augment"):
            settings.setValue(f"training/{key}", getattr(config, key))

    def restore(self) -> None:
        settings = QSettings()
        defaults = TrainConfig(epochs=10)

        def value(key, kind):
            stored = settings.value(f"training/{key}", getattr(defaults, key))
            try:
                return kind(stored) if kind is not bool else stored in (True, "true", "1", 1)
            except (TypeError, ValueError):
                return getattr(defaults, key)

        self.optimizer.setCurrentIndex(max(0, self.optimizer.findData(value("optimizer", str))))
        self.learning_rate.setValue(value("learning_rate", float))
        self.batch_size.setValue(value("batch_size", int))
        self.epochs.setValue(value("epochs", int))
        self.init.setCurrentIndex(max(0, self.init.findData(value("init", str))))
        self.augment.setChecked(value("augment", bool))
