"""The SQLite outbox: durable, ordered, bounded, with dead letters."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

import pytest

from collector.runtime.outbox import Outbox, decode, encode, outbox_path
from tests.runtime.fakes import powers


def test_points_survive_a_process_that_never_closed_the_file(tmp_path: Path) -> None:
    path = outbox_path(tmp_path)
    Outbox(path, 100).append(powers(5))  # no close(): as after SIGKILL
    reopened = Outbox(path, 100)
    assert reopened.depth == 5
    assert [e.point for e in reopened.peek(10)] == powers(5)
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_round_trip_keeps_value_types(tmp_path: Path) -> None:
    from collector.points import point

    p = point("hp_compressor", {"device": "x/0", "compressor": "0"}, {"active": 1, "phase": "off", "hours": 2.0}, 1.5)
    assert decode(encode(p)) == p and decode(encode(p)).to_line() == p.to_line()


def test_ack_removes_oldest_first_and_dead_letters_keep_the_reason(tmp_path: Path) -> None:
    outbox = Outbox(outbox_path(tmp_path), 100)
    outbox.append(powers(6))
    first = outbox.peek(2)
    outbox.ack(first)
    bad = outbox.peek(1)[0]
    outbox.dead_letter(bad, "HTTP 422: field type conflict")
    assert [e.point for e in outbox.peek(10)] == powers(6)[3:]
    assert outbox.depth == outbox.refresh_depth() == 3
    assert outbox.dead_letters() == [(bad.point.to_line(), "HTTP 422: field type conflict")]


def test_bound_drops_the_oldest_and_says_so_once_per_threshold(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    outbox = Outbox(outbox_path(tmp_path), 20)
    points = powers(30)
    with caplog.at_level(logging.INFO, logger="collector.runtime.outbox"):
        for p in points:
            outbox.append([p])
        outbox.ack(outbox.peek(15))
    messages = [r.getMessage() for r in caplog.records]
    assert [m.split(" (")[0] for m in messages] == [
        "outbox 50% full",
        "outbox 80% full",
        "outbox 95% full",
        "outbox full",
        "outbox below 50% again",
    ]
    assert caplog.records[3].levelno == logging.ERROR
    assert outbox.dropped_count() == 10
    assert [e.point for e in outbox.peek(100)] == points[25:]  # the newest readings were kept
