"""Each real dump through PyViCare's real classes (offline): the exact points, support lists, units and ids."""

from __future__ import annotations

import json
import logging
from datetime import datetime
from pathlib import Path

import pytest
from PyViCare.PyViCareHeatPump import HeatPump

from collector.influx_io import InfluxWriter
from collector.points import Point, time_ns
from collector.schema import TAG_DEVICE
from collector.sources.viessmann.metrics import METRIC_NAMES
from tests.conftest import InfluxEnv
from tests.viessmann.dumps import DEVICE, MODELS, FakeClock, dump, manager, set_feature, source

EXPECTED = json.loads((Path(__file__).parent / "expected_points.json").read_text())
NOW = 1.8e9  # 2027-01-15: after every dump


def poll_dump(settings, name: str, features=None) -> tuple[list[Point], object]:
    api = manager(name, features)
    src = source(settings, api, FakeClock(NOW))
    points = src.poll()
    return points, src


def by_series(points: list[Point]) -> dict[tuple[str, tuple[tuple[str, str], ...]], dict[str, object]]:
    """Fields per measurement and tag set (all timestamps merged)."""
    series: dict[tuple[str, tuple[tuple[str, str], ...]], dict[str, object]] = {}
    for p in points:
        tags = tuple((k, v) for k, v in p.tags if k != TAG_DEVICE)
        series.setdefault((p.measurement, tags), {}).update(dict(p.fields))
    return series


@pytest.mark.parametrize("name", sorted(MODELS))
def test_exact_points_and_support_per_model(settings, name: str) -> None:
    points, src = poll_dump(settings, name)
    assert [p.to_line() for p in points] == EXPECTED[name]["lines"]
    readout = src.support[DEVICE]
    assert readout.unsupported == EXPECTED[name]["unsupported"]
    assert sorted(readout.supported) == sorted(set(METRIC_NAMES) - set(EXPECTED[name]["unsupported"]))
    assert isinstance(src.client.devices[0].device, HeatPump)
    assert all(dict(p.tags)[TAG_DEVICE] == DEVICE for p in points)
    assert src.health.state == "stale"  # the dumps are old: the gateway "reported nothing new" for months


def test_252a_running_values_and_units(settings) -> None:
    series = by_series(poll_dump(settings, "Vitocal252A.json")[0])
    assert series["hp_temperature", (("sensor", "outside"),)] == {"value": 3.3}
    assert series["hp_hydraulics", ()]["volumetric_flow"] == 970.0  # liter/hour
    assert series["hp_compressor", (("compressor", "0"),)]["active"] == 1
    assert series["hp_compressor", (("compressor", "0"),)]["speed"] == 38.5  # raw: getSpeed() would say 38
    assert series["hp_inverter", (("inverter", "0"),)] == {"current": 8.2, "power": 1508.0}
    assert series["hp_efficiency", (("kind", "spf"), ("usage", "total"))] == {"value": 6.0}
    assert ("hp_efficiency", (("kind", "cop"), ("usage", "total"))) not in series
    assert series["hp_energy_summary", (("kind", "heat"), ("usage", "heating"))]["current_day"] == 44.8
    assert series["hp_energy_summary", (("kind", "electric"), ("usage", "heating"))]["current_day"] == 10.7
    assert ("hp_errors", ()) not in series  # 252-A exposes no error list: unknown, not zero


def test_300g_circuit_id_comes_from_the_device(settings) -> None:
    series = by_series(poll_dump(settings, "Vitocal300G_CU401B.json")[0])
    circuits = {dict(tags).get("circuit") for (_, tags) in series if dict(tags).get("circuit")}
    assert circuits == {"1"}
    assert series["hp_circuit", (("circuit", "1"),)]["curve_slope"] == 1.0
    compressor = series["hp_compressor", (("compressor", "0"),)]
    assert compressor["rated_power"] == 12.0  # kW as the API reports it
    assert compressor["modulation"] == 100.0
    assert compressor["hours_load_class_3"] == 448.0  # from heating.compressors.0.statistics.load
    assert series["hp_efficiency", (("kind", "cop"), ("usage", "total"))] == {"value": 4.7}
    assert series["hp_heating_rod", ()]["hours_level_1"] == pytest.approx(886682 / 3600, abs=1e-6)


