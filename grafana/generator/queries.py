"""Query builders: Flux and frser-SQLite targets as custom dataquery types, and the Flux texts panels run.

Every measurement, field and tag value goes through ``sel()``, which checks it against the schema contract, so a
typo fails when the dashboards are generated. Units come from the contract too (``Sel.unit``).

Grafana substitutes ``v.timeRangeStart``/``v.timeRangeStop``/``v.windowPeriod``/``v.defaultBucket`` in the backend
(pkg/tsdb/influxdb/flux/macros.go) — it replaces every ``<letters>.<name>`` for those names, and ``.bucket`` and
``.organization`` too, so tag columns are always read as ``r["tag"]``, never as ``r.tag``.
"""

from __future__ import annotations

from dataclasses import dataclass

from grafana_foundation_sdk.cog import builder as cogbuilder
from grafana_foundation_sdk.cog import variants as cogvariants
from grafana_foundation_sdk.models.dashboard import AnnotationTarget, DataSourceRef

from collector import schema
from collector.schema import Bucket, Rollup

INFLUX = DataSourceRef(type_val="influxdb", uid="influxdb")  # default bucket: the raw bucket
INFLUX_ROLLUP = DataSourceRef(type_val="influxdb", uid="influxdb_rollup")  # default bucket: the rollup bucket
CHANGELOG = DataSourceRef(type_val="frser-sqlite-datasource", uid="changelog")

# The rollup bucket's name, as a hidden dashboard variable read from the influxdb_rollup datasource (variables.py).
ROLLUP_BUCKET_VAR = "rollup_bucket"

# Spans up to RAW_SPAN read raw samples, up to MINUTE_SPAN the 1-minute rollups, longer ones the hourly rollups.
RAW_SPAN = "2d"
MINUTE_SPAN = "31d"

# Measurements whose points the collector writes only when the device reports a new timestamp.
STEADY_PREFIX = "hp_"
# How far before a range the last value of a steady measurement is looked for; stats reach back as far.
CARRY_IN = "30d"

# Units of figures derived in Flux that the contract does not store.
AGE_UNIT = "s"
DELTA_T_UNIT = "kelvin"
PER_HOUR_UNIT = "none"
PERCENT_UNIT = "percent"
KWH_PER_DEGREE_DAY_UNIT = "kwatth"


@dataclass(frozen=True)
class Sel:
    """One field of one declared measurement, narrowed by tag values."""

    measurement: str
    field: str
    tags: tuple[tuple[str, str], ...] = ()

    @property
    def spec(self) -> schema.MeasurementSpec:
        return schema.measurement(self.measurement)

    @property
    def unit(self) -> str:
        return self.spec.field(self.field).unit

    @property
    def rollup(self) -> Rollup:
        return self.spec.field(self.field).rollup

    def with_field(self, field: str) -> Sel:
        return sel(self.measurement, field, **dict(self.tags))


def sel(measurement: str, field: str, **tags: str) -> Sel:
    spec = schema.measurement(measurement)
    spec.field(field)
    for key, value in tags.items():
        if key not in spec.tags:
            raise KeyError(f"{measurement} has no tag {key!r}")
        allowed = spec.tag_values.get(key)
        if allowed is not None and value not in allowed:
            raise KeyError(f"{measurement}: {key}={value!r} is not one of {allowed}")
    return Sel(measurement, field, tuple(sorted(tags.items())))


# --- Flux text ---------------------------------------------------------------------------------------------


def where(measurement: str, fields: tuple[str, ...], tags: tuple[tuple[str, str], ...] = ()) -> str:
    # an or-chain, not contains(): InfluxDB pushes only comparisons down to storage, so with contains() every
    # row of the measurement is read and filtered by the query engine
    field_test = " or ".join(f'r._field == "{f}"' for f in fields)
    field_test = field_test if len(fields) == 1 else f"({field_test})"
    tests = [f'r._measurement == "{measurement}"', field_test, *(f'r["{k}"] == "{v}"' for k, v in tags)]
    return f"filter(fn: (r) => {' and '.join(tests)})"


