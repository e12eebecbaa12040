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

from dataclasses import dataclass, field
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


# --- tags ---------------------------------------------------------------------------------------------
TAG_DEVICE = "device"  # Shelly device id or Viessmann gateway serial/device id
TAG_PHASE = "phase"  # a, b, c, total
TAG_SENSOR = "sensor"
TAG_CIRCUIT = "circuit"  # heating-circuit id as the device names it (not always 0)
TAG_COMPRESSOR = "compressor"
TAG_INVERTER = "inverter"
TAG_USAGE = "usage"  # heating, dhw, cooling, total
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

PHASES = ("a", "b", "c", "total")
HEAT_SOURCES = ("device", "dt_flow", "estimate")  # best first, methodology §8
AGGS = ("mean", "min", "max", "last")

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
        _f("before", "watth", "Counter value (total import) before the event."),
        _f("after", "watth", "Counter value (total import) after the event."),
        _f("message", "none", "What happened, in words.", Kind.STRING),
    ),
    "Counter resets, reboots and profile changes of the meter.",
    {TAG_KIND: ("counter_reset", "reboot", "profile_change")},
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
            "dhw",
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
        _gauge("heat_production", "watt", "Current heat output reported by the device."),
        _gauge("power_consumption", "watt", "Current electric input reported by the device."),
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
    "Device-reported energy summaries: kind=electric (consumption), heat (production) or heating_rod "
    "(the heating rod's electricity).",
    {TAG_KIND: ("electric", "heat", "heating_rod"), TAG_USAGE: ("heating", "dhw", "cooling", "total")},
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
        _f("last_success", "dateTimeAsIso", "Unix seconds of the last successful poll (source rows)."),
        _f("consecutive_failures", "none", "Failed polls since the last success.", Kind.INT),
        _f("state", "none", "ok, failing, backoff, rate_limited, auth_failed, stale.", Kind.STRING),
        _f("calls_24h", "none", "Viessmann API calls in the last 24 h.", Kind.INT),
        _f("calls_10min", "none", "Viessmann API calls in the last 10 min.", Kind.INT),
        _f("budget_24h", "none", "Viessmann calls allowed per 24 h (our share).", Kind.INT),
        _f("budget_10min", "none", "Viessmann calls allowed per 10 min (our share).", Kind.INT),
        _f("outbox_depth", "none", "Points waiting in the outbox.", Kind.INT),
        _f("outbox_dropped", "none", "Oldest points dropped because the outbox was full (cumulative).", Kind.INT),
        _f("dead_letters", "none", "Points InfluxDB rejected (kept in the dead-letter table).", Kind.INT),
        _f("write_latency", "ms", "Duration of the last InfluxDB write."),
        _f("rss", "bytes", "Resident memory of the collector process."),
        _f("cpu_seconds", "s", "CPU time used by the collector process."),
    ),
    "The collector's own health, written every minute. source = shelly, viessmann, writer, process.",
    {TAG_SOURCE: ("shelly", "viessmann", "writer", "process")},
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
    HP_ERRORS,
    HP_ERROR,
    COLLECTOR_HEALTH,
)

# --- rollup bucket: derived series (Flux tasks in influxdb/tasks/, Python twins in collector/metrics/) ---
ROLLUP_INTERVALS = ("1m", "1h")


def rollup_name(raw: MeasurementSpec, interval: str) -> str:
    return f"{raw.name}_{interval}"


def _rollup(raw: MeasurementSpec, interval: str) -> MeasurementSpec:
    fields = tuple(spec for spec in raw.fields if spec.rollup is not Rollup.NONE)
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
    ),
    "Energy per minute, stamped at the minute start, the base of daily energies and COPs: kind=electric "
    "(source=shelly: counter increments, or the device's backfilled minute), kind=heat (source=device: compressor "
    "heat output, dt_flow: flow x dT x 1.163, estimate: modulation x rated power), each poll held over the minutes "
    "up to the next one within 15 min.",
    {TAG_KIND: ("electric", "heat"), TAG_SOURCE: ("shelly", *HEAT_SOURCES)},
)
_ENERGY_FIELDS = (
    _f("kwh", "kwatth", "Energy in the interval."),
    _f("coverage", "percent", "Share of the interval (so far) covered by data, %."),
    _f("hours", "h", "Hours of the interval covered by data."),
)
_ENERGY_TAGS = {
    TAG_KIND: ("electric", "heat", "heating_rod"),
    TAG_USAGE: ("total", "heating", "dhw"),
    TAG_SOURCE: ("shelly", "device", *HEAT_SOURCES[1:]),
}
ENERGY_DAILY = MeasurementSpec(
    "energy_daily",
    Bucket.ROLLUP,
    (TAG_KIND, TAG_USAGE, TAG_SOURCE),
    _ENERGY_FIELDS,
    "Energy per local day (today so far), stamped at local midnight (UTC instant). source=shelly (electric) and "
    "dt_flow/estimate (heat) sum energy_minute; source=device is the device's day counters (heat and electric per "
    "usage heating/dhw, total = their sum; heating_rod).",
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
    "coverage >= HPM_COP_MIN_COVERAGE and electricity >= HPM_COP_MIN_ELECTRIC_KWH.",
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
JAZ = MeasurementSpec(
    "jaz",
    Bucket.ROLLUP,
    (TAG_PERIOD, TAG_SOURCE, TAG_BOUNDARY, TAG_STATUS),
    (
        _f("jaz", "none", "Σheat / Σelectricity over the period (SPF)."),
        _f("heat_kwh", "kwatth", "Heat in the period."),
        _f("electric_kwh", "kwatth", "Electricity in the period."),
        _f("coverage", "percent", "Days with data / days in the period so far, %."),
        _f("days", "d", "Days with data in the period.", Kind.INT),
    ),
    "Annual performance factor over complete local days that have both heat (source device or dt_flow, never "
    "the estimate) and Shelly electricity, stamped at today's local midnight; status=full above 330 days of data, "
    "else provisional.",
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

DERIVED_MEASUREMENTS = (
    ENERGY_MINUTE,
    ENERGY_DAILY,
    ENERGY_MONTHLY,
    COP_30M,
    COP_DAILY,
    JAZ,
    JAZ_FORECAST,
    DEVICE_CROSSCHECK,
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
