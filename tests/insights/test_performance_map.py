"""The performance-map task on the real server: the simulated heat pump run at known outside temperatures puts
each segment's hours into its 1 K bin with the COP the model's physics produced there, and every point equals the
Python twin's."""

from __future__ import annotations

import copy
import math
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from collector.insights.performance import ALL_FLOWS, performance_map
from collector.metrics.params import Params
from collector.points import point
from collector.sim.heatpump import HeatPumpSpec
from collector.sim.installation import Installation
from grafana.generator import cycling
from grafana.generator import performance_map as map_panels
from grafana.generator.queries import with_imports
from tests.conftest import InfluxEnv
from tests.flux.harness import TaskBench, assert_same
from tests.grafana.grafana_emulation import flux_backend, frames, replace_variables
from tests.insights.simulated import NS, SegmentClimate, simulate

DAY = 86400


def _twin(windows, season: str, stamp_ns: int) -> dict:
    found = {}
    for (category, source, boundary, outside, flow), b in performance_map(windows).items():
        tags = tuple(
            sorted(
                {
                    "category": category,
                    "source": source,
                    "boundary": boundary,
                    "season": season,
                    "outside_bin": outside,
                    "flow_bin": flow,
                }.items()
            )
        )
        for name, value in (
            ("cop", b.cop),
            ("heat_kwh", b.heat_kwh),
            ("electric_kwh", b.electric_kwh),
            ("hours", b.hours),
            ("flow_c", b.flow_c),
        ):
            if value is not None:
                found[("performance_map", tags, name, stamp_ns)] = value
    return found


def panel_rows(influx: InfluxEnv, bench: TaskBench, query: str) -> list[dict]:
    """A panel query's rows as Grafana's Flux backend frames them, over the last 7 days."""
    stop = datetime.now(UTC)
    text = flux_backend(
        replace_variables(with_imports(query), {"rollup_bucket": bench.settings.influx_bucket_rollup}),
        stop - timedelta(days=7),
        stop,
        bench.settings.influx_bucket_raw,
        bench.settings.influx_org,
    )
    found = frames(influx.client.query_api().query(text, org=bench.settings.influx_org))
    return [dict(zip(f.fields, v, strict=True)) for f in found for v in zip(*f.fields.values(), strict=True)]


def test_bins_hold_the_cop_the_model_produced_at_each_outside_temperature(influx: InfluxEnv, tmp_path: Path) -> None:
    start = datetime(2026, 1, 5, tzinfo=UTC).timestamp()
    temperatures = (-5.0, 2.0, 10.0)
    segments = tuple((start + i * 1.5 * DAY, c) for i, c in enumerate(temperatures))
    installation = Installation(start, Params().tz, climate=SegmentClimate(segments=segments))
    windows, points, truth = [], [], {}
    for (segment_start, celsius), stop in zip(
        segments, [*(s for s, _ in segments[1:]), start + 4.5 * DAY], strict=True
    ):
        before = copy.copy(installation.totals)
        run = simulate(segment_start, stop, installation=installation)
        windows += run.windows
        points += run.temperatures + run.cop_points()
        spent = installation.totals
        truth[celsius] = ((spent.heat - before.heat) / (spent.meter - before.meter), (stop - segment_start) / 3600)

    bench = TaskBench.create(influx, tmp_path)
    bench.write(points)
    now = datetime(2026, 1, 10, 0, 7, tzinfo=UTC)
    bench.run(["hpm-performance-map"], int(now.timestamp()) * NS)
    server = bench.read(["performance_map"])
    season_start = int(datetime(2025, 8, 31, 22, tzinfo=UTC).timestamp()) * NS  # 1 September, Berlin midnight
    assert_same(server, _twin(windows, "2025/26", season_start))

    def combined(field: str, outside: str, flow: str = ALL_FLOWS) -> float:
        tags = (
            ("boundary", "H2"),
            ("category", "combined"),
            ("flow_bin", flow),
            ("outside_bin", outside),
            ("season", "2025/26"),
            ("source", "dt_flow"),
        )
        return server[("performance_map", tags, field, season_start)]

    bins = {dict(tags)["outside_bin"] for (_, tags, _, _) in server}
    assert bins == {"-5", "2", "10"}
    for celsius, (spf, hours) in truth.items():
        outside = str(int(celsius))
        # idle windows below the cop task's electricity floor are not windows: a little standby is left out
        assert math.isclose(combined("cop", outside), spf, rel_tol=0.03), (celsius, combined("cop", outside), spf)
        assert hours * 0.75 <= combined("hours", outside) <= hours  # at +10 °C a fifth of the windows idle
        flows = [
            dict(t)["flow_bin"]
            for (_, t, f, _) in server
            if f == "heat_kwh"
            and dict(t)["outside_bin"] == outside
            and dict(t)["category"] == "combined"
            and dict(t)["flow_bin"] != ALL_FLOWS
        ]
        assert math.isclose(sum(combined("heat_kwh", outside, flow) for flow in flows), combined("heat_kwh", outside))
    assert combined("cop", "-5") < combined("cop", "2") < combined("cop", "10")


