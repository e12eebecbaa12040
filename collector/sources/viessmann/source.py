"""The Viessmann source: polls the heat pump within the API budget and turns features into contract points."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import requests
from PyViCare.PyViCareAbstractOAuthManager import AbstractViCareOAuthManager
from PyViCare.PyViCareUtils import (
    PyViCareDeviceCommunicationError,
    PyViCareInternalServerError,
    PyViCareInvalidDataError,
    PyViCareNotSupportedFeatureError,
    PyViCareRateLimitError,
)

from collector.points import Point
from collector.schema import HP_COMPRESSOR, TAG_COMPRESSOR, TAG_DEVICE
from collector.settings import Settings
from collector.sources.base import Backoff, Clock, FaultEpisodes, SourceHealth
from collector.sources.viessmann.auth import AuthFailed
from collector.sources.viessmann.budget import DAY, BudgetExhausted, CallLedger, RateLimited
from collector.sources.viessmann.client import HeatPumpDevice, ViessmannClient
from collector.sources.viessmann.extract import (
    DeviceReadout,
    Reading,
    UnknownUnit,
    Watermarks,
    components,
    newest_feature_time,
    read_device,
    read_errors,
    read_messages,
    to_points,
)
from collector.sources.viessmann.metrics import METRIC_NAMES, Component
from collector.validation import Cumulative, Rejected, Rejections, in_window

log = logging.getLogger(__name__)
logging.getLogger("PyViCare").setLevel(logging.INFO)  # PyViCare logs tokens and whole responses at DEBUG

OnFeatures = Callable[[str, list[dict[str, Any]], float], None]
FAULT_BACKOFF_MAX = 3600.0  # offline gateways and server errors: every retry costs a call
AUTH_BACKOFF = (3600.0, 12 * 3600.0)  # a rejected login is retried after hours, not seconds
RATE_LIMIT_MIN_WAIT, RATE_LIMIT_MAX_WAIT = 60.0, DAY + 3600.0  # guards against absurd reset times
STALE_AFTER_MIN = 1800.0
LOGINS_PER_DAY = 24 * 2  # password tokens live about an hour; a login is two IAM calls
_API_FAULTS = (
    PyViCareInternalServerError,
    PyViCareInvalidDataError,
    PyViCareNotSupportedFeatureError,  # PACKAGE_NOT_PAID_FOR without a cache
    requests.RequestException,
    OSError,
)


class ViessmannSource:
    name = "viessmann"

    def __init__(
        self,
        settings: Settings,
        *,
        clock: Clock = time.time,
        oauth_manager: AbstractViCareOAuthManager | None = None,
        on_features: OnFeatures | None = None,
    ) -> None:
        self.settings, self.clock, self.on_features = settings, clock, on_features
        self.poll_seconds = settings.viessmann_effective_poll_seconds
        self.ledger = CallLedger.for_settings(settings, clock)
        self.client = ViessmannClient(settings, self.ledger, clock, oauth_manager)
        self.support: dict[str, DeviceReadout] = {}
        self._logged_problems: set[tuple[str, str]] = set()
        self._health = SourceHealth()
        self._episodes = FaultEpisodes(log, self.name, clock)
        self.rejections = Rejections(log, self.name)
        self._cumulative = Cumulative()
        self._backoff = Backoff(self.poll_seconds, max(FAULT_BACKOFF_MAX, self.poll_seconds))
        self._auth_backoff = Backoff(*AUTH_BACKOFF)
        self._watermarks = Watermarks()
        self._rated_power_done: set[str] = set()
        self._next_attempt = clock()
        logins = 0 if oauth_manager is not None else LOGINS_PER_DAY
        expected = round(DAY / self.poll_seconds) + logins
        log.info(
            "viessmann: polling every %.0f s: about %d calls per day (%d polls, %d login calls) of %d allowed "
            "(%.0f %% of %d/24 h; %d of %d/10 min)",
            self.poll_seconds,
            expected,
            expected - logins,
            logins,
            self.ledger.budget.per_day,
            settings.viessmann_budget_share * 100,
            settings.viessmann_calls_per_day,
            self.ledger.budget.per_10min,
            settings.viessmann_calls_per_10min,
        )

    @property
    def health(self) -> SourceHealth:
        return self._health

    def budget_status(self) -> dict[str, int]:
        return self.ledger.status()

    def due(self, now: float) -> bool:
        if now < self._next_attempt:
            return False
        blocked = self.ledger.blocked_until(now)
        if blocked is not None:
            self._next_attempt = blocked
            return False
        calls = len(self.client.devices) if self.client.devices is not None else 2
        if not self.ledger.allows(calls, now):
            self._next_attempt = self.ledger.next_allowed(calls, now)
            return False
        return True

    def poll(self) -> list[Point]:
        now = self.clock()
        self._next_attempt = now + self.poll_seconds
        readings: list[Reading] = []
        try:
            devices = self.client.devices if self.client.devices is not None else self._connect()
            newest = [self._poll_device(heat_pump, readings) for heat_pump in devices]
        except Exception as error:  # poll never raises for API faults: _failed classifies them
            self._failed(error, now)
        else:
            self._succeeded(min(newest), now)
        points = self.rejections.screen(self._points(readings), now)
        self.rejections.poll_done()
        return points

    def close(self) -> None:
        self.ledger.close()

    # --- internals -----------------------------------------------------------------------------------
    def _points(self, readings: list[Reading]) -> list[Point]:
        try:
            return to_points(readings)
        except Exception:
            points = []
            for reading in readings:
                try:
                    points += to_points([reading])
                except Exception as error:
                    self.rejections.reject("malformed", f"{reading.measurement}.{reading.field}: {error}")
            return points

    def _connect(self) -> list[HeatPumpDevice]:
        devices = self.client.connect()
        for heat_pump in devices:
            log.info("viessmann: found heat pump %s (%s)", heat_pump.model, heat_pump.tag)
        self._fit_period_to(len(devices))
        return devices

    def _fit_period_to(self, devices: int) -> None:
        """Each poll costs one features call per device. The period derived from the budget assumes one: a split
        unit (Vitocal 200-A: system controller and outdoor unit) would spend the day's share by noon and then get
        nothing for half a day. The derived period grows with the devices; a configured period is kept."""
        period = self.settings.viessmann_effective_poll_seconds * max(1, devices)
        if self.settings.viessmann_poll_seconds is not None or period == self.poll_seconds:
            return
        self.poll_seconds = period
        self._backoff.base = period
        self._next_attempt = max(self._next_attempt, self.clock() + period)
        if devices > 1:
            log.info(
                "viessmann: %d devices, one features call each per poll: polling every %.0f s (about %d calls a day)",
                devices,
                period,
                round(DAY / period) * devices,
            )

    def _poll_device(self, heat_pump: HeatPumpDevice, readings: list[Reading]) -> float:
        """Fetch and read one device; returns the unix time of its newest feature (for the staleness check)."""
        features = self.client.refresh(heat_pump)
        fetched_at = self.clock()
        if self.client.dropped_features:
            self.rejections.reject("malformed", f"{self.client.dropped_features} features response entries left out")
        if self.on_features is not None:
            try:
                self.on_features(heat_pump.tag, features, fetched_at)
            except Exception:
                log.exception("viessmann: the features consumer failed (the poll itself went on)")
        readout = read_device(heat_pump.device, heat_pump.tag)
        if heat_pump.tag not in self.support:
            self.support[heat_pump.tag] = readout
            self._log_support(heat_pump, readout)
        self._log_problems(heat_pump, readout)
        readings.extend(self._watermarks.fresh(self._counters_up(self._in_window(readout.readings, fetched_at))))
        readings.extend(self._rated_power_from_settings(heat_pump, readout, fetched_at))
        errors = read_errors(heat_pump.device, heat_pump.tag, readout.rejected)
        if errors is not None and self._in_window([errors[0]], fetched_at):
            readings.extend(self._watermarks.errors(heat_pump.tag, *errors))
        for kind, (at, listed) in read_messages(heat_pump.device, readout.rejected).items():
            if self._in_window([at], fetched_at):
                readings.extend(self._watermarks.messages(heat_pump.tag, kind, at, listed))
        for rejected in readout.rejected:  # an unknown unit was logged with its feature by _log_problems
            self.rejections.rejected(rejected, logged=isinstance(rejected, UnknownUnit))
        return newest_feature_time(features, fetched_at)

    def _counters_up(self, readings: list[Reading]) -> list[Reading]:
        """The readings of cumulative counters (starts, run hours) that follow the last ones (validation.Cumulative)."""
        kept = []
        for reading in readings:
            key = (reading.measurement, reading.tags, reading.field)
            try:
                self._cumulative.admit(reading.measurement, reading.field, key, reading.value, reading.at.timestamp())
            except Rejected as error:
                self.rejections.rejected(error)
            else:
                kept.append(reading)
        return kept

    def _in_window(self, items: list[Any], now: float) -> list[Any]:
        """Readings (or times) whose feature timestamp lies in the window around the clock: one from the
        future would hold its series' watermark until a restart, year 9999 cannot even be stored."""
        kept = []
        for item in items:
            at = item.at if isinstance(item, Reading) else item
            if in_window(at, now):
                kept.append(item)
            else:
                what = f"{item.measurement}.{item.field}" if isinstance(item, Reading) else "device.messages"
                self.rejections.reject("timestamp", f"{what}: feature timestamp {at.isoformat()} is not around now")
        return kept

    def _rated_power_from_settings(
        self, heat_pump: HeatPumpDevice, readout: DeviceReadout, fetched_at: float
    ) -> list[Reading]:
        """Record the configured rated power once per run when the device does not report one."""
        rated = self.settings.viessmann_rated_power_kw
        if rated is None or "compressor.rated_power" in readout.supported or heat_pump.tag in self._rated_power_done:
            return []
        self._rated_power_done.add(heat_pump.tag)
        at = datetime.fromtimestamp(fetched_at, UTC)
        return [
            Reading(
                HP_COMPRESSOR.name,
                tuple(sorted(((TAG_DEVICE, heat_pump.tag), (TAG_COMPRESSOR, str(cid))))),
                "rated_power",
                rated,
                at,
            )
            for cid, _ in components(heat_pump.device)[Component.COMPRESSOR]
        ]

    def _log_support(self, heat_pump: HeatPumpDevice, readout: DeviceReadout) -> None:
        log.info(
            "viessmann: %s (%s) supports %d metrics: %s; not supported: %s",
            heat_pump.model,
            heat_pump.tag,
            len(readout.supported),
            _compact(sorted(readout.supported)),
            _compact(readout.unsupported) or "none",
        )

    def _log_problems(self, heat_pump: HeatPumpDevice, readout: DeviceReadout) -> None:
        """Each refused value (unknown unit) once per run, with the feature it came from."""
        for name, problem in readout.problems.items():
            if (heat_pump.tag, problem) not in self._logged_problems:
                self._logged_problems.add((heat_pump.tag, problem))
                log.warning("viessmann: %s skipped: %s", name, problem)

    def _succeeded(self, newest_feature: float, now: float) -> None:
        self._backoff.reset()
        self._auth_backoff.reset()
        self._health.last_success = now
        self._health.consecutive_failures = 0
        self._health.last_error = None
        stale_after = max(STALE_AFTER_MIN, 3 * self.poll_seconds)
        if now - newest_feature > stale_after:
            self._health.state = "stale"
            since = datetime.fromtimestamp(newest_feature, UTC).isoformat()
            self._episodes.fault("stale", f"the gateway has reported nothing new since {since}")
        else:
            self._health.state = "ok"
            self._episodes.recovered()

    def _failed(self, error: Exception, now: float) -> None:
        health = self._health
        health.consecutive_failures += 1
        health.last_error = _message(error)
        blocked = self.ledger.blocked_until(now)
        if isinstance(error, PyViCareRateLimitError | RateLimited):
            until = self._rate_limit_until(error, now)
            health.state, self._next_attempt = "rate_limited", until
            reset = datetime.fromtimestamp(until, UTC).isoformat()
            health.last_error = f"API rate limit reached: no call until {reset}"  # the API's text names the client id
            self._episodes.fault("rate_limited", health.last_error)
        elif blocked is not None:  # a 429 PyViCare could not parse (no usable limitReset): the ledger blocked it
            health.state, self._next_attempt = "rate_limited", blocked
            reset = datetime.fromtimestamp(blocked, UTC).isoformat()
            health.last_error = f"API rate limit reached (no usable reset time): no call until {reset}"
            self._episodes.fault("rate_limited", health.last_error)
        elif isinstance(error, BudgetExhausted):
            health.state, self._next_attempt = "backoff", self.ledger.next_allowed()
            resume = datetime.fromtimestamp(self._next_attempt, UTC).isoformat()
            self._episodes.fault("budget", f"{error}; next call at {resume}")
        elif isinstance(error, AuthFailed):
            self.client.disconnect()
            health.state, self._next_attempt = "auth_failed", now + self._auth_backoff.failure()
            self._episodes.fault("auth", f"{error}; next attempt in {self._next_attempt - now:.0f} s", logging.ERROR)
        elif isinstance(error, PyViCareDeviceCommunicationError):
            health.state, self._next_attempt = "backoff", now + self._backoff.failure()
            self._episodes.fault(f"offline:{error.reason}", f"{error.message}; retrying with backoff")
        elif isinstance(error, _API_FAULTS):
            health.state, self._next_attempt = "backoff", now + self._backoff.failure()
            self._episodes.fault(type(error).__name__, f"API call failed: {health.last_error}; retrying with backoff")
        else:
            health.state, self._next_attempt = "failing", now + self._backoff.failure()
            self._episodes.fault("unexpected", f"unexpected {type(error).__name__}: {health.last_error}", logging.ERROR)
            log.debug("viessmann: unexpected failure", exc_info=error)

    def _rate_limit_until(self, error: PyViCareRateLimitError | RateLimited, now: float) -> float:
        if isinstance(error, RateLimited):
            return error.until
        reset = error.limitResetDate.replace(tzinfo=UTC).timestamp()  # PyViCare gives naive UTC
        until = min(max(reset, now + RATE_LIMIT_MIN_WAIT), now + RATE_LIMIT_MAX_WAIT)
        self.ledger.block(until, "HTTP 429")
        return until


def _message(error: Exception) -> str:
    """What went wrong in words: PyViCare's exceptions keep it in ``message`` (their str() is a tuple)."""
    message = getattr(error, "message", None)
    return message if isinstance(message, str) and message else str(error)[:300]


def _compact(names: list[str]) -> str:
    """Metric names with whole groups folded: energy.heat.dhw.* instead of its six fields."""
    groups: dict[str, list[str]] = {}
    for name in names:
        groups.setdefault(name.rsplit(".", 1)[0], []).append(name)
    out = []
    for prefix, members in groups.items():
        whole = {n for n in METRIC_NAMES if n.rsplit(".", 1)[0] == prefix}
        out.append(f"{prefix}.*" if len(members) > 2 and set(members) == whole else ", ".join(members))
    return ", ".join(out)
