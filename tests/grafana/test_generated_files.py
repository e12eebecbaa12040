"""The committed dashboards and rules are exactly what the generator writes; datasources, uids, units and
layout follow the rules of docs/dashboards.md."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

from collector import schema
from grafana.generator import __main__ as generator
from grafana.generator import alerts, board, queries
from tests.grafana.grafana_emulation import panels, provisioning_value, targets
from tests.support.schema_refs import dashboard_queries, references

REPO = Path(__file__).resolve().parents[2]
PROVISIONING = REPO / "grafana" / "provisioning"
# where the Grafana container sees the read-only token provisioning writes (tests/deploy/test_compose.py: the mount)
GRAFANA_TOKEN_FILE = "/run/hpm-tokens/hpm_grafana_influx_token"


def dashboards() -> dict[str, dict]:
    return {path.stem: json.loads(path.read_text()) for path in sorted(generator.DASHBOARD_DIR.glob("*.json"))}


def provisioned_datasources() -> dict[str, dict]:
    document = yaml.safe_load((PROVISIONING / "datasources" / "datasources.yaml").read_text())
    return {source["uid"]: source for source in document["datasources"]}


def test_committed_files_equal_the_generator_output() -> None:
    expected = generator.outputs()
    stale = [
        str(path.relative_to(REPO)) for path, text in expected.items() if not path.exists() or path.read_text() != text
    ]
    assert stale == [], "run scripts/generate-dashboards and commit the result"
    assert set(generator.DASHBOARD_DIR.glob("*.json")) == {p for p in expected if p.suffix == ".json"}


def test_dashboards_have_stable_uids_tags_ranges_and_changelog_annotations() -> None:
    found = dashboards()
    assert set(found) == {module.UID for module in generator.DASHBOARDS}
    assert len(found) == 7
    for uid, dashboard in found.items():
        assert dashboard["uid"] == uid
        assert dashboard["schemaVersion"] == 41  # Grafana 11.6, the pinned image
        assert dashboard["tags"] == [board.TAG]
        assert dashboard["time"]["from"].startswith("now-") and dashboard["refresh"]
        annotations = dashboard["annotations"]["list"]
        assert [a["name"] for a in annotations] == ["Changelog"], uid
        target = annotations[0]["target"]
        assert target["queryText"] == target["rawQueryText"] and target["timeColumns"] == ["time"]


def test_most_important_numbers_come_first_for_the_phone() -> None:
    for uid, dashboard in dashboards().items():
        ordered = sorted(panels(dashboard), key=lambda p: (p["gridPos"]["y"], p["gridPos"]["x"]))
        ids = [p["id"] for p in ordered]
        assert ids == sorted(ids), f"{uid}: panel ids do not follow the stacking order"
        if uid != "hp-changelog":
            assert ordered[0]["type"] == "stat", uid
        for panel in ordered:
            pos = panel["gridPos"]
            assert pos["x"] + pos["w"] <= 24, (uid, panel["title"])


def test_every_panel_has_a_unit_and_units_come_from_the_contract() -> None:
    contract_units = {f.unit for spec in schema.ALL_MEASUREMENTS for f in spec.fields}
    derived = {
        queries.AGE_UNIT,
        queries.DELTA_T_UNIT,
        queries.PER_HOUR_UNIT,
        queries.PERCENT_UNIT,
        queries.KWH_PER_DEGREE_DAY_UNIT,
        "currencyEUR",
        "dateTimeAsLocal",
    }
    for uid, dashboard in dashboards().items():
        for panel in panels(dashboard):
            units = [panel["fieldConfig"]["defaults"].get("unit")]
            units += [
                p["value"] for o in panel["fieldConfig"]["overrides"] for p in o["properties"] if p["id"] == "unit"
            ]
            assert units[0], f"{uid}/{panel['title']}: no unit"
            assert set(units) <= contract_units | derived, f"{uid}/{panel['title']}: {units}"


def test_cop_and_jaz_figures_carry_source_boundary_coverage_and_status() -> None:
    labelled = 0
    for dashboard in dashboards().values():
        for panel in panels(dashboard):
            if panel["type"] != "stat" or not re.search(r"\b(COP|JAZ)\b", panel["title"]):
                continue
            names = [
                p["value"]
                for o in panel["fieldConfig"]["overrides"]
                for p in o["properties"]
                if p["id"] == "displayName"
            ]
            text = " ".join(names)
            assert "${__field.labels.source}" in text and "${__field.labels.boundary}" in text, panel["title"]
            if "forecast" in panel["title"]:
                assert "estimate" in text
            else:
                assert any(name.startswith("coverage") for name in names), panel["title"]
            if "JAZ" in panel["title"] and "forecast" not in panel["title"]:
                assert "${__field.labels.status}" in text
            labelled += 1
    assert labelled >= 7


def test_every_datasource_reference_is_provisioned_with_its_type() -> None:
    provisioned = provisioned_datasources()
    assert set(provisioned) == {"influxdb", "influxdb_rollup", "changelog"}
    seen = set()

    def walk(node: object) -> None:
        if isinstance(node, dict):
            ref = node.get("datasource")
            if isinstance(ref, dict):
                assert ref["uid"] in provisioned, ref
                assert provisioned[ref["uid"]]["type"] == ref["type"], ref
                seen.add(ref["uid"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    for dashboard in dashboards().values():
        walk(dashboard)
    assert seen == set(provisioned)
    for group in alerts.rules_document()["groups"]:
        for rule in group["rules"]:
            for step in rule["data"]:
                assert step["datasourceUid"] in {*provisioned, alerts.EXPR}


def test_datasource_provisioning_keeps_secrets_out_and_the_changelog_read_only() -> None:
    text = (PROVISIONING / "datasources" / "datasources.yaml").read_text()
    sources = provisioned_datasources()
    for uid in ("influxdb", "influxdb_rollup"):
        source = sources[uid]
        assert source["jsonData"]["version"] == "Flux"
        # Grafana reads the read-only token from the file `provision` writes; no environment variable holds it
        token = provisioning_value(source["secureJsonData"]["token"], {}, {GRAFANA_TOKEN_FILE: "read-token\n"})
        assert token == "read-token"
    assert sources["influxdb"]["jsonData"]["defaultBucket"] == "$HPM_INFLUX_BUCKET_RAW"
    assert sources["influxdb_rollup"]["jsonData"]["defaultBucket"] == "$HPM_INFLUX_BUCKET_ROLLUP"
    changelog = sources["changelog"]["jsonData"]
    assert changelog["pathPrefix"] == "file:"
    assert "mode=ro" in changelog["pathOptions"]
    assert not re.search(r"token:\s*[^$\s]", text), "a literal token in the provisioning file"
    provider = yaml.safe_load((PROVISIONING / "dashboards" / "dashboards.yaml").read_text())["providers"][0]
    assert provider["folderUid"] == board.FOLDER_UID and provider["folder"] == board.FOLDER_TITLE
    assert provider["allowUiUpdates"] is False and provider["options"]["path"] == "/etc/grafana/hpm/dashboards"


def test_every_query_names_only_contract_measurements_and_fields() -> None:
    declared_fields = {f.name for spec in schema.ALL_MEASUREMENTS for f in spec.fields}
    texts = [t["query"] for d in dashboards().values() for _, t in targets(d) if "query" in t]
    texts += list(dashboard_queries(alerts.rules_document()))
    assert len(texts) > 60
    measurements: set[str] = set()
    for text in texts:
        used_measurements, used_fields = references(text)
        assert used_measurements <= set(schema.BY_NAME), used_measurements - set(schema.BY_NAME)
        assert used_fields <= declared_fields, used_fields - declared_fields
        measurements |= used_measurements
    # the dashboards cover every derived series the contract declares except the per-minute energy base
    assert {spec.name for spec in schema.DERIVED_MEASUREMENTS} - measurements <= {"energy_minute"}


GRAFANA_UNITS = Path(__file__).with_name("grafana_units.txt")
CUSTOM_UNIT = re.compile(r"^(prefix|suffix|si|count|currency|time|bool):.+")


def grafana_unit_ids() -> set[str]:
    return {line for line in GRAFANA_UNITS.read_text().splitlines() if line and not line.startswith("#")}


def test_every_unit_is_one_grafana_knows() -> None:
    """Grafana shows an unknown unit id verbatim after the value ("850 flowlph"): every id in the contract and
    in the dashboards must be one of Grafana 11.6's (grafana_units.txt) or a custom form it parses."""
    known = grafana_unit_ids()
    assert {"watt", "kwatth", "celsius", "litreh", "rothz"} <= known and len(known) > 250

    def unknown(units: set[str]) -> set[str]:
        return {u for u in units if u not in known and not CUSTOM_UNIT.match(u)}

    assert unknown({f.unit for spec in schema.ALL_MEASUREMENTS for f in spec.fields}) == set()
    for uid, dashboard in dashboards().items():
        for panel in panels(dashboard):
            units = {panel["fieldConfig"]["defaults"].get("unit") or "none"}
            units |= {
                p["value"] for o in panel["fieldConfig"]["overrides"] for p in o["properties"] if p["id"] == "unit"
            }
            assert unknown(units) == set(), f"{uid}/{panel['title']}"
    assert unknown({"flowlph", "rotrps", "suffix: l/h"}) == {"flowlph", "rotrps"}


