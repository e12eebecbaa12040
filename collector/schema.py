"""The schema contract: every InfluxDB measurement, tag, field and unit this project writes or reads.

Everything else imports names from here. docs/schema.md is checked against this module, and every Flux task
and generated dashboard is checked to reference only what is declared here (tests/test_schema.py).

Conventions
- Raw readings go to the raw bucket, timestamped by the collector in UTC at the moment of sampling
  (Shelly 1-minute history: the start of the minute, as the device stamps it). Viessmann ``hp_*`` points
  carry the feature's own timestamp (when the gateway last reported the value) and are written once per
  timestamp: a steady value has no new points, so query them with a long range and ``last()``.
- Units live in field declarations, not in field names. Energies in the raw bucket are Wh (Shelly counters)
  or kWh (Viessmann summaries); derived energies are kWh.
- Rollups keep the raw measurement's tags and fields, add the tag ``agg`` and are named
  ``<measurement>_1m`` / ``<measurement>_1h`` in the rollup bucket.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum


class Bucket(StrEnum):
    RAW = "raw"
    ROLLUP = "rollup"


class Kind(StrEnum):
    FLOAT = "float"
    INT = "int"
    BOOL = "bool"
    STRING = "string"


class Rollup(StrEnum):
    """How a field is rolled up: statistics for gauges, last value for counters and states."""

    NONE = "none"
    STATS = "stats"  # mean, min, max
    LAST = "last"


@dataclass(frozen=True)
class FieldSpec:
    name: str
    unit: str  # Grafana unit id where one exists ("watt", "celsius", ...), "none" for dimensionless
    kind: Kind
    description: str
    rollup: Rollup = Rollup.NONE


@dataclass(frozen=True)
class MeasurementSpec:
    name: str
    bucket: Bucket
    tags: tuple[str, ...]
    fields: tuple[FieldSpec, ...]
    description: str
    tag_values: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def field(self, name: str) -> FieldSpec:
        for spec in self.fields:
            if spec.name == name:
                return spec
        raise KeyError(f"{self.name} has no field {name!r}")

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(spec.name for spec in self.fields)

    @property
    def rolled_up(self) -> bool:
        return any(spec.rollup is not Rollup.NONE for spec in self.fields)


def _f(name: str, unit: str, description: str, kind: Kind = Kind.FLOAT, rollup: Rollup = Rollup.NONE) -> FieldSpec:
    return FieldSpec(name, unit, kind, description, rollup)


def _gauge(name: str, unit: str, description: str) -> FieldSpec:
    return FieldSpec(name, unit, Kind.FLOAT, description, Rollup.STATS)


def _last(name: str, unit: str, description: str, kind: Kind = Kind.FLOAT) -> FieldSpec:
    return FieldSpec(name, unit, kind, description, Rollup.LAST)


def _count(name: str, description: str) -> FieldSpec:
    """An integer gauge (calls, queue depth): rolled up with mean/min/max, stored as floats in the rollups."""
    return FieldSpec(name, "none", Kind.INT, description, Rollup.STATS)


# --- tags ---------------------------------------------------------------------------------------------
TAG_DEVICE = "device"  # Shelly device id or Viessmann gateway serial/device id
TAG_PHASE = "phase"  # a, b, c, total
TAG_SENSOR = "sensor"
TAG_CIRCUIT = "circuit"  # heating-circuit id as the device names it (not always 0)
TAG_COMPRESSOR = "compressor"
TAG_INVERTER = "inverter"
TAG_USAGE = "usage"  # heating, dhw, cooling, total (unsplit: energy_daily electric of unknown split)
TAG_KIND = "kind"
TAG_SOURCE = "source"  # heat source quality label, or collector source name in health
TAG_CATEGORY = "category"  # combined, running, heating, dhw
TAG_PERIOD = "period"  # ytd, rolling365, season
TAG_BOUNDARY = "boundary"  # SEPEMO H1..H4
TAG_STATUS = "status"  # full, provisional
TAG_ESTIMATE = "estimate"  # "true" on forecasts and estimated heat
TAG_AGG = "agg"  # rollups: mean, min, max, last
TAG_CODE = "code"
TAG_PRIORITY = "priority"
TAG_REASON = "reason"  # why a device value was rejected (REJECT_REASONS)
TAG_SEASON = "season"  # heating season, "2026/27" (or "2026" when it starts in January)
TAG_OUTSIDE_BIN = "outside_bin"  # lower edge of a 1 K outside-temperature bin, °C
TAG_FLOW_BIN = "flow_bin"  # lower edge of a 5 K flow-temperature bin, °C, or "all"
TAG_BURNER = "burner"  # gas burner id of a hybrid as the device names it

PHASES = ("a", "b", "c", "total")
HEAT_SOURCES = ("device", "dt_flow", "estimate")  # best first, methodology §8
AGGS = ("mean", "min", "max", "last")

# --- the meter's physical limits: the counter rule (collector/metrics/counter.py, energy_minute.flux) ---------
COUNTER_DROP_TOLERANCE_WH = 0.01  # counters have 2 decimals: a smaller drop is rounding, not a reset
METER_VOLTAGE_MAX_V = 253.0  # 230 V + 10 % (EN 50160)
METER_BOUND_MARGIN = 1.2  # over the rated current: what a counter may rise by before it counts as a jump


def meter_max_power_w(rated_current_a: float, phases: int = 3) -> float:
    """The most a meter's counter can carry: phases x rated current x highest voltage, with a margin, W."""
    return phases * rated_current_a * METER_VOLTAGE_MAX_V * METER_BOUND_MARGIN


