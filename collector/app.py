"""Builds the installation the collector polls: the real devices, or the simulated ones where a setting is empty.

The seam to the simulation is ``collector.sim.start_simulation(settings, clock) -> Simulation``, whose result
offers ``shelly_settings_overrides`` (e.g. the address of its Shelly emulator), ``viessmann_oauth_manager``
(PyViCare talking to the simulated heat pump), ``clock`` (simulated time) and ``close()``.
"""

from __future__ import annotations

import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from collector.settings import Settings
from collector.sources.base import Clock, Source

if TYPE_CHECKING:
    from collector.sim import Simulation


@dataclass
class Installation:
    sources: list[Source]
    periods: dict[str, float]  # source name -> nominal poll period in (possibly simulated) seconds
    clock: Clock = time.time
    speed: float = 1.0  # simulated seconds per real second
    simulated: str = ""  # which sources are simulated, for the start-up log line
    closing: ExitStack = field(default_factory=ExitStack)

    def real_period(self, name: str) -> float:
        """The scheduling period in real seconds."""
        return self.periods[name] / self.speed

    def close(self) -> None:
        self.closing.close()


def simulated_devices(settings: Settings) -> list[str]:
    """Which devices run simulated (their settings are empty)."""
    flags = (("shelly", settings.simulated_shelly), ("viessmann", settings.simulated_viessmann))
    return [name for name, simulated in flags if simulated]


def build_installation(settings: Settings, *, clock: Clock = time.time) -> Installation:
    closing = ExitStack()
    simulation = None
    speed = 1.0
    try:
        if simulated_devices(settings):
            from collector.sim import start_simulation

            simulation = start_simulation(settings, clock)
            closing.callback(simulation.close)
            clock, speed = simulation.clock, simulation.speed
        sources = [_shelly(settings, clock, simulation), _viessmann(settings, clock, simulation, closing)]
    except BaseException:
        closing.close()  # a half-built installation must not leave the simulation's emulator running
        raise
    for source in sources:
        closing.callback(source.close)
    periods = {"shelly": settings.shelly_poll_seconds, "viessmann": settings.viessmann_effective_poll_seconds}
    return Installation(sources, periods, clock, speed, ",".join(simulated_devices(settings)), closing)


def _shelly(settings: Settings, clock: Clock, simulation: Simulation | None) -> Source:
    from collector.sources.shelly import ShellySource

    if simulation is not None and settings.simulated_shelly:
        settings = settings.model_copy(update=simulation.shelly_settings_overrides)
    return ShellySource(settings, clock=clock, state_dir=settings.data_dir)


def _viessmann(settings: Settings, clock: Clock, simulation: Simulation | None, closing: ExitStack) -> Source:
    from collector.changelog import ChangeTracker
    from collector.sources.viessmann import ViessmannSource

    tracker = ChangeTracker(settings, clock=clock)  # the configuration snapshot runs with every Viessmann poll
    closing.callback(tracker.close)
    oauth = simulation.viessmann_oauth_manager if simulation is not None and settings.simulated_viessmann else None
    return ViessmannSource(settings, clock=clock, oauth_manager=oauth, on_features=tracker.observe)
