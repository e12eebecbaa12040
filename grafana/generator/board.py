"""What every dashboard shares: folder, tags, links between the dashboards, the rollup-bucket variable and the
changelog annotations (SQLite) on every time-series dashboard."""

from __future__ import annotations

from grafana_foundation_sdk.builders import dashboard as db
from grafana_foundation_sdk.cog import builder as cogbuilder
from grafana_foundation_sdk.models.dashboard import (
    DashboardCursorSync,
    DashboardLinkType,
    GridPos,
    Panel,
    VariableHide,
    VariableModel,
    VariableRefresh,
)

from collector.changelog.queries import ANNOTATION_SQL
from grafana.generator import queries
from grafana.generator.panels import bottom, place

FOLDER_TITLE = "Heat pump"
FOLDER_UID = "heat-pump"
# Grafana provisions alert rules (at init) before dashboards, and a rules file can name its folder only by title:
# a rule group in FOLDER_TITLE would create that folder with a random uid, and the dashboard provider, which looks
# for FOLDER_UID, would then create a second "Heat pump". The rules get a folder of their own instead.
ALERT_FOLDER_TITLE = "Heat pump alerts"
TAG = "heat-pump"
DEFAULT_TIMEZONE = ""

# The hidden variable resolves to the influxdb_rollup datasource's default bucket, so bucket names live in the
# datasource provisioning (environment) only.
ROLLUP_BUCKET_QUERY = 'import "array"\narray.from(rows: [{_value: v.defaultBucket}])'


def rollup_bucket_variable() -> db.QueryVariable:
    return (
        db.QueryVariable(queries.ROLLUP_BUCKET_VAR)
        .label("Rollup bucket")
        .datasource(queries.INFLUX_ROLLUP)
        .query(ROLLUP_BUCKET_QUERY)
        .refresh(VariableRefresh.ON_DASHBOARD_LOAD)
        .hide(VariableHide.HIDE_VARIABLE)
    )


def changelog_annotation() -> db.AnnotationQuery:
    return (
        db.AnnotationQuery()
        .name("Changelog")
        .datasource(queries.CHANGELOG)
        .enable(True)
        .icon_color("orange")
        .target(queries.BuiltAnnotationTarget(ANNOTATION_SQL))
    )


def dashboard(
    uid: str,
    title: str,
    description: str,
    time_from: str,
    refresh: str,
    panels: list[tuple[cogbuilder.Builder[Panel], int, int]],
    variables: tuple[cogbuilder.Builder[VariableModel], ...] = (),
    rows: tuple[tuple[str, list[tuple[cogbuilder.Builder[Panel], int, int]]], ...] = (),
) -> db.Dashboard:
    """``rows``: (title, panels) shown below the main panels as collapsed rows (their queries run only when the
    owner opens them), for what only some installations have."""
    board = (
        db.Dashboard(title)
        .uid(uid)
        .description(description)
        .tags([TAG])
        # "" is Grafana's "Default": the user's preference, else the server's default_timezone, which compose
        # sets from HPM_TIMEZONE (GF_DATE_FORMATS_DEFAULT_TIMEZONE), so "today" is the installation's local day
        .timezone(DEFAULT_TIMEZONE)
        .time(time_from, "now")
        .refresh(refresh)
        .tooltip(DashboardCursorSync.CROSSHAIR)
        .readonly()
        .link(
            db.DashboardLink("Heat pump")
            .type(DashboardLinkType.DASHBOARDS)
            .tags([TAG])
            .as_dropdown(True)
            .keep_time(True)
            .include_vars(False)
        )
        .with_variable(rollup_bucket_variable())
        .annotation(changelog_annotation())
    )
    for variable in variables:
        board.with_variable(variable)
    placed = place(panels)
    for panel in placed:
        board.with_panel(panel)
    next_id, top = len(placed) + 1, bottom(placed)
    for title, row_panels in rows:
        row = db.Row(title).collapsed(True).id(next_id).grid_pos(GridPos(h=1, w=24, x=0, y=top))
        inside = place(row_panels, first_id=next_id + 1, top=top + 1)
        for panel in inside:
            row.with_panel(panel)
        board.with_row(row)
        next_id, top = next_id + 1 + len(inside), top + 1
    return board
