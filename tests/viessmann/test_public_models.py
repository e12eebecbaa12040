"""Every public Vitocal/Vitocaldens dump through PyViCare's real classes: which metrics each model yields, and
that nothing is written with a wrong unit or as a sentinel (values hand-read from the dumps in tests/data)."""

from __future__ import annotations

import json
import logging

import pytest

from collector import schema
from collector.sources.viessmann import ViessmannSource
from collector.sources.viessmann.coverage import classify
from collector.sources.viessmann.metrics import METRICS
from tests.viessmann.dumps import ALL_MODELS, DEVICE, PUBLIC, FakeClock, dump, manager, set_feature, source
from tests.viessmann.test_models import NOW, by_series, poll_dump


def _m(group: str, *names: str) -> set[str]:
    """``group.name`` for each name: one line per metric group in the per-model sets below."""
    return {f"{group}.{name}" for name in names}


_CIRCUIT = _m("circuit", "curve_shift", "curve_slope", "operating_mode", "program", "pump")
_LOAD_CLASSES = _m("compressor", *(f"hours_load_class_{n}" for n in range(1, 6)))
_SUMMARY_PERIODS = ("current_day", "current_month", "current_year", "last_month", "last_seven_days", "last_year")
_ARRAY_PERIODS = ("current_day", "current_week", "current_month", "current_year")


