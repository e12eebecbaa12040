"""Every public Vitocal/Vitocaldens dump through PyViCare's real classes: which metrics each model yields, and
that nothing is written with a wrong unit or as a sentinel (values hand-read from the dumps in tests/data)."""

from __future__ import annotations

import json
import logging

import pytest

from collector import schema
from collector.sources.viessmann import ViessmannSource
from collector.sources.viessmann.metrics import METRICS
from collector.sources.viessmann.offline import OfflineDevice, OfflineOAuthManager
from tests.viessmann.dumps import ALL_MODELS, DEVICE, PUBLIC, SERIAL, FakeClock, dump, manager, set_feature, source
from tests.viessmann.test_models import NOW, by_series, poll_dump

# Metrics extracted per model (the per-model table of the closing note); a change here is a visible decision.
EXTRACTED_PUBLIC = {
    "Vitocaldens222F.json": {
        "burner.active",
        "burner.hours",
        "burner.modulation",
        "burner.starts",
        "circuit.curve_shift",
        "circuit.curve_slope",
        "circuit.operating_mode",
        "circuit.program",
        "circuit.pump",
        "circuit.target_temperature",
        "compressor.active",
        "compressor.hours",
        "compressor.phase",
        "compressor.starts",
        *(f"compressor.hours_load_class_{n}" for n in range(1, 6)),
        "dhw.active",
        "hydraulics.circulation_pump",
        "hydraulics.dhw_charging",
        "hydraulics.dhw_pump",
        "temperature.buffer",
        "temperature.circuit_supply",
        "temperature.circuit_target_supply",
        "temperature.dhw",
        "temperature.dhw_hysteresis",
        "temperature.dhw_target",
        "temperature.outside",
        "temperature.return",
        "temperature.secondary_return",
        "temperature.secondary_supply",
    },
    "Vitocal151A.json": {
        "circuit.comfort_cooling_temperature",
        "circuit.normal_cooling_temperature",
        "circuit.reduced_cooling_temperature",
        "circuit.curve_shift",
        "circuit.curve_slope",
        "circuit.operating_mode",
        "circuit.program",
        "circuit.pump",
        "compressor.active",
        "compressor.hours",
        "compressor.phase",
        "compressor.starts",
        "dhw.active",
        "dhw.operating_mode",
        *(f"energy.electric.cooling.{f}" for f in ("current_day", "current_week", "current_month", "current_year")),
        *(
            f"energy.electric.{usage}.{f}"
            for usage in ("heating", "dhw")
            for f in ("current_day", "current_month", "current_year", "last_month", "last_seven_days", "last_year")
        ),
        *(f"energy.electric.total.{f}" for f in ("current_day", "current_week", "current_month", "current_year")),
        "hydraulics.volumetric_flow",
        "temperature.circuit_supply",
        "temperature.dhw",
        "temperature.dhw_hysteresis",
        "temperature.dhw_target",
        "temperature.outside",
        "temperature.primary_supply",
        "temperature.return",
        "temperature.secondary_supply",
        "temperature.supply",
    },
    "Vitocal262A.json": {
        "compressor.active",
        "compressor.hours",
        "compressor.phase",
        "compressor.starts",
        "dhw.active",
        "dhw.operating_mode",
        "efficiency.spf.dhw",
        "efficiency.spf.heating",
        "efficiency.spf.total",
        *(
            f"energy.{kind}.{usage}.{f}"
            for kind, usage in (("electric", "dhw"), ("heat", "dhw"), ("heat", "heating"))
            for f in ("current_day", "current_month", "current_year", "last_month", "last_seven_days", "last_year")
        ),
        *(f"energy.electric.total.{f}" for f in ("current_day", "current_week", "current_month", "current_year")),
        "refrigerant.evaporator_liquid_temperature",
        "heating_rod.active",
        "temperature.dhw",
        "temperature.dhw_hysteresis",
        "temperature.dhw_target",
    },
    "Vitocal200.json": {
        "circuit.curve_shift",
        "circuit.curve_slope",
        "circuit.operating_mode",
        "circuit.program",
        "circuit.pump",
        "circuit.target_temperature",
        "compressor.active",
        "compressor.hours",
        *(f"compressor.hours_load_class_{n}" for n in range(1, 6)),
        "compressor.phase",
        "compressor.starts",
        "dhw.active",
        "hydraulics.circulation_pump",
        "hydraulics.dhw_charging",
        "hydraulics.dhw_pump",
        "temperature.circuit_supply",
        "temperature.circuit_target_supply",
        "temperature.dhw",
        "temperature.dhw_hysteresis",
        "temperature.dhw_target",
        "temperature.outside",
        "temperature.primary_supply",
        "temperature.return",
        "temperature.room",
        "temperature.secondary_supply",
    },
    "Vitocal111S.json": {
        "circuit.curve_shift",
        "circuit.curve_slope",
        "circuit.operating_mode",
        "circuit.program",
        "circuit.pump",
        "circuit.target_temperature",
        "compressor.active",
        "compressor.hours",
        "compressor.phase",
        "compressor.starts",
        "dhw.active",
        "hydraulics.circulation_pump",
        "hydraulics.dhw_charging",
        "hydraulics.dhw_pump",
        "temperature.circuit_supply",
        "temperature.circuit_target_supply",
        "temperature.dhw",
        "temperature.dhw_hysteresis",
        "temperature.dhw_target",
        "temperature.outside",
        "temperature.primary_supply",
        "temperature.return",
        "temperature.room",
        "temperature.secondary_supply",
    },
    "Vitocal200S.json": {
        "circuit.curve_shift",
        "circuit.curve_slope",
        "circuit.operating_mode",
        "circuit.program",
        "circuit.pump",
        "compressor.active",
        "compressor.hours",
        *(f"compressor.hours_load_class_{n}" for n in range(1, 6)),
        "compressor.phase",
        "compressor.starts",
        "dhw.active",
        "hydraulics.circulation_pump",
        "hydraulics.dhw_charging",
        "hydraulics.dhw_pump",
        "temperature.circuit_supply",
        "temperature.circuit_target_supply",
        "temperature.dhw",
        "temperature.dhw_hysteresis",
        "temperature.dhw_target",
        "temperature.outside",
        "temperature.primary_supply",
        "temperature.return",
        "temperature.secondary_return",
        "temperature.secondary_supply",
    },
    "Vitocal200S_AWB-M-E-AC-201.D10.json": {
        "circuit.curve_shift",
        "circuit.curve_slope",
        "circuit.operating_mode",
        "circuit.program",
        "circuit.pump",
        "circuit.target_temperature",
        "compressor.active",
        "compressor.hours",
        "compressor.modulation",
        "compressor.phase",
        "compressor.rated_power",
        "compressor.starts",
        *(f"compressor.hours_load_class_{n}" for n in range(1, 6)),
        *(f"efficiency.cop.{usage}" for usage in ("cooling", "dhw", "heating", "total")),
        "heating_rod.hours_level_1",
        "heating_rod.hours_level_2",
        "hydraulics.primary_pump_speed",
        *(
            f"refrigerant.{field}"
            for field in (
                "compressor_ambient_temperature",
                "compressor_inlet_pressure",
                "compressor_inlet_temperature",
                "compressor_outlet_temperature",
                "compressor_overheat",
                "evaporator_liquid_temperature",
                "evaporator_overheat",
                "hot_gas_pressure",
                "hot_gas_temperature",
                "liquid_gas_temperature",
                "suction_gas_pressure",
                "suction_gas_temperature",
            )
        ),
        "temperature.buffer",
        "temperature.circuit_supply",
        "temperature.circuit_target_supply",
        "temperature.outside",
        "temperature.primary_supply",
        "temperature.return",
        "temperature.secondary_supply",
        "temperature.supply",
    },
    "Vitocal200A_SystemController.json": {
        "circuit.curve_shift",
        "circuit.curve_slope",
        "circuit.operating_mode",
        "circuit.program",
        "circuit.pump",
        "circuit.target_temperature",
        "dhw.active",
        "dhw.operating_mode",
        *(f"efficiency.spf.{usage}" for usage in ("dhw", "heating", "total")),
        *(
            f"energy.{kind}.{usage}.{f}"
            for kind in ("electric", "heat")
            for usage in ("cooling", "dhw", "heating")
            for f in ("current_day", "current_month", "current_year", "last_month", "last_seven_days", "last_year")
        ),
        *(f"energy.electric.total.{f}" for f in ("current_day", "current_week", "current_month", "current_year")),
        "heating_rod.active",
        "hydraulics.circulation_pump",
        "hydraulics.internal_pump_speed",
        "hydraulics.secondary_valve_position",
        "hydraulics.valve_position",
        "power.heat_production",
        "power.power_consumption",
        "temperature.circuit_supply",
        "temperature.circuit_target_supply",
        "temperature.dhw",
        "temperature.dhw_hysteresis",
        "temperature.dhw_target",
        "temperature.outside",
        "temperature.supply",
    },
    "Vitocal200A_OutdoorUnit.json": {
        "compressor.active",
        "compressor.hours",
        "compressor.speed",
        "compressor.starts",
        "hydraulics.fan_0_speed",
        "hydraulics.supply_pressure",
        "inverter.current",
        "inverter.power",
        *(
            f"refrigerant.{field}"
            for field in (
                "compressor_inlet_pressure",
                "compressor_inlet_temperature",
                "compressor_motor_temperature",
                "compressor_oil_temperature",
                "compressor_outlet_temperature",
                "condenser_liquid_temperature",
                "economizer_liquid_temperature",
                "evaporator_liquid_temperature",
                "evaporator_overheat",
                "inverter_temperature",
            )
        ),
        "temperature.primary_supply",
        "temperature.secondary_supply",
    },
    "Vitocal200S-with-Vitovent300W.json": {
        "circuit.curve_shift",
        "circuit.curve_slope",
        "circuit.operating_mode",
        "circuit.program",
        "circuit.pump",
        "compressor.active",
        "compressor.hours",
        "compressor.phase",
        "compressor.starts",
        "dhw.active",
        "hydraulics.circulation_pump",
        "hydraulics.dhw_charging",
        "hydraulics.dhw_pump",
        "temperature.buffer",
        "temperature.circuit_supply",
        "temperature.circuit_target_supply",
        "temperature.dhw",
        "temperature.dhw_hysteresis",
        "temperature.dhw_target",
        "temperature.outside",
        "temperature.primary_supply",
        "temperature.return",
        "temperature.secondary_supply",
    },
}
SENTINELS = {(m.measurement, m.field, m.tags): m.sentinels for m in METRICS if m.sentinels}
PLAUSIBLE = {"celsius": (-40.0, 100.0), "kwatth": (0.0, 1e6), "h": (0.0, 2e5), "percent": (-0.0, 100.0)}


