"""What every source shares: the poll contract, health state, fault episodes and exponential backoff."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from collector.points import Point

Clock = Callable[[], float]
Sink = Callable[[Sequence[Point]], None]  # where sources hand points that are not part of a poll (backfill)


class Source(Protocol):
    """A data source polled by the runtime in its own worker.

    ``poll`` never raises for device or network faults: it returns the points it could read (possibly
    none), records the outcome in ``health`` and decides by itself (``due``) when it is ready again.
    """

    name: str

    def due(self, now: float) -> bool: ...

    def poll(self) -> list[Point]: ...

    @property
    def health(self) -> SourceHealth: ...

    def close(self) -> None: ...


@dataclass
class SourceHealth:
    last_success: float | None = None  # unix seconds
    consecutive_failures: int = 0
    state: str = "starting"  # ok, failing, backoff, rate_limited, auth_failed, stale
    last_error: str | None = None


class Backoff:
    """Exponential backoff between ``base`` and ``cap`` seconds; reset on success."""

    def __init__(self, base: float, cap: float, factor: float = 2.0) -> None:
        self.base, self.cap, self.factor = base, cap, factor
        self.failures = 0

    def failure(self) -> float:
        """Record a failure and return the delay before the next attempt."""
        self.failures += 1
        return min(self.cap, self.base * self.factor ** (self.failures - 1))

    def reset(self) -> None:
        self.failures = 0


class FaultEpisodes:
    """Logs a fault once when an episode starts (or its kind changes), and once when it ends.

    A device that fails every 10 s for an hour produces two log lines, not 360.
    """

    def __init__(self, logger: logging.Logger, source: str, clock: Clock = time.time) -> None:
        self.logger, self.source, self.clock = logger, source, clock
        self.kind: str | None = None
        self.started: float | None = None
        self.count = 0

    def fault(self, kind: str, message: str, level: int = logging.WARNING) -> None:
        self.count += 1
        if kind != self.kind:
            self.kind, self.started = kind, self.clock()
            self.logger.log(level, "%s: %s", self.source, message, extra={"source": self.source, "fault": kind})

    def recovered(self) -> None:
        if self.kind is not None:
            duration = self.clock() - (self.started or self.clock())
            self.logger.info(
                "%s: recovered after %.0f s and %d failed attempts (%s)",
                self.source,
                duration,
                self.count,
                self.kind,
                extra={"source": self.source},
            )
        self.kind, self.started, self.count = None, None, 0
