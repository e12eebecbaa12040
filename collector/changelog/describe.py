"""Human-readable texts and Grafana tags for snapshot differences.

"Heating curve slope (circuit 0): 1.4 → 1.2", "DHW schedule Mon: 05:30–22:00 → 06:00–22:00".
"""

from __future__ import annotations

from collections.abc import Mapping

from collector.changelog.snapshot import Item, Value, circuits_of, item_for, split_key

NONE_TEXT = "none"
GENERIC_SCHEDULE_MODE = "on"  # DHW and circulation schedules know only "on": the mode adds nothing


def describe_change(key: str, old: Value, new: Value) -> str:
    entity, field, day = split_key(key)
    item = item_for(entity, field)
    name = item.label + (f" {day.capitalize()}" if day else "")
    if entity.startswith("circuit."):
        name += f" (circuit {entity.partition('.')[2]})"
    return f"{name}: {format_value(item, old)} → {format_value(item, new)}"


def format_value(item: Item, value: Value) -> str:
    if value is None:
        return NONE_TEXT
    if item.kind == "bool":
        return item.states[0] if value else item.states[1]
    if item.kind == "number":
        return f"{value} {item.unit}" if item.unit else str(value)
    if item.kind == "schedule":
        return ", ".join(_slot(*entry) for entry in value) or NONE_TEXT
    if item.kind == "period":
        start, _, end = str(value).partition("/")
        return f"{start} – {end}"
    return str(value)


def _slot(start: str, end: str, mode: str) -> str:
    return f"{start}–{end}" if mode == GENERIC_SCHEDULE_MODE else f"{start}–{end} {mode}"


def change_tags(key: str) -> tuple[str, ...]:
    """``change``, the entity (``circuit-0``, ``dhw``, …) and the topic (``heating-curve``, ``schedule``, …)."""
    entity, field, _ = split_key(key)
    tags = ("change", entity.replace(".", "-").replace("_", "-"), item_for(entity, field).topic)
    return tuple(dict.fromkeys(tags))


def describe_baseline(snapshot: Mapping[str, Value]) -> str:
    parts = []
    circuits = circuits_of(snapshot)
    if circuits:
        noun = "circuit" if len(circuits) == 1 else "circuits"
        parts.append(f"heating {noun} {', '.join(circuits)}")
    labels = {
        "dhw": "DHW",
        "circulation": "circulation pump",
        "holiday": "holiday programs",
        "heating_rod": "heating rod",
        "system": "system settings",
    }
    entities = {split_key(key)[0] for key, value in snapshot.items() if value is not None}
    parts += [label for entity, label in labels.items() if entity in entities]
    settings = sum(value is not None for value in snapshot.values())
    return f"Configuration baseline: {'; '.join(parts) or 'no settings'} ({settings} settings)"
