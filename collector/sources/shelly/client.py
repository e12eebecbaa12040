"""HTTP RPC client of the Shelly Pro 3EM: one request at a time, short timeouts, optional SHA-256 digest auth.

Every failure surfaces as ``ShellyError`` with a ``kind`` the source turns into a fault episode and a health
state; the password never appears in messages.
"""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import threading
from dataclasses import dataclass
from typing import Any

import httpx

from collector import validation
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
        self._auth = lambda: httpx.DigestAuth("admin", password) if password is not None else None
        self.timeout = timeout
        self._http = httpx.Client(
            base_url=f"http://{host}",
            timeout=timeout,
            auth=self._auth(),
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
        """The result of ``GET /rpc/<method>?<params>``, within one deadline for the whole exchange."""
        try:
            with self._lock, Deadline(self.timeout) as deadline:
                try:
                    response = self._http.get(f"/rpc/{method}", params=params, extensions={"trace": deadline.trace})
                except Exception:
                    # httpx's digest auth answers every later request from the last challenge it saw: after a
                    # failed exchange, forget it, or one bad challenge would fail every request from now on.
                    self._http.auth = self._auth()
                    raise
        except (httpx.TimeoutException, httpx.HTTPError) as error:
            if isinstance(error, httpx.TimeoutException) or deadline.expired:
                raise ShellyError("timeout", f"{method}: no answer from {self.host} within the timeout") from error
            raise ShellyError(
                "network", f"{method}: {self.host} unreachable ({type(error).__name__}: {error})"
            ) from error
        except httpx.InvalidURL as error:
            raise ShellyError("network", f"{method}: {self.host} is not a usable address ({error})") from error
        except (KeyError, ValueError, TypeError, IndexError, NotImplementedError) as error:
            # httpx's digest auth raises these on challenges it cannot answer (unknown algorithm, qop=auth-int,
            # a malformed WWW-Authenticate header)
            raise ShellyError(
                "auth", f"{method}: cannot answer the device's authentication challenge ({type(error).__name__})"
            ) from error
        if response.status_code == 401:
            self._http.auth = self._auth()
            hint = "wrong password" if self._has_password else "the device requires a password"
            raise ShellyError("auth", f"{method}: authentication failed (user admin, {hint}): check {PASSWORD_SETTING}")
        try:
            body = json.loads(response.content) if response.content else None
        except (ValueError, RecursionError) as error:  # RecursionError: nested deeper than Python's stack
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
        if validation.device_tag(info["id"]) is None:
            raise PayloadError(f"Shelly.GetDeviceInfo: device id {info['id'][:40]!r} is not usable as a tag")
        profile = info.get("profile") or "triphase"  # firmware before 1.1.0 knows only triphase
        if not isinstance(profile, str) or profile not in PROFILES:
            raise PayloadError(f"Shelly.GetDeviceInfo: unsupported profile {profile!r}")
        model, ver = (value if isinstance(value, str) else None for value in (info.get("model"), info.get("ver")))
        device = DeviceInfo(info["id"], profile, info.get("auth_en") is True, model, ver)
        if device.auth_en and not self._has_password:
            raise ShellyError("auth", f"{device.id} has authentication enabled: set {PASSWORD_SETTING}")
        return device

    def close(self) -> None:
        self._http.close()


class Deadline:
    """One deadline for a whole exchange. httpx's timeout bounds each read, so a device trickling its answer
    byte by byte would hold a request for minutes; at the deadline this shuts the exchange's sockets down,
    which ends the blocked read at once."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.expired = False
        self._sockets: list[socket.socket] = []
        self._guard = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def __enter__(self) -> Deadline:
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()

    def trace(self, event: str, info: dict[str, Any]) -> None:
        """httpx's ``trace`` extension: note each connection's socket as it opens."""
        if event == "connection.connect_tcp.complete":
            sock = info["return_value"].get_extra_info("socket")
            with self._guard:
                self._sockets.append(sock)
                if self.expired:
                    _shut(sock)

    def _expire(self) -> None:
        with self._guard:
            self.expired = True
            for sock in self._sockets:
                _shut(sock)


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # already closed
        sock.shutdown(socket.SHUT_RDWR)
