"""The collector's own health: ``collector_health`` points every minute, a heartbeat file, and its verdict.

The heartbeat (``<data_dir>/heartbeat.json``, replaced atomically) is what ``collector health`` — the container
healthcheck — reads, so the check needs neither InfluxDB nor the collector's imports. Unhealthy means: no
heartbeat for ``HEARTBEAT_STALE_SECONDS``, a source without a successful poll for longer than its threshold,
or points waiting in the outbox while InfluxDB has accepted nothing for ``WRITER_STALE_SECONDS``.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from collector.points import Point, point

if TYPE_CHECKING:  # ``collector health`` imports this module and must stay light (no influxdb-client)
    from collector.runtime.outbox import Outbox
    from collector.runtime.pipeline import Pipeline
    from collector.sources.base import Source

HEALTH_SECONDS = 60.0
HEARTBEAT_SECONDS = 15.0
HEARTBEAT_FILE = "heartbeat.json"
HEARTBEAT_STALE_SECONDS = 4 * HEARTBEAT_SECONDS
WRITER_STALE_SECONDS = 600.0
STALE_MIN_SECONDS = 120.0
STALE_PERIODS = 5  # a source is stale after missing this many polls (at least STALE_MIN_SECONDS)


def stale_after(period_seconds: float) -> float:
    """Seconds without a successful poll after which a source counts as stale: a WLAN blip or one failed
    Viessmann poll is not an alarm, five missed polls are."""
    return max(STALE_MIN_SECONDS, STALE_PERIODS * period_seconds)


def heartbeat_path(data_dir: Path) -> Path:
    return data_dir / HEARTBEAT_FILE


def process_usage() -> tuple[int, float]:
    """(resident memory in bytes, CPU seconds of all threads) of this process."""
    rss = 0
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1]) * 1024
    except OSError:  # not Linux: the peak is the best we know
        import resource

        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return rss, time.process_time()


@dataclass
class HealthReporter:
    sources: Sequence[Source]
    periods: dict[str, float]  # source name -> nominal poll period, seconds
    outbox: Outbox
    pipeline: Pipeline
    data_dir: Path
    clock: Callable[[], float] = time.time
    started_at: float = 0.0  # in the sources' clock (simulated time in simulation mode)
    wall_started_at: float = 0.0  # the writer's times are wall-clock

    def __post_init__(self) -> None:
        self.started_at = self.started_at or self.clock()
        self.wall_started_at = self.wall_started_at or time.time()

    def points(self) -> list[Point]:
        now = self.clock()
        out = []
        for source in self.sources:
            health = source.health
            budget = source.budget_status() if hasattr(source, "budget_status") else {}
            rejections = getattr(source, "rejections", None)  # collector.validation.Rejections
            fields = {
                "last_success": health.last_success,
                "consecutive_failures": health.consecutive_failures,
                "state": self._state(source, now),
                **{key: budget.get(key) for key in ("calls_24h", "calls_10min", "budget_24h", "budget_10min")},
                "rejected": rejections.total if rejections is not None else None,
            }
            out.append(point("collector_health", {"source": source.name}, fields, now))
            for reason, count in sorted(rejections.counts.items()) if rejections is not None else ():
                tags = {"source": source.name, "reason": reason}
                out.append(point("collector_rejected", tags, {"count": count}, now))
        self.outbox.refresh_depth()
        out.append(
            point(
                "collector_health",
                {"source": "writer"},
                {
                    "last_success": self.pipeline.last_success,
                    "consecutive_failures": self.pipeline.consecutive_failures,
                    "outbox_depth": self.outbox.depth,
                    "outbox_dropped": self.outbox.dropped_count(),
                    "dead_letters": self.outbox.dead_letter_count(),
                    "write_latency": self.pipeline.last_latency_ms,
                },
                now,
            )
        )
        rss, cpu = process_usage()
        out.append(point("collector_health", {"source": "process"}, {"rss": float(rss), "cpu_seconds": cpu}, now))
        return out

    def _age(self, source: Source, now: float) -> float:
        last = source.health.last_success
        return now - (last if last is not None else self.started_at)

    def _state(self, source: Source, now: float) -> str:
        if self._age(source, now) > stale_after(self.periods[source.name]):
            return "stale"
        return source.health.state

    def write_heartbeat(self) -> None:
        now, wall = self.clock(), time.time()
        beat = {
            "written_at": wall,
            "pid": os.getpid(),
            "sources": {
                s.name: {
                    "age": round(self._age(s, now), 3),
                    "stale_after": stale_after(self.periods[s.name]),
                    "state": s.health.state,
                    "last_error": s.health.last_error,
                }
                for s in self.sources
            },
            "writer": {
                "outbox_depth": self.outbox.depth,
                "age": round(wall - (self.pipeline.last_success or self.wall_started_at), 3),
            },
        }
        path = heartbeat_path(self.data_dir)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(beat))
        tmp.replace(path)


def check_heartbeat(path: Path, now: float | None = None) -> list[str]:
    """Problems found in the heartbeat file (empty: healthy)."""
    now = time.time() if now is None else now
    try:
        beat = json.loads(path.read_text())
    except FileNotFoundError:
        return [f"no heartbeat file at {path}: the collector is not running (or not yet started)"]
    except (OSError, ValueError) as error:
        return [f"unreadable heartbeat file {path}: {error}"]
    silence = now - beat["written_at"]
    if silence > HEARTBEAT_STALE_SECONDS:
        return [f"no heartbeat for {silence:.0f} s (limit {HEARTBEAT_STALE_SECONDS:.0f} s): the collector is hung"]
    problems = []
    for name, source in beat["sources"].items():
        age = source["age"] + silence
        if age > source["stale_after"]:
            detail = f": {source['last_error']}" if source.get("last_error") else ""
            problems.append(
                f"{name}: no successful poll for {age:.0f} s (limit {source['stale_after']:.0f} s), "
                f"state {source['state']}{detail}"
            )
    writer = beat["writer"]
    if writer["outbox_depth"] and writer["age"] + silence > WRITER_STALE_SECONDS:
        problems.append(
            f"influxdb: nothing written for {writer['age'] + silence:.0f} s, "
            f"{writer['outbox_depth']} points waiting in the outbox"
        )
    return problems