def editable(settings, name: str) -> tuple[dict, ViessmannSource, FakeClock]:
    """A source over a dump the test edits between polls (each poll reads the dump as it is then)."""
    data = dump(name)
    api, clock = manager(name, lambda: json.loads(json.dumps(data))), FakeClock(NOW)
    return data, source(settings, api, clock), clock


@pytest.mark.parametrize("name", sorted(PUBLIC))
def test_extracted_metrics_per_public_model(settings, name: str) -> None:
    _, src = poll_dump(settings, name)
    readout = src.support[DEVICE]
    assert readout.supported == EXTRACTED_PUBLIC[name]
    assert readout.problems == {}  # every unit label of these dumps is understood (Celsius included)


@pytest.mark.parametrize("name", sorted(ALL_MODELS))
def test_no_value_is_a_sentinel_or_outside_its_units_range(settings, name: str) -> None:
    points, _ = poll_dump(settings, name)
    assert points
    for p in points:
        tags = tuple((k, v) for k, v in p.tags if k in (schema.TAG_SENSOR, schema.TAG_KIND, schema.TAG_USAGE))
        for field, value in p.fields:
            unit = schema.unit_of(p.measurement, field)
            assert value not in SENTINELS.get((p.measurement, field, tags), ()), (name, p.to_line())
            if unit in PLAUSIBLE and isinstance(value, float):
                low, high = PLAUSIBLE[unit]
                assert low <= value <= high, (name, p.to_line())


