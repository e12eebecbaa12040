"""Sequences of real dumps with settings edited in between: exactly the expected change rows, in order."""

from __future__ import annotations

import logging
import random
import sqlite3
from collections.abc import Callable

import pytest

from collector.changelog import ChangeTracker
from collector.changelog import store as store_module
from collector.settings import Settings
from tests.changelog.conftest import add_noise, db_path, load_dump, schedule, set_value

T0 = 1_795_770_000  # 2026-11-27 09:00:00 UTC = 10:00 in Europe/Berlin
CURVE = "heating.circuits.0.heating.curve"
Maker = Callable[..., ChangeTracker]


def rows(settings: Settings) -> list[tuple]:
    with sqlite3.connect(db_path(settings)) as db:
        return db.execute(
            "SELECT typeof(time), time, time_local, kind, device_id, entity, field, old, new, text, tags "
            "FROM changes ORDER BY id"
        ).fetchall()


def test_first_snapshot_is_one_baseline_entry(make_tracker: Maker, settings: Settings) -> None:
    changes = make_tracker().observe("0", load_dump("Vitocal250A"), T0 + 0.9)
    assert [(c.kind, c.time, c.text, c.tags) for c in changes] == [
        (
            "baseline",
            T0,
            "Configuration baseline: heating circuit 0; DHW; circulation pump; holiday programs; heating rod; "
            "system settings (46 settings)",
            ("baseline",),
        )
    ]
    assert rows(settings) == [
        ("integer", T0, "2026-11-27 10:00", "baseline", "0", None, None, None, None, changes[0].text, "baseline")
    ]


def test_edits_between_polls_give_exactly_the_expected_rows(make_tracker: Maker, settings: Settings) -> None:
    tracker = make_tracker()
    tracker.observe("0", load_dump("Vitocal250A"), T0)

    edited = load_dump("Vitocal250A")
    set_value(edited, "heating.circuits.0.operating.modes.active", "value", "standby")
    set_value(edited, "heating.circuits.0.operating.programs.normalHeating", "temperature", 21)
    set_value(edited, CURVE, "slope", 1.4)
    set_value(edited, CURVE, "shift", 2)
    set_value(edited, "heating.dhw.temperature.main", "value", 50)
    schedule(edited, "heating.dhw.schedule")["mon"][0]["start"] = "01:30"
    changes = tracker.observe("0", edited, T0 + 120)
    assert [c.text for c in changes] == [
        "Operating mode (circuit 0): heating → standby",
        "Normal room temperature (circuit 0): 20 °C → 21 °C",
        "Heating curve slope (circuit 0): 0.6 → 1.4",
        "Heating curve shift (circuit 0): 4 K → 2 K",
        "DHW target temperature: 55 °C → 50 °C",
        "DHW schedule Mon: 01:00–03:00, 13:00–15:00 → 01:30–03:00, 13:00–15:00",
    ]
    assert [(c.entity, c.field, c.old, c.new, c.tags) for c in changes][2:5] == [
        ("circuit.0", "curve_slope", 0.6, 1.4, ("change", "circuit-0", "heating-curve")),
        ("circuit.0", "curve_shift", 4, 2, ("change", "circuit-0", "heating-curve")),
        ("dhw", "target", 55, 50, ("change", "dhw", "dhw-target")),
    ]

    set_value(edited, CURVE, "slope", 1.2000000000000002)  # float noise on a real edit
    assert [c.text for c in tracker.observe("0", edited, T0 + 240)] == ["Heating curve slope (circuit 0): 1.4 → 1.2"]

    stored = rows(settings)
    assert [row[3] for row in stored] == ["baseline"] + ["change"] * 7
    assert {row[0] for row in stored} == {"integer"}
    assert [row[1] for row in stored] == [T0] + [T0 + 120] * 6 + [T0 + 240]
    assert stored[3][5:9] == ("circuit.0", "curve_slope", "0.6", "1.4")
    assert stored[6][7:9] == (
        '[["01:00","03:00","on"],["13:00","15:00","on"]]',
        '[["01:30","03:00","on"],["13:00","15:00","on"]]',
    )
    assert stored[3][10] == "change,circuit-0,heating-curve"


