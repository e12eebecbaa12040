"""Health points, the heartbeat file and ``collector health`` exit codes."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time

from collector.runtime.health import HealthReporter, heartbeat_path, stale_after
from collector.runtime.outbox import Outbox, outbox_path
from collector.runtime.pipeline import Pipeline
from collector.settings import Settings
from collector.validation import Rejections
from tests.conftest import REPO
from tests.runtime.fakes import FakeSource, powers


class BudgetedSource(FakeSource):
    def budget_status(self) -> dict[str, int]:
        return {"calls_24h": 700, "calls_10min": 5, "budget_24h": 725, "budget_10min": 60}


def reporter(settings: Settings, clock) -> tuple[HealthReporter, FakeSource, BudgetedSource]:
    outbox = Outbox(outbox_path(settings.data_dir), 100)
    outbox.append(powers(3))
    shelly, viessmann = FakeSource("shelly"), BudgetedSource("viessmann")
    pipeline = Pipeline(outbox, lambda points: None, batch_size=10, flush_seconds=1)
    periods = {"shelly": 10.0, "viessmann": 300.0}
    return (
        HealthReporter([shelly, viessmann], periods, outbox, pipeline, settings.data_dir, clock=clock),
        shelly,
        viessmann,
    )


def collector_health(settings: Settings) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HPM_DATA_DIR": str(settings.data_dir)}
    return subprocess.run(
        [sys.executable, "-m", "collector", "health"], cwd=REPO, env=env, capture_output=True, text=True, timeout=60
    )


def test_health_points_cover_sources_writer_and_process(settings: Settings) -> None:
    now = [1_700_000_000.0]
    health, shelly, _ = reporter(settings, lambda: now[0])
    shelly.poll()
    shelly.health.last_success = now[0] - 5
    now[0] += 400  # beyond shelly's threshold, within viessmann's (5 x 300 s since start)
    rows = {dict(p.tags)["source"]: dict(p.fields) for p in health.points()}
    assert rows["shelly"]["state"] == "stale" and rows["shelly"]["last_success"] == now[0] - 405
    assert rows["viessmann"]["state"] == "starting"
    assert (rows["viessmann"]["calls_24h"], rows["viessmann"]["budget_10min"]) == (700, 60)
    assert (rows["writer"]["outbox_depth"], rows["writer"]["dead_letters"]) == (3, 0)
    assert rows["process"]["rss"] > 10_000_000 and rows["process"]["cpu_seconds"] > 0


def test_collector_health_exit_codes(settings: Settings) -> None:
    result = collector_health(settings)
    assert result.returncode == 1 and "no heartbeat file" in result.stdout

    health, shelly, viessmann = reporter(settings, time.time)
    shelly.poll()
    viessmann.poll()
    health.write_heartbeat()
    result = collector_health(settings)
    assert (result.returncode, result.stdout.strip()) == (0, "healthy")

    beat = json.loads(heartbeat_path(settings.data_dir).read_text())
    beat["sources"]["shelly"]["age"] = stale_after(10.0) + 1
    heartbeat_path(settings.data_dir).write_text(json.dumps(beat))
    result = collector_health(settings)
    assert result.returncode == 1 and "shelly: no successful poll for" in result.stdout

    health.write_heartbeat()
    beat = json.loads(heartbeat_path(settings.data_dir).read_text())
    beat["written_at"] -= 3600
    heartbeat_path(settings.data_dir).write_text(json.dumps(beat))
    result = collector_health(settings)
    assert result.returncode == 1 and "the collector is hung" in result.stdout


def test_waiting_outbox_without_writes_is_unhealthy(settings: Settings) -> None:
    health, shelly, viessmann = reporter(settings, time.time)
    shelly.poll()
    viessmann.poll()
    health.wall_started_at -= 3600  # InfluxDB has accepted nothing for an hour, 3 points wait
    health.write_heartbeat()
    result = collector_health(settings)
    assert result.returncode == 1 and "influxdb: nothing written for" in result.stdout


def test_rejected_device_values_are_reported_per_source_and_reason(settings: Settings) -> None:
    health, shelly, _ = reporter(settings, lambda: 1_700_000_000.0)
    shelly.rejections = Rejections(logging.getLogger("test"), "shelly")  # type: ignore[attr-defined]
    for reason in ("implausible", "implausible", "duplicate"):
        shelly.rejections.reject(reason, "a value")  # type: ignore[attr-defined]
    points = health.points()
    rows = {dict(p.tags)["source"]: dict(p.fields) for p in points if p.measurement == "collector_health"}
    assert rows["shelly"]["rejected"] == 3
    assert "rejected" not in rows["viessmann"]  # a source without validation has no count, not zero
    counts = {dict(p.tags)["reason"]: dict(p.fields)["count"] for p in points if p.measurement == "collector_rejected"}
    assert counts == {"implausible": 2, "duplicate": 1}
