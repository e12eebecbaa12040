"""One hour of operation with values simple enough to compute by hand, checked exactly on the server."""

from __future__ import annotations

import math
from pathlib import Path
from zoneinfo import ZoneInfo

from collector.metrics.series import NS
from collector.points import point
from tests.conftest import InfluxEnv
from tests.flux.harness import TaskBench
from tests.flux.pipeline import State, assert_server_matches, run_all
from tests.flux.scenario import SHELLY, VIESSMANN, at

TZ = ZoneInfo("Europe/Berlin")
H2 = {"boundary": "H2"}


def test_one_hour_at_1800_w_and_cop_3(influx: InfluxEnv, tmp_path: Path) -> None:
    """10:00-11:00 local (CEST): the Shelly counter +5 Wh every 10 s (1800 W), compressor heat 5400 W every
    120 s, the device's heat day counter +0.5 kWh every 10 min; tasks run at 12:00."""
    ten = at(TZ, 2025, 6, 10, 10)
    raw = [point("shelly_energy", SHELLY, {"imported": 1000.0 + 5 * i}, (ten + i * 10 * NS) / NS) for i in range(360)]
    raw += [
        point("hp_compressor", {**VIESSMANN, "compressor": "0"}, {"heat_production": 5400.0}, (ten + i * 120 * NS) / NS)
        for i in range(30)
    ]
    raw += [
        point(
            "hp_energy_summary",
            {**VIESSMANN, "kind": "heat", "usage": "heating"},
            {"current_day": 0.5 * i},
            (ten + i * 600 * NS) / NS,
        )
        for i in range(7)
    ]
    bench = TaskBench.create(influx, tmp_path)
    bench.write(raw)
    state: State = {}
    run_all(bench, raw, at(TZ, 2025, 6, 10, 12), state)
    server = assert_server_matches(bench, state)

    def values(measurement: str) -> dict[tuple[int, tuple[tuple[str, str], ...], str], float | str]:
        return {(t, tags, f): v for (m, tags, f, t), v in server.items() if m == measurement}

    minutes = values("energy_minute")
    electric = {t: v for (t, tags, f), v in minutes.items() if f == "wh" and ("kind", "electric") in tags}
    heat = {t: v for (t, tags, f), v in minutes.items() if f == "wh" and ("kind", "heat") in tags}
    # each counter interval is booked at its first sample: 59 whole minutes and 10:59 with 5 intervals
    assert electric == {ten + m * 60 * NS: 30.0 for m in range(59)} | {ten + 59 * 60 * NS: 25.0}
    # each heat poll holds for 120 s; the last one (10:58) has no successor yet
    assert heat == {ten + m * 60 * NS: 90.0 for m in range(58)}

    # COP over the minutes with both inputs: 10:00-10:30 all 30, 10:30-11:00 the 28 up to 10:57
    half = 1800 * NS
    expected_cop = {}
    for category in ("combined", "running"):
        tags = tuple(sorted({"category": category, "source": "device", **H2}.items()))
        expected_cop |= {
            (ten, tags, "cop"): 3.0,
            (ten, tags, "heat_kwh"): 2.7,
            (ten, tags, "electric_kwh"): 0.9,
            (ten, tags, "coverage"): 100.0,
            (ten + half, tags, "cop"): 3.0,
            (ten + half, tags, "heat_kwh"): 2.52,
            (ten + half, tags, "electric_kwh"): 0.84,
            (ten + half, tags, "coverage"): 1680 / 1800 * 100,
        }
    assert_close(values("cop_30m"), expected_cop)
    assert values("cop_daily") == {}  # 58 minutes of a 12-hour day so far: far below 80 % coverage

    midnight = at(TZ, 2025, 6, 10)
    elapsed = 12 * 3600
    shelly = tuple(sorted({"kind": "electric", "usage": "total", "source": "shelly"}.items()))
    heating = tuple(sorted({"kind": "heat", "usage": "heating", "source": "device"}.items()))
    heat_total = tuple(sorted({"kind": "heat", "usage": "total", "source": "device"}.items()))
    expected_daily = {
        (midnight, shelly, "kwh"): 1.795,
        (midnight, shelly, "hours"): 3590 / 3600,
        (midnight, shelly, "coverage"): 3590 / elapsed * 100,
    }
    for tags in (heating, heat_total):  # the day counter's last reading; polls cover 6 x 600 s
        expected_daily |= {
            (midnight, tags, "kwh"): 3.0,
            (midnight, tags, "hours"): 1.0,
            (midnight, tags, "coverage"): 3600 / elapsed * 100,
        }
    assert_close(values("energy_daily"), expected_daily)

    june = at(TZ, 2025, 6, 1)
    month_elapsed = (9 * 24 + 12) * 3600
    expected_monthly = {
        (june, shelly, "kwh"): 1.795,
        (june, shelly, "hours"): 3590 / 3600,
        (june, shelly, "coverage"): 3590 / month_elapsed * 100,
    }
    for tags in (heating, heat_total):
        expected_monthly |= {
            (june, tags, "kwh"): 3.0,
            (june, tags, "hours"): 1.0,
            (june, tags, "coverage"): 3600 / month_elapsed * 100,
        }
    assert_close(values("energy_monthly"), expected_monthly)
    assert values("jaz") == values("jaz_forecast") == values("device_crosscheck") == {}

    counter_1h = {(t, f): v for (t, tags, f), v in values("shelly_energy_1h").items()}
    assert counter_1h == {(ten, "imported"): 2795.0}  # the hour's last counter reading
    heat_1h = {(t, dict(tags)["agg"]): v for (t, tags, f), v in values("hp_compressor_1h").items()}
    assert heat_1h == {(ten, "mean"): 5400.0, (ten, "min"): 5400.0, (ten, "max"): 5400.0}


def assert_close(actual: dict, expected: dict) -> None:
    assert actual.keys() == expected.keys()
    wrong = {k: (actual[k], v) for k, v in expected.items() if not math.isclose(actual[k], v, rel_tol=1e-12)}
    assert not wrong


def test_a_forced_run_with_a_past_scheduled_for_uses_it_as_now(influx: InfluxEnv, tmp_path: Path) -> None:
    """The determinism every differential test relies on: now() of a forced run is its scheduledFor."""
    first = at(TZ, 2025, 5, 1)
    raw = [
        point("shelly_energy", SHELLY, {"imported": float(i)}, (first + i * 60 * NS) / NS) for i in range(3 * 24 * 60)
    ]
    bench = TaskBench.create(influx, tmp_path)
    bench.write(raw)
    bench.run(["hpm-energy-minute"], at(TZ, 2025, 5, 2, 12, 30, 40))
    times = sorted(t for (m, _, _, t) in bench.read(["energy_minute"]))
    # local yesterday 00:00 up to the last complete minute before 12:30:40, the last sample without successor
    assert (times[0], times[-1]) == (first, at(TZ, 2025, 5, 2, 12, 28))
