"""The Carnot task (hpm-carnot) on the real server: hand-computed windows and days exactly, the simulated heat
pump's windows (the model's true energies, the temperatures its poll reports) to rounding, and % of Carnot
following the model's own fraction of Carnot; the dashboard's panels read it as a ratio of sums."""

from __future__ import annotations

import dataclasses
import math
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from collector.metrics.params import Params
from collector.points import point
from collector.sim.heatpump import HeatPumpSpec
from collector.sim.installation import Installation
from grafana.generator import efficiency
from grafana.generator.queries import with_imports
from tests.conftest import InfluxEnv
from tests.flux.harness import TaskBench
from tests.grafana.grafana_emulation import flux_backend, frames, replace_variables
from tests.insights.simulated import NS, SegmentClimate, simulate

DAY = 86400
COMBINED = {"category": "combined", "source": "device", "boundary": "H2"}


def carnot(supply: float, outside: float) -> float:
    """Methodology §6 (emoncms carnot_simulator): +2 K condensing, -6 K evaporating, 273."""
    return (supply + 2 + 273) / ((supply + 2) - (outside - 6))


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def window(at: datetime, heat: float, electric: float, tags: dict[str, str] = COMBINED):  # type: ignore[no-untyped-def]
    fields = {"cop": heat / electric, "heat_kwh": heat, "electric_kwh": electric, "coverage": 100.0}
    return point("cop_30m", tags, fields, at)


def temperatures(at: datetime, sensor: str, *values: float) -> list:  # type: ignore[type-arg]
    """Polls of one sensor within the window starting ``at``, 10 min apart from minute 5."""
    return [
        point("hp_temperature", {"device": "vi1", "sensor": sensor}, {"value": v}, at + timedelta(minutes=5 + 10 * i))
        for i, v in enumerate(values)
    ]


def by(server: dict, measurement: str) -> dict:  # type: ignore[type-arg]
    """(time, tags as dict items, field) -> value of one measurement."""
    return {(t, tags, f): v for (m, tags, f, t), v in server.items() if m == measurement}


def panel(bench: TaskBench, influx: InfluxEnv, per_day: bool, start: datetime, stop: datetime) -> dict:  # type: ignore[type-arg]
    """% of Carnot per (source, time) as the dashboard's panel shows it for [start, stop)."""
    text = flux_backend(
        replace_variables(
            with_imports(efficiency.carnot(per_day).query), {"rollup_bucket": bench.settings.influx_bucket_rollup}
        ),
        start,
        stop,
        bench.settings.influx_bucket_raw,
        bench.settings.influx_org,
    )
    found = frames(influx.client.query_api().query(text, org=bench.settings.influx_org))
    return {
        (frame.labels["source"], at): value
        for frame in found
        for at, value in zip(frame.fields["Time"], frame.fields["% of Carnot"], strict=True)
    }


