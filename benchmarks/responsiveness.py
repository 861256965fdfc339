"""Does the window stay responsive while the engine trains, and at what cost?

Runs the real main window offscreen. A 10 ms QTimer measures how late the
event loop serves it: first with nothing running (idle), then while the Draw
panel trains the classifier through the engine thread and its live plots
redraw. Then, in the same process, it times the same training steps (same
model, augmentation, optimiser and batch size) in a bare PyTorch loop.
The figures are medians over --runs runs. The last line is:

    stall_p99_ms=<float> idle_p99_ms=<float> throughput_ratio=<float>

where throughput_ratio is engine steps/s divided by bare-loop steps/s.

    python benchmarks/responsiveness.py [--seconds S] [--runs R] [--rss]
"""

from __future__ import annotations

import argparse
import math
import os
import tempfile
import statistics
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Keep the runs' settings and autosaves out of the user's own folders.
_scratch = tempfile.mkdtemp(prefix="digit-playground-bench-")
os.environ["XDG_CONFIG_HOME"] = os.path.join(_scratch, "config")
os.environ["XDG_DATA_HOME"] = os.path.join(_scratch, "data")

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from PySide6.QtCore import QElapsedTimer, QEventLoop, QTimer  # noqa: E402

from app.main_window import create_application, open_main_window  # noqa: E402
from engine.augment import augment  # noqa: E402
from engine.classifier import DigitCNN, predict_probabilities  # noqa: E402
from engine.data import load_default_digits  # noqa: E402
from engine.events import Metrics  # noqa: E402
from engine.training import TrainConfig, make_optimizer  # noqa: E402

TICK_MS = 10


def resident_mb() -> float:
    with open("/proc/self/statm") as stream:
        return int(stream.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def measure_lateness(app, seconds: float) -> list[float]:
    """Return how late (ms) each tick of a 10 ms timer fired, over `seconds`."""
    clock = QElapsedTimer()
    clock.start()
    lateness = []
    last = [clock.nsecsElapsed()]

    def tick():
        now = clock.nsecsElapsed()
        lateness.append(max(0.0, (now - last[0]) / 1e6 - TICK_MS))
        last[0] = now

    timer = QTimer()
    timer.setInterval(TICK_MS)
    timer.timeout.connect(tick)
    timer.start()
    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()
    timer.stop()
    return lateness


def engine_run(app, window, seconds: float) -> tuple[list[float], float]:
    """Train through the panel for `seconds`; return lateness and steps/s."""
    trainer = window.draw_panel.trainer
    trainer.controls.epochs.setValue(500)
    steps = []

    def count(job, events):
        if job is trainer.job:
            steps.extend(time.perf_counter() for e in events if isinstance(e, Metrics)
                         and "loss" in e.values)

    trainer.engine.events_ready.connect(count)
    trainer.start()
    # The first step loads the data; measure from the first loss on.
    while not steps:
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
    first = len(steps)
    start = time.perf_counter()
    lateness = measure_lateness(app, seconds)
    rate = sum(1 for t in steps[first:] if t > start) / (time.perf_counter() - start)
    trainer.stop()
    while trainer.active:
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
    trainer.engine.events_ready.disconnect(count)
    return lateness, rate


def bare_run(seconds: float) -> float:
    """Return steps/s of the same training written as a plain PyTorch loop.

    Like the job, it reads the whole test set after each epoch's steps.
    """
    data = load_default_digits()
    steps_per_epoch = math.ceil(len(data.train_labels) / TrainConfig().batch_size)
    config = TrainConfig()
    images = torch.from_numpy(data.train_images).unsqueeze(1)
    labels = torch.from_numpy(data.train_labels)
    model = DigitCNN()
    optimizer = make_optimizer(config.optimizer, model.parameters(), config.learning_rate)
    generator = torch.Generator().manual_seed(0)
    model.train()
    steps, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        batch = torch.randint(len(labels), (config.batch_size,), generator=generator)
        loss = F.cross_entropy(model(augment(images[batch], generator)), labels[batch])
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        loss.item()
        steps += 1
        if steps % steps_per_epoch == 0:
            predict_probabilities(model, data.test_images)
            model.train()
    return steps / (time.perf_counter() - start)


def p99(values: list[float]) -> float:
    return float(np.percentile(values, 99)) if values else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="length of each measurement")
    parser.add_argument("--runs", type=int, default=3, help="runs; figures are their medians")
    parser.add_argument("--rss", action="store_true", help="print resident memory after each run")
    args = parser.parse_args()

    app = create_application([])
    window = open_main_window(restore=False)
    window.show()
    app.processEvents()
    idle, stall, ratio = [], [], []
    for run in range(args.runs):
        idle.append(p99(measure_lateness(app, args.seconds / 2)))
        lateness, engine_rate = engine_run(app, window, args.seconds)
        stall.append(p99(lateness))
        bare_rate = bare_run(args.seconds)
        ratio.append(engine_rate / bare_rate)
        memory = f" rss={resident_mb():.0f}MB" if args.rss else ""
        print(f"run {run + 1}: idle_p99={idle[-1]:.2f}ms stall_p99={stall[-1]:.2f}ms "
              f"engine={engine_rate:.2f} steps/s bare={bare_rate:.2f} steps/s{memory}", flush=True)
    window.close()
    print(f"stall_p99_ms={statistics.median(stall):.2f} idle_p99_ms={statistics.median(idle):.2f} "
          f"throughput_ratio={statistics.median(ratio):.3f}")


if __name__ == "__main__":
    main()
