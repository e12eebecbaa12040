"""The heat pump's configuration as a normalized snapshot, built from the raw features of one response.

``ITEMS`` is the declarative table of what counts as configuration: one row per setting, naming the feature
(``{c}`` = heating circuit id), the property, where the snapshot keeps it (entity + field), its label, unit and
the command parameter whose ``stepping`` it is rounded to. Anything not in the table (sensor values, feature
timestamps, compressor state, …) is not configuration and can never produce a change.

A snapshot is a flat mapping ``"entity/field" -> value`` with canonical values: numbers rounded to the device's
stepping (``1.4000000001`` → ``1.4``), schedules as sorted ``[start, end, mode]`` lists per weekday (the API's
``position`` and entry order are noise), holiday periods as ``"start/end"``. ``canonical_json`` sorts the keys, so
equal configurations have equal text and hash.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any, Literal

Kind = Literal["number", "text", "bool", "schedule", "period", "clock"]
Value = Any  # JSON-compatible: int | float | str | bool | list | None

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ENTITY_ORDER = ("dhw", "circulation", "holiday", "holiday_at_home", "heating_rod", "system")  # after the circuits
# Dates the API reports for a holiday program that was never scheduled.
UNSET_DATES = frozenset({"", "2000-01-01"})
_CIRCUIT = re.compile(r"^heating\.circuits\.(\d+)\.")
_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")


@dataclass(frozen=True)
class Item:
    entity: str  # "circuit" (expanded per circuit id), "dhw", "circulation", …
    field: str
    label: str
    features: tuple[str, ...]  # alternatives (E3 / legacy names); the first present one counts
    props: tuple[str, ...]  # two for a period (start, end) and a clock (hour, minute)
    kind: Kind
    topic: str  # Grafana tag grouping related settings
    unit: str = ""
    command: str = ""  # the set-command whose parameter constraints give the stepping
    default_step: float = 1  # when the response carries no such constraint
    states: tuple[str, str] = ("on", "off")  # texts for True / False
    unless_prop: str = ""  # no key at all when the feature carries this property (a richer item reads it)


def _group(entity: str, prefix: str, *items: Item) -> tuple[Item, ...]:
    return tuple(replace(i, entity=entity, features=tuple(prefix + f for f in i.features)) for i in items)


def _text(field: str, label: str, feature: str, prop: str, topic: str) -> Item:
    return Item("", field, label, (feature,), (prop,), "text", topic)


def _flag(field: str, label: str, feature: str, prop: str, topic: str, states: tuple[str, str] = ("on", "off")) -> Item:
    return Item("", field, label, (feature,), (prop,), "bool", topic, states=states)


def _num(field: str, label: str, feature: str, prop: str, topic: str, unit: str, command: str, step: float = 1) -> Item:
    return Item("", field, label, (feature,), (prop,), "number", topic, unit, command, step)


def _setpoint(field: str, label: str, *programs: str) -> Item:
    features = tuple(f"operating.programs.{program}" for program in programs)
    return Item("", field, label, features, ("temperature",), "number", "setpoint", "°C", "setTemperature")


def _dhw_temperature(field: str, label: str, feature: str, command: str = "setTargetTemperature") -> Item:
    return _num(field, label, feature, "value", "dhw-target", "°C", command)


def _hysteresis(field: str, label: str, prop: str) -> Item:
    command = f"setHysteresis{prop[0].upper()}{prop[1:]}"  # setHysteresisSwitchOnValue, …
    return _num(field, label, "temperature.hysteresis", prop, "hysteresis", "K", command, 0.5)


def _schedule(field: str, label: str, feature: str) -> tuple[Item, Item]:
    return _flag(f"{field}_active", label, feature, "active", "schedule"), Item(
        "", field, label, (feature,), ("entries",), "schedule", "schedule"
    )


def _period(field: str, label: str, feature: str) -> Item:
    return Item("", field, label, (feature,), ("start", "end"), "period", "holiday")


def _dhw_configuration(field: str, label: str, name: str, unit: str = "") -> Item:
    """A DHW setting the API moved from ``heating.configuration.dhw.*`` to ``heating.dhw.configuration.*`` (the
    262-A reports both, the 250-A the old one disabled): the first present name counts. No unit: a text."""
    features = (f"dhw.configuration.{name}", f"configuration.dhw.{name}")
    return Item("", field, label, features, ("value",), "number" if unit else "text", "dhw-target", unit)


_ALLOWED = ("allowed", "not allowed")

ITEMS: tuple[Item, ...] = (
    *_group(
        "circuit",
        "heating.circuits.{c}.",
        _text("mode", "Operating mode", "operating.modes.active", "value", "mode"),
        _text("program", "Active program", "operating.programs.active", "value", "program"),
        _setpoint("setpoint_normal", "Normal room temperature", "normalHeating", "normal"),
        _setpoint("setpoint_reduced", "Reduced room temperature", "reducedHeating", "reduced"),
        _setpoint("setpoint_comfort", "Comfort room temperature", "comfortHeating", "comfort"),
        _setpoint("setpoint_eco", "Eco room temperature", "eco"),
        _setpoint("setpoint_normal_cooling", "Normal cooling room temperature", "normalCooling"),
        _setpoint("setpoint_reduced_cooling", "Reduced cooling room temperature", "reducedCooling"),
        _setpoint("setpoint_comfort_cooling", "Comfort cooling room temperature", "comfortCooling"),
        _num("curve_slope", "Heating curve slope", "heating.curve", "slope", "heating-curve", "", "setCurve", 0.1),
        _num("curve_shift", "Heating curve shift", "heating.curve", "shift", "heating-curve", "K", "setCurve"),
        _num("supply_min", "Minimum supply temperature", "temperature.levels", "min", "supply-limits", "°C", "setMin"),
        _num("supply_max", "Maximum supply temperature", "temperature.levels", "max", "supply-limits", "°C", "setMax"),
        _flag("summer_eco", "Summer-eco function", "configuration.summerEco.absolute", "active", "summer-eco"),
        _num(
            "summer_eco_threshold",
            "Summer-eco threshold",
            "configuration.summerEco.absolute",
            "threshold",
            "summer-eco",
            "°C",
            "setThreshold",
            0.1,
        ),
        *(
            _num(
                f"{usage}_hysteresis_{edge}",
                f"Circuit {usage} hysteresis switch-{edge}",
                f"{usage}.hysteresis.switch",
                f"switch{edge.capitalize()}Value",
                "hysteresis",
                "K",
                f"setSwitch{edge.capitalize()}Value",
                0.1,
            )
            for usage in ("heating", "cooling")
            for edge in ("on", "off")
        ),
        *_schedule("schedule", "Heating schedule", "heating.schedule"),
        # how much the room sensor corrects the flow temperature (222-S split)
        _num(
            "room_influence", "Room influence factor", "heating.roomInfluenceFactor", "value", "heating-curve", "", ""
        ),
    ),
    *_group(
        "dhw",
        "heating.dhw.",
        _text("mode", "DHW mode", "operating.modes.active", "value", "mode"),
        _dhw_temperature("target", "DHW target temperature", "temperature.main"),
        _dhw_temperature("target2", "DHW target temperature 2", "temperature.temp2"),
        # ``value`` mirrors switchOnValue wherever both exist: reading both would report one edit twice. Older
        # firmware (2021 Vitocal 200-S, Vitocaldens 222-F) reports only ``value``, the one DHW hysteresis.
        _hysteresis("hysteresis_on", "DHW hysteresis switch-on", "switchOnValue"),
        _hysteresis("hysteresis_off", "DHW hysteresis switch-off", "switchOffValue"),
        replace(
            _hysteresis("hysteresis", "DHW hysteresis", "value"), command="setHysteresis", unless_prop="switchOnValue"
        ),
        _flag("hygiene", "DHW hygiene function", "hygiene", "enabled", "hygiene"),
        # the weekly legionella charge (250-A, 262-A): its temperature and start explain a weekly energy spike
        _num("hygiene_temperature", "DHW hygiene temperature", "temperature.hygiene", "value", "hygiene", "°C", ""),
        Item(
            "",
            "hygiene_start",
            "DHW hygiene start",
            ("hygiene.trigger",),
            ("startHour", "startMinute"),
            "clock",
            "hygiene",
        ),
        _text("hygiene_days", "DHW hygiene days", "hygiene.trigger", "weekdays", "hygiene"),
        *_schedule("schedule", "DHW schedule", "schedule"),
    ),
    *_group(
        "dhw",
        "heating.configuration.dhw.",
        _dhw_temperature("cylinder_max", "DHW cylinder maximum", "temperature.dhwCylinder.max", "setTemperature"),
    ),
    *_group(
        "dhw",
        "heating.",
        _dhw_configuration("min_comfort", "DHW minimum comfort temperature", "temperature.minimumComfort", "°C"),
        _dhw_configuration("high_demand_time", "DHW high-demand timeframe", "highDemand.timeframe", "min"),
        _dhw_configuration("eco_sensor", "DHW eco mode leading sensor", "sensors.ecoMode.leading"),
        _flag(
            "electric_heater", "Electric DHW heater", "configuration.dhwHeater", "useApproved", "heating-rod", _ALLOWED
        ),
    ),
    *_group(
        "circulation", "heating.dhw.pumps.", *_schedule("schedule", "Circulation pump schedule", "circulation.schedule")
    ),
    *_group(  # the circulation pump also running while the cylinder charges or runs its hygiene cycle (262-A)
        "circulation",
        "heating.dhw.configuration.pumps.circulation.",
        _flag("during_charging", "Circulation pump during DHW charging", "parallelDhwHeating", "active", "circulation"),
        _flag("during_hygiene", "Circulation pump during DHW hygiene", "parallelHygiene", "active", "circulation"),
    ),
    *_group(
        "holiday",
        "heating.operating.programs.",
        _flag("active", "Holiday program", "holiday", "active", "holiday"),
        _period("period", "Holiday period", "holiday"),
    ),
    *_group(
        "holiday_at_home",
        "heating.operating.programs.",
        _flag("active", "Holiday-at-home program", "holidayAtHome", "active", "holiday"),
        _period("period", "Holiday-at-home period", "holidayAtHome"),
    ),
    *_group(
        "heating_rod",
        "heating.configuration.heatingRod.",
        _flag("heating", "Heating rod for space heating", "heating", "useApproved", "heating-rod", _ALLOWED),
        _flag("dhw", "Heating rod for DHW", "dhw", "useApproved", "heating-rod", _ALLOWED),
    ),
    *_group(  # the whole unit (2025 200-S, 200-A): quiet mode costs capacity, limits and damping steer the curve
        "system",
        "heating.",
        _text("noise_reduction", "Noise reduction", "noise.reduction.operating.programs.active", "value", "noise"),
        _num(
            "flow_min",
            "Minimum flow temperature (system)",
            "configuration.flow.temperature.min",
            "value",
            "supply-limits",
            "°C",
            "",
        ),
        _num(
            "flow_max",
            "Maximum flow temperature (system)",
            "configuration.flow.temperature.max",
            "value",
            "supply-limits",
            "°C",
            "",
        ),
        _num(
            "outside_damping",
            "Outside temperature damping",
            "configuration.temperature.outside.DampingFactor",
            "value",
            "outside-damping",
            "min",
            "",
        ),
        _flag("quiet_mode", "Noise reduction", "noise.reduction", "active", "noise"),  # 222-S split: a flag only
        _num(
            "buffer_max",
            "Buffer maximum temperature",
            "configuration.buffer.temperature.max",
            "value",
            "buffer",
            "°C",
            "",
        ),
        _text("regulation", "Regulation", "configuration.regulation", "mode", "regulation"),
        _flag(
            "comfort_ensuring", "Comfort ensuring (backup heater)", "device.comfortEnsuring", "activated", "heating-rod"
        ),
        _flag("secondary_generator", "Secondary heat generator", "secondaryHeatGenerator", "active", "heat-generator"),
        # cooling: the installation's cooling mode and cooling circuit 0 (the only one any dump reports)
        _text("cooling_mode", "Cooling mode", "configuration.cooling", "mode", "cooling"),
        _text("cooling_circuit_type", "Cooling circuit type", "coolingCircuits.0.type", "value", "cooling"),
        _flag("cooling_reverse", "Cooling circuit reversal", "coolingCircuits.0.reverse", "active", "cooling"),
    ),
)

_BY_KEY = {(item.entity, item.field): item for item in ITEMS}
_FIELD_RANK = {(item.entity, item.field): rank for rank, item in enumerate(ITEMS)}


def split_key(key: str) -> tuple[str, str, str | None]:
    """``"circuit.0/schedule.mon"`` -> ``("circuit.0", "schedule", "mon")``."""
    entity, field = key.split("/", 1)
    base, _, day = field.partition(".")
    return entity, base, day or None


def is_tracked(key: str) -> bool:
    """False for keys of a snapshot stored by a version that tracked settings this one no longer does."""
    entity, field, _ = split_key(key)
    return (entity.split(".", 1)[0], field) in _BY_KEY


def item_for(entity: str, field: str) -> Item:
    return _BY_KEY[(entity.split(".", 1)[0], field)]


def key_order(key: str) -> tuple[int, int, int, int]:
    """Order in which changes are reported: circuits by id, then DHW, circulation, holidays, heating rod."""
    entity, field, day = split_key(key)
    kind, _, circuit = entity.partition(".")
    entity_rank = (0, int(circuit)) if kind == "circuit" else (1, ENTITY_ORDER.index(kind))
    return (*entity_rank, _FIELD_RANK[(kind, field)], DAYS.index(day) if day else -1)


def build_snapshot(features: Iterable[Mapping[str, Any]], known_circuits: Iterable[str] = ()) -> dict[str, Value]:
    """The configuration found in one features response.

    A feature that is present but disabled (or lacks the property) gives ``None``; a feature that is absent
    from the response gives no key at all, so the caller can keep the last known value (a partial or empty
    response is not a change). Circuits are the device's ``heating.circuits.enabled`` list; a response without
    it falls back to the circuits with an enabled configuration feature plus ``known_circuits``.
    """
    by_name = {f["feature"]: f for f in features if isinstance(f, Mapping) and isinstance(f.get("feature"), str)}
    circuits = _enabled_circuits(by_name.get("heating.circuits")) or _circuits_with_settings(by_name, known_circuits)
    snapshot: dict[str, Value] = {}
    for item in ITEMS:
        scopes = (
            [(f"circuit.{c}", c) for c in sorted(circuits, key=int)]
            if item.entity == "circuit"
            else [(item.entity, "")]
        )
        for entity, circuit in scopes:
            names = [template.format(c=circuit) for template in item.features]
            feature = next((by_name[name] for name in names if name in by_name), None)
            if feature is not None:
                snapshot.update(_read(item, entity, feature))
    return snapshot


def _enabled_circuits(feature: Mapping[str, Any] | None) -> set[str]:
    """The circuit ids of ``heating.circuits``' ``enabled`` list (empty when the response has none)."""
    if not feature or not feature.get("isEnabled", True):
        return set()
    ids = _path(feature, "properties", "enabled", "value")
    return {str(i) for i in ids if str(i).isdigit()} if isinstance(ids, list) else set()


