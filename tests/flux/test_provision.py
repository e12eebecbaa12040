"""Provisioning: complete template substitution, idempotent upserts, tokens with the least rights."""

from __future__ import annotations

import argparse
import logging
import re
import shutil
import stat
import time
import uuid
from pathlib import Path

import httpx
import pytest
from influxdb_client.domain.task_create_request import TaskCreateRequest

from collector import provision as provisioning
from collector import schema
from collector.metrics.rollup import flux_filter
from collector.provision import TASKS_DIR, ProvisionError, provision, render, rendered_tasks, template_values
from collector.settings import Settings
from tests.conftest import InfluxEnv

TASK_NAMES = {
    "hpm-rollup-1m",
    "hpm-rollup-1h",
    "hpm-energy-minute",
    "hpm-energy-daily",
    "hpm-energy-monthly",
    "hpm-cop",
    "hpm-carnot",
    "hpm-jaz",
    "hpm-device-crosscheck",
    "hpm-performance-map",
    "hpm-defrost",
    "hpm-cycling",
}


def test_every_task_renders_completely_and_writes_only_into_the_rollup_bucket(settings: Settings) -> None:
    tasks = rendered_tasks(settings)
    assert set(tasks) == TASK_NAMES
    assert len(list(TASKS_DIR.glob("*.flux"))) == len(TASK_NAMES)  # one task per file
    for name, flux in tasks.items():
        assert "${" not in flux, name
        assert re.findall(r'\bto\(\s*bucket:\s*"([^"]+)"', flux) == [settings.influx_bucket_rollup] * flux.count(
            "|> to("
        ), name
        assert flux.count("|> to(") >= 1, name
        assert set(re.findall(r'from\(bucket:\s*"([^"]+)"', flux)) <= {
            settings.influx_bucket_raw,
            settings.influx_bucket_rollup,
        }, name
        assert f'timezone.location(name: "{settings.timezone}")' in flux or "rollup" in name, name


def test_unknown_or_leftover_placeholders_are_errors(settings: Settings, tmp_path: Path) -> None:
    values = template_values(settings)
    with pytest.raises(ProvisionError, match="unknown placeholders \\['NOPE'\\]"):
        render('x = "${NOPE}"', values)
    assert render('b = "${BUCKET_RAW}" p = ${STARTING_POWER_W}', values) == 'b = "hp_raw" p = 100.0'
    broken = tmp_path / "tasks"
    shutil.copytree(TASKS_DIR, broken)
    (broken / "cop.flux").write_text((broken / "cop.flux").read_text().replace("${BOUNDARY}", "${BOUNDRY}"))
    with pytest.raises(ProvisionError, match=r"cop\.flux: unknown placeholders \['BOUNDRY'\]"):
        rendered_tasks(settings, broken)


def test_thresholds_come_from_the_settings(tmp_path: Path) -> None:
    custom = Settings(
        _env_file=None,  # type: ignore[call-arg]
        timezone="America/New_York",
        cop_starting_power_w=250,
        cop_min_coverage=0.9,
        cop_min_electric_kwh=0.1,
        system_boundary="H3",
        heating_season_start_month=10,
    )
    cop = rendered_tasks(custom)["hpm-cop"]
    assert ">= 250.0" in cop and ">= 90.0" in cop and ">= 0.1" in cop and 'boundary: "H3"' in cop
    assert 'timezone.location(name: "America/New_York")' in cop
    assert "date.add(d: 9mo, to: yearStart)" in rendered_tasks(custom)["hpm-jaz"]


def test_rollup_filters_name_exactly_the_contract_fields() -> None:
    for kind in (schema.Rollup.STATS, schema.Rollup.LAST):
        text = flux_filter(kind)
        for raw in schema.RAW_MEASUREMENTS:
            for spec in raw.fields:
                clause = re.search(
                    rf'r\._measurement == "{raw.name}" and contains\(value: r\._field, set: \[([^\]]*)\]', text
                )
                listed = set(re.findall(r'"([^"]+)"', clause.group(1))) if clause else set()
                assert (spec.name in listed) == (spec.rollup is kind), (raw.name, spec.name, kind)


def _org(env: InfluxEnv) -> str:
    name = f"org_{uuid.uuid4().hex[:8]}"
    httpx.post(f"{env.url}/api/v2/orgs", headers={"Authorization": f"Token {env.token}"}, json={"name": name})
    return name


