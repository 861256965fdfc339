"""The GAN panel driven through the real engine bridge with tiny networks."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from app.bridge import EngineBridge
from app.gan_panel import GanPanel
from engine.gan.config import GanConfig
from engine.predictor import Predictor

TIMEOUT_MS = 20_000


@pytest.fixture
def bridge(qtbot):
    bridge = EngineBridge()
    yield bridge
    bridge.shutdown()


@pytest.fixture
def panel(qtbot, bridge, tiny_digits):
    panel = GanPanel(bridge, Predictor.from_checkpoint())
    qtbot.addWidget(panel)
    panel.images = tiny_digits.train_images
    panel.base_config = GanConfig(width=8, grid_every=2, judge_every=4, judge_samples=40)
    panel.controls.latent_size.setValue(8)
    panel.controls.batch_size.setValue(16)
    panel.controls.steps.setValue(1000)
    return panel


def wait_for_steps(qtbot, panel, count: int) -> None:
    qtbot.waitUntil(lambda: panel.job.step_count >= count, timeout=TIMEOUT_MS)


def wait_for_idle(qtbot, panel) -> None:
    """Wait until the paused engine has finished its step and delivered every event."""

    def settled() -> bool:
        return (not panel.engine.worker.running and not panel.job._lock.locked()
                and len(panel.losses.steps) == panel.job.step_count)

    # Twice, a moment apart: a step the worker had just begun when paused
    # may not hold the job's lock yet at the first check.
    qtbot.waitUntil(settled, timeout=TIMEOUT_MS)
    qtbot.wait(100)
    qtbot.waitUntil(settled, timeout=TIMEOUT_MS)


def test_play_updates_grid_then_pauses(qtbot, panel):
    updated = panel.samples.grid_updated
    with qtbot.waitSignal(updated, timeout=TIMEOUT_MS, check_params_cb=lambda step: step > 0):
        panel.play()
    assert panel.running
    assert panel.play_button.text() == "Pause"
    panel.pause()
    wait_for_idle(qtbot, panel)
    assert not panel.running
    assert panel.play_button.text() == "Play"
    assert len(panel.losses.steps) == panel.job.step_count


def test_step_does_one_update(qtbot, panel):
    panel.step()
    wait_for_steps(qtbot, panel, 1)
    panel.step()
    wait_for_steps(qtbot, panel, 2)
    wait_for_idle(qtbot, panel)
    assert panel.job.step_count == 2
    assert not panel.running
    assert panel.samples.timeline_label.text() == "step 2"


def test_timeline_scrubs_snapshots(qtbot, panel):
    panel.play()
    qtbot.waitUntil(lambda: len(panel.samples.snapshots) >= 3, timeout=TIMEOUT_MS)
    panel.pause()
    wait_for_idle(qtbot, panel)
    panel.samples.timeline.setValue(0)
    assert panel.samples.timeline_label.text() == "step 0"
    first = panel.samples.grid.pixels.copy()
    panel.samples.timeline.setValue(panel.samples.timeline.maximum())
    assert panel.samples.timeline_label.text() == f"step {panel.samples.snapshots[-1][0]}"
    assert not np.array_equal(first, panel.samples.grid.pixels)


def test_export_grid_png_reads_back(qtbot, panel, tmp_path):
    panel.step()
    wait_for_steps(qtbot, panel, 1)
    wait_for_idle(qtbot, panel)
    path = tmp_path / "grid.png"
    assert panel.files.export_grid(path)
    with Image.open(path) as picture:
        pixels = np.asarray(picture)
    # Files are written at twice the on-screen pixel size.
    np.testing.assert_array_equal(pixels[::2, ::2], panel.samples.grid.pixels)
    assert str(path) in panel.status.text()


def test_export_evolution(qtbot, panel, tmp_path):
    panel.play()
    qtbot.waitUntil(lambda: len(panel.samples.snapshots) >= 3, timeout=TIMEOUT_MS)
    panel.pause()
    wait_for_idle(qtbot, panel)
    assert panel.files.export_gif(tmp_path / "evolution.gif")
    with Image.open(tmp_path / "evolution.gif") as animation:
        assert animation.n_frames == len(panel.samples.snapshots)
    assert panel.files.export_sequence(tmp_path / "frames")
    assert len(list((tmp_path / "frames").glob("grid-*.png"))) == len(panel.samples.snapshots)


def test_judgement_shown(qtbot, panel):
    panel.play()
    qtbot.waitUntil(lambda: "digits present" in panel.judge_summary.text(), timeout=TIMEOUT_MS)
    panel.pause()
    wait_for_idle(qtbot, panel)
    heights = panel.judge_chart.bars.opts["height"]
    assert heights.sum() == pytest.approx(1.0)
    assert panel.verdict.text()


def test_live_setting_reaches_job(qtbot, panel):
    panel.reset()
    panel.controls.lr_d.setValue(0.001)
    qtbot.waitUntil(lambda: panel.job.lr("d") == pytest.approx(0.001), timeout=TIMEOUT_MS)


def test_nan_loss_pauses_with_reason(qtbot, panel):
    panel.reset()
    with torch.no_grad():
        next(panel.job.discriminator.parameters()).fill_(float("nan"))
    panel.play()
    qtbot.waitUntil(lambda: "nan" in panel.status.text(), timeout=TIMEOUT_MS)
    assert not panel.running
    assert panel.job.step_count == 0


def test_walk_changes_on_click(qtbot, panel):
    panel.reset()
    before = panel.samples.walk.pixels.copy()
    panel.samples.walk.clicked.emit()
    assert not np.array_equal(before, panel.samples.walk.pixels)


def test_checkpoint_round_trip(qtbot, panel, tmp_path):
    panel.step()
    wait_for_steps(qtbot, panel, 1)
    wait_for_idle(qtbot, panel)
    path = tmp_path / "gan.pt"
    assert panel.files.save(path)
    panel.reset()
    assert panel.files.load(path)
    assert panel.job.step_count == 1


def test_bad_checkpoint_keeps_run(qtbot, panel, tmp_path):
    panel.reset()
    job = panel.job
    path = tmp_path / "broken.pt"
    path.write_bytes(b"not a checkpoint")
    assert not panel.files.load(path)
    assert panel.job is job
    assert "not loaded" in panel.status.text()
