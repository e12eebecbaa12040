"""Outside air of the simulated installation: a deterministic function of time, so any instant can be asked for.

Temperature = annual mean + seasonal cosine (coldest around 20 January) + daily cosine (warmest mid-afternoon,
local solar time) + a slow sum of "weather fronts" (incommensurate multi-day periods with seeded phases, so cold
snaps and mild spells come and go without repeating each week). Relative humidity is high in winter nights and
lower on afternoons, as in a central European climate (Germany: mean ≈ 9.5 °C, January ≈ 0 °C, July ≈ 18 °C).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

DAY_S = 86400.0
YEAR_S = 365.2425 * DAY_S
FRONT_PERIODS_DAYS = (3.1, 5.7, 11.3, 23.9)


@dataclass(frozen=True)
class Climate:
    annual_mean_c: float = 9.5
    seasonal_amplitude_k: float = 9.0
    coldest_day_of_year: float = 20.0
    daily_amplitude_k: float = 3.5  # half the day-night swing
    warmest_hour: float = 15.0  # local solar time
    utc_offset_hours: float = 1.0  # where local solar time is (central Europe)
    front_amplitude_k: float = 3.0  # per front; four fronts
    seed: int = 7
    _phases: tuple[float, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        rng = random.Random(self.seed)
        object.__setattr__(self, "_phases", tuple(rng.uniform(0, 2 * math.pi) for _ in FRONT_PERIODS_DAYS))

    def _season(self, t: float) -> float:
        """+1 at the coldest day of the year, -1 half a year later."""
        day = (t % YEAR_S) / DAY_S
        return math.cos(2 * math.pi * (day - self.coldest_day_of_year) / 365.2425)

    def _day(self, t: float) -> float:
        """+1 at the warmest hour, -1 twelve hours later."""
        hour = ((t / 3600.0) + self.utc_offset_hours) % 24.0
        return math.cos(2 * math.pi * (hour - self.warmest_hour) / 24.0)

    def _fronts(self, t: float) -> float:
        days = t / DAY_S
        return sum(
            math.sin(2 * math.pi * days / period + phase)
            for period, phase in zip(FRONT_PERIODS_DAYS, self._phases, strict=True)
        )

    def outside_temperature(self, t: float) -> float:
        """Outside air temperature, °C, at unix time ``t``."""
        return (
            self.annual_mean_c
            - self.seasonal_amplitude_k * self._season(t)
            + self.daily_amplitude_k * self._day(t)
            + self.front_amplitude_k * self._fronts(t) / 2.0
        )

    def damped_temperature(self, t: float) -> float:
        """The day-mean outside temperature (no daily swing): what a controller's damped sensor value follows."""
        return self.outside_temperature(t) - self.daily_amplitude_k * self._day(t)

    def relative_humidity(self, t: float) -> float:
        """Relative humidity, %, at unix time ``t`` (40–99)."""
        rh = 78.0 + 8.0 * self._season(t) - 12.0 * self._day(t) + 3.0 * self._fronts(t)
        return min(99.0, max(40.0, rh))


@dataclass(frozen=True)
class ConstantClimate(Climate):
    """Fixed conditions, for tests and what-if runs."""

    temperature_c: float = 0.0
    humidity_pct: float = 85.0

    def outside_temperature(self, t: float) -> float:
        return self.temperature_c

    def damped_temperature(self, t: float) -> float:
        return self.temperature_c

    def relative_humidity(self, t: float) -> float:
        return self.humidity_pct
