"""``collector backfill``: write the Shelly's 1-minute history of an explicit range (first installation, recovery)."""

from __future__ import annotations

import argparse
import sys
import time
from datetime import datetime, timedelta

from collector.settings import Settings
from collector.sources.base import Sink
from collector.sources.shelly.backfill import BackfillInterrupted, backfill, iso


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--since", required=True, help="ISO-8601 start, e.g. 2026-11-01 or 2026-11-01T06:00+01:00 (local if no offset)"
    )
    parser.add_argument("--until", default=None, help="ISO-8601 end, exclusive (default: now)")


def run(args: argparse.Namespace, settings: Settings, sink: Sink) -> int:
    """Exit status: 0 done, 1 the device failed (what was fetched is written), 2 bad arguments."""
    try:
        since = _parse(args.since, settings)
        until = _parse(args.until, settings) if args.until else datetime.fromtimestamp(time.time(), settings.tz)
    except ValueError as error:
        print(f"backfill: {error}", file=sys.stderr)
        return 2
    if until <= since:
        print("backfill: --until must be later than --since", file=sys.stderr)
        return 2
    try:
        written = backfill(settings, since, until, sink, progress=sys.stderr.isatty())
    except BackfillInterrupted as error:
        print(f"backfill: {error}; re-run with --since {iso(error.resume_at)} to continue", file=sys.stderr)
        return 1
    except ValueError as error:  # no device configured
        print(f"backfill: {error}", file=sys.stderr)
        return 2
    print(f"backfill: wrote {written} points for {since.isoformat()} .. {until.isoformat()}")
    # the tasks rewrite only local yesterday and today by themselves
    if since < datetime.now(settings.tz).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=1):
        print(f"backfill: now run 'collector recompute --since {since.isoformat()}' to update energies and COP")
    return 0


def _parse(text: str, settings: Settings) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r} is not an ISO-8601 date or time") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=settings.tz)
