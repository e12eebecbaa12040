"""Efficiency: COP of the range, JAZ (rolling 365 d, year to date, season, forecast), COP per 30 min and per day
against the outside temperature, monthly COP, the device's own SPF/COP beside ours.

Every COP/JAZ figure is a ratio of sums and is labelled with its heat source, system boundary, coverage and
status (provisional below 330 days, forecasts as estimates).
"""

from __future__ import annotations

from grafana_foundation_sdk.builders import stat

from grafana.generator import board, panels, performance_map, queries
from grafana.generator.panels import Shown
from grafana.generator.queries import sel

UID = "hp-efficiency"

OUTSIDE = sel("hp_temperature", "value", sensor="outside")
COP_30M = sel("cop_30m", "cop", category="combined")
COP_DAY = sel("cop_daily", "cop", category="combined")
JAZ_ROLLING = sel("jaz", "jaz", period="rolling365")
DEVICE_SPF = sel("hp_efficiency", "value", kind="spf", usage="total")
CROSSCHECK = sel("device_crosscheck", "electric_ratio")
SOURCES = ("device", "dt_flow")
LABELS = "heat ${__field.labels.source} · ${__field.labels.boundary}"


def jaz_figure(period: str, title: str) -> stat.Panel:
    """The newest JAZ of a period with coverage and days, labelled with status, source and boundary."""
    fields = ("jaz", "coverage", "days")
    units = {f: sel("jaz", f, period=period).unit for f in fields}
    query = (
        f"from(bucket: {queries.bucket_of(sel('jaz', 'jaz').spec)})\n"
        "  |> range(start: -400d, stop: now())\n"
        f"  |> {queries.where('jaz', fields, (('period', period),))}\n"
        + queries.newest_by("_field", "source", "boundary")
        + queries.as_series(None, ("source", "boundary", "status"))
    )
    display = {
        "jaz": f"JAZ · ${{__field.labels.status}} · {LABELS}",
        "coverage": "coverage ${__field.labels.source}",
        "days": "days ${__field.labels.source}",
    }
    return panels.stat_panel(
        title,
        [Shown(query, units, display)],
        "Σheat / Σelectricity over the period (newest value, independent of the dashboard range). "
        "'provisional' until 330 days of data; coverage = days with data / days in the period.",
        decimals=2,
    )


def forecast_figure() -> stat.Panel:
    query = (
        f"from(bucket: {queries.bucket_of(sel('jaz_forecast', 'jaz').spec)})\n"
        "  |> range(start: -400d, stop: now())\n"
        f"  |> {queries.where('jaz_forecast', ('jaz',), (('estimate', 'true'), ('period', 'year')))}\n"
        + queries.newest_by("source", "boundary")
        + queries.as_series("forecast", ("source", "boundary"))
    )
    return panels.stat_panel(
        "JAZ forecast (estimate)",
        [Shown(query, {"forecast": sel("jaz_forecast", "jaz").unit}, {"forecast": f"estimate · {LABELS}"})],
        "Full-year JAZ extrapolated from the year so far: an estimate, never mixed with measured figures.",
        decimals=2,
    )


def per_source(s: queries.Sel, label: str) -> list[tuple[queries.Sel, str]]:
    """The selection narrowed to each heat source, with its label (sources are never mixed within a figure)."""
    return [(sel(s.measurement, s.field, **dict(s.tags), source=src), f"{label} ({src})") for src in SOURCES]


def by_source(s: queries.Sel, label: str) -> list[Shown]:
    """The stored rows, one series per heat source."""
    return [panels.rows(one, name) for one, name in per_source(s, label)]


def cop_per_window(s: queries.Sel, label: str) -> list[Shown]:
    """Per heat source, Σheat / Σelectricity of the stored windows within each of Grafana's intervals."""
    return [
        panels.of(one, name, queries.ratio_per_window(one, "heat_kwh", "electric_kwh", "30m", name))
        for one, name in per_source(s, label)
    ]


def monthly_cop() -> Shown:
    """Σheat / Σelectricity per local month from the monthly energy rows (heat per source, electricity: Shelly)."""
    heat = sel("energy_monthly", "kwh", kind="heat", usage="total")
    electric = sel("energy_monthly", "kwh", kind="electric", usage="total", source="shelly")
    query = (
        f"heat = {queries.read(heat)}\n"
        '  |> map(fn: (r) => ({_time: r._time, source: r["source"], heat: r._value}))\n'
        f"electric = {queries.read(electric)}\n"
        "  |> map(fn: (r) => ({_time: r._time, electric: r._value}))\n"
        'join(tables: {h: heat, e: electric}, on: ["_time"])\n'
        "  |> filter(fn: (r) => r.electric > 0.0)\n"
        + queries.as_series("monthly COP", ("source",), "r.heat / r.electric")
    )
    return Shown(
        query, {"monthly COP": sel("cop_daily", "cop").unit}, {"monthly COP": "COP · heat ${__field.labels.source}"}
    )


