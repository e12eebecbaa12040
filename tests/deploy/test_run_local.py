"""scripts/run-local: the locally built InfluxDB, provisioning and the simulated collector, then a clean Ctrl-C."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

from influxdb_client import InfluxDBClient

from tests.conftest import REPO
from tests.support.influxd import free_port

RAW_EXCEPTION = re.compile(r"Traceback|\b\w+(Error|Exception):|b'")


def printed_commands(lines: list[str]) -> dict[str, str]:
    """The commands run-local prints for health, doctor, history and backup (name, then the command)."""
    found = {}
    for line in lines:
        match = re.match(r"^   (health|doctor|history|backup) +(\S.*)$", line.rstrip("\n"))
        if match:
            found[match.group(1)] = match.group(2)
    return found


def run_copied(command: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """A printed command pasted into a fresh shell elsewhere: no HPM_* variables, another working directory."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("HPM_")}
    return subprocess.run(["bash", "-c", command], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def test_run_local_collects_into_its_own_influxdb_and_stops_cleanly(tmp_path: Path) -> None:
    port = free_port()
    state = tmp_path / "local-run"
    process = subprocess.Popen(
        [str(REPO / "scripts" / "run-local"), "--speed", "300", "--port", str(port)],
        cwd=REPO,
        env={**os.environ, "HPM_LOCAL_RUN_DIR": str(state)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(iter(process.stdout.readline, "")), daemon=True)  # type: ignore[union-attr]
    reader.start()
    try:
        deadline = time.monotonic() + 240
        while not any("collector started" in line for line in lines) and time.monotonic() < deadline:
            assert process.poll() is None, "".join(lines[-30:])
            time.sleep(0.5)
        assert any("heat-pump monitor running locally" in line for line in lines), "".join(lines[-30:])
        time.sleep(8)  # 8 s at 300x: 40 simulated minutes
        token = (state / "admin_token").read_text().strip()
        with InfluxDBClient(url=f"http://127.0.0.1:{port}", token=token, org="home", timeout=30_000) as client:
            tables = client.query_api().query(
                'from(bucket: "hp_raw") |> range(start: -2d) '
                '|> filter(fn: (r) => r._measurement == "shelly_power" and r._field == "power") |> count()'
            )
        assert sum(record.get_value() for table in tables for record in table.records) > 50
        assert (state / "tokens" / "hpm_influx_token").is_file() and oct((state / "env").stat().st_mode)[-3:] == "600"
        printed = printed_commands(lines)
        assert set(printed) == {"health", "doctor", "history", "backup"}
        for name in ("health", "doctor"):
            result = run_copied(printed[name], tmp_path)
            assert result.returncode == 0, (name, result.stdout, result.stderr)
            assert RAW_EXCEPTION.search(result.stdout + result.stderr) is None, (name, result.stdout, result.stderr)
        assert (
            "ok    influxdb bucket hp_raw: writable with HPM_INFLUX_TOKEN"
            in run_copied(printed["doctor"], tmp_path).stdout
        )
        backups = tmp_path / "backups"
        result = run_copied(f"{printed['backup']} --out {backups}", tmp_path)
        assert result.returncode == 0, result.stderr
        assert [p.name for p in backups.iterdir()] and not (REPO / "backups").exists()
    finally:
        if process.poll() is None:  # Ctrl-C in the terminal: the collector flushes, the trap stops InfluxDB
            os.killpg(process.pid, signal.SIGINT)
        code = process.wait(60)
        reader.join(5)
    assert code == 0, "".join(lines[-30:])
    assert any("collector stopped" in line for line in lines)
    with socket.socket() as sock:  # InfluxDB was stopped with the script
        assert sock.connect_ex(("127.0.0.1", port)) != 0
