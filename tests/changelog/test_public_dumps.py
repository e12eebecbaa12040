"""The changelog on the public dumps of models without a byte-for-byte fixture (tests/data/viessmann): circuits
from ``heating.circuits.enabled``, eco and cooling set points, and an upgrade that starts tracking more settings."""

from __future__ import annotations

import logging

import pytest

from collector.changelog.snapshot import build_snapshot, canonical_json, snapshot_hash
from tests.changelog.conftest import load_dump, set_value
from tests.changelog.test_tracker import T0, Maker
from tests.viessmann.dumps import dump


def public(name: str) -> list[dict]:
    return dump(f"{name}.json")["data"]


def stored_by_an_older_version(tracker, snapshot: dict) -> None:
    """The last snapshot as a version of the collector that tracked fewer settings recorded it."""
    tracker.store.record(
        time=T0,
        time_local="2026-11-27 10:00",
        changes=[],
        device_id="0",
        snapshot=(snapshot_hash(snapshot), canonical_json(snapshot)),
    )


def circuits(snapshot: dict) -> list[str]:
    return sorted({key.split("/")[0] for key in snapshot if key.startswith("circuit.")})


def test_cooling_set_points_and_no_phantom_circuits() -> None:
    snapshot = build_snapshot(public("Vitocal151A"))
    assert circuits(snapshot) == ["circuit.0"]  # circuits 1-3 have enabled summerEco/zone features, but are off
    cooling = [snapshot[f"circuit.0/setpoint_{level}_cooling"] for level in ("normal", "reduced", "comfort")]
    assert cooling == [25, 27, 23]  # unit label "Celsius"
    assert (snapshot["circuit.0/setpoint_normal"], snapshot["circuit.0/setpoint_reduced"]) == (20, 18)


def test_hybrid_circuit_ids_and_eco_set_point() -> None:
    snapshot = build_snapshot(public("Vitocaldens222F"))
    assert circuits(snapshot) == ["circuit.1"]  # circuits 0 and 2 report heating curves but are switched off
    assert snapshot["circuit.1/setpoint_eco"] == 20
    assert (snapshot["circuit.1/curve_slope"], snapshot["circuit.1/curve_shift"]) == (0.6, 4)


def test_legacy_unit_with_switched_off_circuits() -> None:
    snapshot = build_snapshot(public("Vitocal200"))
    assert circuits(snapshot) == ["circuit.0"]  # circuits 1 and 2 report curves and set points 0 °C, but are off
    assert (snapshot["circuit.0/setpoint_eco"], snapshot["circuit.0/setpoint_normal"]) == (22, 22)
    assert snapshot["circuit.0/mode"] == "dhwAndHeatingCooling"


def test_circuit_hysteresis_and_summer_eco_threshold_edits(make_tracker: Maker) -> None:
    tracker = make_tracker()
    tracker.observe("0", load_dump("Vitocal252A"), T0)
    edited = load_dump("Vitocal252A")
    set_value(edited, "heating.circuits.0.configuration.summerEco.absolute", "threshold", 17)
    set_value(edited, "heating.circuits.0.heating.hysteresis.switch", "switchOnValue", 3)
    assert [c.text for c in tracker.observe("0", edited, T0 + 120)] == [
        "Summer-eco threshold (circuit 0): 20 °C → 17 °C",
        "Circuit heating hysteresis switch-on (circuit 0): 2 K → 3 K",
    ]


def test_cooling_set_point_edit(make_tracker: Maker) -> None:
    tracker = make_tracker()
    features = public("Vitocal151A")
    tracker.observe("0", features, T0)
    set_value(features, "heating.circuits.0.operating.programs.normalCooling", "temperature", 24)
    assert [c.text for c in tracker.observe("0", features, T0 + 120)] == [
        "Normal cooling room temperature (circuit 0): 25 °C → 24 °C"
    ]


