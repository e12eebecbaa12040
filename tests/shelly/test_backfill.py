"""Backfill from the device's 1-minute history: energy continuity within 1 Wh, restarts, explicit ranges."""

from __future__ import annotations

import argparse
import itertools
import logging
from datetime import UTC, datetime

import pytest

from collector.influx_io import InfluxWriter
from collector.sources.shelly import ShellySource, cli
from collector.sources.shelly.backfill import backfill
from tests.shelly.conftest import Recorder, drive, flux, shelly_settings, wave


def rfc3339(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).isoformat().replace("+00:00", "Z")


def parse_time(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def largest_gap(influx) -> tuple[float, float]:
    """Times of the two consecutive samples around the outage."""
    rows = influx.query(flux(influx, "shelly_energy", 'r.phase == "total"', 'r._field == "imported"'))
    times = sorted(parse_time(row["_time"]) for row in rows)
    return max(itertools.pairwise(times), key=lambda pair: pair[1] - pair[0])


def assert_continuity(influx, t0: float, t1: float, phases: tuple[str, ...] = ("a", "b", "c", "total")) -> None:
    """Σ 1-minute records over the gap == counter difference across it, per phase and total; no minute missing."""
    m0, m1 = int(t0 // 60) * 60, int(t1 // 60) * 60
    for phase in phases:
        counters = influx.query(
            flux(influx, "shelly_energy", f'r.phase == "{phase}"', 'r._field == "imported"')
            + f" |> range(start: {rfc3339(t0)}, stop: {rfc3339(t1 + 1)})"
        )
        by_time = {parse_time(row["_time"]): float(row["_value"]) for row in counters}
        minutes = influx.query(
            flux(influx, "shelly_energy_minute", f'r.phase == "{phase}"', 'r._field == "imported"')
            + f" |> range(start: {rfc3339(m0)}, stop: {rfc3339(m1)})"
        )
        stamps = [parse_time(row["_time"]) for row in minutes]
        assert stamps == [float(m) for m in range(m0, m1, 60)], f"{phase}: minutes lost or misplaced"
        energy = sum(float(row["_value"]) for row in minutes)
        assert energy == pytest.approx(by_time[t1] - by_time[t0], abs=1.0), phase
        assert energy > 50  # a real load ran through the gap (phase c: 35 W)


@pytest.mark.parametrize("profile", ["triphase", "monophase"])
def test_device_outage_is_filled_with_continuous_energy(influx, tmp_path, make_emulator, clock, profile) -> None:
    emulator = make_emulator(profile=profile)
    settings = shelly_settings(tmp_path, emulator, influx)
    source, writer = ShellySource(settings, clock=clock), InfluxWriter(settings)
    recorder = Recorder(clock, emulator, writer)
    recorder.run(source, 600, power=wave)
    emulator.inject("disconnect", times=10_000)
    recorder.run(source, 4 * 3600, power=wave)  # 240 minutes: more than one poll's backfill budget
    assert source.health.state == "backoff"
    emulator.clear_faults()
    recorder.run(source, 600, power=wave)
    writer.close()
    assert source.health.state == "ok"
    t0, t1 = largest_gap(influx)
    assert t1 - t0 > 4 * 3600 - 300
    assert_continuity(influx, t0, t1)
    assert all(p.time.second == 0 for p in recorder.points if p.measurement == "shelly_energy_minute")


def test_collector_restarts_in_the_middle_of_a_backfill(influx, tmp_path, emulator, clock) -> None:
    settings = shelly_settings(tmp_path, emulator, influx)
    writer = InfluxWriter(settings)
    first = ShellySource(settings, clock=clock)
    Recorder(clock, emulator, writer).run(first, 300, power=wave)
    first.close()
    drive(clock, emulator, 2 * 3600)  # collector down: the gap spans a restart

    second = ShellySource(settings, clock=clock)
    second.backfill_pages_per_poll = 4
    crashed = Recorder(clock, emulator, writer)
    crashed.run(second, 20, power=wave)  # two polls, then the process dies without close()
    third = ShellySource(settings, clock=clock)
    third.backfill_pages_per_poll = 4
    resumed = Recorder(clock, emulator, writer)
    resumed.run(third, 300, power=wave)
    third.close()
    writer.close()

    crashed_minutes = {p for p in crashed.points if p.measurement == "shelly_energy_minute"}
    resumed_minutes = {p for p in resumed.points if p.measurement == "shelly_energy_minute"}
    assert len(crashed_minutes) == 2 * 4 * 6 * 4  # two polls × 4 pages × 6 minutes × 4 phases
    # The uncommitted poll is fetched again, identically (same timestamps and values): nothing lost.
    assert len(crashed_minutes & resumed_minutes) == 4 * 6 * 4
    t0, t1 = largest_gap(influx)
    assert_continuity(influx, t0, t1)


def test_explicit_range_backfill_is_idempotent(influx, tmp_path, emulator, clock) -> None:
    settings = shelly_settings(tmp_path, emulator, influx)
    drive(clock, emulator, 40)  # to a minute boundary
    since = clock.t
    emulator.advance(since)
    before = emulator.counters
    drive(clock, emulator, 3 * 3600)
    until = clock.t
    emulator.advance(until)
    after = emulator.counters
    drive(clock, emulator, 600)  # later minutes exist but are outside the range

    writer = InfluxWriter(settings)
    args = (settings, datetime.fromtimestamp(since, UTC), datetime.fromtimestamp(until, UTC), writer.write)
    first = backfill(*args, clock=clock)
    stored = flux(influx, "shelly_energy_minute") + ' |> drop(columns: ["_start", "_stop"])'
    rows = influx.query(stored)
    second = backfill(*args, clock=clock, progress=True)
    assert first == second == 180 * 4  # 180 minutes × (a, b, c, total)
    assert len(rows) == 180 * (3 * 6 + 3)  # 6 fields per phase; the total has only the summable ones
    assert influx.query(stored) == rows  # re-running changed nothing
    for phase in ("a", "b", "c", "total"):
        imported = influx.query(
            flux(influx, "shelly_energy_minute", f'r.phase == "{phase}"', 'r._field == "imported"') + " |> sum()"
        )
        assert float(imported[0]["_value"]) == pytest.approx(after[phase] - before[phase], abs=1.0)
    times = {parse_time(row["_time"]) for row in rows}
    assert min(times) == since and max(times) == until - 60
    writer.close()


def test_backfill_command(influx, tmp_path, emulator, clock, capsys) -> None:
    settings = shelly_settings(tmp_path, emulator, influx)
    drive(clock, emulator, 3600)
    parser = argparse.ArgumentParser()
    cli.add_arguments(parser)
    since = datetime.fromtimestamp(clock.t - 1800, UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")
    until = datetime.fromtimestamp(clock.t - 600, UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")
    writer = InfluxWriter(settings)
    assert cli.run(parser.parse_args(["--since", since, "--until", until]), settings, writer.write) == 0
    out = capsys.readouterr().out
    assert "wrote" in out
    assert f"now run 'collector recompute --since {since}'" in out  # the range lies before local yesterday
    rows = influx.query(flux(influx, "shelly_energy_minute", 'r.phase == "a"', 'r._field == "imported"'))
    assert len(rows) == 20

    emulator.inject("500", times=100)
    assert cli.run(parser.parse_args(["--since", since]), settings, writer.write) == 1
    message = capsys.readouterr().err
    assert "HTTP 500" in message and "re-run with --since" in message
    assert cli.run(parser.parse_args(["--since", "yesterday"]), settings, writer.write) == 2
    writer.close()


def test_faults_during_backfill_lose_nothing(influx, tmp_path, emulator, clock, caplog) -> None:
    settings = shelly_settings(tmp_path, emulator, influx)
    source, writer = ShellySource(settings, clock=clock), InfluxWriter(settings)
    source.backfill_pages_per_poll = 3
    recorder = Recorder(clock, emulator, writer)
    recorder.run(source, 60, power=wave)
    drive(clock, emulator, 2 * 3600)  # collector down
    recorder.run(source, 10, power=wave)  # first 3 pages
    emulator.inject("nan", after=1)  # the first page of the next poll: retried at once
    recorder.run(source, 10, power=wave)
    emulator.inject("truncated", after=2)  # the second page of the next poll: paused until the poll after
    recorder.run(source, 10, power=wave)
    assert source.health.state == "ok"  # sampling went on
    recorder.run(source, 300, power=wave)
    writer.close()
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1 and "backfill paused" in warnings[0] and "malformed JSON" in warnings[0]
    t0, t1 = largest_gap(influx)
    assert_continuity(influx, t0, t1)
