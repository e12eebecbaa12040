"""Twin of influxdb/tasks/energy_minute.flux (electric part), energy_daily.flux, energy_monthly.flux and
crosscheck.flux: energies per minute, local day and local month, and the device-versus-meter cross-check."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from collector.metrics.counter import CounterSample, book_counter, book_minute_record
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
    sum_by,
    windows,
)
from collector.points import Point

Minutes = dict[int, tuple[float, float]]  # minute start ns -> (Wh, seconds covered)


ElectricMinutes = dict[int, tuple[float, float, float, float, float]]  # minute -> Wh, s, resets, clamped, glitches


def counter_series(points: Sequence[Point], start: int, stop: int) -> dict[str, list[CounterSample]]:
    """Per device, the total import counter with the power sampled with it (a later point of the same series and
    time overwrites, as in InfluxDB)."""
    found: dict[str, dict[int, list[float | None]]] = defaultdict(dict)
    for p in points:
        tags = dict(p.tags)
        if p.measurement not in ("shelly_energy", "shelly_power") or tags.get("phase") != "total":
            continue
        field = "imported" if p.measurement == "shelly_energy" else "power"
        for name, value in p.fields:
            if name == field and start <= p.time_ns < stop:
                row = found[tags.get("device", "")].setdefault(p.time_ns, [None, None])
                row[0 if field == "imported" else 1] = float(value)
    return {
        device: [CounterSample(t, v, w) for t, (v, w) in sorted(rows.items()) if v is not None]
        for device, rows in found.items()
    }


def minute_records(points: Sequence[Point], start: int, stop: int) -> dict[int, float]:
    """The devices' own 1-minute records of the total import per minute: one per device and minute (a record
    written twice overwrites, as in InfluxDB), those of two devices (a replaced meter) add up."""
    records: dict[tuple[str, int], float] = {}
    for p in points:
        tags = dict(p.tags)
        if p.measurement == "shelly_energy_minute" and tags.get("phase") == "total" and start <= p.time_ns < stop:
            for name, value in p.fields:
                if name == "imported":
                    records[(tags.get("device", ""), p.time_ns)] = float(value)
    return sum_by(((t, wh) for (_, t), wh in records.items()), minute_of)


def electric_minutes(points: Sequence[Point], start: int, stop: int, params: Params) -> ElectricMinutes:
    minutes: dict[int, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0, 0.0, 0.0])
    for series in counter_series(points, start, stop).values():
        booked, skipped = book_counter(series, start, params.shelly_max_gap_s, params.meter_max_w)
        for b in booked:
            row = minutes[minute_of(b.t)]
            row[0] += b.wh
            row[1] += b.seconds
            row[2] += b.reset
            row[3] += b.clamped
        for t in skipped:
            minutes[minute_of(t)][4] += 1
    for t, wh in minute_records(points, start, stop).items():  # the device's own record replaces the sampled one
        bounded, clamped = book_minute_record(wh, params.meter_max_w)
        row = minutes[t]
        row[0], row[1], row[3] = bounded, 60.0, row[3] + clamped
    return {t: (row[0], row[1], row[2], row[3], row[4]) for t, row in minutes.items()}


def energy_window(now: int, params: Params) -> tuple[int, int]:
    """The window the minute, daily and COP tasks rewrite: local yesterday 00:00 to the last full minute."""
    tz = params.tz
    return add_days(day_start(now, tz), -1, tz), minute_of(now)


def energy_minute(points: Sequence[Point], now: int, params: Params) -> list[Point]:
    start, stop = energy_window(now, params)
    electric = [
        derived(
            "energy_minute",
            {"kind": "electric", "source": "shelly"},
            {"wh": wh, "seconds": seconds, "resets": resets, "clamped": clamped, "glitches": glitches},
            t,
        )
        for t, (wh, seconds, resets, clamped, glitches) in electric_minutes(points, start, stop, params).items()
    ]
    heat, cooling, unsplit = heat_minutes(points, start, stop, now, params)
    metered = {p.time_ns: dict(p.fields) for p in electric}
    unsplit_fields = {t: {"wh": m["wh"], "seconds": m["seconds"]} for t, m in metered.items() if t in unsplit}
    return (
        electric
        + [
            derived("energy_minute", {"kind": "unsplit", "source": "shelly"}, fields, t)
            for t, fields in unsplit_fields.items()
        ]
        + [
            derived("energy_minute", {"kind": "heat", "source": source}, {"wh": wh, "seconds": seconds}, t)
            for source, rows in heat.items()
            for t, (wh, seconds) in rows.items()
        ]
        + [
            derived(
                "energy_minute",
                {"kind": "cooling", "source": "dt_flow"},
                {
                    "wh": wh,
                    "seconds": seconds,
                    "electric_wh": metered.get(t, {}).get("wh", 0.0),
                    "electric_seconds": metered.get(t, {}).get("seconds", 0.0),
                },
                t,
            )
            for t, (wh, seconds) in cooling.items()
        ]
    )


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


# (kind, usage, measurement, field, tags) of the device day counters
DEVICE_DAY_COUNTERS = (
    *(
        (kind, usage, "hp_energy_summary", "current_day", {"kind": kind, "usage": usage})
        for kind in ("heat", "electric")
        for usage in ("heating", "dhw", "cooling")
    ),
    ("heating_rod", "total", "hp_heating_rod", "energy_day", {}),
)


def in_device_total(kind: str, usage: str) -> bool:
    """usage total = heating + dhw; electric also + cooling (what the meter sees), heat not (cooling is no heat)."""
    return usage in ("heating", "dhw") or (usage == "cooling" and kind == "electric")


def cooling_daily(points: Sequence[Point], days: Sequence[tuple[int, int]]) -> list[Point]:
    """Per local day: heat taken out of the rooms (heat/cooling/dt_flow) and the meter's energy while cooling
    (electric/cooling/shelly); hours = hours of cooling."""
    wh = dict(samples(points, "energy_minute", "wh", kind="cooling", source="dt_flow"))
    seconds = dict(samples(points, "energy_minute", "seconds", kind="cooling", source="dt_flow"))
    ewh = dict(samples(points, "energy_minute", "electric_wh", kind="cooling", source="dt_flow"))
    eseconds = dict(samples(points, "energy_minute", "electric_seconds", kind="cooling", source="dt_flow"))
    out = []
    for day in days:
        inside = [t for t in wh if day[0] <= t < day[1]]
        if inside:
            heat = sum(wh[t] for t in inside) / 1000.0
            electric = sum(ewh[t] for t in inside) / 1000.0
            tags = {"kind": "heat", "usage": "cooling", "source": "dt_flow"}
            out.append(_energy_point("energy_daily", tags, heat, sum(seconds[t] for t in inside), day))
            tags = {"kind": "electric", "usage": "cooling", "source": "shelly"}
            out.append(_energy_point("energy_daily", tags, electric, sum(eseconds[t] for t in inside), day))
    return out


def energy_daily(points: Sequence[Point], now: int, params: Params) -> list[Point]:
    """Energies per local day of local yesterday and today (so far), from the minute energies and the device's
    day counters."""
    start, stop = energy_window(now, params)
    days = _day_windows(start, stop, params)
    out: list[Point] = []
    # (kind, source) of the minutes -> (kind, usage) of the day
    minute_series = {
        ("electric", "shelly"): ("electric", "total"),
        ("unsplit", "shelly"): ("electric", "unsplit"),
        ("heat", "dt_flow"): ("heat", "total"),
        ("heat", "estimate"): ("heat", "total"),
    }
    for (kind, source), (day_kind, usage) in minute_series.items():
        rows = minute_energies(points, kind, source)
        if (kind, source) == ("heat", "dt_flow"):  # a cooling minute has no heat by rule, but flow x dT covers it
            rows |= {t: (0.0, seconds) for t, (_, seconds) in minute_energies(points, "cooling", source).items()}
        for day in days:
            inside = [value for t, value in rows.items() if day[0] <= t < day[1]]
            if inside:
                wh = sum(w for w, _ in inside)
                tags = {"kind": day_kind, "usage": usage, "source": source}
                out.append(_energy_point("energy_daily", tags, wh / 1000.0, sum(s for _, s in inside), day))
    out += cooling_daily(points, days)
    for day in days:
        per_kind: dict[str, list[tuple[float, float]]] = defaultdict(list)
        for kind, usage, measurement, field, tags in DEVICE_DAY_COUNTERS:
            found = day_counter_energy(samples(points, measurement, field, **tags), day, stop, params)
            if found is None:
                continue
            out.append(_energy_point("energy_daily", {"kind": kind, "usage": usage, "source": "device"}, *found, day))
            if in_device_total(kind, usage):
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
