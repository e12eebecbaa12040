"""The defrost task on the real server against the simulated heat pump's truth: in humid air around freezing the
model ices up and defrosts (reversed cycle, heat taken from the water); the task finds the cycles from the
Shelly power and the water temperatures within 10 %, books their electricity share, and counts the device
flag's cycles beside them."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from pathlib import Path

from collector.metrics.params import Params
from collector.sim.installation import Installation
from collector.sim.weather import ConstantClimate
from tests.conftest import InfluxEnv
from tests.flux.harness import TaskBench
from tests.insights.simulated import NS, simulate

DAY = 86400
FIRST = datetime(2025, 12, 31, 23, tzinfo=UTC).timestamp()  # 1 January 2026, local midnight (Berlin)


def test_defrosts_are_counted_from_power_and_temperatures_within_ten_percent(influx: InfluxEnv, tmp_path: Path) -> None:
    installation = Installation(FIRST, Params().tz, climate=ConstantClimate(temperature_c=1.0, humidity_pct=90.0))
    days = []
    for day in range(2):
        run = simulate(FIRST + day * DAY, FIRST + (day + 1) * DAY, installation=installation, meter=True)
        meter_wh = sum(p.fields[0][1] for p in run.raw if p.measurement == "shelly_power") * 10 / 3600
        days.append((run, meter_wh))
    bench = TaskBench.create(influx, tmp_path)
    bench.write([p for run, _ in days for p in run.raw + run.temperatures])
    for day in (1, 2):  # after each local midnight: yesterday complete
        bench.run(["hpm-defrost"], int(FIRST + day * DAY + 1800) * NS)
    server = bench.read(["defrost_daily"])

    def value(day: int, field: str) -> float:
        return server[("defrost_daily", (("boundary", "H2"),), field, int(FIRST + day * DAY) * NS)]

    for day, (run, meter_wh) in enumerate(days):
        assert run.defrosts >= 10, "the scenario must defrost"
        assert abs(value(day, "count") - run.defrosts) <= 0.1 * run.defrosts, (day, value(day, "count"), run.defrosts)
        # a 4-minute defrost is always seen by a 2-minute poll; one across midnight counts on the next day
        assert abs(value(day, "api_count") - run.defrosts) <= 1
        true_share = run.defrost_wh / meter_wh * 100
        assert math.isclose(value(day, "share"), true_share, rel_tol=0.25), (value(day, "share"), true_share)
        assert math.isclose(value(day, "electric_kwh"), run.defrost_wh / 1000, rel_tol=0.25)
        # heat taken from the water: 2 kW for 4 minutes per cycle in the model
        assert math.isclose(value(day, "heat_kwh"), run.defrosts * 2.0 * 4 / 60, rel_tol=0.35)
        assert value(day, "minutes") >= 3 * run.defrosts


def test_without_the_device_flag_and_flow_the_cycles_are_still_counted(influx: InfluxEnv, tmp_path: Path) -> None:
    """Models that expose neither the defrost flag nor the flow: the power and temperatures still find the
    cycles; the flag's count is 0 and no heat is booked (no flow, no figure)."""
    installation = Installation(FIRST, Params().tz, climate=ConstantClimate(temperature_c=1.0, humidity_pct=90.0))
    run = simulate(FIRST, FIRST + DAY / 2, installation=installation, meter=True)
    bench = TaskBench.create(influx, tmp_path)
    bench.write([p for p in run.raw + run.temperatures if p.measurement != "hp_hydraulics"])
    bench.run(["hpm-defrost"], int(FIRST + DAY / 2 + 600) * NS)
    server = bench.read(["defrost_daily"])
    key = ("defrost_daily", (("boundary", "H2"),))
    assert abs(server[(*key, "count", int(FIRST) * NS)] - run.defrosts) <= max(1, 0.1 * run.defrosts)
    assert run.defrosts >= 5
    assert server[(*key, "api_count", int(FIRST) * NS)] == 0
    assert server[(*key, "heat_kwh", int(FIRST) * NS)] == 0
