"""The long-running collector: sources on their cadence, the durable pipeline, health, and a clean shutdown.

SIGTERM/SIGINT: stop scheduling, give running polls ``POLL_DEADLINE_SECONDS`` to finish (their points are
kept), flush the outbox within ``FLUSH_DEADLINE_SECONDS``, close, exit 0. Both fit Docker's default 10 s stop
grace period; whatever does not make it stays in the outbox (SIGKILL loses nothing already sampled either).
"""

from __future__ import annotations

import logging
import signal
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from types import FrameType

from collector.app import Installation
from collector.points import Point
from collector.report.cli import monthly_job
from collector.runtime.health import HEALTH_SECONDS, HEARTBEAT_SECONDS, HealthReporter
from collector.runtime.outbox import Outbox, outbox_path
from collector.runtime.pipeline import Pipeline
from collector.runtime.scheduler import Scheduler
from collector.settings import Settings
from collector.sources.base import Sink, Source

REPORT_CHECK_SECONDS = 3600  # the monthly report job checks hourly whether the previous month is due

log = logging.getLogger(__name__)

POLL_DEADLINE_SECONDS = 5.0
FLUSH_DEADLINE_SECONDS = 3.0
COMMAND_FLUSH_SECONDS = 60.0
# A source keeps its own cadence (``due``) from the end of its previous poll; the scheduler's tick for it
# comes a request latency earlier, so "due within this tolerance" counts as due (else every other tick
# would be skipped and the source sampled at half its rate).
DUE_TOLERANCE_SECONDS = 0.5


def open_pipeline(settings: Settings) -> Pipeline:
    """The outbox in the data directory and a writer to InfluxDB (thread not started)."""
    from collector.influx_io import InfluxWriter

    outbox = Outbox(outbox_path(settings.data_dir), settings.outbox_max_points)
    writer = InfluxWriter(settings)
    return Pipeline(
        outbox, writer.write, batch_size=settings.write_batch_size, flush_seconds=settings.write_flush_seconds
    )


@contextmanager
def durable_sink(settings: Settings) -> Iterator[Sink]:
    """A sink for one-shot commands (backfill, simulate): outbox-backed, flushed before the command exits.

    The pipeline opens at the first point, so commands that write none (note) never touch the outbox.
    Whatever cannot be flushed within ``COMMAND_FLUSH_SECONDS`` stays in the outbox for the collector.
    """
    pipeline: Pipeline | None = None

    def sink(points: Sequence[Point]) -> None:
        nonlocal pipeline
        if pipeline is None:
            pipeline = open_pipeline(settings).start()
        pipeline.sink(points)

    try:
        yield sink
    finally:
        if pipeline is not None:
            pipeline.stop(COMMAND_FLUSH_SECONDS)
            pipeline.outbox.close()


def poll_job(source: Source, pipeline: Pipeline, installation: Installation) -> Callable[[], None]:
    def job() -> None:
        if source.due(installation.clock() + DUE_TOLERANCE_SECONDS):
            pipeline.sink(source.poll())

    return job


def run(settings: Settings, installation: Installation, stop: threading.Event | None = None) -> int:
    """Run until SIGTERM/SIGINT (or ``stop`` is set); returns the exit code."""
    stop = stop or threading.Event()
    _install_signal_handlers(stop)
    try:
        pipeline = open_pipeline(settings)
    except (OSError, sqlite3.Error) as error:
        log.error("cannot open the outbox in %s: %s", settings.data_dir, error)
        installation.close()
        return 1
    if pipeline.outbox.depth:
        log.info("draining %d points left in the outbox first", pipeline.outbox.depth)
    pipeline.start()
    health = HealthReporter(
        installation.sources,
        installation.periods,
        pipeline.outbox,
        pipeline,
        settings.data_dir,
        clock=installation.clock,
    )
    scheduler = Scheduler()
    for source in installation.sources:
        scheduler.every(installation.real_period(source.name), source.name, poll_job(source, pipeline, installation))
    scheduler.every(HEALTH_SECONDS, "health", lambda: pipeline.sink(health.points()))
    scheduler.every(HEARTBEAT_SECONDS, "heartbeat", health.write_heartbeat)
    scheduler.every(REPORT_CHECK_SECONDS, "report", monthly_job(settings, time.time))
    log.info(
        "collector started",
        extra={
            "sources": ",".join(s.name for s in installation.sources),
            "simulated": installation.simulated or "none",
        },
    )
    try:
        scheduler.run(stop)
    finally:
        started = time.monotonic()
        hung = scheduler.shutdown(POLL_DEADLINE_SECONDS)
        if hung:
            log.warning("still running at shutdown, abandoned: %s", ", ".join(hung))
        left = pipeline.stop(FLUSH_DEADLINE_SECONDS)
        installation.close()
        pipeline.outbox.close()
        log.info(
            "collector stopped",
            extra={"shutdown_seconds": round(time.monotonic() - started, 2), "outbox_depth": left},
        )
    return 0


def _install_signal_handlers(stop: threading.Event) -> None:
    if threading.current_thread() is not threading.main_thread():
        return  # embedded (tests, benchmarks): the caller stops us through ``stop``

    def handler(signum: int, _frame: FrameType | None) -> None:
        log.info("received %s, shutting down", signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)
