"""The simulated building: its heat loss and its hot-water use.

The house is a single heat-loss coefficient (transmission + ventilation, W/K) minus average internal and solar
gains, with a summer-eco limit above which the circuit does not heat; on such summer days a reversible unit removes
the cooling load (heat flowing in above the cooling set point plus summer gains). Rooms are held at the setpoint; the
thermal mass of screed and buffer is the heat pump's ``deficit`` store (heatpump.py), which is what makes an
oversized heat pump cycle at low load. Hot water is a stratification-free cylinder with a morning and an evening
draw-off and a standing loss.
"""

from __future__ import annotations

from dataclasses import dataclass

WATER_WH_PER_LITRE_K = 1.163  # 4.186 kJ/(kg·K) × 1 kg/l / 3.6


@dataclass(frozen=True)
class House:
    heat_loss_w_per_k: float = 190.0  # ≈ 6 kW design load at -12 °C: a 2000s house of 150 m²
    room_setpoint_c: float = 20.0
    internal_gains_w: float = 350.0  # people, appliances and average sun
    heating_limit_c: float = 15.0  # summer eco: no space heating while the day-mean outside temperature is above
    summer_gains_w: float = 900.0  # people, appliances and the summer sun: what cooling removes besides the walls

    def heat_demand_w(self, outside_c: float, day_mean_c: float) -> float:
        """Heat the rooms need now to stay at the setpoint, W (0 in summer-eco)."""
        if day_mean_c >= self.heating_limit_c:
            return 0.0
        return max(0.0, self.heat_loss_w_per_k * (self.room_setpoint_c - outside_c) - self.internal_gains_w)

    def cooling_demand_w(self, outside_c: float, day_mean_c: float, setpoint_c: float) -> float:
        """Heat to remove now to hold the rooms at the cooling set point, W (only on summer-eco days)."""
        if day_mean_c < self.heating_limit_c:
            return 0.0
        return max(0.0, self.heat_loss_w_per_k * (outside_c - setpoint_c) + self.summer_gains_w)


# (local hour start, hour end, litres of 40 °C mixed water per hour): a four-person household, ≈ 160 l/day
DRAW_PROFILE = ((6.5, 7.5, 70.0), (12.0, 12.5, 20.0), (19.0, 21.0, 35.0))


@dataclass
class HotWaterTank:
    volume_l: float = 200.0
    temperature_c: float = 50.0
    cold_water_c: float = 10.0
    mixed_c: float = 40.0
    room_c: float = 18.0
    loss_w_per_k: float = 1.6  # ≈ 1.2 kWh/day standing loss at 50 °C
    utc_offset_hours: float = 1.0

    @property
    def capacity_wh_per_k(self) -> float:
        return self.volume_l * WATER_WH_PER_LITRE_K

    def draw_w(self, t: float) -> float:
        """Heat taken out by tapping at unix time ``t``, W."""
        hour = ((t / 3600.0) + self.utc_offset_hours) % 24.0
        litres_per_hour = sum(rate for start, end, rate in DRAW_PROFILE if start <= hour < end)
        if litres_per_hour == 0.0 or self.temperature_c <= self.mixed_c:
            return 0.0
        # Hot litres needed for the mixed litres, then the heat they carry away (replaced by cold water).
        hot_share = (self.mixed_c - self.cold_water_c) / (self.temperature_c - self.cold_water_c)
        hot_l_per_s = litres_per_hour * hot_share / 3600.0
        return hot_l_per_s * 3600.0 * WATER_WH_PER_LITRE_K * (self.temperature_c - self.cold_water_c)

    def step(self, t: float, dt: float, charge_w: float) -> tuple[float, float]:
        """Advance by ``dt`` seconds with ``charge_w`` heat going in; returns (heat drawn off, heat lost), Wh."""
        drawn_wh = self.draw_w(t) * dt / 3600.0
        loss_wh = self.loss_w_per_k * (self.temperature_c - self.room_c) * dt / 3600.0
        self.temperature_c += (charge_w * dt / 3600.0 - drawn_wh - loss_wh) / self.capacity_wh_per_k
        self.temperature_c = max(self.cold_water_c, self.temperature_c)
        return drawn_wh, loss_wh
