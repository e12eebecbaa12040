"""The dashboards' SQL, rendered like the plugin renders it, run against a real changelog file."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator

import pytest

from collector.changelog import ChangeTracker
from collector.changelog.queries import (
    ANNOTATION_SQL,
    CHANGE_LIST_SQL,
    CHANGES_AT_SQL,
    CHANGES_TABLE_SQL,
    render,
)
from collector.settings import Settings
from tests.changelog.conftest import db_path, load_dump, set_value

T0 = 1_795_770_000  # 2026-11-27 10:00 Europe/Berlin
BASELINE = (
    "Configuration baseline: heating circuit 0; DHW; holiday programs; heating rod; system settings (42 settings)"
)
SLOPE = "Heating curve slope (circuit 0): 0.6 → 0.7"
TARGET = "DHW target temperature: 45 °C → 48 °C"
NOTE = "Bled the radiators"
SHIFT = "Heating curve shift (circuit 0): 0 K → 2 K"


@pytest.fixture
def changelog(make_tracker: Callable[..., ChangeTracker], settings: Settings) -> Iterator[sqlite3.Connection]:
    """A real file: baseline at T0, two changes at T0+120, a note at T0+300, a change at T0+3600."""
    tracker = make_tracker()
    features = load_dump("Vitocal252A")
    tracker.observe("0", features, T0)
    set_value(features, "heating.circuits.0.heating.curve", "slope", 0.7)
    set_value(features, "heating.dhw.temperature.main", "value", 48)
    tracker.observe("0", features, T0 + 120.6)
    tracker.add_note(NOTE, at=T0 + 300, tags=["maintenance"])
    set_value(features, "heating.circuits.0.heating.curve", "shift", 2)
    tracker.observe("0", features, T0 + 3600)
    tracker.close()
    db = sqlite3.connect(f"file:{db_path(settings)}?mode=ro", uri=True)
    yield db
    db.close()


def run(db: sqlite3.Connection, sql: str, from_s: float, to_s: float) -> tuple[list[str], list[tuple]]:
    cursor = db.execute(render(sql, round(from_s * 1000), round(to_s * 1000)))
    return [column[0] for column in cursor.description], cursor.fetchall()


def test_annotation_sql_returns_exactly_the_rows_in_range(changelog: sqlite3.Connection) -> None:
    columns, rows = run(changelog, ANNOTATION_SQL, T0 - 3600, T0 + 7200)
    assert columns == ["time", "text", "tags"]
    assert rows == [
        (T0, BASELINE, "baseline"),
        (T0 + 120, SLOPE, "change,circuit-0,heating-curve"),
        (T0 + 120, TARGET, "change,dhw,dhw-target"),
        (T0 + 300, NOTE, "note,maintenance"),
        (T0 + 3600, SHIFT, "change,circuit-0,heating-curve"),
    ]
    typed = changelog.execute(f"SELECT DISTINCT typeof(time) FROM ({render(ANNOTATION_SQL, 0, 2**41)})").fetchall()
    assert typed == [("integer",)]


@pytest.mark.parametrize(
    ("from_s", "to_s", "texts"),
    [
        (T0 + 120, T0 + 300, [SLOPE, TARGET, NOTE]),  # both ends inclusive, like $__timeFilter
        (T0 + 120.001, T0 + 300, [NOTE]),  # a millisecond after the change: excluded
        (T0 + 119.999, T0 + 299.999, [SLOPE, TARGET]),
        (T0 + 301, T0 + 3599, []),
        (T0 + 3600, T0 + 3600, [SHIFT]),
    ],
)
def test_annotation_range_is_exact_to_the_millisecond(
    changelog: sqlite3.Connection, from_s: float, to_s: float, texts: list[str]
) -> None:
    assert [row[1] for row in run(changelog, ANNOTATION_SQL, from_s, to_s)[1]] == texts


def test_changes_table_lists_the_range_newest_first(changelog: sqlite3.Connection) -> None:
    columns, rows = run(changelog, CHANGES_TABLE_SQL, T0 + 60, T0 + 7200)
    assert columns == ["time", "kind", "entity", "field", "old", "new", "text", "tags"]
    assert [row[:6] for row in rows] == [
        (T0 + 3600, "change", "circuit.0", "curve_shift", "0", "2"),
        (T0 + 300, "note", None, None, None, None),
        (T0 + 120, "change", "dhw", "target", "45", "48"),
        (T0 + 120, "change", "circuit.0", "curve_slope", "0.6", "0.7"),
    ]


def test_change_list_variable_offers_each_moment_once(changelog: sqlite3.Connection) -> None:
    columns, rows = run(changelog, CHANGE_LIST_SQL, 0, 0)
    assert columns == ["__value", "__text"]
    assert rows == [
        (T0 + 3600, f"2026-11-27 11:00  {SHIFT}"),
        (T0 + 300, f"2026-11-27 10:05  {NOTE}"),
        (T0 + 120, f"2026-11-27 10:02  {SLOPE}; {TARGET}"),
    ]
    chosen = CHANGES_AT_SQL.replace("$change", str(T0 + 120))  # Grafana substitutes the variable
    columns, rows = run(changelog, chosen, 0, 0)
    assert columns[0] == "time" and [row[6] for row in rows] == [SLOPE, TARGET]


def test_render_substitutes_like_the_plugin() -> None:
    assert render("SELECT $__from, $__to, $__from / 1000", 1_700_000_000_123, 1_700_000_999_999) == (
        "SELECT 1700000000123, 1700000999999, 1700000000123 / 1000"
    )
    assert render("WHERE $__timeFilter(time)", 1_700_000_000_999, 1_700_000_999_001) == (
        "WHERE CAST(CASE WHEN typeof(time) = 'integer' THEN time ELSE strftime(\"%s\", time) END AS INTEGER) "
        "BETWEEN 1700000000 AND 1700000999"
    )
    assert (
        render("SELECT $__unixEpochGroupSeconds(time, 3600) AS t", 0, 0)
        == "SELECT cast((time / 3600) as int) * 3600 AS t"
    )
    assert render("SELECT $__unixEpochGroupSeconds(time, 60, NULL)", 0, 0) == "SELECT cast((time / 60) as int) * 60"
    assert render("SELECT $__other(x)", 0, 0) == "SELECT $__other(x)"
    with pytest.raises(ValueError, match="timeFilter"):
        render("$__timeFilter(a,b)", 0, 0)


def test_timefilter_macro_agrees_with_the_annotation_filter_on_whole_seconds(changelog: sqlite3.Connection) -> None:
    macro_sql = "SELECT time, text, tags FROM changes WHERE $__timeFilter(time) ORDER BY time, id"
    for from_s, to_s in [(T0, T0 + 300), (T0 + 121, T0 + 3600), (T0 - 1, T0 + 119)]:
        assert run(changelog, macro_sql, from_s, to_s) == run(changelog, ANNOTATION_SQL, from_s, to_s)