# --- raw: Shelly Pro 3EM ------------------------------------------------------------------------------
SHELLY_POWER = MeasurementSpec(
    "shelly_power",
    Bucket.RAW,
    (TAG_DEVICE, TAG_PHASE),
    (
        _gauge("power", "watt", "Active power, signed (negative = export or reversed CT)."),
        _gauge("apparent_power", "voltamp", "Apparent power."),
        _gauge("voltage", "volt", "RMS voltage (not on phase=total)."),
        _gauge("current", "amp", "RMS current."),
        _gauge("pf", "none", "Power factor (not on phase=total)."),
        _gauge("freq", "hertz", "Grid frequency (not on phase=total)."),
        _gauge("neutral_current", "amp", "Neutral current, phase=total only, when a neutral CT is fitted."),
    ),
    "Live electrical values of the heat pump's supply, sampled every 10 s.",
    {TAG_PHASE: PHASES},
)
SHELLY_ENERGY = MeasurementSpec(
    "shelly_energy",
    Bucket.RAW,
    (TAG_DEVICE, TAG_PHASE),
    (
        _last("imported", "watth", "Cumulative imported active energy (device counter, resets possible)."),
        _last("exported", "watth", "Cumulative exported active energy (device counter)."),
    ),
    "Energy counters of EMData.GetStatus, sampled with the power values.",
    {TAG_PHASE: PHASES},
)
SHELLY_ENERGY_MINUTE = MeasurementSpec(
    "shelly_energy_minute",
    Bucket.RAW,
    (TAG_DEVICE, TAG_PHASE),
    (
        _f("imported", "watth", "Imported active energy within the minute."),
        _f("exported", "watth", "Exported active energy within the minute."),
        _f("min_power", "watt", "Lowest active power within the minute."),
        _f("max_power", "watt", "Highest active power within the minute."),
        _f("avg_voltage", "volt", "Mean voltage within the minute (not on phase=total)."),
        _f("avg_current", "amp", "Mean current within the minute."),
    ),
    "The device's own 1-minute records (EMData.GetData), stamped at the start of the minute; "
    "written by backfill for sampling gaps.",
    {TAG_PHASE: PHASES},
)
SHELLY_EVENT = MeasurementSpec(
    "shelly_event",
    Bucket.RAW,
    (TAG_DEVICE, TAG_KIND),
    (
        _f("before", "watth", "Counter before the event: total import (export: the phase's export at start)."),
        _f("after", "watth", "Counter after the event: total import (export: the phase's export now)."),
        _f("message", "none", "What happened, in words.", Kind.STRING),
    ),
    "Counter resets, reboots and profile changes of the meter; export: a phase feeds energy back (a current "
    "clamp the wrong way round), once per phase and collector run.",
    {TAG_KIND: ("counter_reset", "reboot", "profile_change", "export")},
)

