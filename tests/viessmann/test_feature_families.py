"""The feature families that were "unknown" in `collector features` for the public dumps, each read by hand from
its dump: the grid operator's limitation and the locks, SG Ready, the outdoor unit's small heaters, buffer top,
DHW outlet/charging temperatures, the one-time DHW charge, the cylinder anode and heat totals from arrays."""

from __future__ import annotations

import logging

import pytest

from collector.sources.viessmann.coverage import classify
from tests.viessmann.dumps import ALL_MODELS, dump, set_feature
from tests.viessmann.test_models import by_series, poll_dump
from tests.viessmann.test_public_models import editable

RESTRICTION = ("hp_restriction", ())


@pytest.mark.parametrize("name", sorted(ALL_MODELS))
def test_no_feature_of_any_dump_is_unknown(name: str) -> None:
    coverage = classify(dump(name)["data"])
    assert coverage.unknown == {}, f"{name}: decide (map, or ignore with a reason): {sorted(coverage.unknown)}"
    assert all(reason.strip() for reason in coverage.ignored.values())


def test_grid_limitation_and_locks_of_the_250a(settings) -> None:
    series = by_series(poll_dump(settings, "Vitocal250A.json")[0])
    # device.power.consumption.limitation "14aOff", statusReport.consumption status "unlimitedAutonomous" with a
    # limit of 0 W (no limit: not written), device.lock.malfunction/external and heating.external.lock all false
    assert series[RESTRICTION] == {
        "grid_limitation": "14aOff",
        "consumption_status": "unlimitedAutonomous",
        "malfunction_lock": 0,
        "external_lock": 0,
    }


def test_the_200a_unlimited_report_of_one_megawatt_is_no_limit(settings) -> None:
    series = by_series(poll_dump(settings, "Vitocal200A_SystemController.json")[0])
    assert "consumption_limit" not in series[RESTRICTION]  # limit 1000000 W, status "unlimitedAutonomous"
    assert series[RESTRICTION]["grid_limitation"] == "14aOff"
    assert series["hp_aux_heater", ()] == {"condensate_pan": 0, "fan_ring": 0}


def test_a_grid_limitation_is_an_event_with_its_limit_and_its_end(settings) -> None:
    data, src, clock = editable(settings, "Vitocal250A.json")
    src.poll()
    clock.advance(src.poll_seconds)
    set_feature(data, "device.power.consumption.limitation", "2025-10-05T17:00:00.000Z", value="14aOn")
    set_feature(data, "device.power.statusReport.consumption", "2025-10-05T17:00:00.000Z", limit=4200, status="limited")
    set_feature(data, "device.lock.malfunction", "2025-10-05T17:00:00.000Z", active=True)
    throttled = [p for p in src.poll() if p.measurement == "hp_restriction"]
    assert [dict(p.fields) for p in throttled] == [
        {
            "grid_limitation": "14aOn",
            "consumption_status": "limited",
            "consumption_limit": 4200.0,
            "malfunction_lock": 1,
        }
    ]
    assert throttled[0].time_ns == 1759683600 * 10**9  # the features' own timestamp: when it started
    clock.advance(src.poll_seconds)
    set_feature(data, "device.power.consumption.limitation", "2025-10-05T19:30:00.000Z", value="14aOff")
    ended = [dict(p.fields) for p in src.poll() if p.measurement == "hp_restriction"]
    assert ended == [{"grid_limitation": "14aOff"}]  # 2.5 h of limitation, read from two points


def test_smart_grid_dhw_charging_temperatures_and_heat_totals_of_the_222s_split(settings) -> None:
    series = by_series(poll_dump(settings, "Vitocal222SI_Invisible.json")[0])
    assert series[RESTRICTION] == {"smart_grid": "normalOperation"}  # heating.device.smartGrid actualState
    assert series["hp_temperature", (("sensor", "dhw_charging_supply"),)] == {"value": 31.0}
    assert series["hp_temperature", (("sensor", "dhw_charging_return"),)] == {"value": 29.0}
    # heating.heat.production.total: day [5, 0, …], week [5, 16.9, …], month [51.3, …], year [51.3, 0] kWh
    assert series["hp_energy_summary", (("kind", "heat"), ("usage", "total"))] == {
        "current_day": 5.0,
        "current_week": 5.0,
        "current_month": 51.3,
        "current_year": 51.3,
    }
    assert series["hp_aux_heater", (("compressor", "0"),)] == {"crankcase": 0, "evaporator_base": 0}


def test_buffer_top_dhw_outlet_and_one_time_charge_of_the_hybrid(settings) -> None:
    series = by_series(poll_dump(settings, "Vitocaldens222F.json")[0])
    assert series["hp_temperature", (("sensor", "buffer_top"),)] == {"value": 36.0}
    assert series["hp_temperature", (("sensor", "dhw_outlet"),)] == {"value": 41.7}
    assert series["hp_dhw", ()]["one_time_charge"] == 0


def test_buffer_top_of_the_300g(settings) -> None:
    series = by_series(poll_dump(settings, "Vitocal300G_CU401B_ThreeCircuits.json")[0])
    assert series["hp_temperature", (("sensor", "buffer_top"),)] == {"value": 40.4}  # bufferCylinder.…top


def test_outdoor_heaters_on_in_the_250a_two_circuit_dump(settings) -> None:
    series = by_series(poll_dump(settings, "Vitocal250A_TwoCircuits.json")[0])
    assert series["hp_aux_heater", ()] == {"condensate_pan": 1, "fan_ring": 1}
    assert series["hp_aux_heater", (("compressor", "0"),)] == {"crankcase": 0, "evaporator_base": 0}
    assert series["hp_hydraulics", ()]["secondary_circuit_state"] == "standby"


def test_cylinder_anode_current_in_milliampere(settings) -> None:
    series = by_series(poll_dump(settings, "Vitocal262A.json")[0])
    assert series["hp_dhw", ()]["anode_current"] == 0.819  # milliAmpere
    assert series[RESTRICTION] == {"malfunction_lock": 0}
    assert series["hp_hydraulics", ()]["secondary_circuit_state"] == "off"  # currentValue, target "standby"


def test_a_one_time_charge_is_written_when_it_starts(settings) -> None:
    data, src, clock = editable(settings, "Vitocal252A.json")
    src.poll()
    clock.advance(src.poll_seconds)
    set_feature(data, "heating.dhw.oneTimeCharge", "2025-11-19T12:00:00.000Z", active=True)
    charge = [dict(p.fields) for p in src.poll() if p.measurement == "hp_dhw"]
    assert charge == [{"one_time_charge": 1}]


def test_an_anode_current_in_an_unknown_unit_is_refused_and_named_once(settings, caplog) -> None:
    data, src, clock = editable(settings, "Vitocal262A.json")
    for feature in data["data"]:
        if feature["feature"] == "heating.dhw.sensors.dhwCylinder.rustSurveillance.anode":
            feature["properties"]["value"]["unit"] = "microAmpere"
    with caplog.at_level(logging.WARNING):
        points = src.poll()
        clock.advance(src.poll_seconds)
        src.poll()
    assert all("anode_current" not in dict(p.fields) for p in points)
    named = [r.getMessage() for r in caplog.records if "microAmpere" in r.getMessage()]
    assert len(named) == 1 and "heating.dhw.sensors.dhwCylinder.rustSurveillance.anode" in named[0]
