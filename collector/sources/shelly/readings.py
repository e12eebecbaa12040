"""Which device field becomes which schema field: one row per field, for both profiles and the 1-minute records.

Both profiles are first flattened to the triphase names (``a_act_power``; monophase ``em1:0.act_power`` becomes
``a_act_power``), so one table serves both. Totals come from the device where it sends them (triphase live
values) and are summed over the phases otherwise (monophase, 1-minute records).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from collector.points import Point, point
from collector.schema import SHELLY_ENERGY, SHELLY_ENERGY_MINUTE, SHELLY_POWER
from collector.sources.shelly.client import PayloadError
from collector.sources.shelly.templates import PHASES


@dataclass(frozen=True)
class Reading:
    measurement: str
    field: str
    key: str | None  # per-phase device key; "{p}" is the phase letter
    total: str | None = None  # the device's own total key, when it sends one
    sum_total: bool = False  # otherwise total = a + b + c
    required: bool = False  # a sample without it is rejected
    counter: bool = False  # energy: never negative


_P, _E, _M = SHELLY_POWER.name, SHELLY_ENERGY.name, SHELLY_ENERGY_MINUTE.name

# Shelly.GetStatus: em:0 + emdata:0 (triphase) or em1:N + em1data:N (monophase).
LIVE = (
    Reading(_P, "power", "{p}_act_power", "total_act_power", sum_total=True, required=True),
    Reading(_P, "apparent_power", "{p}_aprt_power", "total_aprt_power", sum_total=True),
    Reading(_P, "voltage", "{p}_voltage"),
    Reading(_P, "current", "{p}_current", "total_current", sum_total=True),
    Reading(_P, "pf", "{p}_pf"),
    Reading(_P, "freq", "{p}_freq"),
    Reading(_P, "neutral_current", None, "n_current"),
    Reading(_E, "imported", "{p}_total_act_energy", "total_act", sum_total=True, required=True, counter=True),
    Reading(_E, "exported", "{p}_total_act_ret_energy", "total_act_ret", sum_total=True, required=True, counter=True),
)

# EMData.GetData / EM1Data.GetData records (energy within the minute, Wh).
MINUTE = (
    Reading(_M, "imported", "{p}_total_act_energy", sum_total=True, required=True, counter=True),
    Reading(_M, "exported", "{p}_total_act_ret_energy", sum_total=True, required=True, counter=True),
    Reading(_M, "min_power", "{p}_min_act_power"),
    Reading(_M, "max_power", "{p}_max_act_power"),
    Reading(_M, "avg_voltage", "{p}_avg_voltage"),
    Reading(_M, "avg_current", "{p}_avg_current", sum_total=True),
)

Values = dict[tuple[str, str], dict[str, float]]  # (measurement, phase) -> field -> value


def flatten_status(status: Any, profile: str, channels: tuple[int, ...] = (0, 1, 2)) -> dict[str, Any]:
    """The meter components of Shelly.GetStatus under triphase key names (em1 channel N as phase N)."""
    if not isinstance(status, dict):
        raise PayloadError("Shelly.GetStatus: answer is not an object")
    if profile == "triphase":
        return {**_component(status, "em:0"), **_component(status, "emdata:0")}
    flat: dict[str, Any] = {}
    for i in channels:
        for name in (f"em1:{i}", f"em1data:{i}"):
            flat.update({f"{PHASES[i]}_{key}": value for key, value in _component(status, name).items()})
    return flat


def phases_of(profile: str, channels: tuple[int, ...]) -> tuple[str, ...]:
    """The phase tags a device's readings carry: a, b, c, or the letters of the em1 channels read."""
    return PHASES if profile == "triphase" else tuple(PHASES[i] for i in channels)


def _component(status: dict[str, Any], name: str) -> dict[str, Any]:
    component = status.get(name)
    if not isinstance(component, dict):
        raise PayloadError(f"Shelly.GetStatus: no {name} component (profile changed?)")
    return component


def extract(table: tuple[Reading, ...], flat: dict[str, Any], where: str, phases: tuple[str, ...] = PHASES) -> Values:
    """Validated values per (measurement, phase); null fields are left out, invalid ones reject the whole sample."""
    out: Values = {}
    for row in table:
        phase_values: list[float | None] = []
        for phase in phases:
            value = _value(row, row.key.format(p=phase), flat, where) if row.key else None
            phase_values.append(value)
            if value is not None:
                out.setdefault((row.measurement, phase), {})[row.field] = value
        if row.total is not None and row.total in flat:
            total = _value(row, row.total, flat, where)
        elif row.sum_total and None not in phase_values:
            total = round(sum(v for v in phase_values if v is not None), 6)  # no float noise in the sum
        else:
            total = None
        if total is not None:
            out.setdefault((row.measurement, "total"), {})[row.field] = total
    return out


def _value(row: Reading, key: str, flat: dict[str, Any], where: str) -> float | None:
    value = flat.get(key)
    if value is None:
        if row.required:
            raise PayloadError(f"{where}: {key} is missing or null")
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PayloadError(f"{where}: {key}={value!r} is not a number")
    if not math.isfinite(value):
        raise PayloadError(f"{where}: {key}={value!r} is not finite")
    if row.counter and value < 0:
        raise PayloadError(f"{where}: energy {key}={value!r} is negative")
    return float(value)


def to_points(values: Values, device: str, at: float) -> list[Point]:
    moment = utc(at)
    return [point(m, {"device": device, "phase": phase}, fields, moment) for (m, phase), fields in values.items()]


def utc(t: float) -> datetime:
    """Unix seconds as an aware datetime: exact to the microsecond (float seconds * 1e9 is not exact to the ns)."""
    return datetime.fromtimestamp(t, UTC)


def parse_records(result: Any, default_keys: tuple[str, ...], where: str) -> list[tuple[int, dict[str, Any]]]:
    """(record ts, {key: value}) of one EMData.GetData page; record i of a block is at ts + i * period."""
    if not isinstance(result, dict) or not isinstance(result.get("data", []), list):
        raise PayloadError(f"{where}: answer has no data list")
    keys = result.get("keys") or default_keys
    records = []
    for block in result.get("data", []):
        try:
            ts, period, rows = int(block["ts"]), int(block["period"]), block["values"]
        except (KeyError, TypeError, ValueError, OverflowError) as error:
            raise PayloadError(f"{where}: malformed data block ({error})") from error
        if period <= 0 or not isinstance(rows, list):
            raise PayloadError(f"{where}: data block at {ts} has period {period} and no list of values")
        for i, row in enumerate(rows):
            if not isinstance(row, list) or len(row) != len(keys):
                raise PayloadError(f"{where}: record at {ts + i * period} has {len(row)} values for {len(keys)} keys")
            records.append((ts + i * period, dict(zip(keys, row, strict=True))))
    return records
