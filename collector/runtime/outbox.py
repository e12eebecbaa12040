"""The durable outbox: every point is committed to SQLite before anyone is told it was recorded.

Points leave the outbox only after InfluxDB acknowledged them (``ack``) or rejected them as malformed
(``dead_letter``, kept with the reason). Ordered by insertion, so a backlog drains oldest first.

Durability: WAL with ``synchronous=FULL``. WAL alone (NORMAL) already survives a killed process; FULL also
survives a power cut of the home server, at the price of one fsync per commit. The collector commits a few
times per minute, so the price is nothing and the guarantee is "a sampled reading is on disk".
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from collector.points import Point
from collector.schema import Bucket

log = logging.getLogger(__name__)

OUTBOX_FILE = "outbox.sqlite"
# Fill levels (share of outbox_max_points) that get one log line each when crossed upwards.
THRESHOLDS = (0.5, 0.8, 0.95, 1.0)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    point TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS dead_letter (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    point TEXT NOT NULL,
    line TEXT NOT NULL,
    reason TEXT NOT NULL,
    rejected_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
"""


@dataclass(frozen=True)
class Entry:
    id: int
    point: Point


def encode(p: Point) -> str:
    return json.dumps([p.measurement, p.tags, p.fields, p.time_ns, p.bucket.value], separators=(",", ":"))


def decode(text: str) -> Point:
    measurement, tags, fields, time_ns, bucket = json.loads(text)
    return Point(measurement, tuple((k, v) for k, v in tags), tuple((k, v) for k, v in fields), time_ns, Bucket(bucket))


def outbox_path(data_dir: Path) -> Path:
    return data_dir / OUTBOX_FILE


class Outbox:
    """Thread-safe (one connection behind a lock); several processes may share the file (WAL, busy timeout).

    The depth is counted in memory (``count(*)`` over millions of rows on every append would cost more than
    the append) and re-read from the file by ``refresh_depth`` once a minute, which also corrects for other
    processes (``collector backfill``) writing to the same file.
    """

    def __init__(self, path: Path, max_points: int) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path, self.max_points = path, max_points
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, timeout=30.0, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(_SCHEMA)
        self._depth = self._count("outbox")
        self._level = self._fill_level(self._depth)
        self.appended = threading.Event()  # set on every append: wakes the writer when a batch is full

    def _count(self, table: str) -> int:
        return self._db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]

    def _fill_level(self, depth: int) -> int:
        return sum(1 for t in THRESHOLDS if depth >= t * self.max_points)

    def append(self, points: Sequence[Point]) -> None:
        """Commit the points durably (returns only once they are on disk)."""
        if not points:
            return
        rows = [(encode(p),) for p in points]
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.executemany("INSERT INTO outbox (point) VALUES (?)", rows)
                depth = self._depth + len(rows)
                overflow = depth - self.max_points
                if overflow > 0:
                    # The bound protects the disk: the oldest readings give way, counted and logged.
                    self._db.execute(
                        "DELETE FROM outbox WHERE id IN (SELECT id FROM outbox ORDER BY id LIMIT ?)", (overflow,)
                    )
                    self._db.execute(
                        "INSERT INTO counters VALUES ('dropped', ?) "
                        "ON CONFLICT(name) DO UPDATE SET value = value + excluded.value",
                        (overflow,),
                    )
                    depth = self.max_points
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._depth = depth
            self._report_level(depth, overflow)
        self.appended.set()

    def _report_level(self, depth: int, overflow: int) -> None:
        level = self._fill_level(depth)
        if level > self._level:
            share = THRESHOLDS[level - 1]
            if share >= 1.0:
                log.error(
                    "outbox full (%d points): InfluxDB has not accepted writes for a long time; the oldest "
                    "readings are now dropped to stay within HPM_OUTBOX_MAX_POINTS",
                    depth,
                    extra={"outbox_depth": depth, "dropped": overflow},
                )
            else:
                log.warning(
                    "outbox %d%% full (%d of %d points): InfluxDB is not accepting writes",
                    round(share * 100),
                    depth,
                    self.max_points,
                    extra={"outbox_depth": depth},
                )
        elif level < self._level and level == 0:
            log.info("outbox below %d%% again (%d points)", round(THRESHOLDS[0] * 100), depth)
        self._level = level

    def peek(self, limit: int) -> list[Entry]:
        """The oldest ``limit`` points, in order, still in the outbox."""
        with self._lock:
            rows = self._db.execute("SELECT id, point FROM outbox ORDER BY id LIMIT ?", (limit,)).fetchall()
        return [Entry(row_id, decode(text)) for row_id, text in rows]

    def ack(self, entries: Sequence[Entry]) -> None:
        """InfluxDB acknowledged these points: remove them."""
        self._delete_and(entries, None)

    def dead_letter(self, entry: Entry, reason: str) -> None:
        """InfluxDB rejected this point as malformed: move it to the dead-letter table with the reason."""
        self._delete_and(
            [entry],
            (
                "INSERT INTO dead_letter (point, line, reason) VALUES (?, ?, ?)",
                (encode(entry.point), entry.point.to_line(), reason),
            ),
        )

    def _delete_and(self, entries: Sequence[Entry], extra: tuple[str, tuple[object, ...]] | None) -> None:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                deleted = self._db.executemany("DELETE FROM outbox WHERE id = ?", [(e.id,) for e in entries]).rowcount
                if extra is not None:
                    self._db.execute(*extra)
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._depth = max(0, self._depth - deleted)  # another process may have deleted the same rows
            self._report_level(self._depth, 0)

    @property
    def depth(self) -> int:
        return self._depth

    def refresh_depth(self) -> int:
        """Depth read from the file (another process, e.g. a backfill, may have added or drained points)."""
        with self._lock:
            self._depth = self._count("outbox")
        return self._depth

    def dead_letter_count(self) -> int:
        with self._lock:
            return self._count("dead_letter")

    def dead_letters(self) -> list[tuple[str, str]]:
        """(line, reason) of every dead letter, oldest first."""
        with self._lock:
            return self._db.execute("SELECT line, reason FROM dead_letter ORDER BY id").fetchall()

    def dropped_count(self) -> int:
        with self._lock:
            row = self._db.execute("SELECT value FROM counters WHERE name = 'dropped'").fetchone()
        return row[0] if row else 0

    def close(self) -> None:
        with self._lock:
            self._db.close()
