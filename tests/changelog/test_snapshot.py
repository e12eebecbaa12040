"""The normalized snapshot of the real dumps: what is configuration, and which differences are noise."""

from __future__ import annotations

import random

import pytest

from collector.changelog.snapshot import ITEMS, build_snapshot, canonical_json, diff, snapshot_hash
from tests.changelog.conftest import DUMPS, add_noise, feature, load_dump, schedule, set_value


def test_250a_snapshot_holds_exactly_the_configuration() -> None:
    snapshot = build_snapshot(load_dump("Vitocal250A"))
    scalars = {key: value for key, value in snapshot.items() if ".schedule" not in key and "/schedule." not in key}
    assert scalars == {
        "circuit.0/mode": "heating",
        "circuit.0/program": "normalHeating",
        "circuit.0/setpoint_normal": 20,
        "circuit.0/setpoint_reduced": 18,
        "circuit.0/setpoint_comfort": 22,
        "circuit.0/curve_slope": 0.6,
        "circuit.0/curve_shift": 4,
        "circuit.0/supply_min": 20,
        "circuit.0/supply_max": 60,
        "circuit.0/summer_eco": True,
        "circuit.0/summer_eco_threshold": 15,
        # present but disabled on this unit (no cooling, no circuit hysteresis): tracked as None
        "circuit.0/setpoint_normal_cooling": None,
        "circuit.0/setpoint_reduced_cooling": None,
        "circuit.0/setpoint_comfort_cooling": None,
        "circuit.0/heating_hysteresis_on": None,
        "circuit.0/heating_hysteresis_off": None,
        "circuit.0/cooling_hysteresis_on": None,
        "circuit.0/cooling_hysteresis_off": None,
        "circuit.0/schedule_active": True,
        "dhw/mode": "efficient",
        "dhw/target": 55,
        "dhw/hysteresis_on": 5,
        "dhw/hysteresis_off": 0,
        "dhw/hygiene": False,
        "dhw/schedule_active": True,
        "circulation/schedule_active": True,
        "holiday/active": False,
        "holiday/period": None,  # 2000-01-01 … 2000-01-01 = never scheduled
        "holiday_at_home/active": False,
        "holiday_at_home/period": None,
        "heating_rod/heating": True,
        "heating_rod/dhw": True,
        "system/noise_reduction": None,  # present but disabled on this unit
        "system/outside_damping": 10,  # minutes
        "system/secondary_generator": False,
        # the hygiene cycle's temperature and trigger, and the high-demand timeframe: present but disabled
        "dhw/hygiene_temperature": None,
        "dhw/hygiene_start": None,
        "dhw/hygiene_days": None,
        "dhw/high_demand_time": None,
    }
    assert snapshot["circuit.0/schedule.fri"] == [
        ["00:00", "03:00", "normal"],
        ["03:00", "05:00", "comfort"],
        ["05:00", "24:00", "normal"],
    ]
    assert snapshot["dhw/schedule.mon"] == [["01:00", "03:00", "on"], ["13:00", "15:00", "on"]]
    assert snapshot["circulation/schedule.sat"] == [
        ["07:00", "09:30", "on"],
        ["12:00", "13:00", "on"],
        ["18:00", "20:00", "on"],
    ]


def test_legacy_devices_use_their_circuit_ids_and_program_names() -> None:
    g300 = build_snapshot(load_dump("Vitocal300G_CU401B"))
    assert sorted({key.split("/")[0] for key in g300 if key.startswith("circuit.")}) == ["circuit.1"]
    assert (g300["circuit.1/mode"], g300["circuit.1/program"]) == ("dhwAndHeating", "normal")
    assert (g300["circuit.1/setpoint_normal"], g300["circuit.1/setpoint_reduced"]) == (21, 18)
    assert (g300["dhw/target"], g300["dhw/target2"], g300["circulation/schedule.mon"]) == (50, 60, [])

    assert g300["circuit.1/setpoint_eco"] == 21

    g333 = build_snapshot(load_dump("Vitocal333G"))
    # heating.circuits.enabled = ["0"]: circuits 1 and 2 have a heating curve, but are switched off (no phantoms)
    assert sorted({key.split("/")[0] for key in g333 if key.startswith("circuit.")}) == ["circuit.0"]
    assert (g333["circuit.0/curve_slope"], g333["circuit.0/setpoint_eco"]) == (0.4, 19)
    assert g333["dhw/cylinder_max"] == 65

    s200 = build_snapshot(load_dump("Vitocal200S_E8NEV"))
    assert not any(key.startswith("circuit.1") for key in s200)  # circuits 1-3 are not enabled
    assert s200["dhw/mode"] == "eco"
    assert s200["circulation/schedule.mon"] is None  # circulation schedule feature disabled


