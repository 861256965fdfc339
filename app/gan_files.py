"""The GAN panel's file actions: export samples, save and load checkpoints."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
from PySide6.QtCore import Slot
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QFileDialog, QGridLayout, QPushButton, QWidget

from app.gan_export import save_gif, save_grid_png, save_png_sequence
from engine.classifier import CheckpointError
from engine.data import DataError
from engine.gan.checkpoint import load_checkpoint, save_checkpoint

log = logging.getLogger(__name__)


class GanFileActions:
    """Buttons, shortcuts and dialogs that write or read the panel's files.

    Each action has a method that takes a path. The buttons call it after a
    file dialog, and tests call it directly. It returns whether it succeeded
    and puts a sentence in the panel's status line instead of raising.
    """

    def __init__(self, panel):
        self.panel = panel

    def bar(self) -> QWidget:
        """Return a widget with one button per action; also installs the shortcuts."""
        widget = QWidget()
        layout = QGridLayout(widget)
        layout.setContentsMargins(0, 0, 0, 0)
        actions = [
            ("Export grid…", "Save the grid shown as a PNG (Ctrl+E)", "Ctrl+E", self.choose_grid),
            ("Export GIF…", "Save every grid snapshot as an animated GIF (Ctrl+G)", "Ctrl+G",
             self.choose_gif),
            ("Export PNGs…", "Save every grid snapshot as a numbered PNG in a folder "
             "(Ctrl+Shift+E)", "Ctrl+Shift+E", self.choose_sequence),
            ("Save…", "Save the run (networks, optimisers, step) as a checkpoint (Ctrl+S)",
             "Ctrl+S", self.choose_save),
            ("Load…", "Continue a run from a GAN checkpoint (Ctrl+O)", "Ctrl+O",
             self.choose_load),
        ]
        for index, (text, tooltip, keys, slot) in enumerate(actions):
            button = QPushButton(text)
            button.setToolTip(tooltip)
            button.clicked.connect(slot)
            layout.addWidget(button, index // 2, index % 2)
            QShortcut(QKeySequence(keys), self.panel, activated=slot)
        return widget

    # Actions on paths ------------------------------------------------------

    def export_grid(self, path: str | Path) -> bool:
        """Write the grid snapshot on screen to `path` as PNG."""
        snapshot = self.panel.samples.shown_snapshot()
        if snapshot is None:
            return self._report("There is no grid to export yet: press Step or Play first.")
        step, grid = snapshot
        return self._write(lambda: save_grid_png(path, grid.astype(np.float32) / 255),
                           f"Saved the step {step} grid to {path}.")

    def export_gif(self, path: str | Path) -> bool:
        grids = [grid.astype(np.float32) / 255 for _, grid in self.panel.samples.snapshots]
        return self._write(lambda: save_gif(path, grids),
                           f"Saved {len(grids)} snapshots as {path}.")

    def export_sequence(self, folder: str | Path) -> bool:
        grids = [grid.astype(np.float32) / 255 for _, grid in self.panel.samples.snapshots]
        steps = [step for step, _ in self.panel.samples.snapshots]
        return self._write(lambda: save_png_sequence(folder, grids, steps),
                           f"Saved {len(grids)} PNGs in {folder}.")

    def save(self, path: str | Path) -> bool:
        """Write the run to `path`; waits for at most the step in progress."""
        job = self.panel.job
        if job is None:
            return self._report("There is no run to save yet: press Step or Play first.")
        return self._write(lambda: save_checkpoint(job, path),
                           f"Saved the run at step {job.step_count} to {path}.")

    def load(self, path: str | Path) -> bool:
        """Continue from the checkpoint at `path`; a bad file leaves the current run as it is."""
        try:
            job = load_checkpoint(path, self.panel.load_images(), self.panel.make_judge(),
                                  self.panel.engine.device)
        except (CheckpointError, DataError) as error:
            return self._report(f"Checkpoint not loaded: {error}")
        self.panel.adopt(job)
        return self._report(f"Loaded {path} at step {job.step_count}; the plots restart here.",
                            success=True)

    # Dialogs ---------------------------------------------------------------

    @Slot()
    def choose_grid(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self.panel, "Export grid", "gan-grid.png",
                                              "PNG (*.png)")
        if path:
            self.export_grid(path)

    @Slot()
    def choose_gif(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self.panel, "Export evolution", "gan-evolution.gif",
                                              "Animated GIF (*.gif)")
        if path:
            self.export_gif(path)

    @Slot()
    def choose_sequence(self) -> None:
        folder = QFileDialog.getExistingDirectory(self.panel, "Folder for the grid PNGs")
        if folder:
            self.export_sequence(folder)

    @Slot()
    def choose_save(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self.panel, "Save GAN checkpoint", "gan.pt",
                                              "PyTorch checkpoint (*.pt)")
        if path:
            self.save(path)

    @Slot()
    def choose_load(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self.panel, "Load GAN checkpoint", "",
                                              "PyTorch checkpoint (*.pt);;All files (*)")
        if path:
            self.load(path)

    # Helpers ---------------------------------------------------------------

    def _write(self, action, message: str) -> bool:
        try:
            action()
        except (OSError, ValueError) as error:
            log.warning("writing failed: %s", error)
            return self._report(f"Could not write: {error}")
        return self._report(message, success=True)

    def _report(self, message: str, success: bool = False) -> bool:
        self.panel.status.setText(message)
        return success
