"""A separate read-only reader process, opened the way Grafana's SQLite plugin opens the changelog.

``python ro_reader.py DB STOP_FILE PROGRESS_FILE``: queries until STOP_FILE exists (then once more), keeps its
number of reads in PROGRESS_FILE and prints one JSON summary. Each round opens ``file:DB?mode=ro`` with a busy
timeout and ``query_only`` (as the plugin does per query) and reads, in one read transaction, every snapshot with
its number of change rows plus the rendered annotation query over all time.
"""

from __future__ import annotations

import json
import sqlite3
import sys
import time
from pathlib import Path

from collector.changelog.queries import ANNOTATION_SQL, render


def read_once(db: Path) -> tuple[list[tuple[int, int]], int]:
    connection = sqlite3.connect(f"file:{db}?mode=ro", uri=True, isolation_level=None)
    try:
        connection.execute("PRAGMA busy_timeout = 5000")
        connection.execute("PRAGMA query_only = 1")
        connection.execute("BEGIN")
        per_snapshot = connection.execute(
            "SELECT s.id, count(c.id) FROM snapshots s LEFT JOIN changes c ON c.snapshot_id = s.id "
            "GROUP BY s.id ORDER BY s.id"
        ).fetchall()
        annotations = connection.execute(render(ANNOTATION_SQL, 0, 4_102_444_800_000)).fetchall()
        connection.execute("COMMIT")
        return per_snapshot, len(annotations)
    finally:
        connection.close()


def main(db: Path, stop: Path, progress: Path) -> None:
    summary: dict = {"reads": 0, "errors": [], "totals": [], "inconsistent": [], "side_files": [], "journal_mode": None}
    connection = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    summary["journal_mode"] = connection.execute("PRAGMA journal_mode").fetchone()[0]
    connection.close()
    last = False
    while not last:
        last = stop.exists()
        try:
            per_snapshot, annotations = read_once(db)
        except sqlite3.Error as error:
            summary["errors"].append(f"{type(error).__name__}: {error}")
            continue
        summary["reads"] += 1
        total = sum(count for _, count in per_snapshot)
        expected = [1] + [2] * (len(per_snapshot) - 1)  # the baseline, then two changes per edit
        if [count for _, count in per_snapshot] != expected or annotations != total:
            summary["inconsistent"].append([per_snapshot[-3:], annotations])
        if not summary["totals"] or summary["totals"][-1] != total:
            summary["totals"].append(total)
        summary["side_files"] += [p.name for p in db.parent.iterdir() if p.name.endswith(("-wal", "-shm"))]
        progress.write_text(str(summary["reads"]))  # progress for the writer
        time.sleep(0.001)
    print(json.dumps(summary))


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]))
