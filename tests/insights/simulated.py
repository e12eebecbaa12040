"""Fast path from the simulated installation to the series the insights read: the model is stepped as the live
simulation steps it, and its true energies are booked straight into complete 30-minute COP windows (cop_30m,
source dt_flow, boundary H2, both categories, with the cop task's thresholds) beside the outside and supply
temperatures the Viessmann poll would report every 120 s. The model's physics is the truth; the Shelly → energy
→ COP chain in between is tested on its own (tests/flux)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from collector.insights.performance import Window
from collector.metrics.params import Params
from collector.points import Point, point
from collector.sim.heatpump import HeatPumpSpec, Mode
from collector.sim.installation import Installation
from collector.sim.weather import Climate

WINDOW_S = 1800
MINUTE_S = 60
POLL_S = 120
NS = 1_000_000_000
VIESSMANN = {"device": "sim"}
SHELLY = {"device": "sim-em", "phase": "total"}


@dataclass(frozen=True)
class SegmentClimate(Climate):
    """Constant conditions per segment: ((unix start, °C), ...) in ascending order, humid air."""

    segments: tuple[tuple[float, float], ...] = ()
    humidity_pct: float = 85.0

    def outside_temperature(self, t: float) -> float:
        return [c for start, c in self.segments if start <= t][-1]

    def damped_temperature(self, t: float) -> float:
        return self.outside_temperature(t)

    def relative_humidity(self, t: float) -> float:
        return self.humidity_pct


@dataclass
class _Window:
    heat_wh: float = 0.0
    meter_wh: float = 0.0
    running_heat_wh: float = 0.0
    running_meter_wh: float = 0.0
    outside: list[float] = field(default_factory=list)
    supply: list[float] = field(default_factory=list)


@dataclass
class SimulatedRun:
    installation: Installation
    windows: list[Window]  # combined and running, as cop_30m holds them
    temperatures: list[Point]  # hp_temperature outside/supply, raw bucket
    defrosts: int  # defrost cycles the model ran
    raw: list[Point] = field(default_factory=list)  # meter=True: Shelly power and minutes, return, flow, flag
    defrost_wh: float = 0.0  # true electricity of the defrosts

    def cop_points(self) -> list[Point]:
        return [
            point(
                "cop_30m",
                {"category": w.category, "source": w.source, "boundary": w.boundary},
                {
                    "cop": w.heat_kwh / w.electric_kwh,
                    "heat_kwh": w.heat_kwh,
                    "electric_kwh": w.electric_kwh,
                    "coverage": 100.0,
                },
                datetime.fromtimestamp(w.time_ns / NS, UTC),
            )
            for w in self.windows
        ]


def simulate(
    start: float,
    stop: float,
    *,
    climate: Climate | None = None,
    spec: HeatPumpSpec | None = None,
    installation: Installation | None = None,
    params: Params | None = None,
    meter: bool = False,
) -> SimulatedRun:
    """Step the model over [start, stop) (whole 30-minute windows); ``installation`` continues a previous run;
    ``meter`` adds the Shelly's 10-s power and minute energies, and the poll's return, flow and defrost flag (as
    the device rounds)."""
    params = params or Params()
    if installation is None:
        installation = Installation(
            start, ZoneInfo(params.timezone), climate=climate or Climate(), spec=spec or HeatPumpSpec()
        )
    defrosts0 = installation.heatpump.defrosts
    windows: dict[int, _Window] = {}
    temperatures: list[Point] = []
    raw: list[Point] = []
    defrost_wh = 0.0
    if meter:  # the circuit's settings, as the device reports them (once: they do not change)
        spec, room = installation.heatpump.spec, installation.heatpump.room_c
        settings = {"curve_slope": spec.curve_slope, "curve_shift": spec.curve_shift, "target_temperature": room}
        raw.append(point("hp_circuit", {**VIESSMANN, "circuit": "0"}, settings, datetime.fromtimestamp(start, UTC)))
    minute_heat = minute_meter = 0.0
    for t, step in installation.advance(stop):
        window = windows.setdefault(int(t) - int(t) % WINDOW_S, _Window())
        hours = installation.step_s / 3600.0
        minute_heat += step.heat_w * hours
        minute_meter += step.meter_w * hours
        window.heat_wh += step.heat_w * hours
        window.meter_wh += step.meter_w * hours
        outside = installation.climate.outside_temperature(t)
        if step.mode is Mode.DEFROST:
            defrost_wh += step.meter_w * hours
        if meter:
            at = datetime.fromtimestamp(t, UTC)
            raw.append(point("shelly_power", SHELLY, {"power": round(step.meter_w, 1)}, at))
            if int(t) % POLL_S == 0:
                raw.append(
                    point("hp_temperature", {**VIESSMANN, "sensor": "return"}, {"value": round(step.return_c, 1)}, at)
                )
                flags = {"volumetric_flow": step.flow_lph, "defrost": int(step.mode is Mode.DEFROST)}
                raw.append(point("hp_hydraulics", VIESSMANN, flags, at))
        if int(t) % POLL_S == 0:
            window.outside.append(outside)
            window.supply.append(step.supply_c)
            at = datetime.fromtimestamp(t, UTC)
            temperatures.append(point("hp_temperature", {**VIESSMANN, "sensor": "outside"}, {"value": outside}, at))
            temperatures.append(
                point("hp_temperature", {**VIESSMANN, "sensor": "supply"}, {"value": step.supply_c}, at)
            )
        if (int(t) + installation.step_s) % MINUTE_S == 0:  # the minute is complete: running or not, as cop.flux
            if meter:
                minute = datetime.fromtimestamp(int(t) - int(t) % MINUTE_S, UTC)
                fields = {"wh": round(minute_meter, 4), "seconds": float(MINUTE_S)}
                raw.append(point("energy_minute", {"kind": "electric", "source": "shelly"}, fields, minute))
            if minute_meter * 3600.0 / MINUTE_S >= params.starting_power_w:
                window.running_heat_wh += minute_heat
                window.running_meter_wh += minute_meter
            minute_heat = minute_meter = 0.0
    result = []
    for start_s, w in sorted(windows.items()):
        if not w.outside or start_s + WINDOW_S > stop:
            continue
        for category, heat, meter in (
            ("combined", w.heat_wh, w.meter_wh),
            ("running", w.running_heat_wh, w.running_meter_wh),
        ):
            if meter / 1000 >= params.min_electric_kwh:
                result.append(
                    Window(
                        start_s * NS,
                        heat / 1000,
                        meter / 1000,
                        sum(w.outside) / len(w.outside),
                        sum(w.supply) / len(w.supply),
                        category,
                    )
                )
    return SimulatedRun(installation, result, temperatures, installation.heatpump.defrosts - defrosts0, raw, defrost_wh)
