"""Differential tests: the Flux tasks on the real server against their Python twins, every point, on the
scenarios of issue 7 (steady operation, DHW cycles, short and long gaps, zero and standby power, a counter reset,
both DST days, late backfill, re-runs and catch-up, a year boundary)."""

from __future__ import annotations

import math
from pathlib import Path
from zoneinfo import ZoneInfo

from collector.metrics.series import NS, add_days, derived
from collector.points import Point
from tests.conftest import InfluxEnv
from tests.flux.harness import TaskBench
from tests.flux.pipeline import State, assert_server_matches, remember, run_all
from tests.flux.scenario import Installation, at

TZ = ZoneInfo("Europe/Berlin")


def _value(server: dict, measurement: str, field: str, at_ns: int, **tags: str) -> float:
    [value] = [
        v for (m, t, f, ts), v in server.items() if m == measurement and f == field and ts == at_ns and dict(t) == tags
    ]
    return value


def test_spring_dst_day_with_gaps_reset_standby_and_dhw(influx: InfluxEnv, tmp_path: Path) -> None:
    day = at(TZ, 2026, 3, 29)  # 23 hours
    long_gap = (at(TZ, 2026, 3, 29, 14), at(TZ, 2026, 3, 29, 14, 30))  # > 120 s, no backfill: excluded
    installation = Installation(
        TZ,
        gaps=[(at(TZ, 2026, 3, 29, 10), at(TZ, 2026, 3, 29, 10, 1, 30)), long_gap],  # 90 s gap is bridged
        viessmann_gaps=[(at(TZ, 2026, 3, 29, 20), at(TZ, 2026, 3, 29, 20, 20))],  # > 900 s: heat gap
        resets=[at(TZ, 2026, 3, 29, 18, 0, 5)],
        zero_power=[(at(TZ, 2026, 3, 29, 3), at(TZ, 2026, 3, 29, 4))],
    )
    start, stop = at(TZ, 2026, 3, 28, 22), at(TZ, 2026, 3, 30, 0, 40)
    raw = [*installation.shelly(start, stop), *installation.viessmann(start, stop)]
    bench = TaskBench.create(influx, tmp_path)
    bench.write(raw)
    state: State = {}
    run_all(bench, raw, at(TZ, 2026, 3, 29, 13, 7), state)  # mid-day: today so far
    run_all(bench, raw, at(TZ, 2026, 3, 30, 0, 20), state)  # after midnight: the whole DST day
    server = assert_server_matches(bench, state)

    # independent of the twin: the day's electricity is the profile's energy minus the long gap, and the
    # reset neither loses the day's energy nor adds the counter's previous total
    expected_wh = sum(
        installation.power(t) * 10 / 3600
        for t in range(day, add_days(day, 1, TZ), 10 * NS)
        if not long_gap[0] - 10 * NS <= t < long_gap[1]
    )
    shelly = {"kind": "electric", "usage": "total", "source": "shelly"}
    assert math.isclose(_value(server, "energy_daily", "kwh", day, **shelly), expected_wh / 1000, rel_tol=2e-3)
    coverage = _value(server, "energy_daily", "coverage", day, **shelly)
    assert math.isclose(coverage, 100 * (1 - 1810 / 82800), rel_tol=1e-6)  # 23-hour day, 30 min + 10 s missing
    # no 30-min COP where the Shelly gap leaves < 80 % coverage, one where the 90 s gap leaves enough
    cop_times = {ts for (m, _, f, ts) in server if m == "cop_30m" and f == "cop"}
    assert long_gap[0] not in cop_times and at(TZ, 2026, 3, 29, 10) in cop_times
    assert at(TZ, 2026, 3, 29, 3) not in cop_times  # breaker off: no electricity, no division by ~zero
    # DHW cycle: the device's daily heat split
    dhw = _value(server, "energy_daily", "kwh", day, kind="heat", usage="dhw", source="device")
    heating = _value(server, "energy_daily", "kwh", day, kind="heat", usage="heating", source="device")
    total = _value(server, "energy_daily", "kwh", day, kind="heat", usage="total", source="device")
    assert dhw > 0 and heating > dhw and math.isclose(total, heating + dhw)
    # running excludes standby minutes: higher COP than combined on the day
    running = _value(server, "cop_daily", "cop", day, category="running", source="device", boundary="H2")
    combined = _value(server, "cop_daily", "cop", day, category="combined", source="device", boundary="H2")
    assert running > combined


