"""Recompute the derived series over a past range: ``collector recompute --since 2026-10-01``.

Each task rewrites only a short window before its run (two local days for energies and COP), so data that
arrives later than that — a Shelly backfill after a long outage, a restored backup — needs its tasks re-run for
the days it touches. This runs each task's own Flux (as provisioned, rendered from the settings) through the query
API with ``now()`` set to past instants — what a run scheduled then computes, without waiting for the task
scheduler — stepped so consecutive windows overlap, in ascending order (a later window's complete minutes
overwrite an earlier window's partial last one), stage by stage in dependency order. Re-runs overwrite the same
points, so recomputing a range twice changes nothing.
"""

from __future__ import annotations

import argparse
import logging
import re
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import httpx
from tqdm import tqdm

from collector.provision import rendered_tasks
from collector.settings import Settings
from collector.sources.base import Sink

log = logging.getLogger(__name__)

# Per stage, each task's step between runs: its window (see its .flux) is [truncate(now, step) - step, now), so runs
# one step apart, half a step past each boundary, overlap. None: the task summarises up to now; it runs once, last.
# hpm-defrost reads only raw readings and rewrites local yesterday and today; hpm-carnot does the same from cop_30m.
# The season tasks (performance map, cycling) rewrite the whole current season from cop_30m and energy_minute, so
# one run after those are recomputed brings them up to date at once instead of at their next hourly run.
STAGES: tuple[dict[str, str | None], ...] = (
    {"hpm-rollup-1m": "1h", "hpm-rollup-1h": "6h", "hpm-energy-minute": "1d", "hpm-defrost": "1d"},
    {"hpm-energy-daily": "1d", "hpm-cop": "1d"},
    {
        "hpm-device-crosscheck": "1d",
        "hpm-carnot": "1d",
        "hpm-energy-monthly": "1mo",
        "hpm-jaz": None,
        "hpm-performance-map": None,
        "hpm-cycling": None,
    },
)


class RecomputeError(RuntimeError):
    pass


def run_times(step: str | None, since: datetime, until: datetime, tz: ZoneInfo) -> list[datetime]:
    """The instants (UTC) to run at so the windows cover [since, until); ``until`` itself last."""
    times: Iterator[datetime]
    if step in ("1h", "6h"):  # rollups truncate in UTC
        hours = int(step[:-1])
        first = since.astimezone(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(hours=hours / 2)
        times = (first + timedelta(hours=hours * i) for i in range(10**6))
    elif step == "1d":  # local noons: windows from the previous local midnight, 23- and 25-hour days included
        day = since.astimezone(tz).date()
        times = (datetime.combine(day + timedelta(days=i), time(12), tz).astimezone(UTC) for i in range(10**5))
    elif step == "1mo":  # the 15th of the following months, local midnight
        local = since.astimezone(tz)
        month = local.year * 12 + local.month  # the month after since's, zero-based
        times = (datetime((month + i) // 12, (month + i) % 12 + 1, 15, tzinfo=tz).astimezone(UTC) for i in range(10**4))
    else:
        return [until]
    before = []
    for moment in times:
        if moment >= until:
            break
        before.append(moment)
    return [*before, until]


TASK_OPTION = re.compile(r"^option task = \{[^}\n]*\}$", re.M)


def at_time(name: str, flux: str, at: datetime) -> str:
    """A task's Flux as a query whose ``now()`` is ``at``: what a run scheduled for ``at`` computes."""
    query, count = TASK_OPTION.subn(f"option now = () => {at.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}", flux)
    if count != 1:
        raise RecomputeError(f"task {name} has no single-line 'option task' to replace")
    return query


def run_query(client: httpx.Client, settings: Settings, flux: str) -> None:
    response = client.post(
        "/api/v2/query",
        params={"org": settings.influx_org},
        headers={"Content-Type": "application/vnd.flux", "Accept": "application/csv"},
        content=flux,
    )
    if response.status_code != 200:
        raise RecomputeError(f"InfluxDB answered HTTP {response.status_code}: {response.text[:300]}")
    header = response.text.split("\n", 1)[0]
    if ",error," in header:  # errors after the first table come in-band
        raise RecomputeError(f"query failed: {response.text[:300]}")


def recompute(settings: Settings, since: datetime, until: datetime, *, admin_token: str, progress: bool = False) -> int:
    """Run the tasks over [since, until) and return how many runs that took."""
    tasks = rendered_tasks(settings)
    missing = [name for stage in STAGES for name in stage if name not in tasks]
    if missing:
        raise RecomputeError(f"no task file defines {', '.join(missing)}")
    plan = [
        (name, at)
        for stage in STAGES
        for name, step in stage.items()
        for at in run_times(step, since, until, settings.tz)
    ]
    headers = {"Authorization": f"Token {admin_token}"}
    with (
        httpx.Client(base_url=settings.influx_url, headers=headers, timeout=600) as client,
        tqdm(total=len(plan), unit="run", disable=not progress) as bar,
    ):
        for name, at in plan:
            run_query(client, settings, at_time(name, tasks[name], at))
            bar.update()
    return len(plan)


def _instant(text: str, tz: ZoneInfo) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=tz)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--since", required=True, help="first instant to recompute (ISO 8601; local time if naive)")
    parser.add_argument("--until", default=None, help="end of the range (default: now)")


def run(args: argparse.Namespace, settings: Settings, sink: Sink) -> int:
    """CLI entry point; the tasks write the points (``sink`` is part of the common subcommand signature)."""
    del sink
    if settings.influx_admin_token is None:
        log.error("recompute: set HPM_INFLUX_ADMIN_TOKEN (the operator token) to run the tasks")
        return 2
    now = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(minutes=1)
    try:
        since = _instant(args.since, settings.tz)
        until = min(_instant(args.until, settings.tz), now) if args.until else now
    except ValueError as error:
        log.error("recompute: %s", error)
        return 2
    if since >= until:
        log.error("recompute: --since must lie before --until and in the past")
        return 2
    try:
        token = settings.influx_admin_token.get_secret_value()
        runs = recompute(settings, since, until, admin_token=token, progress=True)
    except (RecomputeError, httpx.HTTPError) as error:
        log.error("recompute: %s", error)
        return 1
    log.info("recompute: %d task runs from %s to %s", runs, since.isoformat(), until.isoformat())
    return 0