def _server_tasks(env: InfluxEnv, org: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for task in env.client.tasks_api().find_tasks(org=org):
        found.setdefault(task.name, []).append(task.flux)
    return found


def _descriptions(env: InfluxEnv, org: str) -> list[str]:
    return sorted(a.description for a in env.client.authorizations_api().find_authorizations(org=org))


def test_provisioning_twice_changes_nothing_and_an_edited_task_is_updated(
    influx: InfluxEnv, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    org = _org(influx)
    settings = influx.settings(
        tmp_path,
        influx_org=org,
        influx_bucket_raw=f"raw_{org}",
        influx_bucket_rollup=f"rollup_{org}",
        influx_raw_retention_days=30,
    )
    tokens = tmp_path / "tokens"
    first = provision(settings, admin_token=influx.token, token_dir=tokens)
    assert sorted(first.buckets_created) == sorted([settings.influx_bucket_raw, settings.influx_bucket_rollup])
    assert set(first.tasks_created) == TASK_NAMES and len(first.tokens_created) == 2
    retention = {
        b.name: b.retention_rules[0].every_seconds if b.retention_rules else 0
        for b in influx.client.buckets_api().find_buckets(org=org).buckets
        if not b.name.startswith("_")  # the server's own system buckets
    }
    assert retention == {settings.influx_bucket_raw: 30 * 86400, settings.influx_bucket_rollup: 0}
    files = {path.name: path.read_text() for path in tokens.iterdir()}
    assert set(files) == {"hpm_influx_token", "hpm_grafana_influx_token"}
    for path in tokens.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600

    second = provision(settings, admin_token=influx.token, token_dir=tokens)
    assert not second.changed and set(second.tasks_unchanged) == TASK_NAMES
    assert second.task_ids == first.task_ids
    assert {path.name: path.read_text() for path in tokens.iterdir()} == files
    assert _descriptions(influx, org) == sorted(description for description, _, _ in provisioning.TOKENS)

    edited = tmp_path / "tasks"
    shutil.copytree(TASKS_DIR, edited)
    jaz = edited / "jaz.flux"
    jaz.write_text(jaz.read_text().replace("every: 1h, offset: 6m", "every: 2h, offset: 6m"))
    duplicate = TaskCreateRequest(org=org, flux=rendered_tasks(settings)["hpm-cop"], status="active")
    influx.client.tasks_api().create_task(task_create_request=duplicate)
    third = provision(settings, admin_token=influx.token, token_dir=tokens, tasks_dir=edited)
    assert third.tasks_updated == ["hpm-jaz"] and third.duplicates_deleted == 1
    assert set(third.tasks_unchanged) == TASK_NAMES - {"hpm-jaz"}
    on_server = _server_tasks(influx, org)
    assert all(len(versions) == 1 for versions in on_server.values())
    assert (
        "every: 2h" in on_server["hpm-jaz"][0]
        and on_server["hpm-jaz"][0] == rendered_tasks(settings, edited)["hpm-jaz"]
    )

    # a lost token file: the token is replaced (its value cannot be read back), never duplicated
    (tokens / "hpm_grafana_influx_token").unlink()
    old_read = files["hpm_grafana_influx_token"]
    caplog.set_level(logging.DEBUG)
    fourth = provision(settings, admin_token=influx.token, token_dir=tokens, tasks_dir=edited)
    assert fourth.tokens_created == ["hpm grafana (read-only)"] and not fourth.tasks_updated
    assert _descriptions(influx, org) == sorted(description for description, _, _ in provisioning.TOKENS)
    new_read = (tokens / "hpm_grafana_influx_token").read_text()
    leaked = old_read in caplog.text or new_read in caplog.text
    assert new_read != old_read and not leaked
    old_token_status = _query_status(influx, org, old_read)
    assert old_token_status == 401

    # least rights: the collector's token writes but cannot read, Grafana's reads but cannot write
    # (statuses are asserted from variables so that no token value shows up in a failure report)
    write_token, raw = files["hpm_influx_token"], settings.influx_bucket_raw
    statuses = (
        _write_status(influx, org, raw, write_token),
        _query_status(influx, org, write_token, raw),
        _query_status(influx, org, new_read, raw),
        _write_status(influx, org, raw, new_read),
    )
    assert statuses[0] == 204 and statuses[1] in (401, 403, 404)
    assert statuses[2] == 200 and statuses[3] in (401, 403, 404)


def test_cli_run_provisions_and_never_prints_tokens(
    influx: InfluxEnv, tmp_path: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    org = _org(influx)
    settings = influx.settings(tmp_path, influx_org=org, influx_bucket_raw=f"r_{org}", influx_bucket_rollup=f"u_{org}")
    parser = argparse.ArgumentParser()
    provisioning.add_arguments(parser)
    args = parser.parse_args(["--token-dir", str(tmp_path / "tokens")])
    caplog.set_level(logging.DEBUG)
    assert provisioning.run(args, settings, lambda points: None) == 0
    output = capsys.readouterr()
    printed = output.out + output.err + caplog.text
    leaked = [path.name for path in (tmp_path / "tokens").iterdir() if path.read_text() in printed]
    assert leaked == [] and "provision: buckets created" in caplog.text
    admin_leaked = influx.token in printed
    assert not admin_leaked
    no_admin = settings.model_copy(update={"influx_admin_token": None})
    assert provisioning.run(args, no_admin, lambda points: None) == 2


def _write_status(env: InfluxEnv, org: str, bucket: str, token: str) -> int:
    return httpx.post(
        f"{env.url}/api/v2/write",
        params={"org": org, "bucket": bucket},
        headers={"Authorization": f"Token {token}"},
        content=f"shelly_power,phase=total power=1 {time.time_ns()}",
    ).status_code


def _query_status(env: InfluxEnv, org: str, token: str, bucket: str = "missing") -> int:
    return httpx.post(
        f"{env.url}/api/v2/query",
        params={"org": org},
        headers={"Authorization": f"Token {token}", "Content-Type": "application/vnd.flux"},
        content=f'from(bucket: "{bucket}") |> range(start: -1h)',
    ).status_code
