"""Flux tasks on one year of 10 s data: each task's run time, one-year dashboard queries over rollups versus
raw, and disk bytes per day.

Loads a throwaway influxd with the series the tasks read (Shelly counter and power every 10 s, the Viessmann
inputs every 120 s; tests/flux/scenario.py's operating profile) for 2025, backfills the derived series through
the query API with explicit ranges (the tasks' own Flux with start/stop replaced), then forces runs of every
provisioned task at 2025-12-31 12:00 UTC and times them.

    .venv/bin/python bench/flux_tasks.py [--days 365] [--repeat 3]
"""

from __future__ import annotations

import argparse
import gzip
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from collector.metrics.series import NS, day_start  # noqa: E402
from collector.provision import TASKS_DIR, provision, render, template_values  # noqa: E402
from collector.recompute import at_time, run_query  # noqa: E402
from collector.settings import Settings  # noqa: E402
from tests.flux.harness import force_run  # noqa: E402
from tests.flux.scenario import Installation  # noqa: E402
from tests.support.influxd import InfluxdServer, influxd_binary  # noqa: E402

TZ = ZoneInfo("Europe/Berlin")
START = datetime(2025, 1, 1, tzinfo=UTC)
BATCH_LINES = 200_000
DASHBOARD_QUERIES = {
    # name: (over raw, over rollups); one year, ~1000 points as Grafana would ask for
    "power, 1 year": (
        'from(bucket: "{raw}") |> range(start: {start}, stop: {stop}) '
        '|> filter(fn: (r) => r._measurement == "shelly_power" and r._field == "power" and r.phase == "total") '
        "|> aggregateWindow(every: 8h, fn: mean, createEmpty: false)",
        'from(bucket: "{rollup}") |> range(start: {start}, stop: {stop}) '
        '|> filter(fn: (r) => r._measurement == "shelly_power_1h" and r._field == "power" and r.phase == "total" '
        'and r.agg == "mean") |> aggregateWindow(every: 8h, fn: mean, createEmpty: false)',
    ),
    "supply temperature max, 1 year": (
        'from(bucket: "{raw}") |> range(start: {start}, stop: {stop}) '
        '|> filter(fn: (r) => r._measurement == "hp_temperature" and r._field == "value" and r.sensor == "supply") '
        "|> aggregateWindow(every: 8h, fn: max, createEmpty: false)",
        'from(bucket: "{rollup}") |> range(start: {start}, stop: {stop}) '
        '|> filter(fn: (r) => r._measurement == "hp_temperature_1h" and r._field == "value" and r.sensor == "supply" '
        'and r.agg == "max") |> aggregateWindow(every: 8h, fn: max, createEmpty: false)',
    ),
    "electric kWh per day, 1 year": (
        'import "timezone"\noption location = timezone.location(name: "Europe/Berlin")\n'
        'from(bucket: "{raw}") |> range(start: {start}, stop: {stop}) '
        '|> filter(fn: (r) => r._measurement == "shelly_energy" and r._field == "imported" and r.phase == "total") '
        "|> difference(nonNegative: true, initialZero: true) "
        '|> aggregateWindow(every: 1d, fn: sum, timeSrc: "_start", createEmpty: false)',
        'from(bucket: "{rollup}") |> range(start: {start}, stop: {stop}) '
        '|> filter(fn: (r) => r._measurement == "energy_daily" and r._field == "kwh" and r.kind == "electric" '
        'and r.source == "shelly")',
    ),
}


