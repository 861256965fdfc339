"""Measure initialisation statistics off the GUI thread, newest request first.

The statistics are not a job for the engine thread: that thread runs one job
at a time, and measuring there would stop the training in progress. On two
busy CPU cores a measurement took about 0.3 s per scheme for 10 layers of
256 units and 5 s for 50 layers of 512, too long to block the window.
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal, Slot

from engine.data import DataError, DigitData, load_digits
from engine.init_statistics import SchemeStatistics, measure_schemes
from engine.initialization import InitConfig

log = logging.getLogger(__name__)


@dataclass
class Measurement:
    """The statistics of `schemes` on the network and batch of `config`."""

    config: InitConfig
    schemes: list[str]
    statistics: dict[str, SchemeStatistics]
    data: DigitData | None
    seconds: float


class StatisticsRunner(QObject):
    """Runs `measure_schemes` on one background thread.

    Requests made while a measurement runs replace each other, so that only
    the newest one runs next, and results that a newer request has made
    stale are dropped.
    """

    measured = Signal(object)
    failed = Signal(str)
    _future_done = Signal(object)

    def __init__(self, data: DigitData | None = None, data_dir=None, parent: QObject | None = None):
        super().__init__(parent)
        self.data = data
        self.data_dir = data_dir
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="init-statistics")
        self._pending: tuple[InitConfig, list[str]] | None = None
        self._busy = False
        self._future_done.connect(self._finish)

    @property
    def busy(self) -> bool:
        return self._busy or self._pending is not None

    def request(self, config: InitConfig, schemes: list[str]) -> None:
        """Measure `schemes` on `config` as soon as the thread is free."""
        self._pending = (config, list(schemes))
        if not self._busy:
            self._start_next()

    def measure_now(self, config: InitConfig, schemes: list[str]) -> None:
        """Measure on the calling thread and emit `measured` or `failed` before returning."""
        future: Future = Future()
        try:
            future.set_result(self._measure(config, schemes, self.data))
        except Exception as error:  # noqa: BLE001 - `_finish` sorts and reports the error
            future.set_exception(error)
        self._busy = True
        self._finish(future)

    def shutdown(self) -> None:
        """Drop pending requests and wait for the running one to end."""
        self._pending = None
        self._executor.shutdown(wait=True)

    def _start_next(self) -> None:
        config, schemes = self._pending
        self._pending = None
        self._busy = True
        future = self._executor.submit(self._measure, config, schemes, self.data)
        future.add_done_callback(self._emit_done)

    def _emit_done(self, future: Future) -> None:
        # Runs on the measuring thread; the queued signal carries the future
        # over to the GUI thread.
        try:
            self._future_done.emit(future)
        except RuntimeError:
            log.debug("statistics finished after their panel was deleted")

    def _measure(self, config: InitConfig, schemes: list[str], data: DigitData | None):
        if data is None and config.inputs == "digits":
            data = load_digits(self.data_dir)
        started = time.perf_counter()
        statistics = measure_schemes(config, schemes, data)
        return Measurement(config, schemes, statistics, data, time.perf_counter() - started)

    @Slot(object)
    def _finish(self, future: Future) -> None:
        self._busy = False
        try:
            measurement = future.result()
        except (DataError, ValueError) as error:
            self.failed.emit(str(error))
        except Exception as error:  # noqa: BLE001 - a failed measurement must not end the app
            log.warning("measuring the initialisation statistics failed", exc_info=True)
            self.failed.emit(f"Measuring failed: {error}")
        else:
            if measurement.data is not None:
                self.data = measurement.data
            if self._pending is None:
                self.measured.emit(measurement)
        if self._pending is not None:
            self._start_next()
