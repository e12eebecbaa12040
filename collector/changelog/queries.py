"""SQL the Grafana dashboards run against the changelog file (frser-sqlite-datasource), and ``render``.

Grafana hands ``$__from`` / ``$__to`` in milliseconds; ``time`` is INTEGER unix seconds. The range filter is exact
and still uses the time index: ``time * 1000 >= from`` ⇔ ``time >= ceil(from / 1000)`` = ``(from + 999) / 1000``
(SQLite integer division), ``time * 1000 <= to`` ⇔ ``time <= to / 1000``. Set ``timeColumns: ["time"]``.
"""

from __future__ import annotations

import re

_IN_RANGE = "time BETWEEN ($__from + 999) / 1000 AND $__to / 1000"

# Annotation query: the plugin maps the columns time, text, tags (comma-separated) onto annotation events.
ANNOTATION_SQL = f"SELECT time, text, tags FROM changes WHERE {_IN_RANGE} ORDER BY time, id"

# Table panel: every entry in the dashboard's range, newest first.
CHANGES_TABLE_SQL = (
    f"SELECT time, kind, entity, field, old, new, text, tags FROM changes WHERE {_IN_RANGE} ORDER BY time DESC, id DESC"
)

# Dashboard variable ``change``: one entry per moment something changed (all settings changed by one edit or
# noted together), value = its unix time in seconds, text = local time and what changed. Not range-filtered, so
# an owner can pick any change and move the time range to it; newest first, the latest 500.
CHANGE_LIST_SQL = (
    "SELECT time AS __value, time_local || '  ' || group_concat(text, '; ') AS __text "
    "FROM (SELECT time, time_local, text FROM changes WHERE kind != 'baseline' ORDER BY id) "
    "GROUP BY time ORDER BY time DESC LIMIT 500"
)

# Table of the entries at the moment chosen in ``$change`` (Grafana substitutes the variable before the query).
CHANGES_AT_SQL = "SELECT time, kind, entity, field, old, new, text, tags FROM changes WHERE time = $change ORDER BY id"

_MACRO = re.compile(r"\$__([_a-zA-Z0-9]+)\(([^)]*)\)")


def render(sql: str, from_ms: int, to_ms: int) -> str:
    """The SQL the plugin executes for a dashboard range [from_ms, to_ms].

    Same steps as frser-sqlite-datasource (``pkg/plugin/variables.go``, ``macros.go``): replace every ``$__from``
    and ``$__to`` with the millisecond number, then expand ``$__timeFilter(col)`` (range in whole seconds) and
    ``$__unixEpochGroupSeconds(col, seconds)``; other ``$__name(...)`` macros stay as they are.
    """
    sql = sql.replace("$__from", str(from_ms)).replace("$__to", str(to_ms))
    return _MACRO.sub(lambda match: _macro(match, from_ms // 1000, to_ms // 1000), sql)


def _macro(match: re.Match[str], from_s: int, to_s: int) -> str:
    name, args = match.group(1), match.group(2).split(",")
    if name == "timeFilter":
        if len(args) != 1:
            raise ValueError(f"unsupported number of arguments ({len(args)}) for timeFilter")
        column = args[0]
        return (
            f"CAST(CASE WHEN typeof({column}) = 'integer' THEN {column} ELSE strftime(\"%s\", {column}) END AS INTEGER)"
            f" BETWEEN {from_s} AND {to_s}"
        )
    if name == "unixEpochGroupSeconds":
        if not 2 <= len(args) <= 3:
            raise ValueError(f"unsupported number of arguments ({len(args)}) for unixEpochGroupSeconds")
        seconds = int(args[1].strip())
        return f"cast(({args[0]} / {seconds}) as int) * {seconds}"
    return match.group(0)
