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
from collector.sources.viessmann.offline import OfflineDevice, OfflineOAuthManager
from tests.viessmann.dumps import ALL_MODELS, DEVICE, PUBLIC, SERIAL, FakeClock, dump, manager, set_feature, source
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
        "dhw.one_time_charge",
        "temperature.buffer_top",
        "temperature.dhw_outlet",
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
        "dhw.one_time_charge",
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
        "dhw.anode_current",
        "dhw.one_time_charge",
        "hydraulics.secondary_circuit_state",
        "restriction.malfunction_lock",
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
        "dhw.one_time_charge",
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
        "dhw.one_time_charge",
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
        "dhw.one_time_charge",
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
        "temperature.buffer_top",
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
        "aux_heater.condensate_pan",
        "aux_heater.fan_ring",
        "dhw.one_time_charge",
        "restriction.consumption_limit",
        "restriction.consumption_status",
        "restriction.external_lock",
        "restriction.grid_limitation",
        "restriction.malfunction_lock",
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
        "aux_heater.crankcase",
        "aux_heater.evaporator_base",
        "hydraulics.secondary_circuit_state",
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
        "dhw.one_time_charge",
        "temperature.buffer_top",
    },
    "Vitocal250A_TwoCircuits.json": {
        *_CIRCUIT,
        "circuit.target_temperature",
        *_m("compressor", "active", "hours", "phase", "speed", "starts"),
        "compressor.heat_production",  # heating.heat.production.current: whole unit, one compressor
        "compressor.power_consumption",  # heating.power.consumption.current
        *_m("power", "heat_production", "power_consumption"),  # the same whole-unit features (hp_power)
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
        "aux_heater.condensate_pan",
        "aux_heater.crankcase",
        "aux_heater.evaporator_base",
        "aux_heater.fan_ring",
        "dhw.one_time_charge",
        "hydraulics.secondary_circuit_state",
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
        "dhw.one_time_charge",
    },
    "Vitocal262A_T2H-R290.json": {
        *_m("compressor", "active", "hours", "phase", "starts"),
        "compressor.heat_production",  # heating.heat.production.current, kilowatt
        "compressor.power_consumption",  # heating.power.consumption.current, kilowatt
        *_m("power", "heat_production", "power_consumption"),  # the same whole-unit features (hp_power)
        *_m("dhw", "active", "operating_mode"),
        *_m("efficiency.spf", "dhw", "heating", "total"),  # heating: 0, not written
        *_energy("electric.dhw", "heat.dhw", "heat.heating"),
        *_energy("electric.total", periods=_ARRAY_PERIODS),
        "heating_rod.active",
        "refrigerant.evaporator_liquid_temperature",
        *_m("temperature", "dhw", "dhw_hysteresis", "dhw_target", "primary_supply"),
        "dhw.anode_current",
        "dhw.one_time_charge",
        "hydraulics.secondary_circuit_state",
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
        "dhw.one_time_charge",
    },
    "Vitocal222SI_Invisible.json": {
        *_CIRCUIT,
        *_m("compressor", "active", "hours", "phase", "speed", "starts", "heat_production", "power_consumption"),
        *_m("power", "heat_production", "power_consumption"),  # whole unit (hp_power): 0 W heat, 13 W
        *_m("dhw", "active", "operating_mode"),
        *_m("efficiency.spf", "dhw", "heating", "total"),  # all 0: written as none
        *_energy("electric.heating", "electric.dhw", "electric.cooling", "heat.heating", "heat.dhw", "heat.cooling"),
        *_energy("heating_rod.heating", "heating_rod.dhw"),
        *_energy("electric.total", periods=_ARRAY_PERIODS),
        *_m("heating_rod", "active", "energy_day", "energy_year", "hours", "power", "starts"),
        *_m("hydraulics", "defrost", "fan_0_speed", "supply_pressure", "volumetric_flow"),
        *_m("temperature", "circuit_supply", "dhw", "dhw_hysteresis", "dhw_target", "outside", "primary_supply"),
        *_m("temperature", "return", "secondary_supply", "supply"),
        "aux_heater.crankcase",
        "aux_heater.evaporator_base",
        "dhw.one_time_charge",
        "energy.heat.total.current_day",
        "energy.heat.total.current_month",
        "energy.heat.total.current_week",
        "energy.heat.total.current_year",
        "restriction.smart_grid",
        "temperature.dhw_charging_return",
        "temperature.dhw_charging_supply",
    },
    "Vitocal300G.json": {  # 2021: no unit labels on values at all
        *_CIRCUIT,
        *_m("compressor", "active", "starts"),
        "dhw.active",
        *_m("hydraulics", "circulation_pump", "dhw_charging", "dhw_pump"),
        *_m("temperature", "circuit_supply", "dhw", "dhw_hysteresis", "dhw_target", "outside", "primary_return"),
        *_m("temperature", "primary_supply", "return", "secondary_return", "secondary_supply"),
        "dhw.one_time_charge",
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
        *_m("refrigerant", "liquid_gas_temperature", "suction_gas_temperature"),
        *_m("temperature", "buffer", "circuit_supply", "circuit_target_supply", "dhw", "dhw_hysteresis", "dhw_target"),
        *_m("temperature", "outside", "primary_return", "primary_supply", "return", "room", "secondary_supply"),
        "dhw.one_time_charge",
        "temperature.buffer_top",
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
        *_m("refrigerant", "liquid_gas_temperature", "suction_gas_temperature"),
        *_m("temperature", "buffer", "circuit_supply", "circuit_target_supply", "dhw", "dhw_hysteresis", "dhw_target"),
        *_m("temperature", "outside", "primary_return", "primary_supply", "return", "secondary_supply"),
        "dhw.one_time_charge",
        "temperature.buffer_top",
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
    assert series["hp_hydraulics", ()] == {
        "fan_0_speed": 0.0,
        "supply_pressure": 1.2,
        "secondary_circuit_state": "standby",
    }
    assert series["hp_aux_heater", (("compressor", "0"),)] == {"crankcase": 0, "evaporator_base": 0}


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
    assert series["hp_power", ()] == {"heat_production": 0.0, "power_consumption": 13.0}  # the unit's own, too
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
    assert series["hp_dhw", ()] == {"active": 1, "one_time_charge": 0}  # heating.dhw says "active", not "status"


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
