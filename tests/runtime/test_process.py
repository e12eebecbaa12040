"""The collector as a process (``python -m collector run``) against the Shelly emulator and the real InfluxDB:
SIGKILL mid-run loses nothing already sampled, SIGTERM exits 0 promptly with an empty outbox, logs hold no secret.
"""

from __future__ import annotations

import calendar
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from collector.runtime.outbox import Outbox, outbox_path
from collector.sources.shelly.emulator import ShellyEmulator
from tests.conftest import REPO, InfluxEnv
from tests.runtime.fakes import wait_until

SHELLY_PASSWORD = "emu-pass-9f8e7d"
SIGTERM_DEADLINE_SECONDS = 10.0  # Docker's default stop grace period


class CountingEmulator(ShellyEmulator):
    """Counts the live readings it served: the ground truth of what the collector sampled."""

    served = 0

    def _rpc(self, method: str, params: dict[str, Any]) -> tuple[int, Any]:
        status, body = super()._rpc(method, params)
        if method == "Shelly.GetStatus" and status == 200:
            self.served += 1
        return status, body


def collector_env(influx: InfluxEnv, data_dir: Path, shelly: str) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "HPM_INFLUX_URL": influx.url,
        "HPM_INFLUX_ORG": influx.org,
        "HPM_INFLUX_TOKEN": influx.token,
        "HPM_INFLUX_BUCKET_RAW": influx.bucket_raw,
        "HPM_INFLUX_BUCKET_ROLLUP": influx.bucket_rollup,
        "HPM_DATA_DIR": str(data_dir),
        "HPM_SHELLY_HOST": shelly,
        "HPM_SHELLY_PASSWORD": SHELLY_PASSWORD,
        "HPM_SHELLY_POLL_SECONDS": "1",
        "HPM_WRITE_FLUSH_SECONDS": "0.5",
        "HPM_WRITE_BATCH_SIZE": "7",
    }


def start(env: dict[str, str], cwd: Path, log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as err:
        return subprocess.Popen([sys.executable, "-m", "collector", "run"], cwd=cwd, env=env, stderr=err)


def sample_times(influx: InfluxEnv) -> set[int]:
    rows = influx.query(
        f'from(bucket: "{influx.bucket_raw}") |> range(start: -1h) '
        '|> filter(fn: (r) => r._measurement == "shelly_power" and r.phase == "total" and r._field == "power") '
        '|> keep(columns: ["_time"])'
    )
    return {_ns(row["_time"]) for row in rows}


def _ns(rfc3339: str) -> int:
    seconds, _, fraction = rfc3339.rstrip("Z").partition(".")
    return calendar.timegm(time.strptime(seconds, "%Y-%m-%dT%H:%M:%S")) * 10**9 + int(fraction.ljust(9, "0"))


def outbox_times(data_dir: Path) -> set[int]:
    outbox = Outbox(outbox_path(data_dir), 10**6)
    try:
        return {
            e.point.time_ns
            for e in outbox.peek(10**6)
            if e.point.measurement == "shelly_power" and ("phase", "total") in e.point.tags
        }
    finally:
        outbox.close()


def test_sigkill_loses_nothing_and_sigterm_exits_clean(influx: InfluxEnv, tmp_path: Path) -> None:
    data_dir, log = tmp_path / "data", tmp_path / "collector.log"
    with CountingEmulator(password=SHELLY_PASSWORD) as shelly:
        shelly.set_power(1200.0, 1100.0, 1000.0)
        env = collector_env(influx, data_dir, shelly.address)

        first = start(env, tmp_path, log)
        assert wait_until(lambda: shelly.served >= 5)
        time.sleep(random.uniform(0.0, 1.0))  # anywhere in the sampling cycle
        first.send_signal(signal.SIGKILL)
        assert first.wait(10) == -signal.SIGKILL
        served_before_kill = shelly.served
        kept = outbox_times(data_dir) | sample_times(influx)
        # The one reading possibly in flight (answered, not yet committed) when the kill landed is not sampled.
        assert served_before_kill - 1 <= len(kept) <= served_before_kill

        second = start(env, tmp_path, log)
        assert wait_until(lambda: shelly.served >= served_before_kill + 4)
        second.send_signal(signal.SIGTERM)
        stopping = time.monotonic()
        assert second.wait(SIGTERM_DEADLINE_SECONDS) == 0
        assert time.monotonic() - stopping < SIGTERM_DEADLINE_SECONDS
        served = shelly.served

    assert outbox_times(data_dir) == set() and Outbox(outbox_path(data_dir), 10).depth == 0
    stored = sample_times(influx)
    assert kept <= stored  # everything sampled before the kill reached InfluxDB
    assert served - 1 <= len(stored) <= served  # and everything after it: SIGTERM loses nothing
    health = influx.query(
        f'from(bucket: "{influx.bucket_raw}") |> range(start: -1h) '
        '|> filter(fn: (r) => r._measurement == "collector_health") |> keep(columns: ["source", "_field"]) '
        '|> group() |> distinct(column: "source")'
    )
    assert {row["_value"] for row in health} == {"shelly", "viessmann", "writer", "process"}
    assert (data_dir / "heartbeat.json").exists()
    text = log.read_text()
    assert text.count("collector started") == 2 and text.count("collector stopped") == 1
    assert SHELLY_PASSWORD not in text and influx.token not in text
