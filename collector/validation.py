"""Validation at the edge: what a device sends is checked against the schema contract before it becomes a point.

The rules live in ``collector/schema.py`` (``PLAUSIBLE`` ranges in the field's unit, ``TIME_WINDOW``,
``DEVICE_TAG_PATTERN``); this module applies them. A rejected value is dropped on its own — never the rest of
the poll — counted per reason in ``Rejections`` (health fields, the System health dashboard) and logged once
per episode, not once per value.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import re
from collections import Counter
from collections.abc import Hashable, Iterable
from datetime import UTC, datetime

from collector import schema
from collector.points import Point, time_ns

_DEVICE_TAG = re.compile(schema.DEVICE_TAG_PATTERN)
_PRINTABLE_TAG = re.compile(r"[^\x00-\x1f\x7f]{1,256}")


class Rejected(ValueError):
    """One device value that must not be written; ``reason`` is one of ``schema.REJECT_REASONS``."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def number(value: object, where: str) -> float:
    """A finite float, or ``Rejected("malformed")``: bools, strings, containers, NaN and huge integers are not."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Rejected("malformed", f"{where}={_short(value)} is not a number")
    try:
        result = float(value)
    except OverflowError:
        raise Rejected("malformed", f"{where}={_short(value)} is too large for a number") from None
    if not math.isfinite(result):
        raise Rejected("malformed", f"{where}={_short(value)} is not finite")
    return result


def check(measurement: str, field: str, value: float, where: str) -> float:
    """``value`` when it lies in the field's plausibility range (or the field has none); else ``Rejected``."""
    if not math.isfinite(value):
        raise Rejected("malformed", f"{where}={value!r} is not finite")
    bounds = schema.plausible(measurement, field)
    if bounds is not None and not bounds.admits(value):
        unit = schema.unit_of(measurement, field)
        raise Rejected(
            "implausible", f"{where}={value!r} {unit} lies outside the plausible {bounds.low:g} .. {bounds.high:g}"
        )
    return value


def in_window(at: datetime | float, now: float) -> bool:
    """Whether a device timestamp lies in ``schema.TIME_WINDOW`` around the collector's clock ``now``."""
    seconds = at.timestamp() if isinstance(at, datetime) else at
    before, after = schema.TIME_WINDOW
    return now - before <= seconds <= now + after


def device_tag(value: object) -> str | None:
    """``value`` when it is usable as a device tag (``schema.DEVICE_TAG_PATTERN``), else None."""
    return value if isinstance(value, str) and _DEVICE_TAG.fullmatch(value) else None


def text(value: object, where: str, limit: int = 200) -> str:
    """A short printable string (a mode, a program, a valve position), or ``Rejected("malformed")``."""
    if not isinstance(value, str) or not _PRINTABLE_TAG.fullmatch(value) or len(value) > limit:
        raise Rejected("malformed", f"{where}={_short(value)} is not a short text")
    return value


def _short(value: object) -> str:
    if isinstance(value, int) and abs(value) >= 10**30:  # str() of a huge integer is slow or refused
        return f"<integer of {value.bit_length()} bits>"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


class Cumulative:
    """Guards the counters of ``schema.CUMULATIVE`` (starts, run hours): each value must follow the last one
    admitted — not lower, not risen faster than ``Rise`` allows for the time between their timestamps. A value
    that breaks the rule is rejected unless ``confirmations`` answers in a row agree on it (a replaced
    controller board restarts its counters). The first value after a start is taken as it comes."""

    def __init__(self, confirmations: int = 3) -> None:
        self.confirmations = confirmations
        self._base: dict[Hashable, tuple[float, float]] = {}  # key -> (value, unix time) admitted last
        self._odd: dict[Hashable, tuple[int, tuple[float, float]]] = {}  # key -> (answers in a row, newest)

    def admit(self, measurement: str, field: str, key: Hashable, value: object, at: float) -> None:
        """Remember ``value`` when it follows the last one (or is the first); else ``Rejected("implausible")``."""
        rise = schema.CUMULATIVE.get((measurement, field))
        if rise is None:
            return
        reading = (number(value, f"{measurement}.{field}"), at)
        base = self._base.get(key)
        count, newest = self._odd.get(key, (0, reading))
        count = count + 1 if count and _follows(newest, reading, rise) else 1
        if base is None or _follows(base, reading, rise) or count >= self.confirmations:
            self._base[key] = reading
            self._odd.pop(key, None)
            return
        self._odd[key] = (count, reading)
        raise Rejected(
            "implausible", f"{measurement}.{field}={reading[0]:g} does not follow {base[0]:g} (a cumulative counter)"
        )