def _energy(*kind_usages: str, periods: tuple[str, ...] = _SUMMARY_PERIODS) -> set[str]:
    """``energy.<kind>.<usage>.<period>`` for each ``kind.usage``: the summary periods unless told."""
    return {f"energy.{kind_usage}.{period}" for kind_usage in kind_usages for period in periods}


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
    "Vitocal250A_TwoCircuits.json": {
        *_CIRCUIT,
        "circuit.target_temperature",
        *_m("compressor", "active", "hours", "phase", "speed", "starts"),
        "compressor.heat_production",  # heating.heat.production.current: whole unit, one compressor
        "compressor.power_consumption",  # heating.power.consumption.current
        *_m("dhw", "active", "operating_mode"),
        *_m("efficiency.spf", "dhw", "heating", "total"),  # all 0: written as none
        *_energy("electric.heating", "electric.dhw", "electric.cooling", "heat.heating", "heat.dhw", "heat.cooling"),
        *_energy("heating_rod.heating", "heating_rod.dhw"),
        *_energy("electric.total", periods=_ARRAY_PERIODS),
        *_m("heating_rod", "active", "hours", "starts"),
        *_m("hydraulics", "circulation_pump", "defrost", "fan_0_speed", "fan_1_speed", "internal_pump_speed"),
        *_m("hydraulics", "secondary_valve_position", "supply_pressure", "valve_position", "volumetric_flow"),
        *_m("inverter", "current", "power"),
        *_m("refrigerant", "compressor_inlet_pressure", "compressor_inlet_temperature", "compressor_motor_temperature"),
        *_m("refrigerant", "compressor_oil_temperature", "compressor_outlet_temperature", "inverter_temperature"),
        *_m("refrigerant", "condenser_liquid_temperature", "economizer_liquid_temperature"),
        *_m("refrigerant", "evaporator_liquid_temperature", "evaporator_overheat"),
        *_m("temperature", "buffer", "circuit_supply", "circuit_target_supply", "dhw", "dhw_hysteresis", "dhw_target"),
        *_m("temperature", "outside", "primary_supply", "return", "secondary_supply", "supply"),
    },
    "Vitocal222S.json": {
        *_CIRCUIT,
        "circuit.target_temperature",
        *_m("compressor", "active", "hours", "phase", "starts"),
        *_LOAD_CLASSES,
        "dhw.active",
        *_m("hydraulics", "circulation_pump", "dhw_charging", "dhw_pump"),
        *_m("temperature", "circuit_supply", "circuit_target_supply", "dhw", "dhw_hysteresis", "dhw_target"),
        *_m("temperature", "outside", "primary_supply", "return", "room", "secondary_return", "secondary_supply"),
    },
    "Vitocal262A_T2H-R290.json": {
        *_m("compressor", "active", "hours", "phase", "starts"),
        "compressor.heat_production",  # heating.heat.production.current, kilowatt
        "compressor.power_consumption",  # heating.power.consumption.current, kilowatt
        *_m("dhw", "active", "operating_mode"),
        *_m("efficiency.spf", "dhw", "heating", "total"),  # heating: 0, not written
        *_energy("electric.dhw", "heat.dhw", "heat.heating"),
        *_energy("electric.total", periods=_ARRAY_PERIODS),
        "heating_rod.active",
        "refrigerant.evaporator_liquid_temperature",
        *_m("temperature", "dhw", "dhw_hysteresis", "dhw_target", "primary_supply"),
    },
    "Vitocal252.json": {
        *_CIRCUIT,
        "circuit.target_temperature",
        *_m("compressor", "active", "hours", "phase", "starts"),
        *_m("dhw", "active", "operating_mode"),
        *_energy("electric.heating", "electric.dhw"),
        *_energy("electric.total", periods=_ARRAY_PERIODS),
        "hydraulics.volumetric_flow",
        *_m("temperature", "buffer", "circuit_supply", "dhw", "dhw_hysteresis", "dhw_target", "outside"),
        *_m("temperature", "primary_supply", "return", "secondary_supply", "supply"),
    },
    "Vitocal222SI_Invisible.json": {
        *_CIRCUIT,
        *_m("compressor", "active", "hours", "phase", "speed", "starts", "heat_production", "power_consumption"),
        *_m("dhw", "active", "operating_mode"),
        *_m("efficiency.spf", "dhw", "heating", "total"),  # all 0: written as none
        *_energy("electric.heating", "electric.dhw", "electric.cooling", "heat.heating", "heat.dhw", "heat.cooling"),
        *_energy("heating_rod.heating", "heating_rod.dhw"),
        *_energy("electric.total", periods=_ARRAY_PERIODS),
        *_m("heating_rod", "active", "energy_day", "energy_year", "hours", "power", "starts"),
        *_m("hydraulics", "defrost", "fan_0_speed", "supply_pressure", "volumetric_flow"),
        *_m("temperature", "circuit_supply", "dhw", "dhw_hysteresis", "dhw_target", "outside", "primary_supply"),
        *_m("temperature", "return", "secondary_supply", "supply"),
    },
    "Vitocal300G.json": {  # 2021: no unit labels on values at all
        *_CIRCUIT,
        *_m("compressor", "active", "starts"),
        "dhw.active",
        *_m("hydraulics", "circulation_pump", "dhw_charging", "dhw_pump"),
        *_m("temperature", "circuit_supply", "dhw", "dhw_hysteresis", "dhw_target", "outside", "primary_return"),
        *_m("temperature", "primary_supply", "return", "secondary_return", "secondary_supply"),
    },
    "Vitocal333G_Vitovent300F.json": {  # the heat-pump part; the Vitovent 300-F features are left out
        *_CIRCUIT,
        *_m("compressor", "active", "heat_production", "hours", "phase", "power_consumption", "rated_power", "starts"),
        *_LOAD_CLASSES,
        "dhw.active",
        *_m("efficiency.cop", "cooling", "dhw", "heating", "total"),
        # this week only, per compressor; no electric cooling week: the 333-G reports heat 0 kWh only
        *_energy(
            "electric.heating", "electric.dhw", "heat.heating", "heat.dhw", "heat.cooling", periods=("current_week",)
        ),
        *_m("heating_rod", "active", "hours_level_1", "hours_level_2"),  # active: heating.heatingRod.status "overall"
        *_m("hydraulics", "circulation_pump", "dhw_charging", "primary_pump_speed"),
        *_m(
            "refrigerant", "compressor_inlet_pressure", "compressor_inlet_temperature", "compressor_outlet_temperature"
        ),
        *_m("refrigerant", "condenser_subcooling", "evaporator_liquid_temperature", "evaporator_overheat"),
        *_m("refrigerant", "hot_gas_pressure", "hot_gas_temperature", "suction_gas_pressure"),
        *_m("temperature", "buffer", "circuit_supply", "circuit_target_supply", "dhw", "dhw_hysteresis", "dhw_target"),
        *_m("temperature", "outside", "primary_return", "primary_supply", "return", "room", "secondary_supply"),
    },
    "Vitocal300G_CU401B_ThreeCircuits.json": {  # three circuits, compressor running
        *_CIRCUIT,
        "circuit.target_temperature",
        *_m("compressor", "active", "hours", "modulation", "phase", "rated_power", "starts"),
        *_LOAD_CLASSES,
        "dhw.active",
        *_m("efficiency.cop", "cooling", "dhw", "heating", "total"),
        *_m("heating_rod", "hours_level_1", "hours_level_2"),
        *_m("hydraulics", "circulation_pump", "dhw_charging", "primary_pump_speed"),
        *_m(
            "refrigerant", "compressor_inlet_pressure", "compressor_inlet_temperature", "compressor_outlet_temperature"
        ),
        *_m("refrigerant", "compressor_overheat", "evaporator_liquid_temperature"),
        *_m("refrigerant", "hot_gas_pressure", "hot_gas_temperature", "suction_gas_pressure"),
        *_m("temperature", "buffer", "circuit_supply", "circuit_target_supply", "dhw", "dhw_hysteresis", "dhw_target"),
        *_m("temperature", "outside", "primary_return", "primary_supply", "return", "secondary_supply"),
    },
}
# Metrics a dump carries but the collector refuses, with the reason in the coverage report: hours without a unit
# label (the API reports runtimes in hours or seconds, so there is no safe assumption)
REFUSED_PUBLIC = {"Vitocal300G.json": {"compressor.hours", *(f"compressor.hours_load_class_{n}" for n in range(1, 6))}}
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
    # every unit label of these dumps is understood (Celsius included); runtimes without a label are refused
    assert set(readout.problems) == REFUSED_PUBLIC.get(name, set())


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


