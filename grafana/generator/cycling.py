"""Cycling panels of the Compressor dashboard: starts per hour and run time per start by outside temperature for
the newest heating season (cycling_map, influxdb/tasks/cycling.flux), and the short-cycling hint of
collector.insights.cycling computed the same way in Flux — a hint only when the data shows it."""

from __future__ import annotations

from grafana_foundation_sdk.builders import table

from collector.insights.cycling import MIN_HOURS, RUN_MINUTES, STARTS_PER_HOUR
from grafana.generator import panels, queries
from grafana.generator.panels import Shown
from grafana.generator.performance_map import newest_season
from grafana.generator.queries import sel

FIELDS = ("hours", "starts", "run_hours")


def _bins() -> str:
    return (
        newest_season("bins", "cycling_map", FIELDS)
        + "  |> group()\n"
        + f"  |> filter(fn: (r) => r.hours >= {MIN_HOURS})\n"
        + "  |> map(fn: (r) => ({outside: float(v: r.outside_bin), hours: r.hours, starts: r.starts, "
        + "run_hours: r.run_hours, starts_per_hour: r.starts / r.hours,\n"
        + "      run_minutes: if r.starts > 0.0 then r.run_hours * 60.0 / r.starts else r.run_hours * 60.0}))\n"
        + '  |> sort(columns: ["outside"])\n'
    )


def by_outside() -> Shown:
    query = _bins() + 'bins |> keep(columns: ["outside", "hours", "starts_per_hour", "run_minutes"])'
    units = {
        "outside": "celsius",
        "hours": sel("cycling_map", "hours").unit,
        "starts_per_hour": queries.PER_HOUR_UNIT,
        "run_minutes": "m",
    }
    return Shown(query, units)


def hint() -> Shown:
    """One row: the hint over the short-cycling bins, or the plain statement that there is none."""
    signed = 'if {v} >= 0 then "+" + string(v: {v}) else string(v: {v})'
    low, high = signed.format(v="int(v: r.low)"), signed.format(v="int(v: r.high) + 1")
    query = (
        'import "math"\n\n'
        + _bins()
        + "one = (v) => string(v: math.round(x: v * 10.0) / 10.0)\n"
        + "summary = (tables=<-) => tables\n"
        + "  |> reduce(identity: {low: 1000.0, high: -1000.0, hours: 0.0, starts: 0.0, run_hours: 0.0, peak: 0.0},\n"
        + "      fn: (r, accumulator) => ({low: math.mMin(x: accumulator.low, y: r.outside), "
        + "high: math.mMax(x: accumulator.high, y: r.outside), hours: accumulator.hours + r.hours, "
        + "starts: accumulator.starts + r.starts, run_hours: accumulator.run_hours + r.run_hours, "
        + "peak: math.mMax(x: accumulator.peak, y: r.starts_per_hour)}))\n"
        + "  |> map(fn: (r) => ({r with starts_per_hour: r.starts / r.hours, "
        + "run_minutes: if r.starts > 0.0 then r.run_hours * 60.0 / r.starts else r.run_hours * 60.0}))\n"
        + "flagged = bins\n"
        + f"  |> filter(fn: (r) => r.starts_per_hour >= {STARTS_PER_HOUR} and r.run_minutes < {RUN_MINUTES})\n"
        + 'found = flagged |> count(column: "outside") |> findColumn(fn: (key) => true, column: "outside")\n'
        + 'short = flagged |> summary() |> map(fn: (r) => ({r with hint: "At " + ('
        + low
        + ') + " to " + ('
        + high
        + ') + " °C outside the compressor starts " + one(v: r.starts_per_hour) + "×/h and runs " '
        + '+ string(v: int(v: math.round(x: r.run_minutes))) + " min per start (" + string(v: int(v: r.hours)) '
        + '+ " h of data): the heating curve or the hysteresis is the likely cause; a lower curve lets it run '
        + 'longer."}))\n'
        + 'calm = bins |> summary() |> map(fn: (r) => ({r with hint: "No short cycling: at most " + one(v: r.peak) '
        + '+ " starts/h in any 1 K bin with '
        + f"{MIN_HOURS:g}"
        + ' h or more (" + string(v: int(v: r.hours)) '
        + '+ " h of data)."}))\n'
        + "result = if length(arr: found) > 0 and found[0] > 0 then short else calm\n"
        + 'result |> keep(columns: ["hint", "starts_per_hour", "run_minutes", "hours"])'
    )
    units = {
        "starts_per_hour": queries.PER_HOUR_UNIT,
        "run_minutes": "m",
        "hours": sel("cycling_map", "hours").unit,
    }
    return Shown(query, units)


def table_panel() -> table.Panel:
    return panels.flux_table(
        "Starts per hour by outside temperature (heating season)",
        [by_outside()],
        "Per 1 K bin of the hour's mean outside temperature (lower edge): starts per hour of data (a start is a "
        "minute at or above the starting power after one below, from the Shelly) and run minutes per start; "
        f"bins under {MIN_HOURS:g} h are left out.",
    )


def hint_panel() -> table.Panel:
    return panels.flux_table(
        "Cycling diagnosis",
        [hint()],
        f"A hint only when the data shows it: bins with ≥ {MIN_HOURS:g} h where the compressor starts "
        f"≥ {STARTS_PER_HOUR:g}×/h and runs < {RUN_MINUTES:g} min per start.",
    )