def _follows(before: tuple[float, float], after: tuple[float, float], rise: schema.Rise) -> bool:
    hours = max(0.0, after[1] - before[1]) / 3600
    return before[0] <= after[0] <= before[0] + rise.per_hour * hours + rise.slack


class Rejections:
    """Rejected device values of one source: counted per reason, each reason logged once per episode.

    An episode of a reason lasts as long as consecutive polls reject something for it; ``poll_done`` ends the
    episodes that had no rejection in the poll just finished, with one line saying how many values it cost.
    """

    def __init__(self, logger: logging.Logger, source: str) -> None:
        self.logger, self.source = logger, source
        self.counts: Counter[str] = Counter()
        self._episodes: Counter[str] = Counter()
        self._this_poll: set[str] = set()

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def reject(self, reason: str, message: str, logged: bool = False) -> None:
        """Count one rejected value; ``logged``: its caller has already said so in its own words."""
        if reason not in schema.REJECT_REASONS:
            raise ValueError(f"unknown rejection reason {reason!r}")
        self.counts[reason] += 1
        self._this_poll.add(reason)
        if reason not in self._episodes and not logged:
            self.logger.warning(
                "%s: rejected device input (%s): %s; further ones are counted, not logged",
                self.source,
                reason,
                message,
                extra={"source": self.source, "fault": f"rejected:{reason}"},
            )
        self._episodes[reason] += 1

    def rejected(self, error: Rejected, logged: bool = False) -> None:
        self.reject(error.reason, str(error), logged)

    def poll_done(self) -> None:
        for reason in [r for r in self._episodes if r not in self._this_poll]:
            self.logger.info(
                "%s: no more %s device input (%d values rejected in that episode)",
                self.source,
                reason,
                self._episodes.pop(reason),
                extra={"source": self.source},
            )
        self._this_poll.clear()

    def screen(self, points: Iterable[Point], now: float) -> list[Point]:
        """The last check before points leave a source: timestamps in the window, tags printable, every
        numeric field plausible. A bad field is dropped from its point; a point without fields is dropped."""
        kept = []
        before, after = schema.TIME_WINDOW
        for p in points:
            if not time_ns(now - before) <= p.time_ns <= time_ns(now + after):
                self.reject("timestamp", f"{p.measurement} at {_iso(p.time_ns)} lies outside the window around now")
                continue
            if not all(_PRINTABLE_TAG.fullmatch(value) for _, value in p.tags):
                self.reject("malformed", f"{p.measurement}: a tag value is empty or holds control characters")
                continue
            fields = []
            for name, value in p.fields:
                if isinstance(value, int | float) and not isinstance(value, bool):
                    try:
                        check(p.measurement, name, float(value), f"{p.measurement}.{name}")
                    except Rejected as error:
                        self.rejected(error)
                        continue
                fields.append((name, value))
            if fields:
                kept.append(p if len(fields) == len(p.fields) else dataclasses.replace(p, fields=tuple(fields)))
        return kept


def _iso(ns: int) -> str:
    try:
        return datetime.fromtimestamp(ns / 1e9, UTC).isoformat()
    except (OverflowError, ValueError, OSError):
        return f"{ns} ns"
