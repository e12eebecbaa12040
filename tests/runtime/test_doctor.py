"""``collector doctor`` against the real InfluxDB and the Shelly emulator over HTTP."""

from __future__ import annotations

import io
import re
import time
import uuid
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from collector import doctor
from collector.runtime.outbox import Outbox, outbox_path
from collector.settings import Settings
from collector.sources.shelly.emulator import ShellyEmulator
from tests.conftest import InfluxEnv
from tests.runtime.fakes import powers
from tests.support.influxd import free_port

PASSWORD = "doctor-secret-Pa55"


def run_doctor(settings: Settings) -> tuple[int, dict[str, str]]:
    out = io.StringIO()
    code = doctor.run(settings, out)
    text = out.getvalue()
    assert PASSWORD not in text
    verdicts = {}
    for line in text.splitlines():
        status, rest = line.split(maxsplit=1)
        check, detail = rest.split(": ", 1)
        verdicts[check] = f"{status} {detail}"
    return code, verdicts


TASK_FLUX = 'from(bucket: "unused") |> range(start: -1m)\n'


@pytest.fixture
def task_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The one task doctor expects (its own name, so parallel provisioning tests do not interfere)."""
    name = f"doctor-{uuid.uuid4().hex[:8]}"
    tasks = tmp_path / "tasks"
    tasks.mkdir()
    (tasks / "t.flux").write_text(f'option task = {{name: "{name}", every: 1h}}\n{TASK_FLUX}')
    monkeypatch.setattr(doctor, "TASKS_DIR", tasks)
    return name


def test_everything_ok(influx: InfluxEnv, tmp_path: Path, task_name: str) -> None:
    org = influx.client.organizations_api().find_organizations(org=influx.org)[0]
    task = influx.client.tasks_api().create_task_every(task_name, TASK_FLUX, "1h", org)
    try:
        with ShellyEmulator(password=PASSWORD) as shelly:
            settings = influx.settings(tmp_path, shelly_host=shelly.address, shelly_password=PASSWORD)
            Outbox(outbox_path(settings.data_dir), 100).close()
            code, verdicts = run_doctor(settings)
    finally:
        influx.client.tasks_api().delete_task(task.id)
    assert code == 0, "\n".join(f"{k}: {v}" for k, v in verdicts.items())
    assert verdicts["shelly profile"] == "ok triphase"
    assert verdicts["shelly auth"] == "ok digest authentication accepted"
    assert verdicts["viessmann"].startswith("ok simulated")
    assert verdicts[f"influxdb bucket {influx.bucket_raw}"].startswith("ok")
    assert verdicts["influxdb tasks"] == "ok all 1 present and active"
    assert verdicts["sqlite outbox.sqlite"].startswith("ok intact, 0 points waiting")


def test_every_failure_gets_its_line_and_a_non_zero_exit(influx: InfluxEnv, tmp_path: Path, task_name: str) -> None:
    with ShellyEmulator(password="another-password") as shelly:
        settings = influx.settings(
            tmp_path,
            shelly_host=shelly.address,
            shelly_password=PASSWORD,
            influx_token=PASSWORD,
            influx_bucket_rollup=f"missing_{uuid.uuid4().hex[:6]}",
        )
        outbox = Outbox(outbox_path(settings.data_dir), 100)
        outbox.append(powers(2))
        outbox.dead_letter(outbox.peek(1)[0], "HTTP 422: field type conflict")
        outbox.close()
        code, verdicts = run_doctor(settings)
    assert code == 1
    assert verdicts["shelly auth"].startswith("FAIL password refused: check HPM_SHELLY_PASSWORD")
    assert verdicts[f"influxdb bucket {influx.bucket_raw}"].startswith("FAIL HPM_INFLUX_TOKEN refused")
    assert verdicts["influxdb tasks"] == f"FAIL missing: {task_name} (run 'collector provision')"
    assert verdicts["sqlite outbox.sqlite"].startswith("warn intact, 1 points waiting, 1 dead letters")


def test_unreachable_devices_fail(influx: InfluxEnv, tmp_path: Path) -> None:
    settings = influx.settings(
        tmp_path, shelly_host=f"127.0.0.1:{free_port()}", influx_url=f"http://127.0.0.1:{free_port()}"
    )
    code, verdicts = run_doctor(settings)
    assert code == 1
    assert verdicts["shelly reachability"].startswith("FAIL 127.0.0.1:")
    assert verdicts["influxdb"].startswith("FAIL http://127.0.0.1:") and "unreachable" in verdicts["influxdb"]


def test_viessmann_is_not_called_when_the_budget_is_spent(settings) -> None:
    from collector.sources.viessmann.budget import CallLedger

    settings = settings.model_copy(
        update={
            "viessmann_client_id": SecretStr("id"),
            "viessmann_username": "me",
            "viessmann_password": SecretStr("pw"),
        }
    )
    ledger = CallLedger.for_settings(settings, time.time)
    for _ in range(settings.viessmann_calls_allowed_per_10min):
        ledger.record("features", "200")
    ledger.close()
    verdicts = [v.line() for v in doctor.check_viessmann(settings)]
    assert verdicts == [
        "warn  viessmann budget: exhausted or rate limited (60/725 calls in 24 h, 60/60 in 10 min)",
        "skip  viessmann login: no call left in the budget; try again later",
    ]
    ledger = CallLedger.for_settings(settings, time.time)
    assert ledger.count(600) == 60  # doctor made no call
    ledger.close()


RAW_EXCEPTION = re.compile(r"\b\w+(Error|Exception)\b|Traceback|b'")


def test_a_missing_token_is_named_and_no_raw_exception_text_is_shown(influx: InfluxEnv, tmp_path: Path) -> None:
    """scripts/run-local's first doctor command used to end in "LocalProtocolError: Illegal header value
    b'Token '"; every failure reads as words instead."""
    settings = influx.settings(
        tmp_path, influx_token=None, influx_admin_token=None, shelly_host=f"127.0.0.1:{free_port()}"
    )
    out = io.StringIO()
    assert doctor.run(settings, out) == 1
    text = out.getvalue()
    assert RAW_EXCEPTION.search(text) is None, text
    assert "FAIL  settings: HPM_INFLUX_TOKEN is not set" in text
    assert "skip  influxdb buckets: no HPM_INFLUX_TOKEN" in text
    assert "connection refused or host unreachable" in text


@pytest.mark.parametrize(
    ("error", "words"),
    [
        (httpx.ConnectTimeout("timed out"), "no answer in time"),
        (httpx.LocalProtocolError("Illegal header value b'Token '"), "could not be sent"),
        (ValueError("Expecting value: line 1 column 1"), "not the expected JSON"),
        (PermissionError(13, "Permission denied"), "Permission denied"),
        (KeyError("data"), "unexpected failure (KeyError)"),
    ],
)
def test_explain_turns_exceptions_into_words(error: Exception, words: str) -> None:
    text = doctor.explain(error)
    assert words in text and str(error) not in text.replace("Permission denied", "")