# --- raw: Viessmann ------------------------------------------------------------------------------------
HP_TEMPERATURE = MeasurementSpec(
    "hp_temperature",
    Bucket.RAW,
    (TAG_DEVICE, TAG_SENSOR, TAG_CIRCUIT),
    (_gauge("value", "celsius", "Temperature."),),
    "Temperatures reported by the heat pump; circuit tag only on per-circuit sensors.",
    {
        TAG_SENSOR: (
            "outside",
            "supply",
            "return",
            "primary_supply",
            "primary_return",
            "secondary_supply",
            "secondary_return",
            "buffer",
            "buffer_top",
            "dhw",
            "dhw_outlet",
            "dhw_charging_supply",
            "dhw_charging_return",
            "dhw_target",
            "dhw_hysteresis",
            "circuit_supply",
            "circuit_target_supply",
            "room",
        )
    },
)
HP_COMPRESSOR = MeasurementSpec(
    "hp_compressor",
    Bucket.RAW,
    (TAG_DEVICE, TAG_COMPRESSOR),
    (
        _last("active", "bool", "Compressor running (1) or not (0).", Kind.INT),
        _last("phase", "none", "Compressor phase as the device names it.", Kind.STRING),
        _gauge("speed", "rothz", "Compressor speed (E3), rev/s."),
        _gauge("modulation", "percent", "Compressor modulation (legacy models)."),
        _last("starts", "none", "Cumulative compressor starts.", Kind.INT),
        _last("hours", "h", "Cumulative compressor run hours."),
        _last("hours_load_class_1", "h", "Run hours in load class 1."),
        _last("hours_load_class_2", "h", "Run hours in load class 2."),
        _last("hours_load_class_3", "h", "Run hours in load class 3."),
        _last("hours_load_class_4", "h", "Run hours in load class 4."),
        _last("hours_load_class_5", "h", "Run hours in load class 5."),
        _gauge(
            "heat_production",
            "watt",
            "Current heat output per compressor (device-reported; whole unit if one compressor).",
        ),
        _gauge(
            "power_consumption",
            "watt",
            "Current electric input per compressor (device-reported; whole unit if one compressor).",
        ),
        _last("rated_power", "kwatt", "Rated compressor power (API, else settings)."),
    ),
    "Compressor state and statistics; compressor id from the device.",
)
HP_INVERTER = MeasurementSpec(
    "hp_inverter",
    Bucket.RAW,
    (TAG_DEVICE, TAG_INVERTER),
    (
        _gauge("power", "watt", "Inverter output power."),
        _gauge("current", "amp", "Inverter current."),
    ),
    "Inverter sensors (E3 models).",
)
HP_HYDRAULICS = MeasurementSpec(
    "hp_hydraulics",
    Bucket.RAW,
    (TAG_DEVICE,),
    (
        _gauge("volumetric_flow", "litreh", "Volumetric flow, l/h (whatever unit label the device sends)."),
        _gauge("supply_pressure", "pressurebar", "Heating water pressure."),
        _last("valve_position", "none", "4/3-way valve position.", Kind.STRING),
        _last("defrost", "bool", "Defrost active (1) or not (0).", Kind.INT),
        _last("dhw_charging", "bool", "Hot-water charging active.", Kind.INT),
        _last("dhw_pump", "bool", "Hot-water primary pump on.", Kind.INT),
        _last("circulation_pump", "bool", "Hot-water circulation pump on.", Kind.INT),
        _gauge("fan_0_speed", "percent", "Speed of the outdoor unit's first fan (primary circuit, E3)."),
        _gauge("fan_1_speed", "percent", "Speed of the outdoor unit's second fan (primary circuit, E3)."),
        _gauge("internal_pump_speed", "percent", "Speed of the internal (secondary) circulation pump."),
        _gauge("secondary_valve_position", "percent", "Position of the secondary circuit's 4/3-way valve."),
        _gauge("primary_pump_speed", "percent", "Speed of the primary (brine or air-side) circuit pump."),
        _last(
            "secondary_circuit_state",
            "none",
            "What the heating-water side does now as the device names it (heating, standby, off, …).",
            Kind.STRING,
        ),
    ),
    "Hydraulic states of the installation.",
)
HP_CIRCUIT = MeasurementSpec(
    "hp_circuit",
    Bucket.RAW,
    (TAG_DEVICE, TAG_CIRCUIT),
    (
        _last("operating_mode", "none", "Active operating mode.", Kind.STRING),
        _last("program", "none", "Active program.", Kind.STRING),
        _last("pump", "bool", "Circuit pump on.", Kind.INT),
        _last("target_temperature", "celsius", "Desired room temperature of the active program."),
        _last("curve_slope", "none", "Heating curve slope."),
        _last("curve_shift", "kelvin", "Heating curve shift."),
        _last("comfort_cooling_temperature", "celsius", "Room set point of the comfort cooling program."),
        _last("normal_cooling_temperature", "celsius", "Room set point of the normal cooling program."),
        _last("reduced_cooling_temperature", "celsius", "Room set point of the reduced cooling program."),
    ),
    "Per heating circuit state and settings.",
)
HP_DHW = MeasurementSpec(
    "hp_dhw",
    Bucket.RAW,
    (TAG_DEVICE,),
    (
        _last("operating_mode", "none", "Active hot-water mode.", Kind.STRING),
        _last("active", "bool", "Hot-water preparation enabled.", Kind.INT),
        _last("one_time_charge", "bool", "A one-time hot-water charge requested by hand is running.", Kind.INT),
        _gauge(
            "anode_current",
            "mamp",
            "Protection current of the cylinder's impressed-current anode; near 0 means no corrosion protection.",
        ),
    ),
    "Domestic hot water state.",
)
HP_ENERGY_SUMMARY = MeasurementSpec(
    "hp_energy_summary",
    Bucket.RAW,
    (TAG_DEVICE, TAG_KIND, TAG_USAGE),
    (
        _last("current_day", "kwatth", "Energy so far today (device day counter, resets at midnight)."),
        _last("current_week", "kwatth", "Energy so far this week."),
        _last("current_month", "kwatth", "Energy so far this month."),
        _last("current_year", "kwatth", "Energy so far this year."),
        _last("last_seven_days", "kwatth", "Energy of the last seven days."),
        _last("last_month", "kwatth", "Energy of the last month."),
        _last("last_year", "kwatth", "Energy of the last year."),
    ),
    "Device-reported energy summaries: kind=electric (consumption), heat (production), heating_rod "
    "(the heating rod's electricity) or gas (a hybrid's gas burner, kWh as the device reports it). Summary "
    "features give the period fields; a usage reported only as day/week/month/year arrays gives current_day, "
    "current_week, current_month and current_year (element 0 of each array). A one-compressor unit that reports "
    "this week's energy only per compressor (heating.compressors.0.*.week, Vitocal 333-G) gives current_week alone.",
    {TAG_KIND: ("electric", "heat", "heating_rod", "gas"), TAG_USAGE: ("heating", "dhw", "cooling", "total")},
)
HP_EFFICIENCY = MeasurementSpec(
    "hp_efficiency",
    Bucket.RAW,
    (TAG_DEVICE, TAG_KIND, TAG_USAGE),
    (_last("value", "none", "Device-reported SPF (E3) or COP (legacy)."),),
    "The device's own efficiency figures, kept beside ours (mixed boundary).",
    {TAG_KIND: ("spf", "cop"), TAG_USAGE: ("heating", "dhw", "cooling", "total")},
)
HP_HEATING_ROD = MeasurementSpec(
    "hp_heating_rod",
    Bucket.RAW,
    (TAG_DEVICE,),
    (
        _last("active", "bool", "Heating rod on.", Kind.INT),
        _last("starts", "none", "Cumulative heating-rod starts.", Kind.INT),
        _last("hours", "h", "Cumulative heating-rod hours."),
        _last("hours_level_1", "h", "Cumulative heating-rod run time on level one (legacy models)."),
        _last("hours_level_2", "h", "Cumulative heating-rod run time on level two (legacy models)."),
        _gauge("power", "watt", "Current heating-rod power."),
        _last("energy_day", "kwatth", "Heating-rod energy so far today (device day counter)."),
        _last("energy_year", "kwatth", "Heating-rod energy so far this year."),
    ),
    "Auxiliary (electric) heater.",
)
HP_BURNER = MeasurementSpec(
    "hp_burner",
    Bucket.RAW,
    (TAG_DEVICE, TAG_BURNER),
    (
        _last("active", "bool", "Gas burner firing (1) or not (0).", Kind.INT),
        _gauge("modulation", "percent", "Burner modulation."),
        _last("hours", "h", "Cumulative burner run hours."),
        _last("starts", "none", "Cumulative burner starts.", Kind.INT),
    ),
    "The gas burner of a hybrid heat pump (Vitocaldens and others): its heat is not heat-pump heat.",
)
HP_REFRIGERANT = MeasurementSpec(
    "hp_refrigerant",
    Bucket.RAW,
    (TAG_DEVICE, TAG_COMPRESSOR),
    (
        _gauge("compressor_inlet_temperature", "celsius", "Suction gas temperature at the compressor inlet."),
        _gauge("compressor_outlet_temperature", "celsius", "Hot gas temperature at the compressor outlet."),
        _gauge("compressor_oil_temperature", "celsius", "Compressor oil temperature."),
        _gauge("compressor_motor_temperature", "celsius", "Compressor motor chamber temperature."),
        _gauge("compressor_overheat", "celsius", "Compressor superheat (a difference, labelled celsius by the API)."),
        _gauge("compressor_inlet_pressure", "pressurebar", "Suction pressure at the compressor inlet."),
        _gauge("evaporator_liquid_temperature", "celsius", "Refrigerant liquid temperature at the evaporator."),
        _gauge("evaporator_overheat", "celsius", "Evaporator superheat (a difference, labelled celsius by the API)."),
        _gauge("condenser_liquid_temperature", "celsius", "Refrigerant liquid temperature at the condenser."),
        _gauge("condenser_subcooling", "celsius", "Condenser subcooling (a difference, labelled celsius by the API)."),
        _gauge("economizer_liquid_temperature", "celsius", "Refrigerant liquid temperature at the economizer."),
        _gauge("inverter_temperature", "celsius", "Inverter power module temperature."),
        _gauge("compressor_ambient_temperature", "celsius", "Air temperature around the compressor."),
        _gauge("hot_gas_temperature", "celsius", "Hot gas temperature (device-level sensor)."),
        _gauge("suction_gas_temperature", "celsius", "Suction gas temperature (device-level sensor)."),
        _gauge("liquid_gas_temperature", "celsius", "Refrigerant liquid temperature (device-level sensor)."),
        _gauge("hot_gas_pressure", "pressurebar", "High-side (hot gas) pressure."),
        _gauge("suction_gas_pressure", "pressurebar", "Low-side (suction gas) pressure."),
    ),
    "Refrigerant-cycle sensors, where the model reports them; compressor id from the device (evaporator, "
    "condenser and economizer 0 belong to compressor 0).",
)
HP_POWER = MeasurementSpec(
    "hp_power",
    Bucket.RAW,
    (TAG_DEVICE,),
    (
        _gauge("heat_production", "watt", "Current heat output of the whole heat pump, as the device reports it."),
        _gauge("power_consumption", "watt", "Current electric input of the whole heat pump, as the device reports it."),
    ),
    "Device-level instantaneous power where the model reports no compressor-level figures (the Vitocal 200-A's "
    "system controller: heating.heat.production.current, heating.power.consumption.current).",
)
HP_RESTRICTION = MeasurementSpec(
    "hp_restriction",
    Bucket.RAW,
    (TAG_DEVICE,),
    (
        _last(
            "grid_limitation",
            "none",
            "Grid operator's power limitation (German §14a EnWG) as the device names it; 14aOff = not limited.",
            Kind.STRING,
        ),
        _last("consumption_status", "none", "Status of the device's power-consumption limit report.", Kind.STRING),
        _last(
            "consumption_limit",
            "watt",
            "Electric power the unit is limited to; not written while unlimited (the API sends 0 or 1000000 W).",
        ),
        _last("smart_grid", "none", "SG Ready state the unit is in (normalOperation, …).", Kind.STRING),
        _last("malfunction_lock", "bool", "The unit is locked after a malfunction (1).", Kind.INT),
        _last("external_lock", "bool", "The unit is locked by an external contact (utility lock) (1).", Kind.INT),
    ),
    "What keeps the heat pump from running as it would: the grid operator's limitation, SG Ready, locks. "
    "Written when the feature's timestamp advances, so each change of state is one point.",
)
HP_AUX_HEATER = MeasurementSpec(
    "hp_aux_heater",
    Bucket.RAW,
    (TAG_DEVICE, TAG_COMPRESSOR),
    (
        _last("crankcase", "bool", "Compressor crankcase heater on (compressor tag).", Kind.INT),
        _last("evaporator_base", "bool", "Evaporator base heater on (compressor tag).", Kind.INT),
        _last("condensate_pan", "bool", "Condensate pan heater on.", Kind.INT),
        _last("fan_ring", "bool", "Fan ring heater on.", Kind.INT),
    ),
    "Small electric heaters of the outdoor unit: they draw power while the compressor is idle, so they explain "
    "standby consumption on the meter.",
)
HP_MESSAGE = MeasurementSpec(
    "hp_message",
    Bucket.RAW,
    (TAG_DEVICE, TAG_KIND, TAG_CODE),
    (_f("active", "bool", "1 while the message is reported, 0 once it is gone.", Kind.INT),),
    "Device status (S.xxx) and info (I.xxx) messages, written when the message list's timestamp advances: "
    "1 for every listed message, 0 for a message no longer listed. Errors stay in hp_error.",
    {TAG_KIND: ("status", "info")},
)
HP_ERRORS = MeasurementSpec(
    "hp_errors",
    Bucket.RAW,
    (TAG_DEVICE,),
    (
        _f(
            "count",
            "none",
            "Active device errors; written only when the device exposes its error list.",
            Kind.INT,
        ),
    ),
    "Number of active device errors. No point means unknown, not zero.",
)
HP_ERROR = MeasurementSpec(
    "hp_error",
    Bucket.RAW,
    (TAG_DEVICE, TAG_CODE, TAG_PRIORITY),
    (_f("active", "bool", "1 while the error is reported.", Kind.INT),),
    "One point per active device error per poll.",
)

