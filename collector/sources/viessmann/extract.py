"""Reads the metric table from a PyViCare device whose cache holds one features response (no API calls).

Every reading carries its feature's own timestamp. ``Watermarks`` keeps the newest timestamp written per
series and field, so a value whose feature timestamp did not advance is written at most once, and a stale
response can never produce a point with a fresh timestamp.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from PyViCare.PyViCareHeatingDevice import get_available_burners
from PyViCare.PyViCareUtils import PyViCareNotSupportedFeatureError

from collector import schema
from collector.points import FieldValue, Point, point
from collector.schema import (
    HP_ERROR,
    HP_ERRORS,
    HP_MESSAGE,
    TAG_BURNER,
    TAG_CIRCUIT,
    TAG_CODE,
    TAG_COMPRESSOR,
    TAG_DEVICE,
    TAG_INVERTER,
    TAG_KIND,
    TAG_PRIORITY,
)
from collector.sources.viessmann.metrics import (
    DESIRED_TEMPERATURE,
    METRIC_NAMES,
    METRICS,
    UNIT_FACTORS,
    Component,
    Metric,
    Read,
)

_ID_TAG = {
    Component.CIRCUIT: TAG_CIRCUIT,
    Component.COMPRESSOR: TAG_COMPRESSOR,
    Component.INVERTER: TAG_INVERTER,
    Component.BURNER: TAG_BURNER,
}
_ERRORS_FEATURE = "device.messages.errors.raw"
MESSAGE_FEATURES = {"status": "device.messages.status.raw", "info": "device.messages.info.raw"}
_UNIT_FACTORS = {(label.casefold(), target): factor for (label, target), factor in UNIT_FACTORS.items()}
_NOT_READABLE = (PyViCareNotSupportedFeatureError, KeyError, IndexError, TypeError, ValueError)

Tags = tuple[tuple[str, str], ...]


class UnknownUnit(ValueError):
    """The device sent a unit label the table cannot convert: the value is skipped, never mislabelled."""


class Sentinel(ValueError):
    """The device sent a value that means "not active" (flow set point 0 °C): nothing to write."""


@dataclass(frozen=True)
class Reading:
    measurement: str
    tags: Tags
    field: str
    value: FieldValue
    at: datetime


@dataclass
class DeviceReadout:
    readings: list[Reading] = field(default_factory=list)
    supported: set[str] = field(default_factory=set)
    problems: dict[str, str] = field(default_factory=dict)  # metric name → why a present feature was refused

    @property
    def unsupported(self) -> list[str]:
        return [name for name in METRIC_NAMES if name not in self.supported]


def newest_feature_time(features: list[dict[str, Any]]) -> float:
    """Unix time of the most recent feature timestamp in a response (0 when none is readable)."""
    stamps = []
    for feature in features:
        try:
            stamps.append(feature_time(feature).timestamp())
        except (KeyError, TypeError, ValueError):
            continue
    return max(stamps, default=0.0)


def feature_time(feature: dict[str, Any]) -> datetime:
    """The feature's timestamp as an aware UTC datetime (KeyError/ValueError when missing or malformed)."""
    moment = datetime.fromisoformat(feature["timestamp"])
    if moment.tzinfo is None:
        raise ValueError(f"timestamp without zone: {feature['timestamp']!r}")
    return moment


def components(device: Any) -> dict[Component, list[tuple[str | None, Any]]]:
    """The device and its circuits, compressors, inverters and gas burners with the ids the device reports."""
    found: dict[Component, list[tuple[str | None, Any]]] = {Component.DEVICE: [(None, device)]}
    for kind in (Component.CIRCUIT, Component.COMPRESSOR, Component.INVERTER):  # PyViCare: circuits, compressors …
        try:
            found[kind] = [(str(part.id), part) for part in getattr(device, f"{kind}s")]
        except _NOT_READABLE:
            found[kind] = []
    try:  # a HeatPump has no burners in PyViCare; a hybrid's burners are features heating.burners.N
        found[Component.BURNER] = [(str(burner), device) for burner in get_available_burners(device)]
    except _NOT_READABLE:
        found[Component.BURNER] = []
    return found


