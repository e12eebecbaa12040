"""The ONE Viessmann API client: connects once, then exactly one features call per device per poll.

Every request goes through the call ledger's ``RecordingSession`` (checked against the budget, recorded
with its outcome). Each poll clears PyViCare's cache and fetches all features explicitly, then the
getters read that one response: with the cache cleared first, an error can never be answered from an
old cache, and the huge cache duration keeps any getter from fetching on its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PyViCare.PyViCare import PyViCare
from PyViCare.PyViCareAbstractOAuthManager import AbstractViCareOAuthManager
from PyViCare.PyViCareDeviceConfig import PyViCareDeviceConfig
from PyViCare.PyViCareHeatPump import HeatPump
from PyViCare.PyViCareUtils import PyViCareInvalidDataError

from collector.settings import Settings
from collector.sources.base import Clock
from collector.sources.viessmann.auth import CredentialsOAuthManager
from collector.sources.viessmann.budget import CallLedger, RecordingSession

CACHE_FOREVER = 10**9  # seconds; PyViCare compares timedelta.seconds (< 1 day), so the cache never expires
CONNECT_CALLS = 2  # installations + the features call of PyViCare's device auto-detection


@dataclass
class HeatPumpDevice:
    tag: str  # "<gateway serial>/<device id>", the device tag of every point
    model: str
    config: PyViCareDeviceConfig
    device: HeatPump


class ViessmannClient:
    def __init__(
        self,
        settings: Settings,
        ledger: CallLedger,
        clock: Clock,
        oauth_manager: AbstractViCareOAuthManager | None = None,
    ) -> None:
        self.settings, self.ledger, self.clock = settings, ledger, clock
        self.external_manager = oauth_manager
        self.devices: list[HeatPumpDevice] | None = None
        self.dropped_features = 0  # entries of the last features response that were not feature objects

    @property
    def connected(self) -> bool:
        return self.devices is not None

    def connect(self) -> list[HeatPumpDevice]:
        """Log in (if needed), list the installations and auto-detect the heat pumps."""
        self.ledger.check(CONNECT_CALLS)
        manager = self.external_manager or CredentialsOAuthManager(self.settings, self.ledger, self.clock)
        session = manager.oauth_session
        if isinstance(session, RecordingSession):  # a manager reused across restarts: record in our ledger
            session = session.inner
        manager.replace_session(RecordingSession(session, self.ledger, self.settings.viessmann_timeout_seconds))
        vicare = PyViCare()
        vicare.setCacheDuration(CACHE_FOREVER)
        vicare.initWithExternalOAuth(manager)
        found = []
        for config in vicare.devices:
            if config.getDeviceType() != "heating":
                continue
            device = config.asAutoDetectDevice()
            if isinstance(device, HeatPump):
                tag = f"{config.getConfig().serial}/{config.getId()}"
                found.append(HeatPumpDevice(tag, config.getModel(), config, device))
        if not found:
            raise PyViCareInvalidDataError("no heat pump in this Viessmann account")
        self.devices = found
        return found

    def refresh(self, heat_pump: HeatPumpDevice) -> list[dict[str, Any]]:
        """One features call; afterwards every getter of ``heat_pump.device`` reads this response."""
        service = heat_pump.config.service
        service.clear_cache()
        response = service.fetch_all_features(heat_pump.config.accessor)
        features = response.get("data") if isinstance(response, dict) else None
        if not isinstance(features, list):
            raise PyViCareInvalidDataError("features response without a list of features")
        # PyViCare's getters scan the whole list: one entry that is not a feature object would fail them all.
        # The getters read this very object (the cache), so the sanitised list is what they see.
        usable = [f for f in features if isinstance(f, dict) and isinstance(f.get("feature"), str)]
        response["data"] = usable
        self.dropped_features = len(features) - len(usable)
        return list(usable)

    def disconnect(self) -> None:
        """Forget the session: the next poll logs in and detects the devices again."""
        self.devices = None
