"""Run the Flux tasks on a recording (tests/truth/recording.py) on the real server, nightly as the scheduler would
(every stage at 00:20 local, so each day is finished as "yesterday"), and hold the figures against the truth."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from collector.points import Point
from tests.flux.harness import TaskBench
from tests.truth.recording import Recording, record
from tests.truth.scenarios import Scenario

NS = 1_000_000_000
STAGES = (("hpm-energy-minute",), ("hpm-energy-daily", "hpm-cop"), ("hpm-energy-monthly", "hpm-jaz"))
FIGURES = ("energy_daily", "energy_monthly", "cop_daily", "jaz")


def local_midnight(day: date, tz: ZoneInfo) -> float:
    return datetime(day.year, day.month, day.day, tzinfo=tz).timestamp()


def nightly(first: date, last: date, tz: ZoneInfo) -> list[float]:
    """00:20 local after each day from ``first`` to ``last``."""
    return [local_midnight(first + timedelta(days=n + 1), tz) + 1200 for n in range((last - first).days + 1)]


def run_tasks(bench: TaskBench, at: float) -> None:
    for stage in STAGES:
        bench.run(stage, int(at) * NS)


def write_until(bench: TaskBench, points: list[Point], start: float, stop: float) -> None:
    bench.write([p for p in points if start * NS <= p.time_ns < stop * NS])


def run_scenario(
    bench: TaskBench, scenario: Scenario, tz: ZoneInfo, also: tuple[str, ...] = ()
) -> tuple[Recording, Figures, list[date]]:
    """Record the scenario's installation from local midnight of its first day, write it as the collector would
    (withheld while InfluxDB is down, then delivered by the outbox), run the tasks nightly (and the tasks ``also``
    after them) and read the figures of its complete days."""
    start = local_midnight(scenario.first, tz)
    runs = nightly(scenario.first, scenario.last, tz)
    recording = record(start, runs[-1] + 600, tz, scenario.faults, scenario.variant)
    points = recording.points * (2 if scenario.duplicate_points else 1)
    if scenario.influx_down is not None:  # the outbox holds the points and delivers them when InfluxDB is back
        down, back = scenario.influx_down
        write_until(bench, points, start, down)
        run_tasks(bench, back)
        write_until(bench, points, down, runs[-1] + 600)
    else:
        bench.write(points)
    for at in runs:
        run_tasks(bench, at)
        if also:
            bench.run(also, int(at) * NS)
    days = sorted({d for d in recording.truth.daily(recording.truth.meter) if scenario.first <= d <= scenario.last})
    return recording, read_figures(bench, tz), days


@dataclass
class Figures:
    """What the rollup bucket holds: per local day and month (date of the first day), and the JAZ of the last run."""

    daily_kwh: dict[date, float] = field(default_factory=dict)  # electric, Shelly
    daily_heat_kwh: dict[date, float] = field(default_factory=dict)  # heat, device day counters
    daily_heat_dt_flow_kwh: dict[date, float] = field(default_factory=dict)  # heat, flow x dT
    monthly_kwh: dict[date, float] = field(default_factory=dict)
    cop_dt_flow: dict[date, float] = field(default_factory=dict)  # cop_daily combined, flow x dT heat
    jaz: dict[date, tuple[float, float, float]] = field(default_factory=dict)  # today -> jaz, heat, electric
    # a reversible unit's cooling: heat taken out (flow x dT), the Shelly's electricity while cooling
    daily_cooling_kwh: dict[date, float] = field(default_factory=dict)
    daily_cooling_electric_kwh: dict[date, float] = field(default_factory=dict)
    daily_unsplit_kwh: dict[date, float] = field(default_factory=dict)  # electricity the split cannot place
    defrosts: dict[date, float] = field(default_factory=dict)  # defrost_daily count (hpm-defrost)
    resets: float = 0.0
    clamped: float = 0.0
    glitches: float = 0.0


# energy_daily kwh rows (usage, kind, source) -> the Figures field that holds them per day
DAILY = {
    ("total", "electric", "shelly"): "daily_kwh",
    ("total", "heat", "device"): "daily_heat_kwh",
    ("total", "heat", "dt_flow"): "daily_heat_dt_flow_kwh",
    ("cooling", "electric", "shelly"): "daily_cooling_electric_kwh",
    ("cooling", "heat", "dt_flow"): "daily_cooling_kwh",
    ("unsplit", "electric", "shelly"): "daily_unsplit_kwh",
}


def read_figures(bench: TaskBench, tz: ZoneInfo) -> Figures:
    found = Figures()
    rows = bench.env.client.query_api().query(
        f'from(bucket: "{bench.settings.influx_bucket_rollup}") |> range(start: 1970-01-01T00:00:00Z) '
        '|> filter(fn: (r) => r._measurement != "energy_minute" or r.kind == "electric")',
        org=bench.settings.influx_org,
    )
    jaz: dict[date, dict[str, float]] = {}
    for row in (item.values for table in rows for item in table.records):
        day = row["_time"].astimezone(tz).date()
        m, f, v = row["_measurement"], row["_field"], row["_value"]
        if m == "energy_minute" and f in ("resets", "clamped", "glitches"):
            setattr(found, f, getattr(found, f) + v)
        elif m == "defrost_daily" and f == "count":
            found.defrosts[day] = v
        elif m == "energy_daily" and f == "kwh" and (name := DAILY.get((row["usage"], row["kind"], row["source"]))):
            getattr(found, name)[day] = v
        elif m == "energy_monthly" and f == "kwh" and row["kind"] == "electric" and row["source"] == "shelly":
            found.monthly_kwh[day] = v
        elif m == "cop_daily" and f == "cop" and row["category"] == "combined" and row["source"] == "dt_flow":
            found.cop_dt_flow[day] = v
        elif m == "jaz" and row["period"] == "ytd" and row["source"] == "device":
            jaz.setdefault(day, {})[f] = v
    found.jaz = {day: (v["jaz"], v["heat_kwh"], v["electric_kwh"]) for day, v in jaz.items()}
    return found


@dataclass
class Errors:
    """Largest relative errors against the truth over the complete days (and months) of a run, and phantom kWh
    (booked electricity above the truth beyond the counters' rounding)."""

    daily_kwh: float
    monthly_kwh: float
    daily_heat: float
    daily_cop: float  # device day-counter heat / Shelly electricity per day
    daily_cop_dt_flow: float
    jaz: float
    phantom_kwh: float

    def worst(self) -> float:
        return max(self.daily_kwh, self.monthly_kwh, self.daily_heat, self.daily_cop, self.jaz)


def compare(figures: Figures, recording: Recording, days: list[date], tz: ZoneInfo) -> Errors:
    truth = recording.truth
    meter, heat = truth.daily(truth.meter), truth.daily(truth.heat)

    def rel(value: float, true: float) -> float:
        return abs(value / true - 1.0)

    daily = [rel(figures.daily_kwh[d] * 1000, meter[d]) for d in days]
    heats = [rel(figures.daily_heat_kwh[d] * 1000, heat[d]) for d in days]
    cops = [rel(figures.daily_heat_kwh[d] / figures.daily_kwh[d], heat[d] / meter[d]) for d in days]
    dt_flow = [rel(figures.cop_dt_flow[d], heat[d] / meter[d]) for d in days if d in figures.cop_dt_flow]
    months = {}
    for d in days:  # the recorded part of each month, up to the end of the last complete day
        first = d.replace(day=1)
        stop = min(local_midnight(days[-1] + timedelta(days=1), tz), local_midnight(_next_month(first), tz))
        months[first] = truth.between(truth.meter, local_midnight(first, tz), stop)
    last_run_day = days[-1] + timedelta(days=1)
    monthly = [rel(figures.monthly_kwh[m] * 1000 - _beyond(figures, m, last_run_day, tz), months[m]) for m in months]
    this_year = [d for d in days if d.year == last_run_day.year]  # ytd: the complete days of the run's year
    jaz = []
    if this_year:
        jaz_true = sum(heat[d] for d in this_year) / sum(meter[d] for d in this_year)
        jaz = [rel(figures.jaz[last_run_day][0], jaz_true)]
    phantom = sum(max(0.0, figures.daily_kwh[d] * 1000 - meter[d] - 0.02) for d in days) / 1000
    return Errors(
        max(daily),
        max(monthly),
        max(heats),
        max(cops),
        max(dt_flow, default=float("nan")),
        max(jaz, default=0.0),
        phantom,
    )


def _next_month(first: date) -> date:
    return (first + timedelta(days=32)).replace(day=1)


def _beyond(figures: Figures, month: date, day: date, tz: ZoneInfo) -> float:
    """Wh the month's figure holds after the complete days (the last run's today so far)."""
    return figures.daily_kwh.get(day, 0.0) * 1000 if day.replace(day=1) == month else 0.0