def test_hybrid_burner_is_recorded_beside_the_compressor(settings) -> None:
    series = by_series(poll_dump(settings, "Vitocaldens222F.json")[0])
    assert series["hp_burner", (("burner", "0"),)] == {"active": 0, "modulation": 0.0, "hours": 1639.0, "starts": 1306}
    assert series["hp_compressor", (("compressor", "0"),)]["hours"] == 1.4
    circuits = {dict(tags).get("circuit") for (_, tags) in series if dict(tags).get("circuit")}
    assert circuits == {"1"}  # heating.circuits.enabled = ["1"]; circuits 0 and 2 are switched off
    # circuit 1 reports a flow set point of 0 °C (no demand) next to a supply of 21.5 °C: not written
    assert ("hp_temperature", (("circuit", "1"), ("sensor", "circuit_target_supply"))) not in series
    assert series["hp_temperature", (("circuit", "1"), ("sensor", "circuit_supply"))] == {"value": 21.5}


def test_flow_set_point_is_written_again_once_it_is_real(settings) -> None:
    data, src, clock = editable(settings, "Vitocaldens222F.json")
    src.poll()
    set_feature(data, "heating.circuits.1.temperature", "2021-08-24T21:00:00.000Z", value=34.5)
    clock.advance(src.poll_seconds)
    lines = [p.to_line() for p in src.poll()]
    assert lines == [
        f"hp_temperature,circuit=1,device={DEVICE},sensor=circuit_target_supply value=34.5 1629838800000000000"
    ]


