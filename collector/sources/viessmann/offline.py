"""An offline Viessmann API behind PyViCare's real OAuth manager, for tests and the simulated heat pump.

``OfflineOAuthManager`` subclasses PyViCare's ``AbstractViCareOAuthManager``; only the HTTP session is
replaced. Every request therefore runs through PyViCare's own response handling (rate limit, device
communication, server errors, expired token and re-login), its cache and its device classes. Faults are
answered with bodies shaped like the real API's (PyViCare ``tests/response/errors/*.json``).
"""

from __future__ import annotations

import copy
import json
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from PyViCare.PyViCareAbstractOAuthManager import API_BASE_URL, AbstractViCareOAuthManager

INSTALLATIONS_PATH = "/equipment/installations?includeGateways=true"
JSON = {"content-type": "application/json"}


class Fault(StrEnum):
    RATE_LIMIT = "rate_limit"  # 429 with extendedPayload.limitReset
    SERVER_ERROR = "server_error"  # 500 JSON body
    BAD_GATEWAY = "bad_gateway"  # 502 HTML page from the API gateway (non-JSON)
    DEVICE_OFFLINE = "device_offline"
    GATEWAY_OFFLINE = "gateway_offline"
    EXPIRED_TOKEN = "expired_token"
    NETWORK = "network"  # connection refused / DNS: an OSError in the session


class OfflineNetworkError(OSError):
    pass


@dataclass
class OfflineResponse:
    """What PyViCare reads from a ``requests`` response: status code, headers and the JSON body."""

    status_code: int
    body: Any
    headers: dict[str, str]

    def json(self) -> Any:
        if isinstance(self.body, str):
            return json.loads(self.body)  # raises like requests does for an HTML body
        return self.body


def fault_response(fault: Fault, *, limit_reset_ms: int = 0) -> OfflineResponse:
    """The API's answer to one failed call."""
    if fault is Fault.RATE_LIMIT:
        return OfflineResponse(
            429,
            {
                "viErrorId": "req-offline-429",
                "statusCode": 429,
                "errorType": "RATE_LIMIT_EXCEEDED",
                "message": "API calls rate limit has been exceeded. Please wait until your limit will renew.",
                "extendedPayload": {
                    "name": "ViCare day limit",
                    "requestCountLimit": 1450,
                    "limitReset": limit_reset_ms,
                },
            },
            JSON,
        )
    if fault is Fault.SERVER_ERROR:
        body = {"viErrorId": "req-offline-500", "statusCode": 500, "errorType": "INTERNAL_ERROR"}
        return OfflineResponse(500, {**body, "message": "Internal server error"}, JSON)
    if fault is Fault.BAD_GATEWAY:
        return OfflineResponse(502, "<html><body><h1>502 Bad Gateway</h1></body></html>", {"content-type": "text/html"})
    if fault in (Fault.DEVICE_OFFLINE, Fault.GATEWAY_OFFLINE):
        reason = "DEVICE_OFFLINE" if fault is Fault.DEVICE_OFFLINE else "GATEWAY_OFFLINE"
        return OfflineResponse(
            400,
            {
                "viErrorId": "req-offline-400",
                "statusCode": 400,
                "errorType": "DEVICE_COMMUNICATION_ERROR",
                "message": "Device communication error",
                "extendedPayload": {"httpStatusCode": "NotFound", "code": "404", "reason": reason},
            },
            JSON,
        )
    if fault is Fault.EXPIRED_TOKEN:
        return OfflineResponse(401, {"error": "EXPIRED TOKEN"}, JSON)
    raise ValueError(f"{fault} has no response body")


