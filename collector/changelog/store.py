"""The changelog's SQLite file: versioned schema, migrations, snapshots and change rows.

Journal mode DELETE (rollback journal), never WAL: Grafana's SQLite datasource opens the file with ``mode=ro``
from a read-only mount, where a WAL reader fails because it must create ``-shm``. In DELETE mode a reader only
takes a shared lock on the database file and waits (busy timeout) while a commit holds the exclusive lock; each
observation is one transaction, so a reader sees either all of its rows or none. See README.md.

Before SQLite touches an existing file its header is checked: a file that is not an SQLite database, one written
by another application (``application_id``), a damaged one (``quick_check``) or one from a newer collector is
refused with a ``ChangelogFileError``; the file is left exactly as it was.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from collector.changelog.snapshot import Value

APPLICATION_ID = 0x48504D43  # "HPMC": marks the file as this collector's changelog
SQLITE_MAGIC = b"SQLite format 3\x00"
BUSY_TIMEOUT_MS = 5000
KINDS = ("baseline", "change", "note")

# MIGRATIONS[n] upgrades schema version n to n + 1; the file's version is PRAGMA user_version.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        """CREATE TABLE snapshots (
            id INTEGER PRIMARY KEY,
            device_id TEXT NOT NULL,
            time INTEGER NOT NULL,            -- unix seconds UTC
            hash TEXT NOT NULL,               -- sha256 of the canonical JSON
            snapshot TEXT NOT NULL            -- canonical JSON
        )""",
        "CREATE INDEX snapshots_device ON snapshots (device_id, id)",
        """CREATE TABLE changes (
            id INTEGER PRIMARY KEY,
            time INTEGER NOT NULL,            -- unix seconds UTC (Grafana reads INTEGER time columns as seconds)
            time_local TEXT NOT NULL,         -- 'YYYY-MM-DD HH:MM' in the installation's time zone, for lists
            kind TEXT NOT NULL CHECK (kind IN ('baseline', 'change', 'note')),
            device_id TEXT,
            entity TEXT,                      -- circuit.0, dhw, circulation, holiday, holiday_at_home, heating_rod
            field TEXT,                       -- curve_slope, schedule.mon, …
            old TEXT,                         -- JSON
            new TEXT,                         -- JSON
            text TEXT NOT NULL,
            tags TEXT NOT NULL,               -- comma-separated (Grafana splits annotation tags on ',')
            snapshot_id INTEGER REFERENCES snapshots (id)
        )""",
        "CREATE INDEX changes_time ON changes (time)",
    ),
)


class ChangelogFileError(Exception):
    """The changelog file cannot be used; the message is one line and says what to do."""


class CorruptChangelogFile(ChangelogFileError):
    pass


class ForeignChangelogFile(ChangelogFileError):
    pass


class NewerChangelogSchema(ChangelogFileError):
    pass


@dataclass(frozen=True)
class Change:
    id: int
    time: int  # unix seconds UTC
    time_local: str
    kind: str  # baseline | change | note
    text: str
    tags: tuple[str, ...]
    device_id: str | None = None
    entity: str | None = None
    field: str | None = None
    old: Value = None
    new: Value = None


@dataclass(frozen=True)
class NewChange:
    kind: str
    text: str
    tags: tuple[str, ...]
    entity: str | None = None
    field: str | None = None
    old: Value = None
    new: Value = None


class ChangelogStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        _check_header(path)
        self.db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        try:
            self._check_contents()
            self.db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            mode = self.db.execute("PRAGMA journal_mode = DELETE").fetchone()[0]
            if mode != "delete":
                raise ChangelogFileError(f"{path}: cannot switch to journal mode DELETE (still {mode})")
            self.db.execute("PRAGMA synchronous = FULL")
            self._migrate()
        except BaseException:
            self.db.close()
            raise

    def _check_contents(self) -> None:
        try:
            result = [row[0] for row in self.db.execute("PRAGMA quick_check")]
            version = self.db.execute("PRAGMA user_version").fetchone()[0]
        except sqlite3.DatabaseError as error:
            raise CorruptChangelogFile(
                f"{self.path} is damaged ({error}); it was left untouched: {_MOVE_AWAY}"
            ) from None
        if result != ["ok"]:
            raise CorruptChangelogFile(f"{self.path} is damaged ({result[0]}); it was left untouched: {_MOVE_AWAY}")
        if version > len(MIGRATIONS):
            raise NewerChangelogSchema(
                f"{self.path} has changelog schema version {version}, this collector knows up to {len(MIGRATIONS)}: "
                "upgrade the collector (the file was left untouched)"
            )

    @property
    def schema_version(self) -> int:
        return self.db.execute("PRAGMA user_version").fetchone()[0]

    def _migrate(self) -> None:
        version = self.schema_version
        if version == len(MIGRATIONS):
            return
        self.db.execute("BEGIN IMMEDIATE")
        try:  # all steps or none: a failed migration leaves the file at its old version
            if version == 0:
                self.db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            for statements in MIGRATIONS[version:]:
                for statement in statements:
                    self.db.execute(statement)
            self.db.execute(f"PRAGMA user_version = {len(MIGRATIONS)}")
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise

    def last_snapshot(self, device_id: str) -> tuple[str, dict[str, Value]] | None:
        row = self.db.execute(
            "SELECT hash, snapshot FROM snapshots WHERE device_id = ? ORDER BY id DESC LIMIT 1", (device_id,)
        ).fetchone()
        return (row[0], json.loads(row[1])) if row else None

    def record(
        self,
        *,
        time: int,
        time_local: str,
        changes: Sequence[NewChange],
        device_id: str | None = None,
        snapshot: tuple[str, str] | None = None,
    ) -> list[Change]:
        """Store an optional ``(hash, canonical_json)`` snapshot and its changes in ONE transaction."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            snapshot_id = None
            if snapshot is not None:
                snapshot_id = self.db.execute(
                    "INSERT INTO snapshots (device_id, time, hash, snapshot) VALUES (?, ?, ?, ?)",
                    (device_id, time, *snapshot),
                ).lastrowid
            stored = []
            for change in changes:
                row = (
                    time,
                    time_local,
                    change.kind,
                    device_id,
                    change.entity,
                    change.field,
                    _json(change.old),
                    _json(change.new),
                    change.text,
                    ",".join(change.tags),
                    snapshot_id,
                )
                change_id = self.db.execute(
                    "INSERT INTO changes (time, time_local, kind, device_id, entity, field, old, new, text, tags, "
                    "snapshot_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    row,
                ).lastrowid
                stored.append(_change(change_id, *row[:-1]))
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        return stored

    def changes(self) -> list[Change]:
        rows = self.db.execute(
            "SELECT id, time, time_local, kind, device_id, entity, field, old, new, text, tags FROM changes ORDER BY id"
        )
        return [_change(*row) for row in rows]

    def close(self) -> None:
        self.db.close()