# --- raw: collector health --------------------------------------------------------------------------------
COLLECTOR_HEALTH = MeasurementSpec(
    "collector_health",
    Bucket.RAW,
    (TAG_SOURCE,),
    (
        _last("last_success", "dateTimeAsIso", "Unix seconds of the last successful poll (source rows)."),
        _count("consecutive_failures", "Failed polls since the last success."),
        _f("state", "none", "ok, failing, backoff, rate_limited, auth_failed, stale.", Kind.STRING),
        _count("calls_24h", "Viessmann API calls in the last 24 h."),
        _count("calls_10min", "Viessmann API calls in the last 10 min."),
        _last("budget_24h", "none", "Viessmann calls allowed per 24 h (our share).", Kind.INT),
        _last("budget_10min", "none", "Viessmann calls allowed per 10 min (our share).", Kind.INT),
        _count("outbox_depth", "Points waiting in the outbox."),
        _last("outbox_dropped", "none", "Oldest points dropped because the outbox was full (cumulative).", Kind.INT),
        _last("dead_letters", "none", "Points InfluxDB rejected (kept in the dead-letter table).", Kind.INT),
        _gauge("write_latency", "ms", "Duration of the last InfluxDB write."),
        _gauge("rss", "bytes", "Resident memory of the collector process."),
        _last("cpu_seconds", "s", "CPU time used by the collector process."),
        _last("rejected", "none", "Device values rejected at the edge since start (source rows).", Kind.INT),
    ),
    "The collector's own health, written every minute. source = shelly, viessmann, writer, process. Rolled up "
    "like the device readings, so the System health dashboard reads a year without a year of minute rows.",
    {TAG_SOURCE: ("shelly", "viessmann", "writer", "process")},
)
REJECT_REASONS = (
    "implausible",  # outside the field's plausibility range (PLAUSIBLE)
    "malformed",  # wrong type, not finite, unparseable
    "timestamp",  # outside the window around the collector's clock (TIME_WINDOW)
    "unit",  # unit label missing or not convertible
    "duplicate",  # a second record for a minute already read
    "history_skipped",  # a device history page that could not be parsed twice: its minutes are skipped
    "device_id",  # a device id unusable as a tag, or a change of device not (yet) confirmed
)
COLLECTOR_REJECTED = MeasurementSpec(
    "collector_rejected",
    Bucket.RAW,
    (TAG_SOURCE, TAG_REASON),
    (_last("count", "none", "Values rejected for this reason since the collector started.", Kind.INT),),
    "Device input rejected at the edge, per source and reason, written with collector_health once a reason occurred.",
    {TAG_SOURCE: ("shelly", "viessmann"), TAG_REASON: REJECT_REASONS},
)

