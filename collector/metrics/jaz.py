"""Twin of influxdb/tasks/jaz.flux: annual performance factor per heat source over complete local days
(year to date, rolling 365 days, heating season) and the labelled full-year forecast."""

from __future__ import annotations

from collections.abc import Sequence

from collector.metrics.params import Params
from collector.metrics.series import add_days, add_years, day_start, derived, month_start, samples, year_start
from collector.points import Point

JAZ_SOURCES = ("device", "dt_flow")  # never the estimate (methodology §8)
DAY_NS = 86_400_000_000_000
NS = 1_000_000_000


def day_count(start: int, stop: int) -> int:
    """Local days between two local midnights (23- and 25-hour days count as one)."""
    return (stop - start + DAY_NS // 2) // DAY_NS


def _paired(points: Sequence[Point], source: str, params: Params) -> dict[int, tuple[float, float, float]]:
    """Day -> (heat kWh, Shelly electric kWh outside cooling, seconds both cover) for the days both cover >= the
    minimum coverage (a day the meter half missed would pair a whole day's heat with half its electricity) and have
    no electricity of unknown split (it would pass for heating's)."""

    def daily(field: str, kind: str, source: str, usage: str = "total") -> dict[int, float]:
        return dict(samples(points, "energy_daily", field, kind=kind, usage=usage, source=source))

    heat, electric = daily("kwh", "heat", source), daily("kwh", "electric", "shelly")
    cooling = daily("kwh", "electric", "shelly", "cooling")
    unsplit = daily("kwh", "electric", "shelly", "unsplit")  # a cooling program without flow x dT: unknown split
    heat_cov, electric_cov = daily("coverage", "heat", source), daily("coverage", "electric", "shelly")
    heat_h, electric_h = daily("hours", "heat", source), daily("hours", "electric", "shelly")
    return {
        t: (heat[t], electric[t] - cooling.get(t, 0.0), min(heat_h[t], electric_h[t]) * 3600.0)
        for t in sorted(heat.keys() & electric.keys() & heat_cov.keys() & electric_cov.keys())
        if t in heat_h and t in electric_h
        if heat_cov[t] >= params.min_coverage_pct and electric_cov[t] >= params.min_coverage_pct
        if unsplit.get(t, 0.0) <= 0.0
    }


def _total(days: dict[int, tuple[float, float, float]], start: int, stop: int) -> tuple[float, float, int]:
    inside = [value for t, value in days.items() if start <= t < stop]
    return sum(h for h, _, _ in inside), sum(e for _, e, _ in inside), len(inside)


def _covered(days: dict[int, tuple[float, float, float]], start: int, stop: int) -> float:
    return sum(c for t, (_, _, c) in days.items() if start <= t < stop)


def season_start(today: int, params: Params) -> int:
    tz = params.tz
    this_year = month_start(year_start(today, tz), tz, params.season_start_month - 1)
    return add_years(this_year, -1, tz) if this_year > today else this_year


def jaz(points: Sequence[Point], now: int, params: Params) -> list[Point]:
    tz = params.tz
    today = day_start(now, tz)
    periods = {
        "ytd": year_start(today, tz),
        "rolling365": add_days(today, -365, tz),
        "season": season_start(today, params),
    }
    out = []
    for source in JAZ_SOURCES:
        days = _paired(points, source, params)
        for name, start in periods.items():
            heat, electric, count = _total(days, start, today)
            covered = _covered(days, start, today)
            if count == 0 or electric < params.min_electric_kwh:
                continue
            tags = {
                "period": name,
                "source": source,
                "boundary": params.boundary,
                "status": "full" if covered / 86400.0 > params.full_year_days else "provisional",
            }
            fields = {
                "jaz": heat / electric,
                "heat_kwh": heat,
                "electric_kwh": electric,
                "coverage": covered / ((today - start) / NS) * 100.0,
                "days": count,
            }
            out.append(derived("jaz", tags, fields, today))
        forecast = jaz_forecast(days, today, params)
        if forecast is not None:
            heat, electric = forecast
            tags = {"period": "year", "source": source, "boundary": params.boundary, "estimate": "true"}
            fields = {"jaz": heat / electric, "heat_kwh": heat, "electric_kwh": electric}
            out.append(derived("jaz_forecast", tags, fields, today))
    return out


def jaz_forecast(days: dict[int, tuple[float, float, float]], today: int, params: Params) -> tuple[float, float] | None:
    """(heat, electricity) of the whole year: the year so far plus last year's rest of the year when those days
    are covered well enough (scaled up to all of them), else the year so far scaled to the whole year."""
    tz = params.tz
    start = year_start(today, tz)
    last_year_today = add_years(today, -1, tz)
    yh, ye, yd = _total(days, start, today)
    if yd == 0:
        return None
    rh, re, rd = _total(days, last_year_today, start)
    rest_days = day_count(last_year_today, start)
    if rd / rest_days * 100.0 >= params.min_coverage_pct:
        heat, electric = yh + rh * (rest_days / rd), ye + re * (rest_days / rd)
    else:
        scale = day_count(start, year_start(today, tz, 1)) / yd
        heat, electric = yh * scale, ye * scale
    return (heat, electric) if electric >= params.min_electric_kwh else None
