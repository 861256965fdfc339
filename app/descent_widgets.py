"""Controls shared by the Descent panel's views: number boxes and the playback bar."""

from __future__ import annotations

import math
import time

from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtGui import QKeySequence, QShortcut, QValidator
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QComboBox,
    QDoubleSpinBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

# Steps per second offered by the speed box.
SPEEDS = (1, 2, 5, 10, 20, 50, 100, 200, 500)
DEFAULT_SPEED = 20
TICK_MS = 16
# Width kept free for a vertical scroll bar beside the controls.
SCROLL_BAR_ROOM = 20
MAX_TICK_S = 0.1


def side_panel(layout, maximum_width: int) -> QScrollArea:
    """Return ``layout`` in a scroll area, so a short window scrolls the controls."""
    content = QWidget()
    content.setLayout(layout)
    area = QScrollArea()
    area.setWidget(content)
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    area.setMinimumWidth(content.minimumSizeHint().width() + SCROLL_BAR_ROOM)
    area.setMaximumWidth(maximum_width)
    return area


def lay_out_map_view(view: QWidget, plots: list[QWidget], cursor_label: QLabel,
                     side: QScrollArea) -> None:
    """Lay out `view`: the contour map over its curve plot, the hover label, the controls right."""
    left = QSplitter(Qt.Orientation.Vertical)
    for plot in plots:
        left.addWidget(plot)
    left.setSizes([520, 200])
    column = QVBoxLayout()
    column.addWidget(left, 1)
    column.addWidget(cursor_label)
    layout = QHBoxLayout(view)
    layout.addLayout(column, 1)
    layout.addWidget(side)


class NumberBox(QDoubleSpinBox):
    """A spin box that shows and accepts numbers such as 0.01, 1e-05 or 2.5e3.

    It emits ``valueChanged`` on Enter, on focus loss and on arrow or wheel
    steps, never for a half-typed number.
    """

    def __init__(self, value: float, minimum: float, maximum: float, tooltip: str,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.setDecimals(12)
        self.setRange(minimum, maximum)
        self.setStepType(QAbstractSpinBox.StepType.AdaptiveDecimalStepType)
        self.setKeyboardTracking(False)
        self.setValue(value)
        self.setToolTip(tooltip)

    def textFromValue(self, value: float) -> str:
        return f"{value:.6g}"

    def valueFromText(self, text: str) -> float:
        return float(text)

    def validate(self, text: str, position: int) -> QValidator.State:
        try:
            value = float(text)
        except ValueError:
            return QValidator.State.Intermediate
        if math.isfinite(value) and self.minimum() <= value <= self.maximum():
            return QValidator.State.Acceptable
        return QValidator.State.Intermediate


class PlaybackBar(QWidget):
    """Play, pause, step, reset and speed, with a QTimer that requests steps.

    While playing, the timer fires about every 16 ms and ``steps_requested``
    carries the number of steps due at the chosen speed since the last tick
    (fractions carry over to the next tick). Shortcuts: Space plays or pauses, Right steps once,
    R resets, ] and [ change the speed. They act only while ``owner`` is
    visible, so each view of a tabbed panel can have its own bar.
    """

    steps_requested = Signal(int)
    reset_requested = Signal()

    def __init__(self, owner: QWidget, parent: QWidget | None = None):
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self._tick)
        self._due = 0.0
        self._last_tick = time.perf_counter()

        self.play_button = QPushButton("Play")
        self.play_button.setCheckable(True)
        self.play_button.setToolTip("Run steps continuously at the chosen speed (Space)")
        self.play_button.toggled.connect(self._play_toggled)
        self.step_button = QPushButton("Step")
        self.step_button.setToolTip("Take one step (Right arrow)")
        self.step_button.clicked.connect(self.step_once)
        self.reset_button = QPushButton("Reset")
        self.reset_button.setToolTip("Go back to the start point (R)")
        self.reset_button.clicked.connect(self.reset)
        self.speed_box = QComboBox()
        for speed in SPEEDS:
            self.speed_box.addItem(f"{speed} steps/s", speed)
        self.speed_box.setCurrentIndex(SPEEDS.index(DEFAULT_SPEED))
        self.speed_box.setToolTip("Steps per second while playing (] faster, [ slower)")
        self.speed_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.step_label = QLabel("step 0")

        layout = QGridLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for column, widget in enumerate((self.play_button, self.step_button, self.reset_button)):
            layout.addWidget(widget, 0, column)
        layout.addWidget(self.speed_box, 1, 0)
        layout.addWidget(self.step_label, 1, 1, 1, 2)
        self._add_shortcuts(owner)

    @property
    def playing(self) -> bool:
        return self._timer.isActive()

    @property
    def speed(self) -> int:
        return int(self.speed_box.currentData())

    def _add_shortcuts(self, owner: QWidget) -> None:
        bindings = (("Space", self.play_button.toggle), ("Right", self.step_once),
                    ("R", self.reset), ("]", lambda: self._change_speed(1)),
                    ("[", lambda: self._change_speed(-1)))
        for key, slot in bindings:
            QShortcut(QKeySequence(key), owner, activated=slot)

    @Slot()
    def play(self) -> None:
        self.play_button.setChecked(True)

    @Slot()
    def pause(self) -> None:
        self.play_button.setChecked(False)

    @Slot()
    def step_once(self) -> None:
        self.pause()
        self.steps_requested.emit(1)

    @Slot()
    def reset(self) -> None:
        self.pause()
        self.reset_requested.emit()

    def show_step(self, step: int, finished: bool) -> None:
        """Show the step count, and pause once every run has finished."""
        text = f"step {step}" + (" (done)" if finished else "")
        if text != self.step_label.text():
            self.step_label.setText(text)
        if finished and self.playing:
            self.pause()

    def _change_speed(self, direction: int) -> None:
        index = min(max(self.speed_box.currentIndex() + direction, 0), len(SPEEDS) - 1)
        self.speed_box.setCurrentIndex(index)

    @Slot(bool)
    def _play_toggled(self, playing: bool) -> None:
        self.play_button.setText("Pause" if playing else "Play")
        self._due = 0.0
        self._last_tick = time.perf_counter()
        if playing:
            self._timer.start()
        else:
            self._timer.stop()

    @Slot()
    def _tick(self) -> None:
        # Measured time, not the nominal interval, because slow redraws delay ticks. The cap
        # keeps a stall from turning into a burst of steps.
        now = time.perf_counter()
        elapsed = min(now - self._last_tick, MAX_TICK_S)
        self._last_tick = now
        self._due += self.speed * elapsed
        count = int(self._due)
        if count:
            self._due -= count
            self.steps_requested.emit(count)
