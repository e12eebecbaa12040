"""Reads the metric table from a PyViCare device whose cache holds one features response (no API calls).

Every reading carries its feature's own timestamp. ``Watermarks`` keeps the newest timestamp written per
series and field, so a value whose feature timestamp did not advance is written at most once, and a stale
response can never produce a point with a fresh timestamp.
"""

from __future__ import annotations

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
from collector.validation import Rejected, check, in_window, number, text
from collector.validation import device_tag as usable_tag

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
_ABSENT = (PyViCareNotSupportedFeatureError, KeyError, IndexError)  # the device does not send it (in that shape)
# Properties the API sends with an empty unit label ("") on some gateways (seen in the public dumps: set points,
# curve, statistics hours), in the unit its documentation gives them. Any other value without a label is
# refused: assumed, the heating rod's runtime in seconds would be read as hours.
UNLABELLED = {
    "circuit.curve_shift": "kelvin",
    "temperature.dhw_target": "celsius",
    "temperature.dhw_hysteresis": "celsius",
    "temperature.circuit_target_supply": "celsius",
    "circuit.target_temperature": "celsius",
    "circuit.comfort_cooling_temperature": "celsius",
    "circuit.normal_cooling_temperature": "celsius",
    "circuit.reduced_cooling_temperature": "celsius",
    "compressor.hours": "h",
    **{f"compressor.hours_load_class_{n}": "h" for n in range(1, 6)},
    "burner.hours": "h",
}
_ONE_UNIT = frozenset({"celsius", "kelvin"})  # schema units a value without any label can only be in
# Texts the API sends for "nothing now": "error", and "null" (the 200-A outdoor unit's compressor phase at rest)
_NO_VALUE_TEXTS = ("error", "null")
_FLAGS = {"on": 1, "off": 0, "true": 1, "false": 0, "active": 1, "inactive": 0}

Tags = tuple[tuple[str, str], ...]


class UnknownUnit(Rejected):
    """The device sent a unit label the table cannot convert (or none): the value is skipped, never mislabelled."""

    def __init__(self, message: str) -> None:
        super().__init__("unit", message)


class NoValue(ValueError):
    """The feature is there but holds no value now (null, "error", "null", a program without set point)."""


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
    rejected: list[Rejected] = field(default_factory=list)  # every value refused in this readout

    @property
    def unsupported(self) -> list[str]:
        return [name for name in METRIC_NAMES if name not in self.supported]


def newest_feature_time(features: list[dict[str, Any]], now: float | None = None) -> float:
    """Unix time of the most recent feature timestamp in a response (0 when none is readable); with ``now``,
    timestamps outside the window around it are ignored."""
    stamps = []
    for feature in features:
        try:
            stamps.append(feature_time(feature).timestamp())
        except Exception:
            continue
    return max((t for t in stamps if now is None or in_window(t, now)), default=0.0)


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
            found[kind] = [(str(p.id), p) for p in getattr(device, f"{kind}s") if usable_tag(str(p.id))]
        except Exception:
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
        if metric.single and len(parts[Component.COMPRESSOR]) != 1:
            continue  # a whole-unit figure is not any one of two compressors' (nor the sum of one)
        for component_id, component in parts.get(metric.component, []):
            if (metric.name, component_id) in done:
                continue  # an earlier alternative feature already gave this metric
            try:
                value, at = _read(metric, device, component, component_id)
            except UnknownUnit as error:
                readout.problems[metric.name] = str(error)
                readout.rejected.append(error)
                continue
            except Sentinel:
                readout.supported.add(metric.name)  # the device has it; it is just not active now
                continue
            except Rejected as error:
                readout.rejected.append(error)
                continue
            except (*_ABSENT, NoValue):
                continue
            except Exception as error:
                readout.rejected.append(Rejected("malformed", f"{metric.name}: {type(error).__name__} reading it"))
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
            readout.rejected.append(error)
            continue
        except Rejected as error:
            readout.rejected.append(error)
            continue
        except Exception:
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
        raise NoValue(f"{metric.name}: no set point in this program")
    value = _convert(metric, raw, program["properties"]["temperature"].get("unit", ""), program["feature"])
    at = max(feature_time(active), feature_time(program))
    return Reading(metric.measurement, _tags(metric, device_tag, circuit_id), metric.field, value, at)


