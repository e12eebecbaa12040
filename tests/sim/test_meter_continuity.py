"""The simulated meter keeps its counters across collector restarts (issue 12): a restart must not look like a
counter reset to the tasks."""

from __future__ import annotations

import logging

import httpx
import pytest

from collector.settings import Settings
from collector.sim import start_simulation
from collector.sim.meter_state import STATE_FILE
from collector.sources.shelly import templates


class WallClock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def total(simulation) -> float:  # type: ignore[no-untyped-def]
    host = simulation.shelly_settings_overrides["shelly_host"]
    return httpx.get(f"http://{host}/rpc/EMData.GetStatus?id=0").json()["total_act"]


def test_a_restarted_simulation_continues_the_meter_where_it_stopped(tmp_path) -> None:
    settings = Settings(_env_file=None, data_dir=tmp_path)
    start = 1_795_000_000.0 - 1_795_000_000.0 % 60
    wall = WallClock(start)
    first = start_simulation(settings, wall, start=start)
    try:
        seed = total(first)
        wall.now = start + 3 * 3600
        first.clock()
        before_restart = total(first)
    finally:
        first.close()
    assert before_restart > seed + 100  # three hours of heat pump
    assert seed == pytest.approx(templates.EMDATA_STATUS["total_act"], abs=0.02)

    wall.now += 45  # the restart takes a moment
    second = start_simulation(settings, wall, start=wall.now)
    try:
        assert total(second) == pytest.approx(before_restart, abs=0.01)  # no drop, no jump
        wall.now += 600
        second.clock()
        assert total(second) >= before_restart
    finally:
        second.close()


def test_a_crash_loses_at_most_the_minute_in_progress(tmp_path) -> None:
    """Saved once per simulated minute: a collector killed without close() resumes at the last full minute."""
    settings = Settings(_env_file=None, data_dir=tmp_path)
    start = 1_795_000_000.0 - 1_795_000_000.0 % 60
    wall = WallClock(start)
    crashed = start_simulation(settings, wall, start=start)
    wall.now = start + 3600 + 30
    crashed.clock()
    last_seen = total(crashed)
    crashed.emulator.stop()  # no close(): nothing saved on the way out
    resumed = start_simulation(settings, wall, start=wall.now)
    try:
        assert total(resumed) == pytest.approx(last_seen, abs=0.01)
    finally:
        resumed.close()


def test_an_unreadable_meter_state_starts_afresh_and_says_so(tmp_path, caplog: pytest.LogCaptureFixture) -> None:
    (tmp_path / STATE_FILE).write_text('{"counters": [[1, 2], [3]]}')
    with caplog.at_level(logging.ERROR):
        simulation = start_simulation(Settings(_env_file=None, data_dir=tmp_path), WallClock(1_795_000_000.0))
    try:
        assert total(simulation) == pytest.approx(templates.EMDATA_STATUS["total_act"], abs=0.02)
        assert any("meter state" in record.getMessage() for record in caplog.records)
    finally:
        simulation.close()
