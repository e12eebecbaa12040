"""Test sources that count what they sampled, so a test can demand every sampled point back from InfluxDB."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from collector.points import Point, point
from collector.sources.base import SourceHealth


class CountingSource:
    """Samples one ``shelly_power`` point per poll (power = sequence number), optionally stalling."""

    def __init__(self, name: str = "shelly", *, stall_seconds: float = 0.0, device: str = "fake") -> None:
        self.name, self.stall_seconds, self.device = name, stall_seconds, device
        self.sampled: list[Point] = []
        self.poll_starts: list[float] = []  # monotonic
        self.health = SourceHealth()
        self.release = threading.Event()  # set to end a stall early
        self.closed = False

    def due(self, now: float) -> bool:
        return True

    def poll(self) -> list[Point]:
        self.poll_starts.append(time.monotonic())
        if self.stall_seconds:
            self.release.wait(self.stall_seconds)
        p = point(
            "shelly_power", {"device": self.device, "phase": "total"}, {"power": float(len(self.sampled))}, time.time()
        )
        self.sampled.append(p)
        self.health.last_success, self.health.state = time.time(), "ok"
        return [p]

    def close(self) -> None:
        self.closed = True


def powers(n: int, device: str = "fake", start: float = 1_700_000_000.0) -> list[Point]:
    """``n`` distinct points one second apart."""
    return [
        point("shelly_power", {"device": device, "phase": "total"}, {"power": float(i)}, start + i) for i in range(n)
    ]


def count_flux(bucket: str, device: str = "fake") -> str:
    return (
        f'from(bucket: "{bucket}") |> range(start: 0) '
        f'|> filter(fn: (r) => r._measurement == "shelly_power" and r.device == "{device}" and r._field == "power") '
        "|> group() |> count()"
    )


def wait_until(condition: Callable[[], bool], timeout: float = 60.0) -> bool:
    """Poll ``condition`` until it holds or ``timeout`` passes; returns whether it held."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.05)
    return condition()
