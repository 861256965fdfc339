"""GAN training speed on the engine thread against the same steps in a bare loop.

Each run trains a fresh GanTraining job at the default settings on the
default digits for `--steps` steps, in two ways. The bare loop calls
`step()` on the main thread. The engine way runs the job on the
EngineWorker's thread, which hands every event to a callback as the
window's bridge does. With `--panel`, a third way runs the job from the
real GAN panel offscreen, so the window's redraws compete for the CPU too.

Every way records when each `step()` call starts. Two figures come out per
way: the overall rate (steps over wall time, median of the runs) and the
rate from the median interval between step starts, pooled over all runs.
On a machine shared with other work the second is the steadier one, because
a burst of outside load lengthens a few intervals but barely moves their
median. Runs alternate between the ways so a change in load hits each alike.

OMP_WAIT_POLICY defaults to PASSIVE here. Under libgomp's default policy, a
process whose only torch thread is the main thread lets its OpenMP threads
spin while they wait. On a 2-core machine shared with other work, that made
the bare loop 2 to 10 times slower than the same loop on a second thread.
There libgomp spins less, because it manages more threads than there are
cores. (Measured with torch 2.13 CPU and its bundled libgomp.) Set the
variable yourself to compare under another policy.

    python benchmarks/gan_throughput.py [--steps N] [--runs R] [--panel]
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import threading
import time

# Read by libgomp when torch loads it, so it must be set before the import.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np  # noqa: E402
import torch  # noqa: E402

from engine.data import load_digits  # noqa: E402
from engine.events import Failed, Finished  # noqa: E402
from engine.gan.config import GanConfig  # noqa: E402
from engine.gan.judge import Judge  # noqa: E402
from engine.gan.training import GanTraining, training_images  # noqa: E402
from engine.worker import EngineWorker  # noqa: E402


def timed_job(images, judge, steps: int, starts: list[float]) -> GanTraining:
    """Return a default job whose `step()` appends its start time to `starts`."""
    job = GanTraining(images, GanConfig(steps=steps), judge)
    step = job.step

    def timed_step() -> list:
        starts.append(time.perf_counter())
        return step()

    job.step = timed_step
    return job


def bare_loop(images, judge, steps: int, starts: list[float]) -> float:
    """Step the job in a plain loop; return the wall time in seconds."""
    job = timed_job(images, judge, steps, starts)
    started = time.perf_counter()
    while not job.finished:
        job.step()
    return time.perf_counter() - started


def through_worker(images, judge, steps: int, starts: list[float]) -> float:
    """Run the job on an EngineWorker until it reports its end; return the wall time."""
    done = threading.Event()

    def receive(job, event) -> None:
        if isinstance(event, (Finished, Failed)):
            done.set()

    worker = EngineWorker(receive)
    try:
        job = timed_job(images, judge, steps, starts)
        started = time.perf_counter()
        worker.submit(job)
        done.wait()
        return time.perf_counter() - started
    finally:
        worker.shutdown(timeout=10)


def through_panel(images, judge, steps: int, starts: list[float]) -> float:
    """Run the job from the GAN panel offscreen, redraws included; return the wall time."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from app.bridge import EngineBridge
    from app.gan_panel import GanPanel
    from engine.predictor import Predictor

    app = QApplication.instance() or QApplication([])
    bridge = EngineBridge()
    panel = GanPanel(bridge, Predictor.from_checkpoint())
    panel.resize(1300, 750)
    panel.show()
    ended = []
    bridge.events_ready.connect(
        lambda job, events: ended.extend(e for e in events if isinstance(e, (Finished, Failed)))
    )
    job = timed_job(images, judge, steps, starts)
    panel.adopt(job)
    ended.clear()
    started = time.perf_counter()
    panel.play()
    while not ended:
        app.processEvents()
        time.sleep(0.001)
    seconds = time.perf_counter() - started

    # Delete the widgets here: left to the garbage collector, they could be
    # destroyed on the worker thread of a later run, which Qt does not allow.
    bridge.shutdown(timeout=10)
    panel.close()
    panel.deleteLater()
    bridge.deleteLater()
    app.processEvents()
    gc.collect()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=200, help="steps per run (default 200)")
    parser.add_argument("--runs", type=int, default=5, help="runs of each way (default 5)")
    parser.add_argument("--panel", action="store_true", help="also time the GAN panel offscreen")
    args = parser.parse_args()

    images = training_images(load_digits())
    judge = Judge.from_checkpoint()
    ways = {"bare loop": bare_loop, "engine worker": through_worker}
    if args.panel:
        ways["GAN panel"] = through_panel
    # One short untimed run, so one-off start-up costs land in no way's figures.
    bare_loop(images, judge, 5, [])

    rates = {name: [] for name in ways}
    intervals = {name: [] for name in ways}
    for run in range(args.runs):
        for name, way in ways.items():
            starts: list[float] = []
            seconds = way(images, judge, args.steps, starts)
            rates[name].append(args.steps / seconds)
            intervals[name].extend(np.diff(starts))
        latest = ", ".join(f"{name} {values[-1]:.2f}" for name, values in rates.items())
        print(f"run {run + 1} (steps/s): {latest}", flush=True)
    report(rates, intervals, args)


def report(rates: dict, intervals: dict, args) -> None:
    print(f"{args.steps} steps per run, {args.runs} runs, torch threads {torch.get_num_threads()}, "
          f"OMP_WAIT_POLICY={os.environ['OMP_WAIT_POLICY']}")
    bare_rate = statistics.median(rates["bare loop"])
    bare_interval = statistics.median(intervals["bare loop"])
    for name in rates:
        rate = statistics.median(rates[name])
        interval = statistics.median(intervals[name])
        print(f"{name:14s} overall {rate:6.2f} steps/s (ratio {rate / bare_rate:.3f}), "
              f"median step {1000 * interval:6.1f} ms (ratio {bare_interval / interval:.3f})")


if __name__ == "__main__":
    main()
