"""Selecting samples from plain points, calendar arithmetic in the installation's time zone, and the booking
rule every energy shares with the Flux tasks."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from collector.points import Point, point

NS = 1_000_000_000
MINUTE_NS = 60 * NS
Sample = tuple[int, float]  # (unix ns, value)


def samples(points: Iterable[Point], measurement: str, field: str, **tags: str) -> list[Sample]:
    """Time-sorted values of one field, optionally restricted to tag values."""
    found = []
    for p in points:
        if p.measurement != measurement:
            continue
        tag_map = dict(p.tags)
        if any(tag_map.get(k) != v for k, v in tags.items()):
            continue
        for name, value in p.fields:
            if name == field:
                found.append((p.time_ns, float(value)))
    return sorted(found)


def in_range(series: Iterable[Sample], start: int, stop: int) -> list[Sample]:
    return [(t, v) for t, v in series if start <= t < stop]


def minute_of(t: int) -> int:
    return t - t % MINUTE_NS


def to_ns(moment: datetime) -> int:
    return int(moment.timestamp()) * NS + moment.microsecond * 1000


def local(t: int, tz: ZoneInfo) -> datetime:
    return datetime.fromtimestamp(t // NS, tz=UTC).astimezone(tz)


def _at(tz: ZoneInfo, year: int, month: int, day: int) -> int:
    return to_ns(datetime(year, month, day, tzinfo=tz))


def day_start(t: int, tz: ZoneInfo) -> int:
    moment = local(t, tz)
    return _at(tz, moment.year, moment.month, moment.day)


def add_days(t: int, days: int, tz: ZoneInfo) -> int:
    """Local midnight ``days`` calendar days after the local midnight ``t`` (23/25-hour DST days)."""
    moment = local(t, tz).replace(tzinfo=None) + timedelta(days=days)
    return _at(tz, moment.year, moment.month, moment.day)


def add_years(t: int, years: int, tz: ZoneInfo) -> int:
    """The same local calendar day ``years`` later (29 February becomes the 28th, as in Flux)."""
    moment = local(t, tz)
    day = min(moment.day, 28) if moment.month == 2 and moment.day == 29 else moment.day
    return _at(tz, moment.year + years, moment.month, day)


def month_start(t: int, tz: ZoneInfo, months: int = 0) -> int:
    moment = local(t, tz)
    index = moment.year * 12 + moment.month - 1 + months
    return _at(tz, index // 12, index % 12 + 1, 1)


def year_start(t: int, tz: ZoneInfo, years: int = 0) -> int:
    return _at(tz, local(t, tz).year + years, 1, 1)


def windows(start: int, stop: int, step: Callable[[int], int]) -> list[tuple[int, int]]:
    """Consecutive windows [a, b) from ``start``, each end given by ``step``, the last one clipped at ``stop``."""
    found = []
    while start < stop:
        end = step(start)
        found.append((start, min(end, stop)))
        start = end
    return found


def intervals(
    series: Sequence[Sample], start: int, accept: Callable[[int], bool]
) -> list[tuple[int, float, float, int]]:
    """Booking rule: the interval from a sample to the next one is booked at the sample, where its value (and the
    running state) was seen: (t[i], value[i], value[i+1], whole seconds), when ``accept(seconds)`` (the gap rule)
    and t[i] >= start."""
    booked = []
    for (t0, v0), (t1, v1) in pairwise(series):
        seconds = (t1 - t0) // NS
        if t0 >= start and accept(seconds):
            booked.append((t0, v0, v1, seconds))
    return booked


def sum_by(rows: Iterable[tuple[int, float]], key: Callable[[int], int]) -> dict[int, float]:
    totals: dict[int, float] = {}
    for t, value in rows:
        totals[key(t)] = totals.get(key(t), 0.0) + value
    return totals


def derived(measurement: str, tags: dict[str, str], fields: dict[str, float | int | None], at: int) -> Point:
    return point(measurement, tags, fields, datetime.fromtimestamp(at // NS, tz=UTC))
