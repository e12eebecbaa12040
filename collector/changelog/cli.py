"""``collector note "text" [--at ISO-TIME] [--tag TAG]``: a manual changelog entry, shown like a change."""

from __future__ import annotations

import argparse
import sqlite3
import sys
from datetime import datetime

from collector.changelog.store import ChangelogFileError
from collector.changelog.tracker import ChangeTracker
from collector.settings import Settings
from collector.sources.base import Sink


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("text", help='what was done, e.g. "bled the radiators upstairs"')
    parser.add_argument(
        "--at",
        metavar="ISO-TIME",
        help="when it happened, e.g. 2026-11-27T14:30 (local time zone unless an offset is given); default: now",
    )
    parser.add_argument(
        "--tag", action="append", default=[], metavar="TAG", help="extra Grafana tag (repeatable); 'note' is always set"
    )


def run(args: argparse.Namespace, settings: Settings, sink: Sink) -> int:
    """Record the note; ``sink`` is part of the CLI contract and unused (a note writes no points)."""
    at = None
    if args.at:
        try:
            moment = datetime.fromisoformat(args.at)
        except ValueError:
            print(f"invalid --at {args.at!r}: use an ISO time such as 2026-11-27T14:30", file=sys.stderr)
            return 2
        at = (moment if moment.tzinfo else moment.replace(tzinfo=settings.tz)).timestamp()
    try:
        tracker = ChangeTracker(settings)
    except ChangelogFileError as error:
        print(f"changelog: {error}", file=sys.stderr)
        return 1
    try:
        note = tracker.add_note(args.text, at=at, tags=args.tag)
    except ValueError as error:
        print(f"note not recorded: {error}", file=sys.stderr)
        return 2
    except sqlite3.Error as error:
        print(f"note not recorded, the changelog cannot be written: {error}", file=sys.stderr)
        return 1
    finally:
        tracker.close()
    print(f"noted at {note.time_local}: {note.text} (tags: {', '.join(note.tags)})")
    return 0
