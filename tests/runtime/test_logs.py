"""Structured log lines, and no secret from Settings in any of them."""

from __future__ import annotations

import io
import json
import logging
from pathlib import Path

import pytest

from collector.logs import setup_logging
from collector.settings import Settings

SECRETS = {
    "shelly_password": "sh3lly pass/word",
    "influx_token": "influx-token-0123456789abcdef",
    "influx_admin_token": "admin-token-fedcba9876543210",
    "viessmann_client_id": "client-id-4711",
    "viessmann_password": 'vi"care&pw',
}


@pytest.fixture
def secret_settings(tmp_path: Path) -> Settings:
    return Settings(_env_file=None, data_dir=tmp_path, viessmann_username="me@example.org", **SECRETS)  # type: ignore[call-arg]


def capture(settings: Settings) -> io.StringIO:
    stream = io.StringIO()
    setup_logging(settings, stream)
    return stream


def leak_everything(settings: Settings) -> None:
    log = logging.getLogger("collector.test")
    for name, value in SECRETS.items():
        log.warning("login with %s=%s", name, value, extra={"detail": value})
    log.info("url http://admin:%s@shelly/rpc", SECRETS["shelly_password"].replace(" ", "%20"))
    log.info("request headers Authorization: Token %s", SECRETS["influx_token"])
    log.info('oauth response {"access_token": "eyJhbGciOi.J9.abc", "refresh_token": "r3fr3sh"}')
    try:
        raise RuntimeError(f"auth failed for {SECRETS['viessmann_password']}")
    except RuntimeError:
        log.exception("viessmann login failed")
    log.info("settings: %r", settings.model_dump())


@pytest.mark.parametrize("fmt", ["logfmt", "json"])
def test_no_secret_ever_reaches_a_log_line(secret_settings: Settings, fmt: str) -> None:
    settings = secret_settings.model_copy(update={"log_format": fmt})
    stream = capture(settings)
    leak_everything(settings)
    text = stream.getvalue()
    assert text.count("\n") == len(SECRETS) + 5
    for value in [*SECRETS.values(), "sh3lly%20pass/word", "eyJhbGciOi.J9.abc", "r3fr3sh", 'vi\\"care&pw']:
        assert value not in text
    assert "***" in text and "me@example.org" in text  # the username is not a secret: kept for diagnosis


def test_logfmt_line_carries_level_logger_message_and_extras(settings: Settings) -> None:
    stream = capture(settings)
    logging.getLogger("collector.shelly").warning(
        "timeout after %d s", 3, extra={"source": "shelly", "fault": "timeout"}
    )
    line = stream.getvalue().strip()
    assert line.startswith("ts=")
    assert 'level=warning logger=collector.shelly msg="timeout after 3 s" source=shelly fault=timeout' in line


def test_json_lines_parse(settings: Settings) -> None:
    stream = capture(settings.model_copy(update={"log_format": "json"}))
    logging.getLogger("collector.writer").error("rejected", extra={"status": 422})
    record = json.loads(stream.getvalue())
    assert (record["level"], record["logger"], record["msg"], record["status"]) == (
        "error",
        "collector.writer",
        "rejected",
        422,
    )


def test_log_level_from_settings(settings: Settings) -> None:
    stream = capture(settings.model_copy(update={"log_level": "WARNING"}))
    logging.getLogger("collector.x").info("not shown")
    logging.getLogger("collector.x").warning("shown")
    assert "not shown" not in stream.getvalue() and "shown" in stream.getvalue()


def test_libraries_stay_quiet_whatever_level_they_set(settings: Settings) -> None:
    stream = capture(settings)
    pyvicare = logging.getLogger("PyViCare")
    before = pyvicare.level
    pyvicare.setLevel(logging.DEBUG)  # as a module might do at import, after our setup
    try:
        logging.getLogger("PyViCare.PyViCareService").debug("response with token abc")
        logging.getLogger("httpx").info("HTTP Request: GET http://shelly/rpc/Shelly.GetStatus")
        logging.getLogger("PyViCare.PyViCare").warning("rate limit")
    finally:
        pyvicare.setLevel(before)  # other tests rely on the level the Viessmann source sets
    assert [line.split("msg=")[1] for line in stream.getvalue().splitlines()] == ['"rate limit"']
