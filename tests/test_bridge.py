"""The engine bridge: events reach the GUI thread in batches, in order."""

from __future__ import annotations

import threading

import pytest

from app.bridge import EngineBridge
from engine.events import Finished, Metrics


class FastJob:
    """Steps in microseconds, far faster than the screen redraws."""

    def __init__(self, total):
        self.total = total
        self.count = 0
        self.threads = set()

    @property
    def finished(self):
        return self.count >= self.total

    def step(self):
        self.threads.add(threading.current_thread().name)
        self.count += 1
        return [Metrics(self.count, {"loss": 1.0})]

    def set_hyperparameter(self, name, value):
        raise ValueError(name)


@pytest.fixture
def bridge(qtbot):
    bridge = EngineBridge()
    yield bridge
    assert bridge.shutdown()


def test_events_arrive_batched_in_order(qtbot, bridge):
    job = FastJob(5000)
    batches = []
    bridge.events_ready.connect(lambda j, events: batches.append((j, events)))
    bridge.submit(job)
    qtbot.waitUntil(lambda: any(isinstance(e, Finished) for _, b in batches for e in b),
                    timeout=30_000)
    steps = [e.step for _, b in batches for e in b if isinstance(e, Metrics)]
    assert steps == list(range(1, 5001))
    assert len(batches) < len(steps) / 10
    assert all(j is job for j, _ in batches)


def test_job_runs_off_gui_thread(qtbot, bridge):
    job = FastJob(3)
    with qtbot.waitSignal(bridge.events_ready, timeout=10_000):
        bridge.submit(job)
    qtbot.waitUntil(lambda: job.finished, timeout=10_000)
    assert job.threads == {"engine"}
