"""A hybrid's gas burner on the real server: flow x dT heat (dt_flow) is not heat-pump heat while the burner fires,
so those minutes get none; the compressor's own heat (device) is unaffected. Flux and its Python twin agree."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

from collector.metrics.series import NS
from collector.points import point
from tests.conftest import InfluxEnv
from tests.flux.harness import TaskBench
from tests.flux.pipeline import State, assert_server_matches, run_all
from tests.flux.scenario import SHELLY, VIESSMANN, at

TZ = ZoneInfo("Europe/Berlin")


def test_burner_minutes_carry_no_dt_flow_heat(influx: InfluxEnv, tmp_path: Path) -> None:
    """10:00-11:00 local: flow 1000 l/h at 35/30 °C every 60 s (5815 W), compressor heat 4000 W every 60 s, the
    Shelly at 1800 W. The burner state is written when it changes: off at 09:55, on at 10:20:30, off at 10:40:10."""
    ten = at(TZ, 2025, 1, 15, 10)
    minute = 60 * NS
    burner = {**VIESSMANN, "burner": "0"}
    raw = [point("shelly_energy", SHELLY, {"imported": 1000.0 + 5 * i}, (ten + i * 10 * NS) / NS) for i in range(360)]
    for i in range(60):
        t = (ten + i * minute) / NS
        raw += [
            point("hp_temperature", {**VIESSMANN, "sensor": "supply"}, {"value": 35.0}, t),
            point("hp_temperature", {**VIESSMANN, "sensor": "return"}, {"value": 30.0}, t),
            point("hp_hydraulics", VIESSMANN, {"volumetric_flow": 1000.0}, t),
            point("hp_compressor", {**VIESSMANN, "compressor": "0"}, {"heat_production": 4000.0}, t),
        ]
    raw += [
        point("hp_burner", burner, {"active": 0}, (ten - 5 * minute) / NS),
        point("hp_burner", burner, {"active": 1}, (ten + 20 * minute + 30 * NS) / NS),
        point("hp_burner", burner, {"active": 0}, (ten + 40 * minute + 10 * NS) / NS),
    ]
    bench = TaskBench.create(influx, tmp_path)
    bench.write(raw)
    state: State = {}
    run_all(bench, raw, at(TZ, 2025, 1, 15, 12), state)
    server = assert_server_matches(bench, state)  # the Flux task and collector/metrics/heat.py agree

    def heat(source: str) -> dict[int, float]:
        return {
            t: v
            for (m, tags, f, t), v in server.items()
            if m == "energy_minute" and f == "wh" and ("kind", "heat") in tags and ("source", source) in tags
        }

    flow_wh = 1000.0 * 5.0 * 1.163 / 60.0
    # the last sample (10:59) has no successor: 59 minutes; the burner fired in the minutes 10:20 .. 10:39
    firing = {ten + m * minute for m in range(20, 40)}
    assert heat("dt_flow") == {ten + m * minute: flow_wh for m in range(59) if ten + m * minute not in firing}
    assert heat("device") == {ten + m * minute: 4000.0 / 60.0 for m in range(59)}
