"""Twin of influxdb/tasks/cop.flux: COP per 30-minute window and per local day from the minute energies, for
each heat source separately, combined and running, only with enough coverage and electricity."""

from __future__ import annotations

from collections.abc import Sequence

from collector.metrics.energy import coverage_pct, energy_window, minute_energies
from collector.metrics.heat import SOURCES
from collector.metrics.params import Params
from collector.metrics.series import NS, add_days, derived, windows
from collector.points import Point

HALF_HOUR_NS = 1800 * NS


def cop_points(
    measurement: str,
    source: str,
    window: tuple[int, int],
    electric: dict[int, tuple[float, float]],
    heat: dict[int, tuple[float, float]],
    params: Params,
) -> list[Point]:
    """combined and running COP of one window over the minutes with both inputs; a minute runs when its mean
    electric power >= starting power."""
    ewh = hwh = covered = rewh = rhwh = 0.0
    for t in sorted(electric.keys() & heat.keys()):
        if not window[0] <= t < window[1]:
            continue
        e_wh, e_s = electric[t]
        h_wh, h_s = heat[t]
        running = e_s > 0 and e_wh * 3600.0 / e_s >= params.starting_power_w
        ewh, hwh, covered = ewh + e_wh, hwh + h_wh, covered + min(e_s, h_s)
        rewh += e_wh if running else 0.0
        rhwh += h_wh if running else 0.0
    coverage = coverage_pct(covered, window)
    out = []
    for category, heat_wh, electric_wh in (("combined", hwh, ewh), ("running", rhwh, rewh)):
        heat_kwh, electric_kwh = heat_wh / 1000.0, electric_wh / 1000.0
        if coverage >= params.min_coverage_pct and electric_kwh >= params.min_electric_kwh:
            fields = {
                "cop": heat_kwh / electric_kwh,
                "heat_kwh": heat_kwh,
                "electric_kwh": electric_kwh,
                "coverage": coverage,
            }
            tags = {"category": category, "source": source, "boundary": params.boundary}
            out.append(derived(measurement, tags, fields, window[0]))
    return out


def cop(points: Sequence[Point], now: int, params: Params) -> list[Point]:
    start, stop = energy_window(now, params)
    electric = minute_energies(points, "electric")
    half_hours = [
        w for w in windows(start, stop, lambda t: t - t % HALF_HOUR_NS + HALF_HOUR_NS) if w[1] - w[0] == HALF_HOUR_NS
    ]
    days = windows(start, stop, lambda t: add_days(t, 1, params.tz))
    out = []
    for source in SOURCES:
        heat = minute_energies(points, "heat", source)
        minutes_with_data = [t for t in electric.keys() | heat.keys() if start <= t < stop]
        for measurement, periods in (("cop_30m", half_hours), ("cop_daily", days)):
            for window in periods:
                if any(window[0] <= t < window[1] for t in minutes_with_data):
                    out.extend(cop_points(measurement, source, window, electric, heat, params))
    return out
