"""The real InfluxDB 2 test server: exact round trips and a Flux task run through the API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from collector.points import point
from tests.conftest import InfluxEnv
from tests.flux.harness import force_run


def test_points_written_with_influxdb_client_read_back_exactly(influx: InfluxEnv) -> None:
    t0 = datetime(2026, 1, 15, 12, 0, 0, 123456, tzinfo=UTC)
    written = [
        point("shelly_power", {"device": "em1", "phase": "a"}, {"power": 1234.56, "voltage": 231.2}, t0),
        point("shelly_energy", {"device": "em1", "phase": "total"}, {"imported": 2585996.18}, t0),
        point("hp_compressor", {"device": "0", "compressor": "0"}, {"phase": "ready", "starts": 1234}, t0),
    ]
    influx.write(written)
    rows = influx.query(
        f'from(bucket: "{influx.bucket_raw}") |> range(start: 2026-01-15T00:00:00Z, stop: 2026-01-16T00:00:00Z)'
        ' |> keep(columns: ["_time", "_measurement", "_field", "_value", "device", "phase", "compressor"])'
    )
    got = {(r["_measurement"], r["_field"]): (r["_value"], r["_time"]) for r in rows}
    stamp = "2026-01-15T12:00:00.123456Z"
    assert got == {
        ("shelly_power", "power"): ("1234.56", stamp),
        ("shelly_power", "voltage"): ("231.2", stamp),
        ("shelly_energy", "imported"): ("2585996.18", stamp),
        ("hp_compressor", "phase"): ("ready", stamp),
        ("hp_compressor", "starts"): ("1234", stamp),
    }


def test_flux_task_forced_run_writes_into_the_rollup_bucket(influx: InfluxEnv) -> None:
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    samples = [(now - timedelta(minutes=30) + timedelta(seconds=10 * i), 100.0 + i) for i in range(6)]
    influx.write([point("shelly_power", {"device": "em1", "phase": "total"}, {"power": v}, t) for t, v in samples])
    flux = f"""
option task = {{name: "test-rollup", every: 1h}}
from(bucket: "{influx.bucket_raw}")
  |> range(start: -2h)
  |> filter(fn: (r) => r._measurement == "shelly_power" and r._field == "power")
  |> mean()
  |> set(key: "_measurement", value: "shelly_power_1h")
  |> set(key: "agg", value: "mean")
  |> map(fn: (r) => ({{r with _time: r._start}}))
  |> to(bucket: "{influx.bucket_rollup}", org: "{influx.org}")
"""
    headers = {"Authorization": f"Token {influx.token}"}
    api = f"{influx.url}/api/v2"
    org_id = httpx.get(f"{api}/orgs", params={"org": influx.org}, headers=headers).json()["orgs"][0]["id"]
    task = httpx.post(f"{api}/tasks", json={"orgID": org_id, "flux": flux, "status": "active"}, headers=headers)
    assert task.status_code == 201, task.text
    task_id = task.json()["id"]
    force_run(influx.url, influx.token, task_id, now)  # the harness's poll knows the run's brief "not found"
    rows = influx.query(
        f'from(bucket: "{influx.bucket_rollup}") |> range(start: -1d)'
        ' |> filter(fn: (r) => r._measurement == "shelly_power_1h")'
    )
    assert len(rows) == 1
    assert float(rows[0]["_value"]) == sum(v for _, v in samples) / len(samples)
    assert rows[0]["agg"] == "mean" and rows[0]["phase"] == "total"
    httpx.delete(f"{api}/tasks/{task_id}", headers=headers)
