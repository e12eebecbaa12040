"""Structured logging: logfmt (default) or JSON lines on stderr, with every secret redacted.

Redaction applies to every value of a line (message, extra fields and traceback alike) before it is quoted
for logfmt or JSON, so no code path, ours or a library's, can print a secret value from Settings or a
bearer/OAuth token, whatever it contains.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime
from urllib.parse import quote, quote_plus

from pydantic import SecretStr

from collector.settings import Settings

REDACTED = "***"
# Tokens that are not settings but travel through HTTP libraries (ViCare OAuth, InfluxDB auth headers).
_TOKEN_PATTERNS = (
    re.compile(r"(?i)\b(bearer|token)(\s+)[A-Za-z0-9._~+/=-]{8,}"),
    re.compile(
        r"(?i)([\"']?(?:access_token|refresh_token|id_token|client_secret|password)[\"']?\s*[:=]\s*[\"']?)[^\"'\s,&}]+"
    ),
)
# Attributes every LogRecord has; anything else was passed with ``extra=`` and becomes a key=value pair.
_STANDARD_ATTRS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}
# Chatty libraries: one line per HTTP request every 10 s is noise, not an episode. Their lowest level shown
# at LOG_LEVEL=DEBUG; PyViCare logs tokens and whole responses at DEBUG, so it never goes below INFO.
_LIBRARY_DEBUG_FLOOR = {
    "httpx": logging.DEBUG,
    "httpcore": logging.DEBUG,
    "urllib3": logging.DEBUG,
    "schedule": logging.DEBUG,
    "authlib": logging.DEBUG,
    "requests_oauthlib": logging.DEBUG,
    "PyViCare": logging.INFO,
}


def secret_values(settings: Settings) -> list[str]:
    """Every secret the settings hold, with the encodings they take in URLs and JSON."""
    values: set[str] = set()
    for name in type(settings).model_fields:
        value = getattr(settings, name)
        if isinstance(value, SecretStr) and value.get_secret_value():
            raw = value.get_secret_value()
            values.update({raw, quote(raw), quote(raw, safe=""), quote_plus(raw), json.dumps(raw)[1:-1]})
    return sorted(values, key=len, reverse=True)  # longest first: a secret containing another is masked whole


class Redactor:
    def __init__(self, secrets: list[str]) -> None:
        self.secrets = [s for s in secrets if s]

    def __call__(self, line: str) -> str:
        for secret in self.secrets:
            line = line.replace(secret, REDACTED)
        line = _TOKEN_PATTERNS[0].sub(lambda m: f"{m.group(1)}{m.group(2)}{REDACTED}", line)
        return _TOKEN_PATTERNS[1].sub(lambda m: f"{m.group(1)}{REDACTED}", line)


def _record_fields(record: logging.LogRecord, redact: Redactor) -> dict[str, object]:
    fields: dict[str, object] = {
        "ts": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "level": record.levelname.lower(),
        "logger": record.name,
        "msg": record.getMessage(),
    }
    for key, value in vars(record).items():
        if key not in _STANDARD_ATTRS and not key.startswith("_"):
            fields[key] = value
    if record.exc_info:
        fields["error"] = logging.Formatter().formatException(record.exc_info)
    for key, value in fields.items():
        text = str(value)
        clean = redact(text)
        if clean != text:
            fields[key] = clean
    return fields


def _logfmt_value(value: object) -> str:
    text = str(value)
    if text and not any(c in text for c in ' ="\\\n\t'):
        return text
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t") + '"'


class LogfmtFormatter(logging.Formatter):
    def __init__(self, redact: Redactor) -> None:
        super().__init__()
        self.redact = redact

    def format(self, record: logging.LogRecord) -> str:
        fields = _record_fields(record, self.redact)
        return " ".join(f"{key}={_logfmt_value(value)}" for key, value in fields.items())


class JsonFormatter(logging.Formatter):
    def __init__(self, redact: Redactor) -> None:
        super().__init__()
        self.redact = redact

    def format(self, record: logging.LogRecord) -> str:
        return json.dumps(_record_fields(record, self.redact), default=str, ensure_ascii=False)


class LibraryFilter(logging.Filter):
    """Drops library records below their floor, whatever level a module sets on its logger at import."""

    def __init__(self, debug: bool) -> None:
        super().__init__()
        self.floors = {name: floor if debug else logging.WARNING for name, floor in _LIBRARY_DEBUG_FLOOR.items()}

    def filter(self, record: logging.LogRecord) -> bool:
        floor = self.floors.get(record.name.split(".", 1)[0])
        return floor is None or record.levelno >= floor


def setup_logging(settings: Settings, stream: object = None) -> None:
    """Route every logger through one redacting handler in the configured format and level."""
    redact = Redactor(secret_values(settings))
    formatter = JsonFormatter(redact) if settings.log_format == "json" else LogfmtFormatter(redact)
    handler = logging.StreamHandler(stream or sys.stderr)  # type: ignore[arg-type]
    handler.setFormatter(formatter)
    library_filter = LibraryFilter(settings.log_level == "DEBUG")
    handler.addFilter(library_filter)
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(settings.log_level)
    for name, floor in library_filter.floors.items():
        logging.getLogger(name).setLevel(floor)  # spares formatting what the filter would drop
    logging.captureWarnings(True)
