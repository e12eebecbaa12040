"""Changelog: what changed on the heat pump, as a table and as annotations, and for a chosen change the week
before against the week after (COP, electricity per degree-day)."""

from __future__ import annotations

from grafana_foundation_sdk.builders import dashboard as db
from grafana_foundation_sdk.models.dashboard import VariableRefresh

from collector.changelog.queries import CHANGE_LIST_SQL, CHANGES_AT_SQL, CHANGES_TABLE_SQL
from grafana.generator import board, normalised, panels, queries
from grafana.generator.efficiency import COP_DAY, by_source
from grafana.generator.panels import Shown
from grafana.generator.queries import sel

UID = "hp-changelog"
CHANGE_VAR = "change"

# Heating degree-days 20/15 (VDI 3807): hours below 15 °C count (20 − T) / 24, from hourly outside means.
DEGREE_DAY_BASE = 20.0
DEGREE_DAY_LIMIT = 15.0

COP_FIELDS = ("heat_kwh", "electric_kwh")
OUTSIDE_HOURLY = sel("hp_temperature_1h", "value", sensor="outside", agg="mean")


def before_after() -> Shown:
    """COP (Σheat/Σelectricity per heat source) and electricity per degree-day, 7 days either side of $change."""
    for f in COP_FIELDS:
        sel("cop_daily", f, category="combined")
    cop_where = queries.where("cop_daily", COP_FIELDS, (("category", "combined"),))
    temp_where = queries.where(OUTSIDE_HOURLY.measurement, (OUTSIDE_HOURLY.field,), OUTSIDE_HOURLY.tags)
    bucket = queries.bucket_of(OUTSIDE_HOURLY.spec)
    query = f"""import "date"

change = time(v: ${{{CHANGE_VAR}}} * 1000000000)
week = (start, stop, name) => {{
    degree_days = from(bucket: {bucket})
        |> range(start: start, stop: stop)
        |> {temp_where}
        |> map(fn: (r) => ({{
            r with _value: if r._value < {DEGREE_DAY_LIMIT} then ({DEGREE_DAY_BASE} - r._value) / 24.0 else 0.0,
        }}))
        |> group()
        |> sum()
        |> findColumn(fn: (key) => true, column: "_value")
    dd = if length(arr: degree_days) > 0 then degree_days[0] else 0.0
    return from(bucket: {bucket})
        |> range(start: start, stop: stop)
        |> {cop_where}
        |> group(columns: ["_field", "source", "boundary"])
        |> sum()
        |> pivot(rowKey: ["source", "boundary"], columnKey: ["_field"], valueColumn: "_value")
        |> filter(fn: (r) => r.electric_kwh > 0.0)
        |> map(fn: (r) => ({{
            week: name,
            source: r.source,
            boundary: r.boundary,
            cop: r.heat_kwh / r.electric_kwh,
            electric_kwh: r.electric_kwh,
            degree_days: dd,
            kwh_per_degree_day: if dd > 0.0 then r.electric_kwh / dd else 0.0,
        }}))
}}
union(tables: [
    week(start: date.add(d: -7d, to: change), stop: change, name: "1 before"),
    week(start: change, stop: date.add(d: 7d, to: change), name: "2 after"),
])
  |> group()
  |> sort(columns: ["source", "week"])"""
    units = {
        "cop": sel("cop_daily", "cop").unit,
        "electric_kwh": sel("cop_daily", "electric_kwh").unit,
        "degree_days": "none",
        "kwh_per_degree_day": queries.KWH_PER_DEGREE_DAY_UNIT,
    }
    return Shown(query, units)


def change_variable() -> db.QueryVariable:
    return (
        db.QueryVariable(CHANGE_VAR)
        .label("Change")
        .datasource(queries.CHANGELOG)
        .query(CHANGE_LIST_SQL)
        .refresh(VariableRefresh.ON_DASHBOARD_LOAD)
    )


def build():  # type: ignore[no-untyped-def]
    return board.dashboard(
        UID,
        "Heat pump · Changelog",
        "Every configuration change detected on the heat pump, and what it did to efficiency.",
        "now-90d",
        "15m",
        [
            (
                panels.flux_table(
                    "Week before vs week after the chosen change",
                    [before_after()],
                    "COP = Σheat / Σelectricity per heat source; degree-days 20/15 from hourly outside "
                    "means; electricity per degree-day compares weeks of different weather.",
                ),
                24,
                7,
            ),
            (
                panels.flux_table(
                    "At equal outside temperature: two weeks before vs after the chosen change",
                    [normalised.before_after_normalised(CHANGE_VAR)],
                    "30-min windows binned by outside temperature (1 K); the before weeks weighted to the after "
                    "weeks' temperatures, so weather does not pass for an effect. COP = Σheat / Σelectricity; "
                    "± is the 95 % uncertainty from the windows' spread; hours = windows in the compared bins.",
                ),
                24,
                6,
            ),
            (panels.changelog_table("Chosen change", CHANGES_AT_SQL, "All entries of the chosen moment."), 24, 5),
            (panels.changelog_table("Changes in the range", CHANGES_TABLE_SQL, "Newest first."), 24, 10),
            (
                panels.time_series(
                    "Daily COP", by_source(COP_DAY, "COP"), "COP per local day; orange marks are changes."
                ),
                24,
                8,
            ),
        ],
        variables=(change_variable(),),
    )
