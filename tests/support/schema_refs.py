"""Find the measurements and fields a Flux text references, for the schema reference check."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

_STRING = r'"((?:[^"\\]|\\.)*)"'
_MEASUREMENT = re.compile(r"r\._measurement\s*==\s*" + _STRING + r'|r\["_measurement"\]\s*==\s*' + _STRING)
_FIELD = re.compile(r"r\._field\s*==\s*" + _STRING + r'|r\["_field"\]\s*==\s*' + _STRING)
_SET_MEASUREMENT = re.compile(r'set\(\s*key:\s*"_measurement"\s*,\s*value:\s*' + _STRING)
_SET_FIELD = re.compile(r'set\(\s*key:\s*"_field"\s*,\s*value:\s*' + _STRING)
_CONTAINS = re.compile(r"contains\(\s*value:\s*r\.(_measurement|_field)\s*,\s*set:\s*\[([^\]]*)\]")


def references(flux: str) -> tuple[set[str], set[str]]:
    """(measurements, fields) named literally in a Flux text."""
    measurements: set[str] = set()
    fields: set[str] = set()
    for regex, target in (
        (_MEASUREMENT, measurements),
        (_SET_MEASUREMENT, measurements),
        (_FIELD, fields),
        (_SET_FIELD, fields),
    ):
        for match in regex.finditer(flux):
            target.update(group for group in match.groups() if group)
    for match in _CONTAINS.finditer(flux):
        names = set(re.findall(_STRING, match.group(2)))
        (measurements if match.group(1) == "_measurement" else fields).update(names)
    return measurements, fields


def dashboard_queries(document: object) -> Iterator[str]:
    """Every Flux query text inside a dashboard or alert-rule JSON document."""
    if isinstance(document, dict):
        for key, value in document.items():
            if key == "query" and isinstance(value, str):
                yield value
            else:
                yield from dashboard_queries(value)
    elif isinstance(document, list):
        for item in document:
            yield from dashboard_queries(item)


def flux_sources(repo: Path) -> Iterator[tuple[Path, str]]:
    for path in sorted((repo / "influxdb" / "tasks").glob("*.flux")):
        yield path, path.read_text()
    for path in sorted((repo / "grafana" / "dashboards").glob("*.json")):
        for query in dashboard_queries(json.loads(path.read_text())):
            yield path, query
