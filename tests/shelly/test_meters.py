"""Meters with em1 channels: two-channel meters (Pro EM-50, EM Gen3 style, no profile in GetDeviceInfo) and the
Pro 3EM's monophase profile, over real HTTP to the emulator; the channel setting; devices that are no meter."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import pytest

from collector.influx_io import InfluxWriter
from collector.sources.shelly import ShellySource
from collector.sources.shelly.client import DeviceInfo, PayloadError
from collector.sources.shelly.meter import resolve
from collector.sources.shelly.source import EXPORT_WARN_WH
from tests.shelly.conftest import Recorder, flux, shelly_settings, wave
from tests.shelly.test_backfill import assert_continuity, largest_gap
from tests.shelly.test_garbage import Device, make_source
from tests.support.fuzzing import Answer, Upstream

LOADS = (1840.0, 420.0, 75.0)


def by_phase(points, measurement: str, field: str) -> dict[str, float]:
    return {dict(p.tags)["phase"]: dict(p.fields)[field] for p in points if p.measurement == measurement}


def test_two_channel_meter_sums_its_channels(tmp_path, make_emulator, clock, caplog) -> None:
    emulator = make_emulator(profile="two_channel")
    emulator.set_power(*LOADS)
    counters = emulator.counters
    source = ShellySource(shelly_settings(tmp_path, emulator), clock=clock)
    with caplog.at_level(logging.INFO):
        points = source.poll()
    assert source.health.state == "ok"
    power = by_phase(points, "shelly_power", "power")
    assert power == {"a": 1840.0, "b": 420.0, "total": 2260.0}  # no third channel, no phase c
    imported = by_phase(points, "shelly_energy", "imported")
    assert imported == pytest.approx({"a": counters["a"], "b": counters["b"], "total": counters["a"] + counters["b"]})
    assert "em1:0 as phase a, em1:1 as phase b" in caplog.text


@pytest.mark.parametrize(("profile", "channel", "phase"), [("two_channel", 1, "b"), ("monophase", 0, "a")])
def test_the_channel_setting_reads_only_the_heat_pumps_channel(
    tmp_path, make_emulator, clock, profile: str, channel: int, phase: str
) -> None:
    emulator = make_emulator(profile=profile)
    emulator.set_power(*LOADS)
    source = ShellySource(shelly_settings(tmp_path, emulator, shelly_channel=channel), clock=clock)
    points = source.poll()
    watts = LOADS[channel]
    assert by_phase(points, "shelly_power", "power") == {phase: watts, "total": watts}
    assert set(by_phase(points, "shelly_energy", "imported")) == {phase, "total"}


def test_a_channel_the_device_lacks_is_a_clear_error(tmp_path, make_emulator, clock) -> None:
    emulator = make_emulator(profile="two_channel")
    source = ShellySource(shelly_settings(tmp_path, emulator, shelly_channel=2), clock=clock)
    assert source.poll() == []
    assert source.health.state == "backoff"
    assert source.health.last_error == "HPM_SHELLY_CHANNEL=2, but SPEM-002CEBEU50 has the channels 0, 1"


def test_a_device_that_is_no_energy_meter_is_named_as_such() -> None:
    switch = DeviceInfo("shellypro3-aabbcc", "triphase", False, "SPSW-003XE16EU")
    status = {"sys": {"uptime": 5}, "switch:0": {"id": 0, "output": False}, "input:0": {"id": 0}}
    with pytest.raises(PayloadError, match=r"SPSW-003XE16EU reports neither a three-phase meter .* nor metering"):
        resolve(switch, status, None)
    pro3em = DeviceInfo("shellypro3em-aabbcc", "triphase", False, "SPEM-003CEBEU")
    assert resolve(pro3em, {"em:0": {}, "emdata:0": {}}, 1).channels == ()  # the setting is for em1 meters only


def test_two_channel_minute_records_fill_an_outage(influx, tmp_path, make_emulator, clock) -> None:
    emulator = make_emulator(profile="two_channel")
    settings = shelly_settings(tmp_path, emulator, influx)
    source, writer = ShellySource(settings, clock=clock), InfluxWriter(settings)
    recorder = Recorder(clock, emulator, writer)
    recorder.run(source, 600, power=wave)
    emulator.inject("disconnect", times=10_000)
    recorder.run(source, 3600, power=wave)
    emulator.clear_faults()
    recorder.run(source, 600, power=wave)
    writer.close()
    assert source.health.state == "ok"
    t0, t1 = largest_gap(influx)
    assert t1 - t0 > 3600 - 300
    assert_continuity(influx, t0, t1, phases=("a", "b", "total"))  # EM1Data.GetData of em1data:0 and :1
    phases = {row["phase"] for row in influx.query(flux(influx, "shelly_energy_minute"))}
    assert phases == {"a", "b", "total"}


CAPTURES = Path(__file__).resolve().parents[1] / "data" / "shelly"


def capture(name: str) -> Callable[[Upstream], Answer]:
    """The device's answer as captured from a real meter (tests/data/SOURCES.md), whatever the emulator says."""
    body = (CAPTURES / name).read_bytes()
    return lambda _upstream: Answer(200, body, {"Content-Type": "application/json"})


