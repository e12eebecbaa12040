"""``collector report --month 2026-11`` and the monthly job: build the report (files under
``<data dir>/reports/<month>/``) and send it to the phone channels. The job sends the previous month's report once,
from the 1st at 01:00 local (the season and JAZ tasks have run past midnight by then) up to
HPM_REPORT_SEND_DAY_MAX (catch-up after downtime): a marker file records the sending, so a restart does not send
it again."""

from __future__ import annotations

import argparse
import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from collector.report import report_dir
from collector.report.data import Month, ReportQueryError, read_report
from collector.report.send import Message, send
from collector.settings import Settings
from collector.sources.base import Sink

if TYPE_CHECKING:
    from collector.report.render import Rendered

log = logging.getLogger(__name__)

SENT_MARKER = "sent.json"
SEND_FROM_HOUR = 1  # local hour of the 1st from which the previous month is reported


def read_token(settings: Settings) -> str | None:
    token = settings.grafana_influx_token or settings.influx_admin_token
    return None if token is None else token.get_secret_value()


def build_and_send(settings: Settings, month: Month, token: str, *, deliver: bool = True) -> tuple[Rendered, dict]:
    from collector.report.render import render, summary_lines  # matplotlib: loaded only when a report is built

    data = read_report(settings, month, token)
    rendered = render(data, report_dir(settings.data_dir, str(month)))
    results: dict[str, bool] = {}
    if deliver:
        lines = summary_lines(data)
        message = Message(title=lines[0], text="\n".join(lines[1:]), image=rendered.summary_png, html=rendered.html)
        results = send(settings, message)
    log.info("report %s written to %s; sent: %s", month, rendered.html, results or "nowhere")
    return rendered, results


def monthly_job(settings: Settings, clock: Callable[[], float]) -> Callable[[], None]:
    """The scheduled job: report the previous month once, when due."""

    def job() -> None:
        now = datetime.fromtimestamp(clock(), settings.tz)
        if not (now.day <= settings.report_send_day_max and (now.day > 1 or now.hour >= SEND_FROM_HOUR)):
            return
        month = Month.before(now.date())
        marker = report_dir(settings.data_dir, str(month)) / SENT_MARKER
        if marker.exists():
            return
        token = read_token(settings)
        if token is None:
            log.warning("report: set HPM_GRAFANA_INFLUX_TOKEN (read-only token) to build the monthly report")
            marker.parent.mkdir(parents=True, exist_ok=True)
            marker.write_text(json.dumps({"skipped": "no read token"}))
            return
        try:
            _, results = build_and_send(settings, month, token)
        except ReportQueryError as error:
            log.error("report %s: %s (retried at the next run)", month, error)
            return
        if results and not any(results.values()):
            return  # every channel failed: retried at the next run
        marker.write_text(json.dumps({"sent_at": datetime.now(UTC).isoformat(), "channels": results}))

    return job


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--month", required=True, help="the month to report, YYYY-MM (local months)")
    parser.add_argument("--no-send", action="store_true", help="write the files only, send nothing")


def run(args: argparse.Namespace, settings: Settings, sink: Sink) -> int:
    """CLI entry point; the report only reads (``sink`` is part of the common subcommand signature)."""
    del sink
    try:
        month = Month.parse(args.month)
    except ValueError as error:
        log.error("report: %s", error)
        return 2
    token = read_token(settings)
    if token is None:
        log.error("report: set HPM_GRAFANA_INFLUX_TOKEN (the read-only token) or HPM_INFLUX_ADMIN_TOKEN")
        return 2
    try:
        rendered, results = build_and_send(settings, month, token, deliver=not args.no_send)
    except ReportQueryError as error:
        log.error("report: %s", error)
        return 1
    print(rendered.html)
    return 0 if all(results.values()) else 1