def test_settings_newly_tracked_after_an_upgrade_are_not_changes(make_tracker: Maker) -> None:
    features = load_dump("Vitocal252A")
    old_version = {
        key: value
        for key, value in build_snapshot(features).items()
        if "summer_eco" not in key and "_hysteresis_" not in key and "cooling" not in key and "eco" not in key
    }
    tracker = make_tracker()
    stored_by_an_older_version(tracker, old_version)
    assert tracker.observe("0", features, T0 + 60) == []  # the snapshot grows silently
    set_value(features, "heating.circuits.0.cooling.hysteresis.switch", "switchOffValue", 1.5)
    texts = [c.text for c in tracker.observe("0", features, T0 + 120)]
    assert texts == ["Circuit cooling hysteresis switch-off (circuit 0): 2 K → 1.5 K"]


def test_111s_dhw_cylinder_limit_from_the_deprecated_configuration_feature() -> None:
    snapshot = build_snapshot(public("Vitocal111S"))
    assert circuits(snapshot) == ["circuit.0"]  # circuits 1 and 2 are disabled features
    assert snapshot["dhw/cylinder_max"] == 50  # heating.configuration.dhw.temperature.dhwCylinder.max (deprecated)
    assert (snapshot["dhw/target"], snapshot["dhw/target2"]) == (48, 50)
    assert (snapshot["circuit.0/program"], snapshot["circuit.0/setpoint_eco"]) == ("eco", 20)


def test_dhw_hysteresis_of_firmware_without_switch_on_and_off_values(make_tracker: Maker) -> None:
    """The 2021 Vitocal 200-S reports only ``heating.dhw.temperature.hysteresis.value`` (no switchOn/OffValue):
    its one hysteresis is tracked, an upgrade that starts tracking it is no change, and an edit is one entry."""
    features = public("Vitocal200S")
    snapshot = build_snapshot(features)
    assert (snapshot["dhw/hysteresis"], snapshot["dhw/hysteresis_on"], snapshot["dhw/hysteresis_off"]) == (
        5,
        None,
        None,
    )
    assert "dhw/hysteresis" not in build_snapshot(public("Vitocal151A"))  # switchOnValue present: read there only
    tracker = make_tracker()
    stored_by_an_older_version(tracker, {key: value for key, value in snapshot.items() if key != "dhw/hysteresis"})
    assert tracker.observe("0", features, T0 + 60) == []
    set_value(features, "heating.dhw.temperature.hysteresis", "value", 6.5)
    assert [c.text for c in tracker.observe("0", features, T0 + 120)] == ["DHW hysteresis: 5 K → 6.5 K"]
    assert circuits(snapshot) == ["circuit.0"]  # circuits 1 and 2 are off but report curves and flow set points


def test_split_200a_outdoor_unit_without_settings_is_reported_once(
    make_tracker: Maker, caplog: pytest.LogCaptureFixture
) -> None:
    tracker = make_tracker()
    with caplog.at_level(logging.WARNING, logger="collector.changelog.tracker"):
        for poll in range(3):
            assert tracker.observe("1", public("Vitocal200A_OutdoorUnit"), T0 + 120 * poll) == []
            assert [c.kind for c in tracker.observe("0", public("Vitocal200A_SystemController"), T0 + 120 * poll)] == (
                ["baseline"] if poll == 0 else []
            )
    warnings = [r.getMessage() for r in caplog.records if r.name == "collector.changelog.tracker"]
    assert warnings == ["changelog: no configuration in the features of device 1, nothing recorded"]
    snapshot = build_snapshot(public("Vitocal200A_SystemController"))
    assert (snapshot["circuit.0/setpoint_normal"], snapshot["circuit.0/setpoint_comfort"]) == (20, 22)  # *Heating
    assert (snapshot["dhw/mode"], snapshot["dhw/hysteresis_on"], snapshot["dhw/hysteresis_off"]) == ("efficient", 7, 0)


