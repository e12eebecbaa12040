"""The SQLite file: versioned schema, migrations, journal mode, and refusing files that are not ours."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from collector.changelog import (
    ChangelogFileError,
    ChangeTracker,
    CorruptChangelogFile,
    ForeignChangelogFile,
    NewerChangelogSchema,
)
from collector.changelog import store as store_module
from collector.changelog.store import APPLICATION_ID, ChangelogStore
from collector.settings import Settings
from tests.changelog.conftest import db_path, load_dump, set_value

T0 = 1_795_770_000
Maker = Callable[..., ChangeTracker]


def _changelog_with_entries(make_tracker: Maker, settings: Settings) -> bytes:
    tracker = make_tracker()
    features = load_dump("Vitocal250A")
    tracker.observe("0", features, T0)
    for step in range(30):
        set_value(features, "heating.dhw.temperature.main", "value", 40 + step % 20)
        tracker.observe("0", features, T0 + 60 * (step + 1))
    tracker.close()
    return db_path(settings).read_bytes()


def _assert_refused(settings: Settings, error: type[ChangelogFileError], words: str) -> None:
    path = db_path(settings)
    before = path.read_bytes()
    listing = sorted(os.listdir(path.parent))
    with pytest.raises(error) as raised:
        ChangeTracker(settings)
    message = str(raised.value)
    assert "\n" not in message and str(path) in message and words in message and "left untouched" in message
    assert path.read_bytes() == before
    assert sorted(os.listdir(path.parent)) == listing  # no journal, WAL or replacement file either


def test_new_file_gets_schema_application_id_and_delete_journal(make_tracker: Maker, settings: Settings) -> None:
    make_tracker().observe("0", load_dump("Vitocal252A"), T0)
    with sqlite3.connect(db_path(settings)) as db:
        assert db.execute("PRAGMA user_version").fetchone() == (len(store_module.MIGRATIONS),)
        assert db.execute("PRAGMA application_id").fetchone() == (APPLICATION_ID,)
        assert db.execute("PRAGMA journal_mode").fetchone() == ("delete",)
        columns = {row[1]: row[2] for row in db.execute("PRAGMA table_info(changes)")}
    assert columns["time"] == "INTEGER"
    assert sorted(os.listdir(db_path(settings).parent)) == ["changelog.sqlite"]


def test_text_file_is_refused_and_kept(settings: Settings) -> None:
    db_path(settings).parent.mkdir(parents=True)
    db_path(settings).write_text("these are my notes, not a database\n" * 10)
    _assert_refused(settings, CorruptChangelogFile, "not an SQLite database")


def test_truncated_file_is_refused_and_kept(make_tracker: Maker, settings: Settings) -> None:
    data = _changelog_with_entries(make_tracker, settings)
    db_path(settings).write_bytes(data[:60])
    _assert_refused(settings, CorruptChangelogFile, "not an SQLite database")


def test_damaged_pages_are_refused_and_kept(make_tracker: Maker, settings: Settings) -> None:
    data = bytearray(_changelog_with_entries(make_tracker, settings))
    page_size = int.from_bytes(data[16:18], "big")
    assert len(data) >= 4 * page_size
    for page in range(1, len(data) // page_size):  # keep the header page, scramble every b-tree page header
        data[page * page_size : page * page_size + 64] = b"\xa5" * 64
    db_path(settings).write_bytes(bytes(data))
    _assert_refused(settings, CorruptChangelogFile, "is damaged")


def test_foreign_sqlite_database_is_refused_and_kept(settings: Settings) -> None:
    db_path(settings).parent.mkdir(parents=True)
    with sqlite3.connect(db_path(settings)) as db:
        db.execute("CREATE TABLE recipes (name TEXT)")
        db.execute("INSERT INTO recipes VALUES ('bread')")
    db.close()
    _assert_refused(settings, ForeignChangelogFile, "another application")
    with sqlite3.connect(db_path(settings)) as db:
        assert db.execute("SELECT name FROM recipes").fetchall() == [("bread",)]
    db.close()


def test_file_from_a_newer_collector_is_refused_and_kept(make_tracker: Maker, settings: Settings) -> None:
    _changelog_with_entries(make_tracker, settings)
    with sqlite3.connect(db_path(settings)) as db:
        db.execute(f"PRAGMA user_version = {len(store_module.MIGRATIONS) + 1}")
    db.close()
    _assert_refused(settings, NewerChangelogSchema, "upgrade the collector")


def test_empty_file_becomes_a_changelog(settings: Settings) -> None:
    db_path(settings).parent.mkdir(parents=True)
    db_path(settings).touch()
    store = ChangelogStore(db_path(settings))
    assert store.schema_version == len(store_module.MIGRATIONS)
    store.close()


def test_migrations_upgrade_an_old_file_and_keep_its_rows(
    make_tracker: Maker, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    _changelog_with_entries(make_tracker, settings)
    with sqlite3.connect(db_path(settings)) as db:
        before = db.execute("SELECT * FROM changes ORDER BY id").fetchall()
    db.close()
    upgraded = (*store_module.MIGRATIONS, ("ALTER TABLE changes ADD COLUMN author TEXT",))
    monkeypatch.setattr(store_module, "MIGRATIONS", upgraded)

    tracker = make_tracker()
    assert tracker.store.schema_version == len(upgraded)
    assert tracker.observe("0", load_dump("Vitocal250A"), T0 + 9999)[0].text == "DHW target temperature: 49 °C → 55 °C"
    with sqlite3.connect(db_path(settings)) as db:
        after = db.execute("SELECT * FROM changes ORDER BY id").fetchall()
        assert db.execute("PRAGMA user_version").fetchone() == (len(upgraded),)
    db.close()
    assert [row[:-1] for row in after[: len(before)]] == before
    assert len(after) == len(before) + 1


def test_failed_migration_rolls_back(make_tracker: Maker, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    original = _changelog_with_entries(make_tracker, settings)
    broken = (*store_module.MIGRATIONS, ("ALTER TABLE changes ADD COLUMN author TEXT", "THIS IS NOT SQL"))
    monkeypatch.setattr(store_module, "MIGRATIONS", broken)
    with pytest.raises(sqlite3.OperationalError):
        ChangeTracker(settings)
    monkeypatch.undo()
    store = ChangelogStore(db_path(settings))
    assert store.schema_version == len(store_module.MIGRATIONS)
    assert len(store.changes()) == 31
    store.close()
    assert db_path(settings).read_bytes() == original


def test_data_dir_is_created(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, data_dir=tmp_path / "a" / "b")  # type: ignore[call-arg]
    ChangeTracker(settings).close()
    assert (tmp_path / "a" / "b" / "changelog" / "changelog.sqlite").is_file()