def provision_folders(alerting: dict, dashboards_provider: dict) -> dict[str, str]:
    """Grafana 11.6's folder handling at start, in its order (pkg/services/provisioning/provisioning.go:
    RunInitProvisioners runs alerting, Run then dashboards): the rules provisioner looks a group's folder up by
    title and creates it with a random uid (rules_provisioner.go getOrCreateFolderByTitle); the dashboard
    provider looks up folderUid when set, else the title, and creates what it does not find (file_reader.go
    getOrCreateFolder). Returns uid -> title of every folder."""
    folders: dict[str, str] = {}
    for group in alerting["groups"]:
        if group["folder"] not in folders.values():
            folders[f"random-{len(folders)}"] = group["folder"]
    for provider in dashboards_provider["providers"]:
        uid, title = provider.get("folderUid"), provider["folder"]
        if uid and uid not in folders:
            folders[uid] = title
        elif not uid and title not in folders.values():
            folders[f"random-{len(folders)}"] = title
    return folders


def test_provisioning_order_cannot_duplicate_a_folder_and_the_dashboards_folder_uid_is_fixed() -> None:
    rules = yaml.safe_load(generator.RULES_FILE.read_text())
    provider = yaml.safe_load((PROVISIONING / "dashboards" / "dashboards.yaml").read_text())
    folders = provision_folders(rules, provider)
    assert sorted(folders.values()) == sorted(set(folders.values())), folders
    assert folders[board.FOLDER_UID] == board.FOLDER_TITLE
    # the emulation sees the defect the shared title had
    rules["groups"][0]["folder"] = board.FOLDER_TITLE
    shared = provision_folders(rules, provider)
    assert list(shared.values()).count(board.FOLDER_TITLE) == 2


