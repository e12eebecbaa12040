"""How fast each dashboard opens: every panel query of every generated dashboard, as Grafana would run it, on a
year of simulated data, at 24 h, 30 d and 1 y; for the long ranges the same panels once more over the raw bucket.

Loads a throwaway influxd with every measurement of the schema contract (tests/grafana/seed.py's values and tag
combinations, temperatures on a second circuit only where a device has one): raw points every --raw-minutes
over the year and every minute over the last two days (what the 24-h range reads), 1-minute rollups every
--minute-step minutes over 35 days, hourly rollups every hour over the
year, derived series (30-min COP over 35 days, daily, monthly). Then, per dashboard and range, each Flux target
goes through the browser's variable substitution and the Flux backend's macros for a ~1000 px panel
(tests/grafana/grafana_emulation.py) and is timed end to end (query and transfer of the result). Panels with a
relative time override use it, as Grafana does. "raw" forces the span switch (queries.read_by_span) to the raw
samples; figures over derived series are the same query either way.

    .venv/bin/python bench/dashboards.py [--days 365] [--raw-minutes 10] [--minute-step 5] [--repeat 2]
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from collector import schema  # noqa: E402
from grafana.generator import queries  # noqa: E402
from tests.grafana import seed  # noqa: E402
from tests.grafana.grafana_emulation import flux_backend, replace_variables, resolve_range, targets  # noqa: E402
from tests.support.influxd import InfluxdServer, influxd_binary  # noqa: E402

RANGES = {"24h": timedelta(hours=24), "30d": timedelta(days=30), "1y": timedelta(days=365)}
BATCH_LINES = 100_000
RAW, ROLLUP = "hp_raw", "hp_rollup"
# The seed puts every temperature on two circuits; a real device has the circuit tag only on these (metrics.py),
# and a second copy of e.g. the supply temperature would double the rows the Carnot panels join.
PER_CIRCUIT_SENSORS = {"circuit_supply", "circuit_target_supply", "room"}


def realistic(point) -> bool:  # type: ignore[no-untyped-def]
    tags = dict(point.tags)
    return not (
        point.measurement.startswith("hp_temperature")
        and tags.get("sensor") not in PER_CIRCUIT_SENSORS
        and tags.get("circuit", "0") != "0"
    )


def grid(end: datetime, step: timedelta, span: timedelta) -> list[datetime]:
    return seed._every(end, step, span)


def lines(now: datetime, days: int, raw_minutes: int, minute_step: int) -> Iterator[tuple[str, list[str]]]:
    """(bucket, line-protocol batch) for the whole data set, batch by batch."""
    end = now.replace(second=0, microsecond=0)
    raw_times = sorted(
        set(grid(end - timedelta(days=2), timedelta(minutes=raw_minutes), timedelta(days=days)))
        | set(grid(end, timedelta(minutes=1), timedelta(days=2)))
    )
    midnight = seed.today()
    minute_times = grid(midnight, timedelta(minutes=minute_step), timedelta(days=35))
    hour_times = grid(midnight, timedelta(hours=1), timedelta(days=days))
    half_hours = grid(now.replace(minute=0, second=0, microsecond=0), timedelta(minutes=30), timedelta(days=35))
    days_ = grid(midnight, timedelta(days=1), timedelta(days=days + 35))
    months = sorted({d.replace(day=1) for d in days_})

    def batches(bucket: str, points: Iterator) -> Iterator[tuple[str, list[str]]]:
        batch: list[str] = []
        for p in points:
            if not realistic(p):
                continue
            batch.append(p.to_line())
            if len(batch) >= BATCH_LINES:
                yield bucket, batch
                batch = []
        if batch:
            yield bucket, batch

    for spec in schema.RAW_MEASUREMENTS:
        yield from batches(RAW, seed._points(spec, raw_times))
    for spec in schema.ROLLUPS:
        yield from batches(
            ROLLUP, seed._points(spec, minute_times if spec.name.endswith("_1m") else hour_times, schema.AGGS)
        )
    for spec in schema.DERIVED_MEASUREMENTS:
        times = (
            months
            if spec.name.endswith("_monthly")
            else half_hours
            if spec.name.endswith(("_30m", "_minute"))
            else days_
        )
        yield from batches(ROLLUP, seed._points(spec, times))


def load(server: InfluxdServer, client: httpx.Client, now: datetime, args: argparse.Namespace) -> int:
    written = 0
    for bucket, batch in lines(now, args.days, args.raw_minutes, args.minute_step):
        body = gzip.compress("\n".join(batch).encode(), compresslevel=1)
        response = client.post(
            "/api/v2/write",
            params={"org": server.org, "bucket": bucket, "precision": "ns"},
            content=body,
            headers={"Content-Encoding": "gzip"},
        )
        response.raise_for_status()
        written += len(batch)
    return written


def variables(dashboard: dict, now: datetime) -> dict[str, str]:
    """The dashboard variables' current values; the rollup bucket and a change ten days ago (the changelog's
    query variable, which has no stored value) as the browser would have them."""
    values = {}
    for variable in dashboard.get("templating", {}).get("list", []):
        current = (variable.get("current") or {}).get("value")
        values[variable["name"]] = str(current if current not in (None, "", []) else variable.get("query", ""))
    values[queries.ROLLUP_BUCKET_VAR] = ROLLUP
    values["change"] = str(int((now - timedelta(days=10)).timestamp()))
    return values


def panel_queries(dashboard: dict, span: timedelta, now: datetime, raw: bool) -> list[tuple[str, str]]:
    """(panel title, Flux as the server receives it) for every Flux target of the dashboard."""
    out = []
    known = variables(dashboard, now)
    for panel, target in targets(dashboard):
        if "query" not in target or target.get("datasource", {}).get("type") != "influxdb":
            continue  # the Changelog's SQLite targets
        start = now - span
        if panel.get("timeFrom"):
            start = resolve_range(panel["timeFrom"], now)
        text = replace_variables(target["query"], known)
        if raw:  # the span switch reads raw samples whatever the range
            text = text.replace(f"int(v: {queries.RAW_SPAN})", "int(v: 3650d)")
        bucket = ROLLUP if target["datasource"]["uid"] == queries.INFLUX_ROLLUP.uid else RAW
        out.append((panel["title"], flux_backend(text, start, now, bucket, "home")))
    return out


def timed(client: httpx.Client, server: InfluxdServer, flux: str) -> float:
    started = time.perf_counter()
    response = client.post(
        "/api/v2/query",
        params={"org": server.org},
        json={"query": flux, "type": "flux", "dialect": {"annotations": ["datatype", "group", "default"]}},
    )
    response.read()
    elapsed = time.perf_counter() - started
    if response.status_code != 200:
        raise RuntimeError(f"query failed ({response.status_code}): {response.text[:300]}")
    return elapsed


def measure(
    client: httpx.Client, server: InfluxdServer, work: list[tuple[str, str]], repeat: int
) -> list[tuple[str, float]]:
    return [(title, statistics.median(timed(client, server, flux) for _ in range(repeat))) for title, flux in work]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--raw-minutes", type=int, default=10, help="raw cadence before the last two days")
    parser.add_argument("--minute-step", type=int, default=5, help="spacing of the 1-minute rollup rows, minutes")
    parser.add_argument("--repeat", type=int, default=2, help="runs per query (median)")
    parser.add_argument("--dashboard", action="append", help="only these dashboard uids (default: all)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="hpm-bench-dash-") as tmp:
        server = InfluxdServer(influxd_binary(), Path(tmp)).start()
        try:
            server.create_buckets(RAW, ROLLUP)
            headers = {"Authorization": f"Token {server.token}"}
            with httpx.Client(base_url=server.url, headers=headers, timeout=600) as client:
                now = datetime.now(UTC)
                started = time.perf_counter()
                written = load(server, client, now, args)
                print(
                    f"loaded {written:,} points in {time.perf_counter() - started:.0f} s "
                    f"(raw every {args.raw_minutes} min over {args.days} d and every minute over the last 2 d; "
                    f"1-min rollups every {args.minute_step} min over 35 d; hourly rollups over {args.days} d)",
                    flush=True,
                )
                report(client, server, now, args)
        finally:
            server.stop()


def report(client: httpx.Client, server: InfluxdServer, now: datetime, args: argparse.Namespace) -> None:
    header = (
        f"{'dashboard':<16} {'range':>5} {'panels':>6} {'total s':>8} {'slowest s':>9}  {'slowest panel':<34}"
        f" {'raw total s':>11} {'raw/rollup':>10}"
    )
    print(header)
    print("-" * len(header))
    for path in sorted((REPO / "grafana" / "dashboards").glob("*.json")):
        if args.dashboard and path.stem not in args.dashboard:
            continue
        dashboard = json.loads(path.read_text())
        for name, span in RANGES.items():
            work = panel_queries(dashboard, span, now, raw=False)
            if not work:
                continue
            times = measure(client, server, work, args.repeat)
            total = sum(t for _, t in times)
            title, slowest = max(times, key=lambda item: item[1])
            raw_text = ""
            if name != "24h":
                raw_total = sum(t for _, t in measure(client, server, panel_queries(dashboard, span, now, True), 1))
                raw_text = f"{raw_total:>11.2f} {raw_total / total:>9.1f}x"
            print(
                f"{path.stem:<16} {name:>5} {len(work):>6} {total:>8.2f} {slowest:>9.2f}  {title[:34]:<34} {raw_text}",
                flush=True,
            )


if __name__ == "__main__":
    main()
