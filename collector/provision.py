"""Idempotent InfluxDB provisioning (``collector provision``, also the compose one-shot service): buckets with
retention, a write-only token for the collector, a read-only token for Grafana, and every Flux task of
influxdb/tasks/*.flux upserted by name with its placeholders filled from the settings.

Running it twice changes nothing; an edited .flux file updates exactly that task. Token values are shown by
InfluxDB only once (hashed tokens): they are written to files (mode 0600) in the token directory and never
logged. A token whose file is missing is replaced by a new one, since its value cannot be read back.
"""

from __future__ import annotations

import argparse
import logging
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from influxdb_client import BucketRetentionRules, InfluxDBClient
from influxdb_client.domain.authorization import Authorization
from influxdb_client.domain.permission import Permission
from influxdb_client.domain.permission_resource import PermissionResource
from influxdb_client.domain.task_create_request import TaskCreateRequest
from influxdb_client.domain.task_update_request import TaskUpdateRequest
from influxdb_client.rest import ApiException

from collector.influx_io import make_client
from collector.metrics.params import Params
from collector.metrics.rollup import flux_filter
from collector.schema import Rollup
from collector.settings import Settings
from collector.sources.base import Sink

log = logging.getLogger(__name__)

TASKS_DIR = Path(__file__).resolve().parents[1] / "influxdb" / "tasks"
PLACEHOLDER = re.compile(r"\$\{([A-Z0-9_]+)\}")
TASK_NAME = re.compile(r'option\s+task\s*=\s*\{[^}]*\bname:\s*"([^"]+)"')
# (description, action, token file): the description identifies the token on re-runs; the collector reads
# hpm_influx_token as a Docker secret (HPM_INFLUX_TOKEN) when the token directory is its secrets directory
TOKENS = (
    ("hpm collector (write-only)", "write", "hpm_influx_token"),
    ("hpm grafana (read-only)", "read", "hpm_grafana_influx_token"),
)


class ProvisionError(RuntimeError):
    pass


@dataclass
class ProvisionResult:
    buckets_created: list[str] = field(default_factory=list)
    tokens_created: list[str] = field(default_factory=list)
    tasks_created: list[str] = field(default_factory=list)
    tasks_updated: list[str] = field(default_factory=list)
    tasks_unchanged: list[str] = field(default_factory=list)
    duplicates_deleted: int = 0
    task_ids: dict[str, str] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return bool(
            self.buckets_created
            or self.tokens_created
            or self.tasks_created
            or self.tasks_updated
            or self.duplicates_deleted
        )

    def summary(self) -> str:
        return (
            f"buckets created={self.buckets_created} tokens created={self.tokens_created} "
            f"tasks created={self.tasks_created} updated={self.tasks_updated} "
            f"unchanged={len(self.tasks_unchanged)} duplicates deleted={self.duplicates_deleted}"
        )


def template_values(settings: Settings) -> dict[str, str]:
    return {
        **Params.from_settings(settings).template_values(),
        "BUCKET_RAW": settings.influx_bucket_raw,
        "BUCKET_ROLLUP": settings.influx_bucket_rollup,
        "ORG": settings.influx_org,
        "ROLLUP_STATS_FILTER": flux_filter(Rollup.STATS),
        "ROLLUP_LAST_FILTER": flux_filter(Rollup.LAST),
    }


def render(template: str, values: dict[str, str]) -> str:
    """Fill every ${NAME}; an unknown placeholder is an error, never left in a task."""
    unknown = sorted(set(PLACEHOLDER.findall(template)) - set(values))
    if unknown:
        raise ProvisionError(f"unknown placeholders {unknown}")
    rendered = PLACEHOLDER.sub(lambda m: values[m.group(1)], template)
    if "${" in rendered:
        raise ProvisionError("a placeholder is left after substitution")
    return rendered


def task_name(flux: str) -> str:
    match = TASK_NAME.search(flux)
    if match is None:
        raise ProvisionError("task has no 'option task = {name: ...}'")
    return match.group(1)


def rendered_tasks(settings: Settings, tasks_dir: Path = TASKS_DIR) -> dict[str, str]:
    """Task name -> rendered Flux for every influxdb/tasks/*.flux."""
    values = template_values(settings)
    tasks: dict[str, str] = {}
    for path in sorted(tasks_dir.glob("*.flux")):
        try:
            flux = render(path.read_text(), values)
            name = task_name(flux)
        except ProvisionError as error:
            raise ProvisionError(f"{path.name}: {error}") from None
        if name in tasks:
            raise ProvisionError(f"{path.name}: task name {name!r} is used twice")
        tasks[name] = flux
    return tasks