def _circuits_with_settings(by_name: Mapping[str, Mapping[str, Any]], known_circuits: Iterable[str]) -> set[str]:
    circuits = set(known_circuits)
    circuit_features = {
        template.removeprefix("heating.circuits.{c}.")
        for item in ITEMS
        if item.entity == "circuit"
        for template in item.features
    }
    for name, feature in by_name.items():
        match = _CIRCUIT.match(name)
        if match and feature.get("isEnabled") and name[match.end() :] in circuit_features:
            circuits.add(match.group(1))
    return circuits


def _read(item: Item, entity: str, feature: Mapping[str, Any]) -> dict[str, Value]:
    props = feature.get("properties") if feature.get("isEnabled") else None
    props = props if isinstance(props, Mapping) else {}
    if item.unless_prop and item.unless_prop in props:
        return {}
    raw = [_prop(props, name) for name in item.props]
    key = f"{entity}/{item.field}"
    if item.kind == "schedule":
        days = _schedule(raw[0])
        return {f"{key}.{day}": days.get(day) if days is not None else None for day in DAYS}
    if any(value is None for value in raw) and item.kind != "period":
        return {key: None}
    if item.kind == "number":
        return {key: _number(raw[0], _stepping(feature, item))}
    if item.kind == "bool":
        return {key: raw[0] if isinstance(raw[0], bool) else None}
    if item.kind == "clock":
        hour, minute = raw
        valid = all(isinstance(v, int) and not isinstance(v, bool) for v in raw)
        return {key: f"{hour:02d}:{minute:02d}" if valid else None}
    if item.kind == "period":
        start, end = (value if isinstance(value, str) else "" for value in raw)
        return {key: None if start in UNSET_DATES and end in UNSET_DATES else f"{start}/{end}"}
    return {key: ", ".join(map(str, raw[0])) if isinstance(raw[0], list) else str(raw[0])}  # weekdays: a list