def test_cooling_set_points_labelled_capital_celsius(settings, caplog: pytest.LogCaptureFixture) -> None:
    data, src, clock = editable(settings, "Vitocal151A.json")
    with caplog.at_level(logging.WARNING):
        series = by_series(src.poll())
    circuit = series["hp_circuit", (("circuit", "0"),)]
    assert (circuit["comfort_cooling_temperature"], circuit["normal_cooling_temperature"]) == (23.0, 25.0)
    assert circuit["reduced_cooling_temperature"] == 27.0
    assert "target_temperature" not in circuit  # standby has no room set point
    # the user switches to normal cooling: its "Celsius" set point becomes the desired room temperature
    set_feature(data, "heating.circuits.0.operating.programs.active", "2023-08-26T10:00:00.000Z", value="normalCooling")
    clock.advance(src.poll_seconds)
    switched = by_series(src.poll())["hp_circuit", (("circuit", "0"),)]
    assert switched == {"program": "normalCooling", "target_temperature": 25.0}
    assert "unit" not in caplog.text


def test_cooling_electricity_from_arrays_when_no_summary(settings) -> None:
    series = by_series(poll_dump(settings, "Vitocal151A.json")[0])
    cooling = series["hp_energy_summary", (("kind", "electric"), ("usage", "cooling"))]
    assert cooling == {"current_day": 0.0, "current_week": 0.1, "current_month": 0.1, "current_year": 0.1}
    # heating and DHW have summaries: their arrays are not read (no current_week from a second source)
    assert "current_week" not in series["hp_energy_summary", (("kind", "electric"), ("usage", "dhw"))]


def test_status_and_info_messages_are_events(settings) -> None:
    data, src, clock = editable(settings, "Vitocal262A.json")
    first = {
        (dict(p.tags)["kind"], dict(p.tags)["code"]): p.fields for p in src.poll() if p.measurement == "hp_message"
    }
    assert first == {
        ("info", "I.99"): (("active", 1),),
        ("status", "S.123"): (("active", 1),),
        ("status", "S.165"): (("active", 1),),
    }
    clock.advance(src.poll_seconds)
    assert not [p for p in src.poll() if p.measurement == "hp_message"]  # same list, same timestamp: no points
    for feature in data["data"]:
        if feature["feature"] == "device.messages.status.raw":
            feature["timestamp"] = "2026-02-16T08:00:00.000Z"
            feature["properties"]["entries"]["value"] = feature["properties"]["entries"]["value"][1:]
    clock.advance(src.poll_seconds)
    changed = {dict(p.tags)["code"]: p.fields for p in src.poll() if p.measurement == "hp_message"}
    assert changed == {"S.123": (("active", 0),), "S.165": (("active", 1),)}


