"""Steady-state resources of the collector process: resident memory and CPU per hour.

Starts a real influxd and ``python -m collector run`` with production cadences (Shelly every 10 s, Viessmann
from the budget, health every minute), by default against the simulated installation (which runs inside the
collector process, so its model's CPU is included: an upper bound for real devices). After ``--warmup``
seconds it samples /proc every 5 s for ``--duration`` seconds.

    .venv/bin/python bench/steady_state.py [--duration 600] [--warmup 60] [--shelly-host HOST:PORT]
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from influxdb_client import InfluxDBClient  # noqa: E402

from tests.support.influxd import InfluxdServer, influxd_binary  # noqa: E402

SAMPLE_SECONDS = 5.0
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def usage(pid: int) -> tuple[int, float]:
    """(RSS bytes, CPU seconds user+system) of a process."""
    rss = next(
        int(line.split()[1]) * 1024
        for line in Path(f"/proc/{pid}/status").read_text().splitlines()
        if line.startswith("VmRSS:")
    )
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return rss, (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=600.0, help="measured seconds")
    parser.add_argument("--warmup", type=float, default=60.0, help="seconds before measuring (imports, first polls)")
    parser.add_argument("--shelly-host", default="", help="a real or emulated Shelly instead of the simulation")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="hpm-steady-"))
    server = InfluxdServer(influxd_binary(), work / "influxd").start()
    server.create_buckets("hp_raw", "hp_rollup")
    client = InfluxDBClient(url=server.url, token=server.token, org=server.org)
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "HPM_SECRETS_DIR": str(work / "no-secrets"),
        "HPM_INFLUX_URL": server.url,
        "HPM_INFLUX_ORG": server.org,
        "HPM_INFLUX_TOKEN": server.token,
        "HPM_DATA_DIR": str(work / "data"),
        "HPM_SHELLY_HOST": args.shelly_host,
        "HPM_LOG_LEVEL": "WARNING",
    }
    collector = subprocess.Popen([sys.executable, "-m", "collector", "run"], cwd=work, env=env)
    try:
        time.sleep(args.warmup)
        rss0, cpu0 = usage(collector.pid)
        started = time.monotonic()
        peak = rss0
        while time.monotonic() - started < args.duration:
            time.sleep(SAMPLE_SECONDS)
            assert collector.poll() is None, f"collector exited with {collector.returncode}"
            rss, cpu = usage(collector.pid)
            peak = max(peak, rss)
        elapsed = time.monotonic() - started
    finally:
        collector.send_signal(signal.SIGTERM)
        code = collector.wait(30)
    rows = client.query_api().query('from(bucket: "hp_raw") |> range(start: -1d) |> group() |> count()', org=server.org)
    points = sum(record.get_value() for table in rows for record in table.records)
    client.close()
    server.stop()
    mb = 1024 * 1024
    devices = args.shelly_host or "simulated"
    print(f"measured {elapsed:.0f} s after {args.warmup:.0f} s warm-up ({devices})")
    print(f"RSS MiB: start {rss0 / mb:.1f}  end {rss / mb:.1f}  peak {peak / mb:.1f}  growth {(rss - rss0) / mb:+.2f}")
    print(
        f"CPU: {cpu - cpu0:.2f} s in {elapsed:.0f} s = {(cpu - cpu0) / elapsed * 3600:.1f} CPU-s per hour "
        f"({(cpu - cpu0) / elapsed * 100:.3f} % of one core)"
    )
    print(f"field values written: {points}; exit code after SIGTERM: {code}")


if __name__ == "__main__":
    main()
