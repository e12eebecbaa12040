"""What the alert rules read, from the simulated installation (collector/sim) and the collector's own health
contract, for a healthy week and with one injected fault.

The simulator runs once in 10-s steps; every minute it is sampled the way the collector writes: Shelly power and
the health rows of every source; every Viessmann poll period (derived from the default budget, as the collector
does) the device's values; hourly outside-temperature rollups and daily COP rows from the simulator's true daily
energies. A fault changes what the collector would write from its start on.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from collector.points import Point, point
from collector.settings import Settings
from collector.sim.installation import Installation

TZ = ZoneInfo("Europe/Berlin")
END = datetime(2026, 11, 20, 6, 0, tzinfo=UTC)  # the healthy week ends here (a November week)
DAYS = 9  # a week of evaluations plus the history the longest rule window (3 days) reaches back to
DEVICE = "7571381681420106"
SHELLY_POLLS_PER_MINUTE = 6
POINTS_PER_MINUTE = 40  # what the collector queues per minute (Shelly phases and totals, health)


@dataclass(frozen=True)
class Sample:
    """The installation at one minute."""

    t: float
    meter_w: float
    outside_c: float
    dhw_c: float
    starts: int
    rod_on: bool
    compressor_on: bool


@dataclass(frozen=True)
class Fault:
    kind: str
    start: datetime


@cache
def samples() -> tuple[Sample, ...]:
    start = (END - timedelta(days=DAYS)).timestamp()
    model = Installation(start, TZ)
    out = []
    for t, step in model.advance(END.timestamp() + 1):
        if t % 60 == 0:
            out.append(
                Sample(
                    t,
                    step.meter_w,
                    model.outside_c(),
                    model.tank.temperature_c,
                    model.heatpump.starts,
                    step.rod_w > 0,
                    model.heatpump.running,
                )
            )
    return tuple(out)


@cache
def daily_cop() -> tuple[tuple[datetime, float, float], ...]:
    """(local midnight, heat kWh, electricity kWh) per complete simulated day."""
    start = (END - timedelta(days=DAYS)).timestamp()
    model = Installation(start, TZ)
    model.run_until(END.timestamp())
    days = sorted(model.days)[1:-1]  # the first and last local day are partial
    return tuple(
        (datetime(d.year, d.month, d.day, tzinfo=TZ), model.days[d].heat / 1000, model.days[d].meter / 1000)
        for d in days
    )


def _poll_seconds() -> tuple[float, int]:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    return settings.viessmann_effective_poll_seconds, settings.viessmann_calls_allowed_per_day


def raw_points(fault: Fault | None = None, since: datetime | None = None, until: datetime = END) -> Iterator[Point]:
    poll_s, budget = _poll_seconds()
    begin = since.timestamp() if since else -math.inf
    f_t = fault.start.timestamp() if fault else math.inf
    kind = fault.kind if fault else ""
    next_poll = samples()[0].t
    polls: list[float] = []
    shelly_ok = viessmann_ok = samples()[0].t
    viessmann_failures = outbox = 0
    extra_starts = 0
    for s in samples():
        if s.t > until.timestamp():
            break
        faulty = s.t >= f_t
        if faulty and kind == "collector_down":
            break
        at = datetime.fromtimestamp(s.t, UTC)
        keep = s.t >= begin
        # Shelly
        if faulty and kind == "shelly_down":
            failures = int((s.t - f_t) / 60 + 1) * SHELLY_POLLS_PER_MINUTE
        else:
            failures, shelly_ok = 0, s.t
            if keep:
                yield point("shelly_power", {"device": DEVICE, "phase": "total"}, {"power": s.meter_w}, at)
        # Viessmann
        if s.t >= next_poll:  # the poll falling into this minute (the period is longer than a minute)
            next_poll += poll_s
            polls.append(s.t)
            if faulty and kind == "viessmann_down":
                viessmann_failures += 1
            else:
                viessmann_failures, viessmann_ok = 0, s.t
                if faulty and kind == "short_cycling":
                    extra_starts = int((s.t - f_t) / 600) + 1  # a start every 10 min on top
                if keep:
                    yield from _device_points(s, at, kind if faulty else "", extra_starts)
                if keep and (len(polls) == 1 or (faulty and kind == "malfunction_lock")):
                    # written when the feature changes: once at the first poll, then with the lock
                    lock = int(faulty and kind == "malfunction_lock")
                    yield point("hp_restriction", {"device": DEVICE}, {"malfunction_lock": lock}, at)
        polls = [p for p in polls if p > s.t - 86400]
        calls = len(polls)
        if faulty and kind == "budget_exhausted":
            calls = int(budget * 0.98)
        if faulty and kind == "outbox_growing":
            outbox += POINTS_PER_MINUTE
        if not keep:
            continue
        state = "ok" if not failures else "failing"
        yield point(
            "collector_health",
            {"source": "shelly"},
            {"last_success": shelly_ok, "consecutive_failures": failures, "state": state},
            at,
        )
        v_state = "rate_limited" if faulty and kind == "rate_limited" else ("failing" if viessmann_failures else "ok")
        yield point(
            "collector_health",
            {"source": "viessmann"},
            {
                "last_success": viessmann_ok,
                "consecutive_failures": viessmann_failures,
                "state": v_state,
                "calls_24h": calls,
                "budget_24h": budget,
            },
            at,
        )
        yield point(
            "collector_health",
            {"source": "writer"},
            {"last_success": s.t, "consecutive_failures": 0 if not outbox else outbox // 100, "outbox_depth": outbox},
            at,
        )


def _device_points(s: Sample, at: datetime, kind: str, extra_starts: int) -> Iterator[Point]:
    dev = {"device": DEVICE}
    dhw = 35.0 if kind == "dhw_cold" else s.dhw_c
    yield point("hp_temperature", {**dev, "sensor": "dhw"}, {"value": dhw}, at)
    yield point("hp_temperature", {**dev, "sensor": "outside"}, {"value": s.outside_c}, at)
    yield point(
        "hp_compressor",
        {**dev, "compressor": "0"},
        {"active": int(s.compressor_on), "starts": s.starts + extra_starts},
        at,
    )
    yield point("hp_heating_rod", dev, {"active": int(s.rod_on or kind == "rod_on")}, at)
    if kind == "fault_code":
        yield point("hp_error", {**dev, "code": "F.160", "priority": "error"}, {"active": 1}, at)


def rollup_points(fault: Fault | None = None) -> Iterator[Point]:
    """Hourly outside means and daily COP rows (what the rollup and COP tasks write)."""
    hours: dict[float, list[float]] = {}
    for s in samples():
        hours.setdefault(s.t - s.t % 3600, []).append(s.outside_c)
    for hour, values in hours.items():
        at = datetime.fromtimestamp(hour, UTC)
        yield point(
            "hp_temperature_1h",
            {"device": DEVICE, "sensor": "outside", "agg": "mean"},
            {"value": sum(values) / len(values)},
            at,
        )
    for midnight, heat, electric in daily_cop():
        if fault and fault.kind == "cop_low" and midnight >= fault.start:
            heat *= 0.45  # e.g. the heat pump stuck defrosting or heating against an open window
        yield point(
            "cop_daily",
            {"category": "combined", "source": "device", "boundary": "H2"},
            {"cop": heat / electric, "heat_kwh": heat, "electric_kwh": electric, "coverage": 100.0},
            midnight,
        )


def last_complete_day() -> datetime:
    return daily_cop()[-1][0]
