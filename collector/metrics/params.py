"""The thresholds and names every task and twin uses, taken from Settings, and their Flux template values."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from collector.schema import COUNTER_DROP_TOLERANCE_WH, meter_max_power_w
from collector.settings import Settings

GAP_RULE_S = 900  # methodology §3: a gap shorter than 15 min is bridged by holding the last value
FULL_YEAR_DAYS = 330  # methodology §4: an annual figure counts only with more days of data than this
WATER_WH_PER_L_K = 1.163  # c_p of water: 4.186 kJ/(kg K) at ~1 kg/l, in Wh/(l K)


@dataclass(frozen=True)
class Params:
    timezone: str = "Europe/Berlin"
    starting_power_w: float = 100.0
    min_coverage_pct: float = 80.0
    min_electric_kwh: float = 0.05
    boundary: str = "H2"
    shelly_max_gap_s: int = 120
    max_gap_s: int = GAP_RULE_S
    season_start_month: int = 9
    full_year_days: int = FULL_YEAR_DAYS
    meter_max_w: float = meter_max_power_w(120.0)  # the counter rule's bound (all phases)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @classmethod
    def from_settings(cls, settings: Settings) -> Params:
        return cls(
            timezone=settings.timezone,
            starting_power_w=settings.cop_starting_power_w,
            min_coverage_pct=settings.cop_min_coverage * 100,
            min_electric_kwh=settings.cop_min_electric_kwh,
            boundary=settings.system_boundary,
            shelly_max_gap_s=round(settings.shelly_backfill_gap_seconds),
            season_start_month=settings.heating_season_start_month,
            meter_max_w=meter_max_power_w(settings.shelly_rated_current_a),
        )

    def template_values(self) -> dict[str, str]:
        """Placeholder values as Flux literals (floats always with a decimal point)."""
        return {
            "TIMEZONE": self.timezone,
            "STARTING_POWER_W": repr(float(self.starting_power_w)),
            "MIN_COVERAGE": repr(float(self.min_coverage_pct)),
            "MIN_ELECTRIC_KWH": repr(float(self.min_electric_kwh)),
            "BOUNDARY": self.boundary,
            "SHELLY_MAX_GAP_S": str(self.shelly_max_gap_s),
            "MAX_GAP_S": str(self.max_gap_s),
            "SEASON_OFFSET_MONTHS": str(self.season_start_month - 1),
            "FULL_YEAR_DAYS": str(self.full_year_days),
            "METER_MAX_W": repr(float(self.meter_max_w)),
            "COUNTER_DROP_TOLERANCE_WH": repr(COUNTER_DROP_TOLERANCE_WH),
        }
