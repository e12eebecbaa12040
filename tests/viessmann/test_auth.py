"""Credentials login through PyViCare's real ViCareOAuthManager, requests and authlib against a loopback stub.

The stub plays Viessmann's IAM (authorize with HTTP basic auth → redirect with a code, token exchange) and the
IoT API (answered by an ``OfflineOAuthManager`` over a real dump). PyViCare's URL constants are pointed at it.
"""

from __future__ import annotations

import json
import logging
import os
import pickle
import stat
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from PyViCare import PyViCareAbstractOAuthManager, PyViCareOAuthManager
from PyViCare.PyViCareUtils import PyViCareInvalidConfigurationError, PyViCareInvalidCredentialsError

from collector.settings import Settings
from collector.sources.viessmann import ViessmannSource
from collector.sources.viessmann.auth import TOKEN_FILE, AuthFailed, login_errors, prepare_token_file
from collector.sources.viessmann.offline import OfflineOAuthManager
from tests.viessmann.dumps import FakeClock, manager

PASSWORD = "s3cret-Passw0rd"


@dataclass
class ViessmannStub:
    mode: str = "ok"  # ok | bad_client | bad_password
    expired: set[str] = field(default_factory=set)  # access tokens the API answers with EXPIRED TOKEN
    logins: int = 0
    api: OfflineOAuthManager = field(default_factory=lambda: manager("Vitocal252A.json"))

    def token(self) -> str:
        return f"tok-{self.logins}"


@pytest.fixture
def stub(monkeypatch: pytest.MonkeyPatch) -> Iterator[ViessmannStub]:
    state = ViessmannStub()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def _json(self, status: int, body: object, headers: dict[str, str] | None = None) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("content-length", 0)))
            url = urlparse(self.path)
            if url.path == "/authorize":
                if state.mode == "bad_client":
                    self._json(401, {"error": "invalid_client", "error_description": "unknown client id"})
                elif state.mode == "bad_password":
                    self._json(200, {"message": "login page"})
                else:
                    query = parse_qs(url.query)
                    location = f"vicare://oauth-callback/everest?code=c1&state={query['state'][0]}"
                    self._json(302, {}, {"Location": location})
            else:  # /token
                state.logins += 1
                self._json(200, {"access_token": state.token(), "token_type": "Bearer", "expires_in": 3600})

        def do_GET(self) -> None:
            token = self.headers.get("Authorization", "").removeprefix("Bearer ")
            if token in state.expired:
                self._json(401, {"error": "EXPIRED TOKEN"})
                return
            answer = state.api.answer(self.path.removeprefix("/iot/v2"))
            self._json(answer.status_code, answer.json())

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    monkeypatch.setattr(PyViCareOAuthManager, "AUTHORIZE_URL", f"{base}/authorize")
    monkeypatch.setattr(PyViCareOAuthManager, "TOKEN_URL", f"{base}/token")
    monkeypatch.setattr(PyViCareAbstractOAuthManager, "API_BASE_URL", f"{base}/iot/v2")
    monkeypatch.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")  # the loopback stub speaks plain HTTP
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def credentials(tmp_path: Path) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=tmp_path / "data",
        viessmann_client_id="client-123",
        viessmann_username="me@example.org",
        viessmann_password=PASSWORD,
    )


def test_login_polls_and_keeps_the_token_private(stub: ViessmannStub, credentials: Settings, caplog) -> None:
    old_umask = os.umask(0)  # even a permissive umask must not expose the token
    try:
        clock = FakeClock(1.8e9)
        with caplog.at_level(logging.DEBUG):
            src = ViessmannSource(credentials, clock=clock)
            points = src.poll()
    finally:
        os.umask(old_umask)
    assert len(points) == 50  # every point of the 252-A dump (tests/viessmann/expected_points.json)
    token_file = credentials.data_dir / TOKEN_FILE
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    with token_file.open("rb") as cached:
        assert pickle.load(cached)["access_token"] == "tok-1"
    assert src.budget_status()["calls_24h"] == 5  # 2 IAM + installations + detection + poll
    assert PASSWORD not in caplog.text
    assert "tok-1" not in caplog.text  # PyViCare logs tokens at DEBUG: its logger is held at INFO
    assert "about 700 calls per day (652 polls, 48 login calls)" in caplog.text
    src.close()
    # a restart reuses the cached token: no new login
    restarted = ViessmannSource(credentials, clock=clock)
    clock.advance(600)
    restarted.poll()
    assert stub.logins == 1
    assert restarted.health.state == "stale"  # the dump is old, but the poll worked


def test_expired_token_logs_in_again_transparently(stub: ViessmannStub, credentials: Settings) -> None:
    clock = FakeClock(1.8e9)
    src = ViessmannSource(credentials, clock=clock)
    src.poll()
    stub.expired.add("tok-1")
    clock.advance(3600)
    src.poll()
    assert stub.logins == 2
    assert src.health.consecutive_failures == 0
    assert stat.S_IMODE((credentials.data_dir / TOKEN_FILE).stat().st_mode) == 0o600


def test_token_refused_right_after_login_stops_instead_of_looping(stub: ViessmannStub, credentials: Settings) -> None:
    clock = FakeClock(1.8e9)
    src = ViessmannSource(credentials, clock=clock)
    src.poll()
    stub.expired.update({"tok-1", "tok-2", "tok-3"})
    clock.advance(3600)
    assert src.poll() == []
    assert stub.logins == 2  # one renewal, then the guard: no renew-and-retry loop
    assert src.health.state == "auth_failed"


@pytest.mark.parametrize(
    ("mode", "setting"),
    [("bad_client", "HPM_VIESSMANN_CLIENT_ID"), ("bad_password", "HPM_VIESSMANN_USERNAME and HPM_VIESSMANN_PASSWORD")],
)
def test_rejected_login_one_clear_line_and_hours_of_backoff(
    stub: ViessmannStub, credentials: Settings, caplog, mode: str, setting: str
) -> None:
    stub.mode = mode
    clock = FakeClock(1.8e9)
    src = ViessmannSource(credentials, clock=clock)
    with caplog.at_level(logging.WARNING):
        for _ in range(2):
            while not src.due(clock.now):
                clock.advance(60)
            assert src.poll() == []
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1
    assert setting in errors[0]
    assert PASSWORD not in caplog.text
    assert src.health.state == "auth_failed"
    assert src._next_attempt - clock.now == 2 * 3600  # second failure: two hours
    assert src.budget_status()["calls_24h"] == 2  # one IAM attempt each, no API call


def test_login_errors_name_the_setting() -> None:
    with pytest.raises(AuthFailed) as client, login_errors():
        raise PyViCareInvalidConfigurationError({"error": "invalid_client", "error_description": "x"})
    assert client.value.setting == "HPM_VIESSMANN_CLIENT_ID"
    with pytest.raises(AuthFailed) as user, login_errors():
        raise PyViCareInvalidCredentialsError()
    assert "HPM_VIESSMANN_PASSWORD" in user.value.setting


def test_token_file_is_created_private_and_repaired(tmp_path: Path) -> None:
    path = tmp_path / "d" / TOKEN_FILE
    prepare_token_file(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    with path.open("rb") as cached:
        assert pickle.load(cached) is None  # PyViCare reads this as "no token yet"
    path.write_bytes(b"garbage")
    path.chmod(0o644)
    prepare_token_file(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    with path.open("rb") as cached:
        assert pickle.load(cached) is None
    path.write_bytes(pickle.dumps({"access_token": "kept"}))
    prepare_token_file(path)
    with path.open("rb") as cached:
        assert pickle.load(cached) == {"access_token": "kept"}