def test_system_settings_quiet_mode_flow_limits_and_outside_damping(make_tracker: Maker) -> None:
    awb = build_snapshot(public("Vitocal200S_AWB-M-E-AC-201.D10"))
    assert (awb["system/flow_min"], awb["system/flow_max"], awb["system/outside_damping"]) == (15, 60, 180)
    assert circuits(awb) == ["circuit.0", "circuit.1"]  # radiators and floor heating, both enabled
    tracker = make_tracker()
    features = public("Vitocal200A_SystemController")
    tracker.observe("0", features, T0)
    set_value(features, "heating.noise.reduction.operating.programs.active", "value", "maxReduced")
    assert [(c.text, c.tags) for c in tracker.observe("0", features, T0 + 120)] == [
        ("Noise reduction: notReduced → maxReduced", ("change", "system", "noise"))
    ]


def test_two_circuits_each_with_their_own_baseline(make_tracker: Maker) -> None:
    snapshot = build_snapshot(public("Vitocal250A_TwoCircuits"))
    assert circuits(snapshot) == ["circuit.0", "circuit.1"]  # circuits 2 and 3 exist but are disabled
    per_circuit = {
        c: tuple(snapshot[f"circuit.{c}/{key}"] for key in ("curve_slope", "setpoint_normal", "setpoint_reduced"))
        for c in "01"
    }
    assert per_circuit == {"0": (0.6, 19, 18), "1": (0.3, 20, 17)}
    tracker = make_tracker()
    features = public("Vitocal250A_TwoCircuits")
    tracker.observe("0", features, T0)
    set_value(features, "heating.circuits.1.heating.curve", "slope", 0.4)
    assert [c.text for c in tracker.observe("0", features, T0 + 120)] == ["Heating curve slope (circuit 1): 0.3 → 0.4"]


def test_legacy_dhw_hysteresis_without_switch_values_is_tracked(make_tracker: Maker) -> None:
    snapshot = build_snapshot(public("Vitocal222S"))
    assert snapshot["dhw/hysteresis"] == 2.5  # only "value": no switchOnValue/switchOffValue on this unit
    assert "dhw/hysteresis" not in build_snapshot(public("Vitocal250A_TwoCircuits"))  # value mirrors switch-on
    tracker = make_tracker()
    features = public("Vitocal222S")
    tracker.observe("0", features, T0)
    set_value(features, "heating.dhw.temperature.hysteresis", "value", 4)
    assert [c.text for c in tracker.observe("0", features, T0 + 120)] == ["DHW hysteresis: 2.5 K → 4 K"]


def test_three_circuits_one_in_standby(make_tracker: Maker) -> None:
    snapshot = build_snapshot(public("Vitocal300G_CU401B_ThreeCircuits"))
    assert circuits(snapshot) == ["circuit.0", "circuit.1", "circuit.2"]
    per_circuit = {
        c: tuple(snapshot[f"circuit.{c}/{key}"] for key in ("mode", "curve_slope", "setpoint_normal", "supply_max"))
        for c in "012"
    }
    assert per_circuit == {
        "0": ("dhwAndHeating", 0.7, 24, 60),
        "1": ("standby", 0.6, 21, 45),
        "2": ("dhwAndHeating", 0.5, 26, 40),
    }
    tracker = make_tracker()
    features = public("Vitocal300G_CU401B_ThreeCircuits")
    tracker.observe("0", features, T0)
    set_value(features, "heating.circuits.1.operating.modes.active", "value", "dhwAndHeating")
    set_value(features, "heating.circuits.2.temperature.levels", "max", 45)
    assert [c.text for c in tracker.observe("0", features, T0 + 120)] == [
        "Operating mode (circuit 1): standby → dhwAndHeating",
        "Maximum supply temperature (circuit 2): 40 °C → 45 °C",
    ]