def raw_lines(installation: Installation, start: int, stop: int, noise: random.Random) -> list[str]:
    """Line protocol of [start, stop): Shelly every 10 s, Viessmann inputs every 120 s, with measurement noise
    (real readings compress far worse than a clean profile); direct formatting: millions of lines."""
    lines = []
    counter = 0.0
    for t in range(start, stop, 10 * NS):
        power = round(installation.power(t) * noise.uniform(0.97, 1.03), 1)
        counter += power * 10 / 3600.0
        lines.append(f"shelly_energy,device=em1,phase=total imported={counter:.3f} {t}")
        lines.append(f"shelly_power,device=em1,phase=total power={power} {t}")
        if t % (120 * NS) == 0:
            heat = round(installation.heat(t) * noise.uniform(0.97, 1.03), 1)
            supply = round(35.0 + (15.0 if installation.dhw(t) else 0.0) + noise.uniform(-0.5, 0.5), 1)
            flow = round(noise.uniform(1080, 1120), 1) if power >= 100 else 0.0
            spread = heat / (flow * 1.163) if flow else 0.0
            modulation = 62.5 if power >= 100 else 0.0
            lines.append(
                f"hp_compressor,compressor=0,device=vi1 heat_production={heat},modulation={modulation},"
                f"rated_power=8.0 {t}"
            )
            lines.append(f"hp_temperature,device=vi1,sensor=supply value={supply} {t}")
            lines.append(f"hp_temperature,device=vi1,sensor=return value={supply - spread:.2f} {t}")
            lines.append(f"hp_hydraulics,device=vi1 volumetric_flow={flow} {t}")
    return lines


def write(client: httpx.Client, settings: Settings, lines: list[str]) -> None:
    for i in range(0, len(lines), BATCH_LINES):
        body = gzip.compress("\n".join(lines[i : i + BATCH_LINES]).encode(), compresslevel=1)
        response = client.post(
            "/api/v2/write",
            params={"org": settings.influx_org, "bucket": settings.influx_bucket_raw, "precision": "ns"},
            headers={"Content-Encoding": "gzip"},
            content=body,
        )
        response.raise_for_status()


def query(client: httpx.Client, settings: Settings, flux: str) -> float:
    began = time.perf_counter()
    run_query(client, settings, flux)
    return time.perf_counter() - began


def backfill(client: httpx.Client, settings: Settings, task_file: str, chunks: list[tuple[datetime, datetime]]) -> None:
    """Run a task's Flux over explicit ranges through the query API (start/stop replaced)."""
    flux = render((TASKS_DIR / task_file).read_text(), template_values(settings))
    for start, stop in chunks:
        # now() = the chunk's end, for the relative ranges (the rated-power lookup)
        ranged = at_time(task_file, flux, stop)
        ranged = re.sub(r"^stop = .*$", f"stop = {stop:%Y-%m-%dT%H:%M:%SZ}", ranged, count=1, flags=re.M)
        ranged = re.sub(r"^start = .*$", f"start = {start:%Y-%m-%dT%H:%M:%SZ}", ranged, count=1, flags=re.M)
        query(client, settings, ranged)


