"""THE Viessmann metric table: one row per metric, feature → measurement, field, tags, unit and how to read it.

A row names the feature whose ``timestamp`` stamps the point and the property whose ``value`` (and ``unit``)
is read. ``getter`` names PyViCare's getter on the component when PyViCare reads the value correctly; rows
without one read the raw property (no getter exists, or the getter truncates like ``getSpeed``). ``{id}`` in
the feature is the circuit, compressor or inverter id as the device reports it. Several rows may share a
``name`` (alternative features of one metric, the first one present wins). ``unless`` names a feature whose
presence makes the row redundant (arrays stand in for a missing summary). The target unit is the schema
unit of the field; ``UNIT_FACTORS`` converts the unit label the device sends, compared case-insensitively
(cooling programs say ``Celsius``). ``sentinels`` are values the API sends for "not active" (a flow set point
of 0 °C in eco or standby, an SPF of 0 for a usage that never ran): they are not written.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from collector.schema import (
    HP_AUX_HEATER,
    HP_BURNER,
    HP_CIRCUIT,
    HP_COMPRESSOR,
    HP_DHW,
    HP_EFFICIENCY,
    HP_ENERGY_SUMMARY,
    HP_HEATING_ROD,
    HP_HYDRAULICS,
    HP_INVERTER,
    HP_POWER,
    HP_REFRIGERANT,
    HP_RESTRICTION,
    HP_TEMPERATURE,
    TAG_KIND,
    TAG_SENSOR,
    TAG_USAGE,
    MeasurementSpec,
)


class Component(StrEnum):
    """Which PyViCare object a row reads from; the id tag follows from it."""

    DEVICE = "device"
    CIRCUIT = "circuit"
    COMPRESSOR = "compressor"
    INVERTER = "inverter"
    BURNER = "burner"


class Read(StrEnum):
    NUMBER = "number"  # float, converted by unit
    COUNT = "count"  # integer counter
    FLAG = "flag"  # bool or status "on"/"off" → 1/0
    TEXT = "text"


@dataclass(frozen=True)
class Metric:
    name: str
    measurement: str
    field: str
    feature: str
    prop: str = "value"
    read: Read = Read.NUMBER
    component: Component = Component.DEVICE
    tags: tuple[tuple[str, str], ...] = ()
    getter: str | None = None
    index: int | None = None  # element of an array property (day[0] = today)
    unless: str | None = None  # skip the row when this feature is present and enabled
    single: bool = False  # whole unit ↔ its compressor (either way): only on a unit with exactly one compressor
    sentinels: tuple[float, ...] = ()  # values meaning "not active": never written


# (device unit label, schema unit) → factor, labels compared case-insensitively. Unknown pairs are refused,
# never written with a wrong unit.
UNIT_FACTORS: dict[tuple[str, str], float] = {
    ("celsius", "celsius"): 1.0,
    ("kelvin", "celsius"): 1.0,  # only temperature differences (hysteresis) come in kelvin
    ("kelvin", "kelvin"): 1.0,
    ("watt", "watt"): 1.0,
    ("kilowatt", "watt"): 1000.0,
    ("kilowatt", "kwatt"): 1.0,
    ("watt", "kwatt"): 0.001,
    ("ampere", "amp"): 1.0,
    ("milliAmpere", "mamp"): 1.0,  # the DHW cylinder's protection anode (262-A)
    ("ampere", "mamp"): 1000.0,
    ("liter/hour", "litreh"): 1.0,
    ("liter", "litreh"): 1.0,  # older firmware labels the same l/h value "liter" (PyViCare #303)
    ("kilowattHour", "kwatth"): 1.0,
    ("wattHour", "kwatth"): 0.001,
    ("hour", "h"): 1.0,
    ("seconds", "h"): 1 / 3600,
    ("revolutionsPerSecond", "rothz"): 1.0,
    ("rotations/second", "rothz"): 1.0,  # the 222-S's compressor speed
    ("percent", "percent"): 1.0,
    ("bar", "pressurebar"): 1.0,
}


def _row(
    spec: MeasurementSpec,
    field: str,
    feature: str,
    prop: str = "value",
    read: Read = Read.NUMBER,
    getter: str | None = None,
    component: Component = Component.DEVICE,
    index: int | None = None,
    sentinels: tuple[float, ...] = (),
) -> Metric:
    """One row named ``<measurement without hp_>.<field>``."""
    name = f"{spec.name.removeprefix('hp_')}.{field}"
    return Metric(
        name, spec.name, field, feature, prop, read, component, getter=getter, index=index, sentinels=sentinels
    )


def _temperature(
    sensor: str,
    feature: str,
    getter: str | None = None,
    component: Component = Component.DEVICE,
    sentinels: tuple[float, ...] = (),
) -> Metric:
    return Metric(
        f"temperature.{sensor}",
        HP_TEMPERATURE.name,
        "value",
        feature,
        component=component,
        tags=((TAG_SENSOR, sensor),),
        getter=getter,
        sentinels=sentinels,
    )


def _summaries(kind: str, usage: str, feature: str) -> tuple[Metric, ...]:
    """The six period properties of a ``….summary.<usage>`` feature."""
    periods = {
        "current_day": "currentDay",
        "current_month": "currentMonth",
        "current_year": "currentYear",
        "last_seven_days": "lastSevenDays",
        "last_month": "lastMonth",
        "last_year": "lastYear",
    }
    return tuple(
        Metric(
            f"energy.{kind}.{usage}.{field}",
            HP_ENERGY_SUMMARY.name,
            field,
            feature,
            prop=prop,
            tags=((TAG_KIND, kind), (TAG_USAGE, usage)),
        )
        for field, prop in periods.items()
    )


def _arrays(kind: str, usage: str, feature: str, unless: str | None = None) -> tuple[Metric, ...]:
    """Current period (element 0) of the day/week/month/year arrays of an energy feature; with ``unless``
    only when that summary feature is missing (the summary is the richer source of the same counters)."""
    periods = {"current_day": "day", "current_week": "week", "current_month": "month", "current_year": "year"}
    return tuple(
        Metric(
            f"energy.{kind}.{usage}.{field}",
            HP_ENERGY_SUMMARY.name,
            field,
            feature,
            prop=prop,
            index=0,
            tags=((TAG_KIND, kind), (TAG_USAGE, usage)),
            unless=unless,
        )
        for field, prop in periods.items()
    )


def _energy(kind: str, usage: str, summary: str, arrays: str) -> tuple[Metric, ...]:
    """A usage's energy: the summary feature, else its day/week/month/year arrays."""
    return (*_summaries(kind, usage, summary), *_arrays(kind, usage, arrays, unless=summary))


