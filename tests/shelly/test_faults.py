"""Each fault class: nothing invalid written, one log line per episode, exponential backoff, health, recovery."""

from __future__ import annotations

import logging

import pytest

from collector.influx_io import InfluxWriter
from collector.settings import Settings
from collector.sources.shelly import ShellySource
from tests.shelly.conftest import Recorder, flux, shelly_settings

FAULT_STATES = {
    "delay": "backoff",
    "401": "auth_failed",
    "429": "rate_limited",
    "500": "backoff",
    "garbage": "backoff",
    "truncated": "backoff",
    "disconnect": "backoff",
    "null_fields": "backoff",
    "nan": "backoff",
}
EPISODE = 3  # failed polls


@pytest.mark.parametrize("fault", sorted(FAULT_STATES))
def test_fault_episode(influx, tmp_path, make_emulator, clock, caplog, fault: str) -> None:
    emulator = make_emulator(delay_seconds=1.5)
    emulator.set_power(1500.0, 400.0, 100.0)
    settings = shelly_settings(tmp_path, emulator, influx, shelly_timeout_seconds=0.5, shelly_backoff_max_seconds=30)
    source, writer = ShellySource(settings, clock=clock), InfluxWriter(settings)
    recorder = Recorder(clock, emulator, writer)
    caplog.set_level(logging.INFO, logger="collector.sources.shelly")
    assert recorder.poll(source)

    emulator.inject(fault, times=100)  # the device keeps failing until cleared
    delays = []
    for attempt in range(1, EPISODE + 1):
        clock.t += 300  # well past any backoff: the runtime polls whenever due
        assert source.due(clock.t)
        before = clock.t
        assert recorder.poll(source) == []
        health = source.health
        assert (health.state, health.consecutive_failures) == (FAULT_STATES[fault], attempt)
        assert health.last_success is not None and health.last_error
        delay = next(d for d in (10, 20, 30, 40) if not source.due(before + d - 0.01) and source.due(before + d))
        delays.append(delay)
    assert delays == [10, 20, 30]  # doubling from the poll period, capped at HPM_SHELLY_BACKOFF_MAX_SECONDS

    emulator.clear_faults()
    clock.t += 300
    assert recorder.poll(source), "the source recovers by itself"
    assert source.health.state == "ok" and source.health.consecutive_failures == 0
    writer.close()

    ours = [r for r in caplog.records if r.name.startswith("collector.sources.shelly")]
    warnings = [r.getMessage() for r in ours if r.levelno >= logging.WARNING]
    assert len(warnings) == 1, warnings  # once per episode, not once per attempt
    assert any("recovered" in r.getMessage() for r in ours)
    rows = influx.query(flux(influx, "shelly_power", 'r.phase == "total"', 'r._field == "power"'))
    assert [float(row["_value"]) for row in rows] == [2000.0, 2000.0]  # only the two good samples


@pytest.mark.parametrize("unreachable", ["refused", "dns"])
def test_unreachable_device_backs_off_and_reports(tmp_path, make_emulator, clock, caplog, unreachable) -> None:
    emulator = make_emulator()
    address = emulator.address
    emulator.stop()  # nothing listens there any more
    host = address if unreachable == "refused" else "shelly.nonexistent.invalid"  # RFC 2606: never resolves
    settings = Settings(_env_file=None, data_dir=tmp_path / "data", shelly_host=host)  # type: ignore[call-arg]
    source = ShellySource(settings, clock=clock)
    caplog.set_level(logging.INFO, logger="collector.sources.shelly")
    for _ in range(4):
        clock.t += 600
        assert source.poll() == []
    assert source.health.state == "backoff" and source.health.last_success is None
    assert "unreachable" in source.health.last_error
    assert len([r for r in caplog.records if r.levelno >= logging.WARNING]) == 1