def provision(
    settings: Settings, *, admin_token: str, token_dir: Path | None = None, tasks_dir: Path = TASKS_DIR
) -> ProvisionResult:
    result = ProvisionResult()
    tasks = rendered_tasks(settings, tasks_dir)  # fail on a broken template before touching the server
    with make_client(settings, token=admin_token, timeout_ms=60_000) as client:
        org_id = find_org_id(client, settings.influx_org)
        bucket_ids = [
            _ensure_bucket(client, org_id, settings.influx_bucket_raw, settings.influx_raw_retention_days, result),
            _ensure_bucket(client, org_id, settings.influx_bucket_rollup, 0, result),
        ]
        if token_dir is not None:
            _ensure_tokens(client, org_id, bucket_ids, token_dir, result)
        _upsert_tasks(client, org_id, tasks, result)
    return result


def find_org_id(client: InfluxDBClient, name: str) -> str:
    orgs = client.organizations_api().find_organizations(org=name)
    if not orgs:
        raise ProvisionError(f"InfluxDB organisation {name!r} does not exist")
    return orgs[0].id


def _ensure_bucket(client: InfluxDBClient, org_id: str, name: str, days: int, result: ProvisionResult) -> str:
    api = client.buckets_api()
    try:
        existing = api.find_buckets(org_id=org_id, name=name).buckets
    except ApiException as error:
        if error.status != 404:
            raise
        existing = []
    if existing:
        return existing[0].id
    rules = BucketRetentionRules(type="expire", every_seconds=days * 86400)
    bucket = api.create_bucket(bucket_name=name, org=org_id, retention_rules=rules)
    result.buckets_created.append(name)
    return bucket.id


def _ensure_tokens(
    client: InfluxDBClient, org_id: str, bucket_ids: Sequence[str], token_dir: Path, result: ProvisionResult
) -> None:
    api = client.authorizations_api()
    token_dir.mkdir(parents=True, exist_ok=True)
    existing = api.find_authorizations(org_id=org_id)
    for description, action, filename in TOKENS:
        path = token_dir / filename
        matches = [auth for auth in existing if auth.description == description]
        if matches and path.is_file():
            continue
        for stale in matches:  # its value is unrecoverable without the file: replace it
            api.delete_authorization(stale)
        permissions = [
            Permission(action=action, resource=PermissionResource(type="buckets", id=bucket_id, org_id=org_id))
            for bucket_id in bucket_ids
        ]
        auth = api.create_authorization(
            authorization=Authorization(org_id=org_id, permissions=permissions, description=description)
        )
        _write_secret(path, auth.token)
        result.tokens_created.append(description)
        log.info("provision: token %r written to %s", description, path)


def _write_secret(path: Path, value: str) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(value)
    os.chmod(path, 0o600)


def _upsert_tasks(client: InfluxDBClient, org_id: str, tasks: dict[str, str], result: ProvisionResult) -> None:
    api = client.tasks_api()
    for name, flux in tasks.items():
        found = api.find_tasks(org_id=org_id, name=name)
        keep = next((task for task in found if task.flux == flux), found[0] if found else None)
        for duplicate in found:
            if duplicate is not keep:
                api.delete_task(duplicate.id)
                result.duplicates_deleted += 1
        if keep is None:
            keep = api.create_task(task_create_request=TaskCreateRequest(org_id=org_id, flux=flux, status="active"))
            result.tasks_created.append(name)
        elif keep.flux != flux or keep.status != "active":
            api.update_task_request(keep.id, TaskUpdateRequest(flux=flux, status="active"))
            result.tasks_updated.append(name)
        else:
            result.tasks_unchanged.append(name)
        result.task_ids[name] = keep.id


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--token-dir",
        type=Path,
        default=None,
        help="directory for the collector's and Grafana's token files (mode 0600); omitted: no tokens",
    )
    parser.add_argument("--tasks-dir", type=Path, default=TASKS_DIR, help="directory of the *.flux task templates")


def run(args: argparse.Namespace, settings: Settings, sink: Sink) -> int:
    """CLI entry point; writes no points (``sink`` is part of the common subcommand signature)."""
    del sink
    if settings.influx_admin_token is None:
        log.error("provision: set HPM_INFLUX_ADMIN_TOKEN (the operator token) to provision InfluxDB")
        return 2
    try:
        result = provision(
            settings,
            admin_token=settings.influx_admin_token.get_secret_value(),
            token_dir=args.token_dir,
            tasks_dir=args.tasks_dir,
        )
    except ProvisionError as error:
        log.error("provision: %s", error)
        return 1
    log.info("provision: %s", result.summary())
    return 0