def test_two_circuits_each_with_its_own_flow_set_point_and_program(settings) -> None:
    series = by_series(poll_dump(settings, "Vitocal250A_TwoCircuits.json")[0])
    circuits = {tags: fields for (measurement, tags), fields in series.items() if measurement == "hp_circuit"}
    assert circuits == {  # radiators (0) and underfloor heating (1): own curve and room set point
        (("circuit", "0"),): {
            "operating_mode": "heating",
            "program": "normalHeating",
            "target_temperature": 19.0,
            "curve_slope": 0.6,
            "curve_shift": 0.0,
            "pump": 1,
        },
        (("circuit", "1"),): {
            "operating_mode": "heating",
            "program": "normalHeating",
            "target_temperature": 20.0,
            "curve_slope": 0.3,
            "curve_shift": 0.0,
            "pump": 1,
        },
    }
    temperatures = {
        (dict(tags)["circuit"], dict(tags)["sensor"]): fields["value"]
        for (measurement, tags), fields in series.items()
        if measurement == "hp_temperature" and dict(tags).get("circuit")
    }
    assert temperatures == {
        ("0", "circuit_supply"): 22.1,
        ("0", "circuit_target_supply"): 21.5,
        ("1", "circuit_supply"): 22.3,
        ("1", "circuit_target_supply"): 21.6,
    }  # circuits 2 and 3 are switched off (heating.circuits.enabled = ["0", "1"])


def test_whole_unit_heat_output_and_input_in_kilowatt_stand_for_the_single_compressor(settings) -> None:
    data, src, clock = editable(settings, "Vitocal250A_TwoCircuits.json")
    compressor = by_series(src.poll())["hp_compressor", (("compressor", "0"),)]
    assert (compressor["heat_production"], compressor["power_consumption"]) == (0.0, 0.0)  # idle, "kilowatt"
    set_feature(data, "heating.heat.production.current", "2026-09-29T08:00:00.000Z", value=4.2)
    set_feature(data, "heating.power.consumption.current", "2026-09-29T08:00:00.000Z", value=1.05)
    clock.advance(src.poll_seconds)
    running = by_series(src.poll())["hp_compressor", (("compressor", "0"),)]
    assert (running["heat_production"], running["power_consumption"]) == (4200.0, 1050.0)  # watt


def test_whole_unit_power_is_not_copied_to_each_of_two_compressors(settings) -> None:
    data = dump("Vitocal250A_TwoCircuits.json")
    features = data["data"]
    features[[f["feature"] for f in features].index("heating.compressors")]["properties"]["enabled"]["value"] = [
        "0",
        "1",
    ]
    features.append(
        {
            **features[[f["feature"] for f in features].index("heating.compressors.0")],
            "feature": "heating.compressors.1",
        }
    )
    points, src = poll_dump(settings, "Vitocal250A_TwoCircuits.json", data)
    assert not [p for p in points if p.measurement == "hp_compressor" and dict(p.fields).keys() & {"heat_production"}]
    assert "compressor.power_consumption" not in src.support[DEVICE].supported


def test_per_compressor_output_stands_in_when_no_whole_unit_figure_exists(settings) -> None:
    data = dump("Vitocal250A_TwoCircuits.json")
    data["data"] = [f for f in data["data"] if f["feature"] != "heating.heat.production.current"]
    data["data"].append(
        {
            "feature": "heating.compressors.0.heat.production.current",
            "isEnabled": True,
            "properties": {"value": {"type": "number", "unit": "watt", "value": 3100}},
            "timestamp": "2026-09-29T07:30:00.000Z",
        }
    )
    series = by_series(poll_dump(settings, "Vitocal250A_TwoCircuits.json", data)[0])
    assert series["hp_compressor", (("compressor", "0"),)]["heat_production"] == 3100.0


