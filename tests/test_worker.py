"""The engine worker's command protocol, without Qt."""

from __future__ import annotations

import math
import queue
import subprocess
import sys
import threading

import pytest

from engine.events import Failed, Finished, Metrics, Paused
from engine.worker import EngineWorker, Notice

WAIT = 10.0


class CountingJob:
    """Counts steps; pauses itself on a chosen step or raises on another."""

    def __init__(self, total=10**9, nan_at=None, fail_at=None):
        self.total = total
        self.count = 0
        self.nan_at = nan_at
        self.fail_at = fail_at
        self.rate = 1.0
        self.gate = threading.Event()
        self.gate.set()

    @property
    def finished(self):
        return self.count >= self.total

    def step(self):
        self.gate.wait(WAIT)
        if self.count + 1 == self.fail_at:
            raise RuntimeError("boom")
        if self.count + 1 == self.nan_at:
            return [Paused("loss is nan")]
        self.count += 1
        return [Metrics(self.count, {"loss": 1.0 / self.count})]

    def set_hyperparameter(self, name, value):
        if name != "rate" or not math.isfinite(value):
            raise ValueError(f"cannot set {name}")
        self.rate = value


@pytest.fixture
def engine():
    events = queue.Queue()
    worker = EngineWorker(lambda job, event: events.put((job, event)))
    yield worker, events
    assert worker.shutdown(5)


def next_of(events, kind):
    while True:
        job, event = events.get(timeout=WAIT)
        if isinstance(event, kind):
            return job, event


def test_job_runs_to_finish(engine):
    worker, events = engine
    job = CountingJob(total=5)
    worker.submit(job)
    finished_job, finished = next_of(events, Finished)
    assert finished_job is job
    assert not finished.stopped
    assert job.count == 5


def test_step_once_takes_exactly_one_step(engine):
    worker, events = engine
    job = CountingJob()
    worker.submit(job, paused=True)
    worker.step_once()
    _, first = next_of(events, Metrics)
    worker.step_once()
    _, second = next_of(events, Metrics)
    worker.stop()
    next_of(events, Finished)
    assert first.step == 1
    assert second.step == 2
    assert job.count == 2


def test_pause_resume_and_stop(engine):
    worker, events = engine
    job = CountingJob()
    worker.submit(job)
    next_of(events, Metrics)
    worker.pause()
    job.gate.clear()
    job.gate.set()
    count_before_resume = job.count
    worker.resume()
    next_of(events, Metrics)
    worker.stop()
    _, finished = next_of(events, Finished)
    assert finished.stopped
    assert job.count >= count_before_resume
    assert worker.job is None


def test_stop_acts_within_one_step(engine):
    worker, events = engine
    job = CountingJob()
    job.gate.clear()
    worker.submit(job)
    worker.stop()
    count_at_stop = job.count
    job.gate.set()
    next_of(events, Finished)
    worker.shutdown(5)
    assert job.count <= count_at_stop + 1


def test_nan_pause_holds_job(engine):
    worker, events = engine
    job = CountingJob(nan_at=3)
    worker.submit(job)
    _, paused = next_of(events, Paused)
    assert "nan" in paused.reason
    assert not worker.running
    assert job.count == 2


def test_failure_event_ends_job(engine):
    worker, events = engine
    job = CountingJob(fail_at=2)
    worker.submit(job)
    _, failed = next_of(events, Failed)
    assert "boom" in failed.reason
    assert worker.job is None


def test_hyperparameter_applied_between_steps(engine):
    worker, events = engine
    job = CountingJob()
    worker.submit(job, paused=True)
    worker.set_hyperparameter("rate", 0.5)
    worker.set_hyperparameter("rate", float("nan"))
    _, notice = next_of(events, Notice)
    assert "rejected" in notice.text
    assert job.rate == 0.5


def test_submit_replaces_running_job(engine):
    worker, events = engine
    first, second = CountingJob(), CountingJob(total=3)
    worker.submit(first)
    next_of(events, Metrics)
    worker.submit(second)
    stopped_job, stopped = next_of(events, Finished)
    assert stopped_job is first
    assert stopped.stopped
    done_job, _ = next_of(events, Finished)
    assert done_job is second


def test_exit_without_shutdown_does_not_hang():
    script = (
        "from engine.worker import EngineWorker\n"
        "worker = EngineWorker(lambda job, event: None)\n"
        "raise SystemExit(0)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