def day_chunks(days: int, size: int) -> list[tuple[datetime, datetime]]:
    """Chunks of ``size`` local days (aligned on local midnights, so daily windows stay whole)."""
    first = datetime.fromtimestamp(day_start(int(START.timestamp()) * NS, TZ) // NS, tz=UTC)
    bounds = [first]
    while bounds[-1] < START + timedelta(days=days):
        local = bounds[-1].astimezone(TZ).replace(tzinfo=None) + timedelta(days=size)
        bounds.append(local.replace(tzinfo=TZ).astimezone(UTC))
    return list(pairwise(bounds))


def run_seconds(server: InfluxdServer, task_id: str, now: datetime) -> float:
    """Server-side duration of one forced run."""
    run = force_run(server.url, server.token, task_id, now, timeout=3600)
    began = datetime.fromisoformat(run["startedAt"].replace("Z", "+00:00"))
    return (datetime.fromisoformat(run["finishedAt"].replace("Z", "+00:00")) - began).total_seconds()


def du(path: Path) -> int:
    if not path.exists():
        return 0
    return int(subprocess.run(["du", "-sb", str(path)], capture_output=True, text=True, check=True).stdout.split()[0])


def bucket_bytes(engine: Path, bucket_id: str) -> int:
    """TSM and WAL files of a bucket: its data (the series file's preallocated segments excluded)."""
    return sum(
        path.stat().st_size
        for folder in (engine / "data" / bucket_id, engine / "wal" / bucket_id)
        if folder.exists()
        for path in folder.rglob("*")
        if path.suffix in (".tsm", ".wal")
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--days", type=int, default=365, help="days of raw data")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per task / query (median)")
    args = parser.parse_args()
    stop = START + timedelta(days=args.days)
    with tempfile.TemporaryDirectory(prefix="bench-flux-") as tmp:
        server = InfluxdServer(influxd_binary(), Path(tmp)).start()
        try:
            settings = Settings(
                _env_file=None,  # type: ignore[call-arg]
                influx_url=server.url,
                influx_org=server.org,
                influx_bucket_raw="hp_raw",
                influx_bucket_rollup="hp_rollup",
                influx_raw_retention_days=0,
            )
            tasks = provision(settings, admin_token=server.token).task_ids
            bucket_ids = {
                name: httpx.get(
                    f"{server.url}/api/v2/buckets",
                    params={"name": name},
                    headers={"Authorization": f"Token {server.token}"},
                ).json()["buckets"][0]["id"]
                for name in (settings.influx_bucket_raw, settings.influx_bucket_rollup)
            }
            engine = Path(tmp) / "engine"
            empty = {name: bucket_bytes(engine, bucket_id) for name, bucket_id in bucket_ids.items()}
            client = httpx.Client(base_url=server.url, headers={"Authorization": f"Token {server.token}"}, timeout=3600)
            installation = Installation(TZ)
            noise = random.Random(7)

            began = time.perf_counter()
            lines = 0
            for day in range(args.days):
                chunk_start = int((START + timedelta(days=day)).timestamp()) * NS
                batch = raw_lines(installation, chunk_start, chunk_start + 86400 * NS, noise)
                write(client, settings, batch)
                lines += len(batch)
            load = time.perf_counter() - began
            print(f"raw load: {lines:,} points in {load:.0f} s ({lines / load:,.0f} points/s)", flush=True)

            began = time.perf_counter()
            for task_file in ("rollup_1m.flux", "rollup_1h.flux", "energy_minute.flux", "energy_daily.flux"):
                backfill(client, settings, task_file, day_chunks(args.days, 1))  # small chunks: bounded memory
            print(f"backfill of rollups and energies over the year: {time.perf_counter() - began:.0f} s", flush=True)

            now = stop - timedelta(hours=12)
            print(f"\ntask run times (forced runs at {now:%Y-%m-%d %H:%M} UTC, median of {args.repeat}):")
            for name, task_id in sorted(tasks.items()):
                times = [run_seconds(server, task_id, now) for _ in range(args.repeat)]
                print(f"  {name:24s} {statistics.median(times):7.2f} s", flush=True)

            print(f"\none-year dashboard queries (median of {args.repeat}):")
            values = {
                "raw": settings.influx_bucket_raw,
                "rollup": settings.influx_bucket_rollup,
                "start": f"{START:%Y-%m-%dT%H:%M:%SZ}",
                "stop": f"{stop:%Y-%m-%dT%H:%M:%SZ}",
            }
            for name, (over_raw, over_rollup) in DASHBOARD_QUERIES.items():
                raw_s = statistics.median(
                    query(client, settings, over_raw.format(**values)) for _ in range(args.repeat)
                )
                rollup_s = statistics.median(
                    query(client, settings, over_rollup.format(**values)) for _ in range(args.repeat)
                )
                print(f"  {name:32s} raw {raw_s:7.3f} s  rollups {rollup_s:7.3f} s  ratio {raw_s / rollup_s:7.1f}x")

            client.close()
            server.stop()
            print(
                "\ndisk per day of data (TSM + WAL files of each bucket; plus a fixed ~32 MB series file per bucket):"
            )
            for name, bucket_id in bucket_ids.items():
                grown = bucket_bytes(engine, bucket_id) - empty[name]
                print(f"  {name:10s} {grown:>14,} bytes = {grown / args.days:>10,.0f} bytes/day")
        finally:
            server.stop()


if __name__ == "__main__":
    main()
