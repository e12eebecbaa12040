"""Cadence with ``schedule``, work in one thread per job.

The main thread only keeps time: each ``schedule`` tick merely triggers the job's own worker thread, so a
Viessmann call that hangs until its timeout or a Shelly that stops answering never delays another job's tick.
A tick that finds its worker still busy is skipped (a poll is never queued up behind a hung one). Skips are
logged with hysteresis (``Overruns``): one line when an overrun episode starts, a summary every minute while it
lasts, one line when the job has kept up for a while — not a warning/recovery pair per tick when a job that
barely fits its period (a fast simulation) alternates between on time and late.
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
# An overrun episode ends after this many on-time ticks in a row spanning at least this long (whichever is later):
# a fast simulation whose ticks alternate between late and on time stays one episode.
RECOVERY_TICKS = 10
RECOVERY_SECONDS = 30.0
SUMMARY_SECONDS = 60.0  # how often a lasting episode reports its count


class Overruns:
    """Skipped ticks of one job, logged per episode with hysteresis."""

    def __init__(self, name: str, clock: Callable[[], float] = time.monotonic) -> None:
        self.name, self.clock = name, clock
        self.started: float | None = None  # the episode's start; None between episodes
        self.skipped = self.ticks = self.on_time_in_a_row = 0
        self.last_skip = 0.0
        self._window_start = 0.0
        self._window_skipped = self._window_ticks = 0

    def skip(self, running_seconds: float) -> None:
        now = self.clock()
        if self.started is None:
            self.started, self._window_start = now, now
            self.skipped = self.ticks = self._window_skipped = self._window_ticks = 0
            log.warning(
                "%s: previous run still going after %.1f s; skipping this tick (and logging a summary each "
                "minute until it keeps up)",
                self.name,
                running_seconds,
                extra={"source": self.name, "fault": "overrun"},
            )
        self.on_time_in_a_row, self.last_skip = 0, now
        self.skipped += 1
        self._window_skipped += 1
        self._tick(now)

    def on_time(self) -> None:
        if self.started is None:
            return
        now = self.clock()
        self.on_time_in_a_row += 1
        self._tick(now)
        if self.on_time_in_a_row >= RECOVERY_TICKS and now - self.last_skip >= RECOVERY_SECONDS:
            log.info(
                "%s: keeping up again after %.0f s; %d of %d ticks were skipped",
                self.name,
                now - self.started,
                self.skipped,
                self.ticks,
                extra={"source": self.name},
            )
            self.started = None

    def _tick(self, now: float) -> None:
        self.ticks += 1
        self._window_ticks += 1
        if now - self._window_start >= SUMMARY_SECONDS:
            log.info(
                "%s: still overrunning: %d of %d ticks skipped in the last %.0f s",
                self.name,
                self._window_skipped,
                self._window_ticks,
                now - self._window_start,
                extra={"source": self.name, "fault": "overrun"},
            )
            self._window_start, self._window_skipped, self._window_ticks = now, 0, 0


class Worker:
    """A named thread that runs ``job`` each time it is triggered and is idle otherwise."""

    def __init__(self, name: str, job: Callable[[], None]) -> None:
        self.name, self.job = name, job
        self._trigger = threading.Event()
        self._stop = threading.Event()
        self._busy = threading.Lock()
        self.started_at: float | None = None  # monotonic start of the running job
        self.overruns = Overruns(name)
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
            self.overruns.skip(time.monotonic() - (self.started_at or time.monotonic()))
            return False
        self.overruns.on_time()
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
