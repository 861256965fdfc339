"""The engine thread: one long-lived worker that advances jobs step by step.

A job is any object with `step() -> list[event]`, a `finished` property and
`set_hyperparameter(name, value)`. Commands (submit, pause, resume, step once,
stop, set a hyperparameter) only change shared state under a lock and wake
the thread, so each one takes effect between two steps. A stop therefore
never kills a thread and never lands in the middle of an optimiser update.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from typing import Any, Callable, Protocol

import torch

from engine.events import Failed, Finished, Paused

log = logging.getLogger(__name__)


class Job(Protocol):
    @property
    def finished(self) -> bool: ...

    def step(self) -> list: ...

    def set_hyperparameter(self, name: str, value: Any) -> None: ...


class Notice:
    """A sentence for the user that does not end the job, e.g. a rejected setting."""

    def __init__(self, text: str):
        self.text = text

    def __repr__(self) -> str:
        return f"Notice({self.text!r})"


def default_device() -> torch.device:
    """Return CUDA when PyTorch finds a GPU, otherwise the CPU."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


class EngineWorker:
    """Runs one job at a time on its own thread and reports its events.

    `emit(job, event)` is called on the worker thread for every event; the
    caller must hand events to its own thread (the app's bridge queues them).
    """

    def __init__(self, emit: Callable[[Any, Any], None]):
        self._emit = emit
        self._condition = threading.Condition()
        self._job: Job | None = None
        self._paused = False
        self._steps_requested = 0
        self._settings: deque[tuple[str, Any]] = deque()
        self._closing = False
        self.device = default_device()
        # Not a daemon: a daemon thread still inside PyTorch when the
        # interpreter exits can abort the process, so owners call shutdown().
        self._thread = threading.Thread(target=self._run, name="engine", daemon=False)
        self._thread.start()
        # Python joins non-daemon threads at exit before atexit handlers run,
        # so a program that exits without calling shutdown() would wait
        # forever. threading._register_atexit (CPython 3.9+, also used by
        # concurrent.futures) runs before that join.
        register = getattr(threading, "_register_atexit", None)
        if register is not None:
            register(self.shutdown)

    # Commands, called from any thread ---------------------------------------

    def submit(self, job: Job, paused: bool = False) -> None:
        """Start `job`, stopping the current one first; `paused` waits for resume or step."""
        with self._condition:
            self._finish_current(stopped=True)
            self._job = job
            self._paused = paused
            self._steps_requested = 0
            self._settings.clear()
            self._condition.notify_all()

    def pause(self) -> None:
        with self._condition:
            self._paused = True
            self._steps_requested = 0

    def resume(self) -> None:
        with self._condition:
            self._paused = False
            self._condition.notify_all()

    def step_once(self) -> None:
        """Pause if running, then advance the job by exactly one step."""
        with self._condition:
            self._paused = True
            self._steps_requested += 1
            self._condition.notify_all()

    def stop(self) -> None:
        """End the current job after the step in progress, if any."""
        with self._condition:
            self._finish_current(stopped=True)
            self._condition.notify_all()

    def set_hyperparameter(self, name: str, value: Any) -> None:
        """Apply a setting on the worker thread before the next step."""
        with self._condition:
            self._settings.append((name, value))
            self._condition.notify_all()

    @property
    def job(self) -> Job | None:
        return self._job

    @property
    def running(self) -> bool:
        with self._condition:
            return self._job is not None and not self._paused

    def shutdown(self, timeout: float = 2.0) -> bool:
        """Stop the job and the thread; return False if it did not end in time."""
        with self._condition:
            self._closing = True
            self._finish_current(stopped=True)
            self._condition.notify_all()
        self._thread.join(timeout)
        if self._thread.is_alive():
            log.warning("engine thread still busy %.1f s after shutdown", timeout)
            return False
        return True

    # The thread ---------------------------------------------------------------

    def _run(self) -> None:
        while True:
            with self._condition:
                self._condition.wait_for(self._has_work)
                if self._closing:
                    return
                job = self._job
                settings = list(self._settings)
                self._settings.clear()
                if self._paused and self._steps_requested:
                    self._steps_requested -= 1
                    take_step = True
                else:
                    take_step = not self._paused
            self._apply_settings(job, settings)
            if take_step:
                self._advance(job)

    def _has_work(self) -> bool:
        if self._closing:
            return True
        if self._job is None:
            return False
        return bool(self._settings) or not self._paused or self._steps_requested > 0

    def _apply_settings(self, job: Job, settings: list[tuple[str, Any]]) -> None:
        for name, value in settings:
            try:
                job.set_hyperparameter(name, value)
            except (ValueError, TypeError) as error:
                self._emit(job, Notice(f"Setting {name} to {value!r} was rejected: {error}"))

    def _advance(self, job: Job) -> None:
        try:
            events = job.step()
        except Exception as error:  # noqa: BLE001 - any failure of a job ends only that job
            # Bad data is the usual cause, and its message is complete without
            # the traceback, which is logged only at debug level.
            log.warning("job %r failed: %s", job, error, exc_info=log.isEnabledFor(logging.DEBUG))
            self._end(job, Failed(f"Training stopped with an error: {error}"))
            return
        for event in events:
            self._emit(job, event)
            if isinstance(event, Paused):
                self._pause_if_current(job)
        if job.finished:
            reported = any(isinstance(event, Finished) for event in events)
            self._end(job, None if reported else Finished(stopped=False))

    def _pause_if_current(self, job: Job) -> None:
        with self._condition:
            if self._job is job:
                self._paused = True
                self._steps_requested = 0

    def _end(self, job: Job, event: Any) -> None:
        """Forget `job` if it is still current and report why it ended."""
        with self._condition:
            if self._job is not job:
                return
            self._job = None
        if event is not None:
            self._emit(job, event)

    def _finish_current(self, stopped: bool) -> None:
        """Drop the current job (lock held) and report it as stopped."""
        if self._job is None:
            return
        job, self._job = self._job, None
        self._emit(job, Finished(stopped=stopped))
