"""The counter rule: what energy an interval between two samples of a cumulative meter counter may book.

It cannot create energy. Per interval (booked at its first sample, only across gaps <= the sampling gap rule):
- a rise within the meter's physical bound (rated power x seconds) books the rise;
- a single sample below its neighbours (a field glitch of Shelly counters, any size) is skipped: the interval
  from the sample before it to the one after it books the rise across, so nothing extra and nothing lost;
- any other drop below the rounding tolerance is a reset (a reboot, a meter reset or profile switch, a counter
  that restarted anywhere, not only at 0): the interval books the energy the power sample at its start integrates
  to over the interval, never the new reading; a drop within the tolerance books nothing;
- a rise above the bound (a counter that jumped, a meter swapped for one with a larger counter) is clamped: it
  books the power integral as well.
Every glitch, reset and clamp is counted. Counters of different devices are separate series: the interval from the
old meter's last sample to the new one's first is not booked. The Flux task energy_minute.flux implements the same
rule; collector/metrics/energy.py applies this module to the stored points.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

from collector.schema import COUNTER_DROP_TOLERANCE_WH

NS = 1_000_000_000
EPSILON_WH = 1e-6  # float noise of two-decimal counters, not a drop


@dataclass(frozen=True)
class Booked:
    """One booked interval: at its first sample, the energy, the seconds it covers and what was detected."""

    t: int  # ns, first sample
    wh: float
    seconds: int
    reset: bool = False  # a drop: booked from power
    clamped: bool = False  # a rise above the bound: booked from power


@dataclass(frozen=True)
class CounterSample:
    t: int  # ns
    reading: float  # cumulative counter, Wh
    power: float | None  # W, the power sample taken with the reading (None: not sampled)


def glitches(series: Sequence[CounterSample]) -> set[int]:
    """Indices of samples below the one before them while the one after them is back at least where it was."""
    return {
        i
        for i in range(1, len(series) - 1)
        if series[i].reading < series[i - 1].reading - EPSILON_WH
        and series[i + 1].reading >= series[i - 1].reading - EPSILON_WH
    }


def max_interval_wh(max_power_w: float, seconds: float) -> float:
    return max_power_w * seconds / 3600.0


def book_interval(v0: float, v1: float, power_w: float | None, seconds: int, max_power_w: float) -> tuple[float, str]:
    """(Wh, what) for one interval: what is "", "reset" or "clamped"."""
    bound = max_interval_wh(max_power_w, seconds)
    from_power = min(max(power_w or 0.0, 0.0), max_power_w) * seconds / 3600.0
    rise = v1 - v0
    if rise < -COUNTER_DROP_TOLERANCE_WH:
        return from_power, "reset"
    if rise > bound:
        return from_power, "clamped"
    return max(rise, 0.0), ""


def book_counter(
    series: Sequence[CounterSample], start: int, max_gap_s: int, max_power_w: float
) -> tuple[list[Booked], list[int]]:
    """The booked intervals of one device's time-sorted counter series with t >= ``start`` and the times of the
    skipped glitch samples."""
    skipped = glitches(series)
    kept = [s for i, s in enumerate(series) if i not in skipped]
    booked = []
    for a, b in pairwise(kept):
        seconds = (b.t - a.t) // NS
        if a.t < start or seconds > max_gap_s:
            continue
        wh, what = book_interval(a.reading, b.reading, a.power, seconds, max_power_w)
        booked.append(Booked(a.t, wh, seconds, reset=what == "reset", clamped=what == "clamped"))
    return booked, [series[i].t for i in sorted(skipped) if series[i].t >= start]


def book_minute_record(wh: float, max_power_w: float) -> tuple[float, bool]:
    """A device's own 1-minute record (backfill): (Wh within [0, the bound of a minute], whether it was clamped)."""
    bounded = min(max(wh, 0.0), max_interval_wh(max_power_w, 60))
    return bounded, bounded != wh
