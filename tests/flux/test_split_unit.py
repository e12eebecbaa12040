"""A Vitocal 200-A reports its heat output only for the whole unit (hp_power, from the system controller), not per
compressor: the device heat source of the minute energies reads it as it reads a compressor's, on the server
(Flux) and in the Python twin alike."""

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


def test_whole_unit_heat_output_is_the_device_heat_source(influx: InfluxEnv, tmp_path: Path) -> None:
    ten = at(TZ, 2025, 6, 10, 10)
    raw = [point("shelly_energy", SHELLY, {"imported": 1000.0 + 5 * i}, (ten + i * 10 * NS) / NS) for i in range(360)]
    raw += [point("hp_power", VIESSMANN, {"heat_production": 5400.0}, (ten + i * 120 * NS) / NS) for i in range(30)]
    bench = TaskBench.create(influx, tmp_path)
    bench.write(raw)
    state: State = {}
    run_all(bench, raw, at(TZ, 2025, 6, 10, 12), state)
    server = assert_server_matches(bench, state)
    heat = {
        t: v
        for (m, tags, f, t), v in server.items()
        if m == "energy_minute" and f == "wh" and ("kind", "heat") in tags and ("source", "device") in tags
    }
    # 5400 W held for 120 s per poll: 90 Wh a minute; the last poll (10:58) has no successor yet
    assert heat == {ten + m * 60 * NS: 90.0 for m in range(58)}
