"""The writer: drains the outbox into InfluxDB in order, in batches, and survives every kind of outage.

- A batch is written when ``write_batch_size`` points wait or the oldest has waited ``write_flush_seconds``;
  leftovers from an earlier run are drained at start, oldest first.
- Connection failures, 5xx, 429 and auth/bucket errors (401/403/404: a configuration problem that an operator
  fixes without restarting) are retried with exponential backoff; the outbox keeps every point meanwhile.
- 400/413/422 mean InfluxDB rejected the data itself: the batch is split in halves until the bad point(s) are
  isolated; those go to the dead-letter table with InfluxDB's reason and the rest flows. Rewriting the good
  halves is safe because InfluxDB writes are idempotent (same series and timestamp overwrite).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence

from influxdb_client.rest import ApiException
from urllib3.exceptions import HTTPError as Urllib3Error

from collector.points import Point
from collector.runtime.outbox import Entry, Outbox
from collector.sources.base import Backoff, FaultEpisodes

log = logging.getLogger(__name__)

REJECTED = frozenset({400, 413, 422})  # the data is at fault: isolate and dead-letter
BACKOFF_BASE_SECONDS = 1.0
BACKOFF_CAP_SECONDS = 60.0

Write = Callable[[Sequence[Point]], None]


class Pipeline:
    """Owns the writer thread. ``sink`` is what sources and subcommands hand their points to."""

    def __init__(
        self,
        outbox: Outbox,
        write: Write,
        *,
        batch_size: int,
        flush_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.outbox, self._write = outbox, write
        self.batch_size, self.flush_seconds, self.clock = batch_size, flush_seconds, clock
        self.backoff = Backoff(BACKOFF_BASE_SECONDS, BACKOFF_CAP_SECONDS)
        self.episodes = FaultEpisodes(log, "influxdb")
        self.last_latency_ms: float | None = None
        self.last_success: float | None = None  # unix seconds of the last acknowledged write
        self.consecutive_failures = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def sink(self, points: Sequence[Point]) -> None:
        """Durably record points; they reach InfluxDB asynchronously."""
        self.outbox.append(points)

    # --- thread ------------------------------------------------------------------------------------------
    def start(self) -> Pipeline:
        self._thread = threading.Thread(target=self._run, name="writer", daemon=True)
        self._thread.start()
        return self

    def stop(self, deadline_seconds: float) -> int:
        """Stop the thread, then flush what is left, all within the deadline; returns the points left over."""
        end = self.clock() + deadline_seconds
        self._stop.set()
        self.outbox.appended.set()
        if self._thread is not None:
            self._thread.join(deadline_seconds)  # a write in progress finishes (or times out) first
        left = self.drain(max(0.0, end - self.clock()))
        if left:
            log.warning(
                "%d points stay in the outbox and will be written at the next start", left, extra={"outbox_depth": left}
            )
        return left

    def _run(self) -> None:
        last_flush = self.clock() - self.flush_seconds  # leftovers of an earlier run drain at once
        while not self._stop.is_set():
            waited = self.clock() - last_flush
            if self.outbox.depth < self.batch_size and waited < self.flush_seconds:
                self.outbox.appended.wait(self.flush_seconds - waited)
                self.outbox.appended.clear()
                continue
            last_flush = self.clock()
            if not self._flush_safely():
                self._stop.wait(self.backoff.failure())

    def _flush_safely(self) -> bool:
        try:
            return self.flush_once()
        except Exception as error:  # a dead writer would silently stall every reading: log, back off, go on
            self._unavailable(f"unexpected {type(error).__name__}: {error}", "unexpected")
            log.debug("writer failure", exc_info=True)
            return False

    # --- writing -----------------------------------------------------------------------------------------
    def flush_once(self) -> bool:
        """Write what is waiting, batch by batch (one batch once stopping). False: InfluxDB unavailable."""
        while True:
            batch = self.outbox.peek(self.batch_size)
            if not batch:
                return True
            try:
                self._write_isolating(batch)
            except ApiException as error:
                self._unavailable(f"HTTP {error.status} {_reason(error)}", f"http_{error.status}")
                return False
            except (Urllib3Error, OSError) as error:
                self._unavailable(f"unreachable ({type(error).__name__}: {error})", "unreachable")
                return False
            self.backoff.reset()
            self.consecutive_failures = 0
            self.episodes.recovered()
            if len(batch) < self.batch_size or self._stop.is_set():
                return True  # stopping: the caller drains batch by batch against its deadline

    def drain(self, deadline_seconds: float) -> int:
        """Write until the outbox is empty or the deadline passes (no backoff wait beyond it)."""
        end = self.clock() + deadline_seconds
        while self.outbox.depth and self.clock() < end:
            if not self._flush_safely():
                time.sleep(min(0.5, max(0.0, end - self.clock())))
        return self.outbox.depth

    def _write_isolating(self, batch: Sequence[Entry]) -> None:
        started = time.perf_counter()
        try:
            self._write([entry.point for entry in batch])
        except ApiException as error:
            if error.status not in REJECTED:
                raise
            if len(batch) == 1:
                self._reject(batch[0], error)
                return
            middle = len(batch) // 2
            self._write_isolating(batch[:middle])
            self._write_isolating(batch[middle:])
            return
        self.last_latency_ms = (time.perf_counter() - started) * 1000
        self.last_success = time.time()
        self.outbox.ack(batch)

    def _reject(self, entry: Entry, error: ApiException) -> None:
        reason = f"HTTP {error.status}: {_reason(error)}"
        self.outbox.dead_letter(entry, reason)
        log.error(
            "InfluxDB rejected a point; kept in the dead-letter table: %s",
            reason,
            extra={"measurement": entry.point.measurement, "status": error.status},
        )

    def _unavailable(self, message: str, kind: str) -> None:
        self.consecutive_failures += 1
        self.episodes.fault(kind, f"write failed, retrying with backoff: {message}")


def _reason(error: ApiException) -> str:
    """InfluxDB's own message (JSON body ``message``), else the HTTP reason phrase."""
    message = getattr(error, "message", None)
    if message:
        return str(message)
    body = error.body.decode(errors="replace") if isinstance(error.body, bytes) else error.body
    return str(body or error.reason or "no reason given")[:500]