def bucket_of(spec: schema.MeasurementSpec, alert: bool = False) -> str:
    """Raw data lives in the datasource's default bucket; dashboards name the rollup bucket by variable, alert
    rules read derived series through the influxdb_rollup datasource, whose default bucket it is."""
    if spec.bucket is Bucket.RAW or alert:
        return "v.defaultBucket"
    return f'"${{{ROLLUP_BUCKET_VAR}}}"'


def read(
    s: Sel,
    start: str = "v.timeRangeStart",
    stop: str = "v.timeRangeStop",
    alert: bool = False,
    fields: tuple[str, ...] = (),
) -> str:
    """The rows of one selection (or of ``fields`` of its measurement, same tags) within a range."""
    for name in fields:
        s.with_field(name)
    return (
        f"from(bucket: {bucket_of(s.spec, alert)})\n"
        f"  |> range(start: {start}, stop: {stop})\n"
        f"  |> {where(s.measurement, fields or (s.field,), s.tags)}"
    )


def steady(s: Sel) -> bool:
    """Viessmann points carry the device's timestamp and are written once per timestamp (schema.py): a steady
    value has no points inside a range, so queries carry the last earlier value in."""
    return s.spec.bucket is Bucket.RAW and s.measurement.startswith(STEADY_PREFIX)


def read_by_span(s: Sel, agg: str, name: str = "data", window: str | None = None) -> str:
    """Flux that binds ``name`` to raw samples, 1-minute or hourly rollups, whichever suits the range's span,
    plus, for steady (Viessmann) values, the last value before the range, stamped at its start.

    ``window``: aggregate the samples to Grafana's window with this function, before the carried-in value joins
    them — storage computes the windows only of a plain read (a window over the union runs in the query engine,
    8× slower on a year of hourly rows), and the value from before the range stays its own point at the range's
    start instead of weighing in the first window."""
    windows = f"  |> aggregateWindow(every: v.windowPeriod, fn: {window}, createEmpty: false)\n" if window else ""
    if s.spec.bucket is not Bucket.RAW or s.rollup is Rollup.NONE:
        chosen = f"{name}_in = {read(s)}\n"
    else:
        agg = "last" if s.rollup is Rollup.LAST else agg
        rolled = {
            interval: read(sel(schema.rollup_name(s.spec, interval), s.field, **dict(s.tags), agg=agg))
            for interval in schema.ROLLUP_INTERVALS
        }
        span = "int(v: v.timeRangeStop) - int(v: v.timeRangeStart)"
        chosen = (
            f"{name}_raw = {read(s)}\n"
            f"{name}_minute = {rolled['1m']}\n"
            f"{name}_hour = {rolled['1h']}\n"
            f"{name}_in = if {span} <= int(v: {RAW_SPAN}) then {name}_raw\n"
            f"  else if {span} <= int(v: {MINUTE_SPAN}) then {name}_minute\n"
            f"  else {name}_hour\n"
        )
    if not steady(s):
        return chosen + f"{name} = {name}_in\n" + windows
    before = read(s, start=f"date.sub(d: {CARRY_IN}, from: v.timeRangeStart)", stop="v.timeRangeStart")
    return (
        chosen
        + (f"{name}_windows = {name}_in\n{windows}" if window else "")
        + f"{name}_before = {before}\n  |> last()\n  |> map(fn: (r) => ({{r with _time: v.timeRangeStart}}))\n"
        + f"{name} = union(tables: [{name}_before, {name}_{'windows' if window else 'in'}])\n"
        # one table per series again (raw and rollup rows differ in _measurement/agg), in time order
        + f"  |> group(columns: [{', '.join(f'{chr(34)}{c}{chr(34)}' for c in ('_field', *s.spec.tags))}])\n"
        + '  |> sort(columns: ["_time"])\n'
    )


