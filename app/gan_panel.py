"""The GAN panel: watch a GAN learn to write digits, step by step.

Training runs as a GanTraining job on the engine thread. Its events come back
through the bridge's `events_ready` batches and redraw the views here.
"""

from __future__ import annotations

import copy
import logging

import numpy as np
from PySide6.QtCore import Qt, QTimer, Slot
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QGroupBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app.gan_controls import GanControls
from app.gan_files import GanFileActions
from app.gan_samples import SampleViews
from app.gan_views import JudgeChart, discriminator_plot, loss_plot
from engine.data import DataError
from engine.events import Failed, Finished, Images, Metrics, Paused, Progress, Snapshot
from engine.gan.config import GanConfig
from engine.gan.judge import DiscriminatorWatch, Judge, Judgement
from engine.gan.training import GanTraining, training_images
from engine.predictor import Predictor

log = logging.getLogger(__name__)

PLOT_INTERVAL_MS = 250


class GanPanel(QWidget):
    """Settings and buttons on the left, samples in the middle, plots on the right."""

    def __init__(self, engine, predictor: Predictor, parent: QWidget | None = None):
        super().__init__(parent)
        self.engine = engine
        self.predictor = predictor
        self.job: GanTraining | None = None
        # Settings the form does not show (network width, how often to draw
        # the grid and to judge) come from here.
        self.base_config = GanConfig()
        self.running = False
        self.images: np.ndarray | None = None
        self.watch = DiscriminatorWatch()

        self.controls = GanControls()
        self.samples = SampleViews()
        self.losses = loss_plot()
        self.outputs = discriminator_plot()
        self.judge_chart = JudgeChart()
        self.judge_summary = QLabel("No judgement yet.")
        self.verdict = QLabel("")
        self.balance = QLabel("")
        self.status = QLabel("Press Play (Space) to train a GAN on the digits.")
        self.files = GanFileActions(self)
        # Plots redraw at most every PLOT_INTERVAL_MS: repainting their axes is
        # the GUI's largest cost, and on two cores it slows training down.
        self.plot_timer = QTimer(self, singleShot=True, interval=PLOT_INTERVAL_MS)
        self.plot_timer.timeout.connect(self.redraw_plots)
        self._make_buttons()
        self._build_layout()
        self._add_shortcuts()
        self._connect()

    # Layout -------------------------------------------------------------------

    def _make_buttons(self) -> None:
        def button(text: str, tooltip: str, slot) -> QPushButton:
            widget = QPushButton(text)
            widget.setToolTip(tooltip)
            widget.clicked.connect(slot)
            return widget

        self.play_button = button("Play", "Train continuously (Space toggles play and pause)",
                                  self.toggle_play)
        self.step_button = button("Step", "One D+G update, then pause (Right arrow)", self.step)
        self.reset_button = button("Reset", "New networks from the current settings (Ctrl+R)",
                                   self.reset)

    def _build_layout(self) -> None:
        buttons = QHBoxLayout()
        for widget in (self.play_button, self.step_button, self.reset_button):
            buttons.addWidget(widget)
        settings = QGroupBox("Settings")
        settings_layout = QVBoxLayout(settings)
        settings_layout.addWidget(self.controls)
        settings_layout.addStretch(1)
        left = QVBoxLayout()
        left.addLayout(buttons)
        left.addWidget(settings, 1)
        left.addWidget(self.files.bar())

        middle = QVBoxLayout()
        middle.addWidget(self.samples, 1)
        middle.addWidget(self.status)

        for label in (self.judge_summary, self.verdict, self.balance, self.status):
            label.setWordWrap(True)
        self.balance.setStyleSheet("color: #b03020;")
        right = QVBoxLayout()
        right.addWidget(self.losses, 1)
        right.addWidget(self.outputs, 1)
        right.addWidget(self.judge_chart, 1)
        right.addWidget(self.judge_summary)
        right.addWidget(self.verdict)
        right.addWidget(self.balance)

        layout = QHBoxLayout(self)
        layout.addLayout(left, 0)
        layout.addLayout(middle, 3)
        layout.addLayout(right, 3)

    def _add_shortcuts(self) -> None:
        for key, slot in ((Qt.Key.Key_Space, self.toggle_play), (Qt.Key.Key_Right, self.step),
                          ("Ctrl+R", self.reset), (Qt.Key.Key_W, self.samples.new_walk)):
            QShortcut(QKeySequence(key), self, activated=slot)

    def _connect(self) -> None:
        self.engine.events_ready.connect(self.receive_events)
        self.controls.setting_changed.connect(self.change_setting)

    # Commands -----------------------------------------------------------------

    @Slot()
    def toggle_play(self) -> None:
        if self.running:
            self.pause()
        else:
            self.play()

    @Slot()
    def play(self) -> None:
        """Start training, creating a run first if there is none."""
        if self.job is None and not self.reset():
            return
        if self.job.finished:
            # Play after the end trains another `steps` steps with the same run.
            self.job.set_hyperparameter("steps", self.job.step_count + self.controls.steps.value())
            self.engine.submit(self.job)
        elif self.engine.worker.job is not self.job:
            self.engine.submit(self.job)
        else:
            self.engine.resume()
        self._set_running(True)

    @Slot()
    def pause(self) -> None:
        self.engine.pause()
        self._set_running(False)
        self.status.setText(f"Paused at step {self.job.step_count if self.job else 0}.")

    @Slot()
    def step(self) -> None:
        """Do one D+G update and pause."""
        if self.job is None and not self.reset():
            return
        if self.job.finished:
            self.job.set_hyperparameter("steps", self.job.step_count + 1)
        if self.engine.worker.job is not self.job:
            self.engine.submit(self.job, paused=True)
        self.engine.step_once()
        self._set_running(False)

    @Slot()
    def reset(self) -> bool:
        """Replace the run with fresh networks built from the settings; return success."""
        try:
            config = self.controls.config(self.base_config)
            job = GanTraining(self.load_images(), config, self.make_judge(), self.engine.device)
        except (ValueError, DataError) as error:
            self.status.setText(f"Cannot start: {error}")
            return False
        self.adopt(job)
        self.status.setText("New networks ready: press Play (Space) or Step (Right arrow).")
        return True

    def adopt(self, job: GanTraining) -> None:
        """Make `job` the panel's run (paused on the engine) and redraw from its state."""
        self.job = job
        self.engine.submit(job, paused=True)
        self._set_running(False)
        self.losses.clear_series()
        self.outputs.clear_series()
        self.samples.clear()
        self.watch = DiscriminatorWatch()
        self.balance.setText("")
        self.judge_chart.show_judgement(job.last_judgement)
        self._show_judgement_text(job.last_judgement)
        # The engine waits paused, so reading the networks here races nothing.
        self.samples.add_snapshot(job.step_count, job.grid())
        self.samples.load_generator(job.snapshot())
        self.controls.set_config(job.config)

    @Slot(str, object)
    def change_setting(self, name: str, value) -> None:
        """Pass a live setting to the run: through the engine, or directly once it has ended."""
        if self.job is None:
            return
        if self.engine.worker.job is self.job:
            self.engine.set_hyperparameter(name, value)
            return
        # The worker dropped the finished run, so no other thread touches it.
        try:
            self.job.set_hyperparameter(name, value)
        except ValueError as error:
            self.status.setText(f"Setting {name} to {value!r} was rejected: {error}")

    # Events -------------------------------------------------------------------

    @Slot(object, list)
    def receive_events(self, job, events: list) -> None:
        """Apply a batch of the engine's events; batches of other jobs are ignored."""
        if job is not self.job:
            return
        for event in events:
            self._apply_event(event)
        if not self.plot_timer.isActive():
            self.plot_timer.start()

    @Slot()
    def redraw_plots(self) -> None:
        self.losses.redraw()
        self.outputs.redraw()

    def _apply_event(self, event) -> None:
        if isinstance(event, Metrics):
            self.losses.append(event.step, event.values)
            self.outputs.append(event.step, event.values)
            warning = self.watch.update(event.values["d_fake"])
            self.balance.setText(warning or "")
        elif isinstance(event, Images) and event.name == "grid":
            self.samples.add_snapshot(event.labels["step"], event.images)
        elif isinstance(event, Snapshot) and event.name == "generator":
            self.samples.load_generator(event)
        elif isinstance(event, Judgement):
            self.judge_chart.show_judgement(event)
            self._show_judgement_text(event)
        elif isinstance(event, Progress):
            rate = event.samples_per_second / self.job.config.batch_size
            self.status.setText(f"Step {event.step} of {event.total_steps}, {rate:.1f} steps/s.")
        elif isinstance(event, (Paused, Failed)):
            self._set_running(False)
            self.status.setText(event.reason)
        elif isinstance(event, Finished):
            self._set_running(False)
            if not event.stopped:
                self.status.setText(f"Finished {self.job.step_count} steps; Play trains "
                                    f"{self.controls.steps.value()} more.")
        elif hasattr(event, "text"):
            # The worker's Notice, e.g. a setting the job rejected.
            self.status.setText(event.text)

    def _show_judgement_text(self, judgement: Judgement | None) -> None:
        if judgement is None:
            self.judge_summary.setText("No judgement yet: the classifier reads "
                                       f"{self.job.config.judge_samples if self.job else 0} "
                                       "samples every few hundred steps.")
            self.verdict.setText("")
            return
        self.judge_summary.setText(
            f"Step {judgement.step}: mean confidence {judgement.confidence:.0%}, "
            f"{judgement.classes} of 10 digits present (at least 2% each), "
            f"entropy {judgement.entropy:.2f}."
        )
        self.verdict.setText(judgement.verdict)

    # Helpers ------------------------------------------------------------------

    def _set_running(self, running: bool) -> None:
        self.running = running
        self.play_button.setText("Pause" if running else "Play")

    def load_images(self) -> np.ndarray:
        if self.images is None:
            from engine.data import load_digits

            data = load_digits(getattr(self.window(), "data_dir", None))
            self.images = training_images(data)
        return self.images

    def make_judge(self) -> Judge:
        """Return a judge with its own copy of the Draw panel's current classifier.

        A copy, so judging on the engine thread never holds the predictor's
        lock while the canvas waits for a prediction.
        """
        model = copy.deepcopy(self.predictor.model).eval()
        return Judge.from_model(model)
