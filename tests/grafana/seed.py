"""Seed data for the dashboard and alert queries: every measurement of the contract, raw and derived, with every
declared tag value, built with ``collector.points.point`` (so the seed itself obeys the contract).

Times are relative to the real now (stats such as "now" and "today" use ``now()``), aligned to UTC midnight;
derived daily rows are stamped at UTC midnight (the tests run Grafana's "today" in UTC).
Raw: every 5 min for 3 days. Rollups: 1-minute every 2 h for 35 days, hourly every 12 h for 400 days.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from collector import schema
from collector.points import Point, point
from collector.schema import Kind, MeasurementSpec, Rollup

# Tags the contract leaves open get plausible values.
OPEN_TAG_VALUES = {
    schema.TAG_DEVICE: ("7571381681420106",),
    schema.TAG_CIRCUIT: ("0", "1"),
    schema.TAG_COMPRESSOR: ("0",),
    schema.TAG_INVERTER: ("0",),
    schema.TAG_BOUNDARY: ("H2",),
    schema.TAG_CODE: ("F.160",),
    schema.TAG_PRIORITY: ("error",),
    schema.TAG_SOURCE: schema.HEAT_SOURCES[:2],
    schema.TAG_SEASON: ("2026/27",),
    schema.TAG_OUTSIDE_BIN: ("-3", "2"),
    schema.TAG_FLOW_BIN: ("35", "all"),
}
SENSOR_BASE = {"outside": 2.0, "dhw": 48.0, "dhw_target": 50.0, "return": 30.0, "room": 21.0}
STRINGS = {"state": "ok", "phase": "ready", "valve_position": "heating", "message": "reboot"}


def today() -> datetime:
    return datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def _combinations(spec: MeasurementSpec) -> Iterator[dict[str, str]]:
    keys = [tag for tag in spec.tags if tag != schema.TAG_AGG]
    choices = [spec.tag_values.get(tag, OPEN_TAG_VALUES.get(tag, ("x",))) for tag in keys]
    for values in itertools.product(*choices):
        yield dict(zip(keys, values, strict=True))


def _value(spec: MeasurementSpec, field: schema.FieldSpec, tags: dict[str, str], step: int) -> float | int | str:
    """Plausible values: counters rise, states toggle hourly (at 5-min steps), gauges swing around a base."""
    if field.kind is Kind.STRING:
        return STRINGS.get(field.name, "normal")
    if field.unit == "bool":
        return (step // 12) % 2
    if field.kind is Kind.INT:
        return 700 + step if field.name in ("calls_24h", "budget_24h") else step
    if field.rollup is Rollup.LAST and field.unit in ("watth", "kwatth", "h", "none"):
        return 1000.0 + step * 1.5
    if field.unit == "celsius":
        base = SENSOR_BASE.get(tags.get(schema.TAG_SENSOR, ""), 35.0)
        return base + 4.0 * math.sin(step / 20)
    if field.unit == "percent":
        return 90.0
    if field.unit == "dateTimeAsIso":
        return float(step)
    if spec.name.startswith(("cop", "jaz")) and field.name in ("cop", "jaz"):
        return 3.0 + 0.5 * math.sin(step / 7)
    return 500.0 + 100.0 * math.sin(step / 10)


def _points(spec: MeasurementSpec, times: list[datetime], aggs: tuple[str, ...] = ()) -> Iterator[Point]:
    for tags in _combinations(spec):
        for agg in aggs or (None,):
            fields = [f for f in spec.fields if agg is None or (f.rollup is Rollup.LAST) == (agg == "last")]
            if not fields:
                continue
            for step, at in enumerate(times):
                extra = {schema.TAG_AGG: agg} if agg else {}
                values = {f.name: _value(spec, f, tags, step) for f in fields}
                yield point(spec.name, {**tags, **extra}, values, at)


def _every(end: datetime, step: timedelta, span: timedelta) -> list[datetime]:
    count = int(span / step)
    return [end - step * k for k in range(count, -1, -1)]


def raw_points(now: datetime) -> list[Point]:
    end = now.replace(second=0, microsecond=0)
    times = _every(end, timedelta(minutes=5), timedelta(days=3))
    return [p for spec in schema.RAW_MEASUREMENTS for p in _points(spec, times)]


def rollup_points(now: datetime) -> list[Point]:
    midnight = today()
    minute = _every(midnight, timedelta(hours=2), timedelta(days=35))
    hour = _every(midnight, timedelta(hours=12), timedelta(days=400))
    out: list[Point] = []
    for spec in schema.ROLLUPS:
        times = minute if spec.name.endswith("_1m") else hour
        out.extend(_points(spec, times, schema.AGGS))
    return out


def derived_points(now: datetime) -> list[Point]:
    midnight = today()
    days = _every(midnight, timedelta(days=1), timedelta(days=400))
    months = sorted({d.replace(day=1) for d in days})
    half_hours = _every(now.replace(minute=0, second=0, microsecond=0), timedelta(minutes=30), timedelta(days=3))

    def times(name: str) -> list[datetime]:
        if name.endswith("_monthly"):
            return months
        return half_hours if name.endswith(("_30m", "_minute")) else days

    return [p for spec in schema.DERIVED_MEASUREMENTS for p in _points(spec, times(spec.name))]


def seed(influx) -> datetime:  # type: ignore[no-untyped-def]
    """Write everything to the test's buckets; return the moment the seed treats as now."""
    now = datetime.now(UTC)
    influx.write(raw_points(now), bucket=influx.bucket_raw)
    influx.write(rollup_points(now) + derived_points(now), bucket=influx.bucket_rollup)
    return now
