"""Shelly sampling jitter while the Viessmann poll stalls: the runtime's isolation of sources, measured.

Runs the real runtime (scheduler, workers, outbox, writer to a real influxd) with the real ShellySource polling
the Shelly emulator over HTTP, next to a Viessmann stand-in whose every poll stalls for ``--stall`` seconds
(a cloud call hanging until its timeout). The emulator records when each ``Shelly.GetStatus`` arrives; the
jitter is how far each interval between two readings deviates from the nominal period.

    .venv/bin/python bench/jitter.py [--duration 120] [--period 1] [--stall 8]

Target: p99 < 100 ms.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


from collector.app import Installation
from collector.points import Point, point
from collector.runtime import service
from collector.settings import Settings
from collector.sources.base import SourceHealth
from collector.sources.shelly import ShellySource
from collector.sources.shelly.emulator import ShellyEmulator
from tests.support.influxd import InfluxdServer, influxd_binary


class TimedEmulator(ShellyEmulator):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.arrivals: list[float] = []

    def _rpc(self, method: str, params: dict[str, Any]) -> tuple[int, Any]:
        if method == "Shelly.GetStatus":
            self.arrivals.append(time.monotonic())
        return super()._rpc(method, params)


class StallingViessmann:
    """Every poll hangs for ``stall`` seconds, then returns one reading."""

    name = "viessmann"

    def __init__(self, stall: float) -> None:
        self.stall, self.polls = stall, 0
        self.health = SourceHealth()
        self._stop = threading.Event()

    def due(self, now: float) -> bool:
        return True

    def poll(self) -> list[Point]:
        self.polls += 1
        self._stop.wait(self.stall)
        self.health.last_success, self.health.state = time.time(), "ok"
        return [point("hp_temperature", {"device": "bench/0", "sensor": "outside"}, {"value": 3.5}, time.time())]

    def close(self) -> None:
        self._stop.set()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=120.0, help="seconds of sampling")
    parser.add_argument("--period", type=float, default=1.0, help="Shelly poll period, s (production: 10)")
    parser.add_argument("--stall", type=float, default=8.0, help="seconds every Viessmann poll hangs")
    parser.add_argument("--viessmann-period", type=float, default=10.0, help="Viessmann poll period, s")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="hpm-jitter-"))
    server = InfluxdServer(influxd_binary(), work / "influxd").start()
    server.create_buckets("hp_raw", "hp_rollup")
    emulator = TimedEmulator()
    emulator.set_power(900.0, 850.0, 800.0)
    try:
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            influx_url=server.url,
            influx_org=server.org,
            influx_token=server.token,
            data_dir=work / "data",
            shelly_host=emulator.start(),
            shelly_poll_seconds=args.period,
            viessmann_client_id="bench",
            viessmann_username="bench",
            viessmann_password="bench",
            write_flush_seconds=1.0,
        )
        viessmann = StallingViessmann(args.stall)
        installation = Installation(
            [ShellySource(settings, state_dir=settings.data_dir), viessmann],
            {"shelly": args.period, "viessmann": args.viessmann_period},
        )
        stop = threading.Event()
        threading.Timer(args.duration, stop.set).start()
        service.run(settings, installation, stop)
    finally:
        emulator.stop()
        server.stop()

    intervals = [b - a for a, b in zip(emulator.arrivals, emulator.arrivals[1:], strict=False)]
    jitter_ms = [abs(i - args.period) * 1000 for i in intervals]
    print(f"shelly period {args.period:g} s, viessmann stalls {args.stall:g} s every {args.viessmann_period:g} s")
    print(f"{len(emulator.arrivals)} readings, {viessmann.polls} stalled viessmann polls, {args.duration:g} s")
    print(
        f"jitter ms: p50 {statistics.median(jitter_ms):.2f}  p99 {percentile(jitter_ms, 0.99):.2f}  "
        f"max {max(jitter_ms):.2f}  (target p99 < 100)"
    )
    print(f"mean interval {statistics.fmean(intervals):.4f} s")


if __name__ == "__main__":
    main()