def test_200s_flow_labelled_liter_is_litres_per_hour_and_dhw_falls_back(settings) -> None:
    series = by_series(poll_dump(settings, "Vitocal200S_E8NEV.json")[0])
    assert series["hp_hydraulics", ()]["volumetric_flow"] == 1215.0
    assert series["hp_temperature", (("sensor", "dhw"),)] == {"value": 50.2}  # deprecated hotWaterStorage


def test_errors_empty_list_is_zero_absent_list_is_no_point(settings, tmp_path: Path) -> None:
    with_list = by_series(poll_dump(settings, "Vitocal333G.json")[0])
    assert with_list["hp_errors", ()] == {"count": 0}
    assert not [key for key in with_list if key[0] == "hp_error"]
    without = by_series(poll_dump(settings.model_copy(update={"data_dir": tmp_path / "b"}), "Vitocal250A.json")[0])
    assert not [key for key in without if key[0] in ("hp_errors", "hp_error")]


def test_active_error_then_cleared(settings) -> None:
    data = dump("Vitocal333G.json")
    state = {"data": data}
    api = manager("Vitocal333G.json", lambda: json.loads(json.dumps(state["data"])))
    clock = FakeClock(NOW)
    src = source(settings, api, clock)
    src.poll()
    entry = {"errorCode": "F.1100", "priority": "criticalError", "timestamp": "2027-01-15T08:00:00.000Z"}
    set_feature(data, "device.messages.errors.raw", "2027-01-15T08:00:05.000Z", entries=[entry])
    clock.advance(300)
    raised = {(p.measurement, p.tags, p.fields) for p in src.poll() if p.measurement.startswith("hp_error")}
    assert raised == {
        ("hp_errors", ((TAG_DEVICE, DEVICE),), (("count", 1),)),
        ("hp_error", (("code", "F.1100"), (TAG_DEVICE, DEVICE), ("priority", "criticalError")), (("active", 1),)),
    }
    set_feature(data, "device.messages.errors.raw", "2027-01-15T09:00:00.000Z", entries=[])
    clock.advance(300)
    cleared = {(p.measurement, p.fields) for p in src.poll() if p.measurement.startswith("hp_error")}
    assert cleared == {("hp_errors", (("count", 0),)), ("hp_error", (("active", 0),))}


def test_kilowatt_current_power_is_written_in_watts(settings) -> None:
    data = dump("Vitocal252A.json")
    production = {
        "feature": "heating.compressors.0.heat.production.current",
        "isEnabled": True,
        "properties": {"value": {"type": "number", "unit": "kilowatt", "value": 4.25}},
        "timestamp": "2025-11-19T11:22:50.666Z",
    }
    consumption = {**production, "feature": "heating.compressors.0.power.consumption.current"}
    consumption["properties"] = {"value": {"type": "number", "unit": "watt", "value": 1100}}
    data["data"] += [production, consumption]
    compressor = by_series(poll_dump(settings, "Vitocal252A.json", data)[0])["hp_compressor", (("compressor", "0"),)]
    assert compressor["heat_production"] == 4250.0
    assert compressor["power_consumption"] == 1100.0


def test_unknown_unit_is_refused_and_reported(settings, caplog: pytest.LogCaptureFixture) -> None:
    data = dump("Vitocal252A.json")
    set_feature(data, "heating.sensors.volumetricFlow.allengra", "2025-11-19T11:19:09.880Z")
    for feature in data["data"]:
        if feature["feature"] == "heating.sensors.volumetricFlow.allengra":
            feature["properties"]["value"]["unit"] = "cubicMeter/hour"
    with caplog.at_level(logging.WARNING):
        points, src = poll_dump(settings, "Vitocal252A.json", data)
    assert "volumetric_flow" not in by_series(points)["hp_hydraulics", ()]
    assert "hydraulics.volumetric_flow" in src.support[DEVICE].unsupported
    assert "cubicMeter/hour" in caplog.text