RAW_MEASUREMENTS = (
    SHELLY_POWER,
    SHELLY_ENERGY,
    SHELLY_ENERGY_MINUTE,
    SHELLY_EVENT,
    HP_TEMPERATURE,
    HP_COMPRESSOR,
    HP_INVERTER,
    HP_HYDRAULICS,
    HP_CIRCUIT,
    HP_DHW,
    HP_ENERGY_SUMMARY,
    HP_EFFICIENCY,
    HP_HEATING_ROD,
    HP_BURNER,
    HP_REFRIGERANT,
    HP_POWER,
    HP_RESTRICTION,
    HP_AUX_HEATER,
    HP_ERRORS,
    HP_ERROR,
    HP_MESSAGE,
    COLLECTOR_HEALTH,
    COLLECTOR_REJECTED,
)

# --- rollup bucket: derived series (Flux tasks in influxdb/tasks/, Python twins in collector/metrics/) ---
ROLLUP_INTERVALS = ("1m", "1h")


def rollup_name(raw: MeasurementSpec, interval: str) -> str:
    return f"{raw.name}_{interval}"


def _rollup(raw: MeasurementSpec, interval: str) -> MeasurementSpec:
    # statistics are floats whatever the raw type: a mean of integers is not one, and min/max of the same field
    # must have the same type (InfluxDB keeps one type per field of a measurement)
    fields = tuple(
        replace(spec, kind=Kind.FLOAT) if spec.rollup is Rollup.STATS else spec
        for spec in raw.fields
        if spec.rollup is not Rollup.NONE
    )
    return MeasurementSpec(
        rollup_name(raw, interval),
        Bucket.ROLLUP,
        (*raw.tags, TAG_AGG),
        fields,
        f"{interval} rollup of {raw.name} (agg = mean/min/max for gauges, last for counters and states).",
        {**raw.tag_values, TAG_AGG: AGGS},
    )


ROLLUPS = tuple(_rollup(raw, interval) for raw in RAW_MEASUREMENTS if raw.rolled_up for interval in ROLLUP_INTERVALS)

