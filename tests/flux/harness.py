"""Run the provisioned Flux tasks on the real server (forced runs with a chosen ``scheduledFor``, which InfluxDB
uses as the run's ``now()``) and compare every point they wrote with the Python twins."""

from __future__ import annotations

import math
import time
import uuid
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx

from collector.points import Point
from collector.provision import ProvisionResult, provision
from collector.settings import Settings
from tests.conftest import InfluxEnv

Key = tuple[str, tuple[tuple[str, str], ...], str, int]  # measurement, tags, field, time ns
SKIPPED_COLUMNS = {"result", "table", "_start", "_stop", "_time", "_value", "_field", "_measurement"}


@dataclass
class TaskBench:
    """A fresh organisation with provisioned buckets and tasks on the session server."""

    env: InfluxEnv
    settings: Settings
    provisioned: ProvisionResult

    @classmethod
    def create(cls, env: InfluxEnv, tmp_path: Path, **overrides: object) -> TaskBench:
        org = f"org_{uuid.uuid4().hex[:8]}"
        response = httpx.post(f"{env.url}/api/v2/orgs", headers=_auth(env.token), json={"name": org}, timeout=30)
        response.raise_for_status()
        settings = env.settings(
            tmp_path,
            influx_org=org,
            influx_bucket_raw=f"raw_{org}",
            influx_bucket_rollup=f"rollup_{org}",
            **{"influx_raw_retention_days": 0, **overrides},  # scenarios lie in the past
        )
        return cls(env, settings, provision(settings, admin_token=env.token))

    def write(self, points: Sequence[Point]) -> None:
        lines = [p.to_line() for p in points]
        bucket = {"raw": self.settings.influx_bucket_raw, "rollup": self.settings.influx_bucket_rollup}
        for name in ("raw", "rollup"):
            chunk = [line for p, line in zip(points, lines, strict=True) if p.bucket.value == name]
            for i in range(0, len(chunk), 20_000):
                response = httpx.post(
                    f"{self.env.url}/api/v2/write",
                    params={"org": self.settings.influx_org, "bucket": bucket[name], "precision": "ns"},
                    headers=_auth(self.env.token),
                    content="\n".join(chunk[i : i + 20_000]),
                    timeout=120,
                )
                response.raise_for_status()

    def run(self, names: Iterable[str], now: int) -> None:
        """Force one run of each task at ``now`` (in parallel) and wait until all succeeded."""
        names = list(names)
        with ThreadPoolExecutor(max_workers=len(names)) as pool:
            list(pool.map(lambda name: self._run_one(name, now), names))

    def _run_one(self, name: str, now: int) -> None:
        assert now < time.time_ns(), "InfluxDB holds a run scheduled in the future until then"
        scheduled = datetime.fromtimestamp(now // 1_000_000_000, tz=UTC)
        force_run(self.env.url, self.env.token, self.provisioned.task_ids[name], scheduled)

    def read(self, measurements: Iterable[str]) -> dict[Key, float | str]:
        """Every point of the given measurements in the rollup bucket."""
        names = ", ".join(f'"{m}"' for m in measurements)
        tables = self.env.client.query_api().query(
            f'from(bucket: "{self.settings.influx_bucket_rollup}") |> range(start: 1970-01-01T00:00:00Z) '
            f"|> filter(fn: (r) => contains(value: r._measurement, set: [{names}]))",
            org=self.settings.influx_org,
        )
        found = {}
        for record in (record for table in tables for record in table.records):
            row = record.values
            tags = tuple(sorted((k, v) for k, v in row.items() if k not in SKIPPED_COLUMNS and v is not None))
            key = (row["_measurement"], tags, row["_field"], int(row["_time"].timestamp()) * 1_000_000_000)
            # one point per key: a second one means a re-run created a second series instead of overwriting
            assert key not in found, f"two series hold {key}: {found[key]} and {row['_value']}"
            found[key] = _number(row["_value"])
        return found


def force_run(url: str, token: str, task_id: str, scheduled: datetime, timeout: float = 120.0) -> dict:
    """Force one run of a task with ``now()`` = ``scheduled`` and return the finished run (failure: AssertionError
    with the run's log)."""
    base = f"{url}/api/v2/tasks/{task_id}/runs"
    stamp = f"{scheduled:%Y-%m-%dT%H:%M:%SZ}"
    response = httpx.post(base, headers=_auth(token), json={"scheduledFor": stamp}, timeout=30)
    response.raise_for_status()
    run_id = response.json()["id"]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = httpx.get(f"{base}/{run_id}", headers=_auth(token), timeout=30).json()
        if "status" not in run:  # briefly "not found" while a finished run moves to the run log
            time.sleep(0.05)
            continue
        if run["status"] == "success":
            return run
        if run["status"] in ("failed", "canceled"):
            messages = [e["message"] for e in run.get("log", []) if not e["message"].startswith("Started")]
            raise AssertionError(f"task {task_id} run at {stamp} {run['status']}: {messages}")
        time.sleep(0.05)
    raise AssertionError(f"task {task_id} run at {stamp} did not finish within {timeout:.0f} s")


def keyed(points: Iterable[Point], measurements: Iterable[str] | None = None) -> dict[Key, float | str]:
    wanted = set(measurements) if measurements is not None else None
    return {
        (p.measurement, tuple(sorted(p.tags)), name, p.time_ns): _number(value)
        for p in points
        if wanted is None or p.measurement in wanted
        for name, value in p.fields
    }


def differences(server: dict[Key, float | str], twin: dict[Key, float | str], rel: float = 1e-6) -> str:
    """What differs between the server's points and the twin's (empty when every point is on both sides with
    values equal within ``rel``, absolute 1e-9 near zero)."""
    missing = sorted(set(twin) - set(server))[:5]
    extra = sorted(set(server) - set(twin))[:5]
    if missing or extra:
        return f"only in twin: {missing}; only on server: {extra}"
    by_measurement: dict[str, list[tuple[Key, float | str, float | str]]] = {}
    for key in sorted(server):
        if not _close(server[key], twin[key], rel):
            by_measurement.setdefault(key[0], []).append((key, server[key], twin[key]))
    return "; ".join(f"{name}: {len(items)} differ, e.g. {items[:2]}" for name, items in by_measurement.items())


def assert_same(server: dict[Key, float | str], twin: dict[Key, float | str], rel: float = 1e-6) -> None:
    problems = differences(server, twin, rel)
    assert not problems, f"server vs twin: {problems}"


def _close(a: float | str, b: float | str, rel: float) -> bool:
    if isinstance(a, str) or isinstance(b, str):
        return a == b
    return math.isclose(a, b, rel_tol=rel, abs_tol=1e-9)


def _number(value: object) -> float | str:
    """Numbers as float (ints and bools too), strings unchanged."""
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        if value in ("true", "false"):
            return float(value == "true")
        try:
            return float(value)
        except ValueError:
            return value
    return float(value)  # type: ignore[arg-type]


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Token {token}"}
