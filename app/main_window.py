"""The main window: one tab per panel and a status bar."""

from __future__ import annotations

import logging

from PySide6.QtCore import QSettings, Slot
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import QApplication, QMainWindow, QTabWidget, QWidget

from app.bridge import EngineBridge
from app.draw_panel import DrawPanel
from app.gan_panel import GanPanel
from app.init_panel import InitPanel
from engine.classifier import CheckpointError, DigitCNN
from engine.predictor import Predictor

log = logging.getLogger(__name__)

APP_NAME = "Digit Playground"
ORGANIZATION = "digit-playground"


class MainWindow(QMainWindow):
    """Holds the panels as tabs; Ctrl+1..9 switches between them."""

    def __init__(self, predictor: Predictor, restore: bool = True, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(APP_NAME)
        self.engine = EngineBridge(self)
        self.tabs = QTabWidget()
        self.setCentralWidget(self.tabs)
        self.panels: dict[str, QWidget] = {}

        self.draw_panel = DrawPanel(predictor)
        self.add_panel("draw", "Draw", self.draw_panel)
        self.add_panel("gan", "GAN", GanPanel(self.engine, predictor))
        self.add_panel("init", "Initialisation", InitPanel(self.engine))

        self.statusBar().showMessage("Ready: draw a digit.")
        self.resize(1100, 700)
        if restore:
            self._restore_geometry()

    def add_panel(self, key: str, title: str, panel: QWidget) -> None:
        """Add `panel` as a tab; `key` is the name used by `screenshot --panel`."""
        index = self.tabs.addTab(panel, title)
        self.panels[key] = panel
        if index < 9:
            shortcut = QShortcut(QKeySequence(f"Ctrl+{index + 1}"), self)
            shortcut.activated.connect(lambda i=index: self.tabs.setCurrentIndex(i))
        self.tabs.setTabToolTip(index, f"{title} panel (Ctrl+{index + 1})")

    def show_panel(self, key: str) -> None:
        """Bring the panel called `key` to the front; raise KeyError if unknown."""
        self.tabs.setCurrentWidget(self.panels[key])

    @Slot(str)
    def show_status(self, message: str) -> None:
        self.statusBar().showMessage(message)

    def _restore_geometry(self) -> None:
        geometry = QSettings().value("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)

    def closeEvent(self, event: QCloseEvent) -> None:
        QSettings().setValue("window/geometry", self.saveGeometry())
        # Stop the engine thread before Qt and Python tear down.
        self.engine.shutdown()
        super().closeEvent(event)


def create_application(argv: list[str]) -> QApplication:
    """Return the QApplication, creating it with the app's names for QSettings."""
    app = QApplication.instance() or QApplication(argv)
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(ORGANIZATION)
    return app


def open_main_window(data_dir=None, restore: bool = True) -> MainWindow:
    """Build the main window with the shipped classifier loaded.

    A missing or broken shipped checkpoint does not stop the window from
    opening: the panel starts with an untrained network and says so.
    """
    problem = None
    try:
        predictor = Predictor.from_checkpoint()
    except CheckpointError as error:
        log.warning("shipped classifier not loaded: %s", error)
        predictor = Predictor(DigitCNN())
        problem = f"No trained classifier loaded ({error}); predictions are random until you train."
    window = MainWindow(predictor, restore=restore)
    window.data_dir = data_dir
    if problem:
        window.show_status(problem)
    return window
