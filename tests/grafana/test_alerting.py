"""Alerting files have the structure Grafana's file provisioning requires (pkg/services/provisioning/alerting,
rules_types.go), every rule's Flux runs on the real server and yields a numeric series, and the contact points
follow the environment without ever containing a secret."""

from __future__ import annotations

import os
import re
import subprocess
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import yaml

from grafana.generator import __main__ as generator
from grafana.generator import alerts, board, queries
from tests.grafana.conftest import Seeded
from tests.grafana.grafana_emulation import flux_backend, frames

REPO = Path(__file__).resolve().parents[2]
CONTACT_POINTS = REPO / "grafana" / "contact-points.sh"
START = REPO / "grafana" / "start.sh"
DURATION = re.compile(r"^(\d+(ms|s|m|h|d|w))+$")
STATES_NO_DATA = {"NoData", "Alerting", "OK", "KeepLast"}
STATES_ERROR = {"Error", "Alerting", "OK", "KeepLast"}
RECEIVER_SETTINGS = {
    "webhook": {"url"},
    "telegram": {"bottoken", "chatid"},
    "pushover": {"apiToken", "userKey"},
    "email": {"addresses"},
}
CHANNELS = {
    "HPM_ALERT_NTFY_URL": "https://ntfy.example/heat-pump-secret-topic",
    "HPM_ALERT_TELEGRAM_CHAT_ID": "-100123",
    "HPM_ALERT_EMAIL_TO": "owner@example.org",
}
SECRET_FILES = {  # file in HPM_ALERT_SECRETS_DIR -> value
    "hpm_alert_ntfy_token": "tk_secret_ntfy",
    "hpm_alert_telegram_bot_token": "123:secret-bot",
    "hpm_alert_pushover_token": "secret-pushover-app",
    "hpm_alert_pushover_user": "secret-pushover-user",
}


def rule_problems(document: dict) -> list[str]:
    """Structural checks of an alert-rules provisioning file, from Grafana's file format."""
    problems = []
    if document.get("apiVersion") != 1:
        problems.append("apiVersion must be 1")
    uids = set()
    for group in document.get("groups", []):
        for key in ("orgId", "name", "folder", "interval", "rules"):
            if key not in group:
                problems.append(f"group {group.get('name')}: missing {key}")
        if not (isinstance(group.get("interval"), str) and DURATION.match(group["interval"])):
            problems.append(
                f"group {group.get('name')}: interval must be a duration string, not {group.get('interval')!r}"
            )
        if "folderUid" in group or "title" in group:
            problems.append("API model keys (folderUid/title) in a file-provisioning group")
        for rule in group.get("rules", []):
            name = rule.get("uid")
            if not name or name in uids or len(name) > 40:
                problems.append(f"rule uid {name!r} missing, duplicated or longer than 40 characters")
            uids.add(name)
            for key in ("folderUID", "ruleGroup", "orgID", "keep_firing_for"):
                if key in rule:
                    problems.append(f"{name}: API model key {key} in a file-provisioned rule")
            ref_ids = [step.get("refId") for step in rule.get("data", [])]
            if rule.get("condition") not in ref_ids:
                problems.append(f"{name}: condition {rule.get('condition')} is not one of {ref_ids}")
            for step in rule.get("data", []):
                model = step.get("model", {})
                if model.get("refId") != step.get("refId"):
                    problems.append(f"{name}/{step.get('refId')}: model refId differs")
                if step.get("datasourceUid") == alerts.EXPR:
                    if model.get("expression") not in ref_ids:
                        problems.append(f"{name}/{step['refId']}: expression input {model.get('expression')} unknown")
                    continue
                window = step.get("relativeTimeRange", {})
                if not (isinstance(window.get("from"), int) and isinstance(window.get("to"), int)):
                    problems.append(f"{name}/{step.get('refId')}: relativeTimeRange from/to (seconds) required")
                elif window["from"] <= window["to"]:
                    problems.append(f"{name}/{step['refId']}: relativeTimeRange.from must exceed to")
                if "v.windowPeriod" in model.get("query", "") or "${" in model.get("query", ""):
                    problems.append(f"{name}: rule queries get no windowPeriod and no dashboard variables")
            if rule.get("noDataState") not in STATES_NO_DATA:
                problems.append(f"{name}: noDataState {rule.get('noDataState')!r}")
            if rule.get("execErrState") not in STATES_ERROR:
                problems.append(f"{name}: execErrState {rule.get('execErrState')!r}")
            if not DURATION.match(str(rule.get("for", ""))):
                problems.append(f"{name}: for must be a duration string")
            annotations = rule.get("annotations", {})
            if not annotations.get("summary") or not annotations.get("description"):
                problems.append(f"{name}: summary (what happened, value) and description (what to check) needed")
    return problems


