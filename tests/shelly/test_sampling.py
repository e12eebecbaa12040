"""Sampling over real HTTP into the real InfluxDB: values, units, timestamps, both profiles, digest auth."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import httpx
import pytest

from collector.influx_io import InfluxWriter
from collector.schema import unit_of
from collector.sources.shelly import ShellySource
from tests.shelly.conftest import START, FakeClock, flux, shelly_settings

PHASE_LOAD = (2367.6, 149.7, 13.7)


def sample(influx, tmp_path, emulator, clock, **overrides) -> ShellySource:
    settings = shelly_settings(tmp_path, emulator, influx, **overrides)
    source = ShellySource(settings, clock=clock)
    writer = InfluxWriter(settings)
    writer.write(source.poll())
    writer.close()
    return source


def values(influx, measurement: str) -> dict[tuple[str, str], float]:
    rows = influx.query(flux(influx, measurement))
    return {(row["phase"], row["_field"]): float(row["_value"]) for row in rows}


@pytest.mark.parametrize("profile", ["triphase", "monophase"])
def test_sample_values_units_and_collector_timestamp(influx, tmp_path, make_emulator, profile: str) -> None:
    device_clock = FakeClock(START + 3600)  # the device's clock is an hour off: it must not matter
    collector_clock = FakeClock(START + 0.25)
    emulator = make_emulator(profile=profile, clock=device_clock)
    emulator.set_power(*PHASE_LOAD, voltage=223.6, pf=0.98, freq=50.0)
    counters = emulator.counters
    source = sample(influx, tmp_path, emulator, collector_clock)
    assert source.health.state == "ok" and source.health.last_success == START + 0.25

    power = values(influx, "shelly_power")
    for phase, watts in zip("abc", PHASE_LOAD, strict=True):
        assert power[(phase, "power")] == watts  # W, as the device reports
        assert power[(phase, "voltage")] == 223.6
        assert power[(phase, "current")] == round(watts / (223.6 * 0.98), 3)
        assert power[(phase, "pf")] == 0.98 and power[(phase, "freq")] == 50.0
    assert power[("total", "power")] == pytest.approx(sum(PHASE_LOAD))
    assert ("total", "voltage") not in power and ("total", "neutral_current") not in power  # null on the device
    assert unit_of("shelly_power", "power") == "watt" and unit_of("shelly_energy", "imported") == "watth"

    energy = values(influx, "shelly_energy")
    for phase in ("a", "b", "c", "total"):
        assert energy[(phase, "imported")] == pytest.approx(counters[phase], abs=0.01)  # Wh
    assert energy[("total", "exported")] == pytest.approx(1026.61)

    times = {row["_time"] for row in influx.query(flux(influx, "shelly_power"))}
    assert times == {datetime.fromtimestamp(START + 0.25, UTC).strftime("%Y-%m-%dT%H:%M:%S.25Z")}


def test_both_profiles_write_the_same_series(influx, tmp_path, make_emulator, clock) -> None:
    series = {}
    for profile in ("triphase", "monophase"):
        emulator = make_emulator(profile=profile)
        emulator.set_power(*PHASE_LOAD)
        source = ShellySource(shelly_settings(tmp_path / profile, emulator), clock=clock)
        series[profile] = {(p.measurement, p.tags, k): v for p in source.poll() for k, v in p.fields}
        source.close()
    # Same series; values equal up to rounding (the triphase device sums unrounded phase values).
    assert series["triphase"] == pytest.approx(series["monophase"], abs=0.05)
    assert len(series["triphase"]) == 3 * 6 + 3 + 4 * 2  # per phase 6 power fields, 3 totals, 4 × 2 counters


def test_digest_auth_with_the_right_password(influx, tmp_path, make_emulator, clock) -> None:
    emulator = make_emulator(password="s3cret-pw")
    emulator.set_power(*PHASE_LOAD)
    unauthenticated = httpx.get(f"http://{emulator.address}/rpc/Shelly.GetStatus", timeout=5)
    assert unauthenticated.status_code == 401
    assert "algorithm=SHA-256" in unauthenticated.headers["www-authenticate"]
    source = sample(influx, tmp_path, emulator, clock, shelly_password="s3cret-pw")
    assert source.health.state == "ok"
    assert values(influx, "shelly_power")[("a", "power")] == PHASE_LOAD[0]
    requests_before = emulator.requests
    clock.t += 10
    assert source.poll()
    assert emulator.requests - requests_before == 1  # the nonce is reused: one round trip per sample


@pytest.mark.parametrize(("password", "hint"), [("wrong-pw", "wrong password"), (None, "set HPM_SHELLY_PASSWORD")])
def test_auth_failure_is_one_clear_log_line(tmp_path, make_emulator, clock, caplog, password, hint) -> None:
    emulator = make_emulator(password="s3cret-pw")
    source = ShellySource(shelly_settings(tmp_path, emulator, shelly_password=password), clock=clock)
    caplog.set_level(logging.INFO, logger="collector.sources.shelly")
    for _ in range(5):
        clock.t += 600
        assert source.due(clock.t)
        assert source.poll() == []
    errors = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(errors) == 1, [r.getMessage() for r in errors]
    assert "HPM_SHELLY_PASSWORD" in errors[0].getMessage() and hint in errors[0].getMessage()
    assert errors[0].levelno == logging.ERROR
    assert source.health.state == "auth_failed" and source.health.consecutive_failures == 5
    assert "s3cret" not in caplog.text and "wrong-pw" not in caplog.text


def test_simulated_installation_has_no_device_source(settings) -> None:
    with pytest.raises(ValueError, match="HPM_SHELLY_HOST"):
        ShellySource(settings)