# The newest row of all tables: one row for a stat, whatever series a selection merged.
NEWEST = '  |> group()\n  |> max(column: "_time")'


def newest_by(*columns: str) -> str:
    """The newest row per combination of ``columns``: last() per stored series first (storage answers it without
    reading the rows; a group() before it reads every row of the range), then the newest of the series merged."""
    keys = ", ".join(f'"{c}"' for c in columns)
    return f'  |> last()\n  |> group(columns: [{keys}])\n  |> sort(columns: ["_time"])\n  |> last()\n'


def named(label: str) -> str:
    """One series per query, named by its label (Grafana shows the value column's name), in time order."""
    return (
        '  |> keep(columns: ["_time", "_value"])\n'
        '  |> sort(columns: ["_time"])\n'
        f'  |> rename(columns: {{_value: "{label}"}})'
    )


def with_imports(query: str) -> str:
    """Prepend the packages a composed query uses."""
    for package in ("date", "array"):
        if f"{package}." in query and f'import "{package}"' not in query:
            query = f'import "{package}"\n\n{query}'
    return query


def series(s: Sel, label: str, fn: str = "mean") -> str:
    """A time series aggregated to Grafana's window; rollups for long ranges."""
    agg = fn if fn in ("mean", "min", "max") else "mean"
    return read_by_span(s, agg, window=fn) + "data\n" + named(label)


def as_series(field: str | None, tags: tuple[str, ...], value: str = "r._value", time: str = "r._time") -> str:
    """Reshape rows so Grafana's Flux backend builds time series: with a ``_measurement`` column each table
    becomes a frame whose value field is named by ``_field`` and labelled with the (string) tag columns;
    without one it is a plain table without labels (pkg/tsdb/influxdb/flux/builder.go). None keeps ``_field``."""
    name = f'"{field}"' if field else "r._field"
    columns = "".join(f', {tag}: r["{tag}"]' for tag in tags)
    group = ", ".join(f'"{c}"' for c in ("_field", *tags))
    return (
        f"  |> map(fn: (r) => ({{_time: {time}, _measurement: {name}, _field: {name}, "
        f"_value: float(v: {value}){columns}}}))\n"
        f"  |> group(columns: [{group}])"
    )


def series_by(s: Sel, by: str, label: str, fn: str = "mean") -> str:
    """Like ``series``, one series per value of tag ``by`` (e.g. per heating circuit), labelled with it. Windows
    are aggregated per stored series first (storage computes them when nothing comes before) and then labelled by
    ``by`` (as_series groups by it)."""
    return (
        read_by_span(s, fn if fn in ("mean", "min", "max") else "mean", window=fn) + "data\n" + as_series(label, (by,))
    )


def difference(a: Sel, b: Sel, label: str) -> str:
    """a − b per window (both aggregated to Grafana's window first), e.g. supply − return = ΔT."""
    values = '  |> keep(columns: ["_time", "_value"])\n'
    return (
        read_by_span(a, "mean", "a", window="mean")
        + read_by_span(b, "mean", "b", window="mean")
        + f"wa = a\n{values}wb = b\n{values}"
        + 'join(tables: {a: wa, b: wb}, on: ["_time"])\n'
        + "  |> map(fn: (r) => ({_time: r._time, _value: r._value_a - r._value_b}))\n"
        + named(label)
    )


def rows(s: Sel, label: str) -> str:
    """Stored rows as they are (daily and monthly series: one row per interval)."""
    return f"{read(s)}\n{named(label)}"


def latest(s: Sel, label: str) -> str:
    """The newest value: within 15 min for sampled sources (stale shows "No data"), else whatever its age. One
    row even when the selection spans several series (a sensor on two circuits or devices): the newest of them."""
    within = f"-{CARRY_IN}" if steady(s) else "-15m"
    return f"{read(s, start=within, stop='now()')}\n  |> last()\n{NEWEST}\n{named(label)}"