def contact_point_problems(document: dict) -> list[str]:
    problems = []
    receiver_uids = set()
    for point in document.get("contactPoints", []):
        if not {"orgId", "name", "receivers"} <= set(point):
            problems.append(f"contact point {point}: orgId, name and receivers required")
        for receiver in point.get("receivers", []):
            if not {"uid", "type", "settings"} <= set(receiver):
                problems.append(f"receiver {receiver}: uid, type and settings required")
                continue
            receiver_uids.add(receiver["uid"])
            missing = RECEIVER_SETTINGS[receiver["type"]] - set(receiver["settings"])
            if missing:
                problems.append(f"{receiver['uid']}: settings {missing} missing")
    names = {point["name"] for point in document.get("contactPoints", [])}
    for policy in document.get("policies", []):
        routes = [policy, *policy.get("routes", [])]
        for route in routes:
            if route.get("receiver") not in names:
                problems.append(f"policy route to unknown receiver {route.get('receiver')}")
            for matcher in route.get("object_matchers", []):
                if not (isinstance(matcher, list) and len(matcher) == 3 and matcher[1] in ("=", "!=", "=~", "!~")):
                    problems.append(f"matcher {matcher!r} is not [name, op, value]")
    for deleted in document.get("deleteContactPoints", []):
        if set(deleted) != {"orgId", "uid"} or deleted["uid"] in receiver_uids:
            problems.append(f"bad deleteContactPoints entry {deleted}")
    return problems


def test_the_rules_file_has_grafanas_file_provisioning_structure() -> None:
    document = yaml.safe_load(generator.RULES_FILE.read_text())
    assert rule_problems(document) == []
    group = document["groups"][0]
    assert group["folder"] == board.ALERT_FOLDER_TITLE
    titles = {rule["uid"] for rule in group["rules"]}
    assert titles == {
        "hp-fault",
        "hp-locked",
        "collector-stale",
        "shelly-unreachable",
        "viessmann-budget",
        "viessmann-stale",
        "viessmann-rate-limited",
        "outbox-growing",
        "cop-low",
        "short-cycling",
        "heating-rod-long",
        "dhw-low",
    }
    stale = next(rule for rule in group["rules"] if rule["uid"] == "collector-stale")
    assert stale["noDataState"] == "Alerting" and stale["for"] == "5m"


def test_the_validator_catches_api_model_mistakes() -> None:
    document = alerts.rules_document()
    group = document["groups"][0]
    group["interval"] = 60
    rule = group["rules"][0]
    rule["condition"] = "Z"
    rule["noDataState"] = "NoDataa"
    rule["data"][0].pop("relativeTimeRange")
    problems = "\n".join(rule_problems(document))
    for expected in ("interval must be a duration", "condition Z", "noDataState", "relativeTimeRange"):
        assert expected in problems


@pytest.mark.parametrize("rule", alerts.RULES, ids=lambda rule: rule.uid)
def test_every_rule_query_yields_a_numeric_series(seeded: Seeded, rule: alerts.Rule) -> None:
    document = alerts.rule_document(rule)
    step = document["data"][0]
    window = step["relativeTimeRange"]
    start, stop = seeded.now - timedelta(seconds=window["from"]), seeded.now - timedelta(seconds=window["to"])
    bucket = seeded.env.bucket_rollup if step["datasourceUid"] == queries.INFLUX_ROLLUP.uid else seeded.env.bucket_raw
    text = flux_backend(step["model"]["query"], start, stop, bucket, seeded.env.org)
    found = frames(seeded.env.client.query_api().query(text, org=seeded.env.org))
    assert found, rule.uid
    for frame in found:  # a time field and one numeric field: a series Grafana's Reduce accepts
        kinds = [type(values[0]) for values in frame.fields.values()]
        assert len(kinds) == 2 and kinds[0] is datetime and kinds[1] is float, (rule.uid, frame)


def test_cop_rule_compares_yesterdays_cop_with_the_outside_temperature(seeded: Seeded) -> None:
    rule = next(rule for rule in alerts.RULES if rule.uid == "cop-low")
    rows = seeded.env.query(
        flux_backend(rule.query, seeded.now - timedelta(days=3), seeded.now, seeded.env.bucket_rollup, seeded.env.org)
    )
    cop = seeded.env.query(
        f'from(bucket: "{seeded.env.bucket_rollup}") |> range(start: -3d, stop: -1d) '
        '|> filter(fn: (r) => r._measurement == "cop_daily" and r._field == "cop" and r.category == "combined" '
        'and r.source == "device") |> last()'
    )[0]
    day = datetime.fromisoformat(cop["_time"].replace("Z", "+00:00"))
    outside = seeded.env.query(
        f'from(bucket: "{seeded.env.bucket_rollup}") |> range(start: {cop["_time"]}, '
        f"stop: {(day + timedelta(days=1)).isoformat()}) "
        '|> filter(fn: (r) => r._measurement == "hp_temperature_1h" and r.sensor == "outside" and r.agg == "mean") '
        "|> group() |> mean()"
    )[0]
    expected = alerts.MIN_COP_AT_0C + alerts.MIN_COP_PER_K * float(outside["_value"])
    device = next(row for row in rows if row["source"] == "device")
    assert float(device["_value"]) == pytest.approx(float(cop["_value"]) - expected)


