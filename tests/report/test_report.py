"""The monthly report of a simulated December on the real influxd: the figures are the simulated heat pump's
(booked into cop_30m by the insights' fast path) as the tasks summarise them; the page loads in headless Chromium
without console errors and every figure decodes and is not blank; the summary image and text reach ntfy,
Telegram, Pushover (loopback HTTP) and e-mail (loopback SMTP); the monthly job sends once, not again after a
restart."""

from __future__ import annotations

import dataclasses
import email
import logging
import os
import shutil
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

import matplotlib.image
import pytest

from collector.changelog.store import ChangelogStore, NewChange
from collector.changelog.tracker import changelog_path
from collector.insights.performance import compare
from collector.metrics.params import Params
from collector.points import point
from collector.report.cli import SENT_MARKER, build_and_send, monthly_job
from collector.report.data import Month
from collector.sim.heatpump import HeatPumpSpec
from collector.sim.installation import Installation
from collector.sim.weather import Climate
from tests.conftest import InfluxEnv
from tests.flux.harness import TaskBench
from tests.insights.simulated import NS, SimulatedRun, simulate
from tests.report.browser import inspect, screenshot
from tests.report.receivers import HttpReceiver, SmtpReceiver

TZ = Params().tz
START = datetime(2025, 12, 1, tzinfo=TZ).timestamp()
CHANGE = datetime(2025, 12, 19, tzinfo=UTC).timestamp()
STOP = datetime(2026, 1, 1, 2, tzinfo=TZ).timestamp()  # into January: the JAZ of 1 January covers all December
SECRET = "bot-secret-123456:ABC"


