"""Simulated installation variants end to end on the real InfluxDB (collector sources against the simulated
installation, the Flux tasks forced, dashboard queries run as Grafana would), checked against the simulator's truth.

- Hybrid (heat pump + gas burner): the burner's heat is not heat-pump heat, so device and flow x dT heat stay the
  heat pump's; the Energy dashboard's Hybrid row shows the burner's share of run time and its gas beside them.
- Two-channel meter: the heat pump's channel only."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from statistics import median
from zoneinfo import ZoneInfo

import pytest

from collector.runtime.service import durable_sink
from collector.sim.cli import generate
from collector.sim.installation import Installation
from collector.sim.weather import Climate
from tests.conftest import REPO, InfluxEnv
from tests.deploy.test_simulated_day import TASK_ORDER, as_grafana_would, by_source, influx_query, overview_queries
from tests.flux.harness import TaskBench

ENERGY = REPO / "grafana" / "dashboards" / "hp-energy.json"


def hybrid_row_queries() -> dict[str, str]:
    """Panel title -> Flux query of the Energy dashboard's collapsed Hybrid row."""
    board = json.loads(ENERGY.read_text())
    (row,) = [panel for panel in board["panels"] if panel["type"] == "row" and "Hybrid" in panel["title"]]
    assert row["collapsed"] is True
    return {panel["title"]: panel["targets"][0]["query"] for panel in row["panels"]}


def day_window(tz: ZoneInfo) -> tuple[datetime, datetime, float, float]:
    """The local day before yesterday, its end, and the simulated span around it (as test_simulated_day)."""
    day = (datetime.now(tz) - timedelta(days=2)).replace(hour=0, minute=0, second=0, microsecond=0)
    next_day = (day + timedelta(days=1, hours=2)).replace(hour=0)  # DST-proof local midnight
    return day, next_day, day.timestamp() - 300, next_day.timestamp() + 20 * 60


def run_tasks(bench: TaskBench, next_day: datetime) -> None:
    """The tasks in their order, scheduled so they see the whole day as "yesterday"."""
    scheduled = int(next_day.timestamp() + 15 * 60) * 1_000_000_000
    for name in TASK_ORDER:
        bench.run([name], scheduled)


@pytest.mark.slow
def test_a_simulated_hybrid_day_keeps_heat_pump_heat_apart_from_the_burner(influx: InfluxEnv, tmp_path: Path) -> None:
    bench = TaskBench.create(influx, tmp_path)
    tz = bench.settings.tz
    day, next_day, start, end = day_window(tz)
    # the bivalence point at the day's median outside temperature: the burner heats about half of the day
    below = median(Climate().outside_temperature(day.timestamp() + h * 3600) for h in range(24))
    settings = bench.settings.model_copy(update={"simulation_burner_below_c": below})

    with durable_sink(settings) as sink:
        history = generate(settings, sink, start, end, tmp_path / "scratch", progress=False)
    truth = history.model.days[day.date()]
    assert truth.burner > 5000 and truth.heat > 5000, truth  # both heat generators ran

    # the same deterministic model, read at the day's bounds: the run-hour counters the controller reports
    twin = Installation(start, tz, burner_below_c=below)
    twin.run_until(day.timestamp())
    hp0, burner0 = int(twin.heatpump.hours), round(twin.burner.hours, 1)
    twin.run_until(next_day.timestamp())
    hp_hours, burner_hours = int(twin.heatpump.hours) - hp0, round(twin.burner.hours, 1) - burner0

    run_tasks(bench, next_day)

    daily = influx_query(
        bench,
        f'from(bucket: "{settings.influx_bucket_rollup}")'
        f" |> range(start: {day.isoformat()}, stop: {next_day.isoformat()})"
        ' |> filter(fn: (r) => r._measurement == "energy_daily" and r._field == "kwh" and r.usage == "total")',
    )
    heat = {row["source"]: row["_value"] for row in daily if row["kind"] == "heat"}
    # the device's heat counters are heat-pump heat; flow x dT skips the burner's minutes
    assert heat["device"] == pytest.approx(truth.heat / 1000, rel=0.005)
    assert abs(heat["dt_flow"] - truth.heat / 1000) < 0.1 * truth.heat / 1000, (heat, truth)
    gas_daily = [row["_value"] for row in daily if row["kind"] == "gas"]
    assert gas_daily == [pytest.approx(truth.burner / 0.95 / 1000, abs=0.1)]

    queries = hybrid_row_queries()
    window = (day, next_day)
    gas = influx_query(bench, as_grafana_would(queries["Gas"], bench, *window))
    assert by_source(gas, "gas") == {"device": pytest.approx(truth.burner / 0.95 / 1000, abs=0.1)}
    share = influx_query(bench, as_grafana_would(queries["Burner share of run time"], bench, *window))
    (shown,) = [row["burner share"] for row in share]
    # the controller reports whole compressor hours: the share lies within what ±1 h of them allows
    low = 100 * burner_hours / (burner_hours + hp_hours + 1)
    high = 100 * burner_hours / (burner_hours + max(0, hp_hours - 1))
    assert low - 0.5 <= shown <= high + 0.5, (shown, burner_hours, hp_hours)


@pytest.mark.slow
def test_a_simulated_two_channel_meter_meters_the_heat_pump_on_its_channel(influx: InfluxEnv, tmp_path: Path) -> None:
    """A Pro EM-50 style meter (em1:0..1, no profile): the heat pump on channel 0, a household circuit on channel 1.
    HPM_SHELLY_CHANNEL=0 makes the electricity the heat pump's; the overview's electricity shows exactly that."""
    bench = TaskBench.create(influx, tmp_path)
    tz = bench.settings.tz
    day, next_day, start, end = day_window(tz)
    settings = bench.settings.model_copy(update={"simulation_meter": "two_channel", "shelly_channel": 0})

    with durable_sink(settings) as sink:
        history = generate(settings, sink, start, end, tmp_path / "scratch", progress=False)
    truth = history.model.days[day.date()]

    run_tasks(bench, next_day)
    phases = influx_query(
        bench,
        f'import "influxdata/influxdb/schema"\nschema.tagValues(bucket: "{settings.influx_bucket_raw}", tag: "phase",'
        ' predicate: (r) => r._measurement == "shelly_power", start: -10d)',
    )
    assert sorted(row["_value"] for row in phases) == ["a", "total"]  # channel 0 only: the household is not read
    electric = influx_query(bench, as_grafana_would(overview_queries()["Electricity today"], bench, day, next_day))
    assert by_source(electric, "electric") == {"shelly": pytest.approx(truth.meter / 1000, rel=0.002)}