def read_device(device: Any, device_tag: str) -> DeviceReadout:
    readout = DeviceReadout()
    parts = components(device)
    done: set[tuple[str, str | None]] = set()
    for metric in METRICS:
        for component_id, component in parts.get(metric.component, []):
            if (metric.name, component_id) in done:
                continue  # an earlier alternative feature already gave this metric
            try:
                value, at = _read(metric, device, component, component_id)
            except UnknownUnit as error:
                readout.problems[metric.name] = str(error)
                continue
            except Sentinel:
                readout.supported.add(metric.name)  # the device has it; it is just not active now
                continue
            except _NOT_READABLE:
                continue
            tags = _tags(metric, device_tag, component_id)
            readout.readings.append(Reading(metric.measurement, tags, metric.field, value, at))
            readout.supported.add(metric.name)
            done.add((metric.name, component_id))
    for circuit_id, circuit in parts[Component.CIRCUIT]:
        try:
            reading = _desired_temperature(device, device_tag, circuit_id, circuit)
        except UnknownUnit as error:
            readout.problems[DESIRED_TEMPERATURE.name] = str(error)
            continue
        except _NOT_READABLE:
            continue
        readout.readings.append(reading)
        readout.supported.add(DESIRED_TEMPERATURE.name)
    return readout


def _desired_temperature(device: Any, device_tag: str, circuit_id: str, circuit: Any) -> Reading:
    """The active program's room set point, stamped with the newer of the two features it comes from, so both
    a program switch and an edited set point advance it. Standby has none (ValueError)."""
    metric = DESIRED_TEMPERATURE
    active_feature = metric.feature.format(id=circuit_id)
    active = device.getProperty(active_feature)
    program = device.getProperty(f"{active_feature.rsplit('.', 1)[0]}.{circuit.getActiveProgram()}")
    raw = circuit.getCurrentDesiredTemperature()
    if raw is None:
        raise ValueError(f"{metric.name}: no set point in this program")
    value = _convert(metric, raw, program["properties"]["temperature"].get("unit", ""), program["feature"])
    at = max(feature_time(active), feature_time(program))
    return Reading(metric.measurement, _tags(metric, device_tag, circuit_id), metric.field, value, at)


def read_errors(device: Any, device_tag: str) -> tuple[datetime, list[tuple[str, str]]] | None:
    """Active device errors as (code, priority), or None when the device does not expose its error list."""
    try:
        entries = device.getDeviceErrors()
        at = feature_time(device.getProperty(_ERRORS_FEATURE))
    except _NOT_READABLE:
        return None
    return at, [(str(entry["errorCode"]), str(entry.get("priority", "unknown"))) for entry in entries]


def read_messages(device: Any) -> dict[str, tuple[datetime, list[str]]]:
    """Listed status and info messages per kind (codes such as S.123, I.99), for the lists the device exposes."""
    found = {}
    for kind, name in MESSAGE_FEATURES.items():
        try:
            feature = device.getProperty(name)
            entries = feature["properties"]["entries"]["value"]
            found[kind] = (feature_time(feature), sorted({str(entry["errorCode"]) for entry in entries}))
        except _NOT_READABLE:
            continue
    return found


def _tags(metric: Metric, device_tag: str, component_id: str | None) -> Tags:
    tags = [(TAG_DEVICE, device_tag), *metric.tags]
    if component_id is not None:
        tags.append((_ID_TAG[metric.component], component_id))
    return tuple(sorted(tags))


def enabled(device: Any, name: str) -> bool:
    """Whether the response has the feature, enabled."""
    try:
        return bool(device.getProperty(name).get("isEnabled", True))
    except _NOT_READABLE:
        return False


def _read(metric: Metric, device: Any, component: Any, component_id: str | None) -> tuple[FieldValue, datetime]:
    name = metric.feature.format(id=component_id)
    if metric.unless is not None and enabled(device, metric.unless):
        raise PyViCareNotSupportedFeatureError(f"{name}: {metric.unless} is the source")
    feature = device.getProperty(name)
    if not feature.get("isEnabled", True):
        raise PyViCareNotSupportedFeatureError(name)
    prop = feature["properties"][metric.prop]
    raw = getattr(component, metric.getter)() if metric.getter else prop["value"]
    if metric.index is not None and not metric.getter:
        raw = raw[metric.index]
    if raw is None or raw == "error":
        raise ValueError(f"{metric.name}: no value")
    value = _convert(metric, raw, prop.get("unit", ""), name)
    if value in metric.sentinels:
        raise Sentinel(f"{metric.name}: {value!r} means not active")
    return value, feature_time(feature)