def test_device_efficiency_of_zero_is_not_written(settings) -> None:
    series = by_series(poll_dump(settings, "Vitocal262A.json")[0])
    assert ("hp_efficiency", (("kind", "spf"), ("usage", "heating"))) not in series  # 0: no heating on a DHW unit
    assert series["hp_efficiency", (("kind", "spf"), ("usage", "dhw"))] == {"value": 2.9}


def test_unknown_unit_is_logged_once_with_its_feature(settings, caplog: pytest.LogCaptureFixture) -> None:
    data, src, clock = editable(settings, "Vitocal262A.json")
    for feature in data["data"]:
        if feature["feature"] == "heating.compressors.0.statistics":
            feature["properties"]["hours"]["unit"] = "minute"
    with caplog.at_level(logging.WARNING):
        for _ in range(3):
            assert "hours" not in by_series(src.poll()).get(("hp_compressor", (("compressor", "0"),)), {})
            clock.advance(src.poll_seconds)
    warnings = [r.getMessage() for r in caplog.records if "'minute'" in r.getMessage()]
    assert len(warnings) == 1
    assert "heating.compressors.0.statistics" in warnings[0] and "compressor.hours" in warnings[0]


def test_111s_in_eco_reads_the_eco_set_point_and_no_flow_set_point_of_zero(settings) -> None:
    series = by_series(poll_dump(settings, "Vitocal111S.json")[0])
    circuit = series["hp_circuit", (("circuit", "0"),)]
    assert (circuit["program"], circuit["target_temperature"]) == ("eco", 20.0)  # eco 20 °C, not reduced's 19
    assert ("hp_temperature", (("circuit", "0"), ("sensor", "circuit_target_supply"))) not in series  # 0 °C
    assert series["hp_temperature", (("circuit", "0"), ("sensor", "room"))] == {"value": 23.6}
    # the deprecated hotWaterStorage sensor reports the same 47.6 °C as dhwCylinder: one value, from dhwCylinder
    assert series["hp_temperature", (("sensor", "dhw"),)] == {"value": 47.6}
    # heating.burners lists no burner (PyViCare still upgrades the device to Hybrid): no burner series
    assert not [key for key in series if key[0] == "hp_burner"]
    assert series["hp_compressor", (("compressor", "0"),)] == {
        "active": 0,
        "phase": "off",
        "starts": 981,
        "hours": 1563.6,
    }


def test_200s_of_2021_with_unlabelled_values_and_switched_off_circuits(settings) -> None:
    series = by_series(poll_dump(settings, "Vitocal200S.json")[0])
    # DHW target and hysteresis, statistics hours and load classes come with unit "": read in the documented unit
    assert series["hp_temperature", (("sensor", "dhw_target"),)] == {"value": 40.0}
    assert series["hp_temperature", (("sensor", "dhw_hysteresis"),)] == {"value": 5.0}
    compressor = series["hp_compressor", (("compressor", "0"),)]
    assert (compressor["hours"], compressor["starts"], compressor["hours_load_class_3"]) == (4742.2, 21574, 2828.0)
    assert sum(compressor[f"hours_load_class_{n}"] for n in range(1, 6)) == 4578.0  # 182+587+2828+597+384
    # the old response shape with a separate "unit" string property beside the value
    assert series["hp_temperature", (("sensor", "secondary_return"),)] == {"value": 27.9}
    assert series["hp_temperature", (("sensor", "dhw"),)] == {"value": 53.9}  # deprecated hotWaterStorage only
    circuits = {dict(tags).get("circuit") for (_, tags) in series if dict(tags).get("circuit")}
    assert circuits == {"0"}  # circuits 1 and 2 are off, although their curves and flow set points are enabled
    circuit = series["hp_circuit", (("circuit", "0"),)]
    assert (circuit["operating_mode"], circuit["program"]) == ("dhw", "standby")
    assert "target_temperature" not in circuit  # standby has no room set point
    assert ("hp_temperature", (("circuit", "0"), ("sensor", "circuit_target_supply"))) not in series  # 0 °C
    assert ("hp_errors", ()) not in series  # no device.messages.errors.raw in the response: unknown, not zero


