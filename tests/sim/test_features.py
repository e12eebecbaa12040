"""The simulated Viessmann features response has the shape of a real Vitocal 250-A dump and PyViCare reads it."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from PyViCare.PyViCare import PyViCare

from collector.sim.features import MODEL_ID, ROLES, features_response
from collector.sim.heatpump import Mode
from collector.sim.installation import Installation
from collector.sources.viessmann.offline import OfflineOAuthManager
from tests.conftest import FIXTURES

TZ = ZoneInfo("Europe/Berlin")
START = datetime(2026, 11, 24, 6, 0, tzinfo=UTC).timestamp()


@pytest.fixture(scope="module")
def installation() -> Installation:
    inst = Installation(START, TZ)
    inst.run_until(START + 2.5 * 86400)
    return inst


def _by_name(response: dict) -> dict[str, dict]:
    return {feature["feature"]: feature for feature in response["data"]}


def test_every_feature_and_property_has_the_real_dump_shape(installation: Installation) -> None:
    real = _by_name(json.loads((FIXTURES / "viessmann" / "Vitocal250A.json").read_text()))
    simulated = _by_name(features_response(installation))
    assert len(simulated) >= 50
    for name, feature in simulated.items():
        assert name in real, name
        model = real[name]
        assert model["isEnabled"] and "deprecated" not in model, name
        assert feature.keys() == model.keys(), name
        assert feature["properties"].keys() == model["properties"].keys(), name
        for key, prop in feature["properties"].items():
            expected = model["properties"][key]
            assert prop["type"] == expected["type"], (name, key)
            assert prop.get("unit") == expected.get("unit"), (name, key)
            assert type(prop["value"]) is type(expected["value"]) or {type(prop["value"]), type(expected["value"])} <= {
                int,
                float,
            }, (name, key)


def test_pyvicare_reads_the_model_state(installation: Installation) -> None:
    vicare = PyViCare()
    vicare.setCacheDuration(3600)
    vicare.initWithExternalOAuth(
        OfflineOAuthManager(lambda: features_response(installation), model_id=MODEL_ID, roles=list(ROLES))
    )
    device = vicare.devices[0].asAutoDetectDevice()
    assert type(device).__name__ == "HeatPump"
    assert device.getOutsideTemperature() == round(installation.outside_c(), 1)
    assert device.compressors[0].getActive() is (installation.heatpump.mode is not Mode.OFF)
    assert device.compressors[0].getStarts() == installation.heatpump.starts
    assert device.getDomesticHotWaterStorageTemperature() == round(installation.tank.temperature_c, 1)
    assert device.circuits[0].getHeatingCurveSlope() == installation.spec.curve_slope
    today = installation.days[installation.local_day()]
    assert device.getPowerSummaryConsumptionHeatingCurrentDay() == round(today.device_heating / 1000, 1)
    heat = device.getProperty("heating.heat.production.summary.heating")["properties"]["currentDay"]["value"]
    assert heat == round(today.heat_heating / 1000, 1) and heat > 10


def test_summaries_and_arrays_agree_like_on_e3_devices(installation: Installation) -> None:
    features = _by_name(features_response(installation))
    total = features["heating.power.consumption.total"]["properties"]
    heating = features["heating.power.consumption.summary.heating"]["properties"]
    dhw = features["heating.power.consumption.summary.dhw"]["properties"]
    assert total["day"]["value"][0] == pytest.approx(
        heating["currentDay"]["value"] + dhw["currentDay"]["value"], abs=0.11
    )
    days = total["day"]["value"]
    assert len(days) == 8 and days[3:] == [0.0] * 5  # three local days simulated so far
    assert days[1] > 10  # a whole November day, kWh
    assert heating["lastSevenDays"]["value"] + dhw["lastSevenDays"]["value"] == pytest.approx(sum(days[:7]), abs=0.3)
    assert len(total["month"]["value"]) == 13 and len(total["week"]["value"]) == 5 and len(total["year"]["value"]) == 2
    assert total["year"]["value"][0] == pytest.approx(sum(days), abs=0.3)
    spf = features["heating.spf.total"]["properties"]["value"]["value"]
    assert 2.5 < spf < 5
