"""The schema contract: its doc agrees with it, points are checked against it, and every Flux task and
dashboard query references only what it declares."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from collector import docs_gen, schema
from collector.points import InvalidPoint, point
from tests.support.schema_refs import flux_sources, references

REPO = Path(__file__).resolve().parents[1]


def test_docs_schema_md_matches_the_contract() -> None:
    doc = (REPO / "docs" / "schema.md").read_text()
    assert doc == docs_gen.render_schema_md(), "docs/schema.md is stale: run python -m collector.docs_gen"
    for spec in schema.ALL_MEASUREMENTS:
        assert f"### `{spec.name}`" in doc
        for f in spec.fields:
            assert f"| `{f.name}` | {f.kind.value} | {f.unit} |" in doc


def test_contract_names_are_unique_and_rollups_cover_every_gauge() -> None:
    names = [spec.name for spec in schema.ALL_MEASUREMENTS]
    assert len(names) == len(set(names))
    for spec in schema.ALL_MEASUREMENTS:
        assert len(spec.field_names) == len(set(spec.field_names)), spec.name
        assert set(spec.tag_values) <= set(spec.tags), spec.name
    for raw in schema.RAW_MEASUREMENTS:
        if raw.rolled_up:
            for interval in schema.ROLLUP_INTERVALS:
                rollup = schema.measurement(f"{raw.name}_{interval}")
                assert rollup.bucket is schema.Bucket.ROLLUP
                assert schema.TAG_AGG in rollup.tags
    assert schema.unit_of("shelly_power", "power") == "watt"
    assert schema.unit_of("hp_temperature", "value") == "celsius"


def test_points_are_checked_against_the_contract() -> None:
    at = datetime(2026, 3, 1, tzinfo=UTC)
    good = point("shelly_power", {"device": "x", "phase": "a"}, {"power": 1.5, "pf": None}, at)
    assert good.to_line() == "shelly_power,device=x,phase=a power=1.5 1772323200000000000"
    with pytest.raises(InvalidPoint, match="not declared"):
        point("shelly_power", {"device": "x"}, {"powr": 1.0}, at)
    with pytest.raises(InvalidPoint, match="tag phase='d'"):
        point("shelly_power", {"phase": "d"}, {"power": 1.0}, at)
    with pytest.raises(InvalidPoint, match="finite"):
        point("shelly_power", {"phase": "a"}, {"power": float("nan")}, at)
    with pytest.raises(InvalidPoint, match="naive"):
        point("shelly_power", {"phase": "a"}, {"power": 1.0}, datetime(2026, 3, 1))
    with pytest.raises(KeyError, match=r"not declared in collector/schema\.py"):
        point("shelly_powr", {}, {"power": 1.0}, at)
    line = point("shelly_event", {"kind": "reboot"}, {"message": 'say "hi", ok'}, at).to_line()
    assert line == 'shelly_event,kind=reboot message="say \\"hi\\", ok" 1772323200000000000'


def test_reference_extractor_sees_filters_sets_and_contains() -> None:
    flux = """
from(bucket: "b") |> filter(fn: (r) => r._measurement == "shelly_power" and r["_field"] == "power")
  |> filter(fn: (r) => contains(value: r._field, set: ["imported", "exported"]))
  |> set(key: "_measurement", value: "energy_daily") |> set(key: "_field", value: "kwh")
"""
    assert references(flux) == ({"shelly_power", "energy_daily"}, {"power", "imported", "exported", "kwh"})


def test_every_flux_task_and_dashboard_references_only_declared_names() -> None:
    fields = {f.name for spec in schema.ALL_MEASUREMENTS for f in spec.fields}
    problems = []
    for path, flux in flux_sources(REPO):
        measurements, used_fields = references(flux)
        for name in sorted(measurements - set(schema.BY_NAME)):
            problems.append(f"{path.relative_to(REPO)}: measurement {name!r} is not in the contract")
        for name in sorted(used_fields - fields):
            problems.append(f"{path.relative_to(REPO)}: field {name!r} is not in the contract")
    assert problems == []
