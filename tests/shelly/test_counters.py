"""Counter resets and reboots become events; counters are never negative, also across collector restarts."""

from __future__ import annotations

import pytest

from collector.influx_io import InfluxWriter
from collector.sources.shelly import ShellySource
from tests.shelly.conftest import Recorder, flux, shelly_settings


def events(influx) -> list[dict[str, str]]:
    rows = influx.query(
        flux(influx, "shelly_event") + ' |> pivot(rowKey: ["_time"], columnKey: ["_field"], valueColumn: "_value")'
    )
    return sorted(rows, key=lambda row: row["_time"])


def test_counter_reset_is_an_event_and_nothing_negative(influx, tmp_path, emulator, clock) -> None:
    settings = shelly_settings(tmp_path, emulator, influx)
    source, writer = ShellySource(settings, clock=clock), InfluxWriter(settings)
    recorder = Recorder(clock, emulator, writer)
    recorder.run(source, 300)
    before = emulator.counters["total"]
    emulator.reset_counters()
    recorder.run(source, 300)
    writer.close()

    [event] = events(influx)
    assert event["kind"] == "counter_reset" and "dropped" in event["message"]
    assert float(event["before"]) == pytest.approx(before, abs=0.01) and float(event["after"]) < 100
    counters = influx.query(flux(influx, "shelly_energy") + " |> min()")
    assert counters and all(float(row["_value"]) >= 0 for row in counters)
    # The first sample after the reset carries the event timestamp; later samples raise no further event.
    totals = [p for p in recorder.of("shelly_energy") if dict(p.fields)["imported"] < 100]
    assert event["_time"] == totals[0].time.isoformat().replace("+00:00", "Z")


def test_reset_while_the_collector_was_down_is_detected_after_restart(tmp_path, emulator, clock) -> None:
    settings = shelly_settings(tmp_path, emulator)
    first = ShellySource(settings, clock=clock)
    assert first.poll()
    first.close()
    clock.t += 60
    emulator.reset_counters()
    clock.t += 30
    points = ShellySource(settings, clock=clock).poll()
    assert [dict(p.tags)["kind"] for p in points if p.measurement == "shelly_event"] == ["counter_reset"]


def test_reboot_is_an_event_once(tmp_path, emulator, clock) -> None:
    source = ShellySource(shelly_settings(tmp_path, emulator), clock=clock)
    recorder = Recorder(clock, emulator)
    recorder.run(source, 600)
    emulator.reboot()
    recorder.run(source, 600)
    kinds = [dict(p.tags)["kind"] for p in recorder.points if p.measurement == "shelly_event"]
    assert kinds == ["reboot"]


def test_profile_switch_is_followed_and_recorded(tmp_path, emulator, clock, caplog) -> None:
    source = ShellySource(shelly_settings(tmp_path, emulator), clock=clock)
    recorder = Recorder(clock, emulator)
    recorder.run(source, 60)
    emulator.switch_profile("monophase")
    clock.t += 10
    assert source.poll() == []  # em:0 is gone: a payload fault, then the source identifies the device again
    assert "no em:0 component" in source.health.last_error
    clock.t += 10
    points = source.poll()
    kinds = sorted(dict(p.tags)["kind"] for p in points if p.measurement == "shelly_event")
    assert kinds == ["counter_reset", "profile_change"]
    assert {dict(p.tags)["phase"] for p in points if p.measurement == "shelly_power"} == {"a", "b", "c", "total"}