def test_legacy_programs_and_statistics_without_unit_labels(settings) -> None:
    series = by_series(poll_dump(settings, "Vitocal222S.json")[0])
    # 2021 API: program "normal" (not normalHeating), its set point and the statistics labelled ""
    assert series["hp_circuit", (("circuit", "0"),)] == {
        "operating_mode": "dhwAndHeatingCooling",
        "program": "normal",
        "target_temperature": 23.0,
        "curve_slope": 0.0,
        "curve_shift": -5.0,
        "pump": 0,
    }
    assert series["hp_compressor", (("compressor", "0"),)] == {
        "active": 0,
        "phase": "off",
        "starts": 1244,
        "hours": 1191.3,
        **{f"hours_load_class_{n}": hours for n, hours in enumerate((251.0, 337.0, 307.0, 240.0, 22.0), start=1)},
    }
    assert series["hp_temperature", (("circuit", "0"), ("sensor", "room"))] == {"value": 25.1}
    assert series["hp_temperature", (("sensor", "dhw_hysteresis"),)] == {"value": 2.5}  # "" read as kelvin
    # circuits 1 and 2 are switched off but report a flow set point of 0: neither is written
    circuits = {dict(tags).get("circuit") for (_, tags) in series} - {None}
    assert circuits == {"0"}


def test_dhw_heat_pump_with_its_own_role_is_read_with_its_whole_unit_power(settings) -> None:
    # roles say "type:dhwHeatpump" (not "type:heatpump"): the model id E3_Vitocal_262_02 makes it a heat pump
    data, src, clock = editable(settings, "Vitocal262A_T2H-R290.json")
    series = by_series(src.poll())
    assert series["hp_compressor", (("compressor", "0"),)] == {
        "active": 0,
        "phase": "off",
        "starts": 330,
        "hours": 1256.0,
        "heat_production": 0.0,
        "power_consumption": 0.0,
    }
    assert series["hp_efficiency", (("kind", "spf"), ("usage", "dhw"))] == {"value": 2.8}
    assert ("hp_efficiency", (("kind", "spf"), ("usage", "heating"))) not in series  # 0: a DHW-only unit
    heat = series["hp_energy_summary", (("kind", "heat"), ("usage", "dhw"))]
    electric = series["hp_energy_summary", (("kind", "electric"), ("usage", "dhw"))]
    assert (heat["current_year"], electric["current_year"]) == (1276.0, 438.1)
    set_feature(data, "heating.heat.production.current", "2026-07-19T13:00:00.000Z", value=1.9)
    set_feature(data, "heating.power.consumption.current", "2026-07-19T13:00:00.000Z", value=0.52)
    clock.advance(src.poll_seconds)
    running = by_series(src.poll())["hp_compressor", (("compressor", "0"),)]
    assert running == {"heat_production": 1900.0, "power_consumption": 520.0}


def test_electric_counters_without_float_noise_and_no_heat_data(settings) -> None:
    series = by_series(poll_dump(settings, "Vitocal252.json")[0])
    dhw = series["hp_energy_summary", (("kind", "electric"), ("usage", "dhw"))]
    total = series["hp_energy_summary", (("kind", "electric"), ("usage", "total"))]
    assert (dhw["current_year"], total["current_year"]) == (604.3, 2608.0)  # 604.3000000000001, 2607.9999999999995
    assert series["hp_energy_summary", (("kind", "electric"), ("usage", "heating"))]["current_year"] == 2003.7
    # 2024 firmware: no heat production, no SPF, and the flow set point feature is switched off
    assert not [key for key in series if key[0] == "hp_efficiency" or dict(key[1]).get("kind") == "heat"]
    assert ("hp_temperature", (("circuit", "0"), ("sensor", "circuit_target_supply"))) not in series
    assert series["hp_errors", ()] == {"count": 0}  # device.messages.errors.raw: an empty list


