"""THE Viessmann metric table: one row per metric, feature → measurement, field, tags, unit and how to read it.

A row names the feature whose ``timestamp`` stamps the point and the property whose ``value`` (and ``unit``)
is read. ``getter`` names PyViCare's getter on the component when PyViCare reads the value correctly; rows
without one read the raw property (no getter exists, or the getter truncates like ``getSpeed``). ``{id}`` in
the feature is the circuit, compressor or inverter id as the device reports it. Several rows may share a
``name`` (alternative features of one metric, the first one present wins). The target unit is the schema
unit of the field; ``UNIT_FACTORS`` converts the unit label the device sends.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from collector.schema import (
    HP_CIRCUIT,
    HP_COMPRESSOR,
    HP_DHW,
    HP_EFFICIENCY,
    HP_ENERGY_SUMMARY,
    HP_HEATING_ROD,
    HP_HYDRAULICS,
    HP_INVERTER,
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


# (device unit label, schema unit) → factor. Unknown pairs are refused, never written with a wrong unit.
UNIT_FACTORS: dict[tuple[str, str], float] = {
    ("celsius", "celsius"): 1.0,
    ("kelvin", "celsius"): 1.0,  # only temperature differences (hysteresis) come in kelvin
    ("kelvin", "kelvin"): 1.0,
    ("watt", "watt"): 1.0,
    ("kilowatt", "watt"): 1000.0,
    ("kilowatt", "kwatt"): 1.0,
    ("watt", "kwatt"): 0.001,
    ("ampere", "amp"): 1.0,
    ("liter/hour", "litreh"): 1.0,
    ("liter", "litreh"): 1.0,  # older firmware labels the same l/h value "liter" (PyViCare #303)
    ("kilowattHour", "kwatth"): 1.0,
    ("wattHour", "kwatth"): 0.001,
    ("hour", "h"): 1.0,
    ("seconds", "h"): 1 / 3600,
    ("revolutionsPerSecond", "rothz"): 1.0,
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
) -> Metric:
    """One row named ``<measurement without hp_>.<field>``."""
    name = f"{spec.name.removeprefix('hp_')}.{field}"
    return Metric(name, spec.name, field, feature, prop, read, component, getter=getter, index=index)


def _temperature(
    sensor: str, feature: str, getter: str | None = None, component: Component = Component.DEVICE, prop: str = "value"
) -> Metric:
    return Metric(
        f"temperature.{sensor}",
        HP_TEMPERATURE.name,
        "value",
        feature,
        prop=prop,
        component=component,
        tags=((TAG_SENSOR, sensor),),
        getter=getter,
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


def _arrays(usage: str, feature: str) -> tuple[Metric, ...]:
    """Current period (element 0) of the day/week/month/year arrays of ``heating.power.consumption.<usage>``."""
    periods = {"current_day": "day", "current_week": "week", "current_month": "month", "current_year": "year"}
    return tuple(
        Metric(
            f"energy.electric.{usage}.{field}",
            HP_ENERGY_SUMMARY.name,
            field,
            feature,
            prop=prop,
            index=0,
            tags=((TAG_KIND, "electric"), (TAG_USAGE, usage)),
        )
        for field, prop in periods.items()
    )


def _efficiency(kind: str, usage: str, feature: str, getter: str) -> Metric:
    tags = ((TAG_KIND, kind), (TAG_USAGE, usage))
    return Metric(f"efficiency.{kind}.{usage}", HP_EFFICIENCY.name, "value", feature, tags=tags, getter=getter)


_C, _K, _I = Component.CIRCUIT, Component.COMPRESSOR, Component.INVERTER
_COMPRESSOR = "heating.compressors.{id}"
_CIRCUIT = "heating.circuits.{id}"
_LOAD_CLASSES = ("One", "Two", "Three", "Four", "Five")

METRICS: tuple[Metric, ...] = (
    # --- temperatures ---------------------------------------------------------------------------------
    _temperature("outside", "heating.sensors.temperature.outside", "getOutsideTemperature"),
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
    _temperature("dhw", "heating.dhw.sensors.temperature.dhwCylinder", "getDomesticHotWaterStorageTemperature"),
    _temperature("dhw", "heating.dhw.sensors.temperature.hotWaterStorage"),  # deprecated name (200-S E8NEV)
    _temperature("dhw_target", "heating.dhw.temperature.main", "getDomesticHotWaterConfiguredTemperature"),
    _temperature("dhw_hysteresis", "heating.dhw.temperature.hysteresis", "getDomesticHotWaterHysteresis"),
    _temperature("circuit_supply", "heating.circuits.{id}.sensors.temperature.supply", "getSupplyTemperature", _C),
    _temperature("circuit_target_supply", "heating.circuits.{id}.temperature", "getTargetTemperature", _C),
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
    # --- inverter ------------------------------------------------------------------------------------
    _row(HP_INVERTER, "power", "heating.inverters.{id}.sensors.power.output", getter="getPower", component=_I),
    _row(HP_INVERTER, "current", "heating.inverters.{id}.sensors.power.current", getter="getCurrent", component=_I),
    # --- hydraulics ----------------------------------------------------------------------------------
    _row(HP_HYDRAULICS, "volumetric_flow", "heating.sensors.volumetricFlow.allengra", getter="getVolumetricFlowReturn"),
    _row(HP_HYDRAULICS, "supply_pressure", "heating.sensors.pressure.supply", getter="getSupplyPressure"),
    _row(HP_HYDRAULICS, "valve_position", "heating.valves.fourThreeWay.position", read=Read.TEXT),
    _row(HP_HYDRAULICS, "defrost", "heating.outdoor.defrosting", "active", Read.FLAG),
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
    # --- domestic hot water --------------------------------------------------------------------------
    _row(
        HP_DHW,
        "operating_mode",
        "heating.dhw.operating.modes.active",
        read=Read.TEXT,
        getter="getDomesticHotWaterActiveOperatingMode",
    ),
    _row(HP_DHW, "active", "heating.dhw", "status", Read.FLAG, "getDomesticHotWaterActive"),
    # --- energy: electric (device-metered), heat produced (raw, PyViCare #801), heating rod --------------
    *_summaries("electric", "heating", "heating.power.consumption.summary.heating"),
    *_summaries("electric", "dhw", "heating.power.consumption.summary.dhw"),
    *_summaries("electric", "cooling", "heating.power.consumption.summary.cooling"),
    *_arrays("total", "heating.power.consumption.total"),
    *_summaries("heat", "heating", "heating.heat.production.summary.heating"),
    *_summaries("heat", "dhw", "heating.heat.production.summary.dhw"),
    *_summaries("heat", "cooling", "heating.heat.production.summary.cooling"),
    *_summaries("heating_rod", "heating", "heating.heatingRod.power.consumption.summary.heating"),
    *_summaries("heating_rod", "dhw", "heating.heatingRod.power.consumption.summary.dhw"),
    # --- the device's own efficiency figures --------------------------------------------------------------
    _efficiency("spf", "heating", "heating.spf.heating", "getSeasonalPerformanceFactorHeating"),
    _efficiency("spf", "dhw", "heating.spf.dhw", "getSeasonalPerformanceFactorDHW"),
    _efficiency("spf", "total", "heating.spf.total", "getSeasonalPerformanceFactorTotal"),
    _efficiency("cop", "heating", "heating.cop.heating", "getCoefficientOfPerformanceHeating"),
    _efficiency("cop", "dhw", "heating.cop.dhw", "getCoefficientOfPerformanceDHW"),
    _efficiency("cop", "total", "heating.cop.total", "getCoefficientOfPerformanceTotal"),
    _efficiency("cop", "cooling", "heating.cop.cooling", "getCoefficientOfPerformanceCooling"),
    # --- heating rod -------------------------------------------------------------------------------------
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
