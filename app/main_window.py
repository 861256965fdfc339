"""The main window: one tab per panel and a status bar."""

from __future__ import annotations

import logging

from PySide6.QtCore import QSettings, Slot
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QMainWindow,
    QProgressBar,
    QTabWidget,
    QWidget,
)

from app.bridge import EngineBridge
from app.descent_panel import DescentPanel
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

        self.draw_panel = DrawPanel(predictor, self.engine)
        self.add_panel("draw", "Draw", self.draw_panel)
        self.add_panel("gan", "GAN", GanPanel(self.engine, predictor))
        self.add_panel("descent", "Descent", DescentPanel())
        self.add_panel("init", "Initialisation", InitPanel(self.engine))

        self._build_status_bar()
        self.resize(1280, 860)
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

    def _build_status_bar(self) -> None:
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(480)
        self.progress.setTextVisible(True)
        self.progress.hide()
        device = QLabel(f"Engine: {self.engine.device.upper()}")
        device.setToolTip("Where training runs: CUDA when PyTorch sees a GPU, otherwise the CPU")
        self.statusBar().addPermanentWidget(self.progress)
        self.statusBar().addPermanentWidget(device)
        self.statusBar().showMessage("Ready: draw a digit.")
        # A message belongs to the panel that showed it.
        self.tabs.currentChanged.connect(self.statusBar().clearMessage)
        trainer = self.draw_panel.trainer
        trainer.status_changed.connect(self.show_status)
        trainer.progress_changed.connect(self.show_progress)

    @Slot(str)
    def show_status(self, message: str) -> None:
        self.statusBar().showMessage(message)

    @Slot(int, int, str)
    def show_progress(self, done: int, total: int, text: str) -> None:
        """Show a run's progress; a total of 0 hides the bar."""
        self.progress.setVisible(total > 0)
        self.progress.setRange(0, max(1, total))
        self.progress.setValue(done)
        self.progress.setFormat(text)

    def _restore_geometry(self) -> None:
        geometry = QSettings().value("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)

    def closeEvent(self, event: QCloseEvent) -> None:
        QSettings().setValue("window/geometry", self.saveGeometry())
        # Stop the panels' own threads and the engine thread before Qt and
        # Python tear down: a thread still inside Qt or PyTorch then can crash.
        for panel in self.panels.values():
            shutdown = getattr(panel, "shutdown", None)
            if shutdown is not None:
                shutdown()
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
    opening: the panel starts with an untrained network and the status bar shows why.
    """
    problem = None
    try:
        predictor = Predictor.from_checkpoint()
    except CheckpointError as error:
        log.warning("shipped classifier not loaded: %s", error)
        predictor = Predictor(DigitCNN())
        problem = f"No trained classifier loaded ({error}); predictions are random until you train."
    window = MainWindow(predictor, restore=restore)
    if data_dir is not None:
        window.draw_panel.trainer.set_data_dir(str(data_dir))
    if problem:
        window.show_status(problem)
    # Quitting without closing the window (e.g. Ctrl+C) must stop the thread too.
    QApplication.instance().aboutToQuit.connect(window.engine.shutdown)
    return window
