"""The simulated air-to-water heat pump: controller, refrigerant cycle as a fraction of Carnot, and its meters.

Physics, per step of a few seconds:
- Space heating follows the heating curve (Viessmann's formula). The building's thermal mass (screed, buffer) is
  a heat ``deficit`` store: demand fills it, delivered heat empties it. Above its minimum output the inverter
  modulates to the demand; below it, the compressor cycles between two deficit thresholds with a minimum pause.
- COP = η(modulation) × Carnot COP with the methodology's offsets (condenser +2 K, evaporator −6 K); each start
  costs a ramp in which electricity flows at full rate while heat output builds up.
- Hot water has priority: a charge starts when the cylinder falls below target − hysteresis and runs at high
  output with the supply a few kelvin above the cylinder.
- In cold humid air the evaporator ices while running; at full ice the unit defrosts for a few minutes by
  reversing the cycle, taking heat from the water (negative heat) with the compressor on.
- A heating curve above what the radiators need (``curve_shift`` over ``emitter_shift_k``): thermostatic valves
  throttle the rooms, so less of the building's mass buffers the unit against its minimum output and the
  on/off band of the deficit shrinks (down to the circuit water's share): the compressor short-cycles.
- Below the bivalence temperature, when the compressor at full output cannot keep up, the heating rod adds
  3 kW stages. The rod is on the indoor unit's supply, not on the Shelly (boundary H2): it is accounted apart.
- A reversible unit cools in summer: the rooms' cooling load fills a second deficit store, and the reversed cycle
  takes heat from the circuit (supply at a fixed cooling set point above the dew point, return above it: flow x dT
  heat is negative) with EER = η(modulation) × Carnot for cooling (water-side evaporator −2 K, air-side condenser
  +6 K). Hot water still has priority and is charged in heating mode.
The model knows its true heat and electricity; the meters and the device report what a real unit would.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import StrEnum

from collector.sim.house import WATER_WH_PER_LITRE_K, HotWaterTank

KELVIN = 273.0  # the methodology's Carnot simulator uses 273, not 273.15


class Mode(StrEnum):
    OFF = "off"
    HEATING = "heating"
    DHW = "dhw"
    DEFROST = "defrost"
    COOLING = "cooling"


@dataclass(frozen=True)
class HeatPumpSpec:
    max_heat_at_7c_w: float = 9000.0
    max_heat_per_k_w: float = 110.0  # capacity lost per kelvin colder
    min_heat_w: float = 2600.0  # lowest inverter modulation
    carnot_efficiency: float = 0.52  # at the best modulation
    max_cop: float = 8.0
    max_speed_rps: float = 90.0
    min_speed_rps: float = 20.0
    standby_w: float = 12.0  # controls: always on the meter
    crankcase_w: float = 40.0  # compressor heater while idle and cold
    fan_max_w: float = 90.0
    startup_s: float = 150.0  # heat output builds up over this time after each start
    min_off_s: float = 600.0
    deficit_on_wh: float = 700.0
    deficit_off_wh: float = -700.0
    deficit_time_constant_h: float = 0.5  # how fast modulation works a deficit off
    defrost_s: float = 240.0
    defrost_heat_w: float = -2000.0
    defrost_elec_w: float = 1500.0
    icing_minutes: float = 60.0  # running time to full ice in the worst (near 0 °C, saturated) air
    rod_stage_w: float = 3000.0
    rod_stages: int = 3
    bivalence_c: float = -10.0
    rod_deficit_wh: float = 1500.0
    curve_slope: float = 0.6
    curve_shift: float = 4.0
    emitter_shift_k: float = 4.0  # the curve shift the radiators need: a higher one throttles the rooms
    throttle_k: float = 6.0  # excess shift at which only the circuit water still buffers
    water_buffer_share: float = 0.15  # the circuit water's share of the building's buffer
    supply_min_c: float = 20.0
    supply_max_c: float = 60.0
    dhw_target_c: float = 50.0
    dhw_hysteresis_k: float = 5.0
    dhw_approach_k: float = 8.0  # supply above cylinder temperature while charging
    dhw_share_of_max: float = 0.85
    flow_lph: float = 1200.0
    rated_power_kw: float = 10.0
    device_meter_share: float = 0.97  # the controller's own consumption estimate vs the real draw
    cooling_supply_c: float = 18.0  # underfloor cooling: above the rooms' dew point
    max_cooling_w: float = 7000.0
    min_cooling_w: float = 2000.0
    cooling_carnot_efficiency: float = 0.37  # an EER of ≈ 4.3 at A35/W18, as data sheets give

    def max_heat_w(self, outside_c: float) -> float:
        return max(self.min_heat_w, self.max_heat_at_7c_w + self.max_heat_per_k_w * (outside_c - 7.0))

    def supply_target_c(self, outside_c: float, room_c: float) -> float:
        """Viessmann's heating curve (the formula PyViCare uses for E3 heat pumps), clamped to the levels."""
        delta = outside_c - room_c
        supply = room_c + self.curve_shift - self.curve_slope * delta * (1.4347 + 0.021 * delta + 247.9e-6 * delta**2)
        return min(self.supply_max_c, max(self.supply_min_c, supply))

    def cop(self, supply_c: float, outside_c: float, modulation: float) -> float:
        carnot = (supply_c + 2 + KELVIN) / max(5.0, (supply_c + 2) - (outside_c - 6))
        efficiency = self.carnot_efficiency * (1.0 - 0.3 * (modulation - 0.55) ** 2)
        return min(self.max_cop, efficiency * carnot)

    def eer(self, supply_c: float, outside_c: float, modulation: float) -> float:
        """Cooling energy per electricity: the water side is the evaporator, the outside air the condenser."""
        evaporator, condenser = supply_c - 2.0, outside_c + 6.0
        carnot = (evaporator + KELVIN) / max(5.0, condenser - evaporator)
        efficiency = self.cooling_carnot_efficiency * (1.0 - 0.3 * (modulation - 0.55) ** 2)
        return min(self.max_cop, efficiency * carnot)

    def buffer_share(self) -> float:
        """Share of the deficit band the building still offers at this curve (1 with the right curve)."""
        excess = max(0.0, self.curve_shift - self.emitter_shift_k)
        return max(self.water_buffer_share, 1.0 - excess / self.throttle_k)

    def icing_rate(self, outside_c: float, humidity_pct: float) -> float:
        """Share of full ice gained per running second: none above 6 °C or in dry air, most near 0 °C."""
        if outside_c >= 6.0 or humidity_pct < 60.0:
            return 0.0
        if outside_c >= -3.0:
            temperature_factor = min(1.0, (6.0 - outside_c) / 4.0)
        else:  # cold air holds little water
            temperature_factor = max(0.25, 1.0 - (-3.0 - outside_c) / 16.0)
        humidity_factor = (humidity_pct - 60.0) / 40.0
        return temperature_factor * humidity_factor / (self.icing_minutes * 60.0)


