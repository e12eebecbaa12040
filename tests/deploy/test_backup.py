"""scripts/backup and scripts/restore round trip against real InfluxDB servers and real SQLite files."""

from __future__ import annotations

import importlib.util
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from influxdb_client import InfluxDBClient

from tests.conftest import REPO, InfluxEnv
from tests.support.influxd import InfluxdServer, influxd_binary

LINES = [
    f"shelly_power,device=emu,phase=total power={1000 + i}.5 {1_795_000_000 + i * 10}000000000" for i in range(500)
]


def _script(name: str, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(REPO / "scripts" / name), "--local", *args],
        env={**os.environ, "PYTHON": sys.executable, **env},
        capture_output=True,
        text=True,
        check=False,
        cwd=REPO,
    )


def _changelog(path: Path, rows: int) -> None:
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")  # the copy must be consistent whatever the journal mode
    db.execute("CREATE TABLE IF NOT EXISTS change (ts INTEGER, text TEXT)")
    db.executemany("INSERT INTO change VALUES (?, ?)", [(i, f"setting {i}") for i in range(rows)])
    db.commit()
    db.close()


def _points(url: str, token: str, org: str, bucket: str) -> list[tuple[str, float]]:
    with InfluxDBClient(url=url, token=token, org=org, timeout=60_000) as client:
        tables = client.query_api().query(
            f'from(bucket: "{bucket}") |> range(start: 0) |> filter(fn: (r) => r._field == "power")'
        )
    return [(r.get_time().isoformat(), r.get_value()) for t in tables for r in t.records]


def test_backup_then_restore_into_a_new_server_gives_back_every_point_and_row(
    influx: InfluxEnv, tmp_path: Path
) -> None:
    influx.write(LINES)
    data = tmp_path / "data"
    (data / "changelog").mkdir(parents=True)
    _changelog(data / "changelog" / "changelog.sqlite", 40)
    (data / "shelly_state.json").write_text('{"last": 1}')
    (data / "heartbeat.json").write_text("{}")
    env = {"HPM_INFLUX_URL": influx.url, "HPM_INFLUX_ADMIN_TOKEN": influx.token, "HPM_DATA_DIR": str(data)}

    made = _script("backup", "--out", str(tmp_path / "backups"), env=env)
    assert made.returncode == 0, made.stderr
    folder = next((tmp_path / "backups").iterdir())
    assert folder.name in made.stdout and (folder.stat().st_mode & 0o777) == 0o700
    manifest = json.loads((folder / "MANIFEST.json").read_text())
    assert influx.bucket_raw in manifest["buckets"] and manifest["data_files"] == [
        "changelog/changelog.sqlite",
        "shelly_state.json",
    ]
    assert list((folder / "influxdb").glob("*.manifest"))  # influx backup's layout
    _changelog(data / "changelog" / "changelog.sqlite", 5)  # written after the backup: must not come back

    # a new, empty server set up with another operator token: the full restore brings back the old one
    target = InfluxdServer(influxd_binary(), tmp_path / "influxd-new", token="another-operator-token").start()
    try:
        restored_data = tmp_path / "restored"
        done = _script(
            "restore",
            str(folder),
            "--backup-token",
            influx.token,
            env={
                **env,
                "HPM_INFLUX_URL": target.url,
                "HPM_INFLUX_ADMIN_TOKEN": target.token,
                "HPM_DATA_DIR": str(restored_data),
            },
        )
        assert done.returncode == 0, done.stderr
        assert _points(target.url, influx.token, influx.org, influx.bucket_raw) == _points(
            influx.url, influx.token, influx.org, influx.bucket_raw
        )
        assert len(_points(target.url, influx.token, influx.org, influx.bucket_raw)) == 500
        rows = (
            sqlite3.connect(restored_data / "changelog" / "changelog.sqlite")
            .execute("SELECT count(*) FROM change")
            .fetchone()[0]
        )
        assert rows == 40
        assert (restored_data / "shelly_state.json").read_text() == '{"last": 1}'
        assert not (restored_data / "heartbeat.json").exists()
    finally:
        target.stop()


def test_restore_refuses_a_damaged_backup_and_asks_before_replacing(
    influx: InfluxEnv, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    influx.write(LINES[:10])
    env = {"HPM_INFLUX_URL": influx.url, "HPM_INFLUX_ADMIN_TOKEN": influx.token, "HPM_DATA_DIR": str(tmp_path / "none")}
    assert _script("backup", "--out", str(tmp_path / "b"), env=env).returncode == 0
    folder = next((tmp_path / "b").iterdir())
    spec = importlib.util.spec_from_file_location("hpm_backup", REPO / "scripts" / "lib" / "hpm_backup.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    os.environ["HPM_INFLUX_ADMIN_TOKEN"] = influx.token
    try:
        assert module.main(["--url", influx.url, "restore", str(folder)]) == 1  # no --yes: nothing replaced
    finally:
        del os.environ["HPM_INFLUX_ADMIN_TOKEN"]
    assert "stop the collector first, then repeat with --yes" in capsys.readouterr().err
    shard = next((folder / "influxdb").glob("*.tar.gz"))
    damaged = bytearray(shard.read_bytes())
    damaged[len(damaged) // 2] ^= 0xFF
    shard.write_bytes(damaged)
    # an address nothing listens on: a damaged backup must be refused before any server is contacted
    result = _script("restore", str(folder), env={**env, "HPM_INFLUX_URL": "http://127.0.0.1:9"})
    assert result.returncode == 1 and "damaged or incomplete" in result.stderr
    assert "Traceback" not in result.stderr