def test_dashboard_links_and_data_links_resolve() -> None:
    found = dashboards()
    for uid, dashboard in found.items():
        for link in dashboard.get("links", []):
            if link.get("type") == "dashboards":
                targets_ = [d for d in found.values() if set(link["tags"]) <= set(d["tags"])]
                assert len(targets_) == len(found), (uid, link)  # the menu lists every dashboard
            else:
                assert link["url"].lstrip("/").split("/")[1] in found, (uid, link)
        for panel in panels(dashboard):
            for link in panel.get("links", []) + [
                lk
                for o in panel["fieldConfig"]["overrides"]
                for p in o["properties"]
                if p["id"] == "links"
                for lk in p["value"]
            ]:
                match = re.match(r"^/d/([\w-]+)", link["url"])
                assert match and match.group(1) in found, (uid, panel["title"], link)


def test_provisioning_interpolation_emulation_follows_grafana() -> None:
    # values.go interpolateValue: "$$" is a literal "$", expanders first, then os.ExpandEnv (unset = empty)
    environ = {"X": "1", "Y": "2", "Z": "3"}
    assert provisioning_value("$$HOME $X ${Y} $__env{Z} $UNSET.", environ, {}) == "$HOME 1 2 3 ."
    assert provisioning_value("$__file{/t}", {}, {"/t": "  secret \n"}) == "secret"
