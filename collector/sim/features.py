"""The simulated heat pump as the Viessmann API shows it: a features response of a Vitocal 250-A (E3).

The template is a compact subset of a real 250-A dump (PyViCare's ``tests/response/Vitocal250A.json``): the same
feature names, property names, types and units, filled from the model's state. tests/sim checks every feature
and property against that dump, so PyViCare's getters and the collector's raw reads see what a real unit sends.
Like the real unit, energies are reported in 0.1 kWh and the arrays run newest first. A reversible unit (cooling
set point given) adds the circuit's cooling modes and programs as the Vitocal 151-A dump shows them (tests/data:
``Celsius`` labels, demand ``cooling``) and books its cooling in the 250-A's cooling summaries.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from collector.sim.heatpump import Mode
from collector.sim.installation import Energies, Installation

MODEL_ID = "E3_Vitocal_16"
ROLES = ("type:E3", "type:heatpump", "type:product;E3_Vitocal_16")
INSTALLATION_ID = "4711"
GATEWAY_SERIAL = "7571381681420106"
DEVICE_ID = "0"
BASE_URI = (
    "https://api.viessmann-climatesolutions.com/iot/v2/features/installations/"
    f"{INSTALLATION_ID}/gateways/{GATEWAY_SERIAL}/devices/{DEVICE_ID}/features"
)
SUMMARY_KEYS = ("currentDay", "currentMonth", "currentYear", "lastMonth", "lastSevenDays", "lastYear")

Properties = dict[str, dict[str, Any]]


def _num(value: float, unit: str) -> dict[str, Any]:
    return {"type": "number", "unit": unit, "value": value}


def _str(value: str) -> dict[str, Any]:
    return {"type": "string", "value": value}


def _bool(value: bool) -> dict[str, Any]:
    return {"type": "boolean", "value": value}


def _sensor(value: float, unit: str = "celsius") -> Properties:
    return {"status": _str("connected"), "value": _num(round(value, 1), unit)}


def _kwh(wh: float) -> float:
    return round(wh / 1000.0, 1)


class _Book:
    """Calendar sums of the installation's daily energy book, for the summary and array features."""

    def __init__(self, installation: Installation) -> None:
        self.installation = installation
        self.today = installation.local_day()
        self._sums: dict[tuple[date, date], Energies] = {}

    def sum(self, first: date, last: date) -> Energies:
        if (first, last) not in self._sums:
            self._sums[first, last] = self.installation.energies_between(first, last)
        return self._sums[first, last]

    def summary(self, pick: Callable[[Energies], float]) -> Properties:
        today = self.today
        month_start = today.replace(day=1)
        last_month_start = (month_start - timedelta(days=1)).replace(day=1)
        year_start = today.replace(month=1, day=1)
        periods = {
            "currentDay": (today, today),
            "currentMonth": (month_start, today),
            "currentYear": (year_start, today),
            "lastMonth": (last_month_start, month_start - timedelta(days=1)),
            "lastSevenDays": (today - timedelta(days=6), today),
            "lastYear": (year_start.replace(year=today.year - 1), year_start - timedelta(days=1)),
        }
        return {key: _num(_kwh(pick(self.sum(*periods[key]))), "kilowattHour") for key in SUMMARY_KEYS}

    def arrays(self, pick: Callable[[Energies], float], read_at: str) -> Properties:
        today = self.today
        days = [_kwh(pick(self.sum(today - timedelta(days=i), today - timedelta(days=i)))) for i in range(8)]
        monday = today - timedelta(days=today.weekday())
        weeks = [
            _kwh(pick(self.sum(monday - timedelta(weeks=i), min(today, monday - timedelta(weeks=i) + timedelta(6)))))
            for i in range(5)
        ]
        months, first = [], today.replace(day=1)
        for _ in range(13):
            next_first = (first + timedelta(days=32)).replace(day=1)
            months.append(_kwh(pick(self.sum(first, min(today, next_first - timedelta(days=1))))))
            first = (first - timedelta(days=1)).replace(day=1)
        years = [
            _kwh(pick(self.sum(date(today.year - i, 1, 1), min(today, date(today.year - i, 12, 31))))) for i in (0, 1)
        ]
        out: Properties = {}
        for key, values in (("day", days), ("month", months), ("week", weeks), ("year", years)):
            out[key] = {"type": "array", "unit": "kilowattHour", "value": values}
            out[f"{key}ValueReadAt"] = _str(read_at)
        return out


def _spf(heat: float, electricity: float) -> float:
    return round(heat / electricity, 1) if electricity > 0 else 0.0


