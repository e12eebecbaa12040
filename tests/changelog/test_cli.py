"""``collector note "text" [--at] [--tag]`` through the argparse wiring the lead's CLI uses."""

from __future__ import annotations

import argparse
import sqlite3
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from collector.changelog import cli
from collector.settings import Settings
from tests.changelog.conftest import db_path


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="collector note")
    cli.add_arguments(parser)
    return parser.parse_args(argv)


def notes(settings: Settings) -> list[tuple]:
    with sqlite3.connect(db_path(settings)) as db:
        return db.execute("SELECT typeof(time), time, time_local, kind, text, tags FROM changes ORDER BY id").fetchall()


def test_note_with_local_time_and_tags(settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    args = parse("Bled the radiators", "--at", "2026-11-27T14:30", "--tag", "maintenance", "--tag", "upstairs")
    assert cli.run(args, settings, sink=lambda points: None) == 0
    at = int(datetime(2026, 11, 27, 14, 30, tzinfo=ZoneInfo("Europe/Berlin")).timestamp())
    assert notes(settings) == [
        ("integer", at, "2026-11-27 14:30", "note", "Bled the radiators", "note,maintenance,upstairs")
    ]
    assert (
        capsys.readouterr().out == "noted at 2026-11-27 14:30: Bled the radiators (tags: note, maintenance, upstairs)\n"
    )


def test_note_with_utc_offset_and_default_now(settings: Settings) -> None:
    assert cli.run(parse("Filter cleaned", "--at", "2026-11-27T09:00:00+00:00"), settings, sink=lambda p: None) == 0
    before = int(datetime.now().timestamp())
    assert cli.run(parse("Now"), settings, sink=lambda p: None) == 0
    rows = notes(settings)
    assert rows[0][1:3] == (1_795_770_000, "2026-11-27 10:00")
    assert before <= rows[1][1] <= before + 5 and rows[1][4:] == ("Now", "note")


def test_bad_input_is_a_clear_error_and_records_nothing(settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.run(parse("x", "--at", "yesterday"), settings, sink=lambda p: None) == 2
    assert "invalid --at 'yesterday'" in capsys.readouterr().err
    assert cli.run(parse("   "), settings, sink=lambda p: None) == 2
    assert "a note needs some text" in capsys.readouterr().err
    assert notes(settings) == []
    with pytest.raises(SystemExit):
        parse()  # the text is required


def test_unusable_changelog_file_is_reported_not_overwritten(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    db_path(settings).parent.mkdir(parents=True)
    db_path(settings).write_bytes(b"\x00garbage" * 50)
    assert cli.run(parse("note"), settings, sink=lambda p: None) == 1
    error = capsys.readouterr().err
    assert error.startswith("changelog: ") and error.count("\n") == 1 and "not an SQLite database" in error
    assert db_path(settings).read_bytes() == b"\x00garbage" * 50
