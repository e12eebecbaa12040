"""The fault matrix of issue 12 over 30 simulated days: every headline figure against the simulator's truth.

One 30-day recording of the simulated installation (15 March to 13 April 2026: the spring DST day and a month
boundary inside) with one fault of tests/truth/scenarios.py on its own day, every other day clean; two short
recordings for the autumn DST day and the year boundary. The Flux tasks run nightly on a throwaway influxd, as the
scheduler would. Per fault it prints the largest relative error against the truth of the daily electricity, the
daily COP (device heat / Shelly electricity), the year-to-date JAZ the night after the fault, and the phantom kWh
(booked electricity above the truth); then the monthly electricity and the whole run's time.

Then the installation variants (tests/truth/variants.py): the representative scenarios of the tests, a summer
week of the reversible unit with its faults spread over it, ten shoulder days switching between heating and
cooling, and a hybrid week over the spring DST day; per figure the largest error against the truth, the
largest share of its bound used (100 % = at the bound) and the failures.

    .venv/bin/python bench/truth_matrix.py [--days 30] [--variants-only]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import fields
from datetime import date, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.conftest import temporary_buckets  # noqa: E402
from tests.flux.harness import TaskBench  # noqa: E402
from tests.support.influxd import InfluxdServer, influxd_binary  # noqa: E402
from tests.truth.recording import Faults, Recording, record  # noqa: E402
from tests.truth.runner import (  # noqa: E402
    Figures,
    local_midnight,
    nightly,
    read_figures,
    run_scenario,
    run_tasks,
    write_until,
)
from tests.truth.scenarios import AUTUMN, SPRING, TZ, Scenario, scenarios  # noqa: E402
from tests.truth.variants import HYBRID, REVERSIBLE, SUMMER, checks, variant_scenarios  # noqa: E402

FIRST = date(2026, 3, 15)
BOUNDARY_FAULTS = ("spring DST day, reset", "month boundary, reset after midnight")


def merged(parts: list[Faults]) -> Faults:
    """One recording's faults from several: the ranges and events of all, flags of any."""
    values = {}
    for f in fields(Faults):
        found = [getattr(part, f.name) for part in parts]
        if isinstance(found[0], tuple):
            values[f.name] = tuple(item for items in found for item in items)
        elif isinstance(found[0], bool):
            values[f.name] = any(found) if f.name != "refill" else all(found)
        else:
            values[f.name] = next((v for v in found if v is not None), None)
    return Faults(**values)


def plan(days: int) -> list[Scenario]:
    """Each fault on its own day of the window; the boundary faults on their dates."""
    last = FIRST + timedelta(days=days - 1)
    month_end = date(2026, 3, 31)
    fixed = {s.name: s for s in scenarios(month_end=month_end) if s.name in BOUNDARY_FAULTS}
    general = [s for s in scenarios() if s.last == s.first and "DST" not in s.name and s.name != "no fault"]
    free = [FIRST + timedelta(days=n) for n in range(1, days, 2)]
    free = [d for d in free if d not in (date(2026, 3, 29), month_end, month_end + timedelta(days=1))]
    chosen = []
    for scenario, day in zip(general, free, strict=False):
        [moved] = [s for s in scenarios(day) if s.name == scenario.name]
        chosen.append(moved)
    chosen += [s for s in fixed.values() if s.last <= last]
    return chosen


def run_window(
    bench: TaskBench, first: date, last: date, chosen: list[Scenario]
) -> tuple[Recording, Figures, list[float]]:
    start = local_midnight(first, TZ)
    runs = nightly(first, last, TZ)
    recording = record(start, runs[-1] + 600, TZ, merged([s.faults for s in chosen]))
    points = recording.points
    doubled = [s for s in chosen if s.duplicate_points]
    if doubled:
        points = points * 2
    down = [s.influx_down for s in chosen if s.influx_down is not None]
    withheld = [(a, b) for a, b in down]
    kept = [p for p in points if not any(a * 1e9 <= p.time_ns < b * 1e9 for a, b in withheld)]
    bench.write(kept)
    timings = []
    for at in sorted([b for _, b in withheld] + runs):
        if at in [b for _, b in withheld]:
            run_tasks(bench, at)
            for a, b in withheld:
                if b == at:
                    write_until(bench, points, a, b)
            continue
        began = time.perf_counter()
        run_tasks(bench, at)
        timings.append(time.perf_counter() - began)
    return recording, read_figures(bench, TZ), timings


def errors(figures: Figures, recording: Recording, days: list[date], jaz_first: date) -> tuple[float, ...]:
    truth = recording.truth
    meter, heat = truth.daily(truth.meter), truth.daily(truth.heat)
    kwh = max(abs(figures.daily_kwh[d] * 1000 / meter[d] - 1) for d in days)
    cop = max(abs((figures.daily_heat_kwh[d] / figures.daily_kwh[d]) / (heat[d] / meter[d]) - 1) for d in days)
    jaz = 0.0
    for d in days:
        today = d + timedelta(days=1)
        counted = [x for x in meter if max(jaz_first, date(today.year, 1, 1)) <= x < today]
        if today in figures.jaz and counted:
            true = sum(heat[x] for x in counted) / sum(meter[x] for x in counted)
            jaz = max(jaz, abs(figures.jaz[today][0] / true - 1))
    phantom = sum(max(0.0, figures.daily_kwh[d] * 1000 - meter[d] - 0.02) for d in days) / 1000
    return kwh, cop, jaz, phantom


