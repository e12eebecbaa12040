"""Meters with em1 channels: two-channel meters (Pro EM-50, EM Gen3 style, no profile in GetDeviceInfo) and the
Pro 3EM's monophase profile, over real HTTP to the emulator; the channel setting; devices that are no meter."""

from __future__ import annotations

import logging

import pytest

from collector.influx_io import InfluxWriter
from collector.sources.shelly import ShellySource
from collector.sources.shelly.client import DeviceInfo, PayloadError
from collector.sources.shelly.meter import resolve
from tests.shelly.conftest import Recorder, flux, shelly_settings, wave
from tests.shelly.test_backfill import assert_continuity, largest_gap

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