def test_a_real_pro_em50_is_read_per_channel(tmp_path, make_emulator, clock, caplog) -> None:
    # a captured Pro EM-50 status: em1:0..1 beside the contactor's switch:0, both channels exporting
    device = Device(make_emulator(profile="two_channel"))
    device.answer("Shelly.GetStatus", capture("ProEM50_Shelly.GetStatus.json"))
    with device.proxy, caplog.at_level(logging.WARNING):
        source = make_source(tmp_path, device, clock)
        points = source.poll()
    assert source.health.state == "ok" and source.rejections.counts == {}
    assert by_phase(points, "shelly_power", "power") == {"a": -332.2, "b": -38.5, "total": -370.7}
    voltage = {dict(p.tags)["phase"]: dict(p.fields).get("voltage") for p in points if p.measurement == "shelly_power"}
    assert voltage == {"a": 226.9, "b": 227.0, "total": None}
    assert by_phase(points, "shelly_energy", "imported") == {"a": 1264.15, "b": 48002.83, "total": 49266.98}
    assert by_phase(points, "shelly_energy", "exported") == {"a": 144792.28, "b": 33241.59, "total": 178033.87}
    assert "fed" not in caplog.text  # one sample shows no growth yet: the counters say nothing about the clamp


def test_a_real_pro_3em_in_monophase_is_read_as_three_channels(tmp_path, make_emulator, clock) -> None:
    device = Device(make_emulator(profile="monophase"))
    device.answer("Shelly.GetDeviceInfo", capture("Pro3EM_monophase_Shelly.GetDeviceInfo.json"))
    device.answer("Shelly.GetStatus", capture("Pro3EM_monophase_Shelly.GetStatus.json"))
    with device.proxy:
        source = make_source(tmp_path, device, clock)
        points = source.poll()
    assert source.health.state == "ok"
    assert {p.tags for p in points if p.measurement == "shelly_power"} >= {
        (("device", "shellypro3em-fce8c0dba900"), ("phase", phase)) for phase in ("a", "b", "c", "total")
    }
    assert by_phase(points, "shelly_power", "power") == {"a": 598.9, "b": 0.0, "c": 0.0, "total": 598.9}
    assert by_phase(points, "shelly_energy", "imported") == {"a": 3458.24, "b": 2768.67, "c": 3.09, "total": 6230.0}
    assert by_phase(points, "shelly_energy", "exported")["total"] == 1631.44


def test_a_reversed_clamp_is_named_once_per_phase(tmp_path, make_emulator, clock, caplog) -> None:
    emulator = make_emulator(profile="two_channel")
    source = ShellySource(shelly_settings(tmp_path, emulator), clock=clock)
    recorder = Recorder(clock, emulator)
    with caplog.at_level(logging.WARNING, logger="collector.sources.shelly"):
        recorder.run(source, 60, power=lambda t: (-1800.0, 300.0, 0.0))  # 30 Wh back on channel 0 in a minute
        recorder.run(source, 3600, power=lambda t: (-1800.0, 300.0, 0.0))
    events = [p for p in recorder.points if p.measurement == "shelly_event"]
    assert [dict(p.tags)["kind"] for p in events] == ["export"]
    fields = dict(events[0].fields)
    assert EXPORT_WARN_WH <= fields["after"] - fields["before"] <= EXPORT_WARN_WH + 1800 / 60  # within a minute
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "phase a fed" in warnings[0]
    assert "clamp is probably the wrong way round" in warnings[0]
    assert source.health.state == "ok"  # the readings are kept as the device reports them
    assert dict(recorder.of("shelly_power", "a")[-1].fields)["power"] == -1800.0


def test_standby_noise_on_the_export_counter_is_no_reversed_clamp(tmp_path, make_emulator, clock, caplog) -> None:
    emulator = make_emulator(profile="two_channel")
    source = ShellySource(shelly_settings(tmp_path, emulator), clock=clock)
    recorder = Recorder(clock, emulator)
    # -3 W feeds the bound's 10 Wh back in ~3.3 h: noise-sized readings warn only when they persist like a load
    with caplog.at_level(logging.WARNING, logger="collector.sources.shelly"):
        recorder.run(source, 3 * 3600 - 60, power=lambda t: (-3.0, 5.0, 0.0))
    assert not [p for p in recorder.points if p.measurement == "shelly_event"]
    assert "fed" not in caplog.text
