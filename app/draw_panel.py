"""The Draw panel: draw a digit and watch the classifier read it live."""

from __future__ import annotations

import logging

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QFont, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.bridge import EngineBridge
from app.canvas import DrawingCanvas
from app.classifier_trainer import ClassifierTrainer
from engine.predictor import Prediction, Predictor

log = logging.getLogger(__name__)

BAR_COLOUR = (90, 140, 220)
WINNER_COLOUR = (240, 160, 40)


class ProbabilityChart(pg.PlotWidget):
    """Ten bars, one per digit, updated in place."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setBackground("w")
        self.setMouseEnabled(False, False)
        self.hideButtons()
        self.setYRange(0, 1, padding=0.02)
        self.setXRange(-0.6, 9.6, padding=0)
        self.setLabel("bottom", "digit")
        self.setLabel("left", "probability")
        self.getAxis("bottom").setTicks([[(d, str(d)) for d in range(10)]])
        self._bars = pg.BarGraphItem(x=np.arange(10), height=np.zeros(10), width=0.7, brush=BAR_COLOUR)
        self.addItem(self._bars)
        self.setToolTip("The network's probability for each digit, updated as you draw.")

    def show_probabilities(self, probabilities: np.ndarray | None) -> None:
        heights = np.zeros(10) if probabilities is None else probabilities
        brushes = [pg.mkBrush(BAR_COLOUR) for _ in range(10)]
        if probabilities is not None:
            brushes[int(np.argmax(probabilities))] = pg.mkBrush(WINNER_COLOUR)
        self._bars.setOpts(height=heights, brushes=brushes)


class NetworkInputView(pg.GraphicsLayoutWidget):
    """The 28x28 image the network receives, shown with nearest-pixel scaling."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setBackground("w")
        view = self.addViewBox(lockAspect=True, enableMouse=False)
        view.invertY(True)
        self._image = pg.ImageItem(np.zeros((28, 28), dtype=np.uint8), axisOrder="row-major")
        self._image.setLevels((0, 255))
        view.addItem(self._image)
        view.setRange(xRange=(0, 28), yRange=(0, 28), padding=0)
        self.setToolTip("What the network sees: your drawing cropped, scaled to 20 px "
                        "and centred by its centre of mass in 28x28, as MNIST was made.")

    def show_image(self, image: np.ndarray | None) -> None:
        # uint8 pixels: with float32 data and levels (0, 1), pyqtgraph 0.14
        # rendered full-intensity pixels black, as if 1.0 wrapped to 0.
        pixels = np.zeros((28, 28)) if image is None else image
        self._image.setImage(np.round(pixels * 255).astype(np.uint8), levels=(0, 255), autoLevels=False)


class DrawPanel(QWidget):
    """Canvas on the left; the verdict, probabilities and network input on the right."""

    prediction_changed = Signal(object)

    def __init__(self, predictor: Predictor, engine: EngineBridge | None = None,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.predictor = predictor
        self.last_prediction: Prediction | None = None
        self.trainer = ClassifierTrainer(engine, predictor, self) if engine else None

        self.canvas = DrawingCanvas()
        self.chart = ProbabilityChart()
        self.input_view = NetworkInputView()
        self.verdict = QLabel()
        self.verdict.setAlignment(Qt.AlignmentFlag.AlignCenter)
        font = QFont()
        font.setPointSize(56)
        font.setBold(True)
        self.verdict.setFont(font)
        self.detail = QLabel()
        self.detail.setAlignment(Qt.AlignmentFlag.AlignCenter)

        self._build_layout()
        self._add_shortcuts()
        self.canvas.drawing_changed.connect(self.update_prediction)
        if self.trainer is not None:
            self.trainer.weights_changed.connect(self.update_prediction)
            self.trainer.digit_chosen.connect(self.load_digit)
        self.update_prediction()

    def _build_layout(self) -> None:
        clear = QPushButton("Clear")
        clear.setToolTip("Erase the canvas (Esc or Delete)")
        clear.clicked.connect(self.canvas.clear)
        undo = QPushButton("Undo stroke")
        undo.setToolTip("Remove the last stroke (Ctrl+Z)")
        undo.clicked.connect(self.canvas.undo)
        buttons = QHBoxLayout()
        buttons.addWidget(clear)
        buttons.addWidget(undo)
        buttons.addStretch(1)

        left = QVBoxLayout()
        left.addWidget(self.canvas, 1)
        left.addLayout(buttons)

        verdict_box = QGroupBox("Prediction")
        verdict_layout = QGridLayout(verdict_box)
        verdict_layout.addWidget(self.verdict, 0, 0)
        verdict_layout.addWidget(self.input_view, 0, 1)
        verdict_layout.addWidget(self.detail, 1, 0)
        verdict_layout.addWidget(QLabel("network input (28x28)"), 1, 1, Qt.AlignmentFlag.AlignCenter)
        self.input_view.setFixedSize(168, 168)

        self.right = QVBoxLayout()
        self.right.addWidget(verdict_box)
        self.right.addWidget(self.chart, 1)

        top = QWidget()
        columns = QHBoxLayout(top)
        columns.setContentsMargins(0, 0, 0, 0)
        columns.addLayout(left, 3)
        columns.addLayout(self.right, 2)
        layout = QVBoxLayout(self)
        if self.trainer is None:
            layout.addWidget(top)
            return
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(top)
        splitter.addWidget(self._training_tabs())
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        layout.addWidget(splitter)

    def _training_tabs(self) -> QTabWidget:
        # The controls scroll, so that the window fits small screens.
        controls = QScrollArea()
        controls.setWidget(self.trainer.controls)
        controls.setWidgetResizable(True)
        controls.setFrameShape(QFrame.Shape.NoFrame)
        controls.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        controls.setMinimumWidth(self.trainer.controls.sizeHint().width() + 20)
        training = QWidget()
        row = QHBoxLayout(training)
        row.addWidget(controls)
        row.addWidget(self.trainer.plots, 1)
        tabs = QTabWidget()
        tabs.addTab(training, "Train the classifier")
        tabs.addTab(self.trainer.test_view, "Test set")
        return tabs

    def _add_shortcuts(self) -> None:
        for key in (Qt.Key.Key_Escape, Qt.Key.Key_Delete):
            QShortcut(QKeySequence(key), self, activated=self.canvas.clear)
        QShortcut(QKeySequence.StandardKey.Undo, self, activated=self.canvas.undo)

    @Slot()
    def update_prediction(self) -> None:
        """Read the canvas and show the verdict; a blank canvas shows a hint."""
        prediction = None
        if not self.canvas.is_empty():
            prediction = self.predictor.predict(self.canvas.to_array(), light_ink=True)
        self.last_prediction = prediction
        self.show_prediction(prediction)
        self.prediction_changed.emit(prediction)

    def show_prediction(self, prediction: Prediction | None) -> None:
        if prediction is None:
            self.verdict.setText("?")
            self.detail.setText("Draw a digit on the canvas")
            self.chart.show_probabilities(None)
            self.input_view.show_image(None)
            return
        self.verdict.setText(str(prediction.digit))
        self.detail.setText(f"{prediction.confidence:.1%} sure")
        self.chart.show_probabilities(prediction.probabilities)
        self.input_view.show_image(prediction.image)

    def load_digit(self, image: np.ndarray) -> None:
        """Put a 28x28 digit on the canvas, e.g. a misread test digit."""
        self.canvas.load_array(image)