def _prop(props: Mapping[str, Any], name: str) -> Any:
    prop = props.get(name)
    return prop.get("value") if isinstance(prop, Mapping) else None


def _stepping(feature: Mapping[str, Any], item: Item) -> float:
    """The ``stepping`` of the command parameter named like the property, else of the command's only parameter."""
    params = _path(feature, "commands", item.command, "params")
    params = params if isinstance(params, Mapping) else {}
    steps = {name: _path(param, "constraints", "stepping") for name, param in params.items()}
    steps = {name: step for name, step in steps.items() if isinstance(step, int | float) and step > 0}
    step = steps.get(item.props[0], next(iter(steps.values())) if len(steps) == 1 else None)
    return float(step) if step is not None else item.default_step


def _path(value: Any, *keys: str) -> Any:
    for key in keys:
        value = value.get(key) if isinstance(value, Mapping) else None
    return value


def _number(value: Any, step: float) -> int | float | None:
    """Round to the device's stepping, in the shortest stable form: ``1.4000000001`` → ``1.4``, ``20.0`` → ``20``."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    quantum = Decimal(str(step))
    rounded = Decimal(round(value / step)) * quantum
    return int(rounded) if rounded == rounded.to_integral_value() else float(rounded)


def _schedule(value: Any) -> dict[str, list[list[str]]] | None:
    if not isinstance(value, Mapping):
        return None
    days: dict[str, list[list[str]]] = {}
    for day in DAYS:
        entries = value.get(day)
        entries = entries if isinstance(entries, list) else []
        rows = [
            [_clock(entry.get("start")), _clock(entry.get("end")), str(entry.get("mode", ""))]
            for entry in entries
            if isinstance(entry, Mapping)
        ]
        days[day] = sorted(rows)
    return days


def _clock(value: Any) -> str:
    match = _TIME.match(str(value).strip())
    return f"{int(match.group(1)):02d}:{match.group(2)}" if match else str(value)


def canonical_json(snapshot: Mapping[str, Value]) -> str:
    return json.dumps(snapshot, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def snapshot_hash(snapshot: Mapping[str, Value]) -> str:
    return hashlib.sha256(canonical_json(snapshot).encode()).hexdigest()


def circuits_of(snapshot: Mapping[str, Value]) -> list[str]:
    ids = {split_key(key)[0].partition(".")[2] for key in snapshot if key.startswith("circuit.")}
    return sorted(ids, key=int)


def diff(old: Mapping[str, Value], new: Mapping[str, Value]) -> list[tuple[str, Value, Value]]:
    """``(key, old, new)`` for every setting whose canonical value differs, in reporting order."""
    keys = sorted(set(old) | set(new), key=key_order)
    return [(key, old.get(key), new.get(key)) for key in keys if not _same(old.get(key), new.get(key))]


def _same(a: Value, b: Value) -> bool:
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)
