"""Every Flux panel gets data of the shape its visualisation needs, as Grafana's Flux backend frames it: a time
series (a field of time values and a numeric one) for time series and state timelines; for stats, which reduce
each frame with lastNotNull, exactly one row per frame: a stat whose query merges series (per circuit, per device)
into one frame of several rows would show whichever row comes last, not a figure of its own."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from grafana.generator import __main__ as generator
from tests.grafana.conftest import Seeded
from tests.grafana.grafana_emulation import Frame, panels, resolve_range
from tests.grafana.test_queries_on_backends import run_flux, variable_values

TIME_PANELS = {"timeseries", "state-timeline"}


def shape_problems(panel_type: str, found: list[Frame]) -> list[str]:
    problems = []
    for frame in found:
        columns = {name: values for name, values in frame.fields.items() if values}
        times = [name for name, values in columns.items() if isinstance(values[0], datetime)]
        numbers = [name for name, values in columns.items() if isinstance(values[0], int | float)]
        if panel_type in TIME_PANELS and not (times and (numbers or panel_type == "state-timeline")):
            problems.append(f"not a time series: {list(frame.fields)}")
        if panel_type == "stat":
            if not numbers:
                problems.append(f"no numeric field in {list(frame.fields)}")
            rows = max((len(values) for values in columns.values()), default=0)
            if rows > 1:
                problems.append(f"{rows} rows in one frame {list(frame.fields)}: the stat shows only one of them")
    return problems


def test_shape_problems_catch_a_table_in_a_time_series_and_a_stat_of_several_rows() -> None:
    t1, t2 = datetime(2026, 1, 1), datetime(2026, 1, 2)
    series = Frame({"_time": [t1, t2], "power": [1.0, 2.0]}, {})
    assert not shape_problems("timeseries", [series])
    assert not shape_problems("stat", [Frame({"_time": [t2], "power": [2.0]}, {})])
    assert shape_problems("stat", [series])  # two circuits' supply merged into one frame
    assert shape_problems("timeseries", [Frame({"source": ["device"], "cop": [3.0]}, {})])
    assert shape_problems("stat", [Frame({"_time": [t2, t1], "power": [1.0, 2.0]}, {})])
    assert shape_problems("stat", [Frame({"state": ["ok"]}, {})])


def test_every_flux_panel_gets_the_shape_its_visualisation_needs(seeded: Seeded, changelog_file: Path) -> None:
    problems: list[str] = []
    checked = {"stat": 0, "timeseries": 0}
    for module in generator.DASHBOARDS:
        dashboard = json.loads((generator.DASHBOARD_DIR / f"{module.UID}.json").read_text())
        variables = variable_values(seeded, changelog_file, module.build().build())
        for panel in panels(dashboard):
            start = resolve_range(panel.get("timeFrom") or dashboard["time"]["from"], seeded.now)
            for target in panel.get("targets", []):
                if target.get("datasource", {}).get("type") != "influxdb":
                    continue
                found = run_flux(seeded, target["query"], start, seeded.now, variables, seeded.env.bucket_raw)
                problems += [f"{module.UID} / {panel['title']}: {p}" for p in shape_problems(panel["type"], found)]
                if found and panel["type"] in checked:
                    checked[panel["type"]] += 1
    assert problems == [], "\n".join(problems)
    assert checked["stat"] >= 25 and checked["timeseries"] >= 25, checked
