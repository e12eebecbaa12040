"""The emulator's model: energy bookkeeping, history paging and retention, cheap enough for simulation."""

from __future__ import annotations

import httpx
import pytest

from collector.sources.shelly import templates
from collector.sources.shelly.emulator import HISTORY_SECONDS, ShellyEmulator
from tests.shelly.conftest import START, FakeClock


def pages(emulator: ShellyEmulator, ts: int, end_ts: int) -> list[dict]:
    out = []
    while True:
        url = f"http://{emulator.address}/rpc/EMData.GetData"
        page = httpx.get(url, params={"id": 0, "ts": ts, "end_ts": end_ts}, timeout=5).json()
        out.append(page)
        if "next_record_ts" not in page:
            return out
        ts = page["next_record_ts"]


def test_paging_returns_every_record_once_and_counters_move_per_minute(make_emulator, clock: FakeClock) -> None:
    emulator = make_emulator()
    emulator.set_power(3000.0, 600.0, -120.0)
    start_counters = emulator.counters
    clock.t += 40  # the first full minute starts now
    emulator.advance(clock.t)
    first_minute = int(clock.t)
    before = emulator.counters
    clock.t += 59  # within the minute the counters stand still, as on the device
    emulator.advance(clock.t)
    assert emulator.counters == before
    clock.t += 3600 - 59
    result = pages(emulator, first_minute, first_minute + 59 * 60)
    assert all(len(block["values"]) <= templates.PAGE_RECORDS for page in result for block in page["data"])
    stamps = [block["ts"] + i * 60 for page in result for block in page["data"] for i in range(len(block["values"]))]
    assert stamps == list(range(first_minute, first_minute + 60 * 60, 60))  # end_ts inclusive, no duplicates
    row = result[1]["data"][0]["values"][0]
    record = dict(zip(result[1]["keys"], row, strict=True))
    assert record["a_total_act_energy"] == 50.0 and record["c_total_act_ret_energy"] == 2.0  # Wh per minute
    assert record["a_max_act_power"] == record["a_min_act_power"] == 3000.0
    assert emulator.counters["a"] - before["a"] == pytest.approx(3000.0, abs=1e-6)  # 60 full minutes
    assert before["a"] > start_counters["a"]  # the partial first minute counted too


def test_history_keeps_sixty_days_and_advancing_months_is_cheap(make_emulator, clock: FakeClock) -> None:
    emulator = make_emulator()
    emulator.set_power(1000.0, 0.0, 0.0)
    clock.t = START + 90 * 86400
    emulator.advance(clock.t)
    assert len(emulator._runs) <= 3  # constant load: one run, not 129 600 records
    url = f"http://{emulator.address}/rpc/EMData.GetData?id=0&ts=0"  # before the history: from the oldest record
    first = httpx.get(url, timeout=5).json()["data"][0]["ts"]
    assert clock.t - HISTORY_SECONDS - 60 <= first <= clock.t - HISTORY_SECONDS + 60


def test_get_data_needs_ts(make_emulator) -> None:
    response = httpx.get(f"http://{make_emulator().address}/rpc/EMData.GetData?id=0", timeout=5)
    assert response.status_code == 400 and "ts" in response.json()["message"]