@pytest.mark.parametrize("name", DUMPS)
def test_every_dump_gives_a_stable_canonical_snapshot(name: str) -> None:
    snapshot = build_snapshot(load_dump(name))
    assert sum(value is not None for value in snapshot.values()) >= 25
    assert snapshot_hash(snapshot) == snapshot_hash(build_snapshot(load_dump(name)))
    assert canonical_json(snapshot) == canonical_json(dict(reversed(snapshot.items())))


@pytest.mark.parametrize("name", DUMPS)
def test_noise_changes_neither_canonical_json_nor_hash(name: str) -> None:
    baseline = build_snapshot(load_dump(name))
    noisy = load_dump(name)
    add_noise(noisy, random.Random(name))
    noisy.reverse()  # feature order in the response
    assert canonical_json(build_snapshot(noisy)) == canonical_json(baseline)


def test_float_representation_is_rounded_to_the_device_stepping() -> None:
    features = load_dump("Vitocal250A")
    set_value(features, "heating.circuits.0.heating.curve", "slope", 0.6000000001)
    set_value(features, "heating.circuits.0.heating.curve", "shift", 4.0)
    set_value(features, "heating.dhw.temperature.hysteresis", "switchOnValue", 4.9999999)
    set_value(features, "heating.circuits.0.operating.programs.normalHeating", "temperature", 20.000000004)
    noisy = build_snapshot(features)
    assert snapshot_hash(noisy) == snapshot_hash(build_snapshot(load_dump("Vitocal250A")))
    assert canonical_json(noisy).count('"circuit.0/curve_slope":0.6,') == 1


def test_stepping_comes_from_the_command_constraints() -> None:
    features = load_dump("Vitocal250A")
    hysteresis = feature(features, "heating.dhw.temperature.hysteresis")
    assert (
        hysteresis["commands"]["setHysteresisSwitchOnValue"]["params"]["hysteresis"]["constraints"]["stepping"] == 0.5
    )
    set_value(features, "heating.dhw.temperature.hysteresis", "switchOnValue", 5.5)
    set_value(features, "heating.circuits.0.heating.curve", "slope", 1.35)
    snapshot = build_snapshot(features)
    assert snapshot["dhw/hysteresis_on"] == 5.5  # a real half-kelvin step survives
    assert snapshot["circuit.0/curve_slope"] == 1.4  # 1.35 → the 0.1 grid (half to even: 13.5 → 14)


def test_schedule_times_are_normalized() -> None:
    features = load_dump("Vitocal250A")
    schedule(features, "heating.dhw.schedule")["mon"] = [
        {"start": "13:00", "end": "15:00", "mode": "on", "position": 0},
        {"start": "1:00", "end": "03:00", "mode": "on", "position": 1},
    ]
    assert build_snapshot(features)["dhw/schedule.mon"] == [["01:00", "03:00", "on"], ["13:00", "15:00", "on"]]


def test_absent_features_give_no_keys_and_malformed_ones_no_crash() -> None:
    assert build_snapshot([]) == {}
    features = load_dump("Vitocal250A")
    curve = feature(features, "heating.circuits.0.heating.curve")
    curve["commands"] = None
    curve["properties"]["slope"] = {"type": "number", "value": "steep"}
    schedule_feature = feature(features, "heating.dhw.schedule")
    schedule_feature["properties"]["entries"]["value"] = "garbage"
    schedule(features, "heating.dhw.pumps.circulation.schedule")["mon"] = 7
    set_value(features, "heating.dhw.temperature.main", "value", float("inf"))
    set_value(features, "heating.circuits.0.temperature.levels", "max", float("nan"))
    features.append({"no": "feature name"})
    snapshot = build_snapshot(features)
    assert snapshot["circuit.0/curve_slope"] is None
    assert snapshot["circuit.0/curve_shift"] == 4  # default stepping 1 without constraints
    assert snapshot["dhw/schedule.mon"] is None
    assert snapshot["circulation/schedule.mon"] == []
    assert (snapshot["dhw/target"], snapshot["circuit.0/supply_max"]) == (None, None)


def test_diff_reports_in_table_order() -> None:
    old = build_snapshot(load_dump("Vitocal250A"))
    new = dict(
        old, **{"heating_rod/dhw": False, "dhw/target": 50, "circuit.0/curve_shift": 2, "circuit.0/mode": "standby"}
    )
    assert [key for key, _, _ in diff(old, new)] == [
        "circuit.0/mode",
        "circuit.0/curve_shift",
        "dhw/target",
        "heating_rod/dhw",
    ]


def test_every_item_has_a_unique_entity_and_field() -> None:
    keys = [(item.entity, item.field) for item in ITEMS]
    assert len(keys) == len(set(keys))