def test_noise_only_polls_produce_nothing(make_tracker: Maker, settings: Settings) -> None:
    tracker = make_tracker()
    tracker.observe("0", load_dump("Vitocal252A"), T0)
    for poll in range(1, 6):
        noisy = load_dump("Vitocal252A")
        add_noise(noisy, random.Random(poll))
        set_value(noisy, CURVE, "slope", 0.6000000001 if poll % 2 else 0.59999999)
        set_value(noisy, "heating.dhw.temperature.main", "value", 45.0)
        assert tracker.observe("0", noisy, T0 + poll * 120) == []
    assert len(rows(settings)) == 1
    with sqlite3.connect(db_path(settings)) as db:
        assert db.execute("SELECT count(*) FROM snapshots").fetchone() == (1,)


def test_restart_reloads_the_last_snapshot(make_tracker: Maker, settings: Settings) -> None:
    first = make_tracker()
    first.observe("0", load_dump("Vitocal333G"), T0)
    edited = load_dump("Vitocal333G")
    set_value(edited, "heating.circuits.0.operating.programs.reduced", "temperature", 14)
    schedule(edited, "heating.dhw.pumps.circulation.schedule")["mon"][0]["end"] = "21:00"
    assert [c.text for c in first.observe("0", edited, T0 + 60)] == [
        "Reduced room temperature (circuit 0): 13 °C → 14 °C",
        "Circulation pump schedule Mon: 06:00–22:00 → 06:00–21:00",
    ]
    first.close()

    second = make_tracker()
    assert second.observe("0", edited, T0 + 120) == []
    set_value(edited, "heating.circuits.0.heating.curve", "slope", 0.8)
    assert [c.text for c in second.observe("0", edited, T0 + 180)] == ["Heating curve slope (circuit 0): 0.4 → 0.8"]
    assert [row[3] for row in rows(settings)] == ["baseline", "change", "change", "change"]


def test_legacy_schedules_show_their_modes_and_the_issue_example(make_tracker: Maker) -> None:
    tracker = make_tracker()
    features = load_dump("Vitocal200S_E8NEV")
    schedule(features, "heating.dhw.schedule")["mon"][0]["start"] = "05:30"
    tracker.observe("0", features, T0)
    schedule(features, "heating.dhw.schedule")["mon"][0]["start"] = "06:00"
    schedule(features, "heating.circuits.0.heating.schedule")["sun"] = [
        {"start": "06:00", "end": "22:00", "mode": "normal", "position": 0},
        {"start": "22:00", "end": "24:00", "mode": "comfort", "position": 1},
    ]
    set_value(features, "heating.dhw.operating.modes.active", "value", "comfort")
    assert [c.text for c in tracker.observe("0", features, T0 + 60)] == [
        "Heating schedule Sun (circuit 0): 00:00–24:00 normal → 06:00–22:00 normal, 22:00–24:00 comfort",
        "DHW mode: eco → comfort",
        "DHW schedule Mon: 05:30–22:00 → 06:00–22:00",
    ]


def test_holiday_and_heating_rod_and_disabled_features(make_tracker: Maker) -> None:
    tracker = make_tracker()
    features = load_dump("Vitocal300G_CU401B")
    tracker.observe("0", features, T0)
    set_value(features, "heating.operating.programs.holiday", "start", "2026-12-20")
    set_value(features, "heating.operating.programs.holiday", "end", "2027-01-03")
    set_value(features, "heating.configuration.heatingRod.heating", "useApproved", True)
    levels = next(f for f in features if f["feature"] == "heating.circuits.1.temperature.levels")
    levels["isEnabled"], levels["properties"] = False, {}
    assert [c.text for c in tracker.observe("0", features, T0 + 60)] == [
        "Minimum supply temperature (circuit 1): 15 °C → none",
        "Maximum supply temperature (circuit 1): 40 °C → none",
        "Holiday period: none → 2026-12-20 – 2027-01-03",
        "Heating rod for space heating: not allowed → allowed",
    ]