def read_errors(
    device: Any, device_tag: str, rejected: list[Rejected] | None = None
) -> tuple[datetime, list[tuple[str, str]]] | None:
    """Active device errors as (code, priority), or None when the device does not expose its error list.
    An entry without a usable code is left out and added to ``rejected``; an unreadable list is None."""
    try:
        entries = device.getDeviceErrors()
        at = feature_time(device.getProperty(_ERRORS_FEATURE))
        if not isinstance(entries, list):
            raise TypeError(f"error list is a {type(entries).__name__}")
    except _ABSENT:
        return None
    except Exception as error:
        if rejected is not None:
            rejected.append(Rejected("malformed", f"{_ERRORS_FEATURE}: {type(error).__name__}: {error}"))
        return None
    active = []
    for entry in entries:
        code = entry.get("errorCode") if isinstance(entry, dict) else None
        priority = entry.get("priority", "unknown") if isinstance(entry, dict) else None
        if isinstance(code, int) and not isinstance(code, bool):
            code = str(code)
        if usable_tag(code) is None or usable_tag(priority) is None:
            if rejected is not None:
                rejected.append(Rejected("malformed", f"{_ERRORS_FEATURE}: entry without a usable errorCode"))
            continue
        active.append((code, priority))
    return at, active


def read_messages(device: Any, rejected: list[Rejected]) -> dict[str, tuple[datetime, list[str]]]:
    """Listed status and info messages per kind (codes such as S.123, I.99), for the lists the device exposes.
    An entry without a usable code is counted in ``rejected``; an unreadable list is left out whole."""
    found = {}
    for kind, name in MESSAGE_FEATURES.items():
        try:
            feature = device.getProperty(name)
            entries = feature["properties"]["entries"]["value"]
            at = feature_time(feature)
            if not isinstance(entries, list):
                raise TypeError(f"message list is a {type(entries).__name__}")
        except _ABSENT:
            continue
        except Exception as error:
            rejected.append(Rejected("malformed", f"{name}: {type(error).__name__}: {error}"))
            continue
        codes = set()
        for entry in entries:
            code = usable_tag(entry.get("errorCode")) if isinstance(entry, dict) else None
            if code is None:
                rejected.append(Rejected("malformed", f"{name}: entry without a usable errorCode"))
            else:
                codes.add(code)
        found[kind] = (at, sorted(codes))
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
    if raw is None or (isinstance(raw, str) and raw in _NO_VALUE_TEXTS):
        raise NoValue(f"{metric.name}: no value")
    try:
        at = feature_time(feature)
    except (KeyError, TypeError, ValueError, OverflowError) as error:
        raise Rejected("timestamp", f"{metric.name}: unusable feature timestamp ({type(error).__name__})") from error
    value = _convert(metric, raw, prop.get("unit", _feature_unit(feature)), name)
    if value in metric.sentinels:
        raise Sentinel(f"{metric.name}: {value!r} means not active")
    return value, at


def _feature_unit(feature: dict[str, Any]) -> Any:
    """The 2021 API states a sensor's unit once per feature (``properties.unit.value``), not on the value."""
    label = feature["properties"].get("unit")
    return label.get("value") if isinstance(label, dict) else None


def _convert(metric: Metric, raw: Any, unit: Any, feature: str) -> FieldValue:
    """The device value in the schema's type and unit, plausible; else ``Rejected``."""
    if metric.read is Read.TEXT:
        return text(raw, metric.name)
    if metric.read is Read.FLAG:
        flag = _FLAGS.get(raw.lower()) if isinstance(raw, str) else raw if raw in (0, 1) else None
        if flag is None:
            raise Rejected("malformed", f"{metric.name}: {raw!r} is not on/off")
        return int(flag)
    value = number(raw, metric.name)
    if metric.read is Read.COUNT:
        if not value.is_integer():
            raise Rejected("malformed", f"{metric.name}: {raw!r} is not a count")
        return int(check(metric.measurement, metric.field, value, metric.name))
    target = schema.unit_of(metric.measurement, metric.field)
    if unit is None:  # no label at all (2021 responses): temperatures have one unit in this API, runtimes do not
        unit = target if target in _ONE_UNIT else "none"
    elif unit == "":
        unit = UNLABELLED.get(metric.name, "none")
    if not isinstance(unit, str):
        raise UnknownUnit(f"{metric.name}: unit label {unit!r} of feature {feature} is not a text")
    factor = 1.0 if unit == target else _UNIT_FACTORS.get((unit.casefold(), target))
    if factor is None:
        raise UnknownUnit(f"{metric.name}: unit {unit[:40]!r} of feature {feature} cannot be converted to {target!r}")
    converted = round(value * factor, 6)  # drops float noise such as 7.199999999999999
    return check(metric.measurement, metric.field, converted, metric.name)


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