def _convert(metric: Metric, raw: Any, unit: str, feature: str) -> FieldValue:
    if metric.read is Read.TEXT:
        return str(raw)
    if metric.read is Read.FLAG:
        return int(raw == "on") if isinstance(raw, str) else int(bool(raw))
    if isinstance(raw, bool) or not isinstance(raw, int | float) or not math.isfinite(raw):
        raise ValueError(f"{metric.name}: {raw!r} is not a finite number")
    if metric.read is Read.COUNT:
        return int(raw)
    target = schema.unit_of(metric.measurement, metric.field)
    factor = 1.0 if not unit or unit == target else _UNIT_FACTORS.get((unit.casefold(), target))
    if factor is None:
        raise UnknownUnit(f"{metric.name}: unit {unit!r} of feature {feature} cannot be converted to {target!r}")
    return round(float(raw) * factor, 6)  # drops float noise such as 7.199999999999999


class Watermarks:
    """Newest feature timestamp written per (measurement, tags, field): each value is written at most once."""

    def __init__(self) -> None:
        self._written: dict[tuple[str, Tags, str], datetime] = {}
        self._active_errors: dict[str, set[tuple[str, str]]] = {}
        self._active_messages: dict[tuple[str, str], set[str]] = {}

    def fresh(self, readings: Iterable[Reading]) -> list[Reading]:
        """The readings whose feature timestamp advanced; they count as written from now on."""
        new = []
        for reading in readings:
            key = (reading.measurement, reading.tags, reading.field)
            last = self._written.get(key)
            if last is None or reading.at > last:
                new.append(reading)
                self._written[key] = reading.at
        return new

    def errors(self, device_tag: str, at: datetime, active: list[tuple[str, str]]) -> list[Reading]:
        """When the error list advanced: its count, each active error (1), each error cleared since (0)."""
        device = ((TAG_DEVICE, device_tag),)
        count = self.fresh([Reading(HP_ERRORS.name, device, "count", len(active), at)])
        if not count:
            return []
        previous = self._active_errors.get(device_tag, set())
        self._active_errors[device_tag] = set(active)
        return count + [
            Reading(
                HP_ERROR.name, _error_tags(device_tag, code, priority), "active", int((code, priority) in active), at
            )
            for code, priority in sorted(set(active) | previous)
        ]

    def messages(self, device_tag: str, kind: str, at: datetime, listed: list[str]) -> list[Reading]:
        """When a message list advanced: each listed message (1) and each message gone since (0)."""
        key = (device_tag, kind)
        previous = self._active_messages.get(key, set())
        candidates = [
            Reading(HP_MESSAGE.name, _message_tags(device_tag, kind, code), "active", int(code in listed), at)
            for code in sorted(set(listed) | previous)
        ]
        fresh = self.fresh(candidates)
        if fresh or not candidates:
            self._active_messages[key] = set(listed)
        return fresh


def _message_tags(device_tag: str, kind: str, code: str) -> Tags:
    return tuple(sorted(((TAG_DEVICE, device_tag), (TAG_KIND, kind), (TAG_CODE, code))))


def _error_tags(device_tag: str, code: str, priority: str) -> Tags:
    return tuple(sorted(((TAG_DEVICE, device_tag), (TAG_CODE, code), (TAG_PRIORITY, priority))))


def to_points(readings: Iterable[Reading]) -> list[Point]:
    """One point per measurement, tag set and feature timestamp."""
    grouped: dict[tuple[str, Tags, datetime], dict[str, FieldValue]] = defaultdict(dict)
    for reading in readings:
        grouped[(reading.measurement, reading.tags, reading.at)][reading.field] = reading.value
    return [
        point(measurement, dict(tags), fields, at)
        for (measurement, tags, at), fields in sorted(grouped.items(), key=lambda item: (item[0][2], item[0][0]))
    ]
