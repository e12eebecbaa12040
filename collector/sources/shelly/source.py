"""The Shelly Pro 3EM source: samples every poll period, detects resets and reboots, backfills sampling gaps."""

from __future__ import annotations

import logging
import math
import time
from pathlib import Path

from collector.points import Point, point
from collector.schema import COUNTER_DROP_TOLERANCE_WH, SHELLY_EVENT
from collector.settings import Settings
from collector.sources.base import Backoff, Clock, FaultEpisodes, SourceHealth
from collector.sources.shelly import meter, readings, templates
from collector.sources.shelly.backfill import fetch_minutes, iso, minute_start
from collector.sources.shelly.client import DeviceInfo, PayloadError, ShellyClient, ShellyError
from collector.sources.shelly.state import ShellyState, StateFile
from collector.validation import Rejections

log = logging.getLogger(__name__)

# any other fault: backoff
HEALTH_STATE = {"auth": "auth_failed", "rate_limited": "rate_limited", "unexpected": "failing"}
COUNTER_TOLERANCE_WH = COUNTER_DROP_TOLERANCE_WH  # counters have 2 decimals; a smaller drop is rounding
REBOOT_TOLERANCE_S = 60.0  # boot time = sample time - uptime wobbles by request latency and rounding
MAX_UPTIME_S = 100 * 365 * 86400.0  # anything longer is a corrupted answer, not an uptime
REPLACEMENT_CONFIRMATIONS = 3
PAGE_FAULTS_BEFORE_SKIP = 3  # polls in a row that found the same history page unreadable
# A heat pump's supply feeds nothing back: a phase whose export counter grows by more than this (well above
# rounding and standby noise) is metered with its current clamp the wrong way round, or shares its circuit with
# a generator. Either way imported energy misses that load and COP/JAZ read too high.
EXPORT_WARN_WH = 10.0


