"""The running simulation: its clock (catch-up, then real time), and the emulator metering exactly the model."""

from __future__ import annotations

import argparse

import httpx
import pytest

from collector.settings import Settings
from collector.sim import cli, simulation_behind, start_simulation


class WallClock:
    """A wall clock the test moves by hand."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_clock_catches_up_fast_then_follows_real_time(tmp_path) -> None:
    wall = WallClock(1_795_000_000.0)
    settings = Settings(_env_file=None, simulation_speed=100, simulation_catchup_hours=2, data_dir=tmp_path)
    simulation = start_simulation(settings, wall)
    try:
        assert simulation.clock() == wall.now - 7200
        wall.now += 36  # 36 s at 100x: one hour simulated
        assert simulation.clock() == pytest.approx(wall.now - 7200 + 3600 - 36)
        wall.now += 100  # past the catch-up: real time from now on
        assert simulation.clock() == wall.now
        assert simulation.installation.t > wall.now - 10  # the model was brought up to it
        assert simulation_behind(simulation.clock) is simulation
    finally:
        simulation.close()


def test_a_real_device_beside_a_simulated_one_keeps_real_time(tmp_path) -> None:
    wall = WallClock(1_795_000_000.0)
    settings = Settings(_env_file=None, simulation_speed=100, shelly_host="192.0.2.1", data_dir=tmp_path)
    simulation = start_simulation(settings, wall)
    try:
        wall.now += 60
        assert simulation.clock() == wall.now
    finally:
        simulation.close()


def test_the_emulator_meters_exactly_what_the_model_consumed(tmp_path) -> None:
    start = 1_795_000_000.0 - 1_795_000_000.0 % 60
    wall = WallClock(start)
    simulation = start_simulation(Settings(_env_file=None, data_dir=tmp_path), wall, start=start)
    try:
        host = simulation.shelly_settings_overrides["shelly_host"]
        before = httpx.get(f"http://{host}/rpc/EMData.GetStatus?id=0").json()["total_act"]
        wall.now = start + 6 * 3600  # a minute boundary: the counters include every completed minute
        simulation.clock()
        after = httpx.get(f"http://{host}/rpc/EMData.GetStatus?id=0").json()["total_act"]
        assert after - before == pytest.approx(simulation.installation.totals.meter, abs=0.02)
        live = httpx.get(f"http://{host}/rpc/EM.GetStatus?id=0").json()["total_act_power"]
        assert live == pytest.approx(simulation.installation.last.meter_w, abs=0.5)
    finally:
        simulation.close()


def test_simulate_command_writes_history_through_the_collectors_sources(
    tmp_path, capsys: pytest.CaptureFixture[str]
) -> None:
    parser = argparse.ArgumentParser()
    cli.add_arguments(parser)
    batches: list = []
    settings = Settings(_env_file=None, data_dir=tmp_path / "data")
    end = 1_795_000_000.0
    assert (
        cli.run(parser.parse_args(["--days", "0.05", "--end", str(end), "--no-progress"]), settings, batches.append)
        == 0
    )
    points = [p for batch in batches for p in batch]
    measurements = {p.measurement for p in points}
    assert {"shelly_power", "shelly_energy", "hp_temperature", "hp_energy_summary"} <= measurements
    assert min(p.time_ns for p in points) >= (end - 0.05 * 86400) * 1e9 - 1e9
    assert max(p.time_ns for p in points) <= end * 1e9
    assert not (tmp_path / "data").exists()  # the live collector's files are never touched
    assert f"{len(points)} points written" in capsys.readouterr().out
    bad = parser.parse_args(["--days", "0"])
    assert cli.run(bad, settings, batches.append) == 2
    real = Settings(_env_file=None, shelly_host="192.0.2.1")
    assert cli.run(parser.parse_args(["--days", "1"]), real, batches.append) == 2
