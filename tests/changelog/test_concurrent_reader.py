"""Grafana reads the changelog read-only while the collector writes it: prove it with a real second process."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from collector.changelog import ChangeTracker
from collector.settings import Settings
from tests.changelog.conftest import db_path, load_dump, set_value

T0 = 1_795_770_000
EDITS = 300
PACE = 20  # edits between two waits for the reader
READER = Path(__file__).with_name("ro_reader.py")
REPO = Path(__file__).resolve().parents[2]


def test_read_only_reader_process_sees_a_consistent_growing_changelog(
    make_tracker: Callable[..., ChangeTracker], settings: Settings, tmp_path: Path
) -> None:
    tracker = make_tracker()
    features = load_dump("Vitocal250A")
    tracker.observe("0", features, T0)
    stop, progress = tmp_path / "stop", tmp_path / "progress"
    reader = subprocess.Popen(
        [sys.executable, str(READER), str(db_path(settings)), str(stop), str(progress)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_for_reads(reader, progress, 1)
        for edit in range(1, EDITS + 1):  # every edit: two settings, so two change rows in one transaction
            set_value(features, "heating.circuits.0.heating.curve", "slope", 0.6 + 0.1 * (edit % 2))
            set_value(features, "heating.dhw.temperature.main", "value", 55 - edit % 2)
            assert len(tracker.observe("0", features, T0 + 60 * edit)) == 2
            if edit % PACE == 0:  # a busy writer starves the reader's busy handler: let it catch up now and then
                _wait_for_reads(reader, progress, int(progress.read_text() or 0) + 1)
        stop.touch()
        out, err = reader.communicate(timeout=60)
    finally:
        if reader.poll() is None:
            reader.kill()
    assert reader.returncode == 0, err
    summary = json.loads(out)
    assert summary["errors"] == []
    assert summary["inconsistent"] == []
    assert summary["side_files"] == []
    assert summary["journal_mode"] == "delete"
    totals = summary["totals"]
    assert totals == sorted(totals) and totals[-1] == 1 + 2 * EDITS
    assert len(totals) >= EDITS // PACE, f"reader saw too few intermediate states: {totals}"
    assert summary["reads"] >= len(totals)


def _wait_for_reads(reader: subprocess.Popen[str], progress: Path, reads: int) -> None:
    deadline = time.monotonic() + 30
    while not progress.exists() or int(progress.read_text() or 0) < reads:
        assert reader.poll() is None, reader.stderr.read() if reader.stderr else "reader exited"
        assert time.monotonic() < deadline, "reader made no progress"
        time.sleep(0.002)
