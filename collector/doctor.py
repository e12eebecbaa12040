"""``collector doctor``: checks the whole setup and prints one verdict line per check.

Verdicts: ``ok``, ``warn`` (works, but look), ``skip`` (could not be checked, says why) and ``FAIL``; the exit
code is 1 when any check failed. The Viessmann check makes at most one API call, and none unless the
budget ledger allows it. Every line goes through the log redactor: no secret is ever printed.
"""

from __future__ import annotations

import sqlite3
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import httpx

from collector import provision
from collector.app import simulated_devices
from collector.logs import Redactor, secret_values
from collector.runtime.outbox import Outbox, outbox_path
from collector.settings import Settings

TASKS_DIR = provision.TASKS_DIR
TIMEOUT_SECONDS = 10.0
COMPOSE_SHELLY_SECRET = " (docker compose: the file secrets/collector/hpm_shelly_password)"


@dataclass(frozen=True)
class Verdict:
    status: str  # ok, warn, skip, FAIL
    check: str
    detail: str

    def line(self) -> str:
        return f"{self.status:<5} {self.check}: {self.detail}"


Check = Callable[[Settings], Iterator[Verdict]]


def explain(error: BaseException) -> str:
    """What a failure means, in words: doctor prints no raw exception text."""
    from collector.sources.viessmann.auth import AuthFailed

    if isinstance(error, AuthFailed):
        return str(error)
    if isinstance(error, httpx.TimeoutException):
        return "no answer in time (device or server down, or a firewall drops the packets)"
    if isinstance(error, httpx.ConnectError):
        return "connection refused or host unreachable (wrong address, or the service is not running)"
    if isinstance(error, httpx.LocalProtocolError):
        return "the request could not be sent (an empty or malformed address or token)"
    if isinstance(error, httpx.RemoteProtocolError):
        return "the other side does not speak HTTP as expected (wrong port?)"
    if isinstance(error, httpx.HTTPError):
        return "the HTTP request failed (network error)"
    if isinstance(error, ValueError):
        return "the answer was not the expected JSON (is this the right address?)"
    if isinstance(error, OSError):
        return error.strerror or "operating-system error"
    name = type(error).__name__
    if "RateLimit" in name:
        return "rate limited by the Viessmann API: try again after the reset"
    if "InternalServer" in name or "DeviceCommunication" in name:
        return "the Viessmann cloud reported an error of its own (try again later)"
    return f"unexpected failure ({name}); run the collector with HPM_LOG_LEVEL=DEBUG for details"


def check_settings(settings: Settings) -> Iterator[Verdict]:
    simulated = simulated_devices(settings)
    mode = f"simulated: {', '.join(simulated)}" if simulated else "real devices"
    yield Verdict(
        "ok", "settings", f"valid ({mode}; time zone {settings.timezone}, boundary {settings.system_boundary})"
    )
    try:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        probe = settings.data_dir / ".doctor-probe"
        probe.write_text("ok")
        probe.unlink()
        yield Verdict("ok", "data directory", f"{settings.data_dir.resolve()} is writable")
    except OSError as error:
        yield Verdict("FAIL", "data directory", f"{settings.data_dir} is not writable: {error.strerror}")
    if settings.influx_token is None:
        yield Verdict("FAIL", "settings", "HPM_INFLUX_TOKEN is not set: the collector cannot write")


