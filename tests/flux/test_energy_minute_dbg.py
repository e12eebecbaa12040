from zoneinfo import ZoneInfo
from collector.metrics.energy import energy_minute, energy_daily
from collector.metrics.cop import cop
from collector.metrics.params import Params
from tests.flux.harness import TaskBench, keyed, assert_same
from tests.flux.scenario import Installation, at

def test_dbg(influx, tmp_path):
    tz = ZoneInfo("Europe/Berlin")
    start = at(tz, 2026, 3, 28, 22)
    stop = at(tz, 2026, 3, 30, 0, 30)
    inst = Installation(tz, gaps=[(at(tz, 2026, 3, 29, 10), at(tz, 2026, 3, 29, 10, 1, 30)), (at(tz, 2026, 3, 29, 14), at(tz, 2026, 3, 29, 14, 30))],
                        resets=[at(tz, 2026, 3, 29, 18)])
    pts = list(inst.shelly(start, stop)) + list(inst.viessmann(start, stop))
    bench = TaskBench.create(influx, tmp_path)
    bench.write(pts)
    now = at(tz, 2026, 3, 30, 0, 20)
    params = Params.from_settings(bench.settings)
    bench.run(["hpm-energy-minute"], now)
    server = bench.read(["energy_minute"])
    minute_pts = energy_minute(pts, now, params)
    twin = keyed(minute_pts)
    print(len(server), len(twin))
    assert_same(server, twin)
    bench.run(["hpm-energy-daily", "hpm-cop"], now)
    daily = energy_daily(pts + minute_pts, now, params)
    assert_same(bench.read(["energy_daily"]), keyed(daily))
    c = cop(minute_pts, now, params)
    assert_same(bench.read(["cop_30m", "cop_daily"]), keyed(c))
    print(len(daily), len(c))
    from collector.metrics.rollup import rollup
    bench.run(["hpm-rollup-1m", "hpm-rollup-1h"], now)
    from collector import schema
    names = [m.name for m in schema.ROLLUPS]
    r = keyed(rollup(pts, now, "1m") + rollup(pts, now, "1h"))
    srv = bench.read(names)
    print(len(r), len(srv))
    assert_same(srv, r)
