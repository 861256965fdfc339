"""Train the Draw panel's classifier live through the engine thread.

`ClassifierTrainer` connects the training controls, the live plots, the test
view and the canvas's predictor to the engine bridge. The predictor keeps its
own copy of the weights, so the canvas reads drawings during training without
waiting for a step. Each epoch the job publishes a snapshot that replaces it.
"""

from __future__ import annotations

import copy
import logging
import math
from pathlib import Path

from PySide6.QtCore import QObject, QSettings, Signal, Slot
from PySide6.QtWidgets import QFileDialog, QWidget

from app.bridge import EngineBridge
from app.test_view import TestView
from app.training_controls import TrainingControls
from app.training_plots import TrainingPlots
from engine.classifier import CheckpointError, DigitCNN, load_checkpoint, save_checkpoint
from engine.data import IDX_FILES, DataError, find_idx_file
from engine.events import Failed, Finished, Metrics, Paused, Progress, Snapshot, TestResults
from engine.predictor import Predictor
from engine.training import ClassifierJob, initialize
from engine.userdata import autosave_path
from engine.worker import Notice

log = logging.getLogger(__name__)

AUTOSAVE_NAME = "cnn-autosave.pt"


def format_duration(seconds: float) -> str:
    """Return e.g. "3 min 05 s", or "unknown" before the rate is known."""
    if not math.isfinite(seconds):
        return "unknown"
    minutes, seconds = divmod(int(seconds), 60)
    return f"{minutes} min {seconds:02d} s"


def check_idx_folder(folder: str) -> None:
    """Raise DataError unless `folder` has the four MNIST IDX files."""
    for names in IDX_FILES.values():
        for name in names:
            find_idx_file(Path(folder), name)