def _energy_daily(runs: list[SimulatedRun]) -> list:
    """energy_daily as the energy task writes it for the fast path's energies (the JAZ task's input)."""
    days: dict[datetime, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for run in runs:
        for w in run.windows:
            if w.category == "combined":
                day = datetime.fromtimestamp(w.time_ns / NS, TZ).replace(hour=0, minute=0)
                days[day][0] += w.heat_kwh
                days[day][1] += w.electric_kwh
    points = []
    for day, (heat, electric) in days.items():
        for kind, source, kwh in (("heat", "dt_flow", heat), ("electric", "shelly", electric)):
            fields = {"kwh": kwh, "coverage": 100.0, "hours": 24.0}
            points.append(point("energy_daily", {"kind": kind, "usage": "total", "source": source}, fields, day))
    return points


@pytest.fixture(scope="module")
def month_runs() -> tuple[SimulatedRun, SimulatedRun]:
    """December with a change on the 19th that raises the cycle's efficiency by 5 % (as test_normalised)."""
    old = HeatPumpSpec()
    installation = Installation(START, TZ, climate=Climate(), spec=old)
    before = simulate(START, CHANGE, installation=installation)
    installation.heatpump.spec = dataclasses.replace(old, carnot_efficiency=old.carnot_efficiency * 1.05)
    after = simulate(CHANGE, STOP, installation=installation)
    return before, after


def test_report_of_a_simulated_month(
    influx: InfluxEnv, tmp_path: Path, month_runs: tuple[SimulatedRun, SimulatedRun], caplog: pytest.LogCaptureFixture
) -> None:
    http, smtp = HttpReceiver(), SmtpReceiver()
    bench = TaskBench.create(
        influx,
        tmp_path,
        grafana_influx_token=influx.token,
        report_tariff_eur_per_kwh=0.32,
        alert_ntfy_url=f"{http.url}/ntfy/hpm",
        alert_ntfy_token="ntfy-secret",
        alert_telegram_bot_token=SECRET,
        alert_telegram_chat_id="4711",
        alert_pushover_token="pushover-secret",
        alert_pushover_user="user-key",
        alert_email_to="owner@example.org",
        report_telegram_api_url=f"{http.url}/telegram",
        report_pushover_api_url=f"{http.url}/pushover/1/messages.json",
        report_smtp_host="127.0.0.1",
        report_smtp_port=smtp.port,
        report_smtp_starttls=False,
        report_smtp_from="hpm@example.org",
    )
    settings = bench.settings
    runs = list(month_runs)
    bench.write([p for run in runs for p in run.temperatures + run.cop_points()] + _energy_daily(runs))
    store = ChangelogStore(changelog_path(settings))
    store.record(
        time=int(CHANGE),
        time_local="2025-12-19 01:00",
        changes=[NewChange("change", "Compressor efficiency +5 % (simulated)", ("change",), "circuit.0", "x", 1, 2)],
    )
    store.close()
    after_midnight = int(datetime(2026, 1, 1, 1, 30, tzinfo=TZ).timestamp()) * NS
    bench.run(["hpm-energy-monthly", "hpm-jaz", "hpm-performance-map"], after_midnight)

    caplog.set_level(logging.INFO)
    rendered, sent = build_and_send(settings, Month(2025, 12), influx.token)
    assert sent == {"ntfy": True, "telegram": True, "pushover": True, "email": True}

    # the figures against the simulated truth: December's windows, ratio of sums
    december = [
        w
        for run in runs
        for w in run.windows
        if w.category == "combined" and START * NS <= w.time_ns < datetime(2026, 1, 1, tzinfo=TZ).timestamp() * NS
    ]
    heat, electric = sum(w.heat_kwh for w in december), sum(w.electric_kwh for w in december)
    page = rendered.html.read_text()
    assert f"{electric:,.1f} kWh" in page and f"{heat:,.1f} kWh" in page
    assert f"{heat / electric:,.2f}" in page
    assert f"{electric * 0.32:,.2f} EUR" in page and "(metered)" in page  # energy_monthly: the same days here
    assert page.count(f"{electric:,.1f} kWh") == 2  # metered (energy_monthly) and in the COP windows
    assert "<td>season</td>" in page and "provisional" in page
    # the change's weather-normalised effect is the Changelog dashboard's twin on the same windows: a gain
    twin = compare(
        [w for w in december if CHANGE * NS - 14 * 86400 * NS <= w.time_ns < CHANGE * NS],
        [w for w in december if w.time_ns >= CHANGE * NS],
    )
    assert twin is not None and twin.cop_change_pct > 0
    assert f"{twin.cop_change_pct:+.1f} % ± {twin.cop_change_uncertainty_pct:.1f}" in page
    assert "Performance map, heating season 2025/26: COP by outside temperature (" in page
    assert "(0 bins" not in page
    assert "Alerting › History" in page  # what stands in for the alert list, said on the page

    # every figure decodes and is not blank
    for figure in rendered.figures:
        pixels = matplotlib.image.imread(rendered.directory / figure.file)
        assert pixels.shape[0] > 200 and pixels.shape[1] > 400, figure.file
        assert pixels[..., :3].std() > 0.05, f"{figure.file} is blank"
    assert {f.file for f in rendered.figures} == {"summary.png", "performance_map.png", "changes.png"}

    # the page in headless Chromium
    check = inspect(rendered.html, tmp_path / "chromium")
    assert check.console == [], check.console
    assert check.title == "Heat pump report 2025-12"
    assert sorted(i["src"] for i in check.images) == sorted(f.file for f in rendered.figures)
    for image in check.images:
        assert image["width"] >= 400 and image["height"] >= 200 and image["shown"] > 300, image
        assert image["colours"] >= 5, image
    for heading in ("JAZ to date", "Changes this month", "Defrosts", "Alerts", "Performance map"):
        assert heading.lower() in check.text.lower(), heading
    screenshot(rendered.html, tmp_path / "shot.png", tmp_path / "chromium")
    shot = matplotlib.image.imread(tmp_path / "shot.png")
    assert shot[..., :3].std() > 0.05
    if target := os.environ.get("HPM_REPORT_SCREENSHOT"):  # docs/monthly-report.png is made this way
        shutil.copyfile(tmp_path / "shot.png", target)

    # what each channel received
    image = rendered.summary_png.read_bytes()
    by_path = {r.path.split("?")[0]: r for r in http.requests}
    ntfy = by_path["/ntfy/hpm"]
    assert ntfy.body == image and ntfy.headers["Authorization"] == "Bearer ntfy-secret"
    assert ntfy.headers["Title"].startswith("Heat pump, 2025-12: COP")
    assert ntfy.headers["Message"].startswith(f"Heat {heat:,.0f} kWh, electricity {electric:,.0f} kWh\\n")
    telegram = by_path[f"/telegram/bot{SECRET}/sendPhoto"]
    assert image in telegram.body and b'name="chat_id"\r\n\r\n4711' in telegram.body
    pushover = by_path["/pushover/1/messages.json"]
    assert image in pushover.body and b"pushover-secret" in pushover.body and b"user-key" in pushover.body
    [(sender, recipients, data)] = smtp.messages
    assert (sender, recipients) == ("hpm@example.org", ["owner@example.org"])
    mail = email.message_from_bytes(data)
    assert mail["Subject"].startswith("Heat pump, 2025-12")
    attached = {part.get_filename(): part.get_payload(decode=True) for part in mail.walk() if part.get_filename()}
    assert attached["summary.png"] == image and b"Heat pump report 2025-12" in attached["report.html"]
    assert SECRET not in caplog.text

    # the monthly job: from 1 January 01:00, once; not again after a restart; a failing channel does not stop
    # the others and its token stays out of the log
    http.requests.clear()
    http.status["/telegram"] = 500
    at = datetime(2026, 1, 1, 0, 30, tzinfo=TZ).timestamp()
    monthly_job(settings, lambda: at)()
    assert http.requests == []  # before 01:00 the tasks may not have summarised the month yet
    monthly_job(settings, lambda: at + 3600)()
    assert {r.path.split("/")[1] for r in http.requests} == {"ntfy", "telegram", "pushover"}
    assert (rendered.directory / SENT_MARKER).exists()
    assert "sending to telegram failed: HTTP 500" in caplog.text and SECRET not in caplog.text
    count = len(http.requests)
    monthly_job(settings, lambda: at + 7200)()  # a restart: a new job, the same data directory
    assert len(http.requests) == count
    assert len(smtp.messages) == 2
    http.close()
    smtp.close()
