"""`collector recompute`: data that arrives later than the tasks' own windows is taken in by forced runs over the
range, idempotently."""

from __future__ import annotations

import itertools
import math
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from collector.metrics.series import NS, to_ns
from collector.recompute import recompute, run_times
from collector.sim.weather import ConstantClimate
from tests.conftest import InfluxEnv
from tests.flux.harness import TaskBench
from tests.flux.scenario import Installation
from tests.insights.simulated import simulate


def test_run_times_overlap_and_cover_the_range_in_local_days_and_months() -> None:
    tz = ZoneInfo("Europe/Berlin")
    since = datetime(2025, 10, 25, 13, 30, tzinfo=tz)
    until = datetime(2025, 10, 27, 8, 0, tzinfo=tz).astimezone(UTC)
    days = run_times("1d", since, until, tz)
    assert [d.astimezone(tz).isoformat() for d in days] == [
        "2025-10-25T12:00:00+02:00",  # window from 2025-10-24 00:00: since is inside
        "2025-10-26T12:00:00+01:00",  # the 25-hour day
        "2025-10-27T08:00:00+01:00",
    ]
    hours = run_times("6h", since, until, tz)
    assert hours[0] == datetime(2025, 10, 25, 14, tzinfo=UTC)  # window from 08:00 UTC, before since (11:30 UTC)
    assert hours[-1] == until and all(b - a <= timedelta(hours=6) for a, b in itertools.pairwise(hours))
    months = run_times("1mo", datetime(2025, 11, 20, tzinfo=tz), datetime(2026, 2, 3, tzinfo=UTC), tz)
    assert [m.astimezone(tz).strftime("%Y-%m-%d") for m in months] == ["2025-12-15", "2026-01-15", "2026-02-03"]
    assert run_times(None, since, until, tz) == [until]


def test_recompute_takes_in_days_older_than_the_task_windows(influx: InfluxEnv, tmp_path: Path) -> None:
    bench = TaskBench.create(influx, tmp_path)
    tz = bench.settings.tz
    today = datetime.now(tz).replace(hour=0, minute=0, second=0, microsecond=0)
    day = today - timedelta(days=4)  # far outside the two local days every scheduled run rewrites
    installation = Installation(tz)
    start, stop = to_ns(day - timedelta(hours=1)), to_ns(day + timedelta(days=1, hours=1))
    bench.write([*installation.shelly(start, stop), *installation.viessmann(start, stop)])

    def daily() -> dict:
        return {k: v for k, v in bench.read(["energy_daily", "cop_daily"]).items() if k[3] == to_ns(day)}

    assert daily() == {}
    until = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(minutes=1)
    runs = recompute(bench.settings, day - timedelta(hours=1), until, admin_token=influx.token)
    assert runs > 100  # hourly rollups over five days, the daily tasks and the summaries
    first = daily()
    shelly = ("energy_daily", (("kind", "electric"), ("source", "shelly"), ("usage", "total")))
    expected_wh = sum(installation.power(t) * 10 / 3600 for t in range(to_ns(day), to_ns(day) + 86400 * NS, 10 * NS))
    assert math.isclose(first[(*shelly, "kwh", to_ns(day))], expected_wh / 1000, rel_tol=1e-3)
    assert first[(*shelly, "coverage", to_ns(day))] == 100.0
    assert any(k[0] == "cop_daily" and k[2] == "cop" for k in first)

    recompute(bench.settings, day - timedelta(hours=1), until, admin_token=influx.token)
    assert daily() == first  # re-runs overwrite the same points (bench.read also rejects split series)


def test_recompute_counts_defrosts_of_days_older_than_the_task_window(influx: InfluxEnv, tmp_path: Path) -> None:
    """hpm-defrost rewrites only local yesterday and today: a backfilled older day gets its defrost cycles from
    recompute, as many as the simulated heat pump made (±10 %, as tests/insights/test_defrost.py)."""
    bench = TaskBench.create(influx, tmp_path)
    tz = bench.settings.tz
    day = datetime.now(tz).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=5)
    climate = ConstantClimate(temperature_c=1.0, humidity_pct=90.0)
    run = simulate(day.timestamp(), day.timestamp() + 86400, climate=climate, meter=True)
    bench.write([p for p in run.raw + run.temperatures if p.measurement != "energy_minute"])
    recompute(bench.settings, day - timedelta(hours=1), day + timedelta(days=1, hours=2), admin_token=influx.token)
    count = bench.read(["defrost_daily"])[("defrost_daily", (("boundary", "H2"),), "count", to_ns(day))]
    assert run.defrosts >= 10, "the scenario must defrost"
    assert abs(count - run.defrosts) <= 0.1 * run.defrosts, (count, run.defrosts)