def features_response(installation: Installation) -> dict[str, Any]:
    """The ``GET …/features`` body for the installation's current state: ``{"data": [feature, …]}``."""
    inst, hp, step, spec = installation, installation.heatpump, installation.last, installation.spec
    now = datetime.fromtimestamp(inst.t, UTC)
    stamp = now.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    book = _Book(inst)
    year = book.sum(book.today.replace(month=1, day=1), book.today)
    running = hp.mode is not Mode.OFF
    outside = inst.outside_c()
    circuit_target = spec.supply_target_c(outside, inst.house.room_setpoint_c)
    inverter_w = max(0.0, step.meter_w - spec.standby_w) if running else 0.0
    valve = "domesticHotWater" if step.usage == "dhw" and running else "climatCircuitOne"

    table: dict[str, Properties] = {
        "heating.sensors.temperature.outside": _sensor(outside),
        "heating.sensors.temperature.return": _sensor(step.return_c),
        "heating.secondaryCircuit.sensors.temperature.supply": _sensor(step.supply_c),
        "heating.primaryCircuit.sensors.temperature.supply": _sensor(outside - (4.0 if running else 0.0)),
        "heating.boiler.sensors.temperature.commonSupply": _sensor(step.supply_c),
        "heating.bufferCylinder.sensors.temperature.main": _sensor((step.supply_c + step.return_c) / 2),
        "heating.circuits": {"enabled": {"type": "array", "value": ["0"]}},
        "heating.circuits.0": {"active": _bool(True), "name": _str(""), "type": _str("heatingCircuit")},
        "heating.circuits.0.circulation.pump": {
            "status": _str("on" if hp.mode in (Mode.HEATING, Mode.COOLING) else "off")
        },
        "heating.circuits.0.heating.curve": {"shift": _num(spec.curve_shift, ""), "slope": _num(spec.curve_slope, "")},
        "heating.circuits.0.operating.modes.active": {"value": _str("heating")},
        "heating.circuits.0.operating.modes.heating": {"active": _bool(True)},
        "heating.circuits.0.operating.modes.standby": {"active": _bool(False)},
        "heating.circuits.0.operating.programs.active": {"value": _str("normalHeating")},
        "heating.circuits.0.operating.programs.normalHeating": {
            "active": _bool(True),
            "demand": _str("heating"),
            "temperature": _num(inst.house.room_setpoint_c, "celsius"),
        },
        "heating.circuits.0.sensors.temperature.supply": _sensor(step.supply_c),
        "heating.circuits.0.temperature": {"value": _num(round(circuit_target, 1), "celsius")},
        "heating.circuits.0.temperature.levels": {
            "max": _num(spec.supply_max_c, "celsius"),
            "min": _num(spec.supply_min_c, "celsius"),
        },
        "heating.compressors": {"enabled": {"type": "array", "value": ["0"]}},
        "heating.compressors.0": {"active": _bool(running), "phase": _str("ready")},  # E3: "ready" while running
        "heating.compressors.0.speed.current": {"value": _num(round(step.speed_rps, 1), "revolutionsPerSecond")},
        "heating.compressors.0.statistics": {"hours": _num(int(hp.hours), "hour"), "starts": _num(hp.starts, "")},
        "heating.compressors.0.heater.crankcase": {"active": _bool(not running and outside < 5.0)},
        "heating.dhw": {"active": _bool(True), "status": _str("on")},
        "heating.dhw.operating.modes.active": {"value": _str("efficient")},
        "heating.dhw.sensors.temperature.dhwCylinder": _sensor(inst.tank.temperature_c),
        "heating.dhw.temperature.main": {"value": _num(spec.dhw_target_c, "celsius")},
        "heating.dhw.temperature.hysteresis": {
            "switchOffValue": _num(0, "kelvin"),
            "switchOnValue": _num(spec.dhw_hysteresis_k, "kelvin"),
            "value": _num(spec.dhw_hysteresis_k, "kelvin"),
        },
        "heating.dhw.pumps.circulation": {"status": _str("on")},
        "heating.heatingRod": {"active": _bool(step.rod_w > 0)},
        "heating.heatingRod.statistics": {"hours": _num(int(hp.rod_hours), "hour"), "starts": _num(hp.rod_starts, "")},
        "heating.heatingRod.power.consumption.summary.heating": book.summary(lambda e: e.rod),
        "heating.heatingRod.power.consumption.summary.dhw": book.summary(lambda e: 0.0),
        "heating.inverters.0.sensors.power.current": _sensor(inverter_w / (3**0.5 * 400 * 0.95), "ampere"),
        "heating.inverters.0.sensors.power.output": _sensor(round(inverter_w), "watt"),
        "heating.outdoor.defrosting": {"active": _bool(hp.mode is Mode.DEFROST)},
        "heating.primaryCircuit.fans.0.current": _sensor(round(100 * step.modulation) if running else 0, "percent"),
        "heating.sensors.volumetricFlow.allengra": _sensor(step.flow_lph, "liter/hour"),
        "heating.sensors.pressure.supply": _sensor(1.8, "bar"),
        "heating.valves.fourThreeWay.position": {"value": _str(valve)},
        "heating.heat.production.summary.heating": book.summary(lambda e: e.heat_heating),
        "heating.heat.production.summary.dhw": book.summary(lambda e: e.heat_dhw),
        "heating.heat.production.summary.cooling": book.summary(lambda e: e.cooling),
        "heating.power.consumption.summary.heating": book.summary(lambda e: e.device_heating),
        "heating.power.consumption.summary.dhw": book.summary(lambda e: e.device_dhw),
        "heating.power.consumption.summary.cooling": book.summary(lambda e: e.device_cooling),
        "heating.power.consumption.total": book.arrays(
            lambda e: e.device_heating + e.device_dhw + e.device_cooling, stamp
        ),
        "heating.power.consumption.heating": book.arrays(lambda e: e.device_heating, stamp),
        "heating.power.consumption.dhw": book.arrays(lambda e: e.device_dhw, stamp),
        "heating.spf.heating": {"value": _num(_spf(year.heat_heating, year.device_heating), "")},
        "heating.spf.dhw": {"value": _num(_spf(year.heat_dhw, year.device_dhw), "")},
        "heating.spf.total": {"value": _num(_spf(year.heat, year.device_heating + year.device_dhw), "")},
    }
    if inst.burner is not None:
        table.update(_burner_features(inst, book))
    if inst.cooling_setpoint_c is not None:
        table.update(_cooling_features(inst, inst.cooling_setpoint_c))
    return {"data": [_feature(name, properties, stamp) for name, properties in table.items()]}