def check_shelly(settings: Settings) -> Iterator[Verdict]:
    if settings.simulated_shelly:
        yield Verdict("ok", "shelly", "simulated (HPM_SHELLY_HOST is empty)")
        return
    base = f"http://{settings.shelly_host}/rpc"
    try:
        info = httpx.get(f"{base}/Shelly.GetDeviceInfo", timeout=settings.shelly_timeout_seconds).json()
    except (httpx.HTTPError, ValueError) as error:
        yield Verdict("FAIL", "shelly reachability", f"{settings.shelly_host}: {explain(error)}")
        return
    yield Verdict("ok", "shelly reachability", f"{info.get('model')} ({info.get('id')}, firmware {info.get('ver')})")
    profile = info.get("profile")
    if profile in ("triphase", "monophase"):
        yield Verdict("ok", "shelly profile", str(profile))
    else:
        yield Verdict("FAIL", "shelly profile", f"{profile!r}: not a Pro 3EM energy-meter profile")
    auth = None
    if info.get("auth_en"):
        if settings.shelly_password is None:
            yield Verdict(
                "FAIL", "shelly auth", "the device requires a password: set HPM_SHELLY_PASSWORD" + COMPOSE_SHELLY_SECRET
            )
            return
        auth = httpx.DigestAuth("admin", settings.shelly_password.get_secret_value())
    try:
        response = httpx.get(f"{base}/Shelly.GetStatus", auth=auth, timeout=settings.shelly_timeout_seconds)
    except httpx.HTTPError as error:
        yield Verdict("FAIL", "shelly auth", explain(error))
        return
    if response.status_code == 401:
        yield Verdict("FAIL", "shelly auth", "password refused: check HPM_SHELLY_PASSWORD" + COMPOSE_SHELLY_SECRET)
    elif response.status_code != 200:
        yield Verdict("FAIL", "shelly auth", f"HTTP {response.status_code} on Shelly.GetStatus")
    else:
        yield Verdict("ok", "shelly auth", "digest authentication accepted" if auth else "authentication disabled")


def check_viessmann(settings: Settings) -> Iterator[Verdict]:
    if settings.simulated_viessmann:
        yield Verdict("ok", "viessmann", "simulated (HPM_VIESSMANN_CLIENT_ID is empty)")
        return
    from collector.sources.viessmann.auth import CredentialsOAuthManager
    from collector.sources.viessmann.budget import CallLedger

    ledger = CallLedger.for_settings(settings, time.time)
    try:
        status = ledger.status()
        budget = (
            f"{status['calls_24h']}/{status['budget_24h']} calls in 24 h, "
            f"{status['calls_10min']}/{status['budget_10min']} in 10 min"
        )
        if not ledger.allows(1):
            yield Verdict("warn", "viessmann budget", f"exhausted or rate limited ({budget})")
            yield Verdict("skip", "viessmann login", "no call left in the budget; try again later")
            return
        yield Verdict("ok", "viessmann budget", budget)
        try:
            manager = CredentialsOAuthManager(settings, ledger, time.time)
            installations = manager.get("/equipment/installations?includeGateways=false").get("data", [])
        except Exception as error:  # PyViCare, authlib and the network raise many types; all mean "not working"
            yield Verdict("FAIL", "viessmann login", explain(error))
            return
        if installations:
            yield Verdict("ok", "viessmann login", f"logged in, {len(installations)} installation(s)")
        else:
            yield Verdict("FAIL", "viessmann login", "logged in, but the account has no installation")
    finally:
        ledger.close()


def check_influxdb(settings: Settings) -> Iterator[Verdict]:
    url = settings.influx_url.rstrip("/")
    try:
        health = httpx.get(f"{url}/health", timeout=TIMEOUT_SECONDS).json()
    except (httpx.HTTPError, ValueError) as error:
        yield Verdict("FAIL", "influxdb", f"{url} unreachable: {explain(error)}")
        return
    if health.get("status") != "pass":
        yield Verdict("FAIL", "influxdb", f"{url} not ready: {health.get('message')}")
        return
    yield Verdict("ok", "influxdb", f"{url} {health.get('version')} ready")
    if settings.influx_token is None:
        yield Verdict("skip", "influxdb buckets", "no HPM_INFLUX_TOKEN to test writes with (see settings above)")
        yield from _check_tasks(settings, url)
        return
    token = settings.influx_token.get_secret_value()
    for bucket in (settings.influx_bucket_raw, settings.influx_bucket_rollup):
        # An empty write proves token, org and bucket without writing anything.
        response = httpx.post(
            f"{url}/api/v2/write",
            params={"org": settings.influx_org, "bucket": bucket},
            headers={"Authorization": f"Token {token}"},
            content=b"",
            timeout=TIMEOUT_SECONDS,
        )
        if response.status_code == 204:
            yield Verdict("ok", f"influxdb bucket {bucket}", "writable with HPM_INFLUX_TOKEN")
        elif response.status_code in (401, 403):
            yield Verdict(
                "FAIL", f"influxdb bucket {bucket}", "HPM_INFLUX_TOKEN refused (wrong token or no write permission)"
            )
        else:
            yield Verdict("FAIL", f"influxdb bucket {bucket}", f"HTTP {response.status_code}: {_message(response)}")
    yield from _check_tasks(settings, url)


