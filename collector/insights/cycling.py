"""The short-cycling hint: said only when the season's data shows it, with its numbers.

A 1 K outside-temperature bin (cycling_map) short-cycles when it holds at least ``MIN_HOURS`` of data, the
compressor starts at least ``STARTS_PER_HOUR`` times per hour there and runs less than ``RUN_MINUTES`` per start.
In mild weather the building needs less than the unit's lowest output; a heating curve above what the radiators
need (the thermostatic valves throttle) or a narrow hysteresis leaves too little buffer, so it cycles. The
dashboard computes the same rule in Flux (grafana/generator/cycling.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

MIN_HOURS = 3.0
STARTS_PER_HOUR = 1.5
RUN_MINUTES = 30.0


@dataclass(frozen=True)
class CyclingBin:
    outside_bin: int  # lower edge, °C
    hours: float
    starts: float
    run_hours: float

    @property
    def starts_per_hour(self) -> float:
        return self.starts / self.hours

    @property
    def run_minutes_per_start(self) -> float:
        return self.run_hours * 60 / self.starts if self.starts else self.run_hours * 60

    @property
    def short_cycling(self) -> bool:
        return (
            self.hours >= MIN_HOURS
            and self.starts_per_hour >= STARTS_PER_HOUR
            and self.run_minutes_per_start < RUN_MINUTES
        )


def hint(bins: Iterable[CyclingBin]) -> str | None:
    """The plain-language hint, or None when no bin short-cycles."""
    flagged = [b for b in bins if b.short_cycling]
    if not flagged:
        return None
    hours = sum(b.hours for b in flagged)
    starts = sum(b.starts for b in flagged)
    run_hours = sum(b.run_hours for b in flagged)
    low, high = min(b.outside_bin for b in flagged), max(b.outside_bin for b in flagged) + 1
    return (
        f"At {low:+d} to {high:+d} °C outside the compressor starts {starts / hours:.1f}×/h and runs "
        f"{run_hours * 60 / starts:.0f} min per start ({hours:.0f} h of data): the heating curve or the hysteresis "
        "is the likely cause; a lower curve lets it run longer."
    )