def test_200s_of_2025_two_circuits_no_dhw_and_device_level_refrigerant_sensors(settings) -> None:
    series = by_series(poll_dump(settings, "Vitocal200S_AWB-M-E-AC-201.D10.json")[0])
    # radiators (circuit 0) heat in "normal" at a flow set point of 32.9 °C without a supply sensor of their own;
    # the floor heating (circuit 1) is in standby: its supply 17.2 °C is written, its flow set point 0 °C is not
    assert series["hp_circuit", (("circuit", "0"),)]["target_temperature"] == 20.0
    assert series["hp_temperature", (("circuit", "0"), ("sensor", "circuit_target_supply"))] == {"value": 32.9}
    assert ("hp_temperature", (("circuit", "0"), ("sensor", "circuit_supply"))) not in series  # notConnected
    assert series["hp_temperature", (("circuit", "1"), ("sensor", "circuit_supply"))] == {"value": 17.2}
    assert ("hp_temperature", (("circuit", "1"), ("sensor", "circuit_target_supply"))) not in series
    assert not [key for key in series if key[0] == "hp_dhw"]  # heating.dhw is disabled: no hot water on this unit
    # the device's own COP: 5.2 for heating and total, 0 (never ran) for cooling and DHW is not written
    cops = {dict(tags)["usage"]: f["value"] for (m, tags), f in series.items() if m == "hp_efficiency"}
    assert cops == {"heating": 5.2, "total": 5.2}
    refrigerant = series["hp_refrigerant", (("compressor", "0"),)]
    # heating.sensors.temperature.suctionGas / liquidGas / compressors.0…ambient (PyViCare reads them too)
    assert (refrigerant["suction_gas_temperature"], refrigerant["liquid_gas_temperature"]) == (16.6, 27.8)
    assert refrigerant["compressor_ambient_temperature"] == 17.6
    assert (refrigerant["hot_gas_pressure"], refrigerant["suction_gas_pressure"]) == (12.7, 12.8)  # bar
    assert series["hp_heating_rod", ()] == {"hours_level_1": 0.153611, "hours_level_2": 0.0}  # 553 s
    compressor = series["hp_compressor", (("compressor", "0"),)]
    assert (compressor["rated_power"], compressor["hours_load_class_3"], compressor["starts"]) == (10.0, 8.0, 30)


def split_200a(settings) -> tuple[ViessmannSource, list]:
    """The Vitocal 200-A as its owner's account lists it: system controller (device 0) and outdoor unit (device 1)
    on one gateway, each with its own features response."""
    controller, outdoor = (PUBLIC[f"Vitocal200A_{part}.json"] for part in ("SystemController", "OutdoorUnit"))
    api = OfflineOAuthManager(
        dump("Vitocal200A_SystemController.json"),
        model_id=controller[0],
        roles=controller[1],
        gateway_serial=SERIAL,
        more_devices=(OfflineDevice("1", outdoor[0], tuple(outdoor[1]), dump("Vitocal200A_OutdoorUnit.json")),),
    )
    src = source(settings, api, FakeClock(NOW))
    return src, src.poll()


def test_split_200a_both_devices_are_read_and_together_give_the_whole_heat_pump(settings) -> None:
    src, points = split_200a(settings)
    controller, outdoor = f"{SERIAL}/0", f"{SERIAL}/1"
    assert [d.tag for d in src.client.devices] == [controller, outdoor]  # both auto-detected as heat pumps
    assert src.support[controller].supported == EXTRACTED_PUBLIC["Vitocal200A_SystemController.json"]
    assert src.support[outdoor].supported == EXTRACTED_PUBLIC["Vitocal200A_OutdoorUnit.json"]
    by_device = {tag: {p.measurement for p in points if dict(p.tags)["device"] == tag} for tag in (controller, outdoor)}
    # energy, circuits and DHW only from the controller; compressor, refrigerant and inverter only from the outdoor
    # unit: nothing comes twice, so the tasks (which sum over devices) count each kWh once
    assert {"hp_energy_summary", "hp_circuit", "hp_dhw", "hp_power"} <= by_device[controller]
    assert {"hp_compressor", "hp_refrigerant", "hp_inverter"} <= by_device[outdoor]
    assert not {"hp_energy_summary", "hp_compressor"} & (by_device[controller] & by_device[outdoor])


