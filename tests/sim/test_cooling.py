"""The reversible variant of the simulated unit: it cools on summer days (supply below return, EER from a Carnot
model for cooling), charges hot water in heating mode meanwhile, books cooling apart, shows it as the real dumps
do, and in the heating season is the very same installation as the heating-only one."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from collector.sim.features import features_response
from collector.sim.heatpump import HeatPumpSpec, Mode
from collector.sim.installation import Installation
from collector.sim.weather import Climate, ConstantClimate
from tests.conftest import REPO

TZ = ZoneInfo("Europe/Berlin")
DAY = 86400.0
JULY = datetime(2026, 7, 16, 22, tzinfo=UTC).timestamp()  # 17 July, local midnight: the simulated July's hottest
NOV = datetime(2026, 11, 20, tzinfo=UTC).timestamp()
SETPOINT = 24.0


@pytest.fixture(scope="module")
def summer() -> tuple[Installation, list]:
    inst = Installation(JULY, TZ, cooling_setpoint_c=SETPOINT)
    return inst, [step for _, step in inst.advance(JULY + 1.75 * DAY)]  # to 18:00 of the second day


def test_it_cools_with_supply_below_return_and_books_cooling_apart(summer: tuple[Installation, list]) -> None:
    inst, steps = summer
    e = inst.totals
    cooling = [s for s in steps if s.mode is Mode.COOLING]
    assert len(cooling) * inst.step_s > 8 * 3600  # hours of cooling on hot days
    assert all(s.supply_c < s.return_c and s.heat_w < 0 and s.usage == "cooling" for s in cooling)
    assert sum(s.heat_w for s in steps if s.usage == "heating") == 0  # no space heating in July
    # the book: cooling apart, the meter whole, heating's SPF from the electricity outside cooling
    hours = inst.step_s / 3600
    assert e.cooling == pytest.approx(-sum(s.heat_w for s in cooling) * hours)
    assert e.meter_cooling == pytest.approx(sum(s.meter_w for s in cooling) * hours)
    assert e.meter == pytest.approx(sum(s.meter_w for s in steps) * hours)
    assert e.spf == pytest.approx(e.heat / (e.meter - e.meter_cooling))
    assert e.heat == pytest.approx(e.heat_dhw) and e.heat_dhw > 8000  # hot water, charged in heating mode
    assert any(s.mode is Mode.DHW for s in steps)
    # the cooling load is removed: what the rooms needed minus what is still owed
    assert e.cooling == pytest.approx(inst.cooling_demand_wh - inst.heatpump.cooling_deficit_wh, rel=1e-9)


def test_eer_follows_carnot_for_cooling() -> None:
    spec = HeatPumpSpec()
    # data-sheet territory: EER ≈ 4-5 at A35/W18, higher in milder air, lower at a colder supply
    assert 3.8 < spec.eer(18.0, 35.0, 0.55) < 5.0
    assert spec.eer(18.0, 25.0, 0.55) > spec.eer(18.0, 35.0, 0.55)
    assert spec.eer(7.0, 35.0, 0.55) < spec.eer(18.0, 35.0, 0.55)


def test_the_simulated_day_eer_is_plausible(summer: tuple[Installation, list]) -> None:
    inst, _ = summer
    assert 4.5 < (inst.totals.eer or 0) < 7.5


def test_the_heating_season_is_the_heating_only_installation() -> None:
    """A reversible unit in November: every step and every booked energy equals the heating-only unit's."""
    reversible = Installation(NOV, TZ, cooling_setpoint_c=SETPOINT)
    heating_only = Installation(NOV, TZ)
    for (_, a), (_, b) in zip(reversible.advance(NOV + 3 * DAY), heating_only.advance(NOV + 3 * DAY), strict=True):
        assert a == b
    assert reversible.totals == heating_only.totals and reversible.totals.cooling == 0
    assert not reversible.cooling_season


def test_no_cooling_without_a_set_point_even_in_heat() -> None:
    inst = Installation(JULY, TZ, climate=ConstantClimate(temperature_c=32.0, humidity_pct=50.0))
    inst.run_until(JULY + DAY)
    assert inst.totals.cooling == 0 and inst.totals.meter_cooling == 0


def _by_name(response: dict) -> dict[str, dict]:
    return {feature["feature"]: feature for feature in response["data"]}


def test_cooling_features_have_the_real_dumps_shape(summer: tuple[Installation, list]) -> None:
    """Circuit modes and programs as the Vitocal 151-A (a unit with cooling) shows them, the cooling summaries as
    the 250-A's; in July the cooling program runs and the summaries hold the day's true cooling."""
    inst, _ = summer
    real = _by_name(json.loads((REPO / "tests" / "data" / "viessmann" / "Vitocal151A.json").read_text()))
    simulated = _by_name(features_response(inst))
    cooling = [name for name in simulated if "ooling" in name]
    assert len(cooling) >= 7
    for name in cooling:
        if name.startswith("heating.circuits."):
            model = real[name]
            assert simulated[name]["properties"].keys() <= model["properties"].keys(), name
            for key, prop in simulated[name]["properties"].items():
                expected = model["properties"][key]
                assert (prop["type"], prop.get("unit")) == (expected["type"], expected.get("unit")), (name, key)
    programs = "heating.circuits.0.operating.programs"
    assert simulated[f"{programs}.active"]["properties"]["value"]["value"] == "normalCooling"
    assert simulated[f"{programs}.normalCooling"]["properties"]["temperature"]["unit"] == "Celsius"
    assert simulated["heating.circuits.0.operating.modes.active"]["properties"]["value"]["value"] == "heatingCooling"
    today = inst.days[inst.local_day()]
    summary = simulated["heating.heat.production.summary.cooling"]["properties"]
    assert summary["currentDay"]["value"] == round(today.cooling / 1000, 1) > 1
    electric = simulated["heating.power.consumption.summary.cooling"]["properties"]
    assert electric["currentDay"]["value"] == round(today.device_cooling / 1000, 1) > 0.1


def test_winter_program_is_heating_and_the_default_unit_has_no_cooling_programs() -> None:
    reversible = Installation(NOV, TZ, cooling_setpoint_c=SETPOINT, climate=Climate())
    features = _by_name(features_response(reversible))
    assert features["heating.circuits.0.operating.programs.active"]["properties"]["value"]["value"] == "normalHeating"
    default = _by_name(features_response(Installation(JULY, TZ)))
    assert not [name for name in default if "Cooling" in name]
    assert default["heating.circuits.0.operating.programs.active"]["properties"]["value"]["value"] == "normalHeating"
