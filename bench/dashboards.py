"""How fast each dashboard opens: every panel query of every generated dashboard, as Grafana would run it, on a
year of simulated data, at 24 h, 30 d and 1 y; for the long ranges the queries the span switch sends to rollups
once more over the raw bucket.

What is loaded (a throwaway influxd; tests/grafana/seed.py's values and tag combinations, temperatures on a second
circuit only where a device has one, collector_health with the fields each source writes):
- Every series a dashboard reads (a measurement/field pair named in a panel's filter, or the raw pair of a rollup
  it reads) at the density the collector and the tasks write it:
  - raw, over the last --dense-days (default: the whole --days): Shelly power every 10 s, Viessmann live values
    (temperatures, compressor, hydraulics, refrigerant, inverter, rod, burner) at the budget-derived poll period
    (Settings defaults), collector health every minute, the rest (settings, summaries, messages, events, device
    minute records after gaps, rejections) every --raw-minutes;
  - 1-minute rollups for each minute with raw points over the dense days, hourly rollups every hour over the year;
  - derived: energy_minute's counter-rule counts every minute over the year (the health panel sums them), 30-min
    COP and Carnot windows every 30 min, daily and monthly rows, over the year; the season maps (performance,
    cycling) once per heating season with the bins a season fills.
- Series no panel reads are not loaded: InfluxDB reads by series, so they do not change what a panel costs.
- With --dense-days shorter than --days, raw before the dense days is every read series every --raw-minutes, and
  the raw figures at ranges beyond the dense days are lower bounds (marked >=). The default year is ~59 million
  points, loaded in ~7 min on two cores (lines formatted directly, not through a Point each).

Then, per dashboard and range, each Flux target goes through the browser's variable substitution and the Flux
backend's macros for a ~1000 px panel (tests/grafana/grafana_emulation.py) and is timed end to end (query and
transfer of the result), sequentially, the median of --repeat runs. Panels with a relative time override use it,
as Grafana does. For 30 d and 1 y, "switched" queries are those whose text changes when the span switch
(queries.read_by_span) is forced to raw samples; they are timed again over raw ("raw s") and the dashboard's
total with them ("all raw s"). The other queries read derived series (COP, JAZ, energies, % of Carnot, the season
maps), the same query either way: computing those from raw samples is the Flux tasks' work (bench/flux_tasks.py).

    .venv/bin/python bench/dashboards.py [--days 365] [--dense-days N] [--raw-minutes 60] [--repeat 5] [--keep DIR]

--keep DIR loads once and lets later runs (e.g. --dashboard hp-health after a change) query the same data; data
chosen from the dashboards at load time, so a panel that starts reading a new series needs a fresh load.
"""

from __future__ import annotations

import argparse
import dataclasses
import gzip
import itertools
import json
import os
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from collector import schema  # noqa: E402
from collector.points import Point, point, time_ns  # noqa: E402
from collector.schema import Rollup  # noqa: E402
from collector.settings import Settings  # noqa: E402
from grafana.generator import queries  # noqa: E402
from tests.grafana import seed  # noqa: E402
from tests.grafana.grafana_emulation import flux_backend, replace_variables, resolve_range, targets  # noqa: E402
from tests.support.influxd import InfluxdServer, influxd_binary  # noqa: E402