def total_by(s: Sel, by: str, label: str) -> str:
    """Sum over the range, one value per value of tag ``by`` (labelled with it)."""
    return f'{read(s)}\n  |> group(columns: ["{by}"])\n  |> sum()\n' + as_series(label, (by,), time="v.timeRangeStop")


def ratio_of_totals(numerator: Sel, denominator: Sel, label: str) -> str:
    """Σnumerator / Σdenominator over the range (a ratio of sums, never a mean of ratios), e.g. EER = Σcooling /
    Σcooling electricity from rows of two sources."""
    parts = ",\n".join(
        f"  {read(s)}\n  |> group()\n  |> sum()\n"
        f'  |> map(fn: (r) => ({{_time: v.timeRangeStop, name: "{name}", _value: float(v: r._value)}}))'
        for name, s in (("n", numerator), ("d", denominator))
    )
    return (
        f"union(tables: [\n{parts},\n])\n"
        '  |> pivot(rowKey: ["_time"], columnKey: ["name"], valueColumn: "_value")\n'
        "  |> filter(fn: (r) => exists r.n and exists r.d and r.d > 0.0)\n"
        "  |> map(fn: (r) => ({_time: r._time, _value: r.n / r.d}))\n" + named(label)
    )


def ratio_per_window(s: Sel, numerator: str, denominator: str, interval: str, label: str) -> str:
    """Σnumerator / Σdenominator of stored rows per ``interval`` (e.g. 30m) per Grafana window (a ratio of sums,
    never a mean of the rows' ratios), stamped at the window's start. Windows are never shorter than the rows'
    interval (a 20-min window would stamp a row at :30 at :20): zoomed in, each row's own ratio at its own time;
    over a year ~700 windows instead of 17,520 half-hours. Storage sums the windows."""
    every = f"if int(v: v.windowPeriod) > int(v: {interval}) then v.windowPeriod else {interval}"
    return (
        f"{read(s, fields=(numerator, denominator))}\n"
        f'  |> aggregateWindow(every: {every}, fn: sum, createEmpty: false, timeSrc: "_start")\n'
        '  |> pivot(rowKey: ["_time"], columnKey: ["_field"], valueColumn: "_value")\n'
        f"  |> filter(fn: (r) => r.{denominator} > 0.0)\n"
        f"  |> map(fn: (r) => ({{_time: r._time, _value: r.{numerator} / r.{denominator}}}))\n" + named(label)
    )


def counter_increase(s: Sel, every: str, label: str) -> str:
    """Increase of a cumulative counter per window (resets count from zero), rollups for long ranges."""
    return (
        read_by_span(s, "last")
        + "data\n  |> difference(nonNegative: true)\n"
        + f'  |> aggregateWindow(every: {every}, fn: sum, createEmpty: false, timeSrc: "_start")\n'
        + named(label)
    )


def counter_total(s: Sel, label: str) -> str:
    """Increase of a cumulative counter over the whole range."""
    return read_by_span(s, "last") + "data\n  |> difference(nonNegative: true)\n  |> sum()\n" + named(label)


_AT_RANGE_STOP = "map(fn: (r) => ({r with _time: v.timeRangeStop}))"


def _increase(name: str, aggregate: str) -> str:
    """``<name>_inc``: the rises of the cumulative counter bound to ``name`` (a fall is a reset, not a negative
    run), aggregated by ``aggregate``, as float ``_time``/``_value`` rows ready to join."""
    return (
        f"{name}_inc = {name}\n  |> difference(nonNegative: true)\n  |> {aggregate}\n"
        "  |> map(fn: (r) => ({_time: r._time, _value: float(v: r._value)}))\n"
    )