_MOVE_AWAY = "move it away to start a new changelog, or restore a backup"


def _check_header(path: Path) -> None:
    """Refuse non-SQLite and foreign files by their first 100 bytes, before SQLite opens (and could write) them."""
    try:
        with path.open("rb") as file:
            header = file.read(100)
    except FileNotFoundError:
        return
    if not header:
        return  # an empty file is a new database
    if len(header) < 100 or not header.startswith(SQLITE_MAGIC):
        raise CorruptChangelogFile(f"{path} is not an SQLite database (damaged?); it was left untouched: {_MOVE_AWAY}")
    application_id = int.from_bytes(header[68:72], "big")
    if application_id != APPLICATION_ID:
        raise ForeignChangelogFile(
            f"{path} is an SQLite database of another application (application_id {application_id:#x}), "
            f"not a changelog; it was left untouched: {_MOVE_AWAY}"
        )


def _json(value: Value) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _change(*row: Any) -> Change:
    """A ``changes`` row (id, time, time_local, kind, device_id, entity, field, old, new, text, tags) as a Change."""
    change_id, time, time_local, kind, device_id, entity, field, old, new, text, tags = row
    return Change(
        id=change_id,
        time=time,
        time_local=time_local,
        kind=kind,
        text=text,
        tags=tuple(tags.split(",")) if tags else (),
        device_id=device_id,
        entity=entity,
        field=field,
        old=json.loads(old) if isinstance(old, str) else old,
        new=json.loads(new) if isinstance(new, str) else new,
    )
