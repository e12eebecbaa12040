from zoneinfo import ZoneInfo
from collector.metrics.energy import energy_monthly, device_crosscheck
from collector.metrics.jaz import jaz
from collector.metrics.params import Params
from collector.metrics.series import add_days, derived
from tests.flux.harness import TaskBench, keyed, assert_same
from tests.flux.scenario import at
import math

def test_dbg(influx, tmp_path):
    tz = ZoneInfo("Europe/Berlin")
    day = at(tz, 2024, 10, 1)
    pts = []
    i = 0
    while day < at(tz, 2026, 1, 3):
        if i % 37 != 5:
            e = 10 + 8 * math.cos(i / 58.0)
            pts.append(derived("energy_daily", {"kind": "electric", "usage": "total", "source": "shelly"}, {"kwh": e, "coverage": 99.0, "hours": 23.5}, day))
            pts.append(derived("energy_daily", {"kind": "heat", "usage": "total", "source": "device"}, {"kwh": e * 3.4, "coverage": 98.0, "hours": 23.0}, day))
            pts.append(derived("energy_daily", {"kind": "electric", "usage": "total", "source": "device"}, {"kwh": e * 0.9, "coverage": 98.0, "hours": 23.0}, day))
        if i % 3 == 0:
            pts.append(derived("energy_daily", {"kind": "heat", "usage": "total", "source": "dt_flow"}, {"kwh": 20.0, "coverage": 50.0, "hours": 12.0}, day))
        day = add_days(day, 1, tz); i += 1
    bench = TaskBench.create(influx, tmp_path)
    bench.write(pts)
    params = Params.from_settings(bench.settings)
    names = ["hpm-jaz", "hpm-energy-monthly", "hpm-device-crosscheck"]
    measurements = ["jaz", "jaz_forecast", "energy_monthly", "device_crosscheck"]
    twin = {}
    for now in (at(tz, 2025, 3, 30, 12), at(tz, 2025, 10, 26, 1), at(tz, 2026, 1, 1, 0, 30), at(tz, 2026, 1, 2, 9)):
        bench.run(names, now)
        twin.update(keyed(jaz(pts, now, params) + energy_monthly(pts, now, params) + device_crosscheck(pts, now, params)))
    server = bench.read(measurements)
    print(len(server), len(twin))
    assert_same(server, twin)