def test_partial_or_empty_responses_are_not_changes(make_tracker: Maker, settings: Settings) -> None:
    tracker = make_tracker()
    assert tracker.observe("0", [], T0) == []  # nothing to baseline yet
    tracker.observe("0", load_dump("Vitocal250A"), T0 + 60)
    partial = [f for f in load_dump("Vitocal250A") if "dhw" not in f["feature"]]
    assert tracker.observe("0", [], T0 + 120) == []
    assert tracker.observe("0", partial, T0 + 180) == []
    assert [row[3] for row in rows(settings)] == ["baseline"]


def test_devices_are_tracked_separately(make_tracker: Maker) -> None:
    tracker = make_tracker()
    assert [c.kind for c in tracker.observe("0", load_dump("Vitocal250A"), T0)] == ["baseline"]
    assert [c.kind for c in tracker.observe("1", load_dump("Vitocal333G"), T0)] == ["baseline"]
    assert tracker.observe("0", load_dump("Vitocal250A"), T0 + 60) == []
    changed = tracker.observe("1", load_dump("Vitocal250A"), T0 + 60)
    assert changed and {c.device_id for c in changed} == {"1"}


def test_manual_note_appears_like_a_change(make_tracker: Maker, settings: Settings) -> None:
    tracker = make_tracker(clock=lambda: T0 + 42.7)
    note = tracker.add_note("  Bled the   radiators ", tags=["maintenance", "upstairs,heating", "note"])
    assert (note.kind, note.time, note.text, note.tags) == (
        "note",
        T0 + 42,
        "Bled the radiators",
        ("note", "maintenance", "upstairs", "heating"),
    )
    at = tracker.add_note("Replaced filter", at=T0 - 3600)
    assert at.time == T0 - 3600 and at.tags == ("note",)
    assert [(r[0], r[1], r[3], r[9], r[10]) for r in rows(settings)] == [
        ("integer", T0 + 42, "note", "Bled the radiators", "note,maintenance,upstairs,heating"),
        ("integer", T0 - 3600, "note", "Replaced filter", "note"),
    ]


def test_locked_database_loses_nothing_and_keeps_the_first_seen_time(
    make_tracker: Maker, settings: Settings, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(store_module, "BUSY_TIMEOUT_MS", 50)
    tracker = make_tracker()
    features = load_dump("Vitocal250A")
    tracker.observe("0", features, T0)
    set_value(features, CURVE, "slope", 0.8)
    blocker = sqlite3.connect(db_path(settings), isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")  # e.g. a long backup holding the file
    with caplog.at_level(logging.WARNING, logger="collector.changelog.tracker"):
        assert tracker.observe("0", features, T0 + 60) == []
        assert tracker.observe("0", features, T0 + 120) == []
    assert [r.getMessage() for r in caplog.records if r.name == "collector.changelog.tracker"] == [
        "changelog: cannot write the changelog (database is locked); retrying with the next poll"
    ]
    blocker.execute("ROLLBACK")
    blocker.close()
    changes = tracker.observe("0", features, T0 + 180)
    assert [(c.time, c.text) for c in changes] == [(T0 + 60, "Heating curve slope (circuit 0): 0.6 → 0.8")]
    assert tracker.observe("0", features, T0 + 240) == []
    assert [row[1] for row in rows(settings)] == [T0, T0 + 60]


def test_snapshot_of_an_older_version_with_untracked_settings_is_no_change(
    make_tracker: Maker, settings: Settings
) -> None:
    make_tracker().observe("0", load_dump("Vitocal250A"), T0)
    with sqlite3.connect(db_path(settings)) as db:
        db.execute("UPDATE snapshots SET snapshot = json_set(snapshot, '$.\"dhw/retired_setting\"', 7)")
    db.close()
    restarted = make_tracker()
    assert restarted.observe("0", load_dump("Vitocal250A"), T0 + 60) == []
    assert [row[3] for row in rows(settings)] == ["baseline"]
