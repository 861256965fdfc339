"""A table of the optimisers: which ones run, their hyperparameters and their status."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QCheckBox, QGridLayout, QLabel, QWidget

from app.descent_plots import TRACE_COLOURS
from app.descent_widgets import NumberBox
from engine.optimizers import OPTIMIZERS

# Column, header, tooltip and range of each hyperparameter. The second
# column is shared, because no optimiser has more than one of momentum,
# alpha and beta1.
COLUMNS = {
    "learning_rate": (1, "rate", "Learning rate (lr in torch.optim)", (1e-6, 100.0)),
    "momentum": (2, "mom/α/β1", "Momentum (SGD), smoothing constant α (RMSprop) or β1 (Adam)",
                 (0.0, 0.9999)),
    "alpha": (2, None, None, (0.0, 0.9999)),
    "beta1": (2, None, None, (0.0, 0.9999)),
    "beta2": (3, "β2", "Decay rate of Adam's squared-gradient average", (0.0, 0.9999)),
    "weight_decay": (4, "decay", "Decoupled weight decay of AdamW", (0.0, 10.0)),
}
STATUS_COLUMN = 5


class OptimizerTable(QWidget):
    """One row per optimiser: a check box to run it and boxes for its hyperparameters."""

    settings_changed = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.check_boxes: dict[str, QCheckBox] = {}
        self.boxes: dict[str, dict[str, NumberBox]] = {}
        self.status_labels: dict[str, QLabel] = {}
        # The same order as the traces, so a row and its trace share a colour.
        self.colours = {key: TRACE_COLOURS[i] for i, key in enumerate(OPTIMIZERS)}
        layout = QGridLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setHorizontalSpacing(4)
        self._add_header(layout)
        for row, key in enumerate(OPTIMIZERS, start=1):
            self._add_row(layout, row, key)
        layout.setColumnStretch(STATUS_COLUMN, 1)

    def _add_header(self, layout: QGridLayout) -> None:
        header = QLabel("optimiser")
        layout.addWidget(header, 0, 0)
        for column, title, tooltip, _ in COLUMNS.values():
            if title is not None:
                label = QLabel(title)
                label.setToolTip(tooltip)
                layout.addWidget(label, 0, column)
        layout.addWidget(QLabel("status"), 0, STATUS_COLUMN)

    def _add_row(self, layout: QGridLayout, row: int, key: str) -> None:
        spec = OPTIMIZERS[key]
        check = QCheckBox(spec.label)
        check.setChecked(True)
        check.setToolTip(f"Run {spec.label} (torch.optim) from the start point")
        palette = check.palette()
        palette.setColor(QPalette.ColorRole.WindowText, QColor(*self.colours[key]))
        check.setPalette(palette)
        check.toggled.connect(self.settings_changed)
        layout.addWidget(check, row, 0)
        self.check_boxes[key] = check

        self.boxes[key] = {}
        for name, value in spec.defaults.items():
            column, _, tooltip, (low, high) = COLUMNS[name]
            box = NumberBox(value, low, high, f"{spec.label}: {name.replace('_', ' ')}")
            box.setMinimumWidth(72)
            box.setMaximumWidth(88)
            box.valueChanged.connect(self._value_changed)
            layout.addWidget(box, row, column)
            self.boxes[key][name] = box

        status = QLabel()
        status.setMinimumWidth(status.fontMetrics().horizontalAdvance("diverged at step 00000"))
        status.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        layout.addWidget(status, row, STATUS_COLUMN)
        self.status_labels[key] = status

    def selected(self) -> dict[str, dict[str, float]]:
        """Return the hyperparameters of each checked optimiser, by key."""
        return {key: {name: box.value() for name, box in self.boxes[key].items()}
                for key, check in self.check_boxes.items() if check.isChecked()}

    def set_learning_rates(self, rates: dict[str, float]) -> None:
        """Set the learning rate boxes without emitting settings_changed."""
        for key, rate in rates.items():
            box = self.boxes[key]["learning_rate"]
            box.blockSignals(True)
            box.setValue(rate)
            box.blockSignals(False)

    def show_status(self, key: str, text: str, detail: str, diverged: bool) -> None:
        label = self.status_labels[key]
        if label.text() == text and label.toolTip() == detail:
            return
        label.setText(text)
        label.setToolTip(detail)
        label.setStyleSheet("color: #b00000" if diverged else "")

    @Slot()
    def _value_changed(self) -> None:
        self.settings_changed.emit()
