"""HTTP RPC client of the Shelly Pro 3EM: one request at a time, short timeouts, optional SHA-256 digest auth.

Every failure surfaces as ``ShellyError`` with a ``kind`` the source turns into a fault episode and a health
state; the password never appears in messages.
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass
from typing import Any

import httpx

from collector.settings import Settings
from collector.sources.shelly.templates import PROFILES

PASSWORD_SETTING = "HPM_SHELLY_PASSWORD"
# httpx logs every request at INFO: 8640 lines a day at a 10 s period. Faults are logged by the source instead.
logging.getLogger("httpx").setLevel(logging.WARNING)


class ShellyError(Exception):
    """A failed exchange with the device. kind: timeout, network, auth, rate_limited, http, payload."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


class PayloadError(ShellyError):
    """The device answered, but with something that is not a valid reading."""

    def __init__(self, message: str) -> None:
        super().__init__("payload", message)


@dataclass(frozen=True)
class DeviceInfo:
    id: str
    profile: str  # triphase or monophase
    auth_en: bool
    model: str | None = None
    ver: str | None = None
    channels: tuple[int, ...] = (0, 1, 2)  # em1 channels read (monophase); collector.sources.shelly.meter decides


class ShellyClient:
    def __init__(self, host: str, password: str | None, timeout: float) -> None:
        self.host = host
        self._has_password = password is not None
        self._http = httpx.Client(
            base_url=f"http://{host}",
            timeout=timeout,
            auth=httpx.DigestAuth("admin", password) if password is not None else None,
            # The device allows few connections and does not keep them alive.
            limits=httpx.Limits(max_connections=1, max_keepalive_connections=0),
            headers={"Connection": "close"},
        )
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings) -> ShellyClient:
        if settings.shelly_host is None:
            raise ValueError("HPM_SHELLY_HOST is not set (a simulated installation runs ShellyEmulator instead)")
        password = settings.shelly_password.get_secret_value() if settings.shelly_password else None
        return cls(settings.shelly_host, password, settings.shelly_timeout_seconds)

    def call(self, method: str, **params: Any) -> Any:
        """The result of ``GET /rpc/<method>?<params>``."""
        try:
            with self._lock:
                response = self._http.get(f"/rpc/{method}", params=params)
        except httpx.TimeoutException as error:
            raise ShellyError("timeout", f"{method}: no answer from {self.host} within the timeout") from error
        except (httpx.HTTPError, httpx.InvalidURL) as error:
            raise ShellyError(
                "network", f"{method}: {self.host} unreachable ({type(error).__name__}: {error})"
            ) from error
        if response.status_code == 401:
            hint = "wrong password" if self._has_password else "the device requires a password"
            raise ShellyError("auth", f"{method}: authentication failed (user admin, {hint}): check {PASSWORD_SETTING}")
        try:
            body = json.loads(response.content) if response.content else None
        except ValueError as error:
            if response.status_code == 200:
                raise PayloadError(f"{method}: malformed JSON ({error})") from error
            body = None
        code = body.get("code") if isinstance(body, dict) and response.status_code != 200 else None
        if response.status_code == 429 or code == 429:
            raise ShellyError("rate_limited", f"{method}: device answered 429 Too many requests")
        if response.status_code != 200:
            detail = body.get("message") if isinstance(body, dict) else response.reason_phrase
            raise ShellyError("http", f"{method}: HTTP {response.status_code} ({detail})")
        return body

    def device_info(self) -> DeviceInfo:
        info = self.call("Shelly.GetDeviceInfo")
        if not isinstance(info, dict) or not isinstance(info.get("id"), str):
            raise PayloadError("Shelly.GetDeviceInfo: no device id in the answer")
        profile = info.get("profile") or "triphase"  # firmware before 1.1.0 knows only triphase
        if profile not in PROFILES:
            raise PayloadError(f"Shelly.GetDeviceInfo: unsupported profile {profile!r}")
        device = DeviceInfo(info["id"], profile, bool(info.get("auth_en")), info.get("model"), info.get("ver"))
        if device.auth_en and not self._has_password:
            raise ShellyError("auth", f"{device.id} has authentication enabled: set {PASSWORD_SETTING}")
        return device

    def close(self) -> None:
        self._http.close()