ENERGY_MINUTE = MeasurementSpec(
    "energy_minute",
    Bucket.ROLLUP,
    (TAG_KIND, TAG_SOURCE),
    (
        _f("wh", "watth", "Energy booked in the minute (an interval's energy goes to the minute of its first sample)."),
        _f("seconds", "s", "Seconds of sampling intervals booked in the minute (coverage)."),
        _f("resets", "none", "Electric only: intervals whose counter dropped, booked from the power samples."),
        _f(
            "clamped",
            "none",
            "Electric only: counter rises above the meter's bound, or device minute records "
            "outside [0, bound], booked from the power samples or clamped.",
        ),
        _f("glitches", "none", "Electric only: single counter samples below their neighbours, skipped."),
        _f("electric_wh", "watth", "Cooling only: the Shelly's energy in the minute (0 without meter data)."),
        _f("electric_seconds", "s", "Cooling only: seconds the Shelly's energy covers in the minute."),
    ),
    "Energy per minute, stamped at the minute start, the base of daily energies and COPs: kind=electric "
    "(source=shelly: counter increments under the counter rule, or the device's backfilled minute; the counts of "
    "resets, clamps and glitches say where the rule stepped in), kind=heat (source=device: compressor "
    "heat output, dt_flow: flow x dT x 1.163, estimate: modulation x rated power), each poll held over the minutes "
    "up to the next one within 15 min. kind=cooling (source=dt_flow): a reversible unit's minute in a cooling "
    "program (hp_circuit program *Cooling*) with negative flow x dT: wh = heat taken out of the rooms (positive); "
    "such a minute has no heat row from any source (cooling is its own category, methodology §2). kind=unsplit "
    "(source=shelly): a metered minute in a cooling program without flow x dT (a Viessmann outage), whose split "
    "into cooling and heating is unknown: wh, seconds = the Shelly's minute.",
    {TAG_KIND: ("electric", "heat", "cooling", "unsplit"), TAG_SOURCE: ("shelly", *HEAT_SOURCES)},
)
_ENERGY_FIELDS = (
    _f("kwh", "kwatth", "Energy in the interval."),
    _f("coverage", "percent", "Share of the interval (so far) covered by data, %."),
    _f("hours", "h", "Hours of the interval covered by data."),
)
_ENERGY_TAGS = {
    TAG_KIND: ("electric", "heat", "heating_rod", "gas"),
    TAG_USAGE: ("total", "heating", "dhw", "cooling", "unsplit"),
    TAG_SOURCE: ("shelly", "device", *HEAT_SOURCES[1:]),
}
ENERGY_DAILY = MeasurementSpec(
    "energy_daily",
    Bucket.ROLLUP,
    (TAG_KIND, TAG_USAGE, TAG_SOURCE),
    _ENERGY_FIELDS,
    "Energy per local day (today so far), stamped at local midnight (UTC instant). source=shelly (electric) and "
    "dt_flow/estimate (heat) sum energy_minute; source=device is the device's day counters (heat, electric and a "
    "hybrid's gas per usage heating/dhw/cooling, total = heating + dhw, for electric + cooling; heating_rod). "
    "usage=cooling (a reversible unit): kind=heat is the heat taken out of the rooms (positive), kind=electric "
    "source=shelly the meter's energy while cooling, which electric/total/shelly includes; hours = cooling hours. "
    "usage=unsplit (electric, shelly): the meter's energy in minutes a cooling program ran without flow x dT data "
    "(energy_minute kind=unsplit), part of electric/total/shelly; the JAZ skips a day with such energy. "
    "Heating figures use electric total - cooling.",
    _ENERGY_TAGS,
)
ENERGY_MONTHLY = MeasurementSpec(
    "energy_monthly",
    Bucket.ROLLUP,
    (TAG_KIND, TAG_USAGE, TAG_SOURCE),
    _ENERGY_FIELDS,
    "Energy per local month, stamped at the month's first local midnight.",
    _ENERGY_TAGS,
)
_COP_FIELDS = (
    _f("cop", "none", "Σheat / Σelectricity over the minutes of the interval that have both inputs."),
    _f("heat_kwh", "kwatth", "Heat in the interval."),
    _f("electric_kwh", "kwatth", "Electricity in the interval."),
    _f("coverage", "percent", "Share of the interval both inputs cover, %."),
)
_COP_TAGS = {TAG_CATEGORY: ("combined", "running"), TAG_SOURCE: HEAT_SOURCES}
COP_30M = MeasurementSpec(
    "cop_30m",
    Bucket.ROLLUP,
    (TAG_CATEGORY, TAG_SOURCE, TAG_BOUNDARY),
    _COP_FIELDS,
    "COP per complete 30-minute window, stamped at the window start, one series per heat source (never mixed); "
    "category=running counts minutes whose mean electric power >= HPM_COP_STARTING_POWER_W; written only with "
    "coverage >= HPM_COP_MIN_COVERAGE and electricity >= HPM_COP_MIN_ELECTRIC_KWH. Limit: source=dt_flow rests on "
    "flow and temperatures the Viessmann API samples about every 2 min, held until the next sample and counted as "
    "covered; one window can be 20 % off the true heat, so read dt_flow per day or summed over many windows "
    "(performance map), where the sampling error averages out (0.1-0.3 % per day against the simulator).",
    _COP_TAGS,
)
COP_DAILY = MeasurementSpec(
    "cop_daily",
    Bucket.ROLLUP,
    (TAG_CATEGORY, TAG_SOURCE, TAG_BOUNDARY),
    _COP_FIELDS,
    "COP per local day (today so far), stamped at local midnight; same rules as cop_30m.",
    _COP_TAGS,
)
_CARNOT_FIELDS = (
    _f("heat_kwh", "kwatth", "Heat of the windows that have a Carnot COP."),
    _f("electric_kwh", "kwatth", "Electricity of those windows."),
    _f("ideal_kwh", "kwatth", "Ideal heat: Σ electricity x Carnot COP of each window's mean flow and outside °C."),
)
_CARNOT_RULE = (
    "Carnot COP = (T_flow + 2 + 273) / ((T_flow + 2) - (T_outside - 6)) from the window's mean supply (flow) and "
    "outside temperature (methodology §6); windows without both temperatures or with a Carnot COP <= 0 are left out "
    "of every sum. % of Carnot over any range = 100 x Σheat_kwh / Σideal_kwh of its rows, never a mean of ratios."
)
CARNOT_30M = MeasurementSpec(
    "carnot_30m",
    Bucket.ROLLUP,
    (TAG_CATEGORY, TAG_SOURCE, TAG_BOUNDARY),
    _CARNOT_FIELDS,
    "Practical-efficiency ingredients per cop_30m window (same tags and stamp), from cop_30m and hp_temperature. "
    + _CARNOT_RULE,
    _COP_TAGS,
)
CARNOT_DAILY = MeasurementSpec(
    "carnot_daily",
    Bucket.ROLLUP,
    (TAG_CATEGORY, TAG_SOURCE, TAG_BOUNDARY),
    _CARNOT_FIELDS,
    "carnot_30m summed per local day (today so far), stamped at local midnight.",
    _COP_TAGS,
)
JAZ = MeasurementSpec(
    "jaz",
    Bucket.ROLLUP,
    (TAG_PERIOD, TAG_SOURCE, TAG_BOUNDARY, TAG_STATUS),
    (
        _f("jaz", "none", "Σheat / Σelectricity outside cooling over the period (SPF)."),
        _f("heat_kwh", "kwatth", "Heat in the period."),
        _f("electric_kwh", "kwatth", "Electricity in the period."),
        _f("coverage", "percent", "Time both energies covered on the counted days / time of the period so far, %."),
        _f("days", "d", "Complete days counted in the period.", Kind.INT),
    ),
    "Annual performance factor over complete local days (finished, both energies covering >= "
    "HPM_COP_MIN_COVERAGE of the day) that have both heat (source device or dt_flow, never the estimate) and "
    "Shelly electricity (minus the day's cooling electricity; a day with energy_daily usage=unsplit electricity "
    "is not counted), stamped at today's local midnight; status=full above 330 days of covered time, else "
    "provisional.",
    {TAG_PERIOD: ("ytd", "rolling365", "season"), TAG_STATUS: ("full", "provisional")},
)
JAZ_FORECAST = MeasurementSpec(
    "jaz_forecast",
    Bucket.ROLLUP,
    (TAG_PERIOD, TAG_SOURCE, TAG_BOUNDARY, TAG_ESTIMATE),
    (
        _f("jaz", "none", "Forecast full-year SPF from the year so far."),
        _f("heat_kwh", "kwatth", "Forecast heat for the full year."),
        _f("electric_kwh", "kwatth", "Forecast electricity for the full year."),
    ),
    "Full-year forecast, always tagged estimate=true, never mixed with actuals: the year so far plus last year's "
    "rest of the year when it covers >= HPM_COP_MIN_COVERAGE of those days, else the year so far scaled linearly.",
    {TAG_PERIOD: ("year",), TAG_ESTIMATE: ("true",)},
)
DEVICE_CROSSCHECK = MeasurementSpec(
    "device_crosscheck",
    Bucket.ROLLUP,
    (TAG_BOUNDARY,),
    (
        _f("electric_ratio", "none", "Device-reported electric kWh / Shelly kWh per local day."),
        _f("device_electric_kwh", "kwatth", "Device-reported electricity of the day."),
        _f("shelly_electric_kwh", "kwatth", "Shelly electricity of the day."),
    ),
    "Daily cross-check of the device's electricity against the meter (mixed boundary; the tag is the Shelly's).",
)

