"""Which device field becomes which schema field: one row per field, for both profiles and the 1-minute records.

Both profiles are first flattened to the triphase names (``a_act_power``; monophase ``em1:0.act_power`` becomes
``a_act_power``), so one table serves both. Totals come from the device where it sends them (triphase live
values) and are summed over the phases otherwise (monophase, 1-minute records).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from collector import validation
from collector.points import Point, point
from collector.schema import SHELLY_ENERGY, SHELLY_ENERGY_MINUTE, SHELLY_POWER
from collector.sources.shelly.client import PayloadError
from collector.sources.shelly.templates import PHASES, RECORD_PERIOD


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

COUNTER_SUM_TOLERANCE_WH = 1.0  # each counter is rounded to 0.01 Wh on its own
Reject = Callable[[validation.Rejected], None]  # where a value left out of a sample is reported
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


def extract(
    table: tuple[Reading, ...],
    flat: dict[str, Any],
    where: str,
    reject: Reject | None = None,
    phases: tuple[str, ...] = PHASES,
) -> Values:
    """Validated values per (measurement, phase) over ``phases``; null fields are left out. A missing required
    value or an invalid counter rejects the whole sample (PayloadError); any other invalid or implausible value
    is left out and handed to ``reject`` (without one, it rejects the sample too)."""
    out: Values = {}
    refused: list[validation.Rejected] = []  # reported only when the sample is taken: else the fault counts
    keep = refused.append if reject is not None else None
    for row in table:
        phase_values: list[float | None] = []
        for phase in phases:
            value = _value(row, row.key.format(p=phase), flat, where, keep) if row.key else None
            phase_values.append(value)
            if value is not None:
                out.setdefault((row.measurement, phase), {})[row.field] = value
        if row.total is not None and row.total in flat:
            total = _value(row, row.total, flat, where, keep)
            if row.counter and total is not None and None not in phase_values:
                _check_counter_sum(row, total, phase_values, where)
        elif row.sum_total and None not in phase_values:
            total = round(sum(v for v in phase_values if v is not None), 6)  # no float noise in the sum
        else:
            total = None
        if total is not None:
            try:
                out.setdefault((row.measurement, "total"), {})[row.field] = validation.check(
                    row.measurement, row.field, total, f"{where}: {row.field} total"
                )
            except validation.Rejected as error:
                _refuse(row, error, keep)
    if reject is not None:
        for error in refused:
            reject(error)
    return out


def _value(row: Reading, key: str, flat: dict[str, Any], where: str, reject: Reject | None) -> float | None:
    value = flat.get(key)
    if value is None:
        if row.required:
            raise PayloadError(f"{where}: {key} is missing or null")
        return None
    try:
        number = validation.number(value, f"{where}: {key}")
        if row.counter and number < 0:
            raise validation.Rejected("implausible", f"{where}: energy {key}={value!r} is negative")
        return validation.check(row.measurement, row.field, number, f"{where}: {key}")
    except validation.Rejected as error:
        _refuse(row, error, reject)
        return None


def _check_counter_sum(row: Reading, total: float, phases: list[float | None], where: str) -> None:
    """A counter's phases must add up to its total: one corrupted phase counter is otherwise written as a drop
    (and a rise back) that no counter reset explains."""
    summed = sum(v for v in phases if v is not None)
    if abs(total - summed) > COUNTER_SUM_TOLERANCE_WH + 1e-9 * total:
        raise PayloadError(f"{where}: {row.total}={total} but its phases add up to {summed:.2f}")


def _refuse(row: Reading, error: validation.Rejected, reject: Reject | None) -> None:
    if row.counter or reject is None:  # the counters carry resets and energy: the sample is unusable without
        raise PayloadError(str(error)) from error
    reject(error)


def to_points(values: Values, device: str, at: float) -> list[Point]:
    moment = utc(at)
    return [point(m, {"device": device, "phase": phase}, fields, moment) for (m, phase), fields in values.items()]


def utc(t: float) -> datetime:
    """Unix seconds as an aware datetime: exact to the microsecond (float seconds * 1e9 is not exact to the ns)."""
    return datetime.fromtimestamp(t, UTC)


def parse_records(
    result: Any, default_keys: tuple[str, ...], where: str, reject: Reject | None = None
) -> list[tuple[int, dict[str, Any]]]:
    """(record ts, {key: value}) of one EMData.GetData page; record i of a block is at ts + i * period.

    Every malformation of the page's structure is a PayloadError. Record times are aligned to the start of
    their minute, and a minute already read (overlapping blocks) is dropped and handed to ``reject``: each
    minute's energy counts once.
    """
    if not isinstance(result, dict) or not isinstance(result.get("data", []), list):
        raise PayloadError(f"{where}: answer has no data list")
    keys = result.get("keys") or default_keys
    if not isinstance(keys, list | tuple) or not all(isinstance(k, str) for k in keys) or len(set(keys)) != len(keys):
        raise PayloadError(f"{where}: keys are not a list of distinct names")
    records: dict[int, dict[str, Any]] = {}
    for block in result.get("data", []):
        try:
            ts, period, rows = block["ts"], block["period"], block["values"]
            if isinstance(ts, bool) or isinstance(period, bool):
                raise TypeError("a flag is not a time")
            ts, period = int(ts), int(period)
        except (KeyError, TypeError, ValueError, OverflowError) as error:
            raise PayloadError(f"{where}: malformed data block ({type(error).__name__}: {error})") from error
        if period != RECORD_PERIOD or not isinstance(rows, list) or not 0 <= ts < 2**40:
            raise PayloadError(f"{where}: data block at {ts} has period {period} and no list of minute records")
        for i, row in enumerate(rows):
            if not isinstance(row, list) or len(row) != len(keys):
                size = len(row) if isinstance(row, list) else type(row).__name__
                raise PayloadError(f"{where}: record at {ts + i * period} has {size} values for {len(keys)} keys")
            minute = (ts + i * period) // RECORD_PERIOD * RECORD_PERIOD
            if minute in records:
                if reject is None:
                    raise PayloadError(f"{where}: a second record for the minute at {minute}")
                reject(validation.Rejected("duplicate", f"{where}: a second record for the minute at {minute}"))
                continue
            records[minute] = dict(zip(keys, row, strict=True))
    return sorted(records.items())
