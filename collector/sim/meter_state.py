"""The simulated meter's counters across collector restarts: a real Pro 3EM keeps counting while the collector is
down, so the simulated one must not restart from the captured device's reading each time (issue 12).

The counters are saved in the data directory once per simulated minute (when the emulator completes one) and on
close; a new simulation starts them where the saved ones ended. After a crash they resume up to a minute behind
the last stored reading: a drop the counter rule books from the power samples, never as energy.
"""

from __future__ import annotations

import json
import logging
import math
import os
from pathlib import Path

log = logging.getLogger(__name__)

STATE_FILE = "sim_meter.json"
Counters = list[list[float]]  # per phase a, b, c: [imported Wh, exported Wh]


class MeterStateFile:
    def __init__(self, directory: Path) -> None:
        self.path = directory / STATE_FILE
        self._failed = False

    def load(self) -> Counters | None:
        if not self.path.exists():
            return None
        try:
            counters = json.loads(self.path.read_text())["counters"]
            if len(counters) == 3 and all(
                len(pair) == 2 and all(isinstance(v, int | float) and math.isfinite(v) and v >= 0 for v in pair)
                for pair in counters
            ):
                return [[float(v) for v in pair] for pair in counters]
            raise ValueError("expected three [imported, exported] pairs of finite non-negative Wh")
        except (OSError, ValueError, KeyError, TypeError) as error:
            log.error("simulation: meter state %s is unreadable (%s); the meter starts afresh", self.path, error)
            return None

    def save(self, counters: Counters) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text(json.dumps({"counters": counters}))
            os.replace(tmp, self.path)
        except OSError as error:
            if not self._failed:  # once, not every simulated minute
                log.error("simulation: cannot save the meter state to %s (%s)", self.path, error)
            self._failed = True
        else:
            self._failed = False
