"""The simulated installation: weather, house, hot-water cylinder and heat pump stepped together, with the truth.

``Installation.advance(until)`` moves the model forward in fixed steps and yields each step, so a driver can feed
the Shelly emulator the same piecewise-constant power the model used. Every step's true energies are booked in
totals and per local day: the totals are the ground truth a JAZ computed from the meters is checked against, the
daily book is what the simulated controller reports as its energy summaries.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, fields, replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

from collector.sim.heatpump import HeatPump, HeatPumpSpec, Mode, Step
from collector.sim.house import WATER_WH_PER_LITRE_K, HotWaterTank, House
from collector.sim.weather import Climate

STEP_S = 10.0
# Counters start from the unit's age (commissioned 1 September 2023), so they grow across restarts.
COMMISSIONED = 1_693_526_400.0
STARTS_PER_DAY, RUN_HOURS_PER_DAY = 4.0, 9.0
DAYS_KEPT = 800  # enough for this and last year's summaries


@dataclass
class Energies:
    """True energies in Wh, split by usage (heating = space heating, dhw = hot water, cooling = a reversible unit
    cooling the rooms: its electricity is in ``meter`` and, apart, in ``meter_cooling``)."""

    heat_heating: float = 0.0
    heat_dhw: float = 0.0
    meter: float = 0.0  # everything on the Shelly
    device_heating: float = 0.0  # the controller's consumption estimate
    device_dhw: float = 0.0
    rod: float = 0.0  # heating-rod electricity = heat, always into the heating water
    burner: float = 0.0  # a hybrid's gas burner heat (not heat-pump heat, not in ``heat``)
    cooling: float = 0.0  # heat taken out of the rooms (positive; flow x dT sees it negative)
    meter_cooling: float = 0.0  # the Shelly's electricity while the unit cooled
    device_cooling: float = 0.0

    def book(self, step: Step, dt: float) -> None:
        hours = dt / 3600.0
        self.meter += step.meter_w * hours
        self.burner += step.burner_w * hours
        if step.usage == "cooling":
            self.cooling -= step.heat_w * hours
            self.meter_cooling += step.meter_w * hours
            self.device_cooling += step.device_w * hours
        elif step.usage == "dhw":
            self.heat_dhw += step.heat_w * hours
            self.device_dhw += step.device_w * hours
        else:
            self.heat_heating += step.heat_w * hours
            self.device_heating += step.device_w * hours
        self.rod += step.rod_w * hours

    def __add__(self, other: Energies) -> Energies:
        return Energies(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))

    @property
    def heat(self) -> float:
        return self.heat_heating + self.heat_dhw

    @property
    def meter_heating(self) -> float:
        """Metered electricity outside cooling: heating, hot water, defrosts and standby."""
        return self.meter - self.meter_cooling

    @property
    def spf(self) -> float | None:
        """Σ heat / Σ metered electricity outside cooling (boundary H2): the JAZ a perfect collector would compute."""
        return self.heat / self.meter_heating if self.meter_heating > 0 else None

    @property
    def eer(self) -> float | None:
        """Σ cooling / Σ metered electricity while cooling: the cooling figure a perfect collector would compute."""
        return self.cooling / self.meter_cooling if self.meter_cooling > 0 else None


@dataclass
class Burner:
    """A hybrid's gas burner in alternative bivalent operation: below ``below_c`` outside it heats the rooms
    instead of the heat pump (which still heats the hot water). Its counters start from the unit's age too."""

    below_c: float
    max_w: float = 19_000.0
    efficiency: float = 0.95  # heat per gas energy (gas in kWh as the controller reports it)
    firing: bool = False
    starts: int = 0
    hours: float = 0.0

    def step(self, dt: float, outside_c: float, demand_w: float) -> float:
        """Heat delivered over the step (W)."""
        heat = min(self.max_w, demand_w) if outside_c < self.below_c and demand_w > 0 else 0.0
        if heat > 0 and not self.firing:
            self.starts += 1
        self.firing = heat > 0
        self.hours += dt / 3600.0 if self.firing else 0.0
        return heat