def per_start(hours: Sel, starts: Sel, every: str | None, label: str) -> str:
    """Run hours per start per window (None: over the whole range): Δhours / Δstarts of the cumulative counters,
    windows with starts only."""
    windows = f'aggregateWindow(every: {every}, fn: sum, createEmpty: false, timeSrc: "_start")'
    aggregate = windows if every else f"sum()\n  |> {_AT_RANGE_STOP}"
    return (
        read_by_span(hours, "last", "hours")
        + read_by_span(starts, "last", "starts")
        + _increase("hours", aggregate)
        + _increase("starts", aggregate)
        + 'join(tables: {h: hours_inc, s: starts_inc}, on: ["_time"])\n'
        + "  |> filter(fn: (r) => r._value_s > 0.0)\n"
        + "  |> map(fn: (r) => ({_time: r._time, _value: r._value_h / r._value_s}))\n"
        + named(label)
    )


def runtime_share(part: Sel, other: Sel, label: str) -> str:
    """Percent of the run time over the range that ``part`` (burner hours) had against ``other`` (compressor hours):
    Δpart / (Δpart + Δother) of the cumulative counters, summed over burners and compressors."""
    aggregate = f"group()\n  |> sum()\n  |> {_AT_RANGE_STOP}"
    return (
        read_by_span(part, "last", "part")
        + read_by_span(other, "last", "other")
        + _increase("part", aggregate)
        + _increase("other", aggregate)
        + 'join(tables: {p: part_inc, o: other_inc}, on: ["_time"])\n'
        + "  |> filter(fn: (r) => r._value_p + r._value_o > 0.0)\n"
        + "  |> map(fn: (r) => ({_time: r._time, _value: 100.0 * r._value_p / (r._value_p + r._value_o)}))\n"
        + named(label)
    )


def age(sels: tuple[Sel, ...], label: str, within: str = "-30d") -> str:
    """Seconds since the newest point of any of the selections (always a value while data exists)."""
    streams = [f'{read(s, start=within, stop="now()")}\n  |> last()\n  |> keep(columns: ["_time"])' for s in sels]
    combined = streams[0] if len(streams) == 1 else "union(tables: [\n" + ",\n".join(streams) + "\n])"
    return (
        combined
        + '\n  |> group()\n  |> max(column: "_time")\n'
        + "  |> map(fn: (r) => ({_time: r._time, _value: float(v: int(v: now()) - int(v: r._time)) / 1000000000.0}))\n"
        + named(label)
    )


def since_success(source: str, label: str) -> str:
    """Seconds since the source's last successful poll, as the collector reports it (unix seconds)."""
    s = sel("collector_health", "last_success", source=source)
    return (
        f"{read(s, start='-1d', stop='now()')}\n  |> last()\n"
        "  |> map(fn: (r) => ({_time: r._time, _value: float(v: int(v: now())) / 1000000000.0 - r._value}))\n"
        + named(label)
    )


def budget_percent(start: str = "v.timeRangeStart", stop: str = "v.timeRangeStop") -> str:
    """Viessmann calls in the last 24 h as a share (%) of the collector's daily budget, per health sample."""
    calls, budget = sel("collector_health", "calls_24h", source="viessmann"), sel("collector_health", "budget_24h")
    return (
        f"from(bucket: {bucket_of(calls.spec)})\n"
        f"  |> range(start: {start}, stop: {stop})\n"
        f"  |> {where(calls.measurement, (calls.field, budget.field), calls.tags)}\n"
        "  |> map(fn: (r) => ({r with _value: float(v: r._value)}))\n"
        '  |> pivot(rowKey: ["_time"], columnKey: ["_field"], valueColumn: "_value")\n'
        "  |> filter(fn: (r) => r.budget_24h > 0.0)\n"
        "  |> map(fn: (r) => ({_time: r._time, _value: 100.0 * r.calls_24h / r.budget_24h}))"
    )


