"""Builds the installation the collector polls: the real devices, or the simulated ones where a setting is empty.

The seam to the simulation is ``collector.sim.start_simulation(settings, clock) -> Simulation``, whose result
offers ``shelly_settings_overrides`` (e.g. the address of its Shelly emulator), ``viessmann_oauth_manager``
(PyViCare talking to the simulated heat pump), ``clock`` (simulated time) and ``close()``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field

from collector.settings import Settings
from collector.sources.base import Clock, Source


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


def build_installation(settings: Settings, *, clock: Clock = time.time) -> Installation:
    closing = ExitStack()
    simulation = None
    speed = 1.0
    if settings.simulated_shelly or settings.simulated_viessmann:
        from collector.sim import start_simulation

        simulation = start_simulation(settings, clock)
        closing.callback(simulation.close)
        clock, speed = simulation.clock, settings.simulation_speed
    sources: list[Source] = [_shelly(settings, clock, simulation), _viessmann(settings, clock, simulation, closing)]
    for source in sources:
        closing.callback(source.close)
    simulated = ",".join(
        name
        for name, flag in (("shelly", settings.simulated_shelly), ("viessmann", settings.simulated_viessmann))
        if flag
    )
    return Installation(
        sources,
        {"shelly": settings.shelly_poll_seconds, "viessmann": settings.viessmann_effective_poll_seconds},
        clock,
        speed,
        simulated,
        closing,
    )


def _shelly(settings: Settings, clock: Clock, simulation: object | None) -> Source:
    from collector.sources.shelly import ShellySource

    if simulation is not None and settings.simulated_shelly:
        settings = settings.model_copy(update=simulation.shelly_settings_overrides)  # type: ignore[attr-defined]
    return ShellySource(settings, clock=clock, state_dir=settings.data_dir)


def _viessmann(settings: Settings, clock: Clock, simulation: object | None, closing: ExitStack) -> Source:
    from collector.changelog import ChangeTracker
    from collector.sources.viessmann import ViessmannSource

    tracker = ChangeTracker(settings, clock=clock)
    close: Callable[[], None] | None = getattr(tracker, "close", None)
    if close is not None:
        closing.callback(close)
    oauth = simulation.viessmann_oauth_manager if simulation is not None and settings.simulated_viessmann else None  # type: ignore[attr-defined]
    return ViessmannSource(settings, clock=clock, oauth_manager=oauth, on_features=tracker.observe)
