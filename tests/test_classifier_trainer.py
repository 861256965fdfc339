"""Training the classifier from the window, through the engine thread."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import numpy as np
import pytest

from app.main_window import open_main_window
from engine.events import Paused, TestResults

TIMEOUT_MS = 60_000


@pytest.fixture
def window(qtbot):
    window = open_main_window(restore=False)
    qtbot.addWidget(window)
    window.draw_panel.trainer.train_limit = 200
    window.draw_panel.trainer.controls.epochs.setValue(2)
    window.draw_panel.trainer.controls.batch_size.setValue(50)
    yield window
    window.close()


def wait_for_event(qtbot, trainer, kind):
    """Wait until the bridge delivers an event of `kind` for the trainer's job."""
    seen = []

    def collect(job, events):
        if job is trainer.job:
            seen.extend(e for e in events if isinstance(e, kind))

    trainer.engine.events_ready.connect(collect)
    try:
        qtbot.waitUntil(lambda: bool(seen), timeout=TIMEOUT_MS)
    finally:
        trainer.engine.events_ready.disconnect(collect)
    return seen[0]


def test_first_epoch_updates_views(qtbot, window):
    trainer = window.draw_panel.trainer
    before = trainer.predictor.model
    trainer.start()
    wait_for_event(qtbot, trainer, TestResults)
    qtbot.waitUntil(lambda: trainer.plots.test_accuracy.size == 1, timeout=TIMEOUT_MS)
    assert trainer.plots.loss.size >= 4
    assert trainer.predictor.model is not before
    assert "Epoch 1" in trainer.test_view.summary.text()
    trainer.toggle_pause()
    assert trainer.paused
    assert not trainer.controls.start.isEnabled()


def test_step_button_runs_one_step(qtbot, window):
    trainer = window.draw_panel.trainer
    trainer.step()
    qtbot.waitUntil(lambda: trainer.plots.loss.size == 1, timeout=TIMEOUT_MS)
    trainer.step()
    qtbot.waitUntil(lambda: trainer.plots.loss.size == 2, timeout=TIMEOUT_MS)
    assert trainer.paused
    trainer.stop()
    qtbot.waitUntil(lambda: not trainer.active, timeout=TIMEOUT_MS)
    assert trainer.plots.loss.size == 2


def test_nan_loss_pauses_with_advice(qtbot, window):
    trainer = window.draw_panel.trainer
    controls = trainer.controls
    controls.optimizer.setCurrentIndex(controls.optimizer.findData("sgd"))
    controls.learning_rate.setMaximum(1e12)
    controls.learning_rate.setValue(1e10)
    trainer.start()
    paused = wait_for_event(qtbot, trainer, Paused)
    qtbot.waitUntil(lambda: trainer.paused, timeout=TIMEOUT_MS)
    assert "smaller learning rate" in paused.reason
    assert "smaller learning rate" in controls.status.text()


def test_misread_digit_loads_into_canvas(qtbot, window):
    trainer = window.draw_panel.trainer
    images = np.zeros((3, 28, 28), dtype=np.float32)
    images[1, 4:24, 12:16] = 1.0
    trainer.test_view.show_results(TestResults(1, images, np.array([0, 1, 2]), np.array([0, 7, 2])))
    assert trainer.test_view.misread.count() == 1
    item = trainer.test_view.misread.item(0)
    trainer.test_view.misread.itemClicked.emit(item)
    assert not window.draw_panel.canvas.is_empty()
    assert window.draw_panel.last_prediction.digit == 1


def test_corrupt_checkpoint_keeps_model(window, tmp_path):
    trainer = window.draw_panel.trainer
    before = trainer.predictor.model
    path = tmp_path / "broken.pt"
    path.write_bytes(b"PK\x03\x04 broken zip")
    assert not trainer.load_file(path)
    assert trainer.predictor.model is before
    assert "current network is kept" in trainer.controls.status.text()


def test_save_and_load_round_trip(window, tmp_path):
    trainer = window.draw_panel.trainer
    path = tmp_path / "mine.pt"
    assert trainer.save_file(path)
    trainer.reset_weights()
    assert trainer.load_file(path)
    assert window.draw_panel.canvas.is_empty()


def test_bad_data_folder_rejected(window, tmp_path):
    trainer = window.draw_panel.trainer
    assert not trainer.set_data_dir(str(tmp_path))
    assert "train-images-idx3-ubyte" in trainer.controls.status.text()
    assert trainer.data_dir is None


def test_close_mid_training_exits_cleanly(tmp_path):
    script = textwrap.dedent("""
        import os, sys
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        from PySide6.QtCore import QTimer
        from app.main_window import create_application, open_main_window
        app = create_application(sys.argv)
        window = open_main_window(restore=False)
        trainer = window.draw_panel.trainer
        trainer.controls.epochs.setValue(50)
        window.show()
        trainer.start()
        def close_when_training(job, events):
            if trainer.plots.loss.size >= 3:
                window.close()
                app.quit()
        trainer.engine.events_ready.connect(close_when_training)
        QTimer.singleShot(60000, lambda: sys.exit(3))
        app.exec()
        alive = window.engine.worker._thread.is_alive()
        print("engine thread alive:", alive)
        sys.exit(1 if alive else 0)
    """)
    env = {"XDG_DATA_HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path)}
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=120, env={**__import__("os").environ, **env})
    assert result.returncode == 0, result.stderr
    assert "engine thread alive: False" in result.stdout
    assert "Traceback" not in result.stderr
