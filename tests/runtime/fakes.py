"""Test helpers of the runtime tests: a fake source, distinct points, a count query, a wait."""

from __future__ import annotations

import time
from collections.abc import Callable

from collector.points import Point, point
from collector.sources.base import SourceHealth


class FakeSource:
    """A source that reads one ``shelly_power`` point per poll and reports its health like a real one."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.health = SourceHealth()

    def due(self, now: float) -> bool:
        return True

    def poll(self) -> list[Point]:
        now = time.time()
        self.health.last_success, self.health.state = now, "ok"
        return [point("shelly_power", {"device": "fake", "phase": "total"}, {"power": 1.0}, now)]

    def close(self) -> None:
        pass


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