def test_split_unit_speed_label_and_mislabelled_compressor_power(settings) -> None:
    series = by_series(poll_dump(settings, "Vitocal222SI_Invisible.json")[0])
    compressor = series["hp_compressor", (("compressor", "0"),)]
    assert compressor["speed"] == 0.0  # labelled "rotations/second", not "revolutionsPerSecond"
    # heating.compressors.0.power.consumption.current says 0.013 "watt" at 17:01:48.578, the very reading of
    # heating.power.consumption.current (0.013 "kilowatt", same timestamp): 13 W of standby, not 13 mW
    assert (compressor["power_consumption"], compressor["heat_production"]) == (13.0, 0.0)
    # heat from arrays and summaries: DHW 51.3 kWh this year against 11.6 kWh of electricity
    assert series["hp_energy_summary", (("kind", "heat"), ("usage", "dhw"))]["current_year"] == 51.3
    assert series["hp_energy_summary", (("kind", "electric"), ("usage", "dhw"))]["current_year"] == 11.6
    assert series["hp_circuit", (("circuit", "0"),)]["program"] == "standby"  # no room set point in standby
    assert "target_temperature" not in series["hp_circuit", (("circuit", "0"),)]


def test_2021_values_without_unit_labels(settings) -> None:
    series = by_series(poll_dump(settings, "Vitocal300G.json")[0])
    temperatures = {dict(tags)["sensor"]: f["value"] for (m, tags), f in series.items() if m == "hp_temperature"}
    assert temperatures == {  # no label, or the feature's own "unit": "celsius" (primary/secondary circuit)
        "circuit_supply": 18.6,
        "dhw": 36.4,
        "dhw_hysteresis": 7.0,
        "dhw_target": 45.0,
        "outside": 16.2,
        "primary_return": 18.4,
        "primary_supply": 18.2,
        "return": 18.9,
        "secondary_return": 18.9,
        "secondary_supply": 18.6,
    }
    assert series["hp_circuit", (("circuit", "0"),)]["curve_shift"] == -5.0  # a difference: kelvin
    assert series["hp_compressor", (("compressor", "0"),)] == {"active": 0, "starts": 3012}  # 1762.41 h refused
    assert series["hp_dhw", ()] == {"active": 1}  # heating.dhw says "active", not "status"


def test_a_feature_level_unit_label_is_honoured(settings) -> None:
    data = dump("Vitocal300G.json")
    for feature in data["data"]:
        if feature["feature"] == "heating.primaryCircuit.sensors.temperature.supply":
            feature["properties"]["unit"]["value"] = "fahrenheit"
    points, src = poll_dump(settings, "Vitocal300G.json", data)
    assert ("hp_temperature", (("sensor", "primary_supply"),)) not in by_series(points)
    assert "'fahrenheit'" in src.support[DEVICE].problems["temperature.primary_supply"]


def test_333g_with_ventilation_unit(settings) -> None:
    points, src = poll_dump(settings, "Vitocal333G_Vitovent300F.json")
    series = by_series(points)
    cop = {dict(tags)["usage"]: f["value"] for (m, tags), f in series.items() if m == "hp_efficiency"}
    assert cop == {"heating": 5.4, "dhw": 4.8, "total": 5.3}  # heating.cop.cooling is 0: no cooling yet
    # heating.heatingRod.runtime counts seconds: 815476 s and 614313 s
    # this week's energy, only per compressor (one compressor: the unit's): heat 36.2 + 10.7 kWh for 6.3 + 2.3 kWh
    week = {
        dict(tags)["kind"] + "." + dict(tags)["usage"]: f["current_week"]
        for (m, tags), f in series.items()
        if m == "hp_energy_summary"
    }
    assert week == {
        "heat.heating": 36.2,
        "heat.dhw": 10.7,
        "heat.cooling": 0.0,
        "electric.heating": 6.3,
        "electric.dhw": 2.3,
    }
    assert all(len(f) == 1 for (m, _), f in series.items() if m == "hp_energy_summary")  # no other period
    # heating.heatingRod.status says overall false (no heating.heatingRod "active" on this model)
    assert series["hp_heating_rod", ()] == {"active": 0, "hours_level_1": 226.521111, "hours_level_2": 170.6425}
    # both circuits enabled, both report a flow set point of 0 °C (standby): a sentinel, not written
    for circuit in ("0", "1"):
        assert ("hp_temperature", (("circuit", circuit), ("sensor", "circuit_target_supply"))) not in series
        assert series["hp_temperature", (("circuit", circuit), ("sensor", "room"))] == {"value": 21.4}
    # circuit 0's supply sensor is notConnected; circuit 1's reads 34.3
    assert ("hp_temperature", (("circuit", "0"), ("sensor", "circuit_supply"))) not in series
    assert series["hp_temperature", (("circuit", "1"), ("sensor", "circuit_supply"))] == {"value": 34.3}
    compressor = series["hp_compressor", (("compressor", "0"),)]
    assert (compressor["rated_power"], compressor["hours"], compressor["starts"]) == (8.0, 2394.4, 5067)
    assert series["hp_temperature", (("sensor", "dhw_hysteresis"),)] == {"value": 5.0}
    # condenser subcooling -2.8 (heating.condensors.0.sensors.temperature.subcooling, "celsius": a difference)
    assert series["hp_refrigerant", (("compressor", "0"),)]["condenser_subcooling"] == -2.8
    # the Vitovent 300-F on the same device (volume flow 257 m³/h, level three) is out of scope: nothing of it is
    # read, and the coverage report lists it as ignored on purpose, not as unknown
    data = dump("Vitocal333G_Vitovent300F.json")
    data["data"] = [f for f in data["data"] if not f["feature"].startswith("ventilation.")]
    assert by_series(poll_dump(settings, "Vitocal333G_Vitovent300F.json", data)[0]) == series
    coverage = classify(dump("Vitocal333G_Vitovent300F.json")["data"])
    vent = {f for f in coverage.ignored if f.startswith("ventilation.")}
    assert len(vent) == 6 and not any(f.startswith("ventilation.") for f in [*coverage.mapped, *coverage.unknown])
    assert not src.support[DEVICE].problems


