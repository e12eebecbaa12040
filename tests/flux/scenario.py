"""Synthetic installations for the differential tests and the benchmark: a heat pump metered every 10 s by
the Shelly and polled every 120 s from Viessmann, with the faults the tasks must survive."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from collector.metrics.series import NS, day_start, to_ns
from collector.points import Point, point

SHELLY = {"device": "em1", "phase": "total"}
VIESSMANN = {"device": "vi1"}


@dataclass
class Installation:
    """Operating profile: 40 min on / 20 min off, a DHW charge from 05:00 to 05:40 local every day."""

    tz: ZoneInfo
    running_w: float = 1500.0
    standby_w: float = 15.0
    cop_heating: float = 3.6
    cop_dhw: float = 2.6
    gaps: list[tuple[int, int]] = field(default_factory=list)  # Shelly silent in [a, b)
    viessmann_gaps: list[tuple[int, int]] = field(default_factory=list)
    resets: list[int] = field(default_factory=list)  # counter restarts from 0 at these instants
    zero_power: list[tuple[int, int]] = field(default_factory=list)  # breaker off: 0 W

    def dhw(self, t: int) -> bool:
        local = datetime.fromtimestamp(t // NS, tz=self.tz)
        return local.hour == 5 and local.minute < 40

    def power(self, t: int) -> float:
        if any(a <= t < b for a, b in self.zero_power):
            return 0.0
        running = self.dhw(t) or (t // NS) % 3600 < 2400
        return self.running_w * (1.1 if self.dhw(t) else 1.0) if running else self.standby_w

    def heat(self, t: int) -> float:
        power = self.power(t)
        if power < 100:
            return 0.0
        return power * (self.cop_dhw if self.dhw(t) else self.cop_heating)

    def shelly(self, start: int, stop: int, step_s: int = 10) -> Iterator[Point]:
        counter = 0.0
        for t in range(start, stop, step_s * NS):
            if any(t == r for r in self.resets):
                counter = 0.0
            counter += self.power(t) * step_s / 3600.0
            if any(a <= t < b for a, b in self.gaps):
                continue
            yield point("shelly_energy", SHELLY, {"imported": round(counter, 3)}, t / NS)
            yield point("shelly_power", SHELLY, {"power": self.power(t)}, t / NS)

    def backfill(self, a: int, b: int) -> list[Point]:
        """The device's own minute records for [a, b)."""
        return [
            point("shelly_energy_minute", SHELLY, {"imported": self.power(t) / 60.0}, t / NS)
            for t in range(a, b, 60 * NS)
        ]

    def viessmann(self, start: int, stop: int, step_s: int = 120) -> Iterator[Point]:
        day_heat = {"heating": 0.0, "dhw": 0.0}
        day_elec = {"heating": 0.0, "dhw": 0.0}
        day = day_start(start, self.tz)
        for t in range(start, stop, step_s * NS):
            if day_start(t, self.tz) != day:
                day = day_start(t, self.tz)
                day_heat = dict.fromkeys(day_heat, 0.0)
                day_elec = dict.fromkeys(day_elec, 0.0)
            usage = "dhw" if self.dhw(t) else "heating"
            day_heat[usage] += self.heat(t) * step_s / 3.6e6
            day_elec[usage] += self.power(t) * 0.93 * step_s / 3.6e6
            if any(a <= t < b for a, b in self.viessmann_gaps):
                continue
            at = t / NS
            heat, power = self.heat(t), self.power(t)
            supply = 35.0 + (15.0 if self.dhw(t) else 0.0) + (t // NS % 7) * 0.1
            flow = 1100.0 if power >= 100 else 0.0
            spread = heat / (flow * 1.163) if flow else 0.0
            yield point(
                "hp_compressor",
                {**VIESSMANN, "compressor": "0"},
                {
                    "heat_production": heat,
                    "power_consumption": power * 0.93,
                    "modulation": 0.0 if power < 100 else 62.5,
                    "rated_power": 8.0,
                },
                at,
            )
            yield point("hp_temperature", {**VIESSMANN, "sensor": "supply"}, {"value": supply}, at)
            yield point("hp_temperature", {**VIESSMANN, "sensor": "return"}, {"value": supply - spread}, at)
            yield point("hp_temperature", {**VIESSMANN, "sensor": "outside"}, {"value": 2.0}, at)
            yield point("hp_hydraulics", VIESSMANN, {"volumetric_flow": flow, "dhw_charging": int(self.dhw(t))}, at)
            for usage in ("heating", "dhw"):
                yield point(
                    "hp_energy_summary",
                    {**VIESSMANN, "kind": "heat", "usage": usage},
                    {"current_day": round(day_heat[usage], 1)},
                    at,
                )
                yield point(
                    "hp_energy_summary",
                    {**VIESSMANN, "kind": "electric", "usage": usage},
                    {"current_day": round(day_elec[usage], 1)},
                    at,
                )
            yield point("hp_heating_rod", VIESSMANN, {"energy_day": 0.0, "power": 0.0}, at)


def at(tz: ZoneInfo, *args: int) -> int:
    return to_ns(datetime(*args, tzinfo=tz))
