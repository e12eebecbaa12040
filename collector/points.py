"""The unit of data every source produces and the writer persists: one InfluxDB point.

Sources build points only through ``point()``, which checks them against the schema contract, so a typo in a
measurement, tag or field name fails in tests instead of creating a stray series in production.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime

from collector import schema
from collector.schema import Bucket, Kind

FieldValue = float | int | bool | str


@dataclass(frozen=True)
class Point:
    measurement: str
    tags: tuple[tuple[str, str], ...]
    fields: tuple[tuple[str, FieldValue], ...]
    time_ns: int
    bucket: Bucket = Bucket.RAW

    def to_line(self) -> str:
        """InfluxDB line protocol with nanosecond precision."""
        tags = "".join(f",{_escape_key(k)}={_escape_key(v)}" for k, v in sorted(self.tags) if v != "")
        fields = ",".join(f"{_escape_key(k)}={_field_value(v)}" for k, v in self.fields)
        return f"{_escape_key(self.measurement)}{tags} {fields} {self.time_ns}"

    @property
    def time(self) -> datetime:
        return datetime.fromtimestamp(self.time_ns / 1e9, tz=UTC)


class InvalidPoint(ValueError):
    """A point that would violate the schema contract or InfluxDB's rules."""


def time_ns(moment: datetime | float) -> int:
    """UTC nanoseconds of an aware datetime or unix seconds."""
    if isinstance(moment, datetime):
        if moment.tzinfo is None:
            raise InvalidPoint("naive datetime: every timestamp must be timezone-aware UTC")
        return int(moment.timestamp()) * 1_000_000_000 + moment.microsecond * 1000
    seconds = int(moment)  # split first: float(t) * 1e9 loses ~100 ns at today's magnitudes
    return seconds * 1_000_000_000 + round((moment - seconds) * 1e9)


def point(
    measurement: str,
    tags: dict[str, str | int | None],
    fields: dict[str, FieldValue | None],
    at: datetime | float,
) -> Point:
    """A contract-checked point. None fields and tags are dropped; NaN/inf are rejected."""
    spec = schema.measurement(measurement)
    clean_tags: list[tuple[str, str]] = []
    for key, value in tags.items():
        if key not in spec.tags:
            raise InvalidPoint(f"{measurement}: tag {key!r} is not declared")
        if value is None or value == "":
            continue
        allowed = spec.tag_values.get(key)
        if allowed is not None and str(value) not in allowed:
            raise InvalidPoint(f"{measurement}: tag {key}={value!r} is not one of {allowed}")
        clean_tags.append((key, str(value)))
    clean_fields: list[tuple[str, FieldValue]] = []
    for key, value in fields.items():
        if value is None:
            continue
        field_spec = spec.field(key) if key in spec.field_names else None
        if field_spec is None:
            raise InvalidPoint(f"{measurement}: field {key!r} is not declared")
        clean_fields.append((key, _coerce(measurement, field_spec.kind, key, value)))
    if not clean_fields:
        raise InvalidPoint(f"{measurement}: no field values")
    return Point(measurement, tuple(clean_tags), tuple(clean_fields), time_ns(at), spec.bucket)


def _coerce(measurement: str, kind: Kind, key: str, value: FieldValue) -> FieldValue:
    if kind is Kind.STRING:
        return str(value)
    if kind is Kind.INT:
        if isinstance(value, float) and not value.is_integer():
            raise InvalidPoint(f"{measurement}.{key}: {value!r} is not an integer")
        return int(value)
    if kind is Kind.BOOL:
        return bool(value)
    if isinstance(value, str) or not math.isfinite(float(value)):
        raise InvalidPoint(f"{measurement}.{key}: {value!r} is not a finite number")
    return float(value)


def _escape_key(text: str) -> str:
    return text.replace("\\", "\\\\").replace(",", "\\,").replace("=", "\\=").replace(" ", "\\ ")


def _field_value(value: FieldValue) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return f"{value}i"
    if isinstance(value, float):
        return repr(value)
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'
