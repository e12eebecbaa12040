"""The collector's whole configuration: one pydantic-settings model.

Sources, in order of precedence: environment variables (prefix ``HPM_``), an optional ``.env`` file, and
Docker secrets (one file per setting, named like the variable, e.g. ``/run/secrets/hpm_influx_token``) in the
directories ``HPM_SECRETS_DIR`` lists (separated by ``:``, later ones win; default ``/run/secrets``).
Every field's description is the documentation: ``.env.example`` and the README table are checked
against it by tests/test_settings.py.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ENV_PREFIX = "HPM_"
DEFAULT_SECRETS_DIR = "/run/secrets"

# Viessmann's free plan (developer portal FAQ): sliding windows, shared by every client of the account.
VIESSMANN_FREE_PLAN_PER_DAY = 1450
VIESSMANN_FREE_PLAN_PER_10MIN = 120


def secrets_dirs() -> list[str] | None:
    """The existing directories of HPM_SECRETS_DIR (docker compose: the provisioned token, then the device
    secrets of ./secrets/collector); missing ones are skipped, as pydantic-settings would warn about them."""
    listed = os.environ.get("HPM_SECRETS_DIR", DEFAULT_SECRETS_DIR).split(os.pathsep)
    return [d for d in listed if d and Path(d).is_dir()] or None


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        secrets_dir=secrets_dirs(),
        validate_default=True,
    )

    # --- installation -------------------------------------------------------------------------------
    timezone: str = Field("Europe/Berlin", description="IANA time zone that defines local days and months.")
    data_dir: Path = Field(
        Path("./data"),
        description="Directory for the collector's SQLite files and the Viessmann token cache.",
    )
    system_boundary: Literal["H1", "H2", "H3", "H4"] = Field(
        "H2",
        description="SEPEMO boundary of what the Shelly meters (H2: outdoor unit; H3: + heating rod; "
        "H4: + circulation pumps). Labels every COP/JAZ figure.",
    )

    # --- Shelly Pro 3EM -----------------------------------------------------------------------------
    shelly_host: str | None = Field(
        None, description="Shelly Pro 3EM address (host or host:port). Empty: simulated installation."
    )
    shelly_password: SecretStr | None = Field(
        None, description="Shelly web password (digest auth, user admin) when authentication is enabled."
    )
    shelly_channel: int | None = Field(
        None,
        ge=0,
        le=2,
        description="Meters with em1 channels (Pro EM-50, EM Gen3 with 2, Pro 3EM in monophase with 3): the channel "
        "that meters the heat pump. Empty: the sum of all channels. Ignored by a three-phase meter.",
    )
    shelly_poll_seconds: float = Field(10.0, gt=0.5, le=300, description="Shelly sampling period in seconds.")
    shelly_timeout_seconds: float = Field(3.0, gt=0, le=30, description="Timeout of one Shelly request.")
    shelly_backoff_max_seconds: float = Field(
        300.0, gt=0, description="Longest pause between Shelly retries while the device is failing."
    )
    shelly_backfill_gap_seconds: float = Field(
        120.0,
        gt=0,
        description="A sampling gap longer than this is filled from the device's 1-minute history.",
    )
    shelly_rated_current_a: float = Field(
        120.0,
        gt=0,
        le=1000,
        description="Rated current per phase of the meter's clamps (Pro 3EM: 120 A, Pro 3EM-400: 400 A); bounds "
        "what a counter may rise by in an interval.",
    )

    # --- Viessmann ----------------------------------------------------------------------------------
    viessmann_client_id: SecretStr | None = Field(
        None, description="Client ID from the Viessmann developer portal. Empty: simulated heat pump."
    )
    viessmann_username: str | None = Field(None, description="ViCare account e-mail.")
    viessmann_password: SecretStr | None = Field(None, description="ViCare account password.")
    viessmann_calls_per_day: int = Field(
        VIESSMANN_FREE_PLAN_PER_DAY, gt=0, description="API plan: calls allowed per 24 h (free plan 1450)."
    )
    viessmann_calls_per_10min: int = Field(
        VIESSMANN_FREE_PLAN_PER_10MIN, gt=0, description="API plan: calls allowed per 10 min (free plan 120)."
    )
    viessmann_budget_share: float = Field(
        0.5,
        gt=0,
        le=1,
        description="Share of the API plan the collector may use (the ViCare app and others use the rest).",
    )
    viessmann_poll_seconds: float | None = Field(
        None, gt=0, description="Viessmann poll period. Empty: derived from the budget (about 2 min on free)."
    )
    viessmann_timeout_seconds: float = Field(15.0, gt=0, description="Timeout of one Viessmann API call.")
    viessmann_rated_power_kw: float | None = Field(
        None, gt=0, description="Rated compressor power if the API does not report it (heat estimate only)."
    )

    # --- InfluxDB ------------------------------------------------------------------------------------
    influx_url: str = Field("http://localhost:8086", description="InfluxDB 2 URL.")
    influx_org: str = Field("home", description="InfluxDB organisation.")
    influx_token: SecretStr | None = Field(
        None, description="InfluxDB token the collector writes with (write-only token from provisioning)."
    )
    influx_admin_token: SecretStr | None = Field(
        None, description="InfluxDB operator token; used only by 'collector provision'."
    )
    influx_bucket_raw: str = Field("hp_raw", description="Bucket for raw readings.")
    influx_bucket_rollup: str = Field("hp_rollup", description="Bucket for rollups and derived series.")
    influx_raw_retention_days: int = Field(400, ge=0, description="Retention of the raw bucket (0 = forever).")
    write_batch_size: int = Field(500, gt=0, le=50000, description="Points per InfluxDB write.")
    write_flush_seconds: float = Field(5.0, gt=0, description="Longest time a point waits before it is written.")
    outbox_max_points: int = Field(
        5_000_000, gt=0, description="Bound of the local outbox while InfluxDB is unreachable (~60 days)."
    )

    # --- metrics --------------------------------------------------------------------------------------
    cop_starting_power_w: float = Field(
        100.0, ge=0, description="Electric power at or above which the heat pump counts as running."
    )
    cop_min_coverage: float = Field(
        0.8, gt=0, le=1, description="Share of an interval both inputs must cover before a COP is emitted."
    )
    cop_min_electric_kwh: float = Field(
        0.05, ge=0, description="Electric energy floor below which no 30-min COP is emitted (no ~0 division)."
    )
    heating_season_start_month: int = Field(9, ge=1, le=12, description="First month of the heating season.")

    # --- monthly report and phone channels -------------------------------------------------------------
    # The channel variables are the ones grafana/contact-points.sh gives Grafana's alerting: one set of channels.
    grafana_influx_token: SecretStr | None = Field(
        None,
        description="Read-only InfluxDB token the monthly report reads with (provisioning writes it for Grafana; "
        "Docker secret hpm_grafana_influx_token).",
    )
    report_tariff_eur_per_kwh: float | None = Field(
        None, ge=0, description="Electricity price (EUR/kWh) for the report's cost. Empty: no cost shown."
    )
    alert_ntfy_url: str | None = Field(
        None, description="ntfy topic URL (https://ntfy.example/topic) for alerts and reports."
    )
    alert_ntfy_token: SecretStr | None = Field(None, description="ntfy access token (Bearer), if the topic needs one.")
    alert_telegram_bot_token: SecretStr | None = Field(None, description="Telegram bot token for alerts and reports.")
    alert_telegram_chat_id: str | None = Field(None, description="Telegram chat ID the bot sends to.")
    alert_pushover_token: SecretStr | None = Field(None, description="Pushover application token.")
    alert_pushover_user: SecretStr | None = Field(None, description="Pushover user key.")
    alert_email_to: str | None = Field(None, description="E-mail recipients of alerts and reports (comma-separated).")
    report_telegram_api_url: str = Field("https://api.telegram.org", description="Telegram Bot API base URL.")
    report_pushover_api_url: str = Field(
        "https://api.pushover.net/1/messages.json", description="Pushover message API URL."
    )
    report_smtp_host: str | None = Field(None, description="SMTP server the report e-mail is sent through.")
    report_smtp_port: int = Field(587, gt=0, lt=65536, description="SMTP port.")
    report_smtp_starttls: bool = Field(True, description="Upgrade the SMTP connection with STARTTLS.")
    report_smtp_user: str | None = Field(None, description="SMTP user name (empty: no login).")
    report_smtp_password: SecretStr | None = Field(None, description="SMTP password.")
    report_smtp_from: str | None = Field(None, description="Sender address of the report e-mail.")
    report_send_day_max: int = Field(
        7,
        ge=1,
        le=28,
        description="The previous month's report is built and sent from the 1st (01:00 local) up to this day of "
        "the month if not yet sent (catch-up after downtime); once only.",
    )

    # --- runtime ---------------------------------------------------------------------------------------
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field("INFO", description="Log level.")
    log_format: Literal["logfmt", "json"] = Field("logfmt", description="Log line format.")
    simulation_speed: float = Field(
        1.0, gt=0, le=100000, description="Simulated installation: simulated seconds per real second."
    )
    simulation_meter: Literal["triphase", "monophase", "two_channel"] = Field(
        "triphase",
        description="Simulated installation: the energy meter. two_channel: a Pro EM-50 style meter with the heat "
        "pump on channel 0 and a household circuit on channel 1 (set HPM_SHELLY_CHANNEL=0).",
    )
    simulation_burner_below_c: float | None = Field(
        None,
        ge=-30,
        le=25,
        description="Simulated installation: a hybrid whose gas burner heats the rooms instead of the heat pump "
        "below this outside temperature (alternative bivalent operation). Empty: no burner.",
    )
    simulation_cooling_setpoint_c: float | None = Field(
        None,
        ge=18,
        le=30,
        description="Simulated installation: a reversible unit that cools the rooms to this temperature on summer "
        "days (circuit mode heatingCooling). Empty: heating only.",
    )
    simulation_catchup_hours: float = Field(
        24.0,
        ge=0,
        le=24 * 400,
        description="Simulated installation with a speed above 1: start this far in the past, run fast until "
        "real time is reached, then in real time.",
    )

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (use an IANA name such as Europe/Berlin)") from None
        return value

    # Empty means unset: docker compose passes every variable through, empty when .env does not set it.
    @field_validator(
        "shelly_host",
        "viessmann_username",
        "viessmann_poll_seconds",
        "viessmann_rated_power_kw",
        "report_tariff_eur_per_kwh",
        "alert_ntfy_url",
        "alert_telegram_chat_id",
        "alert_pushover_user",
        "alert_email_to",
        "report_smtp_host",
        "report_smtp_user",
        "report_smtp_from",
        "shelly_password",
        "viessmann_client_id",
        "viessmann_password",
        "influx_token",
        "influx_admin_token",
        "grafana_influx_token",
        "alert_ntfy_token",
        "alert_telegram_bot_token",
        "alert_pushover_token",
        "report_smtp_password",
        mode="before",
    )
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @model_validator(mode="after")
    def _viessmann_complete(self) -> Settings:
        given = [self.viessmann_client_id, self.viessmann_username, self.viessmann_password]
        if any(given) and not all(given):
            raise ValueError(
                "set all of HPM_VIESSMANN_CLIENT_ID, HPM_VIESSMANN_USERNAME and HPM_VIESSMANN_PASSWORD, or none"
            )
        return self

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def simulated_shelly(self) -> bool:
        return self.shelly_host is None

    @property
    def simulated_viessmann(self) -> bool:
        return self.viessmann_client_id is None

    @property
    def viessmann_calls_allowed_per_day(self) -> int:
        return int(self.viessmann_calls_per_day * self.viessmann_budget_share)

    @property
    def viessmann_calls_allowed_per_10min(self) -> int:
        return int(self.viessmann_calls_per_10min * self.viessmann_budget_share)

    @property
    def viessmann_effective_poll_seconds(self) -> float:
        """The configured period, or the shortest one whose calls fit the budget with a 10 % margin."""
        if self.viessmann_poll_seconds is not None:
            return self.viessmann_poll_seconds
        per_day = 86400 / (self.viessmann_calls_allowed_per_day * 0.9)
        per_10min = 600 / (self.viessmann_calls_allowed_per_10min * 0.9)
        return float(max(60.0, per_day, per_10min))


def env_name(field: str) -> str:
    return f"{ENV_PREFIX}{field.upper()}"


def describe_error(error: ValidationError) -> str:
    """One line per invalid setting, naming the environment variable and what is wrong."""
    lines = []
    for item in error.errors():
        loc = [str(part) for part in item.get("loc", ()) if part != "__root__"]
        name = env_name(loc[0]) if loc else "configuration"
        message = item.get("msg", "invalid").removeprefix("Value error, ")
        lines.append(f"invalid setting {name}: {message}")
    return "\n".join(lines)


def load_settings(**overrides: object) -> Settings:
    """Load the settings or exit with one clear line per problem (never a traceback)."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        print(describe_error(error), file=sys.stderr)
        raise SystemExit(2) from None