PERFORMANCE_MAP = MeasurementSpec(
    "performance_map",
    Bucket.ROLLUP,
    (TAG_CATEGORY, TAG_SOURCE, TAG_BOUNDARY, TAG_SEASON, TAG_OUTSIDE_BIN, TAG_FLOW_BIN),
    (
        _f("cop", "none", "Σheat / Σelectricity of the bin's 30-minute windows."),
        _f("heat_kwh", "kwatth", "Heat of the bin's windows."),
        _f("electric_kwh", "kwatth", "Electricity of the bin's windows."),
        _f("hours", "h", "Hours behind the bin (its 30-minute windows x 0.5)."),
        _f("flow_c", "celsius", "Heat-weighted mean supply temperature of the bin's windows (when reported)."),
    ),
    "COP per heating season binned by the window's mean outside temperature (1 K, outside_bin = lower edge) and "
    "mean supply temperature (5 K, flow_bin = lower edge; all = every flow temperature), from cop_30m and "
    "hp_temperature, one series per heat source and category, stamped at the season's first local midnight.",
    {TAG_CATEGORY: ("combined", "running"), TAG_SOURCE: HEAT_SOURCES},
)

CYCLING_MAP = MeasurementSpec(
    "cycling_map",
    Bucket.ROLLUP,
    (TAG_BOUNDARY, TAG_SEASON, TAG_OUTSIDE_BIN),
    (
        _f("hours", "h", "Hours with Shelly minutes in the bin."),
        _f("starts", "none", "Compressor starts: a minute at or above HPM_COP_STARTING_POWER_W after one below."),
        _f("run_hours", "h", "Hours at or above the starting power."),
    ),
    "Cycling per heating season by the hour's mean outside temperature (1 K, outside_bin = lower edge), from "
    "energy_minute (Shelly) and hp_temperature, stamped at the season's first local midnight: starts per hour = "
    "starts / hours, run time per start = run_hours / starts.",
)
DEFROST_DAILY = MeasurementSpec(
    "defrost_daily",
    Bucket.ROLLUP,
    (TAG_BOUNDARY,),
    (
        _f(
            "count",
            "none",
            "Defrost cycles seen in the data: supply below return while the Shelly shows the unit running.",
        ),
        _f("api_count", "none", "Defrost cycles the device's flag (hp_hydraulics.defrost) reported."),
        _f("minutes", "m", "Minutes in defrost."),
        _f("electric_kwh", "kwatth", "Shelly electricity during the defrosts."),
        _f("heat_kwh", "kwatth", "Heat taken back from the heating water (flow x (return - supply) x 1.163)."),
        _f("share", "percent", "Defrost electricity / the day's Shelly electricity, %."),
    ),
    "Defrost cycles per local day (today so far), stamped at local midnight: a minute is in defrost when the "
    "return is at least 0.5 K above the supply (the cycle runs reversed, taking heat from the water) while the "
    "mean Shelly power is at or above HPM_COP_STARTING_POWER_W; a cycle is a run of such minutes.",
)

DERIVED_MEASUREMENTS = (
    ENERGY_MINUTE,
    ENERGY_DAILY,
    ENERGY_MONTHLY,
    COP_30M,
    COP_DAILY,
    CARNOT_30M,
    CARNOT_DAILY,
    JAZ,
    JAZ_FORECAST,
    DEVICE_CROSSCHECK,
    PERFORMANCE_MAP,
    DEFROST_DAILY,
    CYCLING_MAP,
)

ALL_MEASUREMENTS: tuple[MeasurementSpec, ...] = RAW_MEASUREMENTS + ROLLUPS + DERIVED_MEASUREMENTS
BY_NAME: dict[str, MeasurementSpec] = {spec.name: spec for spec in ALL_MEASUREMENTS}


def measurement(name: str) -> MeasurementSpec:
    try:
        return BY_NAME[name]
    except KeyError:
        raise KeyError(f"measurement {name!r} is not declared in collector/schema.py") from None


def unit_of(measurement_name: str, field_name: str) -> str:
    return measurement(measurement_name).field(field_name).unit


# --- plausibility: the edge of the contract ------------------------------------------------------------
@dataclass(frozen=True)
class Plausible:
    """Where a device value must lie, in its field's schema unit, to be written; anything else is rejected."""

    low: float
    high: float
    zero_ok: bool = False  # 0 reads "nothing measured" (a dead phase has no frequency)

    def admits(self, value: float) -> bool:
        return self.low <= value <= self.high or (self.zero_ok and value == 0)


