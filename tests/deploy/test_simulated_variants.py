"""Simulated installation variants end to end on the real InfluxDB (collector sources against the simulated
installation, the Flux tasks forced, dashboard queries run as Grafana would), checked against the simulator's truth.

- Hybrid (heat pump + gas burner): the burner's heat is not heat-pump heat, so device and flow x dT heat stay the
  heat pump's; the Energy dashboard's Hybrid row shows the burner's share of run time and its gas beside them.
- Two-channel meter: the heat pump's channel only.
- Cooling (a reversible unit on a hot summer day): cooling is its own category. Its heat taken out of the rooms and
  its electricity are booked apart; heat, COP and JAZ stay heating's (hot water is still charged in heating mode),
  cooling runs are no defrosts, and the Energy dashboard's Cooling row shows cooling energy and EER."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from statistics import median
from zoneinfo import ZoneInfo

import pytest

from collector.runtime.service import durable_sink
from collector.sim.cli import History, generate
from collector.sim.installation import Installation
from collector.sim.weather import Climate
from tests.conftest import REPO, InfluxEnv
from tests.deploy.test_simulated_day import (
    JAZ_TOLERANCE,
    TASK_ORDER,
    as_grafana_would,
    by_source,
    influx_query,
    overview_queries,
)
from tests.flux.harness import TaskBench

ENERGY = REPO / "grafana" / "dashboards" / "hp-energy.json"


def hybrid_row_queries() -> dict[str, str]:
    """Panel title -> Flux query of the Energy dashboard's collapsed Hybrid row."""
    return row_queries("Hybrid")


def row_queries(title: str) -> dict[str, str]:
    """Panel title -> Flux query of the Energy dashboard's collapsed row whose title has ``title``."""
    board = json.loads(ENERGY.read_text())
    (row,) = [panel for panel in board["panels"] if panel["type"] == "row" and title in panel["title"]]
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


def season_day(tz: ZoneInfo, month: int, warmest: bool) -> tuple[datetime, datetime, float, float]:
    """The warmest (or coldest) day of the simulated climate in the last ``month`` that is over, its end, and the
    simulated span around it."""
    now = datetime.now(tz)
    year = now.year if now.month > month else now.year - 1
    days = [datetime(year, month, d, tzinfo=tz) for d in range(1, 32)]

    def mean(d: datetime) -> float:
        return sum(Climate().outside_temperature(d.timestamp() + h * 3600) for h in range(24)) / 24

    day = max(days, key=mean) if warmest else min(days, key=mean)
    next_day = (day + timedelta(days=1, hours=2)).replace(hour=0)
    return day, next_day, day.timestamp() - 300, next_day.timestamp() + 20 * 60


@dataclass
class ReversibleDay:
    bench: TaskBench
    day: datetime
    next_day: datetime
    span: tuple[float, float]  # what was simulated (unix s)
    history: History


def reversible_day(influx: InfluxEnv, tmp_path: Path, month: int, warmest: bool) -> ReversibleDay:
    """The cooling variant (set point 24 °C) through the collector around the warmest or coldest day of the last
    ``month``, then the tasks."""
    bench = TaskBench.create(influx, tmp_path, simulation_cooling_setpoint_c=24.0)
    day, next_day, start, end = season_day(bench.settings.tz, month, warmest)
    with durable_sink(bench.settings) as sink:
        history = generate(bench.settings, sink, start, end, tmp_path / "scratch", progress=False)
    run_tasks(bench, next_day)
    return ReversibleDay(bench, day, next_day, (start, end), history)


