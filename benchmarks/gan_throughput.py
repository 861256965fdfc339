"""GAN training speed on the engine thread against the same steps in a bare loop.

Each run trains a fresh GanTraining job at the default settings on the
default digits for `--steps` steps, in two ways. The bare loop calls
`step()` on the main thread. The engine way runs the job on the
EngineWorker's thread, which hands every event to a callback as the
window's bridge does. With `--panel`, a third way runs the job from the real GAN
panel offscreen, so the window's redraws compete for the CPU too. Runs
alternate between the ways so a change in machine load hits each alike.
Prints steps per second (median of the runs) and each way's ratio to the
bare loop.

    python benchmarks/gan_throughput.py [--steps N] [--runs R] [--panel]
"""

from __future__ import annotations

import argparse
import os
import statistics
import threading
import time

import torch

from engine.data import load_digits
from engine.events import Failed, Finished
from engine.gan.config import GanConfig
from engine.gan.judge import Judge
from engine.gan.training import GanTraining, training_images
from engine.worker import EngineWorker


def make_job(images, judge, steps: int) -> GanTraining:
    return GanTraining(images, GanConfig(steps=steps), judge)


def bare_loop(images, judge, steps: int) -> float:
    """Return steps per second of `job.step()` called in a loop."""
    job = make_job(images, judge, steps)
    started = time.perf_counter()
    while not job.finished:
        job.step()
    return steps / (time.perf_counter() - started)


def through_worker(images, judge, steps: int) -> float:
    """Return steps per second of the same job run by the EngineWorker."""
    done = threading.Event()
    events = []

    def receive(job, event) -> None:
        events.append(event)
        if isinstance(event, (Finished, Failed)):
            done.set()

    worker = EngineWorker(receive)
    try:
        job = make_job(images, judge, steps)
        started = time.perf_counter()
        worker.submit(job)
        done.wait()
        seconds = time.perf_counter() - started
    finally:
        worker.shutdown(timeout=10)
    return steps / seconds


def through_panel(images, steps: int) -> float:
    """Return steps per second of the job run from the GAN panel, redraws included."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from app.bridge import EngineBridge
    from app.gan_panel import GanPanel
    from engine.predictor import Predictor

    app = QApplication.instance() or QApplication([])
    bridge = EngineBridge()
    panel = GanPanel(bridge, Predictor.from_checkpoint())
    panel.images = images
    panel.controls.steps.setValue(steps)
    panel.resize(1300, 750)
    panel.show()
    finished = []
    bridge.events_ready.connect(lambda job, events: finished.extend(
        e for e in events if isinstance(e, (Finished, Failed))))
    panel.reset()
    started = time.perf_counter()
    panel.play()
    while not finished:
        app.processEvents()
        time.sleep(0.001)
    seconds = time.perf_counter() - started
    bridge.shutdown(timeout=10)
    panel.close()
    return steps / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=200, help="steps per run (default 200)")
    parser.add_argument("--runs", type=int, default=5, help="runs of each way (default 5)")
    parser.add_argument("--panel", action="store_true", help="also time the GAN panel offscreen")
    args = parser.parse_args()

    images = training_images(load_digits())
    judge = Judge.from_checkpoint()
    ways = {"bare loop": lambda: bare_loop(images, judge, args.steps),
            "engine worker": lambda: through_worker(images, judge, args.steps)}
    if args.panel:
        ways["GAN panel"] = lambda: through_panel(images, args.steps)
    # One short untimed run, so one-off start-up costs land in no way's figures.
    bare_loop(images, judge, 5)

    rates = {name: [] for name in ways}
    for run in range(args.runs):
        for name, way in ways.items():
            rates[name].append(way())
        latest = ", ".join(f"{name} {values[-1]:.2f}" for name, values in rates.items())
        print(f"run {run + 1}: {latest}", flush=True)

    print(f"{args.steps} steps per run, {args.runs} runs, torch threads {torch.get_num_threads()}")
    bare = statistics.median(rates["bare loop"])
    for name, values in rates.items():
        median = statistics.median(values)
        print(f"{name:14s} {median:6.2f} steps/s  ({1000 / median:.1f} ms per step)  "
              f"ratio to bare loop {median / bare:.3f}")


if __name__ == "__main__":
    main()