def test_rated_power_from_settings_when_the_api_has_none(settings) -> None:
    configured = settings.model_copy(update={"viessmann_rated_power_kw": 7.5})
    points, _ = poll_dump(configured, "Vitocal252A.json")
    rated = [p for p in points if ("rated_power", 7.5) in p.fields]
    assert len(rated) == 1
    assert rated[0].time_ns == int(NOW) * 10**9  # recorded when read, not backdated
    assert dict(rated[0].tags) == {TAG_DEVICE: DEVICE, "compressor": "0"}


def test_support_line_is_logged_once(settings, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="collector.sources.viessmann"):
        api = manager("Vitocal300G_CU401B.json")
        clock = FakeClock(NOW)
        src = source(settings, api, clock)
        src.poll()
        clock.advance(600)
        src.poll()
    lines = [r.getMessage() for r in caplog.records if "metrics:" in r.getMessage()]
    assert len(lines) == 1
    supported = len(METRIC_NAMES) - len(EXPECTED["Vitocal300G_CU401B.json"]["unsupported"])
    assert supported == 50  # incl. device-level suction/liquid gas temperatures, buffer top and one-time charge
    assert "CU401B_G" in lines[0] and f"supports {supported} metrics" in lines[0]
    assert "energy.heat.heating.*" in lines[0].split("not supported:")[1]
    assert any("calls per day" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_points_land_in_influxdb(influx: InfluxEnv, tmp_path: Path, name: str) -> None:
    settings = influx.settings(tmp_path)
    points, _ = poll_dump(settings, name)
    writer = InfluxWriter(settings)
    writer.write(points)
    writer.close()
    rows = influx.query(
        f'from(bucket: "{influx.bucket_raw}") |> range(start: 2020-01-01T00:00:00Z)'
        " |> filter(fn: (r) => r._measurement =~ /^hp_/)"
    )
    stored = {
        (row["_measurement"], row["_field"], _tags(row), time_ns(datetime.fromisoformat(row["_time"])), row["_value"])
        for row in rows
    }
    expected = {
        (p.measurement, field, tuple(sorted(p.tags)), p.time_ns, _text(value))
        for p in points
        for field, value in p.fields
    }
    assert stored == expected


def _tags(row: dict[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((k, v) for k, v in row.items() if not k.startswith("_") and v != ""))


def _text(value: object) -> str:
    """How Flux's CSV renders a field value."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return repr(value).removesuffix(".0") if value.is_integer() else repr(value)
    return str(value)


def test_malformed_values_and_timestamps_are_skipped_not_fatal(settings) -> None:
    data = dump("Vitocal252A.json")
    set_feature(data, "heating.sensors.temperature.outside", "2025-11-19T11:19:14.148Z", value="n/a")
    set_feature(data, "heating.sensors.temperature.return", "yesterday")
    points, src = poll_dump(settings, "Vitocal252A.json", data)
    series = by_series(points)
    assert ("hp_temperature", (("sensor", "outside"),)) not in series
    assert ("hp_temperature", (("sensor", "return"),)) not in series
    assert series["hp_inverter", (("inverter", "0"),)]["power"] == 1508.0
    assert len(points) == len(EXPECTED["Vitocal252A.json"]["lines"]) - 2
    assert src.health.consecutive_failures == 0


def test_desired_temperature_follows_a_program_switch(settings) -> None:
    data = dump("Vitocal250A.json")
    api, clock = manager("Vitocal250A.json", lambda: json.loads(json.dumps(data))), FakeClock(NOW)
    src = source(settings, api, clock)
    assert by_series(src.poll())["hp_circuit", (("circuit", "0"),)]["target_temperature"] == 20.0
    # the user switches to reduced: the set point comes from the older reducedHeating feature, stamped with the
    # switch, so the watermark lets it through
    set_feature(
        data, "heating.circuits.0.operating.programs.active", "2025-10-05T18:00:00.000Z", value="reducedHeating"
    )
    clock.advance(src.poll_seconds)
    assert [p.to_line() for p in src.poll()] == [
        f'hp_circuit,circuit=0,device={DEVICE} program="reducedHeating",target_temperature=18.0 1759687200000000000'
    ]
