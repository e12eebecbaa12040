"""A reversible unit's cooling on the real server: a minute with the circuit in a cooling program and negative
flow x dT is cooling (its own category, methodology §2), not negative heat, and its electricity is not heating
electricity; negative flow x dT under a heating program stays heat (a defrost). Flux and its Python twin agree."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from collector.metrics.series import NS
from collector.points import point
from tests.conftest import InfluxEnv
from tests.flux.harness import TaskBench
from tests.flux.pipeline import State, assert_server_matches, run_all
from tests.flux.scenario import SHELLY, VIESSMANN, at

TZ = ZoneInfo("Europe/Berlin")
MINUTE = 60 * NS
CIRCUIT = {**VIESSMANN, "circuit": "0"}


def test_cooling_minutes_are_cooling_not_negative_heat(influx: InfluxEnv, tmp_path: Path) -> None:
    """15 July 10:00-11:00 local, flow 1000 l/h every 60 s, the Shelly at 1800 W. The circuit's program
    (written when it changes): normalCooling from 09:00, normalHeating from 10:45. 10:00-10:29 a hot-water
    charge in summer (supply 50, return 45: heat), 10:30-10:59 supply 18, return 20: cooling until 10:44, after
    that negative heat under a heating program (a defrost)."""
    ten = at(TZ, 2025, 7, 15, 10)
    raw = [point("shelly_energy", SHELLY, {"imported": 1000.0 + 5 * i}, (ten + i * 10 * NS) / NS) for i in range(360)]
    raw += [point("shelly_power", SHELLY, {"power": 1800.0}, (ten + i * 10 * NS) / NS) for i in range(360)]
    for i in range(60):
        t = (ten + i * MINUTE) / NS
        supply, back = (50.0, 45.0) if i < 30 else (18.0, 20.0)
        raw += [
            point("hp_temperature", {**VIESSMANN, "sensor": "supply"}, {"value": supply}, t),
            point("hp_temperature", {**VIESSMANN, "sensor": "return"}, {"value": back}, t),
            point("hp_hydraulics", VIESSMANN, {"volumetric_flow": 1000.0}, t),
        ]
    raw += [
        point("hp_circuit", CIRCUIT, {"program": "normalCooling"}, (ten - 60 * MINUTE) / NS),
        point("hp_circuit", CIRCUIT, {"program": "normalHeating"}, (ten + 45 * MINUTE) / NS),
    ]
    bench = TaskBench.create(influx, tmp_path, cop_min_coverage=0.01)  # an hour of data still gives a daily COP
    bench.write(raw)
    state: State = {}
    run_all(bench, raw, at(TZ, 2025, 7, 15, 12), state)
    server = assert_server_matches(bench, state)  # the Flux tasks and collector/metrics agree
    bench.run(["hpm-defrost"], at(TZ, 2025, 7, 15, 12))
    defrost = bench.read(["defrost_daily"])

    def minutes(kind: str, field: str) -> dict[int, float]:
        return {
            t: v
            for (m, tags, f, t), v in server.items()
            if m == "energy_minute" and f == field and ("kind", kind) in tags and ("source", "dt_flow") in tags
        }

    charge_wh, reversed_wh = 1000.0 * 5.0 * 1.163 / 60.0, 1000.0 * 2.0 * 1.163 / 60.0
    # the last sample (10:59) has no successor: 59 minutes
    assert minutes("heat", "wh") == pytest.approx(
        {ten + m * MINUTE: charge_wh if m < 30 else -reversed_wh for m in [*range(30), *range(45, 59)]}
    )
    cooling = range(30, 45)
    assert minutes("cooling", "wh") == pytest.approx({ten + m * MINUTE: reversed_wh for m in cooling})
    assert minutes("cooling", "electric_wh") == pytest.approx({ten + m * MINUTE: 30.0 for m in cooling})

    def daily(kind: str, usage: str, source: str, field: str = "kwh") -> float:
        (value,) = [
            v
            for (m, tags, f, _), v in server.items()
            if m == "energy_daily"
            and f == field
            and {("kind", kind), ("usage", usage), ("source", source)} <= set(tags)
        ]
        return value

    assert daily("heat", "cooling", "dt_flow") == pytest.approx(15 * reversed_wh / 1000)
    assert daily("electric", "cooling", "shelly") == pytest.approx(15 * 30.0 / 1000)
    assert daily("electric", "total", "shelly") == pytest.approx(359 * 5.0 / 1000)
    assert daily("heat", "total", "dt_flow") == pytest.approx((30 * charge_wh - 14 * reversed_wh) / 1000)
    # cooling minutes have no heat by rule, not for want of data: flow x dT covered all 59 minutes
    assert daily("heat", "total", "dt_flow", "hours") == pytest.approx(59 / 60)
    assert daily("heat", "cooling", "dt_flow", "hours") == pytest.approx(15 / 60)
    # the COP pairs heat minutes only: the cooling minutes' electricity is not in it
    (cop,) = [
        v
        for (m, tags, f, _), v in server.items()
        if m == "cop_daily" and f == "electric_kwh" and {("source", "dt_flow"), ("category", "combined")} <= set(tags)
    ]
    assert cop == pytest.approx(44 * 30.0 / 1000)

    # the defrost task: the reversed minutes under the heating program (10:45-10:59) are one defrost; the cooling
    # minutes before them are none (else one cycle of 30 minutes)
    day = at(TZ, 2025, 7, 15, 0)
    assert defrost[("defrost_daily", (("boundary", "H2"),), "count", day)] == 1
    assert defrost[("defrost_daily", (("boundary", "H2"),), "minutes", day)] == 15


def test_a_cooling_program_without_flow_data_leaves_the_split_unknown(influx: InfluxEnv, tmp_path: Path) -> None:
    """15 July, a cooling program since 09:00, the Shelly at 1800 W 10:00-11:00. Flow x dT every 60 s from 10:00
    to 10:29 (cooling), then the Viessmann cloud is down until 11:00 (longer than the 15-min gap rule): the
    metered minutes from the last poll's (10:29, which holds no further) to 10:59 are unsplit, cooling or a
    hot-water charge. The day's JAZ (found in the truth suite at -29 % before) leaves that day out."""
    ten = at(TZ, 2025, 7, 15, 10)
    raw = [point("shelly_energy", SHELLY, {"imported": 1000.0 + 5 * i}, (ten + i * 10 * NS) / NS) for i in range(361)]
    raw += [point("shelly_power", SHELLY, {"power": 1800.0}, (ten + i * 10 * NS) / NS) for i in range(361)]
    for i in [*range(30), 60]:
        t = (ten + i * MINUTE) / NS
        raw += [
            point("hp_temperature", {**VIESSMANN, "sensor": "supply"}, {"value": 18.0}, t),
            point("hp_temperature", {**VIESSMANN, "sensor": "return"}, {"value": 20.0}, t),
            point("hp_hydraulics", VIESSMANN, {"volumetric_flow": 1000.0}, t),
            point("hp_circuit", CIRCUIT, {"program": "normalCooling"}, t),
        ]
    bench = TaskBench.create(influx, tmp_path, cop_min_coverage=0.01)
    bench.write(raw)
    state: State = {}
    run_all(bench, raw, at(TZ, 2025, 7, 16, 0, 20), state)
    server = assert_server_matches(bench, state)  # the Flux tasks and collector/metrics agree

    wh = {
        t: v
        for (m, tags, f, t), v in server.items()
        if m == "energy_minute" and ("kind", "unsplit") in tags and f == "wh"
    }
    assert wh == pytest.approx({ten + m * MINUTE: 30.0 for m in range(29, 60)})
    daily = {
        tags: v
        for (m, tags, f, _), v in server.items()
        if m == "energy_daily" and f == "kwh" and ("kind", "electric") in tags
    }
    assert daily[(("kind", "electric"), ("source", "shelly"), ("usage", "unsplit"))] == pytest.approx(31 * 30.0 / 1000)
    assert daily[(("kind", "electric"), ("source", "shelly"), ("usage", "cooling"))] == pytest.approx(29 * 30.0 / 1000)
    # every other figure is there; the JAZ has no complete day to count
    assert not [key for key in server if key[0] == "jaz"]
