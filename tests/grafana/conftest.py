"""One seeded pair of buckets for the whole package (seeding takes seconds; queries only read), and a real
changelog file written by the changelog's own store."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from collector.changelog.store import ChangelogStore, NewChange
from tests.conftest import InfluxEnv, temporary_buckets
from tests.grafana import seed
from tests.support.influxd import InfluxdServer

CHANGE_AGE = timedelta(days=10)  # the week before and the week after both lie inside the seeded rollups


@dataclass
class Seeded:
    env: InfluxEnv
    now: datetime


@pytest.fixture(scope="package")
def seeded(influxd: InfluxdServer) -> Iterator[Seeded]:
    with temporary_buckets(influxd, prefix="g") as env:
        yield Seeded(env, seed.seed(env))


@pytest.fixture(scope="package")
def changelog_file(tmp_path_factory: pytest.TempPathFactory, seeded: Seeded) -> Path:
    """A changelog with one change CHANGE_AGE ago and one note two days ago, written by the collector's store."""
    path = tmp_path_factory.mktemp("changelog") / "changelog.sqlite"
    store = ChangelogStore(path)
    changed = int((seeded.now - CHANGE_AGE).timestamp())
    store.record(
        time=changed,
        time_local="2026-11-17 10:00",
        changes=[
            NewChange(
                "change",
                "Heating curve slope 1.4 → 1.2",
                ("setting", "circuit.0"),
                "circuit.0",
                "curve_slope",
                1.4,
                1.2,
            )
        ],
        device_id="0",
    )
    store.record(
        time=int((seeded.now - timedelta(days=2)).timestamp()),
        time_local="2026-11-25 08:00",
        changes=[NewChange("note", "Bled the radiators", ("note",))],
    )
    store.close()
    return path
