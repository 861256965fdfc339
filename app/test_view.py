"""The test-set view: a confusion matrix and the misread test digits."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSize, Qt, Signal, Slot
from PySide6.QtGui import QIcon, QImage, QPixmap
from PySide6.QtWidgets import QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from engine.events import TestResults

MAX_MISREAD_SHOWN = 120
ICON_SIZE = 56


def confusion_matrix(labels: np.ndarray, predicted: np.ndarray) -> np.ndarray:
    """Return counts (10, 10): row = true digit, column = predicted digit."""
    return np.bincount(labels * 10 + predicted, minlength=100).reshape(10, 10)


def digit_icon(image: np.ndarray) -> QIcon:
    pixels = np.ascontiguousarray(np.clip(image, 0, 1) * 255, dtype=np.uint8)
    picture = QImage(pixels.data, 28, 28, 28, QImage.Format.Format_Grayscale8).copy()
    return QIcon(QPixmap.fromImage(picture).scaled(ICON_SIZE, ICON_SIZE))


class ConfusionMatrixView(pg.PlotWidget):
    """A 10x10 heat map with the count written in each cell."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setBackground("w")
        self.setLabel("bottom", "predicted digit")
        self.setLabel("left", "true digit")
        self.setMouseEnabled(False, False)
        self.hideButtons()
        ticks = [[(d + 0.5, str(d)) for d in range(10)]]
        self.getAxis("bottom").setTicks(ticks)
        self.getAxis("left").setTicks(ticks)
        self.getViewBox().invertY(True)
        self.getViewBox().setAspectLocked(True)
        self._image = pg.ImageItem(np.zeros((10, 10)), axisOrder="row-major")
        self._image.setColorMap(pg.colormap.get("CET-L19"))
        self.addItem(self._image)
        self._counts = []
        for row in range(10):
            for col in range(10):
                text = pg.TextItem("", color="k", anchor=(0.5, 0.5))
                text.setPos(col + 0.5, row + 0.5)
                self.addItem(text)
                self._counts.append(text)
        self.setRange(xRange=(0, 10), yRange=(0, 10), padding=0)
        self.setToolTip("Rows: true digit; columns: what the network predicted. "
                        "Off-diagonal cells are mistakes.")

    def show_matrix(self, matrix: np.ndarray) -> None:
        # A log scale keeps small off-diagonal counts visible beside ~100s.
        self._image.setImage(np.log1p(matrix), levels=(0, np.log1p(max(1, matrix.max()))))
        for text, count in zip(self._counts, matrix.ravel()):
            text.setText(str(count) if count else "")


class TestView(QWidget):
    """Confusion matrix and a grid of misread test digits; a click loads one."""

    __test__ = False  # not a pytest test class despite the name

    digit_chosen = Signal(object)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.matrix = ConfusionMatrixView()
        self.summary = QLabel("Train the network to see how it does on the test digits.")
        self.misread = QListWidget()
        self.misread.setViewMode(QListWidget.ViewMode.IconMode)
        self.misread.setIconSize(QSize(ICON_SIZE, ICON_SIZE))
        self.misread.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.misread.setMovement(QListWidget.Movement.Static)
        self.misread.setToolTip("Test digits the network got wrong: true → predicted. "
                                "Click one to put it on the canvas.")
        self.misread.itemClicked.connect(self._choose)
        self._images: list[np.ndarray] = []

        right = QVBoxLayout()
        right.addWidget(self.summary)
        right.addWidget(self.misread, 1)
        layout = QHBoxLayout(self)
        layout.addWidget(self.matrix, 1)
        layout.addLayout(right, 1)

    def show_results(self, results: TestResults) -> None:
        matrix = confusion_matrix(results.labels, results.predicted)
        self.matrix.show_matrix(matrix)
        wrong = np.flatnonzero(results.labels != results.predicted)
        accuracy = 1 - len(wrong) / max(1, len(results.labels))
        self.summary.setText(
            f"Epoch {results.epoch}: {accuracy:.2%} of {len(results.labels)} test digits "
            f"right, {len(wrong)} misread" + (f" (first {MAX_MISREAD_SHOWN} shown)"
                                              if len(wrong) > MAX_MISREAD_SHOWN else "") + ".")
        self.misread.clear()
        self._images = []
        for index in wrong[:MAX_MISREAD_SHOWN]:
            true, guess = int(results.labels[index]), int(results.predicted[index])
            item = QListWidgetItem(digit_icon(results.images[index]), f"{true} → {guess}")
            item.setData(Qt.ItemDataRole.UserRole, len(self._images))
            item.setToolTip(f"Test digit #{index}: a {true} read as {guess}")
            self.misread.addItem(item)
            self._images.append(results.images[index])

    @Slot(QListWidgetItem)
    def _choose(self, item: QListWidgetItem) -> None:
        self.digit_chosen.emit(self._images[item.data(Qt.ItemDataRole.UserRole)])