def _contact_points(tmp_path: Path, env: dict[str, str], files: dict[str, str] | None = None) -> tuple[dict, str, str]:
    secrets = tmp_path / "secrets"
    secrets.mkdir(exist_ok=True)
    for name, value in (files or {}).items():
        (secrets / name).write_text(value + "\n")
    out = tmp_path / "contact-points.yaml"
    proc = subprocess.run(
        ["sh", str(CONTACT_POINTS), str(out)],
        env={"PATH": os.environ["PATH"], "HPM_ALERT_SECRETS_DIR": str(secrets), **env},
        capture_output=True,
        text=True,
        check=True,
    )
    text = out.read_text()
    return yaml.safe_load(text), text, proc.stderr


def test_contact_points_follow_the_environment_and_read_tokens_from_files(tmp_path: Path) -> None:
    document, text, _ = _contact_points(tmp_path, CHANNELS, SECRET_FILES)
    assert contact_point_problems(document) == []
    receivers = document["contactPoints"][0]["receivers"]
    assert [r["type"] for r in receivers] == ["webhook", "telegram", "pushover", "email"]
    assert receivers[0]["settings"]["url"] == "${HPM_ALERT_NTFY_URL}?template=grafana"
    secrets = tmp_path / "secrets"
    # Grafana's provisioning expands $__file{} itself (pkg/services/provisioning/values: setting.ExpandVar)
    assert receivers[0]["settings"]["authorization_credentials"] == f"$__file{{{secrets}/hpm_alert_ntfy_token}}"
    assert receivers[1]["settings"]["bottoken"] == f"$__file{{{secrets}/hpm_alert_telegram_bot_token}}"
    assert receivers[2]["settings"]["userKey"] == f"$__file{{{secrets}/hpm_alert_pushover_user}}"
    for value in [*CHANNELS.values(), *SECRET_FILES.values()]:
        assert value not in text
    routes = document["policies"][0]["routes"]
    assert ["alertname", "=~", "DatasourceNoData|DatasourceError"] in [m for r in routes for m in r["object_matchers"]]
    assert document["deleteContactPoints"] == []


def test_an_ntfy_url_with_a_query_string_keeps_it(tmp_path: Path) -> None:
    document, _, _ = _contact_points(tmp_path, {"HPM_ALERT_NTFY_URL": "https://ntfy.example/topic?priority=high"})
    assert document["contactPoints"][0]["receivers"][0]["settings"]["url"] == "${HPM_ALERT_NTFY_URL}&template=grafana"
    assert "authorization_credentials" not in document["contactPoints"][0]["receivers"][0]["settings"]


def test_only_configured_channels_get_receivers_and_removed_ones_are_deleted(tmp_path: Path) -> None:
    env = {"HPM_ALERT_TELEGRAM_CHAT_ID": "-100123"}
    files = {"hpm_alert_telegram_bot_token": "123:bot", "hpm_alert_pushover_token": "half-configured"}
    document, _, _ = _contact_points(tmp_path, env, files)  # Pushover without the user key: not a channel
    assert contact_point_problems(document) == []
    assert [r["uid"] for r in document["contactPoints"][0]["receivers"]] == ["hpm-telegram"]
    assert {d["uid"] for d in document["deleteContactPoints"]} == {"hpm-ntfy", "hpm-pushover", "hpm-email"}


def test_tokens_in_the_environment_are_ignored_and_unreadable_files_named(tmp_path: Path) -> None:
    """Compose passes no token variables any more; a leftover one must not configure a channel."""
    env = {"HPM_ALERT_TELEGRAM_BOT_TOKEN": "123:bot", "HPM_ALERT_TELEGRAM_CHAT_ID": "-100"}
    document, _, stderr = _contact_points(tmp_path, env, {"hpm_alert_pushover_token": ""})
    assert "contactPoints" not in document and "no alert channel configured" in stderr
    assert "hpm_alert_pushover_token is empty or unreadable" in stderr


def test_without_channels_alerts_stay_in_grafana(tmp_path: Path) -> None:
    document, _, stderr = _contact_points(tmp_path, {})
    assert "contactPoints" not in document and "policies" not in document
    assert document["resetPolicies"] == [1]
    assert len(document["deleteContactPoints"]) == 4
    assert "no alert channel configured" in stderr


def test_start_script_assembles_provisioning_and_runs_grafana(tmp_path: Path) -> None:
    target = tmp_path / "provisioning"
    env = {
        "PATH": os.environ["PATH"],
        "GF_PATHS_PROVISIONING": str(target),
        "HPM_GRAFANA_RUN": "echo",
        "HPM_ALERT_EMAIL_TO": "owner@example.org",
    }
    proc = subprocess.run(["sh", str(START), "--started"], env=env, capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "--started"
    assert sorted(p.relative_to(target).as_posix() for p in target.rglob("*.yaml")) == [
        "alerting/contact-points.yaml",
        "alerting/rules.yaml",
        "dashboards/dashboards.yaml",
        "datasources/datasources.yaml",
    ]
    assert contact_point_problems(yaml.safe_load((target / "alerting" / "contact-points.yaml").read_text())) == []