@dataclass
class Installation:
    start: float
    tz: ZoneInfo
    climate: Climate = field(default_factory=Climate)
    house: House = field(default_factory=House)
    spec: HeatPumpSpec = field(default_factory=HeatPumpSpec)
    step_s: float = STEP_S
    burner_below_c: float | None = None  # a hybrid: see Burner
    cooling_setpoint_c: float | None = None  # a reversible unit cooling the rooms to this on summer days

    def __post_init__(self) -> None:
        self.t = self.start - self.start % self.step_s
        self.tank = HotWaterTank()
        self.heatpump = HeatPump(self.spec, room_c=self.house.room_setpoint_c)
        age_days = max(0.0, self.t - COMMISSIONED) / 86400.0
        self.heatpump.starts = int(age_days * STARTS_PER_DAY)
        self.heatpump.hours = age_days * RUN_HOURS_PER_DAY
        self.burner = None if self.burner_below_c is None else Burner(self.burner_below_c)
        if self.burner is not None:
            self.burner.starts, self.burner.hours = int(age_days), age_days * 2.0
        self.totals = Energies()
        self.days: dict[date, Energies] = {}
        # the other side of the energy balance, Wh: what the rooms needed, what was tapped and lost from the cylinder
        self.space_demand_wh = self.cooling_demand_wh = self.dhw_drawn_wh = self.dhw_loss_wh = 0.0
        self.last = self._step(0.0)  # the state at the start, before any time passed

    def outside_c(self) -> float:
        return self.climate.outside_temperature(self.t)

    def humidity_pct(self) -> float:
        return self.climate.relative_humidity(self.t)

    def cooling_demand_w(self, outside_c: float, day_mean_c: float) -> float:
        if self.cooling_setpoint_c is None:
            return 0.0
        return self.house.cooling_demand_w(outside_c, day_mean_c, self.cooling_setpoint_c)

    @property
    def cooling_season(self) -> bool:
        """A reversible unit's circuit runs its cooling program: the day is too warm to heat."""
        day_mean = self.climate.damped_temperature(self.t)
        return self.cooling_setpoint_c is not None and day_mean >= self.house.heating_limit_c

    def local_day(self, t: float | None = None) -> date:
        return datetime.fromtimestamp(self.t if t is None else t, self.tz).date()

    def _step(self, dt: float) -> Step:
        outside = self.climate.outside_temperature(self.t)
        day_mean = self.climate.damped_temperature(self.t)
        demand = self.house.heat_demand_w(outside, day_mean)
        cooling = self.cooling_demand_w(outside, day_mean)
        burner_w = self.burner.step(dt, outside, demand) if self.burner is not None else 0.0
        hp_demand = 0.0 if burner_w > 0 else demand  # the burner heats the rooms; the heat pump only hot water
        step = self.heatpump.step(dt, outside, self.climate.relative_humidity(self.t), hp_demand, self.tank, cooling)
        if burner_w > 0:
            step = replace(step, burner_w=burner_w)
            if step.mode is Mode.OFF:  # the burner's heat flows through the heating circuit the sensors see
                flow = self.spec.flow_lph
                supply = self.spec.supply_target_c(outside, self.house.room_setpoint_c)
                step = replace(
                    step, supply_c=supply, return_c=supply - burner_w / (flow * WATER_WH_PER_LITRE_K), flow_lph=flow
                )
        drawn, lost = self.tank.step(self.t, dt, step.heat_w if step.usage == "dhw" else 0.0)
        self.space_demand_wh += demand * dt / 3600.0
        self.cooling_demand_wh += cooling * dt / 3600.0
        self.dhw_drawn_wh += drawn
        self.dhw_loss_wh += lost
        return step

    def advance(self, until: float) -> Iterator[tuple[float, Step]]:
        """Step up to ``until`` (unix s); yields (step start, step) with powers constant over the step."""
        while self.t + self.step_s <= until:
            step = self._step(self.step_s)
            self.totals.book(step, self.step_s)
            day = self.local_day()
            self.days.setdefault(day, Energies()).book(step, self.step_s)
            if len(self.days) > DAYS_KEPT:
                del self.days[min(self.days)]
            yield self.t, step
            self.t += self.step_s
            self.last = step

    def run_until(self, until: float) -> None:
        for _ in self.advance(until):
            pass

    def energies_between(self, first: date, last: date) -> Energies:
        """Sum of the daily books from ``first`` to ``last`` inclusive (local days)."""
        total = Energies()
        for day, energies in self.days.items():
            if first <= day <= last:
                total = total + energies
        return total
