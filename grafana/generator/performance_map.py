"""Performance-map panels of the Efficiency dashboard: COP against outside temperature (1 K bins) and the map by
outside and flow temperature, for the newest heating season, with the hours behind every bin (performance_map,
written by influxdb/tasks/performance_map.flux)."""

from __future__ import annotations

from grafana_foundation_sdk.builders import table, xychart

from collector import schema
from grafana.generator import panels, queries
from grafana.generator.panels import Shown
from grafana.generator.queries import sel

FIELDS = ("cop", "hours", "heat_kwh", "electric_kwh")
CURVE_SETTINGS = ("curve_slope", "curve_shift", "target_temperature")
CURVE_GRID = (-20, 25)  # outside temperatures the set curve is drawn over, °C
SEASON_LOOKBACK = "-3y"
MIN_HOURS = 1.0  # a bin behind less than an hour is noise, not a figure


def newest_season(
    name: str, measurement: str, fields: tuple[str, ...], tags: tuple[tuple[str, str], ...] = (), test: str = ""
) -> str:
    """Flux binding ``name`` to the rows of the newest heating season (the newest stamp) of a per-season series,
    one row per bin with a column per field; ``test`` filters the raw rows; open for further pipes.

    One read: each bin's newest row (storage answers last() per series; a season holds hundreds of bin series of
    one point each, so reading them is the cost), then the rows at the newest stamp of all, by a join in the same
    plan (findColumn would run the read a second time)."""
    for f in fields:
        sel(measurement, f, **dict(tags))
    keys = ", ".join(f'"{tag}"' for tag in schema.measurement(measurement).tags)
    return (
        f"data = from(bucket: {queries.bucket_of(schema.measurement(measurement))})\n"
        f"  |> range(start: {SEASON_LOOKBACK}, stop: now())\n"
        f"  |> {queries.where(measurement, fields, tags)}\n"
        + (f"  |> filter(fn: (r) => {test})\n" if test else "")
        + "  |> last()\n"
        + "  |> group()\n"
        + 'newest = data\n  |> max(column: "_time")\n  |> map(fn: (r) => ({newest: r._time, key: 0}))\n'
        + "rows = data\n"
        + f'  |> pivot(rowKey: ["_time", {keys}], columnKey: ["_field"], valueColumn: "_value")\n'
        + "  |> map(fn: (r) => ({r with key: 0}))\n"
        + f'{name} = join(tables: {{r: rows, n: newest}}, on: ["key"])\n'
        + "  |> filter(fn: (r) => r._time == r.newest)\n"
    )


def _season(flow: str) -> str:
    """Rows of the newest season's bins (combined category, per heat source), with flow_bin ``flow`` or any."""
    flow_test = f'r.flow_bin == "{flow}"' if flow == "all" else 'r.flow_bin != "all"'
    return newest_season("bins", "performance_map", FIELDS, (("category", "combined"),), flow_test) + (
        f"  |> filter(fn: (r) => r.hours >= {MIN_HOURS})\nbins\n"
    )


def cop_curve() -> Shown:
    """Per heat source: x = outside temperature (bin centre), y = COP of the bin."""
    query = (
        _season("all")
        + "  |> map(fn: (r) => ({source: r.source, boundary: r.boundary, outside: float(v: r.outside_bin) + 0.5, "
        "cop: r.cop}))\n"
        '  |> group(columns: ["source", "boundary"])\n'
        '  |> sort(columns: ["outside"])'
    )
    return Shown(query, {"outside": "celsius", "cop": sel("performance_map", "cop").unit})


def map_table() -> Shown:
    """One row per outside and flow bin and heat source: COP, hours, heat and electricity."""
    query = (
        _season("flow")
        + "  |> map(fn: (r) => ({source: r.source, outside: float(v: r.outside_bin), flow: float(v: r.flow_bin), "
        "cop: r.cop, hours: r.hours, heat_kwh: r.heat_kwh, electric_kwh: r.electric_kwh}))\n"
        "  |> group()\n"
        '  |> sort(columns: ["source", "outside", "flow"])'
    )
    units = {"outside": "celsius", "flow": "celsius", **{f: sel("performance_map", f).unit for f in FIELDS}}
    return Shown(query, units)


def hours_by_outside() -> Shown:
    query = (
        _season("all")
        + "  |> map(fn: (r) => ({source: r.source, outside: float(v: r.outside_bin) + 0.5, hours: r.hours}))\n"
        '  |> group(columns: ["source"])\n'
        '  |> sort(columns: ["outside"])'
    )
    return Shown(query, {"outside": "celsius", "hours": sel("performance_map", "hours").unit})


