"""A throwaway real InfluxDB 2 server on 127.0.0.1 (built by scripts/build-influxd), set up over its HTTP API.

Used by the test fixtures, the benchmarks and scripts/run-local. Run as a module to start one by hand:
``python -m tests.support.influxd --data DIR --port 8086`` (prints url, org and token, runs until Ctrl-C).
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[2]
BUILD_SCRIPT = REPO / "scripts" / "build-influxd"
ORG = "test"
ADMIN_USER = "admin"


class InfluxdUnavailable(RuntimeError):
    pass


def influxd_binary() -> Path:
    """Path of the cached influxd, building it first when missing (a cold build takes ~30 min)."""
    override = os.environ.get("HPM_INFLUXD")
    if override:
        return Path(override)
    proc = subprocess.run([str(BUILD_SCRIPT)], stdout=subprocess.PIPE, text=True, check=False)
    if proc.returncode != 0:
        raise InfluxdUnavailable(f"scripts/build-influxd failed with exit code {proc.returncode}")
    return Path(proc.stdout.strip().splitlines()[-1])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as Go's listener does: TIME_WAIT is no conflict
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


@dataclass
class InfluxdServer:
    binary: Path
    data_dir: Path
    port: int = 0
    token: str = ""
    org: str = ORG
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.data_dir / "influxd.log"

    def start(self, timeout: float = 90.0) -> InfluxdServer:
        """Start the server (set it up on first start); keep the port and data across restarts."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        fresh = not (self.data_dir / "influxd.bolt").exists()
        self.port = self.port or free_port()
        if not port_is_free(self.port):
            raise InfluxdUnavailable(f"port {self.port} on 127.0.0.1 is already in use")
        workdir = self.data_dir / "cwd"  # influxd reads config.* from its cwd: keep it empty
        workdir.mkdir(exist_ok=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith("INFLUXD_")}
        args = [
            str(self.binary),
            f"--bolt-path={self.data_dir / 'influxd.bolt'}",
            f"--sqlite-path={self.data_dir / 'influxd.sqlite'}",
            f"--engine-path={self.data_dir / 'engine'}",
            f"--http-bind-address=127.0.0.1:{self.port}",
            "--reporting-disabled",
            "--ui-disabled",
            "--pprof-disabled",
            "--log-level=warn",
        ]
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(args, cwd=workdir, stdout=log, stderr=subprocess.STDOUT, env=env)
        log.close()
        self._wait_ready(timeout)
        if fresh:
            self._setup()
        return self

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise InfluxdUnavailable(f"influxd exited with {self.process.returncode}: {self._log_tail()}")
            try:
                if httpx.get(f"{self.url}/health", timeout=1.0).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.stop()
        raise InfluxdUnavailable(f"influxd not healthy within {timeout:.0f} s: {self._log_tail()}")

    def _setup(self) -> None:
        self.token = self.token or secrets.token_hex(24)
        response = httpx.post(
            f"{self.url}/api/v2/setup",
            json={
                "username": ADMIN_USER,
                "password": secrets.token_hex(12),
                "org": self.org,
                "bucket": "setup",
                "retentionPeriodSeconds": 0,
                "token": self.token,
            },
            timeout=30.0,
        )
        if response.status_code != 201:
            raise InfluxdUnavailable(f"setup failed: HTTP {response.status_code} {response.text[:200]}")

    def create_buckets(self, *names: str) -> None:
        """Buckets with infinite retention in the server's organisation."""
        headers = {"Authorization": f"Token {self.token}"}
        orgs = httpx.get(f"{self.url}/api/v2/orgs", params={"org": self.org}, headers=headers, timeout=30)
        org_id = orgs.raise_for_status().json()["orgs"][0]["id"]
        for name in names:
            body = {"orgID": org_id, "name": name, "retentionRules": []}
            httpx.post(f"{self.url}/api/v2/buckets", json=body, headers=headers, timeout=30).raise_for_status()

    def _log_tail(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-2000:]
        except OSError:
            return "(no log)"

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30.0) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(sig)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)

    def rss_bytes(self) -> int:
        assert self.process is not None
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=None, help="data directory (default: a temp dir)")
    parser.add_argument("--port", type=int, default=8086)
    parser.add_argument("--token", default=os.environ.get("HPM_INFLUX_ADMIN_TOKEN", ""))
    parser.add_argument("--org", default=ORG)
    args = parser.parse_args()
    data = args.data or Path(tempfile.mkdtemp(prefix="influxd-"))
    server = InfluxdServer(influxd_binary(), data, port=args.port, token=args.token, org=args.org).start()
    print(f"url={server.url} org={server.org} data={data}", flush=True)
    assert server.process is not None
    child = server.process
    # Only forward the signal: calling stop() here would re-enter Popen.wait() from the handler and deadlock.
    signal.signal(signal.SIGTERM, lambda *_: child.send_signal(signal.SIGTERM))
    try:
        child.wait()
    except KeyboardInterrupt:
        server.stop()
    if args.data is None:
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()
