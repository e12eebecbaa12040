"""The simulated installation the collector runs against when no devices are configured (the default).

``start_simulation(settings, clock)`` builds the physical model (``installation``), starts a Shelly Pro 3EM
emulator on 127.0.0.1 fed with the model's electricity, and serves the model's state as a Viessmann features
response through PyViCare's real classes, so the collector's own code paths run unchanged (``collector.app``).

Time: ``Simulation.clock()`` is simulated time. With ``HPM_SIMULATION_SPEED`` above 1 it starts
``HPM_SIMULATION_CATCHUP_HOURS`` in the past, runs that much faster than real time until it reaches the wall
clock, then follows it: dashboards fill with a day of history within a minute and stay live afterwards. Each
``clock()`` call first brings the model and the emulator up to the moment it returns (``sync``), so every
reading a source takes matches the instant it stamps.
"""

from __future__ import annotations

import threading
from typing import Any

from collector.settings import Settings
from collector.sim.features import MODEL_ID, ROLES, features_response
from collector.sim.heatpump import Step
from collector.sim.installation import Installation
from collector.sim.meter_state import MeterStateFile
from collector.sources.base import Clock
from collector.sources.shelly.emulator import ShellyEmulator
from collector.sources.viessmann.offline import OfflineOAuthManager

# Per-phase grid voltage and power factor of an inverter heat pump: a PFC front end when running, the
# controller's switched-mode supply when idle.
VOLTAGE_V = 230.0
PF_RUNNING, PF_IDLE = 0.98, 0.55
HOUSEHOLD_W = 350.0  # two-channel meter: the household circuit on channel 1, not the heat pump


def phase_powers(step: Step, standby_w: float, meter: str = "triphase") -> tuple[float, float, float]:
    """The outdoor unit's draw split over the phases: compressor and fan on all three, controls on L1. A
    two-channel meter has the (single-phase) heat pump on channel 0 and a household circuit on channel 1."""
    if meter == "two_channel":
        return step.meter_w, HOUSEHOLD_W, 0.0
    shared = max(0.0, step.meter_w - standby_w) / 3.0
    return shared + min(step.meter_w, standby_w), shared, shared


class Simulation:
    def __init__(self, settings: Settings, clock: Clock, *, start: float | None = None) -> None:
        # A real device beside a simulated one must keep real time: speed-up only when both are simulated.
        both = settings.simulated_shelly and settings.simulated_viessmann
        self.speed = settings.simulation_speed if both else 1.0
        self._wall = clock
        self._wall0 = clock()
        catchup = settings.simulation_catchup_hours * 3600.0 if self.speed > 1 else 0.0
        self._sim0 = self._wall0 - catchup if start is None else start
        self.installation = Installation(
            self._sim0,
            settings.tz,
            burner_below_c=settings.simulation_burner_below_c,
            cooling_setpoint_c=settings.simulation_cooling_setpoint_c,
        )
        self._lock = threading.RLock()
        password = settings.shelly_password.get_secret_value() if settings.shelly_password else None
        # The emulator's clock is the model's: requests only ever integrate power the model has produced.
        self.meter = settings.simulation_meter
        self.emulator = ShellyEmulator(profile=self.meter, password=password, clock=lambda: self.installation.t)
        self._meter_state = MeterStateFile(settings.data_dir)
        saved = self._meter_state.load()
        if saved is not None:  # the meter kept its counters while the collector was down
            self.emulator.restore_counters(saved)
        self._saved_minute = self.installation.t // 60
        self._feed(self.installation.last)
        self.shelly_settings_overrides: dict[str, Any] = {"shelly_host": self.emulator.start()}
        self.viessmann_oauth_manager = OfflineOAuthManager(self._features, model_id=MODEL_ID, roles=list(ROLES))

    def now(self) -> float:
        """Simulated time for the wall clock's present, without advancing anything."""
        wall = self._wall()
        return min(wall, self._sim0 + (wall - self._wall0) * self.speed)

    def clock(self) -> float:
        """Simulated time; the model and the emulator are brought up to it first."""
        now = self.now()
        self.sync(now)
        return now

    def sync(self, until: float) -> None:
        with self._lock:
            for t, step in self.installation.advance(until):
                self._feed(step)
                self.emulator.advance(t + self.installation.step_s)
            if self.installation.t // 60 != self._saved_minute:
                self._saved_minute = self.installation.t // 60
                self._meter_state.save(self.emulator.counter_state())

    def _feed(self, step: Step) -> None:
        a, b, c = phase_powers(step, self.installation.spec.standby_w, self.meter)
        pf = PF_RUNNING if step.meter_w > 100 else PF_IDLE
        self.emulator.set_power(a, b, c, voltage=VOLTAGE_V, pf=pf, freq=50.0)

    def _features(self) -> dict[str, Any]:
        with self._lock:
            return features_response(self.installation)

    def close(self) -> None:
        with self._lock:
            self._meter_state.save(self.emulator.counter_state())
        self.emulator.stop()


def simulation_behind(clock: Clock) -> Simulation:
    """The simulation whose ``clock`` an installation runs on (``collector.app.Installation.clock``)."""
    owner = getattr(clock, "__self__", None)
    if not isinstance(owner, Simulation):
        raise TypeError("this clock is not a simulation's clock")
    return owner


def start_simulation(settings: Settings, clock: Clock, *, start: float | None = None) -> Simulation:
    """A running simulated installation (``start``: its first simulated instant, default from the settings)."""
    return Simulation(settings, clock, start=start)
