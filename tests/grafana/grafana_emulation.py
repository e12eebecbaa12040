"""What Grafana does to a query before a datasource runs it, reimplemented for tests (no Grafana server here).

- The browser replaces dashboard variables (``$name``, ``${name}``, ``${name:format}``, ``[[name]]``) — only names
  the dashboard defines — and computes the query interval from the range and the panel width.
- Grafana's Flux backend (pkg/tsdb/influxdb/flux/macros.go) then replaces every ``<letters>.<name>`` for the names
  timeRangeStart/timeRangeStop (RFC 3339 UTC), windowPeriod (Go duration text), bucket/defaultBucket/organization
  (quoted), and ``$__interval_ms``/``$__interval``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from influxdb_client.client.flux_table import FluxTable

_FLUX_VARIABLE = re.compile(r"([a-zA-Z]+)\.([a-zA-Z]+)")
_TEMPLATE = re.compile(r"\$(\w+)|\[\[(\w+?)(?::(\w+))?\]\]|\$\{(\w+)(?::([^}]+))?\}")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "M": 2592000, "y": 31536000}
# Grafana's rounded intervals (rangeutil roundInterval), in seconds; never below the datasource's timeInterval.
_NICE = (10, 15, 20, 30, 60, 120, 300, 600, 900, 1200, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 604800)
MAX_DATA_POINTS = 1000  # a panel about 1000 px wide


def go_duration(seconds: int) -> str:
    """Go's time.Duration.String() for whole seconds (1h0m0s, 2m0s, 10s)."""
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes}m{secs}s"
    if minutes:
        return f"{minutes}m{secs}s"
    return f"{secs}s"


def interval_seconds(start: datetime, stop: datetime, min_interval: int = 10) -> int:
    raw = (stop - start).total_seconds() / MAX_DATA_POINTS
    return max(min_interval, next((nice for nice in _NICE if nice >= raw), _NICE[-1]))


def flux_backend(query: str, start: datetime, stop: datetime, default_bucket: str, org: str) -> str:
    """pkg/tsdb/influxdb/flux/macros.go: interpolateFluxSpecificVariables + interpolateInterval."""
    interval = interval_seconds(start, stop)
    values = {
        "timeRangeStart": _rfc3339(start),
        "timeRangeStop": _rfc3339(stop),
        "windowPeriod": go_duration(interval),
        "bucket": f'"{default_bucket}"',
        "defaultBucket": f'"{default_bucket}"',
        "organization": f'"{org}"',
    }
    for match in set(_FLUX_VARIABLE.findall(query)):
        if match[1] in values:
            query = query.replace(f"{match[0]}.{match[1]}", values[match[1]])
    return query.replace("$__interval_ms", str(interval * 1000)).replace("$__interval", go_duration(interval))


def replace_variables(text: str, variables: dict[str, str]) -> str:
    """The browser's template service: known variables only; unknown ``$names`` stay as they are."""

    def substitute(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2) or match.group(4)
        return variables.get(name, match.group(0))

    return _TEMPLATE.sub(substitute, text)


_EXPANDER = re.compile(r"\$__(\w+)\{(.*?)\}")
_GO_ENV = re.compile(r"\$\{([^}]*)\}|\$(\w+)")


def provisioning_value(raw: str, environ: dict[str, str], files: dict[str, str]) -> str:
    """What Grafana makes of a string in a provisioning file (pkg/services/provisioning/values: interpolateValue):
    split at ``$$`` (a literal ``$``), then per part setting.ExpandVar (``$__env{X}``, ``$__file{path}``: the
    file's text with surrounding white space trimmed; an unreadable file fails the whole file) and then Go's
    os.ExpandEnv (``$X``/``${X}``, unset = empty)."""

    def expander(match: re.Match[str]) -> str:
        kind, argument = match.groups()
        if kind == "file":
            if argument not in files:
                raise FileNotFoundError(argument)
            return files[argument].strip()
        assert kind == "env", kind
        return environ.get(argument, "")

    parts = [_EXPANDER.sub(expander, part) for part in raw.split("$$")]
    return "$".join(_GO_ENV.sub(lambda m: environ.get(m.group(1) or m.group(2), ""), part) for part in parts)


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def resolve_range(expression: str, now: datetime) -> datetime:
    """A Grafana relative time ("now-7d", "now/d", "now-1y", or the panel-override short form "1y") in UTC."""
    if expression == "now":
        return now
    if expression == "now/d":
        return now.replace(hour=0, minute=0, second=0, microsecond=0)
    match = re.fullmatch(r"(?:now-)?(\d+)([smhdwMy])", expression)
    if not match:
        raise ValueError(f"unsupported relative time {expression!r}")
    return now - timedelta(seconds=int(match.group(1)) * _UNITS[match.group(2)])


def panels(dashboard: dict) -> Iterator[dict]:
    """Every panel that shows data, those inside collapsed rows included (a row itself shows nothing)."""
    for panel in dashboard.get("panels", []):
        if panel.get("type") != "row":
            yield panel
        yield from panel.get("panels", [])  # collapsed rows


def targets(dashboard: dict) -> Iterator[tuple[dict, dict]]:
    """(panel, target) for every panel target."""
    for panel in panels(dashboard):
        for target in panel.get("targets", []):
            yield panel, target


@dataclass
class Frame:
    """A data frame as Grafana's Flux backend builds it from one result table."""

    fields: dict[str, list[object]]
    labels: dict[str, str]


def _is_tag(column: str) -> bool:
    return column not in ("result", "table") and not column.startswith("_")


def frames(tables: list[FluxTable]) -> list[Frame]:
    """pkg/tsdb/influxdb/flux/builder.go (Grafana 11): a table with ``_value`` and a time column is a time
    series — value field named by ``_field``, string tag columns as labels; any other table becomes a plain
    frame with one field per column (``result``/``table`` skipped)."""
    out = []
    for table in tables:
        if not table.records:
            continue
        types = {column.label: column.data_type for column in table.columns}
        times = [name for name, kind in types.items() if kind.startswith("dateTime")]
        first = table.records[0]
        if "_value" in types and times:
            time_column = "_time" if "_time" in times else times[0]
            tags = [name for name, kind in types.items() if _is_tag(name) and kind == "string"]
            name = first.values.get("_field") or "Value"
            values = {
                "Time": [r.values[time_column] for r in table.records],
                name: [r.get_value() for r in table.records],
            }
            out.append(Frame(values, {tag: first.values[tag] for tag in tags}))
        else:
            columns = [name for name in types if name not in ("result", "table")]
            out.append(Frame({name: [r.values.get(name) for r in table.records] for name in columns}, {}))
    return out
