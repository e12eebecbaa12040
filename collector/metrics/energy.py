"""Twin of influxdb/tasks/energy_minute.flux (electric part), energy_daily.flux, energy_monthly.flux and
crosscheck.flux: energies per minute, local day and local month, and the device-versus-meter cross-check."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from collector.metrics.heat import heat_minutes
from collector.metrics.params import Params
from collector.metrics.series import (
    NS,
    Sample,
    add_days,
    day_start,
    derived,
    in_range,
    intervals,
    minute_of,
    month_start,
    samples,
    windows,
)
from collector.points import Point

Minutes = dict[int, tuple[float, float]]  # minute start ns -> (Wh, seconds covered)


def counter_deltas(counter: Sequence[Sample], start: int, max_gap_s: int) -> list[tuple[int, float, int]]:
    """Reset-safe counter increments: after a drop (reset) the increment is the new reading itself."""
    return [
        (t, v1 - v0 if v1 >= v0 else v1, seconds)
        for t, v0, v1, seconds in intervals(counter, start, lambda s: s <= max_gap_s)
    ]


def electric_minutes(points: Sequence[Point], start: int, stop: int, params: Params) -> Minutes:
    counter = samples(points, "shelly_energy", "imported", phase="total")
    counter = in_range(counter, start, stop)
    minutes: dict[int, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for t, wh, seconds in counter_deltas(counter, start, params.shelly_max_gap_s):
        minutes[minute_of(t)][0] += wh
        minutes[minute_of(t)][1] += seconds
    result = {t: (wh, seconds) for t, (wh, seconds) in minutes.items()}
    for t, wh in in_range(samples(points, "shelly_energy_minute", "imported", phase="total"), start, stop):
        result[t] = (wh, 60.0)  # the device's own minute record replaces the sampled one
    return result


def energy_window(now: int, params: Params) -> tuple[int, int]:
    """The window the minute, daily and COP tasks rewrite: local yesterday 00:00 to the last full minute."""
    tz = params.tz
    return add_days(day_start(now, tz), -1, tz), minute_of(now)


def energy_minute(points: Sequence[Point], now: int, params: Params) -> list[Point]:
    start, stop = energy_window(now, params)
    series = {("electric", "shelly"): electric_minutes(points, start, stop, params)}
    series.update({("heat", source): rows for source, rows in heat_minutes(points, start, stop, now, params).items()})
    return [
        derived("energy_minute", {"kind": kind, "source": source}, {"wh": wh, "seconds": seconds}, t)
        for (kind, source), rows in series.items()
        for t, (wh, seconds) in rows.items()
    ]


def _day_windows(start: int, stop: int, params: Params) -> list[tuple[int, int]]:
    return windows(start, stop, lambda t: add_days(t, 1, params.tz))


def coverage_pct(seconds: float, window: tuple[int, int]) -> float:
    return min(100.0, seconds / ((window[1] - window[0]) / NS) * 100.0)


def minute_energies(points: Sequence[Point], kind: str, source: str | None = None) -> Minutes:
    """The energy_minute series of one kind (and source) as minute -> (Wh, seconds)."""
    tags = {"kind": kind} if source is None else {"kind": kind, "source": source}
    wh = dict(samples(points, "energy_minute", "wh", **tags))
    seconds = dict(samples(points, "energy_minute", "seconds", **tags))
    return {t: (wh[t], seconds[t]) for t in sorted(wh.keys() & seconds.keys())}


def _energy_point(measurement: str, tags: dict[str, str], kwh: float, seconds: float, window: tuple[int, int]) -> Point:
    fields = {"kwh": kwh, "coverage": coverage_pct(seconds, window), "hours": seconds / 3600.0}
    return derived(measurement, tags, fields, window[0])


def day_counter_energy(
    series: Sequence[Sample], day: tuple[int, int], window_stop: int, params: Params
) -> tuple[float, float] | None:
    """A device day counter (resets at local midnight): the day's last reading, and the seconds its polls
    covered under the gap rule."""
    inside = in_range(series, *day)
    if not inside:
        return None
    following = in_range(series, day[0], window_stop)
    seconds = sum(s for t, _, _, s in intervals(following, day[0], lambda s: s < params.max_gap_s) if t < day[1])
    return inside[-1][1], float(seconds)


# (kind, usage, measurement, field, tags) of the device day counters; usage total = heating + dhw
DEVICE_DAY_COUNTERS = (
    ("heat", "heating", "hp_energy_summary", "current_day", {"kind": "heat", "usage": "heating"}),
    ("heat", "dhw", "hp_energy_summary", "current_day", {"kind": "heat", "usage": "dhw"}),
    ("electric", "heating", "hp_energy_summary", "current_day", {"kind": "electric", "usage": "heating"}),
    ("electric", "dhw", "hp_energy_summary", "current_day", {"kind": "electric", "usage": "dhw"}),
    ("heating_rod", "total", "hp_heating_rod", "energy_day", {}),
)


def energy_daily(points: Sequence[Point], now: int, params: Params) -> list[Point]:
    """Energies per local day of local yesterday and today (so far), from the minute energies and the device's
    day counters."""
    start, stop = energy_window(now, params)
    days = _day_windows(start, stop, params)
    out: list[Point] = []
    minute_series = (("electric", "shelly"), ("heat", "dt_flow"), ("heat", "estimate"))
    for kind, source in minute_series:
        rows = minute_energies(points, kind, source)
        for day in days:
            inside = [value for t, value in rows.items() if day[0] <= t < day[1]]
            if inside:
                wh = sum(w for w, _ in inside)
                tags = {"kind": kind, "usage": "total", "source": source}
                out.append(_energy_point("energy_daily", tags, wh / 1000.0, sum(s for _, s in inside), day))
    for day in days:
        per_kind: dict[str, list[tuple[float, float]]] = defaultdict(list)
        for kind, usage, measurement, field, tags in DEVICE_DAY_COUNTERS:
            found = day_counter_energy(samples(points, measurement, field, **tags), day, stop, params)
            if found is None:
                continue
            out.append(_energy_point("energy_daily", {"kind": kind, "usage": usage, "source": "device"}, *found, day))
            if usage != "total":
                per_kind[kind].append(found)
        for kind, parts in per_kind.items():
            kwh = sum(k for k, _ in parts)
            seconds = min(s for _, s in parts)
            out.append(
                _energy_point("energy_daily", {"kind": kind, "usage": "total", "source": "device"}, kwh, seconds, day)
            )
    return out


def energy_monthly(points: Sequence[Point], now: int, params: Params) -> list[Point]:
    """Sums of the daily energies per local month, for the previous and the current month (so far)."""
    tz = params.tz
    months = windows(month_start(now, tz, -1), minute_of(now), lambda t: month_start(t, tz, 1))
    totals: dict[tuple[tuple[tuple[str, str], ...], tuple[int, int]], list[float]] = defaultdict(lambda: [0.0, 0.0])
    for p in points:
        if p.measurement != "energy_daily":
            continue
        fields = dict(p.fields)
        for month in months:
            if month[0] <= p.time_ns < month[1]:
                totals[(p.tags, month)][0] += float(fields["kwh"])
                totals[(p.tags, month)][1] += float(fields["hours"])
    return [
        _energy_point("energy_monthly", dict(tags), kwh, hours * 3600.0, month)
        for (tags, month), (kwh, hours) in totals.items()
    ]


def device_crosscheck(points: Sequence[Point], now: int, params: Params) -> list[Point]:
    """Device-reported electricity / Shelly electricity per local day (yesterday and today)."""
    start, stop = energy_window(now, params)
    device = dict(samples(points, "energy_daily", "kwh", kind="electric", usage="total", source="device"))
    shelly = dict(samples(points, "energy_daily", "kwh", kind="electric", usage="total", source="shelly"))
    out = []
    for t in sorted(set(device) & set(shelly)):
        if start <= t < stop and shelly[t] >= params.min_electric_kwh:
            fields = {
                "electric_ratio": device[t] / shelly[t],
                "device_electric_kwh": device[t],
                "shelly_electric_kwh": shelly[t],
            }
            out.append(derived("device_crosscheck", {"boundary": params.boundary}, fields, t))
    return out