def _burner_features(inst: Installation, book: _Book) -> dict[str, Properties]:
    """A hybrid's gas burner, shaped like the Vitocaldens 222-F dump (tests/data/viessmann): state, modulation,
    hours and starts, and its gas as the E3 summaries report energies (kWh)."""
    burner = inst.burner
    assert burner is not None
    gas = burner.efficiency
    return {
        "heating.burners.0": {"active": _bool(burner.firing)},
        "heating.burners.0.modulation": {"value": _num(round(100 * inst.last.burner_w / burner.max_w), "percent")},
        "heating.burners.0.statistics": {"hours": _num(round(burner.hours, 1), ""), "starts": _num(burner.starts, "")},
        "heating.gas.consumption.summary.heating": book.summary(lambda e: e.burner / gas),
        "heating.gas.consumption.summary.dhw": book.summary(lambda e: 0.0),
    }


def _cooling_features(inst: Installation, setpoint_c: float) -> dict[str, Properties]:
    """A reversible unit's circuit in mode heatingCooling: the cooling program runs on days too warm to heat."""
    cooling = inst.cooling_season
    circuit = "heating.circuits.0.operating"
    programs = {"comfort": setpoint_c - 2.0, "normal": setpoint_c, "reduced": setpoint_c + 2.0}
    return {
        f"{circuit}.modes.active": {"value": _str("heatingCooling")},
        f"{circuit}.modes.heating": {"active": _bool(False)},
        f"{circuit}.modes.cooling": {"active": _bool(False)},
        f"{circuit}.modes.heatingCooling": {"active": _bool(True)},
        f"{circuit}.programs.active": {"value": _str("normalCooling" if cooling else "normalHeating")},
        f"{circuit}.programs.normalHeating": {
            "active": _bool(not cooling),
            "demand": _str("heating"),
            "temperature": _num(inst.house.room_setpoint_c, "celsius"),
        },
        **{
            f"{circuit}.programs.{level}Cooling": {
                "active": _bool(cooling and level == "normal"),
                "demand": _str("cooling"),
                "temperature": _num(temperature, "Celsius"),  # the capital C of the real dumps
            }
            for level, temperature in programs.items()
        },
    }


def _feature(name: str, properties: Properties, stamp: str) -> dict[str, Any]:
    return {
        "apiVersion": 1,
        "commands": {},
        "deviceId": DEVICE_ID,
        "feature": name,
        "gatewayId": GATEWAY_SERIAL,
        "isEnabled": True,
        "isReady": True,
        "properties": properties,
        "timestamp": stamp,
        "uri": f"{BASE_URI}/{name}",
    }