class ShellySource:
    """Implements ``collector.sources.base.Source`` for one Shelly Pro 3EM (``HPM_SHELLY_HOST``).

    Progress (last sample, counters, backfill ranges) is saved at the start of the next poll and on close,
    i.e. once the runtime has taken the previous poll's points: a crash re-fetches, it never skips.
    """

    name = "shelly"
    backfill_pages_per_poll = 30  # bounds one poll's duration; the rest follows in the next polls

    def __init__(self, settings: Settings, *, clock: Clock = time.time, state_dir: Path | None = None) -> None:
        self.settings = settings
        self.clock = clock
        self._client = ShellyClient.from_settings(settings)
        self._state_file = StateFile(state_dir or settings.data_dir)
        self._state = self._state_file.load()
        self._dirty = False
        self._device: DeviceInfo | None = None
        self._identified: DeviceInfo | None = None
        self._resolved: DeviceInfo | None = None
        self._metered: DeviceInfo | None = None
        self._health = SourceHealth()
        self._backoff = Backoff(settings.shelly_poll_seconds, settings.shelly_backoff_max_seconds)
        self._faults = FaultEpisodes(log, self.name, clock)
        self._backfill_faults = FaultEpisodes(log, f"{self.name} backfill", clock)
        self._state_faults = FaultEpisodes(log, f"{self.name} state", clock)
        self.rejections = Rejections(log, self.name)
        self._page_faults: tuple[int, int] | None = None  # backfill cursor and polls it was unreadable in a row
        self._new_device: tuple[str, int] | None = None  # another device id and how often it answered in a row
        self._export_seen: dict[str, float] = {}  # per phase: the lowest export counter seen in this run
        self._export_warned: set[str] = set()
        self._next_due = -math.inf

    @property
    def health(self) -> SourceHealth:
        return self._health

    def due(self, now: float) -> bool:
        return now >= self._next_due

    def poll(self) -> list[Point]:
        self._commit()
        try:
            points = self._sample()
        except Exception as error:  # a fault no check foresaw: this poll is lost, the source is not
            log.debug("shelly: unexpected failure", exc_info=error)
            self._failed(ShellyError("unexpected", f"unexpected {type(error).__name__} reading the device: {error}"))
            points = []
        self.rejections.poll_done()
        return points

    def _sample(self) -> list[Point]:
        try:
            if self._device is None:
                self._device = self._identify()
            now = self.clock()  # the moment the request goes out: what the device answers is its state then
            status = self._client.call("Shelly.GetStatus")
            if self._resolved is not self._device:  # the first status after identifying shows the meter's channels
                self._device = self._resolved = self._meter(status)
            device = self._device
            where = f"Shelly.GetStatus ({device.profile})"
            flat = readings.flatten_status(status, device.profile, device.channels)
            phases = readings.phases_of(device.profile, device.channels)
            values = readings.extract(readings.LIVE, flat, where, self.rejections.rejected, phases)
        except ShellyError as error:
            self._failed(error)
            return []
        device = self._device
        points = readings.to_points(values, device.id, now)
        points += self._events(values, status.get("sys"), now)
        self._note_gap(now)
        points += self._backfill(device)
        self._succeeded(now)
        return self.rejections.screen(points, now)

    def close(self) -> None:
        self._commit()
        self._client.close()

    # --- steps -----------------------------------------------------------------------------------------
    def _identify(self) -> DeviceInfo:
        device = self._client.device_info()
        if self._state.device not in (None, device.id) and not self._replacement_confirmed(device.id):
            message = f"Shelly.GetDeviceInfo: {device.id} answers instead of {self._state.device}"
            self.rejections.reject("device_id", f"{message}; taken as a replacement after {REPLACEMENT_CONFIRMATIONS}")
            raise PayloadError(message)
        self._new_device = None
        if self._state.device not in (None, device.id):
            log.warning("shelly: %s replaces %s; starting afresh", device.id, self._state.device)
            self._state = ShellyState()
        if device != self._identified:  # once, not after every reconnect
            log.info("shelly: %s (%s, firmware %s), profile %s", device.id, device.model, device.ver, device.profile)
            self._identified = device
        return device

    def _replacement_confirmed(self, device_id: str) -> bool:
        """A different device id replaces the known one (wiping its backfill ranges) only after it answered
        ``REPLACEMENT_CONFIRMATIONS`` identifications in a row: one garbled answer must not lose them."""
        count = self._new_device[1] + 1 if self._new_device and self._new_device[0] == device_id else 1
        self._new_device = (device_id, count)
        return count >= REPLACEMENT_CONFIRMATIONS

    def _meter(self, status: object) -> DeviceInfo:
        assert self._device is not None
        device = meter.resolve(self._device, status, self.settings.shelly_channel)
        if device.profile == "monophase" and device != self._metered:
            channels = ", ".join(f"em1:{i} as phase {readings.PHASES[i]}" for i in device.channels)
            log.info("shelly: %s meters the heat pump on %s (total = their sum)", device.id, channels)
            self._metered = device
        return device

    def _events(self, values: readings.Values, sys: object, now: float) -> list[Point]:
        """Counter resets, reboots and profile changes compared with the previous sample; a phase feeding back."""
        assert self._device is not None
        s = self._state
        energy = values[("shelly_energy", "total")]
        imported, exported = energy["imported"], energy["exported"]
        uptime = sys.get("uptime") if isinstance(sys, dict) else None
        valid_uptime = isinstance(uptime, int | float) and not isinstance(uptime, bool) and 0 <= uptime < MAX_UPTIME_S
        boot = now - uptime if valid_uptime else None
        counters = {"before": s.last_imported, "after": imported}
        events: list[tuple[str, str, dict[str, float | None]]] = []  # kind, message, fields
        if s.profile not in (None, self._device.profile):
            events.append(("profile_change", f"profile changed from {s.profile} to {self._device.profile}", counters))
        if (
            s.last_imported is not None
            and s.last_exported is not None
            and (imported < s.last_imported - COUNTER_TOLERANCE_WH or exported < s.last_exported - COUNTER_TOLERANCE_WH)
        ):
            message = f"energy counters dropped from {s.last_imported} to {imported} Wh"
            events.append(("counter_reset", message, counters))
        else:  # the totals held, but a phase counter may still have fallen (events compare each counter)
            phases = _phase_imports(values)
            dropped = [p for p, v in phases.items() if v < s.last_phases.get(p, v) - COUNTER_TOLERANCE_WH]
            if dropped:
                what = ", ".join(f"{p} from {s.last_phases[p]} to {phases[p]}" for p in dropped)
                events.append(("counter_reset", f"phase energy counters dropped: {what} Wh", counters))
        if boot is not None and s.last_boot is not None and boot > s.last_boot + REBOOT_TOLERANCE_S:
            events.append(("reboot", f"device rebooted (uptime {uptime:.0f} s)", counters))
        if export := self._export(values):
            events.append(export)
        for _, message, _ in events:
            log.warning("shelly: %s: %s", self._device.id, message)
        s.device, s.profile = self._device.id, self._device.profile
        s.last_imported, s.last_exported = imported, exported
        s.last_phases = _phase_imports(values)
        s.last_boot = boot if boot is not None else s.last_boot
        return [
            point(SHELLY_EVENT.name, {"device": self._device.id, "kind": kind}, {**f, "message": m}, readings.utc(now))
            for kind, m, f in events
        ]

    def _export(self, values: readings.Values) -> tuple[str, str, dict[str, float | None]] | None:
        """The first phase of this run whose export counter grew by ``EXPORT_WARN_WH``: one event per phase."""
        for (measurement, phase), fields in values.items():
            exported = fields.get("exported")
            if measurement != "shelly_energy" or phase == "total" or exported is None:
                continue
            first = self._export_seen[phase] = min(self._export_seen.get(phase, exported), exported)
            if exported - first < EXPORT_WARN_WH or phase in self._export_warned:
                continue
            self._export_warned.add(phase)
            power = values.get(("shelly_power", phase), {}).get("power")
            now_w = f", {power:.0f} W now" if power is not None else ""
            message = (
                f"phase {phase} fed {exported - first:.0f} Wh back since the collector started{now_w}. A heat pump "
                "feeds nothing back: its current clamp is probably the wrong way round (turn it, or set 'reverse' "
                "for this channel in the Shelly's settings), or a generator shares the circuit. Energy counts "
                "imported Wh only, so COP and JAZ read too high until this is fixed"
            )
            return "export", message, {"before": first, "after": exported}
        return None

    def _note_gap(self, now: float) -> None:
        s = self._state
        if s.last_sample is not None and now - s.last_sample > self.settings.shelly_backfill_gap_seconds:
            start, end = minute_start(s.last_sample), minute_start(now)
            if s.pending and s.pending[-1][1] >= start:
                s.pending[-1][1] = max(s.pending[-1][1], end)
            else:
                s.pending.append([start, end])
            log.info(
                "shelly: sampling gap %s .. %s: filling it from the device's 1-minute history", iso(start), iso(end)
            )
        s.last_sample = now
        self._dirty = True

    def _backfill(self, device: DeviceInfo) -> list[Point]:
        points: list[Point] = []
        pages = 0
        pending = self._state.pending
        try:
            while pending and pages < self.backfill_pages_per_poll:
                start, end = pending[0]
                for cursor, page in fetch_minutes(self._client, device, start, end, self.rejections.rejected):
                    points += page
                    pending[0][0] = cursor
                    pages += 1
                    if pages >= self.backfill_pages_per_poll:
                        break
                if pending[0][0] >= end:
                    pending.pop(0)
                    log.info("shelly: backfilled %s .. %s", iso(start), iso(end))
        except ShellyError as error:
            self._backfill_faults.fault(error.kind, f"backfill paused, retrying next poll: {error}")
            if error.kind == "payload" and pending:
                self._unreadable_page(pending[0], error)
        except Exception as error:  # never lose the live sample over the history
            log.debug("shelly: unexpected backfill failure", exc_info=error)
            self._backfill_faults.fault("unexpected", f"backfill paused: unexpected {type(error).__name__}: {error}")
        else:
            self._backfill_faults.recovered()
            self._page_faults = None
        return points

    def _unreadable_page(self, pending: list[int], error: ShellyError) -> None:
        """A page the device answers with garbage (malformed JSON) poll after poll is skipped after
        ``PAGE_FAULTS_BEFORE_SKIP`` polls: a stored corruption must not stop the backfill for good."""
        cursor = pending[0]
        count = self._page_faults[1] + 1 if self._page_faults and self._page_faults[0] == cursor else 1
        self._page_faults = (cursor, count)
        if count < PAGE_FAULTS_BEFORE_SKIP:
            return
        skip_to = min(pending[1], cursor + templates.PAGE_RECORDS * templates.RECORD_PERIOD)
        message = f"skipped device history {iso(cursor)} .. {iso(skip_to)}, unreadable in {count} polls: {error}"
        self.rejections.reject("history_skipped", message)
        pending[0] = skip_to
        if pending[0] >= pending[1]:
            self._state.pending.remove(pending)
        self._page_faults = None

    # --- bookkeeping -----------------------------------------------------------------------------------
    def _succeeded(self, now: float) -> None:
        self._faults.recovered()
        self._backoff.reset()
        self._health = SourceHealth(last_success=now, consecutive_failures=0, state="ok")
        period = self.settings.shelly_poll_seconds
        # Keep the cadence (no drift by request latency) unless we fell behind.
        self._next_due = self._next_due + period if self._next_due + period > now else now + period

    def _failed(self, error: ShellyError) -> None:
        level = logging.ERROR if error.kind == "auth" else logging.WARNING
        self._faults.fault(error.kind, str(error), level)
        delay = self._backoff.failure()
        self._device = None  # re-identify after the fault: the profile may have changed with a reboot
        self._health = SourceHealth(
            last_success=self._health.last_success,
            consecutive_failures=self._health.consecutive_failures + 1,
            state=HEALTH_STATE.get(error.kind, "backoff"),
            last_error=str(error),
        )
        self._next_due = self.clock() + delay

    def _commit(self) -> None:
        if not self._dirty:
            return
        try:
            self._state_file.save(self._state)
        except OSError as error:
            self._state_faults.fault("state", f"cannot save {self._state_file.path} ({error}): gaps may go unfilled")
        else:
            self._state_faults.recovered()
            self._dirty = False


def _phase_imports(values: readings.Values) -> dict[str, float]:
    return {phase: v["imported"] for (m, phase), v in values.items() if m == "shelly_energy" and phase != "total"}