class OfflineSession:
    """Stands in for the authlib ``OAuth2Session``: answers the installations and features URLs."""

    def __init__(self, api: OfflineOAuthManager) -> None:
        self.api = api

    def get(self, url: str, timeout: float | None = None) -> OfflineResponse:
        return self.api.answer(url.removeprefix(API_BASE_URL))

    def post(self, url: str, data: Any, headers: dict[str, str] | None = None) -> OfflineResponse:
        self.api.calls.append(url.removeprefix(API_BASE_URL))
        return OfflineResponse(
            400, {"statusCode": 400, "errorType": "COMMAND_REJECTED", "extendedPayload": {"reason": "offline"}}, JSON
        )


@dataclass(frozen=True)
class OfflineDevice:
    """A further device on the same gateway (a split unit: the Vitocal 200-A's outdoor unit beside its controller)."""

    device_id: str
    model_id: str
    roles: tuple[str, ...]
    features: dict[str, Any]


class OfflineOAuthManager(AbstractViCareOAuthManager):
    """One installation with one gateway and one device whose features come from ``features``.

    ``features`` is a features response (``{"data": [...]}``, e.g. a fixture dump) or a callable producing one
    per call (simulation). ``fail_next`` queues faults that the next GETs answer with instead. ``more_devices``
    are listed after it on the same gateway, each answering its own features path.
    """

    def __init__(
        self,
        features: Callable[[], dict[str, Any]] | dict[str, Any],
        *,
        model_id: str,
        roles: list[str],
        installation_id: int = 1234567,
        gateway_serial: str = "7571381681420106",
        device_id: str = "0",
        status: str = "Online",
        more_devices: tuple[OfflineDevice, ...] = (),
    ) -> None:
        self.features = features
        self.more_devices = more_devices
        self.model_id, self.roles, self.status = model_id, list(roles), status
        self.installation_id, self.gateway_serial, self.device_id = installation_id, gateway_serial, device_id
        self.calls: list[str] = []
        self.renewals = 0
        self._faults: deque[tuple[Fault, int]] = deque()
        super().__init__(OfflineSession(self))  # type: ignore[arg-type]

    @property
    def features_path(self) -> str:
        return self._path(self.device_id)

    def _path(self, device_id: str) -> str:
        gateway = f"/features/installations/{self.installation_id}/gateways/{self.gateway_serial}"
        return f"{gateway}/devices/{device_id}/features/"

    def fail_next(self, fault: Fault, count: int = 1, *, limit_reset_ms: int = 0) -> None:
        """Answer the next ``count`` GETs with ``fault`` (``limit_reset_ms``: unix ms of the 429 reset)."""
        self._faults.extend([(fault, limit_reset_ms)] * count)

    def renewToken(self) -> None:
        self.renewals += 1

    def installations(self) -> dict[str, Any]:
        device = {
            "id": self.device_id,
            "modelId": self.model_id,
            "status": self.status,
            "deviceType": "heating",
            "roles": self.roles,
        }
        more = [
            {
                "id": d.device_id,
                "modelId": d.model_id,
                "status": self.status,
                "deviceType": "heating",
                "roles": list(d.roles),
            }
            for d in self.more_devices
        ]
        gateway = {"serial": self.gateway_serial, "devices": [device, *more]}
        return {"data": [{"id": self.installation_id, "gateways": [gateway]}]}

    def answer(self, path: str) -> OfflineResponse:
        self.calls.append(path)
        if self._faults:
            fault, reset_ms = self._faults.popleft()
            if fault is Fault.NETWORK:
                raise OfflineNetworkError("connection refused (offline fault)")
            return fault_response(fault, limit_reset_ms=reset_ms)
        if path == INSTALLATIONS_PATH:
            return OfflineResponse(200, self.installations(), JSON)
        if path == self.features_path:
            body = self.features() if callable(self.features) else copy.deepcopy(self.features)
            return OfflineResponse(200, body, JSON)
        for other in self.more_devices:
            if path == self._path(other.device_id):
                return OfflineResponse(200, copy.deepcopy(other.features), JSON)
        return OfflineResponse(404, {"statusCode": 404, "errorType": "NOT_FOUND", "message": f"no {path}"}, JSON)