RANGES = {"24h": timedelta(hours=24), "30d": timedelta(days=30), "1y": timedelta(days=365)}
BATCH_LINES = 50_000
RAW, ROLLUP = "hp_raw", "hp_rollup"
DASHBOARDS = REPO / "grafana" / "dashboards"
# The seed puts every temperature on two circuits; a real device has the circuit tag only on these (metrics.py),
# and a second copy of e.g. the supply temperature would double the rows the panels read.
PER_CIRCUIT_SENSORS = {"circuit_supply", "circuit_target_supply", "room"}
# collector/runtime/health.py: the fields each source's health row has
HEALTH_FIELDS = {
    "shelly": {"last_success", "consecutive_failures", "state", "rejected"},
    "viessmann": {"last_success", "consecutive_failures", "state", "rejected", "calls_24h", "calls_10min"}
    | {"budget_24h", "budget_10min"},
    "writer": {"last_success", "consecutive_failures", "outbox_depth", "outbox_dropped", "dead_letters"}
    | {"write_latency"},
    "process": {"rss", "cpu_seconds"},
}
COUNTER_RULE = {"resets", "clamped", "glitches"}  # energy_minute: electric (Shelly) rows only
VIESSMANN_LIVE = {"hp_temperature", "hp_compressor", "hp_hydraulics", "hp_refrigerant", "hp_inverter"} | {
    "hp_heating_rod",
    "hp_burner",
}
SEASON_MAPS = {"performance_map", "cycling_map"}
# a season: outside temperatures from -15 to 15 °C in 1-K bins, flow temperatures 25-50 °C in 5-K bins
SEASON_BINS = {
    schema.TAG_OUTSIDE_BIN: tuple(str(t) for t in range(-15, 16)),
    schema.TAG_FLOW_BIN: (*(str(t) for t in range(25, 55, 5)), "all"),
}
FILTER = re.compile(r'r\._measurement == "([^"]+)" and \(?((?:r\._field == "[^"]+"(?: or )?)+)')


def read_pairs(dashboards: Iterable[dict]) -> set[tuple[str, str]]:
    """(measurement, field) of every filter in the dashboards' Flux, rollups as their raw measurement too."""
    pairs = set()
    for dashboard in dashboards:
        for _, target in targets(dashboard):
            for measurement, fields in FILTER.findall(target.get("query", "")):
                for name in re.findall(r'"([^"]+)"', fields):
                    pairs.add((measurement, name))
                    pairs.add((re.sub(r"_(1m|1h)$", "", measurement), name))
    return pairs


def realistic(point: Point) -> Point | None:
    """The point as the collector or a task writes it (fields a source does not have left out), or None."""
    tags = dict(point.tags)
    circuit = tags.get("circuit", "0") != "0"
    if point.measurement.startswith("hp_temperature") and tags.get("sensor") not in PER_CIRCUIT_SENSORS and circuit:
        return None
    keep: set[str] | None = None
    if point.measurement.startswith("collector_health"):
        keep = HEALTH_FIELDS[tags["source"]]
    elif point.measurement == "energy_minute":
        if (tags["kind"] == "electric") != (tags["source"] == "shelly"):
            return None
        if tags["kind"] == "heat":
            keep = {"wh", "seconds"}
    if keep is None:
        return point
    fields = tuple((k, v) for k, v in point.fields if k in keep)
    return dataclasses.replace(point, fields=fields) if fields else None


def subset(spec: schema.MeasurementSpec, wanted: set[tuple[str, str]]) -> schema.MeasurementSpec | None:
    """The spec with only the fields dashboards read."""
    fields = tuple(f for f in spec.fields if (spec.name, f.name) in wanted)
    return dataclasses.replace(spec, fields=fields) if fields else None


def stamps(end: datetime, step: timedelta, span: timedelta) -> range:
    """Nanosecond timestamps every ``step`` up to ``end``, ``span`` long, oldest first (the seed's grid, lazily:
    a year of 10-s steps is 3 million)."""
    step_ns = round(step.total_seconds()) * 1_000_000_000
    count = int(span / step)
    end_ns = time_ns(end)
    return range(end_ns - count * step_ns, end_ns + 1, step_ns)


def formatter(value: object) -> Callable[[object], str]:
    """How to write a field in line protocol, from the value point() coerced it to (its declared kind)."""
    if isinstance(value, bool):
        return lambda v: "true" if v else "false"
    if isinstance(value, int):
        return lambda v: f"{int(v)}i"
    if isinstance(value, float):
        return lambda v: repr(float(v))
    return lambda v: '"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"'


