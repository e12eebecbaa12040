"""What the Shelly source remembers across restarts: last sample, counters, boot time and ranges to backfill."""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)

STATE_FILE = "shelly_state.json"


@dataclass
class ShellyState:
    device: str | None = None
    profile: str | None = None
    last_sample: float | None = None  # unix s of the last successful sample (collector clock)
    last_imported: float | None = None  # total import counter then, Wh
    last_exported: float | None = None
    last_boot: float | None = None  # device boot time estimated as sample time - uptime
    last_phases: dict[str, float] = field(default_factory=dict)  # per phase import counter then, Wh
    pending: list[list[int]] = field(default_factory=list)  # [start, end) minute ranges still to backfill


class StateFile:
    """A small JSON file replaced atomically, so a crash leaves the old or the new state, never half of one."""

    def __init__(self, directory: Path) -> None:
        self.path = directory / STATE_FILE

    def load(self) -> ShellyState:
        if not self.path.exists():
            return ShellyState()
        try:
            data = json.loads(self.path.read_text())
            return ShellyState(**data)
        except (ValueError, TypeError) as error:
            log.error("shelly: state file %s is unreadable (%s); starting without backfill memory", self.path, error)
            return ShellyState()

    def save(self, state: ShellyState) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(state)))
        os.replace(tmp, self.path)
