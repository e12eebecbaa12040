"""Credentials login through PyViCare's own ``ViCareOAuthManager``, with a private token cache and failure guards.

PyViCare pickles the token into the file we name and logs in again when it expires. Around it we add: the
token file is created with mode 0600 before PyViCare writes it (PyViCare keeps the mode when it rewrites),
every IAM exchange is recorded in the call ledger, every API call goes through the ledger's
``RecordingSession``, a rejected login becomes one ``AuthFailed`` naming the setting to fix, and a token the
API rejects right after a fresh login stops the renew-and-retry loop PyViCare would otherwise run forever.
"""

from __future__ import annotations

import os
import pickle
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests
from authlib.integrations.base_client.errors import OAuthError
from PyViCare.PyViCareOAuthManager import ViCareOAuthManager
from PyViCare.PyViCareUtils import PyViCareInvalidConfigurationError, PyViCareInvalidCredentialsError

from collector.settings import Settings
from collector.sources.base import Clock
from collector.sources.viessmann.budget import CallLedger, RecordingSession

TOKEN_FILE = "viessmann_token.pickle"
RENEWAL_GUARD_SECONDS = 300.0  # a token refused sooner than this after a login is a configuration problem
_IAM_CALLS_PER_LOGIN = 2  # authorize + token


class AuthFailed(RuntimeError):
    """The login was rejected: retrying soon cannot help, the named setting must be fixed."""

    def __init__(self, setting: str, detail: str) -> None:
        super().__init__(f"Viessmann login rejected ({detail}): check {setting}")
        self.setting = setting


def prepare_token_file(path: Path) -> None:
    """Create the token cache with mode 0600 (holding "no token"), or repair an unreadable one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(os.dup(fd), "rb") as existing:
            try:
                pickle.load(existing)
                return
            except (EOFError, pickle.UnpicklingError, AttributeError, ValueError, ImportError):
                pass  # empty or corrupt: PyViCare would crash on it
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, pickle.dumps(None))  # PyViCare reads None as "no token yet" and logs in
    finally:
        os.close(fd)


@contextmanager
def login_errors() -> Iterator[None]:
    """Translate PyViCare's and authlib's login failures into one ``AuthFailed`` naming the setting."""
    try:
        yield
    except PyViCareInvalidConfigurationError as error:
        raise AuthFailed("HPM_VIESSMANN_CLIENT_ID", "client id refused") from error
    except PyViCareInvalidCredentialsError as error:
        raise AuthFailed("HPM_VIESSMANN_USERNAME and HPM_VIESSMANN_PASSWORD", "user or password wrong") from error
    except OAuthError as error:
        raise AuthFailed("HPM_VIESSMANN_CLIENT_ID", f"token exchange refused: {error.error}") from error


class CredentialsOAuthManager(ViCareOAuthManager):
    def __init__(self, settings: Settings, ledger: CallLedger, clock: Clock) -> None:
        if not (settings.viessmann_client_id and settings.viessmann_username and settings.viessmann_password):
            raise AuthFailed("HPM_VIESSMANN_CLIENT_ID, HPM_VIESSMANN_USERNAME and HPM_VIESSMANN_PASSWORD", "not set")
        self.ledger, self.clock, self.timeout = ledger, clock, settings.viessmann_timeout_seconds
        self.token_path = settings.data_dir / TOKEN_FILE
        self._last_login: float | None = None
        prepare_token_file(self.token_path)
        cached = self.token_path.read_bytes()
        with self._login(attempted=lambda: self.token_path.read_bytes() != cached):  # a login saves a new token
            super().__init__(
                settings.viessmann_username,
                settings.viessmann_password.get_secret_value(),
                settings.viessmann_client_id.get_secret_value(),
                str(self.token_path),
            )
        self.replace_session(self.oauth_session)

    def replace_session(self, new_session: Any) -> None:
        if not isinstance(new_session, RecordingSession):
            new_session = RecordingSession(new_session, self.ledger, self.timeout)
        super().replace_session(new_session)

    def renewToken(self) -> None:
        now = self.clock()
        if self._last_login is not None and now - self._last_login < RENEWAL_GUARD_SECONDS:
            raise AuthFailed("HPM_VIESSMANN_CLIENT_ID", "the API refused a token right after a fresh login")
        with self._login(attempted=lambda: True):
            super().renewToken()

    @contextmanager
    def _login(self, attempted: Callable[[], bool]) -> Iterator[None]:
        """Record the IAM exchange (if one happened: a cached token needs none) and keep the file private."""
        outcome = "rejected"
        try:
            with login_errors():
                yield
            outcome = "ok"
        except requests.RequestException:
            outcome = "network_error"
            raise
        finally:
            if outcome != "ok" or attempted():
                self._last_login = self.clock()
                for _ in range(_IAM_CALLS_PER_LOGIN if outcome == "ok" else 1):
                    self.ledger.record("iam", outcome)
            os.chmod(self.token_path, 0o600)