def series_lines(spec: schema.MeasurementSpec, times: Iterable[int], aggs: tuple[str, ...] = ()) -> Iterator[str]:
    """The seed's points (tests/grafana/seed.py: every tag combination, its plausible values) as the collector or a
    task writes them, formatted without a Point per line: one contract-checked point per series gives its
    tags, fields and their types, then each timestamp only formats values."""
    times = list(times) if not isinstance(times, range) else times
    for tags in seed._combinations(spec):
        for agg in aggs or (None,):
            fields = [f for f in spec.fields if agg is None or (f.rollup is Rollup.LAST) == (agg == "last")]
            if not fields or not times:
                continue
            all_tags = {**tags, **({schema.TAG_AGG: agg} if agg else {})}
            first = realistic(point(spec.name, all_tags, {f.name: seed._value(spec, f, tags, 0) for f in fields}, 0))
            if first is None:
                continue
            kept = [(f, formatter(value)) for f in fields for name, value in first.fields if name == f.name]
            prefix = first.to_line().rsplit(" ", 2)[0]
            for step, at in enumerate(times):
                values = ",".join(f"{f.name}={fmt(seed._value(spec, f, tags, step))}" for f, fmt in kept)
                yield f"{prefix} {values} {at}"


def dense_period(spec: schema.MeasurementSpec) -> timedelta | None:
    """How often the collector writes a raw measurement's points; None: rarely (sparse grid)."""
    settings = Settings()
    if spec.name in ("shelly_power", "shelly_energy"):
        return timedelta(seconds=settings.shelly_poll_seconds)
    if spec.name in VIESSMANN_LIVE:
        return timedelta(seconds=round(settings.viessmann_effective_poll_seconds))
    if spec.name == "collector_health":
        return timedelta(minutes=1)
    return None