class ClassifierTrainer(QObject):
    """Runs classifier training jobs on the engine and shows what they report."""

    status_changed = Signal(str)
    progress_changed = Signal(int, int, str)
    weights_changed = Signal()
    digit_chosen = Signal(object)

    def __init__(self, engine: EngineBridge, predictor: Predictor, parent: QWidget | None = None):
        super().__init__(parent)
        self.engine = engine
        self.predictor = predictor
        self.controls = TrainingControls()
        self.plots = TrainingPlots()
        self.test_view = TestView()
        self.job: ClassifierJob | None = None
        self.paused = False
        # Use only the first N training digits; tests set it to stay fast.
        self.train_limit: int | None = None
        stored = QSettings().value("training/data_dir")
        self.data_dir: str | None = stored or None
        self.controls.show_source(self.data_dir)
        self._connect()

    def _connect(self) -> None:
        c = self.controls
        c.start.clicked.connect(self.start)
        c.pause.clicked.connect(self.toggle_pause)
        c.step.clicked.connect(self.step)
        c.stop.clicked.connect(self.stop)
        c.reset.clicked.connect(self.reset_weights)
        c.publish.clicked.connect(lambda: self.engine.set_hyperparameter("publish", True))
        c.save.clicked.connect(self.save_dialog)
        c.load.clicked.connect(self.load_dialog)
        c.load_autosave.clicked.connect(lambda: self.load_file(autosave_path(AUTOSAVE_NAME)))
        c.choose_data.clicked.connect(self.choose_data_dir)
        c.default_data.clicked.connect(lambda: self.set_data_dir(None))
        c.hyperparameter_changed.connect(self._change_hyperparameter)
        self.engine.events_ready.connect(self._handle_events)
        self.test_view.digit_chosen.connect(self.digit_chosen)

    @property
    def active(self) -> bool:
        return self.job is not None

    # Commands -------------------------------------------------------------

    @Slot()
    def start(self, paused: bool = False) -> None:
        """Start a run with the controls' settings on a fresh or the current network."""
        if self.active:
            return
        config = self.controls.config()
        model = None
        if self.controls.continue_training.isChecked():
            model = copy.deepcopy(self.predictor.model)
        self.job = ClassifierJob(config, self.data_dir, model, self.engine.device,
                                 limit=self.train_limit, autosave=autosave_path(AUTOSAVE_NAME))
        self.controls.save_settings()
        self.plots.clear()
        self.paused = paused
        self.engine.submit(self.job, paused=paused)
        self._update_buttons()
        source = self.data_dir or "the default 5,000 digits"
        self._status(f"Training on {self.engine.device.upper()} with {source}...")

    @Slot()
    def toggle_pause(self) -> None:
        if not self.active:
            return
        if self.paused:
            self.engine.resume()
        else:
            self.engine.pause()
        self.paused = not self.paused
        self._update_buttons()
        self._status("Paused." if self.paused else "Training resumed.")

    @Slot()
    def step(self) -> None:
        """Run one training step, starting a paused run if none is active."""
        if not self.active:
            self.start(paused=True)
        self.paused = True
        self.engine.step_once()
        self._update_buttons()

    @Slot()
    def stop(self) -> None:
        if self.active:
            self.engine.stop()

    @Slot()
    def reset_weights(self) -> None:
        model = DigitCNN()
        initialize(model, self.controls.init.currentData())
        self.predictor.replace_model(model)
        self.weights_changed.emit()
        self._status("The canvas now uses a fresh, untrained network: its guesses are random "
                     "until you train it.")

    @Slot(str, object)
    def _change_hyperparameter(self, name: str, value) -> None:
        if self.active:
            self.engine.set_hyperparameter(name, value)

    # Data and files -------------------------------------------------------

    @Slot()
    def choose_data_dir(self) -> None:
        folder = QFileDialog.getExistingDirectory(None, "Folder with MNIST IDX files",
                                                  self.data_dir or str(Path.home()))
        if folder:
            self.set_data_dir(folder)

    def set_data_dir(self, folder: str | None) -> bool:
        """Use `folder` (or the default digits for None) for the next run."""
        if folder is not None:
            try:
                check_idx_folder(folder)
            except DataError as error:
                self._status(str(error))
                return False
        self.data_dir = folder
        QSettings().setValue("training/data_dir", folder or "")
        self.controls.show_source(folder)
        self._status(f"The next run trains on {folder or 'the default 5,000 digits'}.")
        return True

    @Slot()
    def save_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(None, "Save classifier", "classifier.pt",
                                              "PyTorch checkpoints (*.pt)")
        if path:
            self.save_file(path)

    def save_file(self, path: str | Path) -> bool:
        try:
            save_checkpoint(self.predictor.model, path)
        except OSError as error:
            self._status(f"Could not save {path}: {error.strerror or error}.")
            return False
        self._status(f"Saved the classifier to {path}.")
        return True

    @Slot()
    def load_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(None, "Load classifier", "",
                                              "PyTorch checkpoints (*.pt);;All files (*)")
        if path:
            self.load_file(path)

    def load_file(self, path: str | Path) -> bool:
        """Load a checkpoint for the canvas; on any problem keep the current network."""
        try:
            model, metadata = load_checkpoint(path)
        except CheckpointError as error:
            self._status(f"{error} The current network is kept.")
            return False
        self.predictor.replace_model(model)
        self.weights_changed.emit()
        accuracy = metadata.get("test_accuracy")
        detail = f" (test accuracy {accuracy:.2%})" if isinstance(accuracy, float) else ""
        self._status(f"Loaded {path}{detail}.")
        return True

    # Events ---------------------------------------------------------------

    @Slot(object, list)
    def _handle_events(self, job, events: list) -> None:
        if job is not self.job:
            return
        for event in events:
            self._handle(event)
        self.plots.redraw()

    def _handle(self, event) -> None:
        if isinstance(event, Metrics):
            if "loss" in event.values:
                self.plots.add_loss(event.step, event.values["loss"])
            if event.epoch is not None:
                self.plots.add_accuracy(event.epoch, event.values["train_accuracy"],
                                        event.values["test_accuracy"])
        elif isinstance(event, Progress):
            self._show_progress(event)
        elif isinstance(event, Snapshot):
            self.predictor.load_snapshot(event)
            self.weights_changed.emit()
        elif isinstance(event, TestResults):
            self.test_view.show_results(event)
        elif isinstance(event, Paused):
            self.paused = True
            self._update_buttons()
            self._status(event.reason)
        elif isinstance(event, Notice):
            self._status(event.text)
        elif isinstance(event, (Finished, Failed)):
            self._end(event)

    def _show_progress(self, progress: Progress) -> None:
        text = (f"epoch {progress.epoch + 1}/{progress.total_epochs}, step {progress.step}"
                f"/{progress.total_steps}, {progress.samples_per_second:.0f} digits/s, "
                f"ETA {format_duration(progress.eta_seconds)}")
        self.progress_changed.emit(progress.step, progress.total_steps, text)

    def _end(self, event) -> None:
        self.job = None
        self.paused = False
        self._update_buttons()
        self.progress_changed.emit(0, 0, "")
        if isinstance(event, Failed):
            self._status(event.reason)
        elif event.stopped:
            self._status("Training stopped; the canvas keeps the weights of the last epoch.")
        else:
            accuracy = event.summary.get("test_accuracy")
            self._status(f"Training finished: {accuracy:.2%} on the test digits. "
                         f"Autosaved to {autosave_path(AUTOSAVE_NAME)}.")

    def _update_buttons(self) -> None:
        self.controls.set_running(self.active, self.paused)

    def _status(self, message: str) -> None:
        self.controls.status.setText(message)
        self.status_changed.emit(message)