def _check_tasks(settings: Settings, url: str) -> Iterator[Verdict]:
    try:
        expected = sorted(provision.rendered_tasks(settings, TASKS_DIR))
    except provision.ProvisionError as error:
        yield Verdict("FAIL", "influxdb tasks", f"task definitions in {TASKS_DIR}: {error}")
        return
    if not expected:
        yield Verdict("skip", "influxdb tasks", f"no task definitions found in {TASKS_DIR}")
        return
    secret = settings.influx_admin_token or settings.influx_token
    if secret is None:
        yield Verdict(
            "skip", "influxdb tasks", "no token to read tasks with (HPM_INFLUX_ADMIN_TOKEN or HPM_INFLUX_TOKEN)"
        )
        return
    response = httpx.get(
        f"{url}/api/v2/tasks",
        params={"org": settings.influx_org, "limit": 500},
        headers={"Authorization": f"Token {secret.get_secret_value()}"},
        timeout=TIMEOUT_SECONDS,
    )
    if response.status_code in (401, 403):
        yield Verdict("skip", "influxdb tasks", "the token cannot read tasks; set HPM_INFLUX_ADMIN_TOKEN to check them")
        return
    if response.status_code != 200:
        yield Verdict("FAIL", "influxdb tasks", f"HTTP {response.status_code}: {_message(response)}")
        return
    tasks = {task["name"]: task.get("status") for task in response.json().get("tasks", [])}
    missing = [name for name in expected if name not in tasks]
    inactive = [name for name in expected if tasks.get(name) not in (None, "active")]
    if missing:
        yield Verdict("FAIL", "influxdb tasks", f"missing: {', '.join(missing)} (run 'collector provision')")
    elif inactive:
        yield Verdict("FAIL", "influxdb tasks", f"inactive: {', '.join(inactive)}")
    else:
        yield Verdict("ok", "influxdb tasks", f"all {len(expected)} present and active")


def check_sqlite(settings: Settings) -> Iterator[Verdict]:
    files = sorted(settings.data_dir.glob("*.sqlite"))
    if not files:
        yield Verdict("ok", "sqlite", f"no files yet in {settings.data_dir} (created at first run)")
    for path in files:
        try:
            with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10) as db:
                result = db.execute("PRAGMA quick_check").fetchone()[0]
        except sqlite3.Error as error:
            yield Verdict("FAIL", f"sqlite {path.name}", f"cannot be read as SQLite: {error}")
            continue
        if result != "ok":
            yield Verdict("FAIL", f"sqlite {path.name}", f"damaged: {result}")
        elif path == outbox_path(settings.data_dir):
            yield _outbox_verdict(settings)
        else:
            yield Verdict("ok", f"sqlite {path.name}", "intact")


def _outbox_verdict(settings: Settings) -> Verdict:
    outbox = Outbox(outbox_path(settings.data_dir), settings.outbox_max_points)
    try:
        depth, dead, dropped = outbox.depth, outbox.dead_letter_count(), outbox.dropped_count()
    finally:
        outbox.close()
    detail = f"intact, {depth} points waiting, {dead} dead letters, {dropped} dropped"
    if dead or dropped or depth >= settings.outbox_max_points // 2:
        return Verdict("warn", f"sqlite {OUTBOX}", detail + " (dead letters: table dead_letter has the reasons)")
    return Verdict("ok", f"sqlite {OUTBOX}", detail)


OUTBOX = outbox_path(Path()).name
CHECKS: tuple[Check, ...] = (check_settings, check_shelly, check_viessmann, check_influxdb, check_sqlite)


def _message(response: httpx.Response) -> str:
    try:
        return str(response.json().get("message", response.text))[:300]
    except ValueError:
        return response.text[:300]


def run(settings: Settings, out: TextIO = sys.stdout) -> int:
    redact = Redactor(secret_values(settings))
    failed = False
    for check in CHECKS:
        try:
            verdicts = list(check(settings))
        except Exception as error:  # a check that crashes is a failed check, and the others still run
            verdicts = [Verdict("FAIL", check.__name__.removeprefix("check_"), explain(error))]
        for verdict in verdicts:
            failed = failed or verdict.status == "FAIL"
            print(redact(verdict.line()), file=out, flush=True)
    return 1 if failed else 0