def test_autumn_dst_day_with_backfill_arriving_late_and_catch_up(influx: InfluxEnv, tmp_path: Path) -> None:
    day = at(TZ, 2025, 10, 26)  # 25 hours
    gap = (at(TZ, 2025, 10, 26, 2, 10), at(TZ, 2025, 10, 26, 2, 40))  # in the repeated hour's first pass
    installation = Installation(TZ, gaps=[gap])
    start, stop = at(TZ, 2025, 10, 25, 23), at(TZ, 2025, 10, 27, 1)
    raw = [*installation.shelly(start, stop), *installation.viessmann(start, stop)]
    bench = TaskBench.create(influx, tmp_path)
    bench.write(raw)
    state: State = {}
    for hour in (6, 7, 8):  # catch-up: the runs missed during a downtime, in order
        run_all(bench, raw, at(TZ, 2025, 10, 26, hour, 5), state)
    before = assert_server_matches(bench, state)
    backfill = installation.backfill(gap[0] - 60 * NS, gap[1] + 60 * NS)
    bench.write(backfill)
    raw += backfill
    run_all(bench, raw, at(TZ, 2025, 10, 27, 0, 30), state)
    after = assert_server_matches(bench, state)

    shelly = {"kind": "electric", "usage": "total", "source": "shelly"}
    assert _value(after, "energy_daily", "coverage", day, **shelly) == 100.0  # backfill closed the gap
    assert _value(after, "energy_daily", "kwh", day, **shelly) > _value(before, "energy_daily", "kwh", day, **shelly)
    expected_wh = sum(installation.power(t) * 10 / 3600 for t in range(day, add_days(day, 1, TZ), 10 * NS))
    assert math.isclose(_value(after, "energy_daily", "kwh", day, **shelly), expected_wh / 1000, rel_tol=1e-3)
    assert add_days(day, 1, TZ) - day == 25 * 3600 * NS


def _daily_history(first: int, last: int) -> list[Point]:
    """Synthetic daily energies: seasonal electricity and COP (device), a sparse dt_flow series; every 37th
    day missing."""
    points = []
    day, index = first, 0
    while day < last:
        electric = 10 + 8 * math.cos(index / 58.0)
        if index % 37 != 5:
            cop = 3.4 + 0.6 * math.sin(index / 40.0)
            for kind, source, kwh in (("electric", "shelly", electric), ("heat", "device", electric * cop)):
                tags = {"kind": kind, "usage": "total", "source": source}
                points.append(derived("energy_daily", tags, {"kwh": kwh, "coverage": 99.0, "hours": 23.5}, day))
            tags = {"kind": "electric", "usage": "total", "source": "device"}
            points.append(derived("energy_daily", tags, {"kwh": electric * 0.9, "coverage": 98.0, "hours": 23.0}, day))
        if index % 3 == 0:
            tags = {"kind": "heat", "usage": "total", "source": "dt_flow"}
            points.append(derived("energy_daily", tags, {"kwh": 20.0, "coverage": 50.0, "hours": 12.0}, day))
        day, index = add_days(day, 1, TZ), index + 1
    return points