def test_without_a_supply_sensor_the_map_has_outside_bins_only(influx: InfluxEnv, tmp_path: Path) -> None:
    start = datetime(2026, 1, 5, tzinfo=UTC).timestamp()
    run = simulate(start, start + DAY / 2)
    bench = TaskBench.create(influx, tmp_path)
    bench.write([p for p in run.temperatures if dict(p.tags)["sensor"] == "outside"] + run.cop_points())
    bench.run(["hpm-performance-map"], int(datetime(2026, 1, 6, 0, 7, tzinfo=UTC).timestamp()) * NS)
    server = bench.read(["performance_map"])
    assert server and {dict(tags)["flow_bin"] for (_, tags, _, _) in server} == {ALL_FLOWS}
    hours = sum(v for (_, tags, f, _), v in server.items() if f == "hours" and dict(tags)["category"] == "combined")
    assert hours == 0.5 * sum(w.category == "combined" for w in run.windows)


def test_measured_flow_follows_the_set_curve_the_device_reports(influx: InfluxEnv, tmp_path: Path) -> None:
    """A curve 5 K too high: the set curve drawn from the device's slope, shift and room target is the model's,
    and the measured (heat-weighted) flow temperature per bin lies on it, within the hot-water charges' lift."""
    spec = HeatPumpSpec(curve_shift=HeatPumpSpec().emitter_shift_k + 5.0)
    start = datetime(2026, 1, 5, tzinfo=UTC).timestamp()
    segments = tuple((start + i * DAY / 2, c) for i, c in enumerate((-5.0, 3.0, 10.0)))
    installation = Installation(start, Params().tz, climate=SegmentClimate(segments=segments), spec=spec)
    run = simulate(start, start + 1.5 * DAY, installation=installation, meter=True)
    bench = TaskBench.create(influx, tmp_path)
    bench.write(run.raw + run.temperatures + run.cop_points())
    bench.run(["hpm-performance-map"], int(datetime(2026, 1, 10, 0, 7, tzinfo=UTC).timestamp()) * NS)

    curve = {row["outside"]: row["curve"] for row in panel_rows(influx, bench, map_panels.set_curve().query)}
    for outside, supply in curve.items():
        assert supply == pytest.approx(spec.supply_target_c(outside, 20.0), abs=1e-6)
    measured = {row["outside"]: row["flow"] for row in panel_rows(influx, bench, map_panels.measured_flow().query)}
    assert set(measured) == {-4.5, 3.5, 10.5}
    for outside, flow in measured.items():
        on_curve = spec.supply_target_c(outside - 0.5, 20.0)  # the segment's constant temperature
        # window means: idle minutes of a cycling window pull below, hot-water charges lift above the curve
        assert on_curve - 1.5 <= flow <= on_curve + 3.0, (outside, flow, on_curve)


def test_panels_show_only_the_newest_season_and_nothing_before_the_first(influx: InfluxEnv, tmp_path: Path) -> None:
    """Each season's map is stamped at its start: the panels read the newest stamp's bins only — a bin the older
    season filled and this one did not stays out — and an empty bucket gives no rows, not an error."""
    bench = TaskBench.create(influx, tmp_path)

    assert panel_rows(influx, bench, map_panels.map_table().query) == []
    assert panel_rows(influx, bench, cycling.by_outside().query) == []

    now = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    seasons = {"2025/26": (now - timedelta(days=400), ("-3", "5")), "2026/27": (now - timedelta(days=35), ("2",))}
    written = []
    for season, (stamp, bins) in seasons.items():
        for outside in bins:
            for flow in ("35", ALL_FLOWS):
                tags = {"category": "combined", "source": "device", "boundary": "H2", "season": season}
                values = {"cop": 4.0, "heat_kwh": 40.0, "electric_kwh": 10.0, "hours": 5.0, "flow_c": 36.0}
                tags |= {"outside_bin": outside, "flow_bin": flow}
                written.append(point("performance_map", tags, values, stamp))
            cycling_tags = {"boundary": "H2", "season": season, "outside_bin": outside}
            written.append(point("cycling_map", cycling_tags, {"hours": 5.0, "starts": 4.0, "run_hours": 3.0}, stamp))
    bench.write(written)

    assert [(r["outside"], r["flow"]) for r in panel_rows(influx, bench, map_panels.map_table().query)] == [(2.0, 35.0)]
    assert [r["outside"] for r in panel_rows(influx, bench, map_panels.cop_curve().query)] == [2.5]
    assert [r["outside"] for r in panel_rows(influx, bench, map_panels.hours_by_outside().query)] == [2.5]
    assert [r["outside"] for r in panel_rows(influx, bench, map_panels.measured_flow().query)] == [2.5]
    assert [r["outside"] for r in panel_rows(influx, bench, cycling.by_outside().query)] == [2.0]
