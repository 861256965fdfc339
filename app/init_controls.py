"""The settings column of the Initialisation panel: network, schemes and training."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QColor, QKeySequence, QPalette, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.init_plots import SCHEME_COLOURS, scheme_tooltip
from engine.init_training import InitTrainingConfig
from engine.initialization import ACTIVATIONS, MAX_DEPTH, MAX_WIDTH, SCHEMES, InitConfig

DEFAULT_SCHEMES = ("normal", "small", "xavier", "he")
INPUT_LABELS = {"digits": "real digits", "noise": "unit-variance noise"}


def spin_box(low: int, high: int, value: int, step: int, tooltip: str) -> QSpinBox:
    box = QSpinBox()
    box.setRange(low, high)
    box.setValue(value)
    box.setSingleStep(step)
    box.setToolTip(tooltip)
    return box


class InitControls(QWidget):
    """Spin boxes, combo boxes and check boxes whose values make the panel's configs."""

    settings_changed = Signal()
    train_requested = Signal()
    stop_requested = Signal()
    learning_rate_changed = Signal(float)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._network_box())
        layout.addWidget(self._scheme_box())
        layout.addWidget(self._training_box())
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setToolTip("What the panel measured or trained last, or what went wrong.")
        layout.addWidget(self.status)
        layout.addStretch(1)

    def _network_box(self) -> QGroupBox:
        self.depth = spin_box(1, MAX_DEPTH, 10, 1, "Number of fully connected hidden layers")
        self.width = spin_box(1, MAX_WIDTH, 256, 32, "Units per hidden layer (n_in of every layer "
                              "after the first, whose n_in is 784 pixels)")
        self.activation = QComboBox()
        self.activation.addItems(ACTIVATIONS)
        self.activation.setToolTip("Activation function f applied after every layer")
        self.inputs = QComboBox()
        for key, label in INPUT_LABELS.items():
            self.inputs.addItem(label, key)
        self.inputs.setToolTip("Feed a batch of real digits (standardised to zero mean and unit "
                               "variance) or of N(0, 1) noise")
        self.seed = spin_box(0, 9999, 0, 1, "Random seed of the weights, the batch and the "
                             "injected gradient (Ctrl+R draws a new one)")
        redraw = QPushButton("New draw")
        redraw.setToolTip("Draw new weights and a new batch (Ctrl+R)")
        redraw.clicked.connect(self.draw_again)
        QShortcut(QKeySequence("Ctrl+R"), self, activated=self.draw_again)

        for box in (self.depth, self.width, self.seed):
            box.valueChanged.connect(self.settings_changed)
        for combo in (self.activation, self.inputs):
            combo.currentIndexChanged.connect(self.settings_changed)

        seed_row = QHBoxLayout()
        seed_row.addWidget(self.seed, 1)
        seed_row.addWidget(redraw)
        group = QGroupBox("Network")
        form = QFormLayout(group)
        form.addRow("Depth", self.depth)
        form.addRow("Width", self.width)
        form.addRow("Activation", self.activation)
        form.addRow("Input", self.inputs)
        form.addRow("Seed", seed_row)
        return group

    def _scheme_box(self) -> QGroupBox:
        group = QGroupBox("Initialisation schemes")
        column = QVBoxLayout(group)
        self.scheme_boxes: dict[str, QCheckBox] = {}
        for index, scheme in enumerate(SCHEMES, start=1):
            box = QCheckBox(scheme)
            box.setChecked(scheme in DEFAULT_SCHEMES)
            box.setToolTip(f"{scheme_tooltip(scheme)} Alt+{index} shows or hides it.")
            palette = box.palette()
            palette.setColor(QPalette.ColorRole.WindowText, QColor(*SCHEME_COLOURS[scheme]))
            box.setPalette(palette)
            box.toggled.connect(self.settings_changed)
            QShortcut(QKeySequence(f"Alt+{index}"), self, activated=box.toggle)
            self.scheme_boxes[scheme] = box
            column.addWidget(box)
        return group

    def _training_box(self) -> QGroupBox:
        self.steps = spin_box(1, 5000, 200, 50, "SGD steps per scheme")
        self.batch_size = spin_box(1, 1024, 64, 16, "Digits per step")
        self.learning_rate = QDoubleSpinBox()
        self.learning_rate.setDecimals(4)
        self.learning_rate.setRange(0.0001, 1.0)
        self.learning_rate.setSingleStep(0.005)
        self.learning_rate.setValue(0.01)
        self.learning_rate.setToolTip("SGD learning rate (momentum 0.9); a change applies to a "
                                      "run in progress from its next step")
        self.learning_rate.valueChanged.connect(self.learning_rate_changed)

        self.train = QPushButton("Train with it")
        self.train.setToolTip("Train the network above on the digits once per checked scheme, "
                              "on the engine thread, and overlay the losses (Ctrl+T). "
                              "This replaces any other training in progress.")
        self.train.clicked.connect(self.train_requested)
        self.stop = QPushButton("Stop")
        self.stop.setToolTip("Stop this training run after the current step (Ctrl+.)")
        self.stop.setEnabled(False)
        self.stop.clicked.connect(self.stop_requested)
        QShortcut(QKeySequence("Ctrl+T"), self, activated=self.train.click)
        QShortcut(QKeySequence("Ctrl+."), self, activated=self.stop.click)

        buttons = QHBoxLayout()
        buttons.addWidget(self.train, 1)
        buttons.addWidget(self.stop)
        group = QGroupBox("Train with it")
        form = QFormLayout(group)
        form.addRow("Steps", self.steps)
        form.addRow("Batch size", self.batch_size)
        form.addRow("Learning rate", self.learning_rate)
        form.addRow(buttons)
        return group

    def draw_again(self) -> None:
        """Move to the next seed, which redraws the weights and the batch."""
        self.seed.setValue((self.seed.value() + 1) % (self.seed.maximum() + 1))

    def schemes(self) -> list[str]:
        """Return the checked schemes in the order of SCHEMES."""
        return [scheme for scheme, box in self.scheme_boxes.items() if box.isChecked()]

    def config(self) -> InitConfig:
        """Return the network and batch settings for the statistics."""
        return InitConfig(
            depth=self.depth.value(),
            width=self.width.value(),
            activation=self.activation.currentText(),
            inputs=self.inputs.currentData(),
            seed=self.seed.value(),
        )

    def training_config(self) -> InitTrainingConfig:
        """Return the settings of a "train with it" run for the checked schemes."""
        return InitTrainingConfig(
            schemes=tuple(self.schemes()),
            depth=self.depth.value(),
            width=self.width.value(),
            activation=self.activation.currentText(),
            steps=self.steps.value(),
            batch_size=self.batch_size.value(),
            learning_rate=self.learning_rate.value(),
            seed=self.seed.value(),
        )

    def set_training(self, running: bool) -> None:
        """Enable Stop while a run is in progress, and Train otherwise."""
        self.train.setEnabled(not running)
        self.stop.setEnabled(running)