def lines(now: datetime, args: argparse.Namespace, wanted: set[tuple[str, str]]) -> Iterator[tuple[str, list[str]]]:
    """(bucket, line-protocol batch) for the whole data set, batch by batch."""
    end = now.replace(second=0, microsecond=0)
    dense = timedelta(days=args.dense_days)
    year = timedelta(days=args.days)
    sparse = stamps(end, timedelta(minutes=args.raw_minutes), year)
    midnight = seed.today()
    hours = stamps(midnight, timedelta(hours=1), year)
    half_hours = stamps(now.replace(minute=0, second=0, microsecond=0), timedelta(minutes=30), year)
    minutes_year = stamps(end, timedelta(minutes=1), year)
    days_ = [
        datetime.fromtimestamp(ns // 1_000_000_000, UTC)
        for ns in stamps(midnight, timedelta(days=1), year + timedelta(days=35))
    ]
    months = [time_ns(m) for m in sorted({d.replace(day=1) for d in days_})]
    dense_start = time_ns(end - dense)
    before_dense = [t for t in sparse if t < dense_start]
    sparse_dense = [t for t in sparse if t >= dense_start]
    daily = [time_ns(d) for d in days_]
    seasons = [time_ns(d) for d in days_ if (d.month, d.day) == (9, 1)]

    def batches(bucket: str, generated: Iterator[str]) -> Iterator[tuple[str, list[str]]]:
        while batch := list(itertools.islice(generated, BATCH_LINES)):
            yield bucket, batch

    for spec in schema.RAW_MEASUREMENTS:
        read = subset(spec, wanted)
        if read:
            period = dense_period(spec)
            times = stamps(end, period, dense) if period else sparse_dense
            yield from batches(RAW, series_lines(read, itertools.chain(before_dense, times)))
    for spec in schema.ROLLUPS:
        read = subset(spec, wanted)
        if read:
            # a 1-minute rollup row exists for each minute with raw points
            period = dense_period(schema.measurement(spec.name.removesuffix("_1m")))
            every = max(period, timedelta(minutes=1)) if period else timedelta(minutes=args.raw_minutes)
            times = stamps(end, every, dense) if spec.name.endswith("_1m") else hours
            yield from batches(ROLLUP, series_lines(read, times, schema.AGGS))
    for spec in schema.DERIVED_MEASUREMENTS:
        if spec.name == "energy_minute":
            counts = dataclasses.replace(spec, fields=tuple(f for f in spec.fields if f.name in COUNTER_RULE))
            yield from batches(ROLLUP, series_lines(counts, minutes_year))
            rest = dataclasses.replace(spec, fields=tuple(f for f in spec.fields if f.name not in COUNTER_RULE))
            yield from batches(ROLLUP, series_lines(rest, half_hours[-48 * 35 :]))
            continue
        if spec.name in SEASON_MAPS:  # one stamp per heating season, rewritten in place by its task
            yield from batches(ROLLUP, season_lines(spec, seasons))
            continue
        times = months if spec.name.endswith("_monthly") else half_hours if spec.name.endswith("_30m") else daily
        yield from batches(ROLLUP, series_lines(spec, times))


def season_lines(spec: schema.MeasurementSpec, stamps_: list[int]) -> Iterator[str]:
    """A season map's rows with the bins a real season fills (the seed's two of each would be too few)."""
    saved = dict(seed.OPEN_TAG_VALUES)
    seed.OPEN_TAG_VALUES.update(SEASON_BINS)
    try:
        yield from series_lines(spec, stamps_)
    finally:
        seed.OPEN_TAG_VALUES.clear()
        seed.OPEN_TAG_VALUES.update(saved)


def load(server: InfluxdServer, client: httpx.Client, now: datetime, args: argparse.Namespace) -> tuple[int, int]:
    """Write everything, two batches in flight (one being built while InfluxDB ingests the other); (lines, values)."""
    wanted = read_pairs(json.loads(path.read_text()) for path in sorted(DASHBOARDS.glob("*.json")))

    def post(item: tuple[str, list[str]]) -> None:
        bucket, batch = item
        response = client.post(
            "/api/v2/write",
            params={"org": server.org, "bucket": bucket, "precision": "ns"},
            content=gzip.compress("\n".join(batch).encode(), compresslevel=1),
            headers={"Content-Encoding": "gzip"},
        )
        response.raise_for_status()

    written = values = 0
    with ThreadPoolExecutor(max_workers=1) as pool:
        pending = None
        for item in lines(now, args, wanted):
            written += len(item[1])
            values += sum(line.split(" ", 2)[1].count(",") + 1 for line in item[1])
            if pending is not None:
                pending.result()
            pending = pool.submit(post, item)
        if pending is not None:
            pending.result()
    return written, values


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


def timed(client: httpx.Client, server: InfluxdServer, flux: str) -> tuple[float, int]:
    """Seconds of one query, end to end, and the rows it returned (what Grafana frames and draws)."""
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
    lines = response.text.splitlines()
    return elapsed, sum(1 for line in lines if line.strip() and not line.startswith(("#", ",result,")))


def measure(
    client: httpx.Client, server: InfluxdServer, work: list[tuple[str, str]], repeat: int
) -> list[tuple[str, float, int]]:
    """(title, median seconds, rows) per query."""
    out = []
    for title, flux in work:
        runs = [timed(client, server, flux) for _ in range(repeat)]
        out.append((title, statistics.median(seconds for seconds, _ in runs), runs[0][1]))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--dense-days", type=int, help="days of raw data at the real cadence (default: --days)")
    parser.add_argument("--raw-minutes", type=int, default=60, help="cadence of raw series written rarely, minutes")
    parser.add_argument("--repeat", type=int, default=5, help="runs per query (median)")
    parser.add_argument("--dashboard", action="append", help="only these dashboard uids (default: all)")
    parser.add_argument("--detail", type=float, default=0.0, help="also list panels slower than this, seconds")
    parser.add_argument("--keep", help="data directory kept after the run and reused by the next (same data)")
    args = parser.parse_args()
    args.dense_days = min(args.dense_days or args.days, args.days)

    with tempfile.TemporaryDirectory(prefix="hpm-bench-dash-") as tmp:
        run(Path(args.keep) if args.keep else Path(tmp), args)


def run(data: Path, args: argparse.Namespace) -> None:
    """Load into a fresh server in ``data``, or query what an earlier run with --keep loaded there."""
    marker = data / "bench.json"
    loaded = json.loads(marker.read_text()) if marker.exists() else None
    server = InfluxdServer(influxd_binary(), data, token=loaded["token"] if loaded else "").start()
    try:
        headers = {"Authorization": f"Token {server.token}"}
        with httpx.Client(base_url=server.url, headers=headers, timeout=600) as client:
            if loaded:
                now = datetime.fromisoformat(loaded["now"])
                print(f"reusing the data loaded at {now:%Y-%m-%d %H:%M} UTC in {data}: {loaded['summary']}")
            else:
                server.create_buckets(RAW, ROLLUP)
                now = datetime.now(UTC)
                started = time.perf_counter()
                written, values = load(server, client, now, args)
                summary = (
                    f"{written:,} points ({values:,} values) in {time.perf_counter() - started:.0f} s: {args.days} d, "
                    f"the series dashboards read at the real cadence over the last {args.dense_days} d"
                )
                print(f"loaded {summary}", flush=True)
                marker.write_text(json.dumps({"now": now.isoformat(), "token": server.token, "summary": summary}))
            report(client, server, now, args)
    finally:
        server.stop()


def report(client: httpx.Client, server: InfluxdServer, now: datetime, args: argparse.Namespace) -> None:
    """Per dashboard and range: every query's median time summed, the rows Grafana receives, and the slowest
    query; for the long ranges, the queries the span switch sends to rollups (the others read derived series, the
    same query either way) once more over raw samples, and the whole dashboard with them."""
    header = (
        f"{'dashboard':<16} {'range':>5} {'queries':>7} {'rows':>7} {'total s':>8} {'slowest s':>9}"
        f"  {'slowest panel':<34} {'switched':>8} {'rollup s':>8} {'raw s':>8} {'raw/rollup':>10} {'all raw s':>9}"
        f" {'load':>5}"
    )
    print(header)
    print("-" * len(header))
    for path in sorted(DASHBOARDS.glob("*.json")):
        if args.dashboard and path.stem not in args.dashboard:
            continue
        dashboard = json.loads(path.read_text())
        for name, span in RANGES.items():
            work = panel_queries(dashboard, span, now, raw=False)
            if not work:
                continue
            times = measure(client, server, work, args.repeat)
            total = sum(t for _, t, _ in times)
            rows = sum(n for _, _, n in times)
            title, slowest, _ = max(times, key=lambda item: item[1])
            raw_text = ""
            if name != "24h":
                over_raw = panel_queries(dashboard, span, now, True)
                switched = [i for i, (a, b) in enumerate(zip(work, over_raw, strict=True)) if a != b]
                raw = measure(client, server, [over_raw[i] for i in switched], args.repeat)
                rollup_s = sum(times[i][1] for i in switched)
                raw_s = sum(t for _, t, _ in raw)
                bound = ">=" if span > timedelta(days=args.dense_days) else "  "
                ratio = f"{bound}{raw_s / rollup_s:>7.1f}x" if rollup_s else f"{'-':>10}"
                raw_text = (
                    f"{len(switched):>8} {rollup_s:>8.2f} {bound}{raw_s:>6.2f} {ratio}"
                    f" {bound}{total - rollup_s + raw_s:>7.2f}"
                )
            print(
                f"{path.stem:<16} {name:>5} {len(work):>7} {rows:>7} {total:>8.2f} {slowest:>9.2f}  {title[:34]:<34}"
                f" {raw_text:<56} {os.getloadavg()[0]:>5.1f}",
                flush=True,
            )
            for panel, seconds, count in sorted(times, key=lambda item: -item[1]) if args.detail else ():
                if seconds >= args.detail:
                    print(f"{'':<23} {seconds:>8.2f}  {panel} ({count:,} rows)", flush=True)


if __name__ == "__main__":
    main()