# Bounds are generous physical limits of a house supply and a heat pump, not alarm thresholds: they catch
# corrupted readings (power factor 7.5, 10^12 W, a sensor's -3276.8 °C), never an unusual but real value.
_POWER_W = Plausible(-150_000, 150_000)  # 3 x 63 A x 400 V, with margin
_CURRENT_A = Plausible(0, 1000)
_VOLTAGE_V = Plausible(0, 500)
_COUNTER_WH = Plausible(0, 1e11)
_HOURS = Plausible(0, 1e6)
_KWH = Plausible(0, 1e7)
_TEMPERATURE_C = Plausible(-60, 150)
PLAUSIBLE: dict[tuple[str, str], Plausible] = {
    (SHELLY_POWER.name, "power"): _POWER_W,
    (SHELLY_POWER.name, "apparent_power"): Plausible(0, 150_000),
    (SHELLY_POWER.name, "voltage"): _VOLTAGE_V,
    (SHELLY_POWER.name, "current"): _CURRENT_A,
    (SHELLY_POWER.name, "pf"): Plausible(-1, 1),
    (SHELLY_POWER.name, "freq"): Plausible(40, 70, zero_ok=True),
    (SHELLY_POWER.name, "neutral_current"): _CURRENT_A,
    (SHELLY_ENERGY.name, "imported"): _COUNTER_WH,
    (SHELLY_ENERGY.name, "exported"): _COUNTER_WH,
    (SHELLY_ENERGY_MINUTE.name, "imported"): Plausible(0, 2_500),  # 150 kW for one minute
    (SHELLY_ENERGY_MINUTE.name, "exported"): Plausible(0, 2_500),
    (SHELLY_ENERGY_MINUTE.name, "min_power"): _POWER_W,
    (SHELLY_ENERGY_MINUTE.name, "max_power"): _POWER_W,
    (SHELLY_ENERGY_MINUTE.name, "avg_voltage"): _VOLTAGE_V,
    (SHELLY_ENERGY_MINUTE.name, "avg_current"): _CURRENT_A,
    (SHELLY_EVENT.name, "before"): _COUNTER_WH,
    (SHELLY_EVENT.name, "after"): _COUNTER_WH,
    (HP_TEMPERATURE.name, "value"): _TEMPERATURE_C,
    (HP_COMPRESSOR.name, "speed"): Plausible(0, 1000),
    (HP_COMPRESSOR.name, "modulation"): Plausible(0, 100),
    (HP_COMPRESSOR.name, "starts"): Plausible(0, 1e8),
    (HP_COMPRESSOR.name, "hours"): _HOURS,
    **{(HP_COMPRESSOR.name, f"hours_load_class_{i}"): _HOURS for i in range(1, 6)},
    (HP_COMPRESSOR.name, "heat_production"): Plausible(0, 1e6),
    (HP_COMPRESSOR.name, "power_consumption"): Plausible(0, 1e6),
    (HP_COMPRESSOR.name, "rated_power"): Plausible(0, 1000),
    (HP_POWER.name, "heat_production"): Plausible(0, 1e6),
    (HP_RESTRICTION.name, "consumption_limit"): Plausible(0, 1e6),
    (HP_DHW.name, "anode_current"): Plausible(0, 1000),
    (HP_POWER.name, "power_consumption"): Plausible(0, 1e6),
    (HP_INVERTER.name, "power"): Plausible(-1e6, 1e6),
    (HP_INVERTER.name, "current"): Plausible(-1000, 1000),
    (HP_HYDRAULICS.name, "volumetric_flow"): Plausible(0, 100_000),
    (HP_HYDRAULICS.name, "supply_pressure"): Plausible(-1, 20),
    (HP_CIRCUIT.name, "target_temperature"): Plausible(-60, 150),
    (HP_CIRCUIT.name, "curve_slope"): Plausible(0, 10),
    (HP_CIRCUIT.name, "curve_shift"): Plausible(-50, 50),
    **{(HP_ENERGY_SUMMARY.name, spec.name): _KWH for spec in HP_ENERGY_SUMMARY.fields},
    (HP_EFFICIENCY.name, "value"): Plausible(0, 20),
    (HP_HEATING_ROD.name, "starts"): Plausible(0, 1e8),
    (HP_HEATING_ROD.name, "hours"): _HOURS,
    (HP_HEATING_ROD.name, "hours_level_1"): _HOURS,
    (HP_HEATING_ROD.name, "hours_level_2"): _HOURS,
    (HP_HEATING_ROD.name, "power"): Plausible(0, 1e5),
    (HP_HEATING_ROD.name, "energy_day"): _KWH,
    (HP_HEATING_ROD.name, "energy_year"): _KWH,
    (HP_ERRORS.name, "count"): Plausible(0, 10_000),
}


@dataclass(frozen=True)
class Rise:
    """How fast a cumulative device counter can grow: ``per_hour`` of elapsed time plus ``slack`` (rounding)."""

    per_hour: float
    slack: float


# Cumulative device counters: never down, never faster than physics allows. A value that breaks this is a
# corrupted answer until several answers in a row agree on it (a replaced controller board).
_RUN_HOURS = Rise(1.0, 1.0)  # an hour per hour; the device rounds to whole hours
_STARTS = Rise(60.0, 2.0)  # at most a start a minute
CUMULATIVE: dict[tuple[str, str], Rise] = {
    (HP_COMPRESSOR.name, "starts"): _STARTS,
    (HP_COMPRESSOR.name, "hours"): _RUN_HOURS,
    **{(HP_COMPRESSOR.name, f"hours_load_class_{i}"): _RUN_HOURS for i in range(1, 6)},
    (HP_HEATING_ROD.name, "starts"): _STARTS,
    (HP_HEATING_ROD.name, "hours"): _RUN_HOURS,
    (HP_HEATING_ROD.name, "hours_level_1"): _RUN_HOURS,
    (HP_HEATING_ROD.name, "hours_level_2"): _RUN_HOURS,
}
# Device timestamps are accepted from TIME_WINDOW[0] seconds before to TIME_WINDOW[1] after the collector's
# clock: a feature last reported years ago is real, one from the future blocks its series and 9999 cannot be
# stored at all.
TIME_WINDOW = (20 * 366 * 86400.0, 3600.0)
# A tag value a device sends (its id): what an id looks like, never empty, no line breaks or control characters.
DEVICE_TAG_PATTERN = r"[A-Za-z0-9][A-Za-z0-9_.:/@-]{0,127}"


def plausible(measurement_name: str, field_name: str) -> Plausible | None:
    return PLAUSIBLE.get((measurement_name, field_name))
