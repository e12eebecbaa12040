"""Every query the dashboards run, executed the way Grafana would execute it, on the real backends: Flux (with
Grafana's macros and the dashboard variables substituted) on the InfluxDB test server over seeded raw and derived
series, SQL on a changelog file written by the collector's store."""

from __future__ import annotations

import re
import sqlite3
from datetime import datetime, timedelta
from pathlib import Path

from grafana_foundation_sdk.models.dashboard import RowPanel
from influxdb_client.rest import ApiException

from collector.changelog.queries import render
from grafana.generator import __main__ as generator
from grafana.generator import board, queries
from grafana.generator.queries import FluxQuery, SqliteQuery
from tests.grafana.conftest import Seeded
from tests.grafana.grafana_emulation import Frame, flux_backend, frames, replace_variables, resolve_range

# Ranges that exercise each branch of the raw / 1-minute / hourly rollup switch.
SPANS = (timedelta(hours=6), timedelta(days=7), timedelta(days=365))
LABEL = re.compile(r"\$\{__field\.labels\.(\w+)\}")


def run_flux(
    seeded: Seeded, query: str, start: datetime, stop: datetime, variables: dict[str, str], bucket: str
) -> list[Frame]:
    """The frames Grafana would get: variables and macros substituted, result tables converted as its backend does."""
    text = flux_backend(replace_variables(query, variables), start, stop, bucket, seeded.env.org)
    assert "${" not in text, f"unsubstituted variable in:\n{text}"
    return frames(seeded.env.client.query_api().query(text, org=seeded.env.org))


def run_sql(path: Path, sql: str, start: datetime, stop: datetime, variables: dict[str, str]) -> list[dict]:
    """As the plugin does: template variables, $__from/$__to in ms, on a read-only connection."""
    text = render(replace_variables(sql, variables), int(start.timestamp() * 1000), int(stop.timestamp() * 1000))
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        cursor = db.execute(text)
        columns = [c[0] for c in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def variable_values(seeded: Seeded, changelog_file: Path, dashboard) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """What each dashboard variable resolves to: query variables run on their datasource (first value)."""
    values: dict[str, str] = {}
    now = seeded.now
    for variable in dashboard.templating.list_val or []:
        if variable.type_val == "textbox":
            values[variable.name] = variable.query
        elif variable.datasource.uid == queries.INFLUX_ROLLUP.uid:
            found = run_flux(seeded, variable.query, now - timedelta(days=1), now, {}, seeded.env.bucket_rollup)
            values[variable.name] = str(found[0].fields["_value"][0])
        else:
            rows = run_sql(changelog_file, variable.query, now - timedelta(days=1), now, {})
            assert rows and set(rows[0]) == {"__value", "__text"}, variable.name
            values[variable.name] = str(rows[0]["__value"])
    return values


def data_panels(dashboard) -> list:  # type: ignore[no-untyped-def]
    """The built dashboard's panels, those inside collapsed rows included, without the rows themselves."""
    found = []
    for panel in dashboard.panels:
        if isinstance(panel, RowPanel):
            found += panel.panels or []
        else:
            found.append(panel)
    return found


def test_the_rollup_bucket_variable_resolves_to_the_rollup_datasources_bucket(seeded: Seeded) -> None:
    now = seeded.now
    found = run_flux(seeded, board.ROLLUP_BUCKET_QUERY, now - timedelta(hours=1), now, {}, seeded.env.bucket_rollup)
    assert [frame.fields["_value"] for frame in found] == [[seeded.env.bucket_rollup]]


def test_every_flux_panel_query_returns_the_fields_its_panel_shows(seeded: Seeded, changelog_file: Path) -> None:
    problems: list[str] = []
    executed = 0
    for module in generator.DASHBOARDS:
        dashboard = module.build().build()
        variables = variable_values(seeded, changelog_file, dashboard)
        for panel in data_panels(dashboard):
            shown_labels = set()
            for override in panel.field_config.overrides:
                for prop in override.properties:
                    if prop.id_val == "displayName":
                        shown_labels |= set(LABEL.findall(prop.value))
            names: set[str] = set()
            labels: set[str] = set()
            for target in panel.targets or []:
                if not isinstance(target, FluxQuery):
                    continue
                start = resolve_range(panel.time_from or dashboard.time.from_val, seeded.now)
                ranges = [(start, seeded.now)]
                if f"int(v: {queries.RAW_SPAN})" in target.query:
                    ranges += [(seeded.now - span, seeded.now) for span in SPANS]
                for begin, end in ranges:
                    where = f"{module.UID} / {panel.title} / {target.ref_id} over {end - begin}"
                    try:
                        found = run_flux(seeded, target.query, begin, end, variables, seeded.env.bucket_raw)
                    except (ApiException, TypeError) as error:
                        problems.append(f"{where}: {getattr(error, 'body', error)}")
                        continue
                    executed += 1
                    if not found:
                        problems.append(f"{where}: no data")
                        continue
                    shown = {name for frame in found for name in frame.fields}
                    names |= shown
                    labels |= {label for frame in found for label in frame.labels}
                    if missing := set(target.fields) - shown:
                        problems.append(f"{where}: missing {sorted(missing)} in {sorted(shown)}")
                    # a state timeline also draws states the device names in words
                    drawn = int | float | str if panel.type_val == "state-timeline" else int | float
                    for field in target.fields:
                        values = [v for frame in found for v in frame.fields.get(field, [])]
                        if not any(isinstance(v, drawn) for v in values):
                            problems.append(f"{where}: {field} has no value the panel can draw")
            if names and (unlabelled := shown_labels - labels):
                problems.append(f"{module.UID} / {panel.title}: display names use missing labels {unlabelled}")
    assert problems == []
    assert executed > 120


def test_every_changelog_query_runs_on_a_real_changelog_file(seeded: Seeded, changelog_file: Path) -> None:
    now = seeded.now
    checked = 0
    for module in generator.DASHBOARDS:
        dashboard = module.build().build()
        variables = variable_values(seeded, changelog_file, dashboard)
        annotation = dashboard.annotations.list_val[0].target.to_json()
        week = now - timedelta(days=7)
        rows = run_sql(changelog_file, annotation["queryText"], week, now, variables)
        assert [row["text"] for row in rows] == ["Bled the radiators"], module.UID  # the older change is outside
        assert set(rows[0]) == {"time", "text", "tags"}
        start = resolve_range(dashboard.time.from_val, now)
        checked += 1
        for panel in data_panels(dashboard):
            for target in panel.targets or []:
                if isinstance(target, SqliteQuery):
                    rows = run_sql(changelog_file, target.sql, start, now, variables)
                    assert rows, panel.title
                    assert set(target.time_columns) <= set(rows[0]) and {"text", "tags"} <= set(rows[0])
                    checked += 1
    assert checked == len(generator.DASHBOARDS) + 2