@dataclass(frozen=True)
class Step:
    """What the unit did during one step (powers are means over the step)."""

    mode: Mode
    heat_w: float  # heat delivered to the water (negative while defrosting or cooling)
    meter_w: float  # electricity on the Shelly (outdoor unit: compressor, fan, controls)
    device_w: float  # electricity the controller reports (its own estimate)
    rod_w: float  # heating-rod electricity = heat (not on the Shelly)
    usage: str  # heating, dhw or cooling: where the step's heat went (or, cooling, came from)
    supply_c: float
    return_c: float
    flow_lph: float
    speed_rps: float
    modulation: float
    burner_w: float = 0.0  # a hybrid's gas burner heat into the heating water (not heat-pump heat)


@dataclass
class HeatPump:
    spec: HeatPumpSpec = field(default_factory=HeatPumpSpec)
    mode: Mode = Mode.OFF
    resume: Mode = Mode.HEATING  # what a defrost interrupted
    run_s: float = 0.0
    off_s: float = 1e9
    defrost_s: float = 0.0
    ice: float = 0.0
    deficit_wh: float = 0.0
    cooling_deficit_wh: float = 0.0  # heat the rooms hold above the cooling set point
    rod_w: float = 0.0
    starts: int = 0
    hours: float = 0.0
    rod_starts: int = 0
    rod_hours: float = 0.0
    defrosts: int = 0
    room_c: float = 20.0  # the house's setpoint, input of the heating curve

    @property
    def running(self) -> bool:
        return self.mode is not Mode.OFF

    def _next_mode(self, dt: float, demand_w: float, tank: HotWaterTank, cooling_w: float) -> Mode:
        spec = self.spec
        if self.mode is Mode.DEFROST:
            if self.defrost_s + dt <= spec.defrost_s:
                return Mode.DEFROST
            self.ice = 0.0
            return self.resume
        if self.running and self.ice >= 1.0:
            self.resume, self.defrost_s = self.mode, 0.0
            self.defrosts += 1
            return Mode.DEFROST
        may_start = self.running or self.off_s >= spec.min_off_s
        if self.mode is Mode.DHW and tank.temperature_c < spec.dhw_target_c:
            return Mode.DHW
        if may_start and tank.temperature_c < spec.dhw_target_c - spec.dhw_hysteresis_k:
            return Mode.DHW
        if cooling_w > 0.0 or self.mode is Mode.COOLING:  # the same on/off band as heating
            if self.mode is Mode.COOLING and self.cooling_deficit_wh > spec.deficit_off_wh:
                return Mode.COOLING
            if may_start and self.cooling_deficit_wh >= spec.deficit_on_wh:
                return Mode.COOLING
        if demand_w <= 0.0:  # summer eco: the circuit does not heat
            return Mode.OFF
        band = spec.buffer_share()
        if self.mode in (Mode.HEATING, Mode.DHW) and self.deficit_wh > spec.deficit_off_wh * band:
            return Mode.HEATING
        if may_start and self.deficit_wh >= spec.deficit_on_wh * band:
            return Mode.HEATING
        return Mode.OFF

    def step(
        self,
        dt: float,
        outside_c: float,
        humidity_pct: float,
        demand_w: float,
        tank: HotWaterTank,
        cooling_w: float = 0.0,
    ) -> Step:
        """Advance by ``dt`` seconds. ``demand_w`` is the building's heat need, ``cooling_w`` its cooling load (a
        reversible unit); ``tank`` is only read (the caller charges it with the step's heat when ``usage == "dhw"``)."""
        spec = self.spec
        self.deficit_wh += demand_w * dt / 3600.0
        self.cooling_deficit_wh += cooling_w * dt / 3600.0
        mode = self._next_mode(dt, demand_w, tank, cooling_w)
        if mode is not Mode.OFF and not self.running:
            self.starts += 1
            self.run_s = 0.0
        if mode is Mode.OFF and self.running:
            self.off_s = 0.0
        self.mode = mode

        heat_w = meter_w = device_w = compressor_w = 0.0
        supply_c = return_c = spec.supply_target_c(outside_c, self.room_c)
        flow = speed = modulation = 0.0
        max_heat = spec.max_heat_w(outside_c)
        usage = "dhw" if mode is Mode.DHW or (mode is Mode.DEFROST and self.resume is Mode.DHW) else "heating"
        usage = "cooling" if mode is Mode.COOLING else usage
        if mode is Mode.DEFROST:
            self.defrost_s += dt
            heat_w, compressor_w, modulation = spec.defrost_heat_w, spec.defrost_elec_w, 0.6
            supply_c = tank.temperature_c if usage == "dhw" else supply_c
        elif mode in (Mode.HEATING, Mode.DHW):
            if mode is Mode.DHW:
                target_w = spec.dhw_share_of_max * max_heat
                supply_c = min(spec.supply_max_c + 5.0, tank.temperature_c + spec.dhw_approach_k)
            else:
                wanted = demand_w + self.deficit_wh / spec.deficit_time_constant_h
                target_w = min(max_heat, max(spec.min_heat_w, wanted))
            modulation = target_w / spec.max_heat_w(7.0)
            compressor_w = target_w / spec.cop(supply_c, outside_c, modulation)
            ramp = min(1.0, (self.run_s + dt / 2) / spec.startup_s)
            heat_w = target_w * ramp
            self.ice += spec.icing_rate(outside_c, humidity_pct) * dt
        elif mode is Mode.COOLING:
            wanted = cooling_w + self.cooling_deficit_wh / spec.deficit_time_constant_h
            target_w = min(spec.max_cooling_w, max(spec.min_cooling_w, wanted))
            supply_c = spec.cooling_supply_c
            modulation = target_w / spec.max_heat_w(7.0)
            compressor_w = target_w / spec.eer(supply_c, outside_c, modulation)
            heat_w = -target_w * min(1.0, (self.run_s + dt / 2) / spec.startup_s)
        if self.running:
            fan_w = spec.fan_max_w * min(1.0, modulation)
            meter_w = compressor_w + fan_w + spec.standby_w
            device_w = (compressor_w + fan_w) * spec.device_meter_share
            flow = spec.flow_lph
            return_c = supply_c - heat_w / (flow * WATER_WH_PER_LITRE_K)
            speed = spec.min_speed_rps + (spec.max_speed_rps - spec.min_speed_rps) * min(1.0, modulation)
            self.run_s += dt
            self.hours += dt / 3600.0
        else:
            self.off_s += dt
            meter_w = spec.standby_w + (spec.crankcase_w if outside_c < 5.0 else 0.0)
            supply_c = return_c = self.room_c + 0.6 * (
                supply_c - self.room_c
            )  # circuit water cooling towards the rooms

        self._rod(dt, outside_c, demand_w, max_heat)
        self.deficit_wh -= ((heat_w if usage == "heating" else 0.0) + self.rod_w) * dt / 3600.0
        self.cooling_deficit_wh += (heat_w if usage == "cooling" else 0.0) * dt / 3600.0
        return Step(
            mode=mode,
            heat_w=heat_w,
            meter_w=meter_w,
            device_w=device_w,
            rod_w=self.rod_w,
            usage=usage,
            supply_c=supply_c,
            return_c=return_c,
            flow_lph=flow,
            speed_rps=speed,
            modulation=min(1.0, modulation),
        )

    def _rod(self, dt: float, outside_c: float, demand_w: float, max_heat_w: float) -> None:
        spec = self.spec
        if outside_c >= spec.bivalence_c or self.deficit_wh <= 0.0 or self.mode is Mode.OFF:
            self.rod_w = 0.0
            return
        if self.rod_w == 0.0 and self.deficit_wh >= spec.rod_deficit_wh and demand_w > max_heat_w:
            stages = math.ceil((demand_w - max_heat_w) / spec.rod_stage_w)
            self.rod_w = spec.rod_stage_w * min(spec.rod_stages, max(1, stages))
            self.rod_starts += 1
        if self.rod_w:
            self.rod_hours += dt / 3600.0