def test_hand_computed_windows_and_days(influx: InfluxEnv, tmp_path: Path) -> None:
    """Berlin (UTC+1). Local 5 January: two windows with temperatures (10:00, 10:30 UTC), one without (11:00);
    local 6 January: one window with flow far below outside (no Carnot COP, 23:30 UTC) and one at 01:00 UTC."""
    running = {"category": "running", "source": "dt_flow", "boundary": "H2"}
    w1, w2, w3, w4 = utc(2026, 1, 5, 10), utc(2026, 1, 5, 10, 30), utc(2026, 1, 5, 11), utc(2026, 1, 5, 23, 30)
    w5 = utc(2026, 1, 6, 1)
    points = [
        window(w1, 4.0, 1.0),
        window(w1, 3.0, 0.8, running),
        window(w2, 3.0, 1.5),
        window(w3, 1.0, 0.5),
        window(w4, 2.0, 0.5),
        window(w5, 2.0, 0.8),
        window(utc(2026, 1, 4, 22), 9.0, 3.0),  # local 4 January: before the task's range
        *temperatures(w1, "supply", 34.0, 36.0),
        *temperatures(w1, "outside", 5.0, 3.0),
        *temperatures(w2, "supply", 45.0, 45.0, 45.0),
        *temperatures(w2, "outside", -5.0),
        *temperatures(w3, "outside", 1.0),  # no supply in this window
        *temperatures(w4, "supply", 30.0),
        *temperatures(w4, "outside", 39.0),  # (30 + 2) - (39 - 6) < 0
        *temperatures(w5, "supply", 40.0),
        *temperatures(w5, "outside", 0.0, 0.0),
        *temperatures(utc(2026, 1, 4, 22), "supply", 35.0),
        *temperatures(utc(2026, 1, 4, 22), "outside", 0.0),
    ]
    bench = TaskBench.create(influx, tmp_path)
    bench.write(points)
    bench.run(["hpm-carnot"], int(utc(2026, 1, 6, 12).timestamp()) * NS)
    server = bench.read(["carnot_30m", "carnot_daily"])

    c1, c2, c5 = carnot(35.0, 4.0), carnot(45.0, -5.0), carnot(40.0, 0.0)
    combined, run = tuple(sorted(COMBINED.items())), tuple(sorted(running.items()))

    def rows(at: datetime, tags: tuple, heat: float, electric: float, ideal: float) -> dict:  # type: ignore[type-arg]
        ns = int(at.timestamp()) * NS
        return {(ns, tags, "heat_kwh"): heat, (ns, tags, "electric_kwh"): electric, (ns, tags, "ideal_kwh"): ideal}

    expected_windows = (
        rows(w1, combined, 4.0, 1.0, 1.0 * c1)
        | rows(w1, run, 3.0, 0.8, 0.8 * c1)
        | rows(w2, combined, 3.0, 1.5, 1.5 * c2)
        | rows(w5, combined, 2.0, 0.8, 0.8 * c5)
    )
    jan5, jan6 = utc(2026, 1, 4, 23), utc(2026, 1, 5, 23)  # local midnights
    expected_days = (
        rows(jan5, combined, 7.0, 2.5, 1.0 * c1 + 1.5 * c2)
        | rows(jan5, run, 3.0, 0.8, 0.8 * c1)
        | rows(jan6, combined, 2.0, 0.8, 0.8 * c5)
    )
    assert by(server, "carnot_30m") == pytest.approx(expected_windows, rel=1e-12)
    assert by(server, "carnot_daily") == pytest.approx(expected_days, rel=1e-12)

    # the dashboard: a ratio of the sums over the range (not the mean of the windows' or days' ratios), from the
    # windows up to a month and from the days beyond; per day from the daily rows
    over_both = 100 * 9.0 / (1.0 * c1 + 1.5 * c2 + 0.8 * c5)
    assert over_both != pytest.approx(100 * (4 / c1 + 3 / (1.5 * c2) + 2 / (0.8 * c5)) / 3)
    stop = utc(2026, 1, 6, 12)
    for start in (stop - timedelta(days=2), stop - timedelta(days=60)):
        assert panel(bench, influx, False, start, stop) == {("device", stop): pytest.approx(over_both)}
    assert panel(bench, influx, True, stop - timedelta(days=7), stop) == {
        ("device", jan5): pytest.approx(100 * 7.0 / (1.0 * c1 + 1.5 * c2)),
        ("device", jan6): pytest.approx(100 * 2.0 / (0.8 * c5)),
    }


def _simulated_day(spec: HeatPumpSpec, tmp_path: Path, influx: InfluxEnv) -> tuple[dict, list]:  # type: ignore[type-arg]
    """One day at a steady -3 °C, then the task; the server's rows and the simulated windows."""
    start = utc(2026, 1, 5).timestamp()
    installation = Installation(start, Params().tz, climate=SegmentClimate(segments=((start - DAY, -3.0),)), spec=spec)
    run = simulate(start, start + DAY, installation=installation)
    bench = TaskBench.create(influx, tmp_path)
    bench.write(run.temperatures + run.cop_points())
    bench.run(["hpm-carnot"], int(utc(2026, 1, 6, 12).timestamp()) * NS)
    return bench.read(["carnot_30m", "carnot_daily"]), run.windows


def test_simulated_windows_and_the_models_fraction_of_carnot(influx: InfluxEnv, tmp_path: Path) -> None:
    """Each window's ideal heat is its true electricity x the Carnot COP of the supply and outside temperatures
    the poll reported; % of Carnot of the day lies below the model's best fraction (52 %) and scales with it."""
    spec = HeatPumpSpec()
    server, windows = _simulated_day(spec, tmp_path / "a", influx)
    expected = {}
    for w in windows:
        tags = tuple(sorted({"category": w.category, "source": w.source, "boundary": w.boundary}.items()))
        expected |= {
            (w.time_ns, tags, "heat_kwh"): w.heat_kwh,
            (w.time_ns, tags, "electric_kwh"): w.electric_kwh,
            (w.time_ns, tags, "ideal_kwh"): w.electric_kwh * carnot(w.supply_c, w.outside_c),
        }
    assert len(expected) > 3 * 40  # most of the day's windows ran
    assert by(server, "carnot_30m") == pytest.approx(expected, rel=1e-9)

    def percent(rows: dict, category: str) -> float:  # type: ignore[type-arg]
        day = {f: v for (_, tags, f), v in by(rows, "carnot_daily").items() if ("category", category) in tags}
        return 100 * day["heat_kwh"] / day["ideal_kwh"]

    combined, running = percent(server, "combined"), percent(server, "running")
    # starts, part load and standby cost efficiency: below the model's best, running minutes closer to it
    assert 35.0 < combined <= running < 100 * spec.carnot_efficiency, (combined, running)

    worse = dataclasses.replace(spec, carnot_efficiency=spec.carnot_efficiency * 0.8)
    server_worse, _ = _simulated_day(worse, tmp_path / "b", influx)
    assert math.isclose(percent(server_worse, "running") / running, 0.8, rel_tol=0.03)
