"""The installation seam: simulated devices where settings are empty, real ones where set."""

from __future__ import annotations

import httpx

from collector.app import build_installation
from collector.settings import Settings


def test_simulated_installation_polls_through_the_real_sources(settings: Settings) -> None:
    installation = build_installation(settings.model_copy(update={"simulation_speed": 60.0}))
    try:
        assert [s.name for s in installation.sources] == ["shelly", "viessmann"]
        assert installation.real_period("shelly") == settings.shelly_poll_seconds / 60.0
        shelly, viessmann = installation.sources
        emulator = shelly.settings.shelly_host  # the simulation's Shelly emulator, over real HTTP
        assert httpx.get(f"http://{emulator}/rpc/Shelly.GetDeviceInfo").status_code == 200
        assert {p.measurement for p in shelly.poll()} >= {"shelly_power", "shelly_energy"}
        assert any(p.measurement == "hp_temperature" for p in viessmann.poll())
        assert shelly.health.state == "ok" and viessmann.health.state == "ok"
    finally:
        installation.close()
    try:
        httpx.get(f"http://{emulator}/rpc/Shelly.GetDeviceInfo", timeout=1.0)
        closed = False
    except httpx.HTTPError:
        closed = True
    assert closed  # close() stopped the simulation