def carnot(per_day: bool) -> Shown:
    """Practical efficiency, 100 x Σheat / Σideal heat (electricity x Carnot COP per 30-min window, written by
    hpm-carnot): over the range (its windows up to a month, its local days beyond) or per stored local day."""
    fields = ("heat_kwh", "ideal_kwh")
    windows = queries.read(sel("carnot_30m", "heat_kwh", category="combined"), fields=fields)
    days = queries.read(sel("carnot_daily", "heat_kwh", category="combined"), fields=fields)
    ratio = "100.0 * r.heat_kwh / r.ideal_kwh"
    if per_day:
        query = (
            f"{days}\n"
            '  |> pivot(rowKey: ["_time"], columnKey: ["_field"], valueColumn: "_value")\n'
            "  |> filter(fn: (r) => r.ideal_kwh > 0.0)\n"
            + queries.as_series("% of Carnot", ("source", "boundary"), ratio)
        )
    else:
        span = "int(v: v.timeRangeStop) - int(v: v.timeRangeStart)"
        query = (
            f"windows = {windows}\ndays = {days}\n"
            f"data = if {span} <= int(v: {queries.MINUTE_SPAN}) then windows else days\n"
            'data\n  |> group(columns: ["_field", "source", "boundary"])\n  |> sum()\n'
            '  |> pivot(rowKey: ["source", "boundary"], columnKey: ["_field"], valueColumn: "_value")\n'
            "  |> filter(fn: (r) => r.ideal_kwh > 0.0)\n"
            + queries.as_series("% of Carnot", ("source", "boundary"), ratio, "v.timeRangeStop")
        )
    return Shown(query, {"% of Carnot": queries.PERCENT_UNIT}, {"% of Carnot": f"% of Carnot · {LABELS}"})


def build():  # type: ignore[no-untyped-def]
    return board.dashboard(
        UID,
        "Heat pump · Efficiency",
        "COP and JAZ as ratios of summed energies, labelled with heat source, boundary, coverage and status.",
        "now-30d",
        "15m",
        [
            (
                panels.stat_panel(
                    "COP (selected range)",
                    [panels.cop_of_range("cop_daily", category="combined")],
                    "Σheat / Σelectricity of the daily rows in the range.",
                    decimals=2,
                ),
                6,
                5,
            ),
            (jaz_figure("rolling365", "JAZ last 365 days"), 6, 5),
            (jaz_figure("ytd", "JAZ year to date"), 6, 5),
            (jaz_figure("season", "JAZ heating season"), 6, 5),
            (forecast_figure(), 6, 4),
            (
                panels.stat_panel(
                    "Practical efficiency (% of Carnot)",
                    [carnot(per_day=False)],
                    "Σheat / Σ(electricity × Carnot COP) over the range, per 30-min window from mean flow and outside "
                    "temperature; most systems reach 45–55 %.",
                    decimals=0,
                ),
                6,
                4,
            ),
            (
                panels.time_series(
                    "COP per 30 min",
                    [*cop_per_window(COP_30M, "COP"), panels.series(OUTSIDE, "outside")],
                    "30-min windows with enough coverage and electricity only; over longer ranges each point is "
                    "Σheat / Σelectricity of the windows within Grafana's interval. Outside temperature on the right "
                    "axis.",
                ),
                12,
                8,
            ),
            (
                panels.time_series(
                    "Daily COP against outside temperature",
                    [*by_source(COP_DAY, "COP"), panels.series(OUTSIDE, "outside")],
                    "COP per local day (bars) and the outside temperature.",
                    bars=True,
                ),
                24,
                8,
            ),
            (performance_map.curve_panel(), 12, 8),
            (performance_map.hours_panel(), 12, 8),
            (performance_map.flow_panel(), 24, 8),
            (performance_map.map_panel(), 24, 9),
            (
                panels.time_series(
                    "Monthly COP (last year)", [monthly_cop()], "Σheat / Σelectricity per local month.", bars=True
                ).time_from("1y"),
                12,
                8,
            ),
            (
                panels.time_series(
                    "Device SPF beside our JAZ",
                    [panels.series(DEVICE_SPF, "device SPF", "last"), *by_source(JAZ_ROLLING, "our JAZ 365 d")],
                    "The device's own SPF (mixed, undocumented boundary) next to ours.",
                ),
                12,
                8,
            ),
            (
                panels.time_series(
                    "Practical efficiency per day (% of Carnot)",
                    [carnot(per_day=True)],
                    "Per local day, from its 30-min windows; low values point to metering or hydraulic problems.",
                ),
                24,
                8,
            ),
            (
                panels.time_series(
                    "Device electricity / Shelly",
                    [panels.rows(CROSSCHECK, "device / Shelly")],
                    "Daily ratio of the device-reported electricity to the meter's; should be "
                    "stable and at most 1 (mixed boundary).",
                ),
                24,
                6,
            ),
        ],
    )
