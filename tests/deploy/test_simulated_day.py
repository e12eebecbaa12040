"""A simulated day end to end on the real InfluxDB: the collector's sources against the simulated installation,
provisioning, the Flux tasks forced, and the overview dashboard's own queries checked against the simulator's truth.
"""

from __future__ import annotations

import json
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from collector.app import build_installation
from collector.runtime.service import durable_sink
from collector.runtime.service import run as run_collector
from collector.sim.cli import generate
from tests.conftest import REPO, InfluxEnv
from tests.flux.harness import TaskBench

OVERVIEW = REPO / "grafana" / "dashboards" / "hp-overview.json"
TASK_ORDER = ("hpm-energy-minute", "hpm-energy-daily", "hpm-cop", "hpm-jaz")
JAZ_TOLERANCE = 0.005


def overview_queries() -> dict[str, str]:
    """Panel title -> Flux query of the overview dashboard (first target of each panel)."""
    board = json.loads(OVERVIEW.read_text())
    return {panel["title"]: panel["targets"][0]["query"] for panel in board["panels"] if panel.get("targets")}


def as_grafana_would(query: str, bench: TaskBench, start: datetime, stop: datetime) -> str:
    """Grafana's variables for a Flux query: the v record and the dashboard's template variables."""
    settings = bench.settings
    query = query.replace("${rollup_bucket}", settings.influx_bucket_rollup)
    imports = [line for line in query.splitlines() if line.startswith("import ")]
    body = "\n".join(line for line in query.splitlines() if not line.startswith("import "))
    v = (
        f"v = {{timeRangeStart: {start.isoformat()}, timeRangeStop: {stop.isoformat()}, windowPeriod: 5m, "
        f'defaultBucket: "{settings.influx_bucket_raw}"}}'
    )
    return "\n".join([*imports, v, body])


@pytest.mark.slow
def test_a_simulated_day_gives_plausible_dashboards_and_the_true_jaz(influx: InfluxEnv, tmp_path: Path) -> None:
    bench = TaskBench.create(influx, tmp_path)
    settings = bench.settings
    tz = settings.tz
    day = (datetime.now(tz) - timedelta(days=2)).replace(hour=0, minute=0, second=0, microsecond=0)
    next_day = (day + timedelta(days=1, hours=2)).replace(hour=0)  # DST-proof local midnight
    start, end = day.timestamp() - 300, next_day.timestamp() + 20 * 60

    with durable_sink(settings) as sink:
        history = generate(settings, sink, start, end, tmp_path / "scratch", progress=False)
    assert history.points > 50_000

    scheduled = int(next_day.timestamp() + 15 * 60) * 1_000_000_000  # tasks see the whole day as "yesterday"
    for name in TASK_ORDER:
        bench.run([name], scheduled)

    queries = overview_queries()
    window = (day, next_day)
    cop = influx_query(bench, as_grafana_would(queries["COP today"], bench, *window))
    electric = influx_query(bench, as_grafana_would(queries["Electricity today"], bench, *window))
    heat = influx_query(bench, as_grafana_would(queries["Heat today"], bench, *window))
    jaz = influx_query(bench, as_grafana_would(queries["JAZ year to date"], bench, *window))

    day_truth = history.model.days[day.date()]
    true_jaz = day_truth.heat / day_truth.meter
    assert by_source(electric, "electric") == {"shelly": pytest.approx(day_truth.meter / 1000, rel=0.002)}
    assert by_source(heat, "heat")["device"] == pytest.approx(day_truth.heat / 1000, rel=JAZ_TOLERANCE)
    cops = by_source(cop, "cop")
    assert cops and all(2.0 < value < 6.0 for value in cops.values()), cops
    jazs = by_source(jaz, "jaz")
    assert jazs["device"] == pytest.approx(true_jaz, rel=JAZ_TOLERANCE), (jazs, true_jaz)
    assert all(2.0 < value < 6.0 for value in jazs.values()), jazs


def by_source(rows: list[dict], field: str) -> dict[str, float]:
    """The panel's value per heat/electricity source (the queries return long rows: _field, _value, source)."""
    return {row["source"]: row["_value"] for row in rows if row["_field"] == field}


def influx_query(bench: TaskBench, flux: str) -> list[dict]:
    """Run a query in the bench's organisation; one dict per record."""
    tables = bench.env.client.query_api().query(flux, org=bench.settings.influx_org)
    return [record.values for table in tables for record in table.records]


def test_the_collector_in_simulation_mode_catches_up_then_runs_live(influx: InfluxEnv, tmp_path: Path) -> None:
    """The real runtime (scheduler, outbox, writer) at 120x: half an hour replayed in 15 s, then real time.

    120x leaves a tick of 83 ms for a ~5 ms poll, so even a loaded machine samples every simulated 10 s."""
    settings = influx.settings(tmp_path, simulation_speed=120, simulation_catchup_hours=0.5)
    installation = build_installation(settings)
    stop = threading.Event()
    worker = threading.Thread(target=run_collector, args=(settings, installation, stop))
    started = time.time()
    worker.start()
    try:
        deadline = time.monotonic() + 120  # the replay takes 15 s
        while installation.clock() < time.time() - 1 and time.monotonic() < deadline:
            time.sleep(0.5)
        time.sleep(5)  # live sampling after the replay
    finally:
        stop.set()
        worker.join(30)
    assert not worker.is_alive()
    rows = influx.query(
        f'from(bucket: "{influx.bucket_raw}") |> range(start: -2h, stop: 1h) '
        '|> filter(fn: (r) => r._measurement == "shelly_power" and r._field == "power" and r.phase == "total") '
        '|> keep(columns: ["_time"])'
    )
    times = sorted(datetime.fromisoformat(row["_time"].replace("Z", "+00:00")).timestamp() for row in rows)
    assert times[0] < started - 1500  # the replayed half hour
    assert started - 60 < times[-1] < time.time() + 1  # then live, never in the future
    assert len(times) > 120
    viessmann = influx.query(
        f'from(bucket: "{influx.bucket_raw}") |> range(start: -2h, stop: 1h) '
        '|> filter(fn: (r) => r._measurement == "hp_temperature" and r.sensor == "outside")'
    )
    assert len(viessmann) >= 10  # a poll per ~2 simulated minutes during the replay