def variant_sweeps() -> list[Scenario]:
    """The tests' scenarios, then longer runs: each variant's faults merged into one week (or ten days)."""
    tests = variant_scenarios()
    cooling_faults = merged(
        [
            s.faults
            for s in variant_scenarios(summer=SUMMER - timedelta(days=3), shoulder=SUMMER + timedelta(days=1))[:3]
        ]
    )
    return [
        *tests,
        Scenario(
            "cooling: summer week, the faults above on its days",
            first=SUMMER - timedelta(days=4),
            last=SUMMER + timedelta(days=2),
            variant=REVERSIBLE,
            faults=cooling_faults,
            counted=(2, 0, 0),
        ),
        Scenario(
            "cooling: shoulder days 15-24 June", first=date(2026, 6, 15), last=date(2026, 6, 24), variant=REVERSIBLE
        ),
        Scenario(
            "hybrid: week over the spring DST day, reset on it",
            first=SPRING - timedelta(days=4),
            last=SPRING + timedelta(days=2),
            variant=HYBRID,
            faults=tests[-1].faults,
            counted=tests[-1].counted,
        ),
    ]


def variants(server: InfluxdServer, tmp: str) -> None:
    print("\ninstallation variants: per figure the largest error against the truth and share of its bound used")
    print(f"{'scenario':74s} {'figure':28s} {'days':>4s} {'max error':>10s} {'bound used':>10s} {'fails':>5s}")
    for scenario in variant_sweeps():
        began = time.perf_counter()
        with temporary_buckets(server) as env:
            bench = TaskBench.create(env, Path(tmp))
            recording, figures, days = run_scenario(bench, scenario, TZ, also=("hpm-defrost",))
        found = checks(figures, recording, days, scenario.faults)
        counted = (figures.resets, figures.clamped, figures.glitches) == scenario.counted
        for figure in dict.fromkeys(c.figure for c in found):
            rows = [c for c in found if c.figure == figure]
            error = max(rows, key=lambda c: abs(c.value - c.true))
            used = max(abs(c.value - c.true) / c.bound if c.bound else float(c.value != c.true) for c in rows)
            fails = sum(not c.ok for c in rows)
            print(f"{scenario.name[:74]:74s} {figure:28s} {len(rows):4d} {error.error:+10.3%} {used:10.1%} {fails:5d}")
        took = time.perf_counter() - began
        print(f"{'':74s} {'counter rule counts as set':28s} {'':4s} {counted!s:>10s}   ({took:.0f} s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--variants-only", action="store_true")
    args = parser.parse_args()
    if args.variants_only:
        with tempfile.TemporaryDirectory(prefix="bench-truth-") as tmp:
            server = InfluxdServer(influxd_binary(), Path(tmp) / "influxd").start()
            try:
                variants(server, tmp)
            finally:
                server.stop()
        return
    began = time.perf_counter()
    rows: list[tuple[str, tuple[float, ...]]] = []
    with tempfile.TemporaryDirectory(prefix="bench-truth-") as tmp:
        server = InfluxdServer(influxd_binary(), Path(tmp) / "influxd").start()
        try:
            last = FIRST + timedelta(days=args.days - 1)
            chosen = plan(args.days)
            with temporary_buckets(server) as env:
                bench = TaskBench.create(env, Path(tmp))
                recording, figures, timings = run_window(bench, FIRST, last, chosen)
            faulty = {d for s in chosen for d in _days(s)}
            clean = [FIRST + timedelta(days=n) for n in range(args.days)]
            clean = [d for d in clean if d not in faulty]
            rows.append(("no fault (every other day)", errors(figures, recording, clean, FIRST)))
            for s in chosen:
                rows.append((s.name, errors(figures, recording, _days(s), FIRST)))
            truth = recording.truth
            months = []
            for month in (date(2026, 3, 1), date(2026, 4, 1)):
                a = max(local_midnight(month, TZ), local_midnight(FIRST, TZ))
                b = min(
                    local_midnight((month + timedelta(days=32)).replace(day=1), TZ), local_midnight(last, TZ) + 86400
                )
                after = figures.daily_kwh.get(last + timedelta(days=1), 0.0) if month.month == last.month else 0.0
                true = truth.between(truth.meter, a, b) / 1000
                months.append((month, (figures.monthly_kwh[month] - after) / true - 1))
            for s in scenarios():
                if "autumn" in s.name or s.name == "year boundary":
                    with temporary_buckets(server) as env:
                        bench = TaskBench.create(env, Path(tmp))
                        first = s.first - timedelta(days=1)
                        rec, figs, _ = run_window(bench, first, s.last, [s])
                    rows.append((s.name, errors(figs, rec, _days(s), first)))
            variants(server, tmp)
        finally:
            server.stop()
    print(f"fault matrix: {args.days} simulated days from {FIRST} (+ {AUTUMN} and the year boundary), Europe/Berlin")
    print(f"{'fault':52s} {'daily kWh':>10s} {'daily COP':>10s} {'JAZ ytd':>10s} {'phantom kWh':>12s}")
    for name, (kwh, cop, jaz, phantom) in rows:
        print(f"{name:52s} {kwh:10.4%} {cop:10.4%} {jaz:10.4%} {phantom:12.3f}")
    for month, error in months:
        print(f"monthly kWh {month:%Y-%m} (recorded part): {error:+.4%}")
    median = sorted(timings)[len(timings) // 2]
    print(f"nightly task runs: {len(timings)}, median {median:.1f} s; total {time.perf_counter() - began:.0f} s")


def _days(s: Scenario) -> list[date]:
    return [s.first + timedelta(days=n) for n in range((s.last - s.first).days + 1)]


if __name__ == "__main__":
    main()