@pytest.mark.slow
def test_a_simulated_summer_day_books_cooling_apart_from_heat(influx: InfluxEnv, tmp_path: Path) -> None:
    run = reversible_day(influx, tmp_path, 7, warmest=True)
    bench, settings, day, next_day = run.bench, run.bench.settings, run.day, run.next_day
    truth = run.history.model.days[day.date()]
    # it cooled for hours, and charged hot water in heating mode; no defrost in summer air
    assert truth.cooling > 10_000 and truth.meter_cooling > 1500 and truth.heat_dhw > 3000, truth
    assert run.history.model.heatpump.defrosts == 0

    bench.run(["hpm-defrost"], int(next_day.timestamp() + 15 * 60) * 1_000_000_000)
    daily = influx_query(
        bench,
        f'from(bucket: "{settings.influx_bucket_rollup}")'
        f" |> range(start: {day.isoformat()}, stop: {next_day.isoformat()})"
        ' |> filter(fn: (r) => r._measurement == "energy_daily" and r._field == "kwh")',
    )
    kwh = {(row["kind"], row["usage"], row["source"]): row["_value"] for row in daily}
    # the meter's day is all of it; its cooling minutes are cooling's. The split rests on the 2-min Viessmann poll
    # (a run's first and last minutes, hot-water charges next to cooling): measured 1.5 % each way on this day.
    assert kwh["electric", "total", "shelly"] == pytest.approx(truth.meter / 1000, rel=0.002)
    assert kwh["electric", "cooling", "shelly"] == pytest.approx(truth.meter_cooling / 1000, rel=0.03)
    assert kwh["heat", "cooling", "dt_flow"] == pytest.approx(truth.cooling / 1000, rel=0.03)
    # the controller reports 0.1 kWh per usage
    assert kwh["heat", "cooling", "device"] == pytest.approx(truth.cooling / 1000, abs=0.1)
    # heat is heating's: the hot water, not minus the cooling
    assert kwh["heat", "total", "device"] == pytest.approx(truth.heat / 1000, abs=0.1)
    assert kwh["heat", "total", "dt_flow"] == pytest.approx(truth.heat / 1000, rel=0.05)

    window = (day, next_day)
    jaz = by_source(
        influx_query(bench, as_grafana_would(overview_queries()["JAZ year to date"], bench, *window)), "jaz"
    )
    # heating's electricity is the small rest of a cooling day's (1.8 of 4.7 kWh): the split's error weighs
    # 2.5 times (measured +2.9 %); JAZ without the split would be heat / all electricity, 60 % off
    assert jaz["device"] == pytest.approx(truth.spf, rel=0.04), (jaz, truth.spf)
    assert jaz["dt_flow"] == pytest.approx(truth.spf, rel=0.06), (jaz, truth.spf)
    assert truth.heat / truth.meter < 0.7 * truth.spf
    cooling = row_queries("Cooling")
    (eer,) = [row["eer"] for row in influx_query(bench, as_grafana_would(cooling["EER"], bench, *window))]
    assert eer == pytest.approx(truth.eer, rel=0.03), (eer, truth.eer)
    energy = influx_query(bench, as_grafana_would(cooling["Cooling energy"], bench, *window))
    assert by_source(energy, "cooling")["device"] == pytest.approx(truth.cooling / 1000, abs=0.1)

    defrost = influx_query(
        bench,
        f'from(bucket: "{settings.influx_bucket_rollup}") |> range(start: {day.isoformat()}, stop: '
        f'{next_day.isoformat()}) |> filter(fn: (r) => r._measurement == "defrost_daily" and r._field == "count")',
    )
    assert [row["_value"] for row in defrost] == [0.0]  # the cooling runs are no defrosts


@pytest.mark.slow
def test_a_reversible_unit_in_the_heating_season_gives_the_heating_only_figures(
    influx: InfluxEnv, tmp_path: Path
) -> None:
    """The cooling variant on the coldest day of the last January: no minute is cooling, and the heat, electricity
    and JAZ are the heating-only installation's truth, to the default test's tolerances."""
    run = reversible_day(influx, tmp_path, 1, warmest=False)
    bench, settings, day, next_day = run.bench, run.bench.settings, run.day, run.next_day
    truth = run.history.model.days[day.date()]
    heating_only = Installation(run.span[0], settings.tz)
    heating_only.run_until(run.span[1])
    assert truth == heating_only.days[day.date()] and truth.cooling == 0 and truth.heat_heating > 50_000

    cooling_rows = influx_query(
        bench,
        f'from(bucket: "{settings.influx_bucket_rollup}")'
        f" |> range(start: {day.isoformat()}, stop: {next_day.isoformat()})"
        ' |> filter(fn: (r) => r.kind == "cooling" or r.usage == "cooling" and r.source != "device")',
    )
    assert cooling_rows == []
    window = (day, next_day)
    queries = overview_queries()
    jaz = by_source(influx_query(bench, as_grafana_would(queries["JAZ year to date"], bench, *window)), "jaz")
    assert jaz["device"] == pytest.approx(truth.heat / truth.meter, rel=JAZ_TOLERANCE), (jaz, truth.spf)
    electric = influx_query(bench, as_grafana_would(queries["Electricity today"], bench, *window))
    assert by_source(electric, "electric") == {"shelly": pytest.approx(truth.meter / 1000, rel=0.002)}
