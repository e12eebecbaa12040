"""``collector simulate --days N``: N days of simulated history, written the way the collector would have written it.

The simulated installation runs on a stepped clock from N days ago up to now, and the collector's own Shelly and
Viessmann sources poll it (real HTTP to the emulator, PyViCare over the simulated API) on their usual cadence;
their points go through the collector's outbox to InfluxDB. Nothing waits on the wall clock, so a day takes
seconds. The sources keep their state (sample cursor, API-call ledger, changelog) in a throwaway directory:
the running collector's files are never touched. Finally it prints the simulator's ground truth (heat,
electricity, SPF) to compare the dashboards with.
"""

from __future__ import annotations

import argparse
import logging
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from collector.settings import Settings
from collector.sim.installation import Installation
from collector.sources.base import Sink

log = logging.getLogger(__name__)

MAX_DAYS = 800


class SteppedClock:
    """A clock that only moves when told to: simulated time for the whole run."""

    def __init__(self, start: float) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--days", type=float, default=7.0, help="days of history to generate, ending now (default 7)")
    parser.add_argument(
        "--end", type=float, default=None, help="unix time the history ends at (default: now, minus a minute)"
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar (logs and CI)")


def run(args: argparse.Namespace, settings: Settings, sink: Sink) -> int:
    if not 0 < args.days <= MAX_DAYS:
        log.error("simulate: --days must be between 0 and %d", MAX_DAYS)
        return 2
    if not (settings.simulated_shelly and settings.simulated_viessmann):
        log.error("simulate: only without real devices (HPM_SHELLY_HOST and HPM_VIESSMANN_CLIENT_ID empty)")
        return 2
    end = args.end if args.end is not None else time.time() - 60
    with tempfile.TemporaryDirectory(prefix="hpm-simulate-") as scratch:
        history = generate(settings, sink, end - args.days * 86400, end, Path(scratch), progress=not args.no_progress)
    totals = history.model.totals
    print(
        f"simulated {args.days:g} days: {history.points} points written; truth: heat {totals.heat / 1000:.1f} kWh, "
        f"electricity (Shelly, boundary H2) {totals.meter / 1000:.1f} kWh, SPF {totals.spf or 0:.3f}"
    )
    if totals.meter_cooling > 0:
        print(
            f"cooling: {totals.cooling / 1000:.1f} kWh removed with {totals.meter_cooling / 1000:.1f} kWh "
            f"(in the electricity above, not in the SPF), EER {totals.eer or 0:.3f}"
        )
    return 0


@dataclass
class History:
    model: Installation  # the simulated installation after the run: its truth (totals, per local day)
    points: int  # points the sources produced


def generate(settings: Settings, sink: Sink, start: float, end: float, scratch: Path, *, progress: bool) -> History:
    """Run the collector's sources against the simulation from ``start`` to ``end`` (unix s)."""
    from collector.app import build_installation
    from collector.sim import simulation_behind

    clock = SteppedClock(start)
    sim_settings = settings.model_copy(
        update={"data_dir": scratch, "simulation_speed": 1.0, "simulation_catchup_hours": 0.0}
    )
    installation = build_installation(sim_settings, clock=clock)
    tick = min(installation.periods.values())
    simulation = simulation_behind(installation.clock)
    points = 0
    try:
        bar = tqdm(total=round(end - start), unit="sim s", unit_scale=True, disable=not progress, mininterval=0.5)
        while clock.now <= end:
            now = installation.clock()  # brings the model and the emulator up to this instant
            for source in installation.sources:
                if source.due(now):
                    batch = source.poll()
                    points += len(batch)
                    sink(batch)
            clock.now += tick
            bar.update(tick)
        bar.close()
    finally:
        installation.close()
    return History(simulation.installation, points)
