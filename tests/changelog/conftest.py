"""Real Viessmann dumps (read-only fixtures), copied in memory so each test can edit settings."""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from collector.changelog import ChangeTracker
from collector.changelog.tracker import changelog_path
from collector.settings import Settings
from tests.conftest import FIXTURES

DUMPS = ("Vitocal200S_E8NEV", "Vitocal250A", "Vitocal252A", "Vitocal300G_CU401B", "Vitocal333G")


@cache
def _raw(name: str) -> tuple[dict[str, Any], ...]:
    return tuple(json.loads((FIXTURES / "viessmann" / f"{name}.json").read_text())["data"])


def load_dump(name: str) -> list[dict[str, Any]]:
    """A fresh deep copy of a dump's features."""
    return copy.deepcopy(list(_raw(name)))


def feature(features: list[dict[str, Any]], name: str) -> dict[str, Any]:
    return next(f for f in features if f["feature"] == name)


def set_value(features: list[dict[str, Any]], name: str, prop: str, value: Any) -> None:
    feature(features, name)["properties"][prop]["value"] = value


def schedule(features: list[dict[str, Any]], name: str) -> dict[str, list[dict[str, Any]]]:
    return feature(features, name)["properties"]["entries"]["value"]


_VOLATILE = (".sensors.", ".statistics", ".consumption", ".production", ".spf.", ".cop.", "compressors.")


def add_noise(features: list[dict[str, Any]], rng: random.Random) -> None:
    """What changes between polls without anyone touching a setting."""
    for item in features:
        item["timestamp"] = "2026-11-27T12:34:56.789Z"
        for prop in (item.get("properties") or {}).values():
            volatile = any(part in item["feature"] for part in _VOLATILE) or item["feature"].endswith(".temperature")
            if isinstance(prop, dict) and prop.get("type") == "number" and volatile:
                prop["value"] = round(rng.uniform(-10, 60), 1)
        if item["feature"].endswith("schedule") and item.get("isEnabled"):
            for entries in item["properties"]["entries"]["value"].values():
                rng.shuffle(entries)
                for position, entry in enumerate(entries):
                    entry["position"] = position + 7
                    entry.update(dict(reversed(list(entry.items()))))


@pytest.fixture
def make_tracker(settings: Settings) -> Iterator[Callable[..., ChangeTracker]]:
    """Opens trackers on the test's data dir and closes them at the end (a restart = close + make again)."""
    opened: list[ChangeTracker] = []

    def make(**kwargs: Any) -> ChangeTracker:
        tracker = ChangeTracker(settings, **kwargs)
        opened.append(tracker)
        return tracker

    yield make
    for tracker in opened:
        tracker.close()


def db_path(settings: Settings) -> Path:
    return changelog_path(settings)
