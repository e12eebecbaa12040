"""The call ledger and a 24-hour run on a fake clock, with a restart in the middle, inside the budget."""

from __future__ import annotations

import json
import math
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from collector.sources.viessmann.budget import DAY, TEN_MINUTES, Budget, BudgetExhausted, CallLedger, RateLimited
from tests.viessmann.dumps import FakeClock, dump, ledger_path, manager, set_feature, source

START = 1.8e9
STEP = 10


def call_times(data_dir: Path) -> list[float]:
    with sqlite3.connect(ledger_path(data_dir)) as db:
        return [t for (t,) in db.execute("SELECT at FROM calls ORDER BY at")]


def max_in_window(times: list[float], window: float) -> int:
    best, first = 0, 0
    for last, t in enumerate(times):
        while times[first] <= t - window:
            first += 1
        best = max(best, last - first + 1)
    return best


def test_ledger_counts_windows_and_survives_reopening(tmp_path: Path) -> None:
    clock = FakeClock(START)
    ledger = CallLedger(tmp_path / "l.sqlite", Budget(per_day=5, per_10min=3), clock)
    for _ in range(3):
        ledger.record("features", "200")
        clock.advance(60)
    assert not ledger.allows()
    with pytest.raises(BudgetExhausted):
        ledger.check()
    assert ledger.next_allowed() == START + TEN_MINUTES  # when the first call leaves the 10-min window
    ledger.close()
    clock.advance(TEN_MINUTES)
    reopened = CallLedger(tmp_path / "l.sqlite", Budget(per_day=5, per_10min=3), clock)
    assert reopened.status() == {"calls_24h": 3, "calls_10min": 0, "budget_24h": 5, "budget_10min": 3}
    reopened.record("features", "200")
    reopened.record("features", "200")
    assert not reopened.allows()  # day budget now: 5 of 5
    assert reopened.next_allowed() == START + DAY
    reopened.block(clock.now + 100, "429")
    with pytest.raises(RateLimited) as blocked:
        reopened.check()
    assert blocked.value.until == clock.now + 100
    clock.advance(DAY)
    assert reopened.allows() and reopened.blocked_until() is None


def test_24_hours_with_a_restart_stay_inside_the_budget(settings) -> None:
    data = dump("Vitocal252A.json")
    clock = FakeClock(START)

    def gateway() -> dict:
        """The gateway reports a new outside temperature every poll: a point per poll."""
        stamp = datetime.fromtimestamp(clock.now, UTC).isoformat().replace("+00:00", "Z")
        set_feature(data, "heating.sensors.temperature.outside", stamp, value=round(clock.now % 7, 1))
        return json.loads(json.dumps(data))

    api = manager("Vitocal252A.json", gateway)
    src = source(settings, api, clock)
    polls, written, restarted = 0, 0, False
    while clock.now < START + DAY:
        if clock.now >= START + DAY / 2 and not restarted:
            before = src.budget_status()
            src.close()
            src, restarted = source(settings, api, clock), True
            assert src.budget_status() == before  # the ledger survived the restart
        if src.due(clock.now):
            written += len(src.poll())
            polls += 1
        clock.advance(STEP)
    status = src.budget_status()
    times = call_times(settings.data_dir)
    assert len(times) == len(api.calls)
    assert status["calls_24h"] == sum(t > clock.now - DAY for t in times)
    assert status["calls_24h"] <= settings.viessmann_calls_allowed_per_day == 725
    assert max_in_window(times, DAY) <= 725
    assert max_in_window(times, TEN_MINUTES) <= settings.viessmann_calls_allowed_per_10min == 60
    period = math.ceil(settings.viessmann_effective_poll_seconds / STEP) * STEP  # due() is asked every STEP s
    assert DAY / period - 3 <= polls <= DAY / period + 1  # it kept polling at its period all day
    assert written >= polls  # every poll brought the new outside temperature
    assert src.health.state == "ok"


def test_a_too_short_poll_period_is_capped_by_the_budget(settings) -> None:
    eager = settings.model_copy(update={"viessmann_poll_seconds": 30.0})
    api, clock = manager("Vitocal252A.json"), FakeClock(START)
    src = source(eager, api, clock)
    while clock.now < START + 2 * DAY:
        if src.due(clock.now):
            src.poll()
        clock.advance(10)
    times = call_times(eager.data_dir)
    assert max_in_window(times, DAY) == 725  # uses its share, never more
    assert max_in_window(times, TEN_MINUTES) <= 60
    assert len(api.calls) == len(times)
