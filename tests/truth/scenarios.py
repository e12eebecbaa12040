"""The fault matrix of issue 12: what goes wrong with the meter and the collector, on which simulated days."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from tests.truth.recording import Faults, Variant

TZ = ZoneInfo("Europe/Berlin")


@dataclass(frozen=True)
class Scenario:
    name: str
    first: date  # the complete local days the figures are checked on
    last: date
    faults: Faults = field(default_factory=Faults)
    influx_down: tuple[float, float] | None = None  # writes withheld in [a, b), a task run at b, then written
    duplicate_points: bool = False  # every point written twice
    counted: tuple[int, int, int] = (0, 0, 0)  # resets, clamped, glitches the tasks must count
    variant: Variant = field(default_factory=Variant)  # the heating-only installation unless given


def at(day: date, hour: int, minute: int = 0, second: int = 0, fold: int = 0) -> float:
    return datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=TZ, fold=fold).timestamp()


SPRING, AUTUMN = date(2026, 3, 29), date(2026, 10, 25)  # the DST days of 2026 in Europe/Berlin


def scenarios(
    day: date = date(2026, 1, 14), month_end: date = date(2026, 1, 31), year_end: date = date(2025, 12, 31)
) -> list[Scenario]:
    """One scenario per fault; ``day`` for those that do not need a particular date."""
    spring, autumn = SPRING, AUTUMN
    one = dict(first=day, last=day)
    return [
        Scenario("no fault", **one),
        # the old simulated installation: down 40 s, then its meter restarts from the captured device's reading
        Scenario(
            "collector restart mid-day",
            counted=(1, 0, 0),
            **one,
            faults=Faults(
                collector_gaps=((at(day, 12), at(day, 12, 0, 40)),), resets=((at(day, 12, 0, 40), 2_586_123.45),)
            ),
        ),
        Scenario("Shelly reboot", **one, faults=Faults(shelly_gaps=((at(day, 9), at(day, 9, 0, 30)),))),
        Scenario("counter reset to 0", counted=(1, 0, 0), **one, faults=Faults(resets=((at(day, 15), 0.0),))),
        Scenario(
            "counter reset to non-zero", counted=(1, 0, 0), **one, faults=Faults(resets=((at(day, 15), 1234.56),))
        ),
        Scenario(
            "step-back 0.01 Wh", counted=(0, 0, 1), **one, faults=Faults(step_backs=((at(day, 10, 0, 10), 0.01),))
        ),
        Scenario("step-back 5 Wh", counted=(0, 0, 1), **one, faults=Faults(step_backs=((at(day, 10, 0, 10), 5.0),))),
        Scenario(
            "meter replaced",
            **one,
            faults=Faults(
                shelly_gaps=((at(day, 13), at(day, 13, 1)),), replaced=(at(day, 13, 1), "shellypro3em-new", 17.5)
            ),
        ),
        Scenario("2 h outage refilled from EMData", **one, faults=Faults(collector_gaps=((at(day, 2), at(day, 4)),))),
        Scenario("InfluxDB down 10 min", **one, influx_down=(at(day, 14), at(day, 14, 10))),
        Scenario(
            "duplicate and overlapping EMData records",
            **one,
            faults=Faults(collector_gaps=((at(day, 6), at(day, 6, 30)),), duplicate_records=True),
            duplicate_points=True,
        ),
        Scenario(
            "spring DST day, reset",
            counted=(1, 0, 0),
            first=spring,
            last=spring,
            faults=Faults(resets=((at(spring, 3, 30), 1234.56),)),
        ),
        Scenario(
            "autumn DST day, step-back in the repeated hour",
            counted=(0, 0, 1),
            first=autumn,
            last=autumn,
            faults=Faults(step_backs=((at(autumn, 2, 30, 10, fold=1), 5.0),)),
        ),
        Scenario(
            "month boundary, reset after midnight",
            counted=(1, 0, 0),
            first=month_end,
            last=month_end + timedelta(days=1),
            faults=Faults(resets=((at(month_end + timedelta(days=1), 0, 0, 30), 0.0),)),
        ),
        Scenario("year boundary", first=year_end, last=year_end + timedelta(days=1)),
    ]
