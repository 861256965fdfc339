"""The bridge between the engine thread and the widgets.

The worker calls `_receive` on its own thread. Events wait in a queue and
reach the GUI thread through a queued signal. There they are delivered in
batches at most once per frame, so a fast job cannot flood the event loop,
and widgets redraw at screen rate whatever the step rate.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from engine.worker import EngineWorker

log = logging.getLogger(__name__)

FRAME_MS = 16


class EngineBridge(QObject):
    """Owns the engine worker and turns its events into Qt signals.

    `events_ready(job, events)` carries every event of one job since the last
    delivery, oldest first. Panels keep the job they submitted and ignore
    batches of other jobs.
    """

    events_ready = Signal(object, list)
    _events_arrived = Signal()

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._lock = threading.Lock()
        self._pending: list[tuple[Any, Any]] = []
        self._wake_sent = False
        self._last_delivery = 0.0
        self._timer = QTimer(self, singleShot=True)
        self._timer.timeout.connect(self._deliver)
        self._events_arrived.connect(self._schedule)
        self.worker = EngineWorker(self._receive)

    @property
    def device(self) -> str:
        return str(self.worker.device)

    def submit(self, job, paused: bool = False) -> None:
        self.worker.submit(job, paused)

    def pause(self) -> None:
        self.worker.pause()

    def resume(self) -> None:
        self.worker.resume()

    def step_once(self) -> None:
        self.worker.step_once()

    def stop(self) -> None:
        self.worker.stop()

    def set_hyperparameter(self, name: str, value: Any) -> None:
        self.worker.set_hyperparameter(name, value)

    def shutdown(self, timeout: float = 2.0) -> bool:
        """Stop the worker thread; call before the QApplication goes away."""
        self._timer.stop()
        return self.worker.shutdown(timeout)

    def _receive(self, job: Any, event: Any) -> None:
        """Queue one event (worker thread); wake the GUI thread once per batch."""
        with self._lock:
            self._pending.append((job, event))
            if self._wake_sent:
                return
            self._wake_sent = True
        self._events_arrived.emit()

    @Slot()
    def _schedule(self) -> None:
        if self._timer.isActive():
            return
        since = (time.perf_counter() - self._last_delivery) * 1000
        self._timer.start(max(0, int(FRAME_MS - since)))

    @Slot()
    def _deliver(self) -> None:
        with self._lock:
            pending, self._pending = self._pending, []
            self._wake_sent = False
        self._last_delivery = time.perf_counter()
        batches: dict[int, tuple[Any, list]] = {}
        for job, event in pending:
            batches.setdefault(id(job), (job, []))[1].append(event)
        for job, events in batches.values():
            self.events_ready.emit(job, events)