def test_jaz_months_and_crosscheck_over_a_year_boundary(influx: InfluxEnv, tmp_path: Path) -> None:
    history = _daily_history(at(TZ, 2024, 10, 1), at(TZ, 2026, 1, 3))
    bench = TaskBench.create(influx, tmp_path)
    bench.write(history)
    state: State = {}
    remember(state, history)  # the seeded daily energies stay as they are
    for now in (
        at(TZ, 2025, 3, 30, 12),  # first season, no last year: linear forecast
        at(TZ, 2025, 10, 26, 1),  # a year of data: seasonal forecast, rolling365 full
        at(TZ, 2026, 1, 1, 0, 30),  # new year: no complete day of 2026 yet
        at(TZ, 2026, 1, 2, 9),  # first day of the new year
    ):
        run_all(bench, [], now, state)
    server = assert_server_matches(bench, state)

    statuses = {dict(tags)["status"] for (m, tags, _, _) in server if m == "jaz"}
    assert statuses == {"full", "provisional"}
    # now() of a forced run is its scheduledFor: points are stamped at that run's local midnight
    ytd = {"period": "ytd", "source": "device", "boundary": "H2", "status": "provisional"}
    assert _value(server, "jaz", "days", at(TZ, 2026, 1, 2), **ytd) == 1
    new_year = {
        (dict(p.tags)["kind"], dict(p.tags)["source"]): dict(p.fields)["kwh"]
        for p in history
        if p.time_ns == at(TZ, 2026, 1, 1)
    }
    expected = new_year[("heat", "device")] / new_year[("electric", "shelly")]
    assert math.isclose(_value(server, "jaz", "jaz", at(TZ, 2026, 1, 2), **ytd), expected)
    assert not [k for k in server if k[0] == "jaz" and k[3] == at(TZ, 2026, 1, 1) and ("period", "ytd") in k[1]]

    def forecast_and_ytd(day: int) -> tuple[float, float]:
        tags = {"period": "year", "source": "device", "boundary": "H2", "estimate": "true"}
        return _value(server, "jaz_forecast", "jaz", day, **tags), _value(server, "jaz", "jaz", day, **ytd)

    linear = forecast_and_ytd(at(TZ, 2025, 3, 30))  # last year barely covered: the year so far, scaled
    assert math.isclose(*linear, rel_tol=1e-9)
    seasonal = forecast_and_ytd(at(TZ, 2025, 10, 26))  # with last year's November and December
    assert not math.isclose(*seasonal, rel_tol=1e-3)
    december = _value(server, "energy_monthly", "kwh", at(TZ, 2025, 12, 1), kind="heat", usage="total", source="device")
    assert december > 0


def test_partial_inputs_never_fail_a_task(influx: InfluxEnv, tmp_path: Path) -> None:
    """Nothing yet, only the meter, only the heat pump (no flow sensor, no rated power): every task still
    succeeds and writes exactly what its twin computes."""
    start, stop = at(TZ, 2025, 11, 3, 22), at(TZ, 2025, 11, 4, 2)
    installation = Installation(TZ)
    shelly = list(installation.shelly(start, stop))
    viessmann = [
        p for p in installation.viessmann(start, stop) if p.measurement in ("hp_compressor", "hp_energy_summary")
    ]
    viessmann = [
        Point(
            p.measurement, p.tags, tuple(f for f in p.fields if f[0] in ("heat_production", "current_day")), p.time_ns
        )
        for p in viessmann
    ]
    bench = TaskBench.create(influx, tmp_path)
    state: State = {}
    run_all(bench, [], at(TZ, 2025, 11, 3, 23, 30), state)  # empty buckets
    bench.write(shelly)
    run_all(bench, shelly, at(TZ, 2025, 11, 4, 0, 30), state)
    server = assert_server_matches(bench, state)
    assert {m for (m, _, _, _) in server} >= {"energy_minute", "energy_daily", "energy_monthly"}
    assert not [key for key in server if key[0].startswith("cop")]  # no heat: no COP
    bench.write(viessmann)
    run_all(bench, [*shelly, *viessmann], at(TZ, 2025, 11, 4, 1, 30), state)
    assert_server_matches(bench, state)

    heat_pump_only = TaskBench.create(influx, tmp_path)
    heat_pump_only.write(viessmann)
    state = {}
    run_all(heat_pump_only, viessmann, at(TZ, 2025, 11, 4, 1, 30), state)
    server = assert_server_matches(heat_pump_only, state)
    assert ("energy_daily", (("kind", "heat"), ("source", "device"), ("usage", "total"))) in {k[:2] for k in server}
    assert not [key for key in server if key[0].startswith("cop") or key[0] == "device_crosscheck"]