def test_buffer_maximum_electric_dhw_heater_and_cooling_circuit_of_the_300g(make_tracker: Maker) -> None:
    snapshot = build_snapshot(load_dump("Vitocal300G_CU401B"))
    assert snapshot["system/buffer_max"] == 65  # heating.configuration.buffer.temperature.max
    assert snapshot["dhw/electric_heater"] is True  # heating.configuration.dhwHeater useApproved
    assert (snapshot["system/cooling_circuit_type"], snapshot["system/cooling_reverse"]) == ("VC 3xx-G Emerson", False)
    tracker = make_tracker()
    features = load_dump("Vitocal300G_CU401B")
    tracker.observe("0", features, T0)
    set_value(features, "heating.configuration.buffer.temperature.max", "value", 55)
    set_value(features, "heating.configuration.dhwHeater", "useApproved", False)
    set_value(features, "heating.coolingCircuits.0.reverse", "active", True)
    assert [(c.text, c.tags) for c in tracker.observe("0", features, T0 + 120)] == [
        ("Electric DHW heater: allowed → not allowed", ("change", "dhw", "heating-rod")),
        ("Buffer maximum temperature: 65 °C → 55 °C", ("change", "system", "buffer")),
        ("Cooling circuit reversal: off → on", ("change", "system", "cooling")),
    ]


def test_dhw_hygiene_minimum_comfort_and_circulation_of_the_262a(make_tracker: Maker) -> None:
    snapshot = build_snapshot(public("Vitocal262A"))
    hygiene = (snapshot["dhw/hygiene_temperature"], snapshot["dhw/hygiene_start"], snapshot["dhw/hygiene_days"])
    assert hygiene == (60, "12:00", "Tue")  # heating.dhw.temperature.hygiene, heating.dhw.hygiene.trigger
    assert snapshot["dhw/min_comfort"] == 40  # under both names in this dump: read once
    assert (snapshot["circulation/during_charging"], snapshot["circulation/during_hygiene"]) == (False, False)
    tracker = make_tracker()
    features = public("Vitocal262A")
    tracker.observe("0", features, T0)
    set_value(features, "heating.dhw.hygiene.trigger", "weekdays", ["Tue", "Sat"])
    set_value(features, "heating.dhw.hygiene.trigger", "startMinute", 30)
    set_value(features, "heating.dhw.temperature.hygiene", "value", 65)
    set_value(features, "heating.dhw.configuration.pumps.circulation.parallelHygiene", "active", True)
    assert [c.text for c in tracker.observe("0", features, T0 + 120)] == [
        "DHW hygiene temperature: 60 °C → 65 °C",
        "DHW hygiene start: 12:00 → 12:30",
        "DHW hygiene days: Tue → Tue, Sat",
        "Circulation pump during DHW hygiene: off → on",
    ]


def test_system_settings_of_the_222s_split(make_tracker: Maker) -> None:
    snapshot = build_snapshot(public("Vitocal222SI_Invisible"))
    assert snapshot["system/regulation"] == "WeatherByOutsideSensorControlled"
    assert (snapshot["system/cooling_mode"], snapshot["system/quiet_mode"]) == ("none", False)
    assert (snapshot["system/comfort_ensuring"], snapshot["dhw/eco_sensor"]) == (False, "top")
    assert (snapshot["dhw/high_demand_time"], snapshot["circuit.0/room_influence"]) == (2, 8)
    tracker = make_tracker()
    features = public("Vitocal222SI_Invisible")
    tracker.observe("0", features, T0)
    set_value(features, "heating.circuits.0.heating.roomInfluenceFactor", "value", 4)
    set_value(features, "heating.device.comfortEnsuring", "activated", True)
    assert [(c.text, c.tags) for c in tracker.observe("0", features, T0 + 120)] == [
        ("Room influence factor (circuit 0): 8 → 4", ("change", "circuit-0", "heating-curve")),
        ("Comfort ensuring (backup heater): off → on", ("change", "system", "heating-rod")),
    ]