def test_200a_controller_values_outside_temperature_and_device_level_power(settings) -> None:
    series = by_series(poll_dump(settings, "Vitocal200A_SystemController.json")[0])
    assert series["hp_temperature", (("sensor", "outside"),)] == {"value": 17.7}  # system.temperature.outside
    assert series["hp_power", ()] == {"heat_production": 0.0, "power_consumption": 0.0}  # kilowatt → W
    assert series["hp_energy_summary", (("kind", "heat"), ("usage", "dhw"))]["current_day"] == 7.4
    assert series["hp_energy_summary", (("kind", "electric"), ("usage", "dhw"))]["current_day"] == 1.3
    assert series["hp_energy_summary", (("kind", "electric"), ("usage", "total"))]["current_week"] == 1.3  # arrays
    assert not [key for key in series if key[0] == "hp_efficiency"]  # SPF 0 everywhere: a new unit, not written
    assert series["hp_circuit", (("circuit", "0"),)]["program"] == "normalHeating"
    assert series["hp_hydraulics", ()] == {
        "circulation_pump": 0,
        "valve_position": "climateCircuitOne",
        "internal_pump_speed": 95.0,
        "secondary_valve_position": 54.0,
    }


def test_200a_outdoor_unit_compressor_phase_null_is_no_value(settings) -> None:
    series = by_series(poll_dump(settings, "Vitocal200A_OutdoorUnit.json")[0])
    # PyViCare's own test reads hours 1 and starts 2 from this unit; the phase is the text "null": not written
    assert series["hp_compressor", (("compressor", "0"),)] == {"active": 0, "speed": 0.0, "hours": 1.0, "starts": 2}
    refrigerant = series["hp_refrigerant", (("compressor", "0"),)]
    assert (refrigerant["compressor_oil_temperature"], refrigerant["compressor_motor_temperature"]) == (51.6, 35.3)
    assert series["hp_hydraulics", ()] == {"fan_0_speed": 0.0, "supply_pressure": 1.2}


def test_200s_with_ventilation_unit_heat_pump_part_on_circuit_1(settings) -> None:
    series = by_series(poll_dump(settings, "Vitocal200S-with-Vitovent300W.json")[0])
    circuits = {dict(tags).get("circuit") for (_, tags) in series if dict(tags).get("circuit")}
    assert circuits == {"1"}  # heating.circuits.enabled = ["1"]: the only circuit is number 1, circuit 0 is off
    # the compressor heats the cylinder (DHW charging) while the circuit stands by in mode "dhw"
    assert series["hp_compressor", (("compressor", "0"),)] == {
        "active": 1,
        "phase": "heating",
        "starts": 74,
        "hours": 55.5,
    }
    assert series["hp_hydraulics", ()]["dhw_charging"] == 1
    assert series["hp_circuit", (("circuit", "1"),)] == {
        "operating_mode": "dhw",
        "program": "standby",
        "pump": 0,
        "curve_slope": 0.4,
        "curve_shift": 0.0,
    }
    assert (
        series["hp_temperature", (("sensor", "secondary_supply"),)],
        series["hp_temperature", (("sensor", "return"),)],
    ) == (
        {"value": 41.4},
        {"value": 37.6},
    )
    assert ("hp_temperature", (("circuit", "1"), ("sensor", "circuit_target_supply"))) not in series  # 0 °C


def test_split_200a_poll_period_fits_two_calls_per_poll_into_the_budget(settings, caplog) -> None:
    with caplog.at_level(logging.INFO, logger="collector.sources.viessmann"):
        src, _ = split_200a(settings)
    one_device = settings.viessmann_effective_poll_seconds
    assert src.poll_seconds == 2 * one_device  # two features calls per poll
    assert 2 * 86400 / src.poll_seconds <= src.ledger.budget.per_day  # before: 2 x 652 calls against 725
    assert "2 devices, one features call each per poll" in caplog.text
    # a configured period is the owner's decision: kept as it is (the ledger still refuses calls beyond the share)
    configured, _ = split_200a(settings.model_copy(update={"viessmann_poll_seconds": 300.0}))
    assert configured.poll_seconds == 300.0
