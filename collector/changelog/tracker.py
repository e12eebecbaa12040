"""Turns successive features responses into changelog rows (and takes manual notes).

The Viessmann source hands every features response to ``observe`` (its ``on_features`` hook): no API calls here.
The first snapshot of a device is recorded as one baseline entry; afterwards only settings whose canonical value
differs become changes. The last snapshot per device is reloaded from the file, so a restart produces nothing.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from collector.changelog.describe import change_tags, describe_baseline, describe_change
from collector.changelog.snapshot import (
    Value,
    build_snapshot,
    canonical_json,
    circuits_of,
    diff,
    is_tracked,
    snapshot_hash,
    split_key,
)
from collector.changelog.store import Change, ChangelogStore, NewChange
from collector.settings import Settings
from collector.sources.base import Clock, FaultEpisodes

log = logging.getLogger(__name__)


def changelog_path(settings: Settings) -> Path:
    """The changelog lives in a directory of its own: Grafana mounts that directory (it must see the rollback
    journal) and nothing else of the data directory, such as the Viessmann token cache."""
    return settings.data_dir / "changelog" / "changelog.sqlite"


class ChangeTracker:
    def __init__(self, settings: Settings, *, clock: Clock = time.time) -> None:
        self.tz = settings.tz
        self.clock = clock
        self.store = ChangelogStore(changelog_path(settings))  # raises ChangelogFileError for unusable files
        self._last: dict[str, tuple[str, dict[str, Value]] | None] = {}
        self._unwritten: dict[str, tuple[str, float]] = {}  # device -> (hash, first seen) of a failed write
        self._without_settings: set[str] = set()  # devices already reported to carry no settings (logged once)
        self.faults = FaultEpisodes(log, "changelog", clock)
        self._lock = threading.Lock()  # the Viessmann worker observes while the main thread may add notes

    def observe(self, device_id: str, features: Sequence[Mapping[str, Any]], at: float) -> list[Change]:
        """Record what changed in the configuration of ``device_id`` in this response, fetched at ``at``.

        Never raises for a database fault (locked, disk full): it is logged once per episode and the change is
        recorded by a later poll, still with the time it was first seen.
        """
        with self._lock:
            try:
                stored = self._observe(device_id, features, at)
            except sqlite3.Error as error:
                self.faults.fault("write", f"cannot write the changelog ({error}); retrying with the next poll")
                return []
            self.faults.recovered()
        for change in stored:
            log.info("changelog: %s", change.text, extra={"device": device_id, "change_kind": change.kind})
        return stored

    def _observe(self, device_id: str, features: Sequence[Mapping[str, Any]], at: float) -> list[Change]:
        if device_id not in self._last:
            self._last[device_id] = self.store.last_snapshot(device_id)
        last = self._last[device_id]
        previous = {key: value for key, value in last[1].items() if is_tracked(key)} if last else {}
        found = build_snapshot(features, known_circuits=circuits_of(previous))
        snapshot = {**previous, **found}  # settings absent from this response keep their last value
        digest = snapshot_hash(snapshot)
        if last is not None and digest == last[0]:
            return []
        if last is None:
            if not found:
                # a split unit's outdoor unit (Vitocal 200-A) never carries settings: say so once, not every poll
                if device_id not in self._without_settings:
                    self._without_settings.add(device_id)
                    log.warning("changelog: no configuration in the features of device %s, nothing recorded", device_id)
                return []
            changes = [NewChange("baseline", describe_baseline(snapshot), ("baseline",))]
        else:
            # A setting this version tracks but the stored snapshot's version did not (no key of that field at all)
            # is folded in silently: an upgrade is not a change of the heat pump's configuration.
            fields_before = {split_key(key)[1] for key in previous}
            changes = [
                NewChange("change", describe_change(key, old, new), change_tags(key), *key.split("/", 1), old, new)
                for key, old, new in diff(previous, snapshot)
                if key in previous or split_key(key)[1] in fields_before
            ]
        pending = self._unwritten.get(device_id)
        seen = pending[1] if pending and pending[0] == digest else at
        self._unwritten[device_id] = (digest, seen)
        stored = self.store.record(
            time=int(seen),
            time_local=self._local(seen),
            changes=changes,
            device_id=device_id,
            snapshot=(digest, canonical_json(snapshot)),
        )
        del self._unwritten[device_id]
        self._last[device_id] = (digest, snapshot)
        return stored

    def add_note(self, text: str, at: float | None = None, tags: list[str] | None = None) -> Change:
        """A manual entry shown like a change, tagged ``note`` (plus ``tags``)."""
        text = " ".join(text.split())
        if not text:
            raise ValueError("a note needs some text")
        when = self.clock() if at is None else at
        extra = [tag.strip() for value in tags or [] for tag in value.split(",") if tag.strip()]
        note = NewChange("note", text, tuple(dict.fromkeys(("note", *extra))))
        with self._lock:
            (stored,) = self.store.record(time=int(when), time_local=self._local(when), changes=[note])
        return stored

    def _local(self, at: float) -> str:
        return datetime.fromtimestamp(at, self.tz).strftime("%Y-%m-%d %H:%M")

    def close(self) -> None:
        with self._lock:
            self.store.close()
