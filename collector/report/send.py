"""Sending the report's summary image with a short text to the configured phone channels — the same channels
(and HPM_ALERT_* variables) grafana/contact-points.sh gives Grafana's alerting. A channel that fails is logged
once by name (never with its URL or token: Telegram's carries the bot token) and does not stop the others."""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from email.header import Header
from email.message import EmailMessage
from pathlib import Path

import httpx

from collector.settings import Settings

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 30.0


@dataclass(frozen=True)
class Message:
    title: str
    text: str
    image: Path
    html: Path


class ChannelError(RuntimeError):
    pass


def _check(response: httpx.Response) -> None:
    if response.status_code >= 300:
        raise ChannelError(f"HTTP {response.status_code}")


def _header(value: str) -> str:
    """ntfy takes UTF-8 header values RFC 2047-encoded; ASCII as it is."""
    return value if value.isascii() else Header(value, "utf-8").encode()


def _ntfy(settings: Settings, message: Message, client: httpx.Client) -> None:
    headers = {
        "Filename": message.image.name,
        "Title": _header(message.title),
        "Message": _header(message.text.replace("\n", "\\n")),  # ntfy turns a literal \n into a line break
    }
    if settings.alert_ntfy_token is not None:
        headers["Authorization"] = f"Bearer {settings.alert_ntfy_token.get_secret_value()}"
    _check(client.put(settings.alert_ntfy_url or "", content=message.image.read_bytes(), headers=headers))


def _telegram(settings: Settings, message: Message, client: httpx.Client) -> None:
    token = settings.alert_telegram_bot_token.get_secret_value()  # type: ignore[union-attr]
    url = f"{settings.report_telegram_api_url.rstrip('/')}/bot{token}/sendPhoto"
    caption = f"{message.title}\n{message.text}"[:1024]  # Telegram's caption limit
    files = {"photo": (message.image.name, message.image.read_bytes(), "image/png")}
    _check(client.post(url, data={"chat_id": settings.alert_telegram_chat_id or "", "caption": caption}, files=files))


def _pushover(settings: Settings, message: Message, client: httpx.Client) -> None:
    data = {
        "token": settings.alert_pushover_token.get_secret_value(),  # type: ignore[union-attr]
        "user": settings.alert_pushover_user.get_secret_value(),  # type: ignore[union-attr]
        "title": message.title,
        "message": message.text,
    }
    files = {"attachment": (message.image.name, message.image.read_bytes(), "image/png")}
    _check(client.post(settings.report_pushover_api_url, data=data, files=files))


def _email(settings: Settings, message: Message, client: httpx.Client) -> None:
    del client
    mail = EmailMessage()
    mail["Subject"] = message.title
    mail["From"] = settings.report_smtp_from or settings.report_smtp_user or "heatpump-monitor@localhost"
    mail["To"] = settings.alert_email_to or ""
    mail.set_content(message.text)
    mail.add_attachment(message.image.read_bytes(), maintype="image", subtype="png", filename=message.image.name)
    mail.add_attachment(message.html.read_bytes(), maintype="text", subtype="html", filename="report.html")
    with smtplib.SMTP(settings.report_smtp_host or "", settings.report_smtp_port, timeout=TIMEOUT_SECONDS) as smtp:
        if settings.report_smtp_starttls:
            smtp.starttls(context=ssl.create_default_context())
        if settings.report_smtp_user and settings.report_smtp_password is not None:
            smtp.login(settings.report_smtp_user, settings.report_smtp_password.get_secret_value())
        smtp.send_message(mail)


Channel = Callable[[Settings, Message, httpx.Client], None]


def channels(settings: Settings) -> dict[str, Channel]:
    """The configured channels, as contact-points.sh decides (each needs all of its variables)."""
    configured: dict[str, Channel] = {}
    if settings.alert_ntfy_url:
        configured["ntfy"] = _ntfy
    if settings.alert_telegram_bot_token is not None and settings.alert_telegram_chat_id:
        configured["telegram"] = _telegram
    if settings.alert_pushover_token is not None and settings.alert_pushover_user is not None:
        configured["pushover"] = _pushover
    if settings.alert_email_to and settings.report_smtp_host:
        configured["email"] = _email
    return configured


def send(settings: Settings, message: Message) -> dict[str, bool]:
    """Send to every configured channel; per channel whether it was accepted."""
    results = {}
    with httpx.Client(timeout=TIMEOUT_SECONDS) as client:
        for name, channel in channels(settings).items():
            try:
                channel(settings, message, client)
                results[name] = True
            except (httpx.HTTPError, ChannelError, OSError, smtplib.SMTPException) as error:
                # the error's class and status only: httpx messages carry the URL, Telegram's holds the token
                detail = str(error) if isinstance(error, ChannelError) else type(error).__name__
                log.error("report: sending to %s failed: %s", name, detail)
                results[name] = False
    if settings.alert_email_to and not settings.report_smtp_host:
        log.warning("report: HPM_ALERT_EMAIL_TO is set but HPM_REPORT_SMTP_HOST is not: no report e-mail")
    return results
