"""Filling sampling gaps from the device's own 1-minute history (EMData.GetData, ~60 days, paged).

Record ts is the start of its minute and the counters move when a minute completes, so the records with
``start <= ts < end`` hold exactly the energy counted between two samples taken in the minutes ``start`` and
``end``. Points carry the device's record timestamps and values: re-running writes the same points.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from tqdm import tqdm

from collector import validation
from collector.points import Point
from collector.settings import Settings
from collector.sources.base import Clock, Sink
from collector.sources.shelly import readings, templates
from collector.sources.shelly.client import DeviceInfo, PayloadError, ShellyClient, ShellyError

log = logging.getLogger(__name__)

MINUTE = templates.RECORD_PERIOD


def minute_start(t: float) -> int:
    return int(t // MINUTE) * MINUTE


def _minute_ceil(t: float) -> int:
    return -int(-t // MINUTE) * MINUTE


def iso(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).isoformat()


def fetch_minutes(
    client: ShellyClient, device: DeviceInfo, start: int, end: int, reject: readings.Reject | None = None
) -> Iterator[tuple[int, list[Point]]]:
    """Page the records with start <= ts < end; yields (next ts still to fetch, points of this page).

    Monophase and two-channel meters page each em1data:N separately; a window is taken only as far as every
    channel's page reaches, so the pages always cover the same minutes. A page that does not parse is asked for
    again at once; the second time its unusable minutes are left out, or the page skipped when its structure is
    broken (stored that way, asking again cannot help), and reported to ``reject``: the cursor never sticks.
    """
    ids = ids_of(device)
    if device.profile == "triphase":
        method, keys = "EMData.GetData", templates.RECORD_KEYS
    else:
        method, keys = "EM1Data.GetData", templates.MONO_RECORD_KEYS
    cursor = start
    while cursor < end:
        for attempt in (1, 2):
            results = [client.call(method, id=i, ts=cursor, end_ts=end - MINUTE) for i in ids]
            horizon = cursor
            try:
                horizon = _horizon(results, cursor, end)
                lenient = reject if attempt == 2 else None  # first time any bad minute means: ask again
                points = _window_points(device, method, keys, results, cursor, horizon, lenient)
                break
            except PayloadError as error:
                if attempt == 2:
                    message = f"skipped device history {iso(cursor)} .. {iso(horizon + MINUTE)}: {error}"
                    if reject is None:
                        log.warning("shelly: %s", message)
                    else:  # counted and logged once per episode
                        reject(validation.Rejected("history_skipped", message))
                    points = []
        cursor = max(horizon + MINUTE, cursor + MINUTE)
        yield cursor, points


def _horizon(results: list[Any], cursor: int, end: int) -> int:
    """Last record ts of this window: as far as every channel's page reaches (``next_record_ts`` - 1 min)."""
    horizon = end - MINUTE
    for result in results:
        next_ts = result.get("next_record_ts") if isinstance(result, dict) else None
        if next_ts is None:
            continue
        if isinstance(next_ts, bool) or not isinstance(next_ts, int | float) or not cursor < next_ts < 2**40:
            raise PayloadError(f"next_record_ts={next_ts!r} does not lie after {cursor}")
        horizon = min(horizon, int(next_ts) - MINUTE)
    return horizon


def _window_points(
    device: DeviceInfo,
    method: str,
    keys: tuple[str, ...],
    results: list[Any],
    cursor: int,
    horizon: int,
    reject: readings.Reject | None = None,
) -> list[Point]:
    merged: dict[int, dict[str, Any]] = {}
    for component, result in zip(ids_of(device), results, strict=True):
        prefix = "" if device.profile == "triphase" else f"{readings.PHASES[component]}_"
        for ts, record in readings.parse_records(result, keys, f"{method}(id={component}, ts={cursor})", reject):
            if cursor <= ts <= horizon:
                merged.setdefault(ts, {}).update({prefix + k: v for k, v in record.items()})
    points: list[Point] = []
    phases = readings.phases_of(device.profile, device.channels)
    for ts, flat in sorted(merged.items()):
        if device.profile == "triphase" or _complete(flat, phases):
            try:
                values = readings.extract(readings.MINUTE, flat, f"{method} record {iso(ts)}", reject, phases)
            except PayloadError as error:
                if reject is None:
                    raise
                reason = getattr(error.__cause__, "reason", "malformed")
                reject(validation.Rejected(reason, f"minute left out: {error}"))  # one minute, not the page
                continue
            points.extend(readings.to_points(values, device.id, ts))
    return points


def ids_of(device: DeviceInfo) -> tuple[int, ...]:
    """The component ids whose history is paged: emdata:0, or the em1data channels read."""
    return (0,) if device.profile == "triphase" else device.channels


def _complete(flat: dict[str, Any], phases: tuple[str, ...]) -> bool:
    """A monophase minute is used only when every channel read has a record for it."""
    return all(f"{p}_total_act_energy" in flat for p in phases)


class BackfillInterrupted(ShellyError):
    """The device failed mid-range; everything before ``resume_at`` was written."""

    def __init__(self, error: ShellyError, resume_at: int, written: int) -> None:
        super().__init__(error.kind, f"{error} (stopped at {iso(resume_at)} after {written} points)")
        self.resume_at, self.written = resume_at, written


def backfill(
    settings: Settings,
    since: datetime,
    until: datetime,
    sink: Sink,
    *,
    progress: bool = False,
    clock: Clock = time.time,
) -> int:
    """Write the 1-minute records of [since, until) (clipped to completed minutes) to ``sink``; returns points."""
    start, end = _minute_ceil(since.timestamp()), min(_minute_ceil(until.timestamp()), minute_start(clock()))
    client = ShellyClient.from_settings(settings)
    written, cursor = 0, start
    try:
        device = client.device_info()
        with tqdm(total=max(0, (end - start) // MINUTE), unit="min", disable=not progress) as bar:
            for cursor_after, points in fetch_minutes(client, device, start, end):
                if points:
                    sink(points)
                    written += len(points)
                bar.update((cursor_after - cursor) // MINUTE)
                cursor = cursor_after
    except ShellyError as error:
        raise BackfillInterrupted(error, cursor, written) from error
    finally:
        client.close()
    return written