def test_heating_rod_on_from_its_status_feature(settings) -> None:
    data = dump("Vitocal333G_Vitovent300F.json")
    set_feature(data, "heating.heatingRod.status", "2025-11-05T07:40:00.000Z", overall=True, level1=True)
    assert by_series(poll_dump(settings, "Vitocal333G_Vitovent300F.json", data)[0])["hp_heating_rod", ()]["active"] == 1


def test_three_circuits_with_one_in_standby(settings) -> None:
    series = by_series(poll_dump(settings, "Vitocal300G_CU401B_ThreeCircuits.json")[0])
    circuits = {dict(tags)["circuit"]: f for (m, tags), f in series.items() if m == "hp_circuit"}
    assert {c: (f["operating_mode"], f["program"], f["curve_slope"], f["pump"]) for c, f in circuits.items()} == {
        "0": ("dhwAndHeating", "normal", 0.7, 1),  # "Heizkörper", curve shift +2
        "1": ("standby", "standby", 0.6, 0),  # unnamed, switched to standby
        "2": ("dhwAndHeating", "normal", 0.5, 1),  # "Fußbodenheizung"
    }
    assert (circuits["0"]["target_temperature"], circuits["2"]["target_temperature"]) == (24.0, 26.0)
    assert "target_temperature" not in circuits["1"]  # no room set point in standby
    target_supply = {
        dict(tags)["circuit"]: f["value"]
        for (m, tags), f in series.items()
        if m == "hp_temperature" and dict(tags)["sensor"] == "circuit_target_supply"
    }
    assert target_supply == {"0": 37.1, "2": 34.6}  # circuit 1 (standby) reports 0: a sentinel
    # only circuit 2 has a supply sensor (35 °C); circuits 0 and 1 say notConnected
    assert series["hp_temperature", (("circuit", "2"), ("sensor", "circuit_supply"))] == {"value": 35.0}
    assert ("hp_temperature", (("circuit", "0"), ("sensor", "circuit_supply"))) not in series
    compressor = series["hp_compressor", (("compressor", "0"),)]
    assert (compressor["active"], compressor["phase"], compressor["modulation"]) == (1, "heating", 51.0)
    assert series["hp_hydraulics", ()]["primary_pump_speed"] == 70.0  # heating.primaryCircuit.sensors.rotation, %
    assert series["hp_heating_rod", ()] == {"hours_level_1": 0.239722, "hours_level_2": 0.231389}  # 863 s, 833 s


def test_per_compressor_week_energy_is_not_the_units_with_two_compressors(settings) -> None:
    data = dump("Vitocal333G_Vitovent300F.json")
    features = data["data"]
    names = [f["feature"] for f in features]
    features[names.index("heating.compressors")]["properties"]["enabled"]["value"] = ["0", "1"]
    features.append({**features[names.index("heating.compressors.0")], "feature": "heating.compressors.1"})
    series = by_series(poll_dump(settings, "Vitocal333G_Vitovent300F.json", data)[0])
    assert ("hp_compressor", (("compressor", "0"),)) in series
    assert not any(m == "hp_energy_summary" for m, _ in series)  # compressor 0's week is not the unit's
