"""The GAN panel's sample views: the fixed-noise grid with its timeline, and the latent walk."""

from __future__ import annotations

import numpy as np
import torch
from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSlider, QVBoxLayout, QWidget

from app.gan_views import SampleStrip
from engine.events import Snapshot
from engine.gan.sampling import GeneratorCopy, slerp, to_uint8
from engine.gan.training import GRID_SIDE

WALK_LENGTH = 10
# Grid snapshots kept for the timeline; past this, every other one is dropped
# so the timeline still spans the whole run (about 50 kB each).
MAX_SNAPSHOTS = 400


class SampleViews(QWidget):
    """The grid, a slider over its snapshots, and a latent walk row.

    The walk uses a private CPU copy of the generator, rebuilt from the weight
    snapshots the job publishes, so it responds to a click on the GUI thread
    even while the engine thread trains the original.
    """

    grid_updated = Signal(int)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.snapshots: list[tuple[int, np.ndarray]] = []
        self.generator_copy: GeneratorCopy | None = None
        self.walk_random = torch.Generator().manual_seed(0)
        self.walk_ends: tuple[torch.Tensor, torch.Tensor] | None = None

        self.grid = SampleStrip(GRID_SIDE, GRID_SIDE)
        self.timeline = QSlider(Qt.Orientation.Horizontal)
        self.timeline_label = QLabel("step 0")
        self.walk = SampleStrip(WALK_LENGTH, 1)
        self.walk_button = QPushButton("New walk")
        self._build_layout()
        self.timeline.valueChanged.connect(self.show_snapshot)
        self.walk.clicked.connect(self.new_walk)
        self.walk_button.clicked.connect(self.new_walk)

    def _build_layout(self) -> None:
        self.grid.setMinimumSize(260, 260)
        self.grid.setToolTip("Samples from 64 fixed noise vectors: the same cells evolve from "
                             "noise into digits as G learns.")
        self.timeline.setToolTip("Scrub back through grid snapshots taken during training "
                                 "(Home/End or the arrow keys when focused).")
        self.walk.setFixedHeight(70)
        self.walk.setToolTip("A latent walk: samples along a great circle between two noise "
                             "vectors. Click for new endpoints.")
        self.walk_button.setToolTip("Pick two new noise vectors for the latent walk "
                                    "(W, or click the walk)")

        timeline_row = QHBoxLayout()
        timeline_row.addWidget(self.timeline, 1)
        timeline_row.addWidget(self.timeline_label)
        walk_row = QHBoxLayout()
        walk_row.addWidget(QLabel("Latent walk"))
        walk_row.addStretch(1)
        walk_row.addWidget(self.walk_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel("Fixed-noise samples"))
        layout.addWidget(self.grid, 1)
        layout.addLayout(timeline_row)
        layout.addLayout(walk_row)
        layout.addWidget(self.walk)

    def clear(self) -> None:
        self.snapshots.clear()

    def add_snapshot(self, step: int, grid: np.ndarray) -> None:
        """Add grid (64, 28, 28) in [0, 1] to the timeline; show it if the slider is at the end."""
        at_end = self.timeline.value() >= self.timeline.maximum()
        self.snapshots.append((step, to_uint8(grid)))
        if len(self.snapshots) > MAX_SNAPSHOTS:
            self.snapshots = self.snapshots[:-1:2] + self.snapshots[-1:]
        self.timeline.blockSignals(True)
        self.timeline.setMaximum(len(self.snapshots) - 1)
        if at_end:
            self.timeline.setValue(len(self.snapshots) - 1)
        self.timeline.blockSignals(False)
        self.show_snapshot(self.timeline.value())
        self.grid_updated.emit(step)

    def shown_snapshot(self) -> tuple[int, np.ndarray] | None:
        """Return (step, grid as uint8) of the snapshot on screen, or None before the first."""
        if not self.snapshots:
            return None
        return self.snapshots[min(self.timeline.value(), len(self.snapshots) - 1)]

    @Slot(int)
    def show_snapshot(self, index: int) -> None:
        """Show grid snapshot `index` of the timeline."""
        if not self.snapshots:
            return
        step, grid = self.snapshots[min(index, len(self.snapshots) - 1)]
        self.grid.show_samples(grid.astype(np.float32) / 255)
        self.timeline_label.setText(f"step {step}")

    def load_generator(self, snapshot: Snapshot) -> None:
        """Rebuild the walk's generator copy from published weights and redraw the walk."""
        self.generator_copy = GeneratorCopy(snapshot.config, snapshot.state_dict)
        if self.walk_ends is None or len(self.walk_ends[0]) != self.generator_copy.latent_size:
            self.new_walk()
        else:
            self._draw_walk()

    @Slot()
    def new_walk(self) -> None:
        """Pick two new noise vectors and redraw the latent walk between them."""
        if self.generator_copy is None:
            return
        size = self.generator_copy.latent_size
        self.walk_ends = (torch.randn(size, generator=self.walk_random),
                          torch.randn(size, generator=self.walk_random))
        self._draw_walk()

    def _draw_walk(self) -> None:
        noise = slerp(*self.walk_ends, WALK_LENGTH)
        self.walk.show_samples(self.generator_copy.generate(noise))