def measured_flow() -> Shown:
    """Per heat source: x = outside temperature (bin centre), y = the bin's heat-weighted flow temperature."""
    query = (
        newest_season(
            "bins", "performance_map", ("flow_c", "hours"), (("category", "combined"),), 'r.flow_bin == "all"'
        )
        + f"bins\n  |> filter(fn: (r) => r.hours >= {MIN_HOURS} and exists r.flow_c)\n"
        + "  |> map(fn: (r) => ({source: r.source, outside: float(v: r.outside_bin) + 0.5, flow: r.flow_c}))\n"
        + '  |> group(columns: ["source"])\n'
        + '  |> sort(columns: ["outside"])'
    )
    return Shown(query, {"outside": "celsius", "flow": sel("performance_map", "flow_c").unit})


def set_curve() -> Shown:
    """The heating curve the device is set to (its newest slope, shift and room target, lowest circuit id) over
    outside temperatures, by the formula Viessmann's E3 controllers use (collector/sim/heatpump.py)."""
    for f in CURVE_SETTINGS:
        sel("hp_circuit", f)
    low, high = CURVE_GRID
    query = (
        'import "array"\n\n'
        f"settings = from(bucket: {queries.bucket_of(schema.measurement('hp_circuit'))})\n"
        "  |> range(start: -400d, stop: now())\n"
        f"  |> {queries.where('hp_circuit', CURVE_SETTINGS)}\n"
        + queries.newest_by("circuit", "_field")
        + "  |> group()\n"
        '  |> pivot(rowKey: ["circuit"], columnKey: ["_field"], valueColumn: "_value")\n'
        + "".join(f"  |> filter(fn: (r) => exists r.{f})\n" for f in CURVE_SETTINGS)
        + '  |> sort(columns: ["circuit"])\n'
        "  |> limit(n: 1)\n"
        'found = settings |> findColumn(fn: (key) => true, column: "curve_slope")\n'
        f"grid = array.from(rows: [{', '.join(f'{{outside: {t}.0}}' for t in range(low, high + 1))}])\n"
        "curve = (s) => grid\n"
        "  |> map(fn: (r) => {\n"
        "      delta = r.outside - s.target_temperature\n"
        "      return {outside: r.outside, curve: s.target_temperature + s.curve_shift\n"
        "          - s.curve_slope * delta * (1.4347 + 0.021 * delta + 0.0002479 * delta * delta)}\n"
        "  })\n"
        "if length(arr: found) > 0 then curve(s: settings |> findRecord(fn: (key) => true, idx: 0)) "
        "else curve(s: {curve_slope: 0.0, curve_shift: 0.0, target_temperature: 0.0}) |> filter(fn: (r) => false)"
    )
    return Shown(query, {"outside": "celsius", "curve": sel("hp_temperature", "value").unit})


def flow_panel() -> xychart.Panel:
    panel = panels.scatter(
        "Flow temperature vs outside: measured and set curve",
        measured_flow(),
        "Points: heat-weighted mean supply temperature of the season's 30-min windows per 1 K outside bin (heating "
        "and hot water). Line: the heating curve the device is set to (slope, shift, room target). Points far above "
        "the line at mild temperatures: hot-water charges or a curve the unit cannot follow.",
    )
    curve = set_curve()
    panel.with_target(queries.flux("B", curve.query, tuple(curve.units)))
    return panel


def curve_panel() -> xychart.Panel:
    return panels.scatter(
        "COP vs outside temperature (heating season)",
        cop_curve(),
        "Σheat / Σelectricity of the season's 30-min windows per 1 K outside-temperature bin (x = bin centre), "
        f"per heat source; bins behind less than {MIN_HOURS:g} h are left out. Hours per bin: the panel beside.",
    )


def hours_panel() -> xychart.Panel:
    return panels.scatter(
        "Hours behind each outside-temperature bin",
        hours_by_outside(),
        "How many hours of 30-min COP windows each 1 K bin of the season holds: few hours, uncertain COP.",
    )


def map_panel() -> table.Panel:
    return panels.flux_table(
        "Performance map: outside × flow temperature (heating season)",
        [map_table()],
        "COP per 1 K outside bin (lower edge) and 5 K flow bin (lower edge, mean supply temperature of the "
        "window), with the hours, heat and electricity behind it. Same outside temperature, higher flow: lower COP.",
    )