def ratio_of_sums(measurement: str, by: tuple[str, ...], **tags: str) -> str:
    """Σheat / Σelectricity over the range from stored interval rows (never a mean of ratios) and the mean
    coverage, as series ``cop`` and ``coverage`` per ``by`` combination (source, boundary: every COP's labels)."""
    fields = ("heat_kwh", "electric_kwh", "coverage")
    for f in fields:
        sel(measurement, f, **tags)
    group = ", ".join(f'"{c}"' for c in ("_field", *by))
    return (
        f"data = from(bucket: {bucket_of(schema.measurement(measurement))})\n"
        "  |> range(start: v.timeRangeStart, stop: v.timeRangeStop)\n"
        f"  |> {where(measurement, fields, tuple(sorted(tags.items())))}\n"
        f"  |> group(columns: [{group}])\n"
        'sums = data |> filter(fn: (r) => r._field != "coverage") |> sum()\n'
        'coverage = data |> filter(fn: (r) => r._field == "coverage") |> mean()\n'
        "ratios = union(tables: [sums, coverage])\n"
        f'  |> pivot(rowKey: [{", ".join(f"{chr(34)}{c}{chr(34)}" for c in by)}], columnKey: ["_field"], '
        'valueColumn: "_value")\n'
        "  |> filter(fn: (r) => r.electric_kwh > 0.0)\n"
        "union(tables: [\n"
        f"  ratios\n{as_series('cop', by, 'r.heat_kwh / r.electric_kwh', 'v.timeRangeStop')},\n"
        f"  ratios\n{as_series('coverage', by, 'r.coverage', 'v.timeRangeStop')},\n"
        "])"
    )


# --- targets ---------------------------------------------------------------------------------------------


class FluxQuery(cogvariants.Dataquery):
    """An InfluxDB (Flux) target: Grafana's backend reads ``query``. ``fields`` names the columns the panel
    expects in the result (not serialised; the tests check them on the real server)."""

    def __init__(
        self, ref_id: str, query: str, fields: tuple[str, ...] = (), datasource: DataSourceRef = INFLUX
    ) -> None:
        self.ref_id = ref_id
        self.query = with_imports(query)
        self.fields = fields
        self.datasource = datasource

    def to_json(self) -> dict[str, object]:
        return {"refId": self.ref_id, "datasource": self.datasource.to_json(), "query": self.query}


class SqliteQuery(cogvariants.Dataquery):
    """A frser-sqlite-datasource target. The backend runs ``queryText``; the browser derives it from
    ``rawQueryText``, which alerting skips, so both are set."""

    def __init__(self, ref_id: str, sql: str, query_type: str = "table", time_columns: tuple[str, ...] = ()) -> None:
        self.ref_id = ref_id
        self.sql = sql
        self.query_type = query_type
        self.time_columns = time_columns

    def to_json(self) -> dict[str, object]:
        return {
            "refId": self.ref_id,
            "datasource": CHANGELOG.to_json(),
            "rawQueryText": self.sql,
            "queryText": self.sql,
            "timeColumns": list(self.time_columns),
            "queryType": self.query_type,
        }


class SqliteAnnotationTarget(AnnotationTarget):
    """The SDK types annotation targets as Grafana's built-in one; this one serialises as a SQLite target."""

    def __init__(self, sql: str) -> None:
        super().__init__()
        self.sql = sql

    def to_json(self) -> dict[str, object]:
        return SqliteQuery("Anno", self.sql, time_columns=("time",)).to_json()


class Built(cogbuilder.Builder[cogvariants.Dataquery]):
    """Hands a ready target to the SDK's panel builders."""

    def __init__(self, target: cogvariants.Dataquery) -> None:
        self.target = target

    def build(self) -> cogvariants.Dataquery:
        return self.target


class BuiltAnnotationTarget(cogbuilder.Builder[AnnotationTarget]):
    def __init__(self, sql: str) -> None:
        self.sql = sql

    def build(self) -> AnnotationTarget:
        return SqliteAnnotationTarget(self.sql)


def flux(ref_id: str, query: str, fields: tuple[str, ...]) -> Built:
    return Built(FluxQuery(ref_id, query, fields))


def sqlite(ref_id: str, sql: str, query_type: str = "table", time_columns: tuple[str, ...] = ()) -> Built:
    return Built(SqliteQuery(ref_id, sql, query_type, time_columns))
