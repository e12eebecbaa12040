"""Cadence with ``schedule``, work in one thread per job.

The main thread only keeps time: each ``schedule`` tick merely triggers the job's own worker thread, so a
Viessmann call that hangs until its timeout or a Shelly that stops answering never delays another job's tick.
A tick that finds its worker still busy is skipped (a poll is never queued up behind a hung one), logged once
per episode.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

import schedule

from collector.sources.base import FaultEpisodes

log = logging.getLogger(__name__)

IDLE_CAP_SECONDS = 1.0  # longest sleep of the timekeeping loop (bounds the reaction to a changed schedule)


class Worker:
    """A named thread that runs ``job`` each time it is triggered and is idle otherwise."""

    def __init__(self, name: str, job: Callable[[], None]) -> None:
        self.name, self.job = name, job
        self._trigger = threading.Event()
        self._stop = threading.Event()
        self._busy = threading.Lock()
        self.started_at: float | None = None  # monotonic start of the running job
        self.skipped = FaultEpisodes(log, name)
        self.failed = FaultEpisodes(log, name)
        # Daemon: a poll hung past the shutdown deadline must not keep the process alive (nothing is lost:
        # what it has not returned was never sampled).
        self._thread = threading.Thread(target=self._run, name=f"worker-{name}", daemon=True)

    def start(self) -> Worker:
        self._thread.start()
        return self

    @property
    def busy(self) -> bool:
        return self._busy.locked()

    def trigger(self) -> bool:
        """Ask for one run now; False (and skipped) when the previous run is still going."""
        if self.busy or self._trigger.is_set():
            running = time.monotonic() - (self.started_at or time.monotonic())
            self.skipped.fault("overrun", f"previous run still going after {running:.1f} s; skipping this tick")
            return False
        self.skipped.recovered()
        self._trigger.set()
        return True

    def _run(self) -> None:
        while True:
            self._trigger.wait()
            if self._stop.is_set():
                return
            with self._busy:
                self._trigger.clear()
                self.started_at = time.monotonic()
                try:
                    self.job()
                except Exception as error:  # a bug in one job must not end its worker
                    self.failed.fault(type(error).__name__, f"job failed: {error!r}", logging.ERROR)
                    log.debug("job %s failed", self.name, exc_info=True)
                else:
                    self.failed.recovered()

    def stop(self) -> None:
        self._stop.set()
        self._trigger.set()

    def join(self, timeout: float) -> bool:
        """Wait for a running job; True when the worker ended in time."""
        self._thread.join(max(0.0, timeout))
        return not self._thread.is_alive()


class Scheduler:
    def __init__(self) -> None:
        self._schedule = schedule.Scheduler()
        self.workers: list[Worker] = []

    def every(self, period_seconds: float, name: str, job: Callable[[], None]) -> Worker:
        worker = Worker(name, job)
        self.workers.append(worker)
        self._schedule.every(period_seconds).seconds.do(worker.trigger)
        return worker

    def run(self, stop: threading.Event) -> None:
        """Trigger every job once now, then on its cadence until ``stop`` is set."""
        for worker in self.workers:
            worker.start()
            worker.trigger()
        while not stop.is_set():
            self._schedule.run_pending()
            idle = self._schedule.idle_seconds
            stop.wait(IDLE_CAP_SECONDS if idle is None else min(max(idle, 0.0), IDLE_CAP_SECONDS))
        self._schedule.clear()

    def shutdown(self, deadline_seconds: float) -> list[str]:
        """Let running jobs finish within the deadline; returns the names of those still running."""
        for worker in self.workers:
            worker.stop()
        end = time.monotonic() + deadline_seconds
        return [w.name for w in self.workers if not w.join(end - time.monotonic())]
