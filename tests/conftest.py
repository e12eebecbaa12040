"""Shared fixtures: one real influxd per test session, fresh buckets per test, settings bound to them."""

from __future__ import annotations

import csv
import io
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from influxdb_client import BucketRetentionRules, InfluxDBClient
from influxdb_client.client.write_api import SYNCHRONOUS
from influxdb_client.domain.dialect import Dialect

from collector.points import Point
from collector.settings import Settings
from tests.support.influxd import InfluxdServer, InfluxdUnavailable, influxd_binary

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("HPM_SHARED_DIR", REPO.parent / "shared"))
FIXTURES = SHARED / "fixtures"

# Tests never read a developer's /run/secrets or .env.
os.environ["HPM_SECRETS_DIR"] = "/nonexistent-hpm-secrets"


@pytest.fixture(scope="session")
def influxd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InfluxdServer]:
    """A real InfluxDB 2 server for the whole session. Never skipped: no server means a failed run."""
    try:
        server = InfluxdServer(influxd_binary(), tmp_path_factory.mktemp("influxd")).start()
    except InfluxdUnavailable as error:
        pytest.fail(f"cannot start the InfluxDB test server: {error}", pytrace=False)
    yield server
    server.stop()


@dataclass
class InfluxEnv:
    """A ready client on the session server with this test's own raw and rollup buckets."""

    server: InfluxdServer
    client: InfluxDBClient
    bucket_raw: str
    bucket_rollup: str

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def org(self) -> str:
        return self.server.org

    @property
    def token(self) -> str:
        return self.server.token

    def write(self, points: list[Point] | list[str], bucket: str | None = None) -> None:
        lines = [p.to_line() if isinstance(p, Point) else p for p in points]
        with self.client.write_api(write_options=SYNCHRONOUS) as api:
            api.write(bucket=bucket or self.bucket_raw, org=self.org, record=lines, write_precision="ns")

    def query(self, flux: str) -> list[dict[str, str]]:
        """Run Flux and return every result row as a dict of strings (annotated CSV, all tables)."""
        text = self.client.query_api().query_raw(flux, org=self.org, dialect=_DIALECT).data.decode()
        rows: list[dict[str, str]] = []
        header: list[str] | None = None
        for record in csv.reader(io.StringIO(text)):
            if not record or all(cell == "" for cell in record):
                header = None
                continue
            if record[0].startswith("#"):
                continue
            if header is None:
                header = record
                continue
            rows.append({k: v for k, v in zip(header, record, strict=False) if k})
        for row in rows:
            row.pop("result", None)
            row.pop("table", None)
        return rows

    def settings(self, tmp_path: Path, **overrides: object) -> Settings:
        values: dict[str, object] = {
            "influx_url": self.url,
            "influx_org": self.org,
            "influx_token": self.token,
            "influx_admin_token": self.token,
            "influx_bucket_raw": self.bucket_raw,
            "influx_bucket_rollup": self.bucket_rollup,
            "data_dir": tmp_path / "data",
        }
        values.update(overrides)
        return Settings(_env_file=None, **values)  # type: ignore[arg-type]


_DIALECT = Dialect(header=True, delimiter=",", annotations=["datatype", "group", "default"], comment_prefix="#")


@contextmanager
def temporary_buckets(server: InfluxdServer, prefix: str = "") -> Iterator[InfluxEnv]:
    """A client with a raw and a rollup bucket of its own on ``server``, deleted afterwards."""
    client = InfluxDBClient(url=server.url, token=server.token, org=server.org, timeout=60_000)
    buckets = client.buckets_api()
    suffix = uuid.uuid4().hex[:8]
    created = [
        buckets.create_bucket(
            bucket_name=f"{prefix}{name}_{suffix}",
            org=server.org,
            retention_rules=BucketRetentionRules(every_seconds=0),
        )
        for name in ("raw", "rollup")
    ]
    try:
        yield InfluxEnv(server, client, created[0].name, created[1].name)
    finally:
        for bucket in created:
            buckets.delete_bucket(bucket)
        client.close()


@pytest.fixture
def influx(influxd: InfluxdServer) -> Iterator[InfluxEnv]:
    with temporary_buckets(influxd) as env:
        yield env


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings without InfluxDB for tests that need none (simulated devices, temp data dir)."""
    return Settings(_env_file=None, data_dir=tmp_path / "data")  # type: ignore[call-arg]
