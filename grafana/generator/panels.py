"""Panel builders, one kind of panel each, and the grid layout that stacks them for the phone.

A panel shows ``Shown`` values: the Flux that yields them and the unit of every field it yields (from the schema
contract). The first field's unit is the panel's default; other units become per-field overrides on the right
axis, so every axis carries a unit and none is written twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from grafana_foundation_sdk.builders import common, stat, statetimeline, table, timeseries, xychart
from grafana_foundation_sdk.builders.dashboard import FieldColor, ThresholdsConfig
from grafana_foundation_sdk.cog import builder as cogbuilder
from grafana_foundation_sdk.models import common as cm
from grafana_foundation_sdk.models.dashboard import (
    DynamicConfigValue,
    FieldColorModeId,
    GridPos,
    Panel,
    Threshold,
    ThresholdsMode,
    ValueMap,
    ValueMappingResult,
)
from grafana_foundation_sdk.models.xychart import SeriesMapping, XYShowMode

from grafana.generator import queries
from grafana.generator.queries import Sel


@dataclass(frozen=True)
class Shown:
    """A query and the unit of each field it yields (name → unit)."""

    query: str
    units: dict[str, str]
    display: dict[str, str] = field(default_factory=dict)  # field name → display name (may use label templates)


def of(s: Sel, label: str, query: str) -> Shown:
    return Shown(query, {label: s.unit})


def series(s: Sel, label: str, fn: str = "mean") -> Shown:
    return of(s, label, queries.series(s, label, fn))


def latest(s: Sel, label: str) -> Shown:
    return of(s, label, queries.latest(s, label))


def rows(s: Sel, label: str) -> Shown:
    return of(s, label, queries.rows(s, label))


def total_by(s: Sel, by: str, title: str) -> Shown:
    return Shown(queries.total_by(s, by, title), {title: s.unit}, {title: f"{title} · ${{__field.labels.{by}}}"})


def series_by(s: Sel, by: str, label: str, fn: str = "mean") -> Shown:
    return Shown(queries.series_by(s, by, label, fn), {label: s.unit}, {label: f"{label} ${{__field.labels.{by}}}"})


def cop_of_range(measurement: str, **tags: str) -> Shown:
    """Σheat/Σelectricity over the range, labelled with heat source, boundary and coverage."""
    query = queries.ratio_of_sums(measurement, ("source", "boundary"), **tags)
    return Shown(
        query,
        {"cop": queries.sel(measurement, "cop").unit, "coverage": queries.sel(measurement, "coverage").unit},
        {
            "cop": "COP · heat ${__field.labels.source} · ${__field.labels.boundary}",
            "coverage": "coverage ${__field.labels.source}",
        },
    )


OnOff = [
    ValueMap({"0": ValueMappingResult(text="off", color="text"), "1": ValueMappingResult(text="on", color="green")})
]
Locked = [
    ValueMap({"0": ValueMappingResult(text="free", color="text"), "1": ValueMappingResult(text="locked", color="red")})
]


def _apply(panel: cogbuilder.Builder[Panel], shown: list[Shown], right_axis: bool = True, bars: bool = False) -> None:
    """Targets A, B, … and units: the first field's unit is the default, the others are overrides (on the right
    axis, drawn as lines beside bars)."""
    default_unit = next(iter(shown[0].units.values()))
    panel.unit(default_unit)  # type: ignore[attr-defined]
    for index, item in enumerate(shown):
        panel.with_target(queries.flux(chr(ord("A") + index), item.query, tuple(item.units)))  # type: ignore[attr-defined]
        for name, unit in item.units.items():
            props = []
            if unit != default_unit:
                props.append(DynamicConfigValue("unit", unit))
                if right_axis:
                    props.append(DynamicConfigValue("custom.axisPlacement", "right"))
                if bars:
                    props.append(DynamicConfigValue("custom.drawStyle", "line"))
            if name in item.display:
                props.append(DynamicConfigValue("displayName", item.display[name]))
            if props:
                panel.override_by_name(name, props)  # type: ignore[attr-defined]


def stat_panel(
    title: str,
    shown: list[Shown],
    description: str,
    decimals: int | None = None,
    mappings: list[ValueMap] | None = None,
    warn_below: float | None = None,
) -> stat.Panel:
    panel = (
        stat.Panel()
        .title(title)
        .description(description)
        .datasource(queries.INFLUX)
        .reduce_options(common.ReduceDataOptions().calcs(["lastNotNull"]).values(False))
        .text_mode(cm.BigValueTextMode.VALUE_AND_NAME if _many(shown) else cm.BigValueTextMode.VALUE)
        .graph_mode(cm.BigValueGraphMode.NONE)
        .color_mode(cm.BigValueColorMode.VALUE)
    )
    if decimals is not None:
        panel.decimals(decimals)
    if mappings:
        panel.mappings(list(mappings))
    if warn_below is not None:
        panel.thresholds(
            ThresholdsConfig()
            .mode(ThresholdsMode.ABSOLUTE)
            .steps([Threshold(value=None, color="orange"), Threshold(value=warn_below, color="green")])
        )
    _apply(panel, shown, right_axis=False)
    return panel


def _many(shown: list[Shown]) -> bool:
    return len(shown) > 1 or len(shown[0].units) > 1 or bool(shown[0].display)


def time_series(title: str, shown: list[Shown], description: str, bars: bool = False) -> timeseries.Panel:
    panel = (
        timeseries.Panel()
        .title(title)
        .description(description)
        .datasource(queries.INFLUX)
        .legend(common.VizLegendOptions().show_legend(True).display_mode(cm.LegendDisplayMode.LIST))
        .span_nulls(False)
    )
    if bars:
        panel.draw_style(cm.GraphDrawStyle.BARS).fill_opacity(70).line_width(1)
    else:
        panel.line_width(1).fill_opacity(10)
    _apply(panel, shown, bars=bars)
    return panel


def states(
    title: str, shown: list[Shown], description: str, mappings: list[ValueMap] | None = OnOff
) -> statetimeline.Panel:
    """Flag states shown through ``mappings``; None: states the device names in words (each word its own colour,
    written on it)."""
    panel = statetimeline.Panel().title(title).description(description).datasource(queries.INFLUX)
    if mappings is None:
        panel.show_value(cm.VisibilityMode.AUTO).color_scheme(FieldColor().mode(FieldColorModeId.PALETTE_CLASSIC))
    else:
        panel.mappings(list(mappings)).show_value(cm.VisibilityMode.NEVER)
    _apply(panel, shown, right_axis=False)
    return panel


def flux_table(title: str, shown: list[Shown], description: str) -> table.Panel:
    panel = table.Panel().title(title).description(description).datasource(queries.INFLUX)
    _apply(panel, shown, right_axis=False)
    return panel


def scatter(title: str, shown: Shown, description: str) -> xychart.Panel:
    """XY chart: the query's first numeric column is x, the others y (Grafana's auto mapping)."""
    panel = (
        xychart.Panel()
        .title(title)
        .description(description)
        .datasource(queries.INFLUX)
        .show(XYShowMode.POINTS)
        .mapping(SeriesMapping.AUTO)
    )
    _apply(panel, [shown], right_axis=False)
    return panel


def changelog_table(title: str, sql: str, description: str) -> table.Panel:
    return (
        table.Panel()
        .title(title)
        .description(description)
        .datasource(queries.CHANGELOG)
        .with_target(queries.sqlite("A", sql, time_columns=("time",)))
        .unit("none")
        .override_by_name("time", [DynamicConfigValue("unit", "dateTimeAsLocal")])
    )


# --- layout ----------------------------------------------------------------------------------------------------


def place(
    panels: list[tuple[cogbuilder.Builder[Panel], int, int]], first_id: int = 1, top: int = 0
) -> list[cogbuilder.Builder[Panel]]:
    """Give panels ids and grid positions, left to right, wrapping at 24 columns; rows keep the given order,
    which is also the phone's (stacked) order."""
    x, y, row_height = 0, top, 0
    placed = []
    for number, (panel, width, height) in enumerate(panels, start=first_id):
        if x + width > 24:
            x, y, row_height = 0, y + row_height, 0
        panel.id(number).grid_pos(GridPos(h=height, w=width, x=x, y=y))  # type: ignore[attr-defined]
        x += width
        row_height = max(row_height, height)
        placed.append(panel)
    return placed


def bottom(placed: list[cogbuilder.Builder[Panel]]) -> int:
    """The first grid row below the placed panels."""
    return max((p._internal.grid_pos.y + p._internal.grid_pos.h for p in placed), default=0)  # type: ignore[attr-defined]