def _efficiency(kind: str, usage: str, feature: str, getter: str) -> Metric:
    tags = ((TAG_KIND, kind), (TAG_USAGE, usage))
    return Metric(
        f"efficiency.{kind}.{usage}",
        HP_EFFICIENCY.name,
        "value",
        feature,
        tags=tags,
        getter=getter,
        sentinels=(0.0,),  # SPF/COP 0: the usage never ran (262-A heating, 300-G cooling)
    )


def _refrigerant(field: str, feature: str) -> Metric:
    return _row(HP_REFRIGERANT, field, feature, component=Component.COMPRESSOR)


_C, _K, _I, _B = Component.CIRCUIT, Component.COMPRESSOR, Component.INVERTER, Component.BURNER
_COMPRESSOR = "heating.compressors.{id}"
_CIRCUIT = "heating.circuits.{id}"
_BURNER = "heating.burners.{id}"
_LOAD_CLASSES = ("One", "Two", "Three", "Four", "Five")

METRICS: tuple[Metric, ...] = (
    # --- temperatures ---------------------------------------------------------------------------------
    _temperature("outside", "heating.sensors.temperature.outside", "getOutsideTemperature"),
    _temperature("outside", "system.temperature.outside"),  # the Vitocal 200-A's system controller
    _temperature("supply", "heating.boiler.sensors.temperature.commonSupply", "getBoilerCommonSupplyTemperature"),
    _temperature("return", "heating.sensors.temperature.return", "getReturnTemperature"),
    _temperature(
        "primary_supply", "heating.primaryCircuit.sensors.temperature.supply", "getSupplyTemperaturePrimaryCircuit"
    ),
    _temperature(
        "primary_return", "heating.primaryCircuit.sensors.temperature.return", "getReturnTemperaturePrimaryCircuit"
    ),
    _temperature(
        "secondary_supply",
        "heating.secondaryCircuit.sensors.temperature.supply",
        "getSupplyTemperatureSecondaryCircuit",
    ),
    _temperature(
        "secondary_return",
        "heating.secondaryCircuit.sensors.temperature.return",
        "getReturnTemperatureSecondaryCircuit",
    ),
    _temperature("buffer", "heating.bufferCylinder.sensors.temperature.main", "getBufferMainTemperature"),
    _temperature("buffer", "heating.buffer.sensors.temperature.main"),  # older name of the same sensor
    _temperature("buffer_top", "heating.bufferCylinder.sensors.temperature.top"),
    _temperature("buffer_top", "heating.buffer.sensors.temperature.top"),  # older name (Vitocaldens 222-F)
    _temperature("dhw", "heating.dhw.sensors.temperature.dhwCylinder", "getDomesticHotWaterStorageTemperature"),
    _temperature("dhw", "heating.dhw.sensors.temperature.hotWaterStorage"),  # deprecated name (200-S E8NEV)
    _temperature("dhw_outlet", "heating.dhw.sensors.temperature.outlet"),  # Vitocaldens 222-F
    # the DHW charging system's own flow and return (222-S split): how hot the cylinder is charged
    _temperature("dhw_charging_supply", "heating.dhw.sensors.temperature.tankLoadSystem.supply"),
    _temperature("dhw_charging_return", "heating.dhw.sensors.temperature.tankLoadSystem.return"),
    _temperature("dhw_target", "heating.dhw.temperature.main", "getDomesticHotWaterConfiguredTemperature"),
    _temperature("dhw_target", "heating.dhw.temperature"),  # the 2021 API's name (300-G reports both)
    _temperature("dhw_hysteresis", "heating.dhw.temperature.hysteresis", "getDomesticHotWaterHysteresis"),
    _temperature("circuit_supply", "heating.circuits.{id}.sensors.temperature.supply", "getSupplyTemperature", _C),
    # 0 °C: no flow set point (eco, standby or a circuit without demand), next to a real supply of 28 °C
    _temperature("circuit_target_supply", "heating.circuits.{id}.temperature", "getTargetTemperature", _C, (0.0,)),
    _temperature("room", "heating.circuits.{id}.sensors.temperature.room", "getRoomTemperature", _C),
    # --- compressor ----------------------------------------------------------------------------------
    _row(HP_COMPRESSOR, "active", _COMPRESSOR, "active", Read.FLAG, "getActive", _K),
    _row(HP_COMPRESSOR, "phase", _COMPRESSOR, "phase", Read.TEXT, "getPhase", _K),
    # raw: getSpeed()/getModulation() truncate with int() (38.5 → 38)
    _row(HP_COMPRESSOR, "speed", _COMPRESSOR + ".speed.current", component=_K),
    _row(HP_COMPRESSOR, "modulation", _COMPRESSOR + ".sensors.power", component=_K),
    _row(HP_COMPRESSOR, "starts", _COMPRESSOR + ".statistics", "starts", Read.COUNT, "getStarts", _K),
    _row(HP_COMPRESSOR, "hours", _COMPRESSOR + ".statistics", "hours", getter="getHours", component=_K),
    *(  # firmware puts the load classes in either feature
        _row(HP_COMPRESSOR, f"hours_load_class_{n}", _COMPRESSOR + suffix, f"hoursLoadClass{word}", component=_K)
        for n, word in enumerate(_LOAD_CLASSES, start=1)
        for suffix in (".statistics", ".statistics.load")
    ),
    # Whole-unit figures first, on a single-compressor unit only (never copied to each of two): their
    # "kilowatt" label holds across the 250-A, 262-A and 222-S dumps, while the 222-S labels its per-compressor
    # power "watt" with the very same reading (0.013 at the same timestamp as the whole unit's 0.013 kW).
    *(
        Metric(f"compressor.{field}", HP_COMPRESSOR.name, field, f"heating.{kind}.current", component=_K, single=True)
        for field, kind in (("heat_production", "heat.production"), ("power_consumption", "power.consumption"))
    ),
    _row(
        HP_COMPRESSOR,
        "heat_production",
        _COMPRESSOR + ".heat.production.current",
        getter="getHeatProductionCurrent",
        component=_K,
    ),
    _row(
        HP_COMPRESSOR,
        "power_consumption",
        _COMPRESSOR + ".power.consumption.current",
        getter="getPowerConsumptionCurrent",
        component=_K,
    ),
    _row(HP_COMPRESSOR, "rated_power", _COMPRESSOR + ".power", getter="getPower", component=_K),
    # --- the whole heat pump (no compressor-level figures: the Vitocal 200-A's system controller) -------------
    _row(HP_POWER, "heat_production", "heating.heat.production.current"),
    _row(HP_POWER, "power_consumption", "heating.power.consumption.current"),
    # --- inverter ------------------------------------------------------------------------------------
    _row(HP_INVERTER, "power", "heating.inverters.{id}.sensors.power.output", getter="getPower", component=_I),
    _row(HP_INVERTER, "current", "heating.inverters.{id}.sensors.power.current", getter="getCurrent", component=_I),
    # --- refrigerant cycle (evaporator/condenser/economizer N belong to compressor N, as in PyViCare) -----
    _refrigerant("compressor_inlet_temperature", _COMPRESSOR + ".sensors.temperature.inlet"),
    _refrigerant("compressor_outlet_temperature", _COMPRESSOR + ".sensors.temperature.outlet"),
    _refrigerant("compressor_oil_temperature", _COMPRESSOR + ".sensors.temperature.oil"),
    _refrigerant("compressor_motor_temperature", _COMPRESSOR + ".sensors.temperature.motorChamber"),
    _refrigerant("compressor_overheat", _COMPRESSOR + ".sensors.temperature.overheat"),
    _refrigerant("compressor_inlet_pressure", _COMPRESSOR + ".sensors.pressure.inlet"),
    _refrigerant("evaporator_liquid_temperature", "heating.evaporators.{id}.sensors.temperature.liquid"),
    _refrigerant("evaporator_overheat", "heating.evaporators.{id}.sensors.temperature.overheat"),
    _refrigerant("condenser_liquid_temperature", "heating.condensors.{id}.sensors.temperature.liquid"),
    _refrigerant("condenser_subcooling", "heating.condensors.{id}.sensors.temperature.subcooling"),  # 333-G
    _refrigerant("economizer_liquid_temperature", "heating.economizers.{id}.sensors.temperature.liquid"),
    _refrigerant("inverter_temperature", "heating.inverters.{id}.sensors.temperature.powerModule"),
    _refrigerant("compressor_ambient_temperature", _COMPRESSOR + ".sensors.temperature.ambient"),
    # device-level refrigerant sensors (300-G CU401B, 2025 200-S): often the same probes as the compressor's
    _row(HP_REFRIGERANT, "hot_gas_temperature", "heating.sensors.temperature.hotGas", component=_K),
    _row(HP_REFRIGERANT, "suction_gas_temperature", "heating.sensors.temperature.suctionGas", component=_K),
    _row(HP_REFRIGERANT, "liquid_gas_temperature", "heating.sensors.temperature.liquidGas", component=_K),
    _row(HP_REFRIGERANT, "hot_gas_pressure", "heating.sensors.pressure.hotGas", component=_K),
    _row(HP_REFRIGERANT, "suction_gas_pressure", "heating.sensors.pressure.suctionGas", component=_K),
    # --- gas burner of a hybrid ------------------------------------------------------------------------
    _row(HP_BURNER, "active", _BURNER, "active", Read.FLAG, component=_B),
    _row(HP_BURNER, "modulation", _BURNER + ".modulation", component=_B),
    _row(HP_BURNER, "hours", _BURNER + ".statistics", "hours", component=_B),
    _row(HP_BURNER, "starts", _BURNER + ".statistics", "starts", Read.COUNT, component=_B),
    # --- hydraulics ----------------------------------------------------------------------------------
    _row(HP_HYDRAULICS, "volumetric_flow", "heating.sensors.volumetricFlow.allengra", getter="getVolumetricFlowReturn"),
    _row(HP_HYDRAULICS, "supply_pressure", "heating.sensors.pressure.supply", getter="getSupplyPressure"),
    _row(HP_HYDRAULICS, "valve_position", "heating.valves.fourThreeWay.position", read=Read.TEXT),
    _row(HP_HYDRAULICS, "defrost", "heating.outdoor.defrosting", "active", Read.FLAG),
    _row(HP_HYDRAULICS, "fan_0_speed", "heating.primaryCircuit.fans.0.current"),
    _row(HP_HYDRAULICS, "fan_1_speed", "heating.primaryCircuit.fans.1.current"),
    _row(HP_HYDRAULICS, "internal_pump_speed", "heating.boiler.pumps.internal.current"),
    _row(HP_HYDRAULICS, "secondary_valve_position", "heating.secondaryCircuit.valves.fourThreeWay", "current"),
    _row(HP_HYDRAULICS, "primary_pump_speed", "heating.primaryCircuit.sensors.rotation"),
    _row(
        HP_HYDRAULICS, "secondary_circuit_state", "heating.secondaryCircuit.operation.state", "currentValue", Read.TEXT
    ),
    _row(
        HP_HYDRAULICS, "dhw_charging", "heating.dhw.charging", "active", Read.FLAG, "getDomesticHotWaterChargingActive"
    ),
    _row(HP_HYDRAULICS, "dhw_pump", "heating.dhw.pumps.primary", "status", Read.FLAG, "getDomesticHotWaterPumpActive"),
    _row(
        HP_HYDRAULICS,
        "circulation_pump",
        "heating.dhw.pumps.circulation",
        "status",
        Read.FLAG,
        "getDomesticHotWaterCirculationPumpActive",
    ),
    # --- heating circuits ----------------------------------------------------------------------------
    _row(
        HP_CIRCUIT,
        "operating_mode",
        _CIRCUIT + ".operating.modes.active",
        read=Read.TEXT,
        getter="getActiveMode",
        component=_C,
    ),
    _row(
        HP_CIRCUIT,
        "program",
        _CIRCUIT + ".operating.programs.active",
        read=Read.TEXT,
        getter="getActiveProgram",
        component=_C,
    ),
    _row(HP_CIRCUIT, "pump", _CIRCUIT + ".circulation.pump", "status", Read.FLAG, "getCirculationPumpActive", _C),
    _row(HP_CIRCUIT, "curve_slope", _CIRCUIT + ".heating.curve", "slope", getter="getHeatingCurveSlope", component=_C),
    _row(HP_CIRCUIT, "curve_shift", _CIRCUIT + ".heating.curve", "shift", getter="getHeatingCurveShift", component=_C),
    *(
        _row(
            HP_CIRCUIT,
            f"{level}_cooling_temperature",
            f"{_CIRCUIT}.operating.programs.{level}Cooling",
            "temperature",
            component=_C,
        )
        for level in ("comfort", "normal", "reduced")
    ),
    # --- domestic hot water --------------------------------------------------------------------------
    _row(
        HP_DHW,
        "operating_mode",
        "heating.dhw.operating.modes.active",
        read=Read.TEXT,
        getter="getDomesticHotWaterActiveOperatingMode",
    ),
    _row(HP_DHW, "active", "heating.dhw", "status", Read.FLAG, "getDomesticHotWaterActive"),
    _row(HP_DHW, "active", "heating.dhw", "active", Read.FLAG),  # 2021 firmware (300-G) has no "status"
    _row(HP_DHW, "one_time_charge", "heating.dhw.oneTimeCharge", "active", Read.FLAG),  # explains an energy spike
    _row(HP_DHW, "anode_current", "heating.dhw.sensors.dhwCylinder.rustSurveillance.anode"),  # 262-A, mA
    # --- what keeps the unit from running as it would (E3: 200-A, 250-A, 252-A, 262-A; SG Ready: 222-S split) --
    _row(HP_RESTRICTION, "grid_limitation", "device.power.consumption.limitation", read=Read.TEXT),  # "14aOff"
    _row(HP_RESTRICTION, "consumption_status", "device.power.statusReport.consumption", "status", Read.TEXT),
    # unlimited: the 250-A/252-A send 0 W, the 200-A 1000000 W (status "unlimitedAutonomous" on all three)
    _row(HP_RESTRICTION, "consumption_limit", "device.power.statusReport.consumption", "limit", sentinels=(0.0, 1e6)),
    _row(HP_RESTRICTION, "smart_grid", "heating.device.smartGrid", "actualState", Read.TEXT),
    _row(HP_RESTRICTION, "malfunction_lock", "device.lock.malfunction", "active", Read.FLAG),
    _row(HP_RESTRICTION, "external_lock", "device.lock.external", "active", Read.FLAG),
    _row(
        HP_RESTRICTION, "external_lock", "heating.external.lock", "active", Read.FLAG
    ),  # the same lock under its heating.* name
    # --- the outdoor unit's small heaters: standby electricity ------------------------------------------
    _row(HP_AUX_HEATER, "crankcase", _COMPRESSOR + ".heater.crankcase", "active", Read.FLAG, component=_K),
    _row(HP_AUX_HEATER, "evaporator_base", "heating.evaporators.{id}.heater.base", "active", Read.FLAG, component=_K),
    _row(HP_AUX_HEATER, "condensate_pan", "heating.heater.condensatePan", "active", Read.FLAG),
    _row(HP_AUX_HEATER, "fan_ring", "heating.heater.fanRing", "active", Read.FLAG),
    # --- energy: electric (device-metered), heat produced (raw, PyViCare #801), gas, heating rod ------------
    *(
        row
        for usage in ("heating", "dhw", "cooling")
        for row in _energy(
            "electric", usage, f"heating.power.consumption.summary.{usage}", f"heating.power.consumption.{usage}"
        )
    ),
    *_arrays("electric", "total", "heating.power.consumption.total"),
    *_arrays("heat", "total", "heating.heat.production.total"),  # 222-S split
    *(
        row
        for usage in ("heating", "dhw", "cooling")
        for row in _energy(
            "heat", usage, f"heating.heat.production.summary.{usage}", f"heating.heat.production.{usage}"
        )
    ),
    # This week's heat and electricity per compressor (333-G: its only energy data), the unit's own on a
    # one-compressor unit; after the whole-unit summaries and arrays, which win where both exist
    *(
        Metric(
            f"energy.{kind}.{usage}.current_week",
            HP_ENERGY_SUMMARY.name,
            "current_week",
            f"heating.compressors.0.{source}.{usage}.week",
            tags=((TAG_KIND, kind), (TAG_USAGE, usage)),
            single=True,
        )
        for kind, source in (("electric", "power.consumption"), ("heat", "heat.production"))
        for usage in ("heating", "dhw", "cooling")
    ),
    *(
        row
        for usage in ("heating", "dhw")
        for row in _energy("gas", usage, f"heating.gas.consumption.summary.{usage}", f"heating.gas.consumption.{usage}")
    ),
    *_arrays("gas", "total", "heating.gas.consumption.total"),
    *(
        row
        for usage in ("heating", "dhw")
        for row in _energy(
            "heating_rod",
            usage,
            f"heating.heatingRod.power.consumption.summary.{usage}",
            f"heating.heatingRod.power.consumption.{usage}",
        )
    ),
    # --- the device's own efficiency figures --------------------------------------------------------------
    _efficiency("spf", "heating", "heating.spf.heating", "getSeasonalPerformanceFactorHeating"),
    _efficiency("spf", "dhw", "heating.spf.dhw", "getSeasonalPerformanceFactorDHW"),
    _efficiency("spf", "total", "heating.spf.total", "getSeasonalPerformanceFactorTotal"),
    _efficiency("cop", "heating", "heating.cop.heating", "getCoefficientOfPerformanceHeating"),
    _efficiency("cop", "dhw", "heating.cop.dhw", "getCoefficientOfPerformanceDHW"),
    _efficiency("cop", "total", "heating.cop.total", "getCoefficientOfPerformanceTotal"),
    _efficiency("cop", "cooling", "heating.cop.cooling", "getCoefficientOfPerformanceCooling"),
    # --- heating rod -------------------------------------------------------------------------------------
    _row(HP_HEATING_ROD, "active", "heating.heatingRod", "active", Read.FLAG),
    _row(HP_HEATING_ROD, "active", "heating.heatingRod.status", "overall", Read.FLAG),  # 222-S split, 333-G
    _row(HP_HEATING_ROD, "starts", "heating.heatingRod.statistics", "starts", Read.COUNT, "getHeatingRodStarts"),
    _row(HP_HEATING_ROD, "hours", "heating.heatingRod.statistics", "hours"),  # getter truncates to int
    _row(HP_HEATING_ROD, "hours_level_1", "heating.heatingRod.runtime", "levelOne"),
    _row(HP_HEATING_ROD, "hours_level_2", "heating.heatingRod.runtime", "levelTwo"),
    _row(
        HP_HEATING_ROD,
        "power",
        "heating.heatingRod.power.consumption.current",
        getter="getHeatingRodPowerConsumptionCurrent",
    ),
    _row(HP_HEATING_ROD, "energy_day", "heating.heatingRod.power.consumption.total", "day", index=0),
    _row(HP_HEATING_ROD, "energy_year", "heating.heatingRod.power.consumption.total", "year", index=0),
)

# Read by code in extract.py because one value needs two features: the active program's room set point.
DESIRED_TEMPERATURE = _row(HP_CIRCUIT, "target_temperature", _CIRCUIT + ".operating.programs.active", component=_C)

METRIC_NAMES: tuple[str, ...] = (*dict.fromkeys(metric.name for metric in METRICS), DESIRED_TEMPERATURE.name)
