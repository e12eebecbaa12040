"""The simulated installation (``collector.sim.Installation``) recorded the way the collector stores it, with the
meter faults of issue 12 injected, and the simulator's truth beside it.

The fast path: no HTTP. The model is stepped in its 10 s steps; every step start is a Shelly sample (the total
import counter as the device shows it, moving once per completed minute and rounded to 2 decimals like
EMData.GetStatus, and the power the model draws over the step), every 120 s a Viessmann poll (the device's day
counters rounded to 0.1 kWh, supply/return temperatures and volumetric flow). Faults change what the meter shows
or what reaches the database; the truth is what the model did.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import pairwise
from zoneinfo import ZoneInfo

from collector.points import Point, point
from collector.sim.house import WATER_WH_PER_LITRE_K
from collector.sim.installation import Installation

SHELLY_S = 10
VIESSMANN_S = 120
MINUTE = 60
SHELLY = "shellypro3em-sim"
VIESSMANN = "7736172101234567"
DT_RESOLUTION_K = 0.1  # supply and return as the API gives them, 0.1 K each
COUNTER_START_WH = 5_432_109.87  # the meter's reading when the recording starts


@dataclass(frozen=True)
class Faults:
    """What goes wrong, at unix seconds. Samples exactly at a fault instant already show it."""

    shelly_gaps: tuple[tuple[float, float], ...] = ()  # no Shelly sample in [a, b) (reboot, lost polls)
    collector_gaps: tuple[tuple[float, float], ...] = ()  # the collector down: no sample, no Viessmann poll
    refill: bool = True  # a gap > 120 s is filled from the device's 1-minute history, as the source does
    resets: tuple[tuple[float, float], ...] = ()  # (at, new reading Wh): the counter restarts there
    step_backs: tuple[tuple[float, float], ...] = ()  # (at, Wh): that one sample shows this much less
    replaced: tuple[float, str, float] | None = None  # (at, new device id, its reading Wh): a new meter
    duplicate_records: bool = False  # the 1-minute records written twice, over ranges wider than the gaps
    viessmann_gaps: tuple[tuple[float, float], ...] = ()  # the Viessmann cloud down: no poll, the Shelly goes on


@dataclass(frozen=True)
class Variant:
    """Which installation: the heating-only one, a reversible unit (cooling to this room set point on warm days)
    or a hybrid (its gas burner heats the rooms below this outside temperature)."""

    cooling_setpoint_c: float | None = None
    burner_below_c: float | None = None


@dataclass
class Truth:
    """What the model did, per minute (unix s of the minute start) and per local day, Wh."""

    tz: ZoneInfo
    meter: dict[int, float] = field(default_factory=lambda: defaultdict(float))
    heat: dict[int, float] = field(default_factory=lambda: defaultdict(float))
    cooling: dict[int, float] = field(default_factory=lambda: defaultdict(float))  # heat taken out (positive)
    meter_cooling: dict[int, float] = field(default_factory=lambda: defaultdict(float))
    burner: dict[int, float] = field(default_factory=lambda: defaultdict(float))  # a hybrid's gas burner heat
    usage: dict[int, set[str]] = field(default_factory=lambda: defaultdict(set))  # what the steps did ("burner")
    defrosts: dict[date, int] = field(default_factory=lambda: defaultdict(int))  # defrost cycles begun per day
    cooling_program: set[int] = field(default_factory=set)  # minutes the circuit ran its cooling program
    # the most the 0.1 K resolution of the two temperatures (dT off by up to 0.1 K) can move cooling's flow x dT
    cooling_resolution: dict[int, float] = field(default_factory=lambda: defaultdict(float))

    def _day(self, minute: int) -> date:
        return datetime.fromtimestamp(minute, self.tz).date()

    def between(self, series: dict[int, float], start: float, stop: float) -> float:
        return sum(wh for minute, wh in series.items() if start <= minute < stop)

    def daily(self, series: dict[int, float]) -> dict[date, float]:
        found: dict[date, float] = defaultdict(float)
        for minute, wh in series.items():
            found[self._day(minute)] += wh
        return dict(found)


@dataclass
class Recording:
    points: list[Point]
    truth: Truth
    last_sample: float


def _in(t: float, ranges: tuple[tuple[float, float], ...]) -> bool:
    return any(a <= t < b for a, b in ranges)


def record(
    start: float, stop: float, tz: ZoneInfo, faults: Faults = Faults(), variant: Variant = Variant()
) -> Recording:
    """Step the model from ``start`` to ``stop`` (unix s, multiples of 10 s) and return what the database gets."""
    model = Installation(
        start, tz, cooling_setpoint_c=variant.cooling_setpoint_c, burner_below_c=variant.burner_below_c
    )
    truth = Truth(tz)
    points: list[Point] = []
    device, offset = SHELLY, COUNTER_START_WH  # the reading = offset + energy of the completed minutes
    completed = 0.0  # Wh of completed minutes since the start
    minute_wh = 0.0  # Wh of the minute in progress
    before_restart = 0.0  # Wh of the minute in progress that flowed before the counter restarted
    gaps = faults.shelly_gaps + faults.collector_gaps
    sampled: list[float] = []
    last_sample = start
    defrosts = model.heatpump.defrosts
    for t, step in model.advance(stop):
        if t % MINUTE == 0 and t > start:
            completed += minute_wh
            offset -= before_restart
            minute_wh = before_restart = 0.0
        # a restarted (or new) counter shows its new reading, and counts only what flows after that instant:
        # the part of the minute in progress before it is left out when the minute completes
        for at, reading in faults.resets:
            if t == at:
                offset, before_restart = reading - completed, minute_wh
        if faults.replaced is not None and t == faults.replaced[0]:
            device, offset, before_restart = faults.replaced[1], faults.replaced[2] - completed, minute_wh
        if t % SHELLY_S == 0 and not _in(t, gaps):
            shown = offset + completed - sum(wh for at, wh in faults.step_backs if at == t)
            tags = {"device": device, "phase": "total"}
            points.append(point("shelly_energy", tags, {"imported": round(shown, 2)}, t))
            points.append(point("shelly_power", tags, {"power": round(step.meter_w, 1)}, t))
            sampled.append(t)
            last_sample = t
        if t % VIESSMANN_S == 0 and not _in(t, faults.collector_gaps + faults.viessmann_gaps):
            points.extend(_viessmann(model, step, t))
        wh = step.meter_w * model.step_s / 3600.0
        minute_wh += wh
        minute = int(t - t % MINUTE)
        truth.meter[minute] += wh
        truth.usage[minute].add(step.usage)
        if model.cooling_season:
            truth.cooling_program.add(minute)
        if step.burner_w > 0:
            truth.usage[minute].add("burner")
            truth.burner[minute] += step.burner_w * model.step_s / 3600.0
        heat = step.heat_w * model.step_s / 3600.0
        if step.usage == "cooling":
            truth.cooling[minute] -= heat
            truth.meter_cooling[minute] += wh
            truth.cooling_resolution[minute] += (
                step.flow_lph * DT_RESOLUTION_K * WATER_WH_PER_LITRE_K * model.step_s / 3600
            )
        else:
            truth.heat[minute] += heat
        truth.defrosts[model.local_day(t)] += model.heatpump.defrosts - defrosts
        defrosts = model.heatpump.defrosts
    points.extend(_minute_records(sampled, truth, faults))
    return Recording(points, truth, last_sample)


def _viessmann(model: Installation, step: object, t: float) -> list[Point]:
    """One poll as the collector writes it: the day counters, temperatures and flow; a reversible unit's active
    program and cooling counters, a hybrid's burner state."""
    day = model.days.get(model.local_day(t))
    out = []
    if day is not None:
        counters = [
            ("heat", "heating", day.heat_heating),
            ("heat", "dhw", day.heat_dhw),
            ("electric", "heating", day.device_heating),
            ("electric", "dhw", day.device_dhw),
        ]
        if model.cooling_setpoint_c is not None:
            counters += [("heat", "cooling", day.cooling), ("electric", "cooling", day.device_cooling)]
        for kind, usage, wh in counters:
            tags = {"device": VIESSMANN, "kind": kind, "usage": usage}
            out.append(point("hp_energy_summary", tags, {"current_day": round(wh / 1000.0, 1)}, t))
    for sensor, value in (("supply", step.supply_c), ("return", step.return_c)):  # type: ignore[attr-defined]
        out.append(point("hp_temperature", {"device": VIESSMANN, "sensor": sensor}, {"value": round(value, 1)}, t))
    flow = round(step.flow_lph, 1)  # type: ignore[attr-defined]
    out.append(point("hp_hydraulics", {"device": VIESSMANN}, {"volumetric_flow": flow}, t))
    if model.cooling_setpoint_c is not None:
        program = "normalCooling" if model.cooling_season else "normalHeating"
        out.append(point("hp_circuit", {"device": VIESSMANN, "circuit": "0"}, {"program": program}, t))
    if model.burner is not None:
        firing = int(model.burner.firing)
        out.append(point("hp_burner", {"device": VIESSMANN, "burner": "0"}, {"active": firing}, t))
    return out


def _minute_records(sampled: list[float], truth: Truth, faults: Faults) -> list[Point]:
    """The device's 1-minute records the source fetches for its sampling gaps (> 120 s): the minutes from the
    one of the last sample before the gap up to the one of the first sample after it."""
    if not faults.refill:
        return []
    ranges = [(int(a - a % MINUTE), int(b - b % MINUTE)) for a, b in pairwise(sampled) if b - a > 120]
    if faults.duplicate_records:  # overlapping pages and a second fetch: wider ranges, every record twice
        ranges = ranges + [(a - 5 * MINUTE, b + 5 * MINUTE) for a, b in ranges]
    out = []
    for a, b in ranges:
        for minute in range(a, b, MINUTE):
            wh = truth.meter.get(minute, 0.0)
            tags = {"device": SHELLY, "phase": "total"}
            out.append(point("shelly_energy_minute", tags, {"imported": round(wh, 3)}, minute))
    return out
