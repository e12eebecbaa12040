"""Shelly tests: a fake clock drives both the emulator and the source, so hours pass in milliseconds."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from collector.influx_io import InfluxWriter
from collector.points import Point
from collector.settings import Settings
from collector.sources.shelly import ShellySource
from collector.sources.shelly.emulator import ShellyEmulator
from tests.conftest import InfluxEnv

START = 1_790_000_000.0  # 2026-09-21T14:13:20Z, mid-minute on purpose


class FakeClock:
    def __init__(self, t: float = START) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def make_emulator(clock: FakeClock) -> Iterator[Callable[..., ShellyEmulator]]:
    started: list[ShellyEmulator] = []

    def make(**kwargs: object) -> ShellyEmulator:
        emulator = ShellyEmulator(clock=kwargs.pop("clock", clock), **kwargs)  # type: ignore[arg-type]
        emulator.start()
        started.append(emulator)
        return emulator

    yield make
    for emulator in started:
        emulator.stop()


@pytest.fixture
def emulator(make_emulator: Callable[..., ShellyEmulator]) -> ShellyEmulator:
    emulator = make_emulator()
    emulator.set_power(1500.0, 400.0, 100.0)
    return emulator


def shelly_settings(
    tmp_path: Path, emulator: ShellyEmulator, influx: InfluxEnv | None = None, **overrides: object
) -> Settings:
    values: dict[str, object] = {"shelly_host": emulator.address, **overrides}
    if influx is not None:
        return influx.settings(tmp_path, **values)
    return Settings(_env_file=None, data_dir=tmp_path / "data", **values)  # type: ignore[arg-type]


class Recorder:
    """Drives clock, emulator and source like the runtime does, and writes every point to InfluxDB."""

    def __init__(self, clock: FakeClock, emulator: ShellyEmulator, writer: InfluxWriter | None = None) -> None:
        self.clock, self.emulator, self.writer = clock, emulator, writer
        self.points: list[Point] = []

    def poll(self, source: ShellySource) -> list[Point]:
        points = source.poll()
        self.points += points
        if self.writer is not None and points:
            self.writer.write(points)
        return points

    def run(
        self,
        source: ShellySource,
        seconds: float,
        step: float = 10.0,
        power: Callable[[float], tuple[float, float, float]] | None = None,
    ) -> None:
        """Advance the clock ``seconds`` in steps; polls whenever the source is due; ``power(t)`` sets the load."""
        end = self.clock.t + seconds
        while self.clock.t < end:
            if power is not None:
                self.emulator.advance(self.clock.t)
                self.emulator.set_power(*power(self.clock.t))
            self.clock.t = min(end, self.clock.t + step)
            if source.due(self.clock.t):
                self.poll(source)

    def of(self, measurement: str, phase: str = "total") -> list[Point]:
        return [p for p in self.points if p.measurement == measurement and ("phase", phase) in p.tags]


def flux(influx: InfluxEnv, measurement: str, *filters: str) -> str:
    extra = "".join(f" |> filter(fn: (r) => {f})" for f in filters)
    return (
        f'from(bucket: "{influx.bucket_raw}") |> range(start: 0)'
        f' |> filter(fn: (r) => r._measurement == "{measurement}"){extra}'
    )


def wave(t: float) -> tuple[float, float, float]:
    """A load that changes every few minutes, like a compressor modulating and cycling."""
    minute = int(t // 60)
    base = [2400.0, 0.0, 900.0, 1800.0, 150.0][minute // 7 % 5]
    return base + 13.0 * (minute % 7), base / 3, 35.0


def drive(clock: FakeClock, emulator: ShellyEmulator, seconds: float) -> None:
    """The device keeps metering a varying load while the collector is down."""
    end = clock.t + seconds
    while clock.t < end:
        emulator.advance(clock.t)
        emulator.set_power(*wave(clock.t))
        clock.t += 10
